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
from conftest import FIXTURES

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


def test_list_shows_chapters_parameters_types_and_help(cli):
    """`mlsd list` groups notebooks by chapter and prints each parameter's type/default/help."""
    result = cli("list")
    assert result.returncode == 0, result.stderr
    assert "ch90-fixture" in result.stdout
    assert "notebooks/ch90-fixture/01-echo.ipynb" in result.stdout
    assert 'name    : str   = "world"  # who to greet' in result.stdout
    assert "fail : bool  = True  # raise in the third cell" in result.stdout


OVERRIDES = ("-p", "name", "Ada", "-p", "seed", "7", "-p", "verbose", "true", "-p", "rate", "2.5")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> dict:
    """Two `mlsd run` processes started at the same moment on one throw-away kit.

    The first sets a parameter of each type and writes HTML, with a user-level `python3`
    kernelspec pointing to a Python that does not exist, user folders first
    (JUPYTER_PREFER_ENV_PATH=0, as outside a venv: conda base, system Python). The second
    greets "second". Three tests read these two runs (two kernel starts instead of four).
    """
    kit = tmp_path_factory.mktemp("kit")
    shutil.copytree(FIXTURES / "notebooks", kit / "notebooks")
    userdata = tmp_path_factory.mktemp("userdata")
    spec = userdata / "kernels" / "python3"
    spec.mkdir(parents=True)
    bogus = {
        "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Some other Python",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(bogus))
    env = {**os.environ, "MLSD_HOME": str(kit)}
    hijack = {"JUPYTER_DATA_DIR": str(userdata), "JUPYTER_PREFER_ENV_PATH": "0"}
    before = tree_digest(kit / "notebooks")
    cmd = [sys.executable, "-m", "mlsd.cli", "run", "01-echo", "--no-progress"]
    procs = [
        subprocess.Popen(
            args, env=run_env, cwd=kit, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for args, run_env in (
            ([*cmd, *OVERRIDES], env | hijack),
            ([*cmd, "--no-html", "-p", "name", "second"], env),
        )
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return {"kit": kit, "before": before, "overrides": results[0], "second": results[1]}


def run_of(kit: Path, name: str) -> Path:
    """The run folder whose 01-echo greeted ``name``."""
    (found,) = [
        f for f in runs(kit) if f"name={name} " in outputs_text(f / "ch90-fixture/01-echo.ipynb")
    ]
    return found


def test_run_injects_overrides_writes_run_folder_and_leaves_sources_alone(two_runs):
    """Overrides reach the notebook, the run folder is complete, and sources are untouched."""
    kit, result = two_runs["kit"], two_runs["overrides"]
    assert result.returncode == 0, result.stderr
    assert "[IPKernelApp]" not in result.stderr  # no kernel notices on the user's terminal
    assert tree_digest(kit / "notebooks") == two_runs["before"]
    run = run_of(kit, "Ada")
    # runs/latest names the run that finished last (the failing-notebook test pins it alone)
    assert (kit / "runs" / "latest").resolve() in {f.resolve() for f in runs(kit)}
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
def test_bad_input_is_refused_with_one_message_before_running(kit, cli, args, expected):
    """Each bad request gets exit 2, one line naming the culprit, no traceback and no run folder.

    In this process (refused before any notebook runs, so no kernel is needed); the next test
    checks the same through the installed `mlsd` command's exit status and stderr.
    """
    result = cli(*args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert runs(kit) == []


def test_the_mlsd_command_refuses_bad_input_with_status_2_and_one_line(kit):
    """The `mlsd` command itself (a process of its own) exits 2 with one line on stderr."""
    result = mlsd(kit, "run", "01-echo", "-p", "seed", "abc")
    assert result.returncode == 2
    assert result.stderr == (
        "mlsd: error: parameter `seed` of notebooks/ch90-fixture/01-echo.ipynb is int, got 'abc'\n"
    )
    assert result.stdout == "" and runs(kit) == []


def test_unknown_parameter_message_lists_the_notebooks_parameters(cli):
    """The refusal of an unknown parameter lists what the notebook accepts."""
    result = cli("run", "01-echo", "-p", "nmae", "x")
    assert "seed, name, rate, verbose" in result.stderr


def test_debug_shows_the_traceback(cli):
    """`--debug` re-raises so a developer sees where a refusal came from."""
    from mlsd.outputs import UsageError

    with pytest.raises(UsageError, match="is int, got 'abc'"):
        cli("--debug", "run", "01-echo", "-p", "seed", "abc")


def test_out_folder_that_is_not_empty_is_refused(kit, cli):
    """A run never writes into a folder that already holds something."""
    used = kit / "used"
    used.mkdir()
    (used / "keep.txt").write_text("earlier results")
    result = cli("run", "01-echo", "--out", str(used))
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
    assert (kit / "runs" / "latest").resolve() == run.resolve()  # failed runs are the latest too
    manifest = json.loads((run / "manifest.json").read_text())
    by_path = {e["path"]: e for e in manifest["notebooks"]}
    assert by_path["notebooks/ch90-fixture/01-echo.ipynb"]["status"] == "ok"
    failed = by_path["notebooks/ch90-fixture/02-fail.ipynb"]
    assert failed["status"] == "failed" and manifest["status"] == "failed"
    assert failed["error"]["cell"] == 4 and failed["error"]["ename"] == "ValueError"
    source = nbformat.read(kit / "notebooks/ch90-fixture/02-fail.ipynb", as_version=4)
    assert "boom on purpose" in source.cells[failed["error"]["cell"] - 1].source
    assert tree_digest(kit / "notebooks") == before


def test_two_runs_started_together_get_separate_folders(two_runs):
    """Runs started at the same moment never share or overwrite a run folder."""
    kit = two_runs["kit"]
    for result in (two_runs["overrides"], two_runs["second"]):
        assert result.returncode == 0, result.stderr
    folders = runs(kit)
    assert len(folders) == 2
    texts = [outputs_text(f / "ch90-fixture" / "01-echo.ipynb") for f in folders]
    assert sorted(("name=Ada " in t, "name=second " in t) for t in texts) == [
        (False, True),
        (True, False),
    ]


def test_run_uses_this_environments_kernel_even_if_the_user_has_another_python3(two_runs):
    """A user-level `python3` kernelspec pointing elsewhere does not hijack `mlsd run`."""
    result = two_runs["overrides"]  # run with that kernelspec and user folders first
    assert result.returncode == 0, result.stderr
    assert "ECHO seed=7 name=Ada" in outputs_text(
        run_of(two_runs["kit"], "Ada") / "ch90-fixture/01-echo.ipynb"
    )


@pytest.fixture
def cli(kit, monkeypatch, capsys):
    """Call `mlsd` in this process on the throw-away kit (no interpreter start-up per call)."""
    from mlsd import cli as cli_module
    from mlsd import paths

    for name, value in {
        "ROOT": kit,
        "NOTEBOOKS": kit / "notebooks",
        "DATASETS": kit / "datasets",
        "RUNS": kit / "runs",
    }.items():
        monkeypatch.setattr(paths, name, value)
    monkeypatch.chdir(kit)

    def call(*args: str) -> subprocess.CompletedProcess:
        capsys.readouterr()
        code = cli_module.main(list(args))
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return call


def test_a_huge_value_is_quoted_as_a_prefix(cli):
    """A 5,000-digit integer is refused with a message that quotes its start, not all of it."""
    result = cli("run", "01-echo", "-p", "seed", "7" * 5000)
    assert result.returncode == 2
    assert "(5,000 characters)" in result.stderr and "7" * 100 not in result.stderr
    assert len(result.stderr) < 300


@pytest.mark.parametrize("command", ["run", "student"])
def test_out_at_the_kit_root_is_refused_and_nothing_is_touched(kit, cli, command):
    """`--out .` at the kit's root is refused with one line; every file is still there."""
    (kit / "notes.txt").write_text("my notes")
    before = tree_digest(kit)
    result = cli(command, "--out", ".")
    assert result.returncode == 2, result.stderr
    assert "is the kit's own folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree_digest(kit) == before


def test_student_refuses_a_folder_it_did_not_make(kit, cli):
    """`mlsd student --out DIR` on a folder holding a user's notes.txt changes nothing in it."""
    mine = kit / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes")
    result = cli("student", "--out", str(mine))
    assert result.returncode == 2
    assert "not empty and was not made by mlsd" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "my notes"


def test_an_empty_untitled_notebook_is_named_and_skipped(kit, cli):
    """An empty Untitled.ipynb is named by list, run and student, and stops none of them."""
    from mlsd import runner

    (kit / "notebooks" / "ch90-fixture" / "Untitled.ipynb").write_text("")
    named = "notebooks/ch90-fixture/Untitled.ipynb: not a readable notebook (empty file)"
    listing = cli("list")
    assert listing.returncode == 0 and named in listing.stderr
    assert "notebooks/ch90-fixture/01-echo.ipynb" in listing.stdout
    editions = cli("student", "--out", str(kit / "learner"))
    assert editions.returncode == 0 and named in editions.stderr
    assert sorted(p.name for p in (kit / "learner" / "ch90-fixture").iterdir()) == [
        "01-echo.ipynb",
        "02-fail.ipynb",
        "03-slow.ipynb",
    ]
    chosen = cli("run", "Untitled")
    assert chosen.returncode == 2 and named in chosen.stderr
    assert len(chosen.stderr.strip().splitlines()) == 1
    plan = runner.plan_run(["01-echo"], [("seed", "3")])  # another notebook is planned as usual
    assert [nb.rel.name for nb in plan.notebooks] == ["01-echo.ipynb"]


def test_an_absolute_path_to_a_chapter_folder_selects_like_the_relative_one(kit, cli):
    """`mlsd run /abs/notebooks/ch90-fixture` plans the same notebooks as `ch90-fixture`."""
    from mlsd import runner

    relative = runner.plan_run(["notebooks/ch90-fixture/"], [])
    absolute = runner.plan_run([str(kit / "notebooks" / "ch90-fixture")], [])
    assert [nb.rel for nb in absolute.notebooks] == [nb.rel for nb in relative.notebooks]
    assert len(absolute.notebooks) == 3


@pytest.fixture
def full_disk(tmp_path):
    """A tiny tmpfs with ``free_kb`` left, or skip where mounting is not allowed."""
    mounted = []

    def make(free_kb: int) -> Path:
        disk = tmp_path / f"disk{len(mounted)}"
        disk.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.strip()}")
        mounted.append(disk)
        stat = os.statvfs(disk)
        (disk / "filler").write_bytes(b"x" * (stat.f_bavail * stat.f_frsize - free_kb * 1024))
        return disk

    if shutil.which("mount") is None or not sys.platform.startswith("linux"):
        pytest.skip("needs Linux mount")
    yield make
    for disk in mounted:
        subprocess.run(["umount", str(disk)], check=False)


def assert_no_half_files(folder: Path) -> None:
    for path in folder.rglob("*"):
        assert ".tmp" not in path.name and ".partial" not in path.name, path
        if path.suffix in (".ipynb", ".json"):
            json.loads(path.read_text())  # whole, not cut short


@pytest.mark.parametrize("command", ["run", "student"])
def test_a_full_disk_gives_one_line_naming_the_file_and_no_half_files(kit, cli, full_disk, command):
    """When the disk fills, mlsd exits 1 with one line naming the file; no file is cut short."""
    disk = full_disk(8)
    if command == "run":  # executes a notebook: in a process of its own
        args = ("run", "01-echo", "--no-progress", "--no-html", "--out", str(disk / "out"))
        result = mlsd(kit, *args)
    else:
        result = cli("student", "--out", str(disk / "out"))
    assert result.returncode == 1, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mlsd: error: could not write {disk / 'out'}")
    assert line.endswith("No space left on device")
    assert_no_half_files(disk / "out")
