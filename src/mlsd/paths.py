"""Where the kit's folders are, from any working directory.

The kit is installed in editable mode (``pip install -e .``), so the repository root is
found from this file's location. ``MLSD_HOME`` overrides it (for example to point an
installed copy at a checkout).
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    """Return the kit's root folder (the one holding ``notebooks/`` and ``datasets/``)."""
    env = os.environ.get("MLSD_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2]


ROOT = root()
NOTEBOOKS = ROOT / "notebooks"
DATASETS = ROOT / "datasets"
RUNS = ROOT / "runs"
CHAPTERS = ROOT / "chapters"
