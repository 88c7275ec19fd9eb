"""``make lab`` and ``make learn``: JupyterLab on a working copy, never on the sources.

JupyterLab autosaves every open notebook, outputs included. Served from ``notebooks/`` it
would write into the committed lessons; so ``mlsd lab`` serves ``lab/``, a git-ignored copy
of ``notebooks/``, and ``mlsd learn`` serves ``learn/``, the learner editions. Both folders
are refreshed from the sources on every start, by the rule of
:func:`mlsd.outputs.sync_copies`: a copy nobody changed is replaced by the current source;
a copy someone changed is kept, and the new version is written beside it.

The server listens on 127.0.0.1 only, with Jupyter's token authentication.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from mlsd import outputs, paths

LAB_DIR_NAME = "lab"


def lab_workspace() -> Path:
    """``lab/`` at the kit root: the working copy of the notebooks that ``make lab`` serves."""
    return paths.ROOT / LAB_DIR_NAME


def write_lab_copy(
    out_dir: Path | None = None,
    *,
    source_root: Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> Path:
    """Copy every readable notebook of ``source_root`` into ``out_dir`` (default ``lab/``).

    Returns:
        The folder.
    """
    from mlsd import runner

    notify = notify or outputs._notify_stderr
    source_root = (source_root or paths.NOTEBOOKS).resolve()
    folder = outputs.check_output_folder(
        out_dir or lab_workspace(), kind="lab", option="lab folder", sources=source_root
    )
    files: dict[str, bytes] = {}
    for src in runner.notebook_files(source_root):
        try:
            runner.read_notebook(src)
        except runner.UnreadableNotebook as exc:
            notify(f"skipped {exc}")
            continue
        files[src.relative_to(source_root).as_posix()] = src.read_bytes()
    outputs.sync_copies(folder, files, kind="lab", notify=notify)
    return folder


def prepare(which: str) -> Path:
    """Refresh ``lab/`` (``which="lab"``) or ``learn/`` (``which="learn"``); return it."""
    if which == "learn":
        from mlsd import student

        folder = student.learner_workspace()
        student.write_learner_editions(folder)
        return folder.resolve()
    return write_lab_copy()


def jupyter_command(folder: Path, extra: list[str] | None = None) -> list[str]:
    """The ``jupyter lab`` command line: 127.0.0.1, token on, rooted at ``folder``."""
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={folder}",
        "--no-browser",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root; JupyterLab refuses without
    return cmd + list(extra or [])


def start_jupyter(folder: Path, extra: list[str] | None = None) -> int:
    """Replace this process with JupyterLab on ``folder`` (POSIX) or wait for it (Windows)."""
    cmd = jupyter_command(folder, extra)
    if os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(cmd[0], cmd)
    return subprocess.call(cmd)  # pragma: no cover - Windows
