"""``make site``: a static website of the guides and freshly executed notebooks, built offline.

The site follows the session plan (before the first meeting; then each session, its chapter
guides, each followed by that chapter's notebooks). Its pages are:

- the README (home page), ``chapters/*.md``, ``CONTRIBUTING.md`` and the data set cards;
- every notebook, executed for this build by ``mlsd run`` so figures and outputs are current.

Links that leave those pages are made to resolve: a link to a folder goes to its README (or
a generated list of its pages), and a link to any other file of the kit (a module under
``src/``, ``LICENSE``, ``SHA256SUMS``) copies that file into the site as a download. The
build runs Sphinx with warnings as errors, so a link that still does not resolve stops it.

Usage: ``python -m mlsd.site [--out runs/site] [--run FOLDER] [--jobs N]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from mlsd import paths, runner

#: Sphinx configuration, kept in the repository.
CONF_DIR_NAME = "site"
MARKER = ".mlsd-site"
#: Markdown documents of the kit that become pages (besides the README and the notebooks).
PAGES = ("chapters/*.md", "datasets/*.md", "CONTRIBUTING.md")
# [text](target) and [text](target "title"); images too.
_LINK = re.compile(r"(\]\()(?P<target>[^)\s]+)(?P<rest>(?:\s+\"[^\"]*\")?\))")
_CHAPTER = re.compile(r"^ch(\d+)")


class SiteError(RuntimeError):
    """The site could not be built; the message says why."""


def chapter_number(name: str) -> int | None:
    match = _CHAPTER.match(name)
    return int(match.group(1)) if match else None


def session_of(chapter: int) -> int:
    """The meetup session that reads book chapter ``chapter`` (two per session; 0 is set-up)."""
    return 0 if chapter == 0 else (chapter + 1) // 2


def _doc(rel: Path) -> str:
    """A Sphinx document name (no suffix), absolute, for a toctree."""
    return "/" + rel.with_suffix("").as_posix()


def navigation(root: Path) -> str:
    """The home page's navigation: sessions, then chapter guides, then their notebooks."""
    guides = {
        chapter_number(p.stem): p.relative_to(root)
        for p in sorted((root / "chapters").glob("ch*.md"))
        if chapter_number(p.stem) is not None
    }
    notebooks: dict[int, list[Path]] = defaultdict(list)
    for p in sorted((root / "notebooks").rglob("*.ipynb")):
        number = chapter_number(p.relative_to(root / "notebooks").parts[0])
        if number is not None:
            notebooks[number].append(p.relative_to(root))
    sessions: dict[int, list[int]] = defaultdict(list)
    for chapter in sorted(set(guides) | set(notebooks)):
        sessions[session_of(chapter)].append(chapter)

    blocks = []
    for session, chapters in sorted(sessions.items()):
        if session == 0:
            caption = "Before the first meeting"
            entries = ["/chapters/README"] if (root / "chapters" / "README.md").exists() else []
        else:
            book = " and ".join(str(c) for c in chapters)
            caption = f"Session {session}: book chapter{'s' if len(chapters) > 1 else ''} {book}"
            entries = []
        for chapter in chapters:
            if chapter in guides:
                entries.append(_doc(guides[chapter]))
            entries.extend(_doc(nb) for nb in notebooks[chapter])
        blocks.append(_toctree(caption, entries))
    reference = [_doc(Path("datasets/README.md"))] if (root / "datasets/README.md").exists() else []
    if (root / "CONTRIBUTING.md").exists():
        reference.append("/CONTRIBUTING")
    if reference:
        blocks.append(_toctree("Reference", reference))
    return "\n".join(blocks)


def _toctree(caption: str, entries: list[str]) -> str:
    lines = ["", "```{toctree}", f":caption: {caption}", ":maxdepth: 1", ""]
    return "\n".join([*lines, *entries, "```", ""])


def _resolve_links(page: Path, staging: Path, kit: Path) -> None:
    """Rewrite ``page``'s links so each one lands on something inside ``staging``."""
    text = page.read_text(encoding="utf-8")

    def fix(match: re.Match) -> str:
        target = match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            return match.group(0)  # another site, mail, or an anchor on this page
        path_part, _, anchor = target.partition("#")
        rel_in_site = (page.parent / path_part).resolve()
        try:
            rel = rel_in_site.relative_to(staging.resolve())
        except ValueError:
            return match.group(0)  # leaves the kit: Sphinx reports it
        source = kit / rel
        if path_part.endswith("/") or source.is_dir():
            folder = staging / rel
            for name in ("README.md", "index.md"):
                if (folder / name).exists():
                    new = os.path.relpath(folder / name, page.parent)
                    return f"{match.group(1)}{Path(new).as_posix()}{match['rest']}"
            _folder_index(folder, kit / rel, staging)
            new = os.path.relpath(folder / "index.md", page.parent)
            return f"{match.group(1)}{Path(new).as_posix()}{match['rest']}"
        if source.is_file() and not (staging / rel).exists():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, staging / rel)
        suffix = f"#{anchor}" if anchor else ""
        return f"{match.group(1)}{path_part}{suffix}{match['rest']}"

    page.write_text(_LINK.sub(fix, text), encoding="utf-8")


def _folder_index(folder: Path, source: Path, staging: Path) -> None:
    """A page listing the pages in ``folder`` (for a link to a folder with no README)."""
    folder.mkdir(parents=True, exist_ok=True)
    rel = folder.relative_to(staging).as_posix()
    entries = sorted(
        p.relative_to(staging)
        for p in folder.rglob("*")
        if p.suffix in (".md", ".ipynb") and p.name != "index.md"
    )
    lines = [f"# `{rel}/`", "", f"The pages in the kit's `{rel}/` folder.", ""]
    lines += [
        f"- [{p.relative_to(rel).as_posix()}]({p.relative_to(rel).as_posix()})" for p in entries
    ]
    (folder / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def stage(run_dir: Path, staging: Path, kit: Path | None = None) -> Path:
    """Lay out the site's sources in ``staging``: the kit's pages and the executed notebooks."""
    kit = kit or paths.ROOT
    conf = kit / CONF_DIR_NAME / "conf.py"
    if not conf.is_file():
        raise SiteError(f"the site's Sphinx configuration is missing: {conf}")
    staging.mkdir(parents=True, exist_ok=True)
    shutil.copy2(conf, staging / "conf.py")
    for pattern in PAGES:
        for page in sorted(kit.glob(pattern)):
            target = staging / page.relative_to(kit)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(page, target)
    executed = sorted(run_dir.rglob("*.ipynb"))
    if not executed:
        raise SiteError(f"no executed notebook in {run_dir}")
    for nb in executed:
        target = staging / "notebooks" / nb.relative_to(run_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(nb, target)
    # The README is the home page; its links are relative to the kit's root, as index.md's.
    readme = (kit / "README.md").read_text(encoding="utf-8")
    (staging / "index.md").write_text(readme.rstrip() + "\n" + navigation(staging), "utf-8")
    for page in sorted(staging.rglob("*.md")):
        _resolve_links(page, staging, kit)
    return staging


def execute_notebooks(out: Path, jobs: int) -> Path:
    """Execute every notebook with ``mlsd run`` into ``out``; raise naming what failed."""
    plan = runner.plan_run([], [], jobs=jobs, out=out, html=False)
    runner.execute(plan, progress=False)
    failed = runner.failures(plan)
    if failed:
        raise SiteError("notebooks failed, so the site was not built:\n" + "\n".join(failed))
    return out


def sphinx_build(staging: Path, html: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-W",
        "--keep-going",
        "-q",
        "-j",
        "1",
        str(staging),
        str(html),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SiteError(f"sphinx-build failed:\n{result.stdout}{result.stderr}")


def build(out: Path | None = None, *, run_dir: Path | None = None, jobs: int = 2) -> Path:
    """Build the site into ``out`` (default ``runs/site``); return ``out``.

    Work happens in a temporary sibling of ``out``, renamed into place when complete; an
    existing ``out`` is replaced only if an earlier build made it (it holds the marker file).
    """
    try:
        import myst_nb  # noqa: F401
        import sphinx  # noqa: F401
    except ImportError as exc:
        raise SiteError(
            f"the site needs the `site` extra ({exc.name} is missing): "
            "pip install -e '.[site]'  (make site does this)"
        ) from exc
    out = (out or paths.RUNS / "site").resolve()
    if out.exists() and not (out / MARKER).exists():
        raise SiteError(f"{out} exists and was not made by `make site`; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".site-", dir=out.parent))
    try:
        executed = run_dir or execute_notebooks(work / "run", jobs)
        staging = stage(executed, work / "src")
        html = work / "html"
        sphinx_build(staging, html)
        shutil.rmtree(html / ".doctrees", ignore_errors=True)
        (html / MARKER).write_text("built by `make site` (python -m mlsd.site)\n", "utf-8")
        if out.exists():
            os.replace(out, work / "previous")
        os.replace(html, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlsd.site", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=None, help="folder for the site (default: runs/site)")
    parser.add_argument("--run", default=None, help="use this `mlsd run` folder, do not execute")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks executed at once")
    args = parser.parse_args(argv)
    try:
        out = build(
            Path(args.out) if args.out else None,
            run_dir=Path(args.run) if args.run else None,
            jobs=args.jobs,
        )
    except (SiteError, runner.UsageError) as exc:
        print(f"mlsd site: {exc}", file=sys.stderr)
        return 1
    print(f"site: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
