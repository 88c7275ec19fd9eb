"""Binder's configuration, checked with repo2docker's dry run (no Docker needed).

`jupyter-repo2docker --no-build --debug` reads the kit as Binder would and prints the
Dockerfile it would build. Verified: which file Binder uses, which Python it builds, and that
the kit itself is installed from the repository. Not verified here: that the image builds
(needs Docker and the network), that conda-forge can solve the environment, or that the
notebooks run on mybinder.org. Skipped when repo2docker is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from mlsd import dist, paths


def repo2docker() -> str | None:
    local = Path(sys.executable).parent / "jupyter-repo2docker"
    return str(local) if local.exists() else shutil.which("jupyter-repo2docker")


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory) -> tuple[str, str]:
    """The Dockerfile repo2docker would build for a copy of the committed kit, and its log."""
    command = repo2docker()
    if command is None:
        pytest.skip("jupyter-repo2docker is not installed (pip install jupyter-repo2docker)")
    copy = tmp_path_factory.mktemp("binder") / "kit"
    for path in dist.kit_files():
        target = copy / path.relative_to(paths.ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    result = subprocess.run(
        [command, "--no-build", "--debug", str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, result.stderr


def test_binder_builds_environment_yml(dry_run):
    """The Dockerfile updates the environment from the kit's environment.yml."""
    dockerfile, _log = dry_run
    assert re.search(r'env update -p \$\{NB_PYTHON_PREFIX\} --file "environment\.yml"', dockerfile)


def test_binder_python_meets_the_kits_floor(dry_run):
    """The Python repo2docker chooses satisfies `requires-python` (a bare `>=` gives 3.10)."""
    _dockerfile, log = dry_run
    chosen = re.search(r"Building conda environment for python=(\d+\.\d+)", log)
    assert chosen, log
    floor = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    assert SpecifierSet(floor["requires-python"]).contains(chosen[1] + ".0"), log


def test_binder_installs_the_kit_from_the_repository(dry_run):
    """The repository is copied in before the environment is made, so `pip install -e .` works."""
    dockerfile, _log = dry_run
    copy_repo = dockerfile.find("${REPO_DIR}")
    env_update = dockerfile.find('--file "environment.yml"')
    assert 0 <= copy_repo < env_update, dockerfile
