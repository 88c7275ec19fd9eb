"""ML Systems Design Meetup Kit: the small library the notebooks import.

``import mlsd`` then ``mlsd.business.profit_curve(...)``; submodules load on first use so
that ``import mlsd`` stays fast.
"""

from __future__ import annotations

import importlib
from importlib import metadata

try:  # one source for the version: pyproject.toml, as installed
    __version__ = metadata.version("mlsd")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_SUBMODULES = {
    "paths",
    "simulate",
    "datasets",
    "business",
    "latency",
    "experiments",
    "features",
    "plots",
    "exercises",
    "economics",
    "validation",
    "runner",
    "cli",
    "doctor",
    "student",
    "outputs",
    "lab",
    "sampling",  # chapter 4: reservoir sampling, importance weighting, prior correction
    "labels",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'mlsd' has no attribute {name!r}")


__all__ = sorted(_SUBMODULES)
