"""`mlsd run` stopped by a signal: no process survives, and the manifest tells the truth."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

SLOW = "ch90-fixture/03-slow.ipynb"
ECHO = "ch90-fixture/01-echo.ipynb"


@pytest.fixture
def kit(tmp_path, fixtures_dir) -> Path:
    """A throw-away kit root holding only the fixture notebooks."""
    shutil.copytree(fixtures_dir / "notebooks", tmp_path / "notebooks")
    return tmp_path


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) of every live process (zombies left out), from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":  # a zombie has exited; only its exit status waits to be read
            table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every process below ``pid``."""
    table = process_table()
    found, frontier = set(), {pid}
    while frontier:
        children = {p for p, (ppid, _) in table.items() if ppid in frontier}
        found |= {(p, table[p][1]) for p in children}
        frontier = children
    return found


def alive(procs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    table = process_table()
    return {(p, start) for p, start in procs if p in table and table[p][1] == start}


def start_run(kit: Path, jobs: int, *notebooks: str, sleep_s: float = 120) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "mlsd.cli", "run", *notebooks, "--no-progress", "--no-html"),
            *("--jobs", str(jobs), "-p", "sleep_s", str(sleep_s), "--out", str(kit / "run")),
        ],
        env={**os.environ, "MLSD_HOME": str(kit)},
        cwd=kit,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"mlsd exited early: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("timed out waiting for the run to reach the slow cell")
        time.sleep(0.1)


def slow_cell_running(kit: Path) -> bool:
    partial = kit / "run" / "ch90-fixture" / ".03-slow.partial.ipynb"
    try:
        cells = json.loads(partial.read_text())["cells"]
    except (OSError, ValueError, KeyError):
        return False
    return any(c["metadata"].get("papermill", {}).get("status") == "running" for c in cells)


def stop_and_check(kit: Path, proc: subprocess.Popen, signum: int) -> tuple[dict, str]:
    """Send ``signum`` to mlsd only; check exit code, survivors and terminal output."""
    family = descendants(proc.pid)
    assert family, "expected worker and kernel processes"
    sent = time.monotonic()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 30, "stopping took too long"  # the slow cell sleeps 120 s
    assert proc.returncode == 128 + signum, err
    time.sleep(0.3)
    assert alive(family) == set(), "a worker or kernel outlived mlsd"
    assert "Traceback" not in err and "ZMQError" not in err and "KeyboardInterrupt" not in err
    assert (kit / "run" / "index.html").exists()
    leftovers = [
        p.name for p in (kit / "run").rglob("*") if ".tmp" in p.name or "partial" in p.name
    ]
    assert leftovers == []
    return json.loads((kit / "run" / "manifest.json").read_text()), err


@pytest.mark.parametrize(
    ("jobs", "signum", "status"),
    [
        (1, signal.SIGTERM, "terminated"),
        (2, signal.SIGTERM, "terminated"),
        (2, signal.SIGINT, "interrupted"),
    ],
)
def test_signal_stops_workers_and_kernels_and_records_each_notebook(kit, jobs, signum, status):
    """SIGTERM or SIGINT to mlsd alone: exit 128+N, nothing survives, finished work is "ok"."""
    before = {p: p.read_bytes() for p in (kit / "notebooks").rglob("*.ipynb")}
    proc = start_run(kit, jobs, "01-echo", "03-slow")
    echo_done = kit / "run" / "ch90-fixture" / "01-echo.ipynb"
    wait_for(lambda: slow_cell_running(kit) and echo_done.exists(), proc)
    time.sleep(0.3)  # the echo worker's report follows its renamed notebook at once
    manifest, err = stop_and_check(kit, proc, signum)
    assert manifest["status"] == status
    by_path = {e["path"].removeprefix("notebooks/"): e for e in manifest["notebooks"]}
    assert by_path[ECHO]["status"] == "ok" and by_path[ECHO]["duration_s"] > 0
    assert by_path[SLOW]["status"] == status
    assert by_path[SLOW]["error"]["cell"] == 3  # the cell that sleeps
    assert by_path[SLOW]["duration_s"] > 0
    assert f"mlsd: {status}" in err and "1 of 2 notebooks finished" in err
    assert {p: p.read_bytes() for p in before} == before


def test_a_kernel_killed_with_sigkill_is_reported_at_the_cell_it_was_running(kit):
    """A dead kernel gives "failed at cell 3: DeadKernelError", not "before any cell"."""
    proc = start_run(kit, 1, "03-slow")
    wait_for(lambda: slow_cell_running(kit), proc)
    table = process_table()
    kernels = [
        p
        for p, _ in descendants(proc.pid)
        if "ipykernel" in Path(f"/proc/{p}/cmdline").read_text(errors="replace")
        and table[p][0] != proc.pid
    ]
    assert len(kernels) == 1
    os.kill(kernels[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "notebooks/ch90-fixture/03-slow.ipynb: failed at cell 3: DeadKernelError" in err
    manifest = json.loads((kit / "run" / "manifest.json").read_text())
    assert manifest["notebooks"][0]["error"]["cell"] == 3
