"""Benchmark the whole kit: per-notebook time, `mlsd run` at 1 and 2 jobs, papermill, the floor.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_kit.py [--repeat N]`). Prints a
report; asserts nothing: timings belong to the machine, not to the test suite.

- papermill direct: one Python process calling `papermill.execute_notebook` on every notebook
  in turn, the baseline `mlsd run --jobs 1` is compared with (target: at most +10%).
- mlsd run --jobs 1 / --jobs 2: the command as users run it, HTML included (target: jobs 2 at
  least 1.5x faster than jobs 1 with four or more notebooks on two cores).
- floor: executing a notebook that only does the kit's imports, i.e. the fixed cost of a
  kernel start plus imports that every notebook pays.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from mlsd import paths

FLOOR_SOURCE = """%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sklearn.ensemble
import sklearn.linear_model
import mlsd
mlsd.plots.use_house_style()"""


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def notebooks() -> list[Path]:
    return sorted(
        p for p in paths.NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="repeat each measurement N times")
    args = parser.parse_args()
    python = sys.executable
    work = Path(tempfile.mkdtemp(prefix="mlsd-bench-"))
    nbs = notebooks()
    print(f"{len(nbs)} notebooks, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")

    floor_nb = work / "floor.ipynb"
    floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FLOOR_SOURCE)])
    floor.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(floor, floor_nb)

    direct_script = (
        "import sys, papermill as pm\n"
        "for i, nb in enumerate(sys.argv[2:]):\n"
        "    pm.execute_notebook(nb, f'{sys.argv[1]}/{i}.ipynb',"
        " cwd=str(__import__('pathlib').Path(nb).parent),"
        " kernel_name='python3', progress_bar=False)\n"
    )
    results: dict[str, list[float]] = {
        "floor": [],
        "papermill direct": [],
        "mlsd run --jobs 1": [],
        "mlsd run --jobs 1 --no-html": [],
        "mlsd run --jobs 2": [],
    }
    per_notebook: dict[str, list[float]] = {}
    for r in range(args.repeat):
        results["floor"].append(
            timed([python, "-c", direct_script, str(work), str(floor_nb)], work)
        )
        results["papermill direct"].append(
            timed([python, "-c", direct_script, str(work), *map(str, nbs)], work)
        )
        for label, extra in (
            ("mlsd run --jobs 1", []),
            ("mlsd run --jobs 1 --no-html", ["--no-html"]),
            ("mlsd run --jobs 2", ["--jobs", "2"]),
        ):
            out = work / f"run-{label.replace(' ', '_')}-{r}"
            jobs = [] if "--jobs 2" in label else ["--jobs", "1"]
            results[label].append(
                timed(
                    [
                        python,
                        "-m",
                        "mlsd.cli",
                        "run",
                        "--no-progress",
                        "--out",
                        str(out),
                        *jobs,
                        *extra,
                    ],
                    work,
                )
            )
            if label == "mlsd run --jobs 1":
                manifest = json.loads((out / "manifest.json").read_text())
                for entry in manifest["notebooks"]:
                    per_notebook.setdefault(entry["path"], []).append(entry["duration_s"])

    print("\nPer notebook (mlsd run --jobs 1, papermill execution time):")
    for path, values in per_notebook.items():
        print(f"  {statistics.median(values):6.1f} s  {path}")
    print("\nWhole kit (wall time, median of runs, process start included):")
    med = {k: statistics.median(v) for k, v in results.items()}
    for label, value in med.items():
        print(f"  {value:6.1f} s  {label}")
    overhead = med["mlsd run --jobs 1"] / med["papermill direct"] - 1
    speedup = med["mlsd run --jobs 1"] / med["mlsd run --jobs 2"]
    print(f"\nmlsd run --jobs 1 over papermill direct: {overhead:+.1%} (target <= +10%)")
    print(
        f"  without HTML: {med['mlsd run --jobs 1 --no-html'] / med['papermill direct'] - 1:+.1%}"
    )
    print(
        f"mlsd run --jobs 2 speed-up over --jobs 1: {speedup:.2f}x"
        " (target >= 1.5x with >= 4 notebooks)"
    )
    print(f"floor (kernel start + kit imports, one notebook): {med['floor']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
