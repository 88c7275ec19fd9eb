"""``mlsd doctor``: the check a participant runs at the door.

Each check returns OK or FAIL with the fix for a failure; any FAIL gives a non-zero exit.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from mlsd import paths

MIN_PYTHON = (3, 11)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_python() -> list[Check]:
    version = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info[:2] >= MIN_PYTHON
    return [
        Check(
            "python",
            ok,
            version,
            "" if ok else "install Python 3.11 or newer, then `make clean && make run`",
        )
    ]


def check_packages() -> list[Check]:
    """Every requirement of the installed ``mlsd`` distribution, with its version floor."""
    from importlib import metadata

    from packaging.requirements import Requirement

    try:
        requires = metadata.requires("mlsd") or []
    except metadata.PackageNotFoundError:
        return [
            Check(
                "mlsd installed", False, "not installed", "run `make run` (or `pip install -e .`)"
            )
        ]
    checks = []
    for spec in requires:
        req = Requirement(spec)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # extras (test, dev) are not needed at the meetup
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            checks.append(Check(req.name, False, "missing", "run `make run` to reinstall"))
            continue
        ok = req.specifier.contains(version, prereleases=True)
        checks.append(
            Check(
                req.name,
                ok,
                f"{version} (needs {req.specifier or 'any'})",
                "" if ok else f"pip install '{req}'",
            )
        )
    return checks


def check_kernel(timeout_s: float = 60.0) -> list[Check]:
    """Start the ``python3`` Jupyter kernel and run one line in it."""
    try:
        from jupyter_client.manager import start_new_kernel

        km, kc = start_new_kernel(kernel_name="python3", startup_timeout=timeout_s)
        try:
            reply = kc.execute_interactive("import mlsd", timeout=timeout_s)
            ok = reply["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    except Exception as exc:  # any failure here is what the doctor reports
        return [
            Check(
                "jupyter kernel",
                False,
                f"{type(exc).__name__}: {exc}",
                "run `make run` to reinstall ipykernel; then `mlsd doctor` again",
            )
        ]
    return [
        Check(
            "jupyter kernel",
            ok,
            "python3 kernel starts and imports mlsd"
            if ok
            else "kernel started but `import mlsd` failed",
            "" if ok else "run `make run` to reinstall the kit",
        )
    ]


def check_datasets() -> list[Check]:
    try:
        from mlsd import datafiles

        results = datafiles.check_manifest()
    except Exception as exc:
        return [
            Check(
                "datasets",
                False,
                f"{type(exc).__name__}: {exc}",
                "restore datasets/ with `git checkout -- datasets` or `mlsd data generate`",
            )
        ]
    if not results:
        return [Check("datasets", False, "no shipped datasets found", "`git checkout -- datasets`")]
    return [
        Check(
            f"dataset {name}",
            ok,
            message,
            "" if ok else "restore it: `git checkout -- datasets` or `mlsd data generate`",
        )
        for name, ok, message in results
    ]


def check_notebooks() -> list[Check]:
    """Every ``.ipynb`` under ``notebooks/`` can be read (an empty ``Untitled.ipynb`` cannot)."""
    from mlsd import runner

    found, unreadable = runner.discover_all()
    checks = [
        Check(
            "notebooks",
            bool(found),
            f"{len(found)} readable under {paths.NOTEBOOKS}",
            "" if found else "restore them: `git checkout -- notebooks`",
        )
    ]
    checks += [
        Check(
            f"notebook {bad.display}",
            False,
            f"not a readable notebook ({bad.reason}); mlsd skips it",
            "delete it if you made it, or restore it: `git checkout -- <path>`",
        )
        for bad in unreadable
    ]
    return checks


def check_runs_writable() -> list[Check]:
    try:
        paths.RUNS.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=paths.RUNS, prefix=".doctor-"):
            pass
    except OSError as exc:
        return [Check("runs/ writable", False, str(exc), f"make {paths.RUNS} writable")]
    return [Check("runs/ writable", True, str(paths.RUNS))]


CHECKS: list[Callable[[], list[Check]]] = [
    check_python,
    check_packages,
    check_kernel,
    check_datasets,
    check_notebooks,
    check_runs_writable,
]


def run_checks() -> list[Check]:
    results: list[Check] = []
    for check in CHECKS:
        results.extend(check())
    return results


def main() -> int:
    results = run_checks()
    width = max(len(c.name) for c in results)
    for c in results:
        line = f"{'OK  ' if c.ok else 'FAIL'}  {c.name:<{width}}  {c.detail}"
        if not c.ok and c.fix:
            line += f"\n      fix: {c.fix}"
        print(line)
    failed = [c for c in results if not c.ok]
    print(f"\n{len(results) - len(failed)} OK, {len(failed)} FAIL")
    return 1 if failed else 0
