"""The shipped data sets as files: their manifest, checksums and check (no pandas).

``datasets/manifest.json`` records each snapshot's file, size, seed, truth and SHA-256. This
module reads it and hashes the files with the kit's one checksum
(:func:`mlsd.outputs.sha256_file`), so that ``mlsd run`` (which records the checksums in its
manifest) and ``mlsd doctor`` do so without importing pandas. :mod:`mlsd.datasets`
re-exports everything here; notebooks use it from there.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

from mlsd import paths
from mlsd.outputs import sha256_file

MANIFEST_FILE = "manifest.json"
SUMS_FILE = "SHA256SUMS"


class DataError(Exception):
    """A data-set file cannot be read or written; the message names the file and the problem.

    ``mlsd data`` prints it as one line and exits 1.
    """


def os_problem(err: OSError) -> str:
    """What went wrong, in a few words: "the disk is full", "permission denied", ..."""
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "the folder is read-only" if err.errno == errno.EROFS else "permission denied"
    return err.strerror or str(err)


def manifest(datasets_dir: Path | str | None = None) -> dict[str, Any]:
    """Read ``datasets/manifest.json``: sizes, seeds, checksums and truth of each snapshot.

    Raises:
        FileNotFoundError: when the manifest is missing (run ``mlsd data generate``).
        DataError: naming the file, when it is not valid JSON (truncated, edited) or lacks
            the ``datasets`` table with a ``file`` and ``sha256`` for each entry.
    """
    folder = Path(datasets_dir) if datasets_dir is not None else paths.DATASETS
    path = folder / MANIFEST_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path}: no manifest; run `mlsd data generate` to create it")
    fix = "restore it with `git checkout -- datasets` or recreate it with `mlsd data generate`"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: is not UTF-8 text (byte {err.start:,}); {fix}") from err
    except json.JSONDecodeError as err:
        size = path.stat().st_size
        raise DataError(
            f"{path}: is not valid JSON ({err.msg} at line {err.lineno} column {err.colno}, "
            f"{size:,} bytes: truncated or edited?); {fix}"
        ) from err
    except OSError as err:
        raise DataError(f"{path}: cannot be read: {os_problem(err)}") from err
    entries = doc.get("datasets") if isinstance(doc, dict) else None
    if not isinstance(entries, dict) or not all(
        isinstance(e, dict) and {"file", "sha256"} <= e.keys() for e in entries.values()
    ):
        raise DataError(
            f"{path}: has no `datasets` table with a `file` and `sha256` for each data set; {fix}"
        )
    return doc


def checksums(
    datasets_dir: Path | str | None = None, *, every_file: bool = False
) -> dict[str, str]:
    """Return ``{file name: sha256}`` of the files the manifest lists, hashed as shipped.

    A listed file that is missing maps to ``"missing"``.

    Args:
        datasets_dir: the folder; defaults to the kit's ``datasets/``.
        every_file: hash every file under the folder instead (cards, README and manifest
            too), keyed by the path relative to it: what a run records to say which data
            it read. No manifest is needed then; a missing folder gives ``{}``.
    """
    folder = Path(datasets_dir) if datasets_dir is not None else paths.DATASETS
    if every_file:
        if not folder.is_dir():
            return {}
        return {
            p.relative_to(folder).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }
    out: dict[str, str] = {}
    for entry in manifest(folder)["datasets"].values():
        path = folder / entry["file"]
        out[entry["file"]] = sha256_file(path) if path.exists() else "missing"
    return out


def check_manifest(datasets_dir: Path | str | None = None) -> list[tuple[str, bool, str]]:
    """Hash each shipped file and compare it with the manifest (fast; no regeneration).

    Returns:
        One ``(name, ok, message)`` per data set in the manifest.
    """
    folder = Path(datasets_dir) if datasets_dir is not None else paths.DATASETS
    results: list[tuple[str, bool, str]] = []
    for name, entry in manifest(folder)["datasets"].items():
        path = folder / entry["file"]
        if not path.exists():
            results.append((name, False, f"{entry['file']} is missing"))
            continue
        digest = sha256_file(path)
        if digest == entry["sha256"]:
            results.append((name, True, f"{entry['file']} sha256 {digest[:12]} matches"))
        else:
            results.append(
                (
                    name,
                    False,
                    f"{entry['file']} sha256 {digest[:12]} != manifest {entry['sha256'][:12]}",
                )
            )
    return results
