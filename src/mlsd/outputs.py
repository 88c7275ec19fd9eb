"""Output folders and files that never lose anyone's work.

Every command that writes goes through this module:

- :func:`atomic_write` writes a file to a temporary sibling and renames it into place, so a
  full disk or an interruption leaves the old file (or nothing), never half a file;
- :func:`check_output_folder` refuses a folder the kit did not make: a folder ``mlsd``
  made carries a marker file, ``.mlsd-output``; any other non-empty folder, the kit's own
  root and the source notebooks are refused with one line saying how to proceed;
- :func:`sync_copies` refreshes working copies (learner editions, the lab's copy of the
  notebooks) without destroying a copy someone changed: the marker records the SHA-256 of
  each file as written; a file whose bytes no longer match was edited, so it is kept and
  the new version is written beside it (``NAME.new.ipynb``) with a one-line message.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mlsd import paths

#: The file that marks a folder as made by ``mlsd`` (and records what it wrote there).
MARKER = ".mlsd-output"


class UsageError(ValueError):
    """A request ``mlsd`` refuses before doing anything (bad notebook, parameter, folder...)."""


class OutputError(Exception):
    """A file could not be written (disk full, read-only folder); ``str()`` names the file."""

    def __init__(self, path: Path, reason: str, errno: int | None = None) -> None:
        super().__init__(f"could not write {path}: {reason}")
        self.path = Path(path)
        self.reason = reason
        self.errno = errno


def _notify_stderr(message: str) -> None:
    import sys

    print(f"mlsd: {message}", file=sys.stderr)


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of ``data``, hex."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str) -> str:
    """SHA-256 of a file's bytes, hex, read in 1 MiB chunks: the kit's one file checksum.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "x.txt"
        >>> _ = path.write_bytes(b"abc")
        >>> sha256_file(path)[:16]
        'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def temp_sibling(path: Path) -> Path:
    """A hidden temporary name next to ``path`` (same folder, so a rename is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary sibling renamed into place.

    Raises:
        OutputError: the file could not be written; the message names it and the reason.
            The temporary file is removed and an earlier ``path`` is left as it was.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = temp_sibling(path)
    try:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputError(path, exc.strerror or str(exc), exc.errno) from None
    return path


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of ``folder`` as a dict, ``{}`` when it is unreadable, ``None`` when absent."""
    marker = Path(folder) / MARKER
    if not marker.exists():
        return None
    try:
        doc = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # damaged: still ours, but no recorded hashes, so nothing is replaced
    return doc if isinstance(doc, dict) else {}


def write_marker(folder: Path, doc: Mapping[str, Any]) -> None:
    """Write the marker of ``folder`` atomically."""
    atomic_write(Path(folder) / MARKER, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def check_output_folder(
    folder: Path, *, kind: str, option: str = "--out", sources: Path | None = None
) -> Path:
    """Refuse an output folder that ``mlsd`` may not write into; return it resolved.

    Allowed: a folder that does not exist, an empty folder, or a folder whose marker says
    ``mlsd`` made it for the same ``kind`` of output ("learner", "lab", "run").

    Raises:
        UsageError: the folder is the kit itself or holds it, lies inside the source
            notebooks, is a file, or is non-empty without the marker.
    """
    folder = Path(folder).expanduser().resolve()
    root = paths.ROOT.resolve()
    sources = (sources or paths.NOTEBOOKS).resolve()
    if folder == root or folder in root.parents:
        raise UsageError(
            f"`{option}` {folder} is the kit's own folder (or holds it); nothing was "
            "changed: choose a new or empty folder"
        )
    if folder == sources or sources in folder.parents:
        raise UsageError(f"`{option}` {folder} is inside the source notebooks {sources}")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"`{option}` {folder} is a file; choose a new or empty folder")
    if folder.is_dir() and any(folder.iterdir()):
        marker = read_marker(folder)
        if marker is None:
            raise UsageError(
                f"`{option}` {folder} is not empty and was not made by mlsd (no {MARKER} "
                "file); nothing in it is changed: choose a new or empty folder"
            )
        if marker and marker.get("kind") not in (None, kind):
            raise UsageError(
                f"`{option}` {folder} holds mlsd {marker.get('kind')} output, not {kind}; "
                "choose another folder"
            )
    return folder


def _beside(rel: str, attempt: int) -> str:
    """``a/b.ipynb`` -> ``a/b.new.ipynb``, then ``a/b.new-2.ipynb``, ..."""
    p = Path(rel)
    tag = "new" if attempt == 1 else f"new-{attempt}"
    return (p.parent / f"{p.stem}.{tag}{p.suffix}").as_posix()


def sync_copies(
    folder: Path,
    files: Mapping[str, bytes],
    *,
    kind: str,
    notify: Callable[[str], None] | None = None,
) -> list[Path]:
    """Bring ``folder`` up to date with ``files`` (relative path -> bytes), losing nothing.

    ``folder`` must have passed :func:`check_output_folder`. For each file:

    - missing: written;
    - unchanged since ``mlsd`` wrote it (its SHA-256 is the recorded one): replaced by the
      new version;
    - changed by someone (or not written by ``mlsd``): kept as it is; if the new version
      differs from what was last written, it goes beside it as ``NAME.new.ipynb`` and
      ``notify`` gets one line saying so.

    Files in ``folder`` that are not in ``files`` are never touched.

    Returns:
        The paths written in this call.
    """
    notify = notify or _notify_stderr
    folder.mkdir(parents=True, exist_ok=True)
    marker = read_marker(folder) or {}
    recorded: dict[str, str] = dict(marker.get("files") or {})
    doc = {"kind": kind, "made_by": "mlsd", "files": recorded}
    if read_marker(folder) is None:
        write_marker(folder, doc)
    written: list[Path] = []

    def put(rel: str, data: bytes, digest: str) -> None:
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
        recorded[rel] = digest
        write_marker(folder, doc)  # after each file: an unrecorded file is never replaced
        written.append(target)

    for rel, data in files.items():
        digest = sha256_bytes(data)
        target = folder / rel
        if not target.exists():
            put(rel, data, digest)
            continue
        current = sha256_file(target)
        if current == digest:
            if recorded.get(rel) != digest:
                recorded[rel] = digest
                write_marker(folder, doc)
            continue
        if recorded.get(rel) == current:
            put(rel, data, digest)  # ours and unchanged: refresh it
            continue
        if recorded.get(rel) == digest:
            continue  # edited by its user; the version we would write is the one they edited
        for attempt in range(1, 100):
            new_rel = _beside(rel, attempt)
            new_target = folder / new_rel
            if not new_target.exists() or sha256_file(new_target) in (
                recorded.get(new_rel),
                digest,
            ):
                break
        else:  # pragma: no cover - a hundred edited copies
            raise UsageError(f"too many edited copies of {target}; move some away")
        if not new_target.exists() or sha256_file(new_target) != digest:
            put(new_rel, data, digest)
        else:
            recorded[new_rel] = digest
            write_marker(folder, doc)
        notify(f"kept your changed {target}; the new version is {new_target.name}")
    return written
