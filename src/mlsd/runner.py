"""Find, validate and execute the kit's notebooks; write a run folder with a manifest.

Built on ``papermill.inspect_notebook`` (parameters) and ``papermill.execute_notebook``
(execution), with nbconvert for the HTML renderings. Everything that can be wrong with a
request (an unknown notebook, an unknown parameter, a value of the wrong type, an output
folder in use) is rejected by :func:`plan_run` before any kernel starts.

A run writes only inside its own new folder ``runs/<UTC timestamp>/`` (or ``--out``):
source notebooks are never modified and an earlier run is never overwritten. Every file is
written to a temporary sibling and renamed into place, so a full disk leaves no half file.

Each notebook executes in a worker process of its own process group, and its kernel in a
session of its own; SIGINT, SIGTERM and SIGHUP stop every worker and kernel before ``mlsd``
exits, and the manifest records what each notebook really did.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import html
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlsd import __version__, outputs, paths
from mlsd.outputs import OutputError, UsageError, atomic_write

__all__ = ["OutputError", "UsageError"]  # re-exported: `runner.UsageError` is the public name

#: Packages whose versions every manifest records.
KEY_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "matplotlib",
    "papermill",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "jupyterlab",
    "pytest",
)


#: How much of a huge value a message quotes.
QUOTE_LIMIT = 60


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)``, or its first ``limit`` characters and its length when it is longer."""
    text = repr(value) if isinstance(value, str) else repr(str(value))
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value)):,} characters)"


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP reached ``mlsd run``; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def status(self) -> str:
        return "interrupted" if self.signum == signal.SIGINT else "terminated"

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


class UnreadableNotebook(ValueError):
    """A ``.ipynb`` file that is empty or not a notebook; ``str()`` names it and why."""

    def __init__(self, path: Path, reason: str, display: str | None = None) -> None:
        self.path = path
        self.rel: Path | None = None  # relative to the notebooks folder, set by discover_all
        self.reason = reason
        self.display = display or str(path)
        super().__init__(f"{self.display}: not a readable notebook ({reason})")


def notebook_files(root: Path) -> list[Path]:
    """Every ``.ipynb`` under ``root``, sorted, without Jupyter's checkpoints."""
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _display(path: Path) -> str:
    with contextlib.suppress(ValueError):
        return f"notebooks/{path.resolve().relative_to(paths.NOTEBOOKS.resolve()).as_posix()}"
    return str(path)


def read_notebook(path: Path):
    """Read a notebook with nbformat.

    Raises:
        UnreadableNotebook: the file is empty, not JSON or not a notebook; names the file.
    """
    import nbformat

    path = Path(path)
    try:
        if path.stat().st_size == 0:
            raise UnreadableNotebook(path, "empty file", _display(path))
        return nbformat.read(path, as_version=4)
    except UnreadableNotebook:
        raise
    except Exception as exc:  # NotJSONError, a validation error, a decode error, an OSError
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "does not appear to be JSON" in reason:
            reason = "not JSON"
        raise UnreadableNotebook(path, reason[:120], _display(path)) from None


@dataclass(frozen=True)
class Parameter:
    """One entry of a notebook's ``parameters`` cell."""

    name: str
    type_name: str
    default: str
    help: str

    def coerce(self, raw: str, *, where: str) -> Any:
        """Turn the command-line string ``raw`` into a value of this parameter's type."""
        kind = self.type_name
        if kind in ("None", ""):
            kind = _literal_type(self.default)
        try:
            if kind == "int":
                try:
                    return int(raw.replace("_", ""))
                except ValueError:
                    as_float = float(raw)
                    if not as_float.is_integer():
                        raise
                    return int(as_float)
            if kind == "float":
                return float(raw.replace("_", ""))
            if kind == "bool":
                lowered = raw.strip().lower()
                if lowered in ("true", "1", "yes", "y"):
                    return True
                if lowered in ("false", "0", "no", "n"):
                    return False
                raise ValueError(raw)
        except ValueError:
            raise UsageError(
                f"parameter `{self.name}` of {where} is {kind}, got {quote(raw)}"
                + (" (use true or false)" if kind == "bool" else "")
            ) from None
        return raw  # str, or a type we pass through as text


def _literal_type(default: str) -> str:
    try:
        return type(ast.literal_eval(default)).__name__
    except (ValueError, SyntaxError):
        return "str"


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook of the kit: its path relative to ``notebooks/`` and its parameters."""

    rel: Path
    parameters: dict[str, Parameter]

    @property
    def chapter(self) -> str:
        return self.rel.parts[0]

    @property
    def path(self) -> Path:
        return paths.NOTEBOOKS / self.rel

    @property
    def display(self) -> str:
        return f"notebooks/{self.rel.as_posix()}"


def inspect(path: Path, root: Path | None = None) -> NotebookInfo:
    """Read a notebook's parameters with ``papermill.inspect_notebook``.

    Raises:
        UnreadableNotebook: the file is empty or not a notebook.
    """
    import papermill as pm

    root = root or paths.NOTEBOOKS
    read_notebook(path)  # papermill's own message names no file
    raw = pm.inspect_notebook(str(path))
    params = {
        name: Parameter(
            name,
            str(p.get("inferred_type_name") or ""),
            str(p.get("default")),
            str(p.get("help") or ""),
        )
        for name, p in raw.items()
    }
    return NotebookInfo(path.resolve().relative_to(root.resolve()), params)


def discover_all(
    root: Path | None = None,
) -> tuple[list[NotebookInfo], list[UnreadableNotebook]]:
    """Every notebook under ``root`` (default ``notebooks/``), and the files that are not.

    An empty or corrupt ``.ipynb`` (JupyterLab's ``Untitled.ipynb``) does not stop the
    others: it is returned in the second list, for the caller to report.
    """
    root = root or paths.NOTEBOOKS
    found, bad = [], []
    for path in notebook_files(root):
        try:
            found.append(inspect(path, root))
        except UnreadableNotebook as exc:
            exc.rel = path.resolve().relative_to(root.resolve())
            bad.append(exc)
    return found, bad


def discover(root: Path | None = None) -> list[NotebookInfo]:
    """Every readable notebook under ``root`` (default ``notebooks/``), sorted by path."""
    return discover_all(root)[0]


def _matches(key: str, rel: Path, path: Path) -> bool:
    """Whether selector ``key`` names the notebook at ``rel`` (relative to notebooks/)."""
    chapter = rel.parts[0]
    names = {
        rel.as_posix(),
        f"notebooks/{rel.as_posix()}",
        rel.name,
        rel.stem,
        f"{chapter}/{rel.stem}",
        chapter,
        f"notebooks/{chapter}",
        chapter.split("-")[0],
    }
    if key in names:
        return True
    key_path = Path(key).expanduser()
    with contextlib.suppress(OSError, ValueError):
        if key_path.exists():
            target = key_path.resolve()
            notebooks_root = path.resolve().parents[len(rel.parts) - 1]
            inside = target == notebooks_root or notebooks_root in target.parents
            return target == path.resolve() or (inside and target in path.resolve().parents)
    return False


def select(
    selectors: list[str],
    notebooks: list[NotebookInfo],
    unreadable: list[UnreadableNotebook] | None = None,
) -> list[NotebookInfo]:
    """Pick notebooks by path, file name, stem or chapter folder (``ch01``, ``ch01-overview``).

    Paths may be relative or absolute, to a notebook or to a chapter folder.

    Raises:
        UsageError: a selector matches nothing (the message lists what is valid), or it
            names exactly one notebook that cannot be read (the message names it).
    """
    if not selectors:
        return list(notebooks)
    chosen: list[NotebookInfo] = []
    for sel in selectors:
        key = sel.strip().rstrip("/") or sel
        matches = [nb for nb in notebooks if _matches(key, nb.rel, nb.path)]
        if not matches:
            for bad in unreadable or []:
                if bad.rel is not None and _matches(key, bad.rel, bad.path):
                    raise UsageError(f"{bad}; fix or delete it")
            chapters = sorted({nb.chapter for nb in notebooks})
            names = [nb.display for nb in notebooks]
            raise UsageError(
                f"unknown notebook or chapter {quote(sel)}. Chapters: {', '.join(chapters)}. "
                f"Notebooks: {', '.join(names)}"
            )
        for nb in matches:
            if nb not in chosen:
                chosen.append(nb)
    return chosen


def resolve_overrides(
    pairs: list[tuple[str, str]], notebooks: list[NotebookInfo]
) -> dict[Path, dict[str, Any]]:
    """Check ``-p NAME VALUE`` pairs against the selected notebooks; return values per notebook.

    A name must be a parameter of at least one selected notebook (with one notebook
    selected: of that notebook); it is applied to every selected notebook that has it.

    Raises:
        UsageError: unknown name (lists each notebook's parameters) or a value of the
            wrong type (names the parameter, its type and the value).
    """
    per_nb: dict[Path, dict[str, Any]] = {nb.rel: {} for nb in notebooks}
    for name, raw in pairs:
        owners = [nb for nb in notebooks if name in nb.parameters]
        if not owners:
            listing = "; ".join(
                f"{nb.display}: {', '.join(nb.parameters) or '(none)'}" for nb in notebooks
            )
            raise UsageError(f"unknown parameter {quote(name)}. Parameters by notebook: {listing}")
        for nb in owners:
            per_nb[nb.rel][name] = nb.parameters[name].coerce(raw, where=nb.display)
    return per_nb


@dataclass
class NotebookResult:
    """What happened to one notebook in a run (one entry of ``manifest.json``)."""

    path: str
    parameters: dict[str, Any]
    overrides: dict[str, Any]
    status: str = "pending"  # ok, failed, interrupted, terminated, not started
    duration_s: float | None = None
    output: str | None = None
    html: str | None = None
    error: dict[str, Any] | None = None


@dataclass
class RunPlan:
    """A validated request: which notebooks, with which parameters, into which folder.

    ``out_dir`` is ``None`` until :func:`execute` creates the run folder (unless ``--out``
    named one), so that planning leaves no trace.
    """

    notebooks: list[NotebookInfo]
    overrides: dict[Path, dict[str, Any]]
    out_dir: Path | None
    jobs: int
    html: bool = True
    results: list[NotebookResult] = field(default_factory=list)
    skipped: list[UnreadableNotebook] = field(default_factory=list)
    status: str = "pending"

    @property
    def folder(self) -> Path:
        """The run folder; only valid once :func:`execute` has started."""
        if self.out_dir is None:
            raise RuntimeError("the run folder is made by execute()")
        return self.out_dir


def _utc_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _make_run_dir(base: Path) -> Path:
    """Create a new, unique run folder under ``base`` atomically (no two runs share one)."""
    base.mkdir(parents=True, exist_ok=True)
    stamp = _utc_stamp()
    for i in range(1000):
        candidate = base / (stamp if i == 0 else f"{stamp}-{i}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise UsageError(f"could not create a new run folder under {base}")


def plan_run(
    selectors: list[str],
    pairs: list[tuple[str, str]],
    *,
    jobs: int | None = None,
    out: str | Path | None = None,
    root: Path | None = None,
    html: bool = True,
) -> RunPlan:
    """Validate a run request completely, before anything executes."""
    if jobs is not None and jobs < 1:
        raise UsageError(f"`--jobs` must be at least 1, got {jobs}")
    notebooks, unreadable = discover_all(root)
    if not notebooks:
        detail = f" ({'; '.join(map(str, unreadable))})" if unreadable else ""
        raise UsageError(f"no notebooks found under {root or paths.NOTEBOOKS}{detail}")
    chosen = select(selectors, notebooks, unreadable)
    overrides = resolve_overrides(pairs, chosen)
    out_dir = None  # created at execution time, so planning leaves no trace
    if out is not None:
        out_dir = outputs.check_output_folder(Path(out), kind="run", sources=root)
        if out_dir.exists() and any(out_dir.iterdir()):
            raise UsageError(
                f"`--out` {out} already exists and is not empty; a run never overwrites "
                "another: choose a new folder"
            )
    skipped = [
        bad
        for bad in unreadable
        if not selectors or any(bad.rel and bad.rel.parts[0] == nb.chapter for nb in chosen)
    ]
    return RunPlan(
        notebooks=chosen,
        overrides=overrides,
        out_dir=out_dir,
        jobs=jobs or os.cpu_count() or 1,
        html=html,
        skipped=skipped,
    )


# --- executing one notebook (in a worker process) -------------------------------------------

#: Called with (pid, connection file) when a kernel starts; set in each worker process.
_on_kernel_start = None


def prompt_kernel_manager(base=None):
    """``base`` (jupyter_client's ``AsyncKernelManager``) with no idle waits around a kernel.

    Two fixed waits of jupyter_client's cost a third of a second per notebook: its client,
    once the kernel has answered ``kernel_info``, waits until IOPub has been silent for 0.2 s,
    and a shutdown looks every 0.1 s whether the kernel has exited. nbclient (and so
    papermill) reads each IOPub message by the request it answers, so the first wait protects
    nothing here; the manager's client is ready as soon as the kernel has answered and IOPub
    carries a message, and a shutdown looks every 10 ms. The test suite's forked kernels use
    it too (tests/forkkernel.py).
    """
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class PromptKernelClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout=None):
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                self.kernel_info()
                try:
                    msg = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    msg = None
                if msg is not None and msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once it carries the request's busy status
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        return
                if not await self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    class PromptKernelManager(base or AsyncKernelManager):
        @default("client_factory")
        def _client_factory_default(self):
            return PromptKernelClient

        async def _async_finish_shutdown(self, waittime=None, pollinterval=0.01, restart=False):
            await super()._async_finish_shutdown(waittime, pollinterval, restart)

    return PromptKernelManager


def _tracked_kernel_manager():
    """A kernel manager class that reports each kernel's pid to the parent ``mlsd``."""

    class TrackedKernelManager(prompt_kernel_manager()):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            await super()._async_launch_kernel(kernel_cmd, **kw)
            pid = getattr(self.provisioner, "pid", None)
            if _on_kernel_start is not None and pid:
                _on_kernel_start(pid, self.connection_file)

    return TrackedKernelManager


def partial_path(dest: Path) -> Path:
    """Where papermill writes an executing notebook; renamed to ``dest`` when it is whole."""
    return dest.with_name(f".{dest.stem}.partial{dest.suffix}")


#: A cell still running after this many seconds gets the executing notebook saved, so that a
#: kill or a dying kernel finds it marked "running" with the outputs before it.
SAVE_AFTER_S = 0.5


class _PartialSaver:
    """nbclient hooks that save the executing notebook to ``partial`` when it matters.

    papermill can save after every cell's start and end (``request_save_on_cell_execute``), but
    writing the whole notebook, figures included, twice per cell took a third of a run's time.
    Here it is written when execution starts, when a cell is still running after
    ``SAVE_AFTER_S`` (the cell a signal or a dying kernel would interrupt), and by papermill at
    the end; ``running`` names the cell being executed (papermill's index) or None.
    """

    def __init__(self, partial: Path):
        self.partial = partial
        self.nb = None
        self.running: int | None = None

    def hooks(self) -> dict[str, Any]:
        return {
            "on_notebook_start": self._notebook_start,
            "on_cell_start": self._cell_start,
            "on_cell_executed": self._cell_executed,
        }

    def save(self) -> None:
        """Write the notebook as it stands (a cut-short file is caught by _finish_partial)."""
        if self.nb is not None:
            from papermill.iorw import write_ipynb

            write_ipynb(self.nb, str(self.partial))

    def _notebook_start(self, notebook, **_kw) -> None:
        self.nb = notebook
        self.save()

    def _cell_start(self, cell, cell_index, **_kw) -> None:
        import asyncio

        if cell.cell_type != "code":  # nbclient reports Markdown cells too, never as executed
            return
        self.running = cell_index
        asyncio.get_running_loop().call_later(SAVE_AFTER_S, self._save_if_running, cell_index)

    def _cell_executed(self, cell, cell_index, **_kw) -> None:
        self.running = None

    def _save_if_running(self, cell_index: int) -> None:
        if self.running == cell_index:
            self.save()


def _execute_one(
    src: str, dest: str, parameters: dict[str, Any], cwd: str, html_path: str | None
) -> dict[str, Any]:
    """Execute one notebook with papermill into ``dest``; never raises.

    The notebook is written to a hidden sibling (see :class:`_PartialSaver` for when), renamed
    into place at the end, so a full disk or a kill never leaves half a notebook at ``dest``.
    """
    import papermill as pm

    start = time.perf_counter()
    error = None
    partial = partial_path(Path(dest))
    saver = _PartialSaver(partial)
    try:
        pm.execute_notebook(
            src,
            str(partial),
            parameters=parameters,
            cwd=cwd,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            kernel_name="python3",
            kernel_manager_class=_tracked_kernel_manager(),
            # The kernel's notices (the TCP transport, "KeyboardInterrupt caught in kernel"
            # when jupyter_client interrupts it at shutdown) repeat for every notebook and
            # are not the user's concern; a cell's error still reaches the manifest.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            **saver.hooks(),
        )
        status = "ok"
    except pm.PapermillExecutionError as exc:
        status = "failed"
        error = {
            "cell": _source_cell_number(partial, exc.cell_index),
            "execution_count": exc.exec_count,
            "ename": exc.ename,
            "evalue": exc.evalue,
        }
    except Exception as exc:  # a kernel that dies, a notebook that cannot be written
        status = "failed"
        evalue = str(exc)
        if isinstance(exc, OSError) and exc.strerror:
            evalue = f"could not write {dest}: {exc.strerror}"
        cell = None
        if saver.running is not None and saver.nb is not None:  # stopped inside a cell
            cell = _source_cell_number_of(saver.nb.cells, saver.running)
            with contextlib.suppress(Exception):  # keep the outputs it had (disk permitting)
                saver.nb.cells[saver.running].metadata.setdefault("papermill", {})["status"] = (
                    "failed"
                )
                saver.save()
        error = {
            "cell": cell if cell is not None else _running_cell(partial),
            "execution_count": None,
            "ename": type(exc).__name__,
            "evalue": evalue,
        }
    _finish_partial(partial, Path(dest), error)
    duration = time.perf_counter() - start
    outcome = {"status": status, "duration_s": round(duration, 3), "error": error, "html": None}
    if html_path:
        _add_html(outcome, dest, html_path)
    return outcome


def _finish_partial(partial: Path, dest: Path, error: dict[str, Any] | None) -> None:
    """Rename the executed notebook into place if it is whole; otherwise remove it."""
    if not partial.exists():
        return
    if error is not None and error.get("cell") is None:
        try:  # something other than a cell failed: the file may be cut short
            read_notebook(partial)
        except UnreadableNotebook:
            partial.unlink()
            return
    os.replace(partial, dest)


def _running_cell(executed: Path) -> int | None:
    """The source-numbered cell papermill marked as running (or the last one it finished).

    When a kernel dies, nbclient raises ``DeadKernelError`` without a cell; papermill's
    per-cell status in the saved notebook still says how far it got.
    """
    try:
        cells = read_notebook(executed).cells
    except UnreadableNotebook:
        return None
    last = None
    for i, cell in enumerate(cells):
        state = cell.get("metadata", {}).get("papermill", {}).get("status")
        if state in ("running", "failed"):
            return _source_cell_number_of(cells, i)
        if state == "completed":
            last = i
    return None if last is None else _source_cell_number_of(cells, last)


#: Niceness of the thread that renders HTML while the next notebook executes.
BACKGROUND_NICENESS = 10


def _background_priority() -> bool:
    """Lower the calling thread's CPU priority to :data:`BACKGROUND_NICENESS`; True if done.

    With ``--jobs 1`` the HTML of one notebook (1 to 2 s of CPU, and nbconvert's import once)
    renders while the next notebook executes; on a busy two-core machine it took CPU from
    that notebook's kernel and added to the time the manifest reports for it. A
    niced thread runs when a core is otherwise idle, so the rendering still overlaps the
    next notebook without slowing it. Linux only, where niceness is per thread (elsewhere it
    would apply to the whole process); raising one's own niceness needs no privileges.
    """
    if sys.platform != "linux":
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(
            os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), BACKGROUND_NICENESS)
        )
    except OSError:
        return False
    return True


def _add_html(outcome: dict[str, Any], dest: str, html_path: str) -> dict[str, Any]:
    """Render the executed notebook as HTML and record it in ``outcome``; never raises."""
    if not Path(dest).exists():
        return outcome
    try:
        _write_html(Path(dest), Path(html_path))
        outcome["html"] = html_path
    except Exception as exc:  # HTML is a convenience: report, don't fail the notebook
        if outcome["error"] is None:
            outcome["error"] = {"html": f"{type(exc).__name__}: {exc}"}
    return outcome


def _source_cell_number_of(cells: list, index: int) -> int:
    injected = [
        i
        for i, c in enumerate(cells[:index])
        if "injected-parameters" in c.get("metadata", {}).get("tags", [])
    ]
    return index + 1 - len(injected)


def _source_cell_number(executed: Path, index: int) -> int:
    """1-based number of the failing cell in the *source* notebook.

    papermill inserts an ``injected-parameters`` cell into the executed copy, which shifts
    the indices after it by one.
    """
    try:
        cells = read_notebook(executed).cells
    except UnreadableNotebook:
        return index + 1
    return _source_cell_number_of(cells, index)


def _write_html(notebook: Path, target: Path) -> None:
    # Offline page: MathJax from a copy in the run folder, no CDN script (mlsd.offline_html).
    from mlsd import offline_html

    offline_html.write_notebook_html(notebook, target)


def _worker(conn, src: str, dest: str, parameters, cwd: str, html_path: str | None) -> None:
    """Body of a worker process: execute one notebook, send its outcome to the parent."""
    global _on_kernel_start
    if hasattr(os, "setpgrp"):
        # Out of the terminal's foreground group: Ctrl-C reaches only the parent, which
        # stops workers and kernels itself (no half-shut-down kernel prints a traceback).
        os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in _STOP_SIGNALS:  # forked with the parent's handlers, which are not for workers
        if sig != signal.SIGINT:
            signal.signal(sig, signal.SIG_DFL)
    _die_with_parent()

    def report(pid: int, connection_file: str) -> None:
        conn.send(("kernel", pid, connection_file))

    _on_kernel_start = report
    outcome = _execute_one(src, dest, parameters, cwd, html_path)
    conn.send(("done", outcome))
    conn.close()


def _die_with_parent() -> None:
    """On Linux, have the kernel kill this worker if the parent dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


# --- the run: schedule workers, handle signals, record everything ---------------------------

_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _signals_raise_interrupted():
    """Turn SIGINT, SIGTERM and SIGHUP into :class:`Interrupted` in the main thread."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _ignore_stop_signals() -> None:
    """While cleaning up after a signal, a second Ctrl-C must not cut the cleanup short."""
    import threading

    if threading.current_thread() is threading.main_thread():
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)


@dataclass
class _Running:
    index: int
    process: Any
    conn: Any
    started: float
    kernels: list[tuple[int, str]] = field(default_factory=list)
    outcome: dict[str, Any] | None = None


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        if hasattr(os, "killpg"):
            os.killpg(pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            os.kill(pid, signal.SIGTERM)


def _drain(job: _Running) -> None:
    """Read every message a worker has sent so far."""
    with contextlib.suppress(EOFError, OSError):
        while job.conn.poll():
            kind, *payload = job.conn.recv()
            if kind == "kernel":
                job.kernels.append((payload[0], payload[1]))
            elif kind == "done":
                job.outcome = payload[0]


def _stop(job: _Running) -> None:
    """Kill a worker, its process group and every kernel it started; clean up after them."""
    _drain(job)
    if job.process.is_alive():  # not yet reaped, so its pid is still its own
        _kill_group(job.process.pid)
    job.process.join(timeout=5)
    _drain(job)  # a kernel reported between the first drain and the kill
    if job.outcome is not None:
        return  # the worker finished: nbclient shut its kernel down
    for pid, connection_file in job.kernels:
        _kill_group(pid)  # a kernel is the leader of its own session
        with contextlib.suppress(OSError):
            Path(connection_file).unlink()
    with contextlib.suppress(OSError):
        job.conn.close()


def execute(plan: RunPlan, *, progress: bool = True) -> RunPlan:
    """Run every notebook of ``plan``; write outputs, HTML, ``index.html`` and ``manifest.json``.

    Raises:
        Interrupted: SIGINT, SIGTERM or SIGHUP arrived; workers and kernels are stopped,
            and the manifest and index record each notebook's true status.
        OutputError: a file of the run could not be written (names it).
    """
    import multiprocessing as mp
    from multiprocessing.connection import wait

    _prefer_current_environment_kernel()
    # On Linux, fork: workers inherit the imported papermill and nbconvert (about 2 s saved
    # per notebook). Elsewhere (macOS, Windows) fork is unsafe or missing: spawn.
    ctx = mp.get_context("fork" if sys.platform == "linux" else "spawn")
    import papermill  # noqa: F401  (imported once here, inherited by forked workers)

    if plan.html and plan.jobs > 1:
        import nbconvert  # noqa: F401
    context = {"datasets": dataset_checksums()}  # before the run folder exists: slow-ish
    if plan.out_dir is None:
        plan.out_dir = _make_run_dir(paths.RUNS)
    else:
        plan.out_dir.mkdir(parents=True, exist_ok=True)
    out_dir = plan.out_dir
    outputs.write_marker(out_dir, {"kind": "run", "made_by": "mlsd"})
    started = dt.datetime.now(dt.UTC)
    tasks = []
    for nb in plan.notebooks:
        dest = out_dir / nb.rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        merged = {name: _default_value(p) for name, p in nb.parameters.items()}
        merged.update(plan.overrides.get(nb.rel, {}))
        result = NotebookResult(
            path=nb.display,
            parameters=merged,
            overrides=plan.overrides.get(nb.rel, {}),
            output=str(nb.rel),
        )
        plan.results.append(result)
        html_path = str(dest.with_suffix(".html")) if plan.html else None
        tasks.append(
            (
                str(nb.path),
                str(dest),
                plan.overrides.get(nb.rel, {}),
                str(nb.path.parent),
                html_path,
            )
        )

    bar = _progress(len(tasks), progress)
    running: dict[int, _Running] = {}
    queue = list(range(len(tasks)))
    # With one job, each HTML rendering runs in a thread of this process while the next
    # notebook executes (the kernel is another process, so this one mostly waits); the
    # thread yields the CPU to that notebook's kernel (see _background_priority).
    html_pool = (
        ThreadPoolExecutor(max_workers=1, initializer=_background_priority)
        if plan.jobs == 1
        else None
    )
    rendering = []
    with _signals_raise_interrupted():
        try:
            _write_manifest(plan, started, None, context)
            while queue or running:
                while queue and len(running) < plan.jobs:
                    i = queue.pop(0)
                    src, dest, params, cwd, html_path = tasks[i]
                    receive, send = ctx.Pipe(duplex=False)
                    worker_html = None if html_pool else html_path
                    process = ctx.Process(
                        target=_worker,
                        args=(send, src, dest, params, cwd, worker_html),
                        daemon=True,
                    )
                    process.start()
                    send.close()
                    plan.results[i].status = "running"
                    running[i] = _Running(i, process, receive, time.perf_counter())
                ready = wait(
                    [job.conn for job in running.values()]
                    + [job.process.sentinel for job in running.values()]
                )
                for i, job in list(running.items()):
                    if job.conn not in ready and job.process.sentinel not in ready:
                        continue
                    _drain(job)
                    if job.outcome is None and job.process.is_alive():
                        continue
                    job.process.join()
                    del running[i]
                    if job.outcome is None:  # killed from outside: its kernel goes too
                        _stop(job)
                    outcome = job.outcome or _lost_worker(job, Path(tasks[i][1]))
                    result = plan.results[i]
                    _store(result, outcome, out_dir)
                    html_path = tasks[i][4]
                    if html_pool is not None and html_path:
                        rendering.append(
                            (result, html_pool.submit(_add_html, outcome, tasks[i][1], html_path))
                        )
                    bar.set_postfix_str(Path(result.path).name)
                    bar.update(1)
            for result, future in rendering:
                _store(result, future.result(), out_dir)
            plan.status = _overall(plan.results)
        except Interrupted as exc:
            _ignore_stop_signals()
            now = time.perf_counter()
            stopped = list(running.values())
            running.clear()
            for job in stopped:
                _stop(job)
                result = plan.results[job.index]
                if job.outcome is not None:  # it finished as the signal arrived
                    _store(result, job.outcome, out_dir)
                    continue
                dest = Path(tasks[job.index][1])
                if partial_path(dest).exists():
                    _finish_partial(partial_path(dest), dest, {"cell": None})
                result.status = exc.status
                result.duration_s = round(now - job.started, 3)
                cell = _running_cell(dest) if dest.exists() else None
                result.error = {"cell": cell, "ename": exc.status, "evalue": _signal_name(exc)}
            for i in queue:
                plan.results[i].status = "not started"
            for result, future in rendering:  # notebooks that finished get their HTML
                with contextlib.suppress(Exception):
                    _store(result, future.result(timeout=60), out_dir)
            plan.status = exc.status
            raise
        finally:
            # The run's record is written whatever happens; a signal now must not cut it short.
            _ignore_stop_signals()
            for job in running.values():
                _stop(job)
            if html_pool is not None:
                html_pool.shutdown(wait=False, cancel_futures=True)
            bar.close()
            if plan.status in ("pending", "running"):
                plan.status = "failed"
                for r in plan.results:
                    if r.status in ("pending", "running"):
                        r.status = "not finished"
            _write_manifest(plan, started, dt.datetime.now(dt.UTC), context)
            _write_index(plan)
            _point_latest(out_dir)
    return plan


def _signal_name(exc: Interrupted) -> str:
    try:
        return f"stopped by {signal.Signals(exc.signum).name}"
    except ValueError:
        return f"stopped by signal {exc.signum}"


def _lost_worker(job: _Running, dest: Path) -> dict[str, Any]:
    """The outcome of a worker that exited without reporting one (killed from outside)."""
    code = job.process.exitcode
    how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    if partial_path(dest).exists():
        _finish_partial(partial_path(dest), dest, {"cell": None})
    return {
        "status": "failed",
        "duration_s": round(time.perf_counter() - job.started, 3),
        "error": {
            "cell": _running_cell(dest) if dest.exists() else None,
            "ename": "WorkerLost",
            "evalue": f"the worker process {how}",
        },
        "html": None,
    }


def _prefer_current_environment_kernel() -> None:
    """Make the ``python3`` kernel resolve to this environment's Python.

    Jupyter looks for kernelspecs in ``JUPYTER_PATH`` first, then in the user's folder, then
    in the environment; a ``python3`` kernelspec in ``~/.local/share/jupyter`` pointing at
    another Python would otherwise win. Putting this environment's folder first makes
    ``mlsd run`` execute with the packages it was installed with.
    """
    ours = str(Path(sys.prefix) / "share" / "jupyter")
    current = os.environ.get("JUPYTER_PATH", "")
    if current.split(os.pathsep)[0] != ours:
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [ours, current]))


def _store(result: NotebookResult, outcome: dict[str, Any], out_dir: Path) -> None:
    result.status = outcome["status"]
    result.duration_s = outcome["duration_s"]
    result.error = outcome["error"]
    if outcome["html"]:
        result.html = str(Path(outcome["html"]).relative_to(out_dir))


class _NoBar:
    def update(self, n: int) -> None: ...
    def set_postfix_str(self, s: str) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="notebook", desc="mlsd run", file=sys.stderr, disable=None)


def _default_value(p: Parameter) -> Any:
    try:
        return ast.literal_eval(p.default)
    except (ValueError, SyntaxError):
        return p.default


def dataset_checksums() -> dict[str, str]:
    """SHA-256 of each shipped data set, from :func:`mlsd.datafiles.checksums` (no pandas).

    ``{}`` when the kit has no data set manifest (a kit made of notebooks only).
    """
    from mlsd import datafiles

    try:
        return datafiles.checksums()
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a damaged manifest must not stop a run; say so in its manifest
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}


def package_versions(names=KEY_PACKAGES) -> dict[str, str | None]:
    """Installed versions of ``names`` (``None`` when a package is missing)."""
    from importlib import metadata

    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> dict[str, Any] | None:
    """The kit's git commit and whether the tree has changes, or ``None`` outside git."""
    if not (paths.ROOT / ".git").exists():
        return None
    try:
        commit = subprocess.run(
            ["git", "-C", str(paths.ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(paths.ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(dirty)}


def _write_manifest(
    plan: RunPlan,
    started: dt.datetime,
    finished: dt.datetime | None,
    context: dict[str, Any],
) -> None:
    manifest = {
        "kit_version": __version__,
        "git": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "packages": package_versions(),
        "datasets_sha256": context["datasets"],
        "jobs": plan.jobs,
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": finished.isoformat(timespec="seconds") if finished else None,
        "wall_time_s": round((finished - started).total_seconds(), 3) if finished else None,
        "status": plan.status if finished else "running",
        "notebooks": [asdict(r) for r in plan.results],
        "skipped": [str(bad) for bad in plan.skipped],
    }
    atomic_write(plan.folder / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n")


def _overall(results: list[NotebookResult]) -> str:
    if all(r.status == "ok" for r in results):
        return "ok"
    for status in ("terminated", "interrupted"):
        if any(r.status == status for r in results):
            return status
    return "failed"


def _write_index(plan: RunPlan) -> None:
    rows = []
    for r in plan.results:
        link = html.escape(r.html or r.output or "")
        params = ", ".join(f"{k}={v!r}" for k, v in r.parameters.items())
        err = ""
        if r.error and "ename" in r.error:
            err = html.escape(
                f" cell {r.error.get('cell')}: {r.error['ename']}: {r.error['evalue']}"
            )
        dur = "" if r.duration_s is None else f"{r.duration_s:.1f} s"
        rows.append(
            f"<tr class='{r.status}'><td><a href='{link}'>{html.escape(r.path)}</a></td>"
            f"<td>{r.status}{err}</td><td>{dur}</td><td><code>{html.escape(params)}</code></td>"
            f"<td><a href='{html.escape(r.output or '')}'>ipynb</a></td></tr>"
        )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlsd run {html.escape(plan.folder.name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
tr.failed td{{background:#fdd}}tr.ok td:nth-child(2){{color:#070}}</style></head>
<body><h1>mlsd run {html.escape(plan.folder.name)}</h1>
<p>Kit {html.escape(__version__)}; status <b>{html.escape(plan.status)}</b>;
details in <a href="manifest.json">manifest.json</a>.</p>
<table><tr><th>notebook</th><th>status</th><th>duration</th><th>parameters</th><th>executed</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
    atomic_write(plan.folder / "index.html", page)


def _point_latest(run_dir: Path) -> None:
    """Point ``runs/latest`` at ``run_dir`` (only for runs under ``runs/``), atomically."""
    if run_dir.parent.resolve() != paths.RUNS.resolve():
        return
    link = paths.RUNS / "latest"
    tmp = paths.RUNS / f".latest-{os.getpid()}-{time.monotonic_ns()}"
    try:
        tmp.symlink_to(run_dir.name, target_is_directory=True)
        os.replace(tmp, link)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()


def failures(plan: RunPlan) -> list[str]:
    """One line per notebook that did not succeed: which notebook, which cell, what error."""
    lines = []
    for r in plan.results:
        if r.status == "ok":
            continue
        err = r.error or {}
        cell = err.get("cell")
        where = f" at cell {cell}" if cell is not None else ""
        if r.status in ("interrupted", "terminated", "not started", "not finished"):
            lines.append(f"{r.path}: {r.status}{where}")
        elif "ename" in err:
            where = where or " before any cell"
            lines.append(f"{r.path}: {r.status}{where}: {err['ename']}: {err['evalue']}")
        else:
            lines.append(f"{r.path}: {r.status}")
    return lines
