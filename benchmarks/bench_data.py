"""Time the data layer against its targets (printed, not asserted).

Targets (issue 3): generating the default customers table < 1 s; loading any shipped
snapshot < 0.3 s; ``mlsd data verify`` (``verify_all``) < 10 s. Issue 15: the user-CSV
loader reads a 500,000-row Telco-like file in at most 3x the time of a bare
``pandas.read_csv`` of the same file (the ratio is printed).

Run from anywhere:

    .venv/bin/python benchmarks/bench_data.py [--repeat 5]

Reports the median and the best of ``--repeat`` runs. Timings depend on the machine and
its load; compare them with the targets, not with each other across machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from mlsd import datasets, paths, simulate

sys.path.insert(0, str(paths.ROOT / "tests"))
from conftest import PMLB_CHURN_TSV, TELCO_CSV  # test-only paths, beside the project

#: Rows of the synthetic Telco-like file the loader is timed on.
BIG_ROWS = 500_000
#: The loader may take at most this multiple of a bare pandas.read_csv of the same file.
MAX_RATIO = 3.0
_YES_NO = np.array(["Yes", "No"])
_SERVICE = np.array(["Yes", "No", "No internet service"])


def write_telco_like(path: Path, n_rows: int, seed: int = 0) -> Path:
    """Write a CSV with the IBM Telco churn file's columns and quirks: a unique
    ``customerID``, Yes/No text, and ``TotalCharges`` stored as text, blank when tenure is 0."""
    rng = np.random.default_rng(seed)
    tenure = rng.integers(0, 73, n_rows)
    monthly = np.round(rng.uniform(18.25, 118.75, n_rows), 2)
    total = np.round(tenure * monthly * rng.uniform(0.95, 1.05, n_rows), 2).astype(str)
    total[tenure == 0] = " "
    frame = pd.DataFrame(
        {
            "customerID": [
                f"{i:07d}-{c}" for i, c in enumerate(rng.choice(list("ABCDEFGH"), n_rows))
            ],
            "gender": rng.choice(np.array(["Female", "Male"]), n_rows),
            "SeniorCitizen": rng.integers(0, 2, n_rows),
            "Partner": rng.choice(_YES_NO, n_rows),
            "Dependents": rng.choice(_YES_NO, n_rows),
            "tenure": tenure,
            "PhoneService": rng.choice(_YES_NO, n_rows),
            "MultipleLines": rng.choice(np.array(["Yes", "No", "No phone service"]), n_rows),
            "InternetService": rng.choice(np.array(["DSL", "Fiber optic", "No"]), n_rows),
            **{
                col: rng.choice(_SERVICE, n_rows)
                for col in (
                    "OnlineSecurity",
                    "OnlineBackup",
                    "DeviceProtection",
                    "TechSupport",
                    "StreamingTV",
                    "StreamingMovies",
                )
            },
            "Contract": rng.choice(np.array(["Month-to-month", "One year", "Two year"]), n_rows),
            "PaperlessBilling": rng.choice(_YES_NO, n_rows),
            "PaymentMethod": rng.choice(
                np.array(
                    [
                        "Electronic check",
                        "Mailed check",
                        "Bank transfer (automatic)",
                        "Credit card (automatic)",
                    ]
                ),
                n_rows,
            ),
            "MonthlyCharges": monthly,
            "TotalCharges": total,
            "Churn": rng.choice(_YES_NO, n_rows, p=[0.265, 0.735]),
        }
    )
    frame.to_csv(path, index=False)
    return path


def loader_ratio(repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` seconds of pandas.read_csv and of load_churn_csv on the big file,
    in CPU time of this process (what a busy shared machine does not inflate) and in wall
    time, and the two ratios."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = write_telco_like(Path(folder) / "telco_like.csv", BIG_ROWS)
        for clock, timer in (("cpu", time.process_time), ("wall", time.perf_counter)):
            bare = min(_time(lambda: pd.read_csv(path), repeat, timer))
            loader = min(_time(lambda: datasets.load_churn_csv(path), repeat, timer))
            out |= {f"{clock}_bare": bare, f"{clock}_loader": loader}
            out[f"{clock}_ratio"] = loader / bare
    return out


def _time(
    fn: Callable[[], object], repeat: int, timer: Callable[[], float] = time.perf_counter
) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = timer()
        fn()
        runs.append(timer() - start)
    return runs


def _median_best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = _time(fn, repeat)
    return statistics.median(runs), min(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    args = parser.parse_args()
    repeat = max(1, args.repeat)

    rows: list[tuple[str, float, float, float]] = []  # (what, median_s, best_s, target_s)
    rows.append(
        (
            "make_customers(20_000)",
            *_median_best(lambda: simulate.make_customers(20_000, seed=42), repeat),
            1.0,
        )
    )
    loaders = {
        "load_customers()": datasets.load_customers,
        "load_activity()": datasets.load_activity,
        'load_experiment("clean")': lambda: datasets.load_experiment("clean"),
        'load_experiment("srm")': lambda: datasets.load_experiment("srm"),
        "load_request_trace()": datasets.load_request_trace,
    }
    for name, fn in loaders.items():
        rows.append((name, *_median_best(fn, repeat), 0.3))
    for name, path in (("load_churn_csv(Telco)", TELCO_CSV),
                       ("load_churn_csv(PMLB)", PMLB_CHURN_TSV)):  # fmt: skip
        if path.exists():
            rows.append(
                (name, *_median_best(lambda p=path: datasets.load_churn_csv(p), repeat), 1.0)
            )
    rows.append(("check_manifest()", *_median_best(datasets.check_manifest, repeat), 1.0))
    verify_repeat = min(repeat, 3)
    results: list[tuple[str, bool, str]] = []

    def verify() -> None:
        results[:] = datasets.verify_all()

    rows.append(("verify_all()", *_median_best(verify, verify_repeat), 10.0))

    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'median s':>9}  {'best s':>8}  {'target s':>8}  ok")
    for what, median, best, target in rows:
        print(f"{what:<{width}}  {median:9.3f}  {best:8.3f}  {target:8.1f}  "
              f"{'yes' if median < target else 'NO'}")  # fmt: skip
    failed = [name for name, ok, _ in results if not ok]
    print(f"verify_all: {len(results) - len(failed)}/{len(results)} snapshots byte-identical"
          + (f"; FAILED: {failed}" if failed else ""))  # fmt: skip
    total = sum((paths.DATASETS / e["file"]).stat().st_size
                for e in datasets.manifest()["datasets"].values())  # fmt: skip
    print(f"shipped CSVs: {total / 1e6:.2f} MB (budget 15 MB)")
    timed = loader_ratio(min(repeat, 3))
    ratio = timed["cpu_ratio"]
    print(f"load_churn_csv vs pandas.read_csv on {BIG_ROWS:,} Telco-like rows (best of "
          f"{min(repeat, 3)}): CPU {timed['cpu_loader']:.2f} s vs {timed['cpu_bare']:.2f} s, "
          f"ratio {ratio:.2f} (target <= {MAX_RATIO:g}) {'yes' if ratio <= MAX_RATIO else 'NO'}; "
          f"wall {timed['wall_loader']:.2f} s vs {timed['wall_bare']:.2f} s, "
          f"ratio {timed['wall_ratio']:.2f}")  # fmt: skip
    return 1 if failed or ratio > MAX_RATIO else 0


if __name__ == "__main__":
    raise SystemExit(main())
