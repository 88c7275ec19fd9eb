"""The `mlsd` command on small fixture notebooks: overrides, refusals, failures, run folders."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.notebook


@pytest.fixture
def kit(tmp_path, fixtures_dir) -> Path:
    """A throw-away kit root holding only the fixture notebooks."""
    shutil.copytree(fixtures_dir / "notebooks", tmp_path / "notebooks")
    return tmp_path


def mlsd(kit: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "MLSD_HOME": str(kit)}
    return subprocess.run(
        [sys.executable, "-m", "mlsd.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=kit,
        timeout=300,
        **kwargs,
    )


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def runs(kit: Path) -> list[Path]:
    folder = kit / "runs"
    return (
        sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
        if folder.exists()
        else []
    )


def outputs_text(notebook: Path) -> str:
    nb = nbformat.read(notebook, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_list_shows_chapters_parameters_types_and_help(kit):
    """`mlsd list` groups notebooks by chapter and prints each parameter's type/default/help."""
    result = mlsd(kit, "list")
    assert result.returncode == 0, result.stderr
    assert "ch90-fixture" in result.stdout
    assert "notebooks/ch90-fixture/01-echo.ipynb" in result.stdout
    assert 'name    : str   = "world"  # who to greet' in result.stdout
    assert "fail : bool  = True  # raise in the third cell" in result.stdout


def test_run_injects_overrides_writes_run_folder_and_leaves_sources_alone(kit):
    """Overrides reach the notebook, the run folder is complete, and sources are untouched."""
    before = tree_digest(kit / "notebooks")
    result = mlsd(
        kit,
        "run",
        "01-echo",
        "-p",
        "name",
        "Ada",
        "-p",
        "seed",
        "7",
        "-p",
        "verbose",
        "true",
        "-p",
        "rate",
        "2.5",
        "--no-progress",
    )
    assert result.returncode == 0, result.stderr
    assert tree_digest(kit / "notebooks") == before
    (run,) = runs(kit)
    assert (kit / "runs" / "latest").resolve() == run.resolve()
    executed = run / "ch90-fixture" / "01-echo.ipynb"
    assert "ECHO seed=7 name=Ada rate=2.5 verbose=True" in outputs_text(executed)
    assert (run / "ch90-fixture" / "01-echo.html").stat().st_size > 1000
    assert "01-echo" in (run / "index.html").read_text()
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "ok"
    assert {
        "kit_version",
        "git",
        "python",
        "platform",
        "packages",
        "datasets_sha256",
        "wall_time_s",
        "notebooks",
    } <= manifest.keys()
    assert manifest["packages"]["papermill"]
    (entry,) = manifest["notebooks"]
    assert entry["parameters"] == {"seed": 7, "name": "Ada", "rate": 2.5, "verbose": True}
    assert entry["status"] == "ok" and entry["duration_s"] > 0 and entry["error"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "01-echo", "-p", "nmae", "x"], "unknown parameter 'nmae'"),
        (
            ["run", "01-echo", "-p", "seed", "abc"],
            "parameter `seed` of notebooks/ch90-fixture/01-echo.ipynb is int, got 'abc'",
        ),
        (["run", "01-echo", "-p", "rate", "fast"], "is float, got 'fast'"),
        (["run", "01-echo", "-p", "verbose", "maybe"], "is bool, got 'maybe'"),
        (["run", "ch99"], "unknown notebook or chapter 'ch99'. Chapters: ch90-fixture"),
        (["run", "--jobs", "0"], "`--jobs` must be at least 1, got 0"),
    ],
)
def test_bad_input_is_refused_with_one_message_before_running(kit, args, expected):
    """Each bad request gets exit 2, one line naming the culprit, no traceback and no run folder."""
    result = mlsd(kit, *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert runs(kit) == []


def test_unknown_parameter_message_lists_the_notebooks_parameters(kit):
    """The refusal of an unknown parameter lists what the notebook accepts."""
    result = mlsd(kit, "run", "01-echo", "-p", "nmae", "x")
    assert "seed, name, rate, verbose" in result.stderr


def test_debug_shows_the_traceback(kit):
    """`--debug` re-raises so a developer sees where a refusal came from."""
    result = mlsd(kit, "--debug", "run", "01-echo", "-p", "seed", "abc")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_out_folder_that_is_not_empty_is_refused(kit):
    """A run never writes into a folder that already holds something."""
    used = kit / "used"
    used.mkdir()
    (used / "keep.txt").write_text("earlier results")
    result = mlsd(kit, "run", "01-echo", "--out", str(used))
    assert result.returncode == 2 and "not empty" in result.stderr
    assert [p.name for p in used.iterdir()] == ["keep.txt"]


def test_failing_notebook_exits_nonzero_and_manifest_names_the_cell(kit):
    """A failing cell gives exit 1, a message naming notebook and cell, and a manifest entry."""
    before = tree_digest(kit / "notebooks")
    result = mlsd(kit, "run", "ch90", "--no-progress", "--jobs", "2", "--no-html")
    assert result.returncode == 1
    assert (
        "notebooks/ch90-fixture/02-fail.ipynb: failed at cell 4: ValueError: boom on purpose"
        in result.stderr
    )
    (run,) = runs(kit)
    manifest = json.loads((run / "manifest.json").read_text())
    by_path = {e["path"]: e for e in manifest["notebooks"]}
    assert by_path["notebooks/ch90-fixture/01-echo.ipynb"]["status"] == "ok"
    failed = by_path["notebooks/ch90-fixture/02-fail.ipynb"]
    assert failed["status"] == "failed" and manifest["status"] == "failed"
    assert failed["error"]["cell"] == 4 and failed["error"]["ename"] == "ValueError"
    source = nbformat.read(kit / "notebooks/ch90-fixture/02-fail.ipynb", as_version=4)
    assert "boom on purpose" in source.cells[failed["error"]["cell"] - 1].source
    assert tree_digest(kit / "notebooks") == before


def test_two_runs_started_together_get_separate_folders(kit):
    """Runs started at the same moment never share or overwrite a run folder."""
    env = {**os.environ, "MLSD_HOME": str(kit)}
    cmd = [sys.executable, "-m", "mlsd.cli", "run", "01-echo", "--no-progress", "--no-html"]
    procs = [
        subprocess.Popen(
            [*cmd, "-p", "name", who],
            env=env,
            cwd=kit,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("first", "second")
    ]
    for proc in procs:
        proc.communicate(timeout=300)
        assert proc.returncode == 0
    folders = runs(kit)
    assert len(folders) == 2
    names = sorted(outputs_text(f / "ch90-fixture" / "01-echo.ipynb") for f in folders)
    assert "name=first" in names[0] and "name=second" in names[1]


def test_run_uses_this_environments_kernel_even_if_the_user_has_another_python3(kit, tmp_path):
    """A user-level `python3` kernelspec pointing elsewhere does not hijack `mlsd run`."""
    spec = tmp_path / "userdata" / "kernels" / "python3"
    spec.mkdir(parents=True)
    bogus = {
        "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Some other Python",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(bogus))
    # JUPYTER_PREFER_ENV_PATH=0: user folders first, as outside a venv (conda base, system Python).
    env = {
        **os.environ,
        "MLSD_HOME": str(kit),
        "JUPYTER_DATA_DIR": str(tmp_path / "userdata"),
        "JUPYTER_PREFER_ENV_PATH": "0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "mlsd.cli", "run", "01-echo", "--no-progress", "--no-html"],
        capture_output=True,
        text=True,
        env=env,
        cwd=kit,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
