"""Shared fixtures: paths, the real churn data sets, and running a notebook with papermill."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlsd import paths

# Fixture notebooks are inputs for CLI tests, not lessons: nbval must not collect them.
collect_ignore_glob = ["fixtures/*"]

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
def run_notebook(tmp_path):
    """Execute a notebook with papermill into tmp_path; return the executed notebook node.

    The source notebook is never written: output goes to tmp_path, and the kernel runs in
    tmp_path so that a notebook relying on the working directory fails here.
    """
    import papermill as pm

    def _run(notebook: str | Path, **parameters):
        src = Path(notebook)
        if not src.is_absolute():
            src = paths.ROOT / src
        out = tmp_path / f"{src.stem}-out.ipynb"
        return pm.execute_notebook(
            str(src),
            str(out),
            parameters=parameters,
            cwd=str(tmp_path),
            kernel_name="python3",
            progress_bar=False,
        )

    return _run


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
