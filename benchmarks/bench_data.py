"""Time the data layer against its targets (printed, not asserted).

Targets (issue 3): generating the default customers table < 1 s; loading any shipped
snapshot < 0.3 s; ``mlsd data verify`` (``verify_all``) < 10 s.

Run from anywhere:

    .venv/bin/python benchmarks/bench_data.py [--repeat 5]

Reports the median and the best of ``--repeat`` runs. Timings depend on the machine and
its load; compare them with the targets, not with each other across machines.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from mlsd import datasets, paths, simulate


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
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
            *_time(lambda: simulate.make_customers(20_000, seed=42), repeat),
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
        rows.append((name, *_time(fn, repeat), 0.3))
    for name, path in (("load_churn_csv(Telco)", paths.TELCO_CSV),
                       ("load_churn_csv(PMLB)", paths.PMLB_CHURN_TSV)):  # fmt: skip
        if path.exists():
            rows.append((name, *_time(lambda p=path: datasets.load_churn_csv(p), repeat), 1.0))
    rows.append(("check_manifest()", *_time(datasets.check_manifest, repeat), 1.0))
    verify_repeat = min(repeat, 3)
    results: list[tuple[str, bool, str]] = []

    def verify() -> None:
        results[:] = datasets.verify_all()

    rows.append(("verify_all()", *_time(verify, verify_repeat), 10.0))

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
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
