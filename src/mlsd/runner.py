"""Find, validate and execute the kit's notebooks; write a run folder with a manifest.

Built on ``papermill.inspect_notebook`` (parameters) and ``papermill.execute_notebook``
(execution), with nbconvert for the HTML renderings. Everything that can be wrong with a
request (an unknown notebook, an unknown parameter, a value of the wrong type, an output
folder in use) is rejected by :func:`plan_run` before any kernel starts.

A run writes only inside its own new folder ``runs/<UTC timestamp>/`` (or ``--out``):
source notebooks are never modified and an earlier run is never overwritten.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import hashlib
import html
import json
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlsd import __version__, paths

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
    "nbval",
    "pytest",
)


class UsageError(ValueError):
    """A request the runner refuses before executing anything (bad notebook, parameter...)."""


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
                f"parameter `{self.name}` of {where} is {kind}, got {raw!r}"
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
    """Read a notebook's parameters with ``papermill.inspect_notebook``."""
    import papermill as pm

    root = root or paths.NOTEBOOKS
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


def discover(root: Path | None = None) -> list[NotebookInfo]:
    """Every notebook under ``root`` (default ``notebooks/``), sorted by path."""
    root = root or paths.NOTEBOOKS
    found = sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    return [inspect(p, root) for p in found]


def select(selectors: list[str], notebooks: list[NotebookInfo]) -> list[NotebookInfo]:
    """Pick notebooks by path, file name, stem or chapter folder (``ch01``, ``ch01-overview``).

    Raises:
        UsageError: a selector matches nothing; the message lists what is valid.
    """
    if not selectors:
        return list(notebooks)
    chosen: list[NotebookInfo] = []
    for sel in selectors:
        key = sel.strip().rstrip("/")
        key_path = Path(key)
        matches = []
        for nb in notebooks:
            candidates = {
                nb.rel.as_posix(),
                nb.display,
                nb.rel.name,
                nb.rel.stem,
                f"{nb.chapter}/{nb.rel.stem}",
            }
            with contextlib.suppress(OSError):
                if key_path.exists() and key_path.resolve() == nb.path.resolve():
                    matches.append(nb)
                    continue
            if (
                key in candidates
                or key in (nb.chapter, f"notebooks/{nb.chapter}")
                or (nb.chapter.split("-")[0] == key)
            ):
                matches.append(nb)
        if not matches:
            chapters = sorted({nb.chapter for nb in notebooks})
            names = [nb.display for nb in notebooks]
            raise UsageError(
                f"unknown notebook or chapter {sel!r}. Chapters: {', '.join(chapters)}. "
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
            raise UsageError(f"unknown parameter {name!r}. Parameters by notebook: {listing}")
        for nb in owners:
            per_nb[nb.rel][name] = nb.parameters[name].coerce(raw, where=nb.display)
    return per_nb


@dataclass
class NotebookResult:
    """What happened to one notebook in a run (one entry of ``manifest.json``)."""

    path: str
    parameters: dict[str, Any]
    overrides: dict[str, Any]
    status: str = "pending"  # ok, failed, interrupted
    duration_s: float | None = None
    output: str | None = None
    html: str | None = None
    error: dict[str, Any] | None = None


@dataclass
class RunPlan:
    """A validated request: which notebooks, with which parameters, into which folder."""

    notebooks: list[NotebookInfo]
    overrides: dict[Path, dict[str, Any]]
    out_dir: Path
    jobs: int
    html: bool = True
    results: list[NotebookResult] = field(default_factory=list)


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
    notebooks = discover(root)
    if not notebooks:
        raise UsageError(f"no notebooks found under {root or paths.NOTEBOOKS}")
    chosen = select(selectors, notebooks)
    overrides = resolve_overrides(pairs, chosen)
    if out is not None:
        out_dir = Path(out).resolve()
        if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
            raise UsageError(
                f"`--out` {out} already exists and is not empty; a run never overwrites "
                "another: choose a new folder"
            )
        src_root = (root or paths.NOTEBOOKS).resolve()
        if out_dir == src_root or src_root in out_dir.parents:
            raise UsageError(f"`--out` {out} is inside the source notebooks folder {src_root}")
    else:
        out_dir = None  # created at execution time, so planning leaves no trace
    return RunPlan(
        notebooks=chosen,
        overrides=overrides,
        out_dir=out_dir,  # type: ignore[arg-type]
        jobs=jobs or os.cpu_count() or 1,
        html=html,
    )


def _execute_one(
    src: str, dest: str, parameters: dict[str, Any], cwd: str, html_path: str | None
) -> dict[str, Any]:
    """Execute one notebook with papermill (in a worker process); never raises."""
    import papermill as pm

    start = time.perf_counter()
    error = None
    try:
        pm.execute_notebook(
            src,
            dest,
            parameters=parameters,
            cwd=cwd,
            progress_bar=False,
            log_output=False,
            kernel_name="python3",
            # The kernel's TCP-transport notice repeats for every notebook; errors still show.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
        status = "ok"
    except pm.PapermillExecutionError as exc:
        status = "failed"
        error = {
            "cell": _source_cell_number(Path(dest), exc.cell_index),
            "execution_count": exc.exec_count,
            "ename": exc.ename,
            "evalue": exc.evalue,
        }
    except Exception as exc:  # a kernel that dies, a notebook that cannot be read
        status = "failed"
        error = {
            "cell": None,
            "execution_count": None,
            "ename": type(exc).__name__,
            "evalue": str(exc),
        }
    duration = time.perf_counter() - start
    outcome = {"status": status, "duration_s": round(duration, 3), "error": error, "html": None}
    if html_path:
        _add_html(outcome, dest, html_path)
    return outcome


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


def _source_cell_number(executed: Path, index: int) -> int:
    """1-based number of the failing cell in the *source* notebook.

    papermill inserts an ``injected-parameters`` cell into the executed copy, which shifts
    the indices after it by one.
    """
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except Exception:
        return index + 1
    injected = [
        i
        for i, c in enumerate(cells[:index])
        if "injected-parameters" in c.get("metadata", {}).get("tags", [])
    ]
    return index + 1 - len(injected)


def _write_html(notebook: Path, target: Path) -> None:
    # Offline page: MathJax from a copy in the run folder, no CDN script (mlsd.offline_html).
    from mlsd import offline_html

    offline_html.write_notebook_html(notebook, target)


def execute(plan: RunPlan, *, progress: bool = True) -> RunPlan:
    """Run every notebook of ``plan``; write outputs, HTML, ``index.html`` and ``manifest.json``."""
    _prefer_current_environment_kernel()
    if plan.out_dir is None:
        plan.out_dir = _make_run_dir(paths.RUNS)
    else:
        plan.out_dir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    tasks = []
    for nb in plan.notebooks:
        dest = plan.out_dir / nb.rel
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
                result,
                (
                    str(nb.path),
                    str(dest),
                    plan.overrides.get(nb.rel, {}),
                    str(nb.path.parent),
                    html_path,
                ),
            )
        )

    bar = _progress(len(tasks), progress)
    _write_manifest(plan, started, finished=None)
    try:
        if plan.jobs == 1 or len(tasks) == 1:
            # One notebook at a time; each HTML rendering runs in a thread while the next
            # notebook executes (the kernel is another process, so this one mostly waits).
            with ThreadPoolExecutor(max_workers=1) as html_pool:
                rendering = []
                for result, (*execute_args, html_path) in tasks:
                    outcome = _execute_one(*execute_args, None)
                    _store(result, outcome, plan.out_dir)
                    if html_path:
                        rendering.append(
                            (
                                result,
                                html_pool.submit(_add_html, outcome, execute_args[1], html_path),
                            )
                        )
                    bar.set_postfix_str(Path(result.path).name)
                    bar.update(1)
                for result, future in rendering:
                    _store(result, future.result(), plan.out_dir)
        else:
            import multiprocessing as mp

            # On Linux, fork: workers inherit the imported papermill and nbconvert (about 2 s
            # saved per worker) and only ever start kernels of their own. Elsewhere (macOS,
            # Windows) fork is unsafe or missing: spawn a fresh interpreter.
            ctx = mp.get_context("fork" if sys.platform == "linux" else "spawn")
            if plan.html:
                import nbconvert  # noqa: F401  (imported once here, inherited by forked workers)
            with ProcessPoolExecutor(
                max_workers=min(plan.jobs, len(tasks)), mp_context=ctx
            ) as pool:
                futures = {pool.submit(_execute_one, *args): result for result, args in tasks}
                pending = set(futures)
                while pending:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        result = futures[fut]
                        _store(result, fut.result(), plan.out_dir)
                        bar.set_postfix_str(Path(result.path).name)
                        bar.update(1)
    except KeyboardInterrupt:
        for result in plan.results:
            if result.status == "pending":
                result.status = "interrupted"
        raise
    finally:
        bar.close()
        _write_manifest(plan, started, finished=dt.datetime.now(dt.UTC))
        _write_index(plan)
        _point_latest(plan.out_dir)
    return plan


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


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dataset_checksums() -> dict[str, str]:
    """SHA-256 of every file under ``datasets/``, by path relative to it."""
    if not paths.DATASETS.exists():
        return {}
    return {
        p.relative_to(paths.DATASETS).as_posix(): sha256_file(p)
        for p in sorted(paths.DATASETS.rglob("*"))
        if p.is_file()
    }


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


def _write_manifest(plan: RunPlan, started: dt.datetime, finished: dt.datetime | None) -> None:
    manifest = {
        "kit_version": __version__,
        "git": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "packages": package_versions(),
        "datasets_sha256": dataset_checksums(),
        "jobs": plan.jobs,
        "started_utc": started.isoformat(timespec="seconds"),
        "finished_utc": finished.isoformat(timespec="seconds") if finished else None,
        "wall_time_s": round((finished - started).total_seconds(), 3) if finished else None,
        "status": _overall(plan.results) if finished else "running",
        "notebooks": [asdict(r) for r in plan.results],
    }
    tmp = plan.out_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, plan.out_dir / "manifest.json")


def _overall(results: list[NotebookResult]) -> str:
    if all(r.status == "ok" for r in results):
        return "ok"
    if any(r.status == "interrupted" for r in results):
        return "interrupted"
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
<html lang="en"><head><meta charset="utf-8"><title>mlsd run {html.escape(plan.out_dir.name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
tr.failed td{{background:#fdd}}tr.ok td:nth-child(2){{color:#070}}</style></head>
<body><h1>mlsd run {html.escape(plan.out_dir.name)}</h1>
<p>Kit {html.escape(__version__)}; status <b>{_overall(plan.results)}</b>;
details in <a href="manifest.json">manifest.json</a>.</p>
<table><tr><th>notebook</th><th>status</th><th>duration</th><th>parameters</th><th>executed</th></tr>
{chr(10).join(rows)}
</table></body></html>
"""
    (plan.out_dir / "index.html").write_text(page, encoding="utf-8")


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
        if r.error and "ename" in r.error:
            cell = r.error.get("cell")
            where = f"cell {cell}" if cell is not None else "before any cell"
            lines.append(
                f"{r.path}: {r.status} at {where}: {r.error['ename']}: {r.error['evalue']}"
            )
        else:
            lines.append(f"{r.path}: {r.status}")
    return lines
