"""environment.yml (conda, Binder) and pyproject.toml stay in step; the Makefile has its targets."""

from __future__ import annotations

import importlib.util
import os
import re
import sys
import sysconfig
import tomllib

import pytest
from packaging.requirements import Requirement

from mlsd import paths


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for name, extra in project["optional-dependencies"].items():
        # `browser` and `site` build and test the kit's website; participants never need them.
        if name not in ("browser", "site"):
            specs.extend(extra)
    return {Requirement(s).name.lower(): str(Requirement(s).specifier) for s in specs}


def environment_requirements() -> dict[str, str]:
    text = (paths.ROOT / "environment.yml").read_text()
    deps = {}
    in_deps = False
    for line in text.splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        if in_deps and re.match(r"^\s{2}- [A-Za-z]", line):
            spec = line.split("- ", 1)[1].split("#")[0].strip()
            match = re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", spec)
            deps[match[1].lower()] = match[2].replace(" ", "")
    return deps


def test_environment_yml_names_the_same_packages_and_floors_as_pyproject():
    """Every pyproject dependency (with extras) is in environment.yml, same floor."""
    conda = environment_requirements()
    conda.pop("python")
    conda.pop("pip")
    assert conda == pyproject_requirements()


def test_environment_yml_installs_the_kit_itself():
    """The conda/Binder route installs the `mlsd` package in editable mode."""
    assert "- -e ." in (paths.ROOT / "environment.yml").read_text()


def test_python_floor_agrees():
    """Python >= 3.11 everywhere."""
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    # environment.yml pins the floor itself: repo2docker (Binder) reads only `python=X.Y`.
    assert environment_requirements()["python"] in (">=3.11", "=3.11")


def test_makefile_has_the_documented_targets_and_lab_is_local_with_token():
    """run/test/lab/lint/bench exist; `make lab` binds 127.0.0.1 and never disables the token."""
    makefile = (paths.ROOT / "Makefile").read_text()
    for target in ("run", "test", "lab", "lint", "bench", "clean"):
        assert re.search(rf"^{target}:", makefile, re.M), target
    lab = re.search(r"^lab:.*\n((?:\t.*\n)+)", makefile, re.M)[1]
    assert "--ServerApp.ip=127.0.0.1" in lab
    assert "token" not in lab.lower() and "password" not in lab.lower()


def test_ci_runs_the_readme_test_command():
    """.ci/run calls `make test`, the command the README gives."""
    assert "make test" in (paths.ROOT / ".ci" / "run").read_text()
    assert "make test" in (paths.ROOT / "README.md").read_text()


def test_pre_commit_ruff_is_the_ruff_the_dev_extra_pins():
    """The ruff hook's rev equals the dev extra's exact ruff pin, so hook and `make lint` agree."""
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    (ruff,) = [
        Requirement(s) for s in project["optional-dependencies"]["dev"] if s.startswith("ruff")
    ]
    (pin,) = ruff.specifier
    assert pin.operator == "==", f"the dev extra should pin ruff exactly, got {ruff}"
    config = (paths.ROOT / ".pre-commit-config.yaml").read_text()
    rev = re.search(r"ruff-pre-commit\n(?:\s*#.*\n)*\s*rev: v(\S+)", config)[1]
    assert rev == pin.version


def test_setup_uses_uv_with_compiled_bytecode_and_falls_back_to_pip():
    """`make setup` installs with uv, then compiles all but packages' tests, else uses pip."""
    makefile = (paths.ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, re.M)[1]
    assert "$(FIND_UV)" in recipe and "uv pip install" in recipe and "$(COMPILE)" in recipe
    compile_line = re.search(r"^COMPILE := (.*\n(?:\t.*\n)*)", makefile, re.M)[1]
    assert "-m compileall" in compile_line and "-x '$(NOT_COMPILED)'" in compile_line
    exclude = re.compile(re.search(r"^NOT_COMPILED := (.*)$", makefile, re.M)[1])
    assert exclude.search("/v/lib/python3.11/site-packages/pandas/tests/frame/test_api.py")
    assert exclude.search("/v/lib/python3.11/site-packages/pip/_internal/main.py")
    assert not exclude.search(
        "/home/me/tests/kit/.venv/lib/python3.11/site-packages/pandas/io/common.py"
    )
    assert "-m pip install --quiet --disable-pip-version-check -e" in recipe


def test_commands_that_run_the_kit_compile_its_source_first():
    """run, test, test-ranges, bench, lab and learn compile src/ before starting any process."""
    makefile = (paths.ROOT / "Makefile").read_text()
    assert re.search(r"^SRC_BYTECODE := \$\(BIN\)/python -m compileall -qq src$", makefile, re.M)
    for target in ("run", "test", "test-ranges", "bench", "lab", "learn"):
        recipe = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.M)[1]
        assert recipe.startswith("\t@$(SRC_BYTECODE)\n"), target


def test_the_range_sweep_has_its_target_and_ci_runs_it_after_the_tests():
    """`make test-ranges` runs the `ranges` marker, which `make test` leaves out; CI runs both."""
    makefile = (paths.ROOT / "Makefile").read_text()
    assert re.search(r"^test-ranges:.*\n(?:\t.*\n)*\t.*-m ranges", makefile, re.M)
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())
    assert "not ranges" in project["tool"]["pytest"]["ini_options"]["addopts"]
    ci = (paths.ROOT / ".ci" / "run").read_text()
    assert ci.index("make test\n") < ci.index("make test-ranges")


@pytest.mark.skipif(
    not os.environ.get("PYTHONDONTWRITEBYTECODE") or sys.prefix == sys.base_prefix,
    reason="only meaningful in a venv made by `make setup` where imports write no bytecode",
)
def test_every_module_outside_the_exclusions_was_compiled_at_set_up():
    """Each site-packages module `make setup` does not exclude has its bytecode, and no module
    this test process has imported (pandas, scikit-learn, jupyter_client...) is excluded."""
    makefile = (paths.ROOT / "Makefile").read_text()
    exclude = re.compile(re.search(r"^NOT_COMPILED := (.*)$", makefile, re.M)[1])
    site = sysconfig.get_path("purelib")
    missing, checked = [], 0
    for root, dirs, files in os.walk(site):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = os.path.join(root, name)
            if name.endswith(".py") and not exclude.search(path):
                checked += 1
                if not os.path.exists(importlib.util.cache_from_source(path)):
                    missing.append(path)
    assert checked > 1_000, f"only {checked} modules found under {site}"
    assert not missing, f"{len(missing)} modules have no bytecode, e.g. {missing[:5]}"
    imported = [
        m.__file__
        for m in list(sys.modules.values())
        if (getattr(m, "__file__", None) or "").startswith(site)
    ]
    assert len(imported) > 100, "this test process should have imported the kit's libraries"
    assert not [f for f in imported if exclude.search(f)], "a module in use is not compiled"
