"""Shared fixtures: paths, the real churn data sets, and running a notebook with papermill."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from mlsd.cli import skip_the_iri_grammar

skip_the_iri_grammar()  # before nbformat imports jsonschema: 2 s less per test process

import nbformat  # noqa: E402
import pytest  # noqa: E402
from sandbox import namespace_prefix  # noqa: E402

from mlsd import paths  # noqa: E402

# Fixture notebooks are inputs for CLI tests, not lessons: they are not collected.
collect_ignore_glob = ["fixtures/*"]

_BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_ignore_collect(collection_path, config):
    """Leave tests/browser to `make test-browser`, which names it.

    Besides being slow and needing chromium, its conftest would take the module name
    `conftest` that the test modules here import their helpers from.
    """
    if collection_path != _BROWSER_TESTS:
        return None
    asked = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    return None if any(a == _BROWSER_TESTS or _BROWSER_TESTS in a.parents for a in asked) else True


FIXTURES = Path(__file__).parent / "fixtures"
#: Real churn data sets beside the project (../shared/data), never shipped with it; tests
#: that need them skip when absent. benchmarks/bench_data.py imports these two paths.
SHARED_DATA = paths.ROOT.parent / "shared" / "data"
TELCO_CSV = SHARED_DATA / "ibm-telco-churn" / "Telco-Customer-Churn.csv"
PMLB_CHURN_TSV = SHARED_DATA / "pmlb-churn" / "churn.tsv.gz"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def telco_csv() -> Path:
    """The IBM Telco churn CSV in ../shared/data, or skip when it is absent."""
    if not TELCO_CSV.exists():
        pytest.skip(f"real data set not present at {TELCO_CSV} (needs ../shared/data)")
    return TELCO_CSV


@pytest.fixture
def pmlb_churn_tsv() -> Path:
    """The PMLB churn TSV (gzip) in ../shared/data, or skip when it is absent."""
    if not PMLB_CHURN_TSV.exists():
        pytest.skip(f"real data set not present at {PMLB_CHURN_TSV} (needs ../shared/data)")
    return PMLB_CHURN_TSV


@pytest.fixture
def stream_text():
    """A function returning everything an executed notebook printed (stream outputs)."""

    def _text(nb) -> str:
        return "\n".join(
            out.get("text", "")
            for cell in nb.cells
            if cell.cell_type == "code"
            for out in cell.get("outputs", [])
            if out.get("output_type") == "stream"
        )

    return _text


# --- One execution of each notebook per configuration ---------------------------------------
#
# Every test that needs an executed notebook asks `notebook_runs.run(notebook, **parameters)`.
# The first request executes it (in an executor process inside the offline sandbox) and stores
# the result under pytest's base temporary folder; every later request in the session, from
# any xdist worker, reads the stored result. A file lock per configuration makes the other
# workers wait instead of executing it a second time. The key is the notebook's cells (type,
# source without solution markers, tags) and the parameters, so two editions whose code is the
# same (the instructor edition, and a learner edition with every solution pasted back) share
# one execution.

LESSON_NOTEBOOKS = sorted(
    p for p in paths.NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
#: Test ids of the lesson notebooks, e.g. "ch01-overview/01-churn-in-dollars.ipynb"; the xdist
#: scheduler below keeps the tests whose id names a notebook on one worker.
NOTEBOOK_IDS = [p.relative_to(paths.NOTEBOOKS).as_posix() for p in LESSON_NOTEBOOKS]
_NOTEBOOK_ID = re.compile(r"ch\d\d-[a-z0-9-]+/\d\d-[a-z0-9-]+\.ipynb")

PROBE = (
    "import socket\n"
    "try:\n"
    "    socket.create_connection(('1.1.1.1', 443), timeout=3)\n"
    "except OSError:\n"
    "    print('OFFLINE')\n"
    "else:\n"
    "    print('ONLINE')\n"
)

# Where no network namespace can be made: refuse every connection that leaves the machine.
GUARD = textwrap.dedent(
    """
    # Installed by tests/conftest.py: refuse every connection that leaves the machine.
    import ipaddress
    import socket

    _connect = socket.socket.connect

    def _guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                local = host == "localhost" or ipaddress.ip_address(host).is_loopback
            except ValueError:
                local = False
            if not local:
                raise OSError(101, f"network disabled by the offline test: {address!r}")
        return _connect(self, address)

    socket.socket.connect = _guarded
    """
)

# The executor: one per test process, started inside the sandbox and kept for the session,
# so papermill is imported once rather than once per notebook. It reads one JSON request per
# line on stdin (in, out, parameters, working folder) and answers one JSON line on the
# stdout it was started with ({"error": null} or {"error": "cell N: Error: message"});
# anything else printed goes to stderr.
_EXECUTOR = textwrap.dedent(
    """
    import json, os, sys
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    from mlsd.cli import skip_the_iri_grammar
    skip_the_iri_grammar()
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError
    sys.path.insert(0, os.environ["MLSD_TESTS_DIR"])
    import forkkernel

    # Kernels forked from a server that has the libraries loaded (tests/forkkernel.py), where
    # the machine allows it; otherwise fresh kernels. Either way each answer says which.
    manager, kernels = None, forkkernel.available()
    if kernels is None:
        try:
            # `server` stays referenced: when its stdin closes (here, at exit) it stops.
            server, sock = forkkernel.start_server(os.environ["MLSD_FORK_DIR"])
            manager = forkkernel.manager_class(sock)
            kernels = "forked kernel"
        except RuntimeError as exc:
            kernels = str(exc)
    kernels = kernels if manager else f"fresh kernel ({kernels})"
    for line in sys.stdin:
        job = json.loads(line)
        error = None
        try:
            pm.execute_notebook(
                job["in"], job["out"], parameters=job["parameters"], cwd=job["cwd"],
                kernel_name="python3", progress_bar=False, request_save_on_cell_execute=False,
                execution_timeout=600, **({"kernel_manager_class": manager} if manager else {}),
            )
        except PapermillExecutionError as exc:
            error = f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        answers.write(json.dumps({"error": error, "kernels": kernels}) + "\\n")
        answers.flush()
    """
)


@functools.cache
def offline_sandbox(guard_dir: Path) -> tuple[tuple[str, ...], dict[str, str], str]:
    """(command prefix, environment, how) that runs a command with the network unreachable.

    A network namespace where the machine allows one, else a `sitecustomize` socket guard.
    A probe proves that no connection leaves the machine; the sandbox is refused otherwise.
    """
    env = {k: v for k, v in os.environ.items() if k != "MLSD_HOME"}
    prefix = namespace_prefix()
    how = "network namespace"
    if prefix is None:
        guard_dir.mkdir(parents=True, exist_ok=True)
        (guard_dir / "sitecustomize.py").write_text(GUARD)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard_dir), env.get("PYTHONPATH")]))
        prefix, how = [], "socket guard"
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=60
    )
    if probe.stdout.strip() != "OFFLINE":
        raise RuntimeError(f"the {how} let a connection out: {probe.stdout}{probe.stderr}")
    return tuple(prefix), env, how


_MARKER_LINE = re.compile(r"^\s*#\s*(BEGIN|END)\s+SOLUTION\s*$", re.I)
_MARKER_TAIL = re.compile(r"\s*#\s*SOLUTION\s*$", re.I)


def strip_solution_markers(source: str) -> str:
    """``source`` without `# SOLUTION` comments and `# BEGIN/END SOLUTION` lines.

    They are comments, so the code runs the same with or without them: the execution key
    ignores them, and the instructor edition and a learner edition with every solution pasted
    back then share one execution.
    """
    lines = [_MARKER_TAIL.sub("", line) for line in source.splitlines()]
    return "\n".join(line for line in lines if not _MARKER_LINE.match(line))


def kit_path(notebook: str | Path) -> Path:
    """``notebook`` as an absolute path; a relative one starts at the kit's root."""
    path = Path(notebook)
    return path if path.is_absolute() else paths.ROOT / path


@dataclass
class NotebookRun:
    """One execution of a notebook: the executed notebook, its error if any, time, sandbox."""

    label: str
    parameters: dict
    nb: nbformat.NotebookNode
    error: str | None
    seconds: float
    network: str
    kernels: str  # "forked kernel", or "fresh kernel (why)"

    def ok(self) -> nbformat.NotebookNode:
        """The executed notebook; fails the calling test if the execution raised."""
        if self.error:
            pytest.fail(f"{self.label} {self.parameters or ''} failed: {self.error}")
        return self.nb


class NotebookRuns:
    """Executes each (notebook, parameters) once per test session, shared by xdist workers."""

    def __init__(self, cache_dir: Path, *, fresh_kernels: bool = False):
        self.cache_dir = cache_dir
        self.fresh_kernels = fresh_kernels  # no fork server (for a store of a few tiny runs)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self._memo: dict[str, NotebookRun] = {}
        self._executor: subprocess.Popen | None = None

    def run(
        self,
        notebook: str | Path | nbformat.NotebookNode,
        *,
        label: str | None = None,
        **parameters,
    ) -> NotebookRun:
        """Execute ``notebook`` with ``parameters`` (or return the stored execution)."""
        if isinstance(notebook, nbformat.NotebookNode):
            nb, label = notebook, label or "notebook"
        else:
            path = kit_path(notebook)
            nb, label = nbformat.read(path, as_version=4), label or path.name
        key = hashlib.sha256(
            json.dumps(
                {
                    "cells": [
                        [
                            c.cell_type,
                            strip_solution_markers(c.source) if c.cell_type == "code" else c.source,
                            sorted(c.get("metadata", {}).get("tags", [])),
                        ]
                        for c in nb.cells
                    ],
                    "parameters": parameters,
                },
                sort_keys=True,
            ).encode()
        ).hexdigest()[:16]
        if key not in self._memo:
            self._memo[key] = self._execute_once(key, nb, label, parameters)
        return self._memo[key]

    def _execute_once(self, key, nb, label, parameters) -> NotebookRun:
        stem = f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', label).strip('-')}-{key}"
        meta_path = self.cache_dir / f"{stem}.json"
        out_path = self.cache_dir / f"{stem}.ipynb"
        with _locked(self.cache_dir / f"{stem}.lock"):
            if not meta_path.exists():
                in_path = self.cache_dir / f"{stem}.in.ipynb"
                nbformat.write(nb, in_path)
                workdir = self.cache_dir / f"{stem}-cwd"
                workdir.mkdir(exist_ok=True)
                how = offline_sandbox(self.cache_dir / "guard")[2]
                started = time.perf_counter()
                error, kernels = self._executor_run(
                    {"in": str(in_path), "out": str(out_path), "cwd": str(workdir)}
                    | {"parameters": parameters}
                )
                seconds = time.perf_counter() - started
                if not out_path.exists():
                    nbformat.write(nb, out_path)  # failed before papermill wrote anything
                meta = {"label": label, "parameters": parameters, "error": error}
                meta |= {"seconds": round(seconds, 2), "network": how, "pid": os.getpid()}
                meta["kernels"] = kernels
                tmp = meta_path.with_suffix(".tmp")
                tmp.write_text(json.dumps(meta))
                os.replace(tmp, meta_path)  # the result is complete before anyone reads it
        meta = json.loads(meta_path.read_text())
        return NotebookRun(
            label=label,
            parameters=parameters,
            nb=nbformat.read(out_path, as_version=4),
            error=meta["error"],
            seconds=meta["seconds"],
            network=meta["network"],
            kernels=meta["kernels"],
        )

    def close(self) -> None:
        """Stop the executor (it ends when its input closes) and close its log."""
        if self._executor is not None:
            self._executor.stdin.close()
            try:
                self._executor.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self._executor.kill()
                self._executor.wait()
            self._executor.stdout.close()
            self._log.close()
            self._executor = None

    def _executor_run(self, job: dict) -> tuple[str | None, str]:
        """Execute one notebook in this process's executor (started on first use).

        Returns the error (None if the notebook ran) and the kind of kernel it ran in.
        """
        if self._executor is None or self._executor.poll() is not None:
            prefix, env, _ = offline_sandbox(self.cache_dir / "guard")
            self.close()
            self._log = open(self.cache_dir / f"executor-{os.getpid()}.log", "a")
            self._executor = subprocess.Popen(
                [*prefix, sys.executable, "-c", _EXECUTOR],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
                env=env | {"MLSD_TESTS_DIR": str(Path(__file__).parent)}
                | {"MLSD_FORK_DIR": str(self.cache_dir)}
                | ({"MLSD_FRESH_KERNELS": "1"} if self.fresh_kernels else {}),
            )  # fmt: skip
        self._executor.stdin.write(json.dumps(job) + "\n")
        self._executor.stdin.flush()
        answer = self._executor.stdout.readline()
        if not answer:  # the executor died: say so, and start a new one next time
            log = (self.cache_dir / f"executor-{os.getpid()}.log").read_text().strip()
            return f"the executor stopped: {(log.splitlines() or ['no message'])[-1]}", "?"
        answer = json.loads(answer)
        return answer["error"], answer["kernels"]


_RUN_ERROR = re.compile(r"cell (\S+): (\w+): (.*)", re.S)


def refused_in_the_check_cell(run: NotebookRun) -> tuple[str, str]:
    """(exception name, message) of a run its parameter-check cell stopped.

    Fails the calling test unless the run raised in the first code cell after the parameters
    (papermill's injected cell) and no later code cell ran: a bad value is refused before
    any heavy work.
    """
    where = f"{run.label} {run.parameters}"
    assert run.error, f"{where} ran to the end: the bad value was accepted"
    found = _RUN_ERROR.fullmatch(run.error)
    assert found, f"{where} did not fail in a cell: {run.error}"
    cells = run.nb.cells
    tags = [c.get("metadata", {}).get("tags", []) for c in cells]
    injected = next(i for i, t in enumerate(tags) if "injected-parameters" in t)
    code = [i for i in range(injected + 1, len(cells)) if cells[i].cell_type == "code"]
    errors = [o for o in cells[code[0]].get("outputs", []) if o.get("output_type") == "error"]
    assert errors, f"{where}: the first cell after the parameters did not raise: {run.error}"
    later = [i for i in code[1:] if cells[i].get("execution_count") is not None]
    assert not later, f"{where}: cells after the check ran: {later}"
    return found[2], found[3]


@contextlib.contextmanager
def _locked(path: Path):
    """An exclusive lock on ``path`` across processes (no lock where fcntl is missing)."""
    with open(path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: workers may execute a notebook twice, never wrongly
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _runs_dir(config: pytest.Config) -> Path:
    """The session's store of executions: pytest's base temp of the controlling process."""
    base = config._tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # an xdist worker's base temp is <controller's>/gwN
    return base / "notebook-runs"


@pytest.fixture(scope="session")
def notebook_runs(pytestconfig):
    """Execute a notebook once per configuration per session: ``notebook_runs.run(nb, **p)``."""
    runs = NotebookRuns(_runs_dir(pytestconfig))
    yield runs
    runs.close()


_GET = re.compile(
    r"""^\s*(\w+)\s*=\s*(?:mlsd\.)?exercises\.get\(\s*["']([^"']+)["']\s*\)\s*(?:#.*)?$""", re.M
)
_CHECK = re.compile(r"^[^#\n]*?\b(\w+)\.check\(", re.M)


def exercise_labels(nb) -> dict[str, str]:
    """The notebook's exercises: variable (``q1``) -> question id, from ``q1 = ...get("id")``."""
    return {
        found[1]: found[2]
        for cell in nb.cells
        if cell.cell_type == "code"
        for found in _GET.finditer(cell.source)
    }


def feedback_outcome(output) -> str | None:
    """ "correct", "not attempted" or "incorrect" for a displayed Feedback; None otherwise."""
    data = output.get("data", {})
    markdown, plain = data.get("text/markdown", ""), data.get("text/plain", "")
    for icon, outcome in (("✅", "correct"), ("✏️", "not attempted"), ("❌", "incorrect")):
        if markdown.startswith(f"**{icon}"):
            return outcome
    if plain.startswith("[Correct]"):
        return "correct"
    if plain.lower().startswith("[not attempted"):
        return "not attempted"
    if plain.startswith("[") and not plain.startswith(("[Exercise", "[Hint", "[Solution")):
        return "incorrect"
    return None


def check_outcomes(nb) -> list[dict]:
    """Each ``qN.check(...)`` call of an executed notebook with the outcome its cell displayed.

    Returns one dict per call: ``cell`` (index), ``label`` (``q1``), ``qid``, ``outcome``
    ("correct", "not attempted", "incorrect", or "no feedback" when nothing was displayed),
    and ``text`` (what was displayed).
    """
    labels = exercise_labels(nb)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        calls = [m[1] for m in _CHECK.finditer(cell.source) if m[1] in labels]
        shown = [
            (feedback_outcome(o), o.get("data", {}).get("text/plain", ""))
            for o in cell.get("outputs", [])
        ]
        shown = [s for s in shown if s[0] is not None]
        for n, label in enumerate(calls):
            outcome, text = shown[n] if n < len(shown) else ("no feedback", "")
            found.append(
                {"cell": index, "label": label, "qid": labels[label], "outcome": outcome}
                | {"text": text}
            )
    return found


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """List every notebook execution of the session once, with its time and sandbox."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not hasattr(config, "_tmp_path_factory"):
        return
    store = _runs_dir(config)
    metas = sorted(store.glob("*.json"), key=lambda p: p.stat().st_mtime) if store.exists() else []
    if not metas:
        return
    terminalreporter.section("notebook executions (one per configuration)")
    total = 0.0
    for meta_path in metas:
        meta = json.loads(meta_path.read_text())
        total += meta["seconds"]
        status = "ok" if not meta["error"] else f"raised, {meta['error'][:80]}"
        terminalreporter.write_line(
            f"{meta['seconds']:7.1f} s  {meta['label']}  {meta['parameters'] or 'defaults'}"
            f"  [{meta['network']}, {meta['kernels']}] {status}"
        )
    terminalreporter.write_line(f"{total:7.1f} s  in total, {len(metas)} executions")


def other_seed_parameters(notebook: Path) -> dict:
    """The notebook's run with another seed: its test module's ``OTHER_SEED``, else seed 7.

    A `tests/test_nb_*.py` module (``NOTEBOOK = "notebooks/..."``) may declare
    ``OTHER_SEED = {"seed": 7, ...}`` (a dict literal). The learner edition is executed with
    these values (`learner_run`), and so is the pasted learner edition in `make test-ranges`.
    """
    notebook_id = notebook.relative_to(paths.NOTEBOOKS).as_posix()
    for module in sorted(Path(__file__).parent.glob("test_nb_*.py")):
        found = _module_notebook(module.relative_to(paths.ROOT).as_posix())
        if found and found[0] == notebook_id:
            for node in ast.parse(module.read_text()).body:
                if isinstance(node, ast.Assign) and [
                    getattr(t, "id", None) for t in node.targets
                ] == ["OTHER_SEED"]:
                    return ast.literal_eval(node.value)
    return {"seed": 7}


@functools.cache
def _learner_edition(path: Path) -> nbformat.NotebookNode:
    from mlsd import student

    return student.learner_notebook(nbformat.read(path, as_version=4))


def learner_run(runs: NotebookRuns, notebook: str | Path) -> NotebookRun:
    """The learner edition of ``notebook`` (no solutions) executed with its other seed.

    One execution serves two properties: the learner edition runs top to bottom with its
    exercises not attempted (`test_student`), and every Check cell holds away from the
    default parameters (the notebook's variant test). A learner edition differs from the
    lesson only in its exercise cells, and the lesson itself is executed with its defaults;
    the solutions pasted and run with the other seed are `make test-ranges`' (the paste
    test), and the learner edition at its defaults is run in JupyterLab by the browser tests.
    """
    path = kit_path(notebook)
    return runs.run(
        _learner_edition(path), label=f"learner {path.name}", **other_seed_parameters(path)
    )


@functools.cache
def _module_notebook(file_scope: str) -> re.Match | None:
    """The notebook a `tests/test_nb_*.py` module is about (its `NOTEBOOK = "..."` line)."""
    path = paths.ROOT / file_scope
    if not re.fullmatch(r"test_nb_\w+\.py", path.name) or not path.exists():
        return None
    found = re.search(r'^NOTEBOOK = "notebooks/(.+?)"', path.read_text(), re.M)
    return _NOTEBOOK_ID.fullmatch(found[1]) if found else None


@functools.cache
def _starts_kernels(file_scope: str) -> bool:
    """Whether a test file is marked `notebook` (it starts kernels or `mlsd` processes)."""
    path = paths.ROOT / file_scope
    return path.suffix == ".py" and path.exists() and "pytest.mark.notebook" in path.read_text()


@pytest.hookimpl(optionalhook=True)  # pytest without xdist (`-p no:xdist`) has no such hook
def pytest_xdist_make_scheduler(config, log):
    """With `--dist loadfile`, tests whose id names a notebook share one worker per notebook.

    A generic test parametrised over notebooks (learner edition, solution paste) and the
    notebook's own `tests/test_nb_*.py` module then run on one worker, which executes each of
    that notebook's configurations while the other worker takes other notebooks: no worker
    waits for a notebook another is executing. The notebooks' groups go first, as they are
    the longest units. Other tests keep file scope.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class NotebookScheduling(LoadFileScheduling):
        _reordered = False

        def _split_scope(self, nodeid: str) -> str:
            file_scope = super()._split_scope(nodeid)
            found = _NOTEBOOK_ID.search(nodeid.partition("[")[2]) or _module_notebook(file_scope)
            return f"notebook:{found[0]}" if found else file_scope

        def _assign_work_unit(self, node) -> None:
            if not self._reordered:
                # The notebooks' groups first, the largest first; then the files that start
                # kernels or `mlsd` processes (few tests, many seconds: xdist's order by test
                # count would leave them to the end, where one worker runs them alone).
                self._reordered = True
                slow = [s for s in self.workqueue if _starts_kernels(s)]
                for scope in reversed(slow):
                    self.workqueue.move_to_end(scope, last=False)
                groups = [s for s in self.workqueue if s.startswith("notebook:")]
                for scope in sorted(groups, key=lambda s: len(self.workqueue[s])):
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return NotebookScheduling(config, log)
