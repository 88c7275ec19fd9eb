"""``make dist``: one zip an organiser hands to participants (USB stick, chat, mail).

It holds the kit as committed (the notebooks, the datasets with their cards and checksums,
the guides, the README, the ``mlsd`` package and what installs it), plus the learner
editions in ``learner-editions/`` (made by ``mlsd student``), under one top folder
``mlsd-meetup-kit-<version>/``. Nothing from ``runs/``, ``.venv`` or ``../shared`` goes in.

Before writing, every text file is searched for a placeholder URL (``example.com``,
``your-org``, ``<...>`` in an address, a repository address the kit never had); one found
stops the build with the file and the URL, because a participant cannot use either.

Usage: ``python -m mlsd.dist [--out runs/dist]``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from mlsd import __version__, paths, student

LEARNER_FOLDER = "learner-editions"
#: Folders never shipped (made locally, or only for the kit's own CI and editors).
_NEVER = {
    ".git",
    ".venv",
    "runs",
    "build",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".ipynb_checkpoints",
}
_URL = re.compile(r"""https?://[^\s)\]}>"'`]+""")
#: Addresses that stand for "fill this in", and the repository the kit never had.
_PLACEHOLDER = re.compile(
    r"example\.(com|org|net)|your[-_]?(org|user|name|repo|fork)|<[^>]*>|\{[^}]*\}|"
    r"\bUSERNAME\b|\bORG\b|github\.com/mlsd-meetup-kit/|\bTODO\b|\bXXX\b",
    re.IGNORECASE,
)
# Fixed timestamp: the same kit gives the same zip.
_DATE = (2020, 1, 1, 0, 0, 0)
_TEXT_SUFFIXES = {
    ".md",
    ".py",
    ".toml",
    ".yml",
    ".yaml",
    ".ipynb",
    ".txt",
    ".cfg",
    ".json",
    ".csv",
    ".html",
    "",
}


class DistError(RuntimeError):
    """The zip was not made; the message names the file and what is wrong."""


def kit_files(kit: Path | None = None) -> list[Path]:
    """The kit's files as committed (``git ls-files``), or every file outside local folders."""
    kit = kit or paths.ROOT
    try:
        listed = subprocess.run(
            ["git", "-C", str(kit), "ls-files", "-z"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout.decode()
        files = [kit / name for name in listed.split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        files = [p for p in kit.rglob("*") if p.is_file()]
    return sorted(
        p for p in files if p.is_file() and not _NEVER.intersection(p.relative_to(kit).parts)
    )


def placeholder_urls(name: str, text: str) -> list[str]:
    """``name: url`` for each URL in ``text`` that is a placeholder, not a real address."""
    return [f"{name}: {url}" for url in _URL.findall(text) if _PLACEHOLDER.search(url)]


def build(out: Path | None = None, *, kit: Path | None = None) -> Path:
    """Write ``mlsd-meetup-kit-<version>.zip`` into ``out`` (default ``runs/dist``); return it."""
    kit = (kit or paths.ROOT).resolve()
    out = (out or kit / "runs" / "dist").resolve()
    top = f"mlsd-meetup-kit-{__version__}"
    files = kit_files(kit)
    if not any(p.suffix == ".ipynb" for p in files):
        raise DistError(f"no notebook found under {kit}; nothing to hand out")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".dist-", dir=out) as tmp:
        learner = student.write_learner_editions(
            Path(tmp) / LEARNER_FOLDER, source_root=kit / "notebooks"
        )
        entries = [(p, f"{top}/{p.relative_to(kit).as_posix()}") for p in files]
        entries += [
            (p, f"{top}/{LEARNER_FOLDER}/{p.relative_to(Path(tmp) / LEARNER_FOLDER).as_posix()}")
            for p in learner
        ]
        problems = []
        for path, name in entries:
            if path.suffix in _TEXT_SUFFIXES and path.stat().st_size < 5_000_000:
                text = path.read_text(encoding="utf-8", errors="replace")
                problems += placeholder_urls(name, text)
        if problems:
            raise DistError("placeholder URLs, fix them first:\n" + "\n".join(problems))
        target = out / f"{top}.zip"
        staged = Path(tmp) / target.name
        with zipfile.ZipFile(staged, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path, name in sorted(entries, key=lambda e: e[1]):
                info = zipfile.ZipInfo(name, date_time=_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (path.stat().st_mode & 0o777 | 0o100000) << 16
                zf.writestr(info, path.read_bytes())
        os.replace(staged, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlsd.dist", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=None, help="folder for the zip (default: runs/dist)")
    args = parser.parse_args(argv)
    try:
        target = build(Path(args.out) if args.out else None)
    except (DistError, ValueError) as exc:
        print(f"mlsd dist: {exc}", file=sys.stderr)
        return 1
    size_mb = target.stat().st_size / 1e6
    print(f"dist: {target} ({size_mb:.1f} MB); participants unzip it and follow its README")
    return 0


if __name__ == "__main__":
    sys.exit(main())
