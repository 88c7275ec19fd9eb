"""ruff keeps code and notebooks clean (the same check as `make lint`)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mlsd import paths


def ruff() -> str:
    found = Path(sys.executable).with_name("ruff")
    if found.exists():
        return str(found)
    on_path = shutil.which("ruff")
    if on_path is None:
        pytest.skip("ruff is not installed (it comes with the `dev` extra: `make setup`)")
    return on_path


@pytest.mark.parametrize(
    "args", [["check", "."], ["format", "--check", "."]], ids=["check", "format"]
)
def test_ruff_is_clean_on_code_and_notebooks(args):
    """`ruff check` and `ruff format --check` pass on src/, tests/, benchmarks/ and notebooks/."""
    result = subprocess.run(
        [ruff(), *args], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
