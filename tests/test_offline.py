"""Every notebook runs with the network unavailable: the kit downloads nothing at run time.

The notebooks are not executed here a second time: every execution of the session
(`notebook_runs` in conftest.py) happens inside the offline sandbox, and these tests check
that sandbox and read the default executions.
"""

from __future__ import annotations

import subprocess
import sys

import forkkernel
import pytest
from conftest import LESSON_NOTEBOOKS, NOTEBOOK_IDS, PROBE, offline_sandbox


def test_the_sandbox_lets_no_connection_leave_the_machine(tmp_path):
    """A connection attempt from inside the sandbox fails (network namespace or socket guard)."""
    prefix, env, how = offline_sandbox(tmp_path / "guard")
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    assert probe.stdout.strip() == "OFFLINE", (how, probe.stdout, probe.stderr)


def test_the_sandbox_still_serves_loopback(tmp_path):
    """Inside the sandbox a local server is reachable (the kernel talks to papermill this way)."""
    prefix, env, _ = offline_sandbox(tmp_path / "guard")
    code = (
        "import socket\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
        "c = socket.create_connection(s.getsockname(), timeout=3); print('LOOPBACK')\n"
    )
    result = subprocess.run(
        [*prefix, sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.stdout.strip() == "LOOPBACK", result.stderr


@pytest.mark.notebook
@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_notebook_runs_offline_without_a_cell_error(notebook_runs, path):
    """The default execution happened offline and no cell raised (what nbval-lax checked)."""
    run = notebook_runs.run(path)
    assert run.network in ("network namespace", "socket guard")
    # Where forked kernels can work, the suite's real preload list must have loaded (a library
    # that fails or warns there would silently cost every execution its imports).
    assert run.kernels == "forked kernel" or forkkernel.available() is not None, run.kernels
    nb = run.ok()
    errors = [
        (index, output.get("ename"), output.get("evalue"))
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and "raises-exception" not in cell.metadata.get("tags", [])
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert errors == []
    executed = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in executed), "a code cell was not executed"


@pytest.mark.notebook
def test_a_configuration_executes_once_and_solution_markers_do_not_count(tmp_path):
    """Asking again, or for the same code with `# SOLUTION` markers, reuses one execution."""
    import nbformat
    from conftest import NotebookRuns

    runs = NotebookRuns(tmp_path / "runs", fresh_kernels=True)  # two tiny runs: no server
    cells = [nbformat.v4.new_code_cell("seed = 1", metadata={"tags": ["parameters"]})]
    kernel = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python"}}
    plain = nbformat.v4.new_notebook(
        cells=[*cells, nbformat.v4.new_code_cell("x = seed + 1")], metadata=kernel
    )
    marked = nbformat.v4.new_notebook(
        cells=[*cells, nbformat.v4.new_code_cell("x = seed + 1  # SOLUTION")], metadata=kernel
    )
    first = runs.run(plain, label="tiny", seed=2)
    assert first.error is None and first.nb.cells[-1].execution_count
    assert runs.run(marked, label="tiny", seed=2) is first
    stored = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*.ipynb")}
    again = NotebookRuns(tmp_path / "runs", fresh_kernels=True)  # another worker, same store
    again.run(plain, label="tiny", seed=2)
    again.close()
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*.ipynb")} == stored
    other = runs.run(plain, label="tiny", seed=3)
    assert other is not first
    runs.close()
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2  # two configurations, two runs
