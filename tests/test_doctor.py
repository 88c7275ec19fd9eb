"""`mlsd doctor`: OK on a good installation; FAIL with a fix when a dataset is damaged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from mlsd import doctor, paths

pytestmark = pytest.mark.notebook  # starts a kernel


def run_doctor(home=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if home is not None:
        env["MLSD_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "mlsd.cli", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_doctor_passes_on_this_installation():
    """Every check passes here: Python, packages, kernel, datasets, runs/ writable."""
    result = run_doctor()
    assert result.returncode == 0, result.stdout + result.stderr
    for name in (
        "python",
        "numpy",
        "papermill",
        "jupyter kernel",
        "dataset customers",
        "runs/ writable",
    ):
        assert f"OK    {name}" in result.stdout, name
    assert "0 FAIL" in result.stdout


def test_doctor_fails_on_a_damaged_dataset_and_says_how_to_fix_it(tmp_path):
    """A changed byte in a shipped dataset gives FAIL, the fix, and exit status 1."""
    shutil.copytree(paths.DATASETS, tmp_path / "datasets")
    (tmp_path / "notebooks").mkdir()
    target = tmp_path / "datasets" / "customers.csv"
    data = bytearray(target.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    result = run_doctor(tmp_path)
    assert result.returncode == 1
    assert "FAIL  dataset customers" in result.stdout
    assert "git checkout -- datasets" in result.stdout


def test_package_floors_come_from_the_installed_metadata():
    """The package check lists every runtime requirement of mlsd with its floor."""
    names = {c.name for c in doctor.check_packages()}
    assert {"numpy", "pandas", "scikit-learn", "statsmodels", "papermill", "jupyterlab"} <= names
    assert "pytest" not in names  # test extras are not needed at the meetup


def test_doctor_names_an_unreadable_notebook(tmp_path, monkeypatch, fixtures_dir):
    """An empty Untitled.ipynb under notebooks/ is a FAIL line naming it; the rest still count."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(fixtures_dir / "notebooks", notebooks)
    (notebooks / "Untitled.ipynb").write_text("")
    monkeypatch.setattr(paths, "NOTEBOOKS", notebooks)
    checks = {c.name: c for c in doctor.check_notebooks()}
    assert checks["notebooks"].ok and checks["notebooks"].detail.startswith("3 readable")
    bad = checks["notebook notebooks/Untitled.ipynb"]
    assert not bad.ok and "empty file" in bad.detail
