"""Load the kit's shipped data sets, regenerate and verify them, and load a user's churn CSV.

The snapshots in ``datasets/`` are CSV files made by :mod:`mlsd.simulate` from recorded
sizes and seeds (``datasets/manifest.json``); each has a card (``datasets/<name>.md``).
``mlsd data generate`` calls :func:`generate_all`, ``mlsd data verify`` calls
:func:`verify_all` (regenerate and compare byte for byte). Reading the manifest and hashing
the files (:func:`manifest`, :func:`checksums`, :func:`check_manifest`, what ``mlsd run`` and
``mlsd doctor`` use) live in :mod:`mlsd.datafiles`, without pandas, and are re-exported here.

Loaders (correct dtypes, from any working directory):

- :func:`load_customers`: one row per subscriber at the snapshot (20,000 rows).
- :func:`load_activity`: the monthly usage panel of the first 3,000 customers.
- :func:`load_experiment` (``"clean"`` or ``"srm"``) and :func:`experiment_truth`.
- :func:`load_request_trace`: one day of recommendation-request arrivals.

And :func:`load_churn_csv` for a churn CSV of your own, with a :class:`LoadReport` of every
fix it made (both live in :mod:`mlsd.churn_csv`, one small function per step).
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlsd import paths, simulate
from mlsd.churn_csv import LoadReport, load_churn_csv
from mlsd.datafiles import (
    MANIFEST_FILE,
    SUMS_FILE,
    DataError,
    check_manifest,
    checksums,
    manifest,
    os_problem,
)
from mlsd.outputs import sha256_bytes, sha256_file

__all__ = [
    "CUSTOMER_CATEGORICAL",
    "CUSTOMER_NUMERIC",
    "CUSTOMER_TARGET",
    "SNAPSHOTS",
    "DataError",
    "LoadReport",
    "check_manifest",
    "checksums",
    "experiment_truth",
    "generate_all",
    "load_activity",
    "load_churn_csv",
    "load_customers",
    "load_experiment",
    "load_request_trace",
    "manifest",
    "sha256_file",
    "trace_truth",
    "verify_all",
]

#: The label a churn model predicts in the customers table.
CUSTOMER_TARGET = "churned_30d"
#: Observed numeric features of the customers table (what a model may use).
CUSTOMER_NUMERIC = [
    "tenure_months",
    "monthly_fee_usd",
    "watch_hours_30d",
    "watch_trend",
    "sessions_30d",
    "recs_shown_30d",
    "quality_plays_30d",
    "take_rate_30d",
    "support_tickets_90d",
    "failed_payments_90d",
    "price_increase_exposed",
    "discount_active",
]
#: Observed categorical features of the customers table (str columns).
CUSTOMER_CATEGORICAL = ["plan", "region", "device", "payment_method"]


# Column types of each snapshot: "int", "float", "str" or "date".
_CUSTOMER_TYPES = simulate.CUSTOMER_SCHEMA
_ACTIVITY_TYPES = {
    "customer_id": "str",
    "months_before_snapshot": "int",
    "period_start": "date",
    "period_end": "date",
    "after_snapshot": "int",
    "active_days": "int",
    "watch_hours": "float",
    "sessions": "int",
    "recs_shown": "int",
    "quality_plays": "int",
    "support_tickets": "int",
    "failed_payments": "int",
}
_EXPERIMENT_TYPES = {
    "user_id": "str",
    "variant": "str",
    "assignment_day": "int",
    "recs_shown": "int",
    "quality_plays": "int",
    "retained_30d": "int",
    "revenue_usd": "float",
    "pre_watch_hours": "float",
    "rec_latency_ms": "float",
}
_TRACE_TYPES = {"request_id": "int", "arrival_s": "float"}


@dataclass(frozen=True)
class _Snapshot:
    name: str
    file: str
    generator: str
    params: dict[str, Any]
    types: dict[str, str]
    description: str


#: What ``generate_all`` writes: name -> how it is made. Sizes and seeds are recorded here
#: and copied into the manifest; changing one changes the shipped file.
SNAPSHOTS: dict[str, _Snapshot] = {
    s.name: s
    for s in (
        _Snapshot(
            "customers",
            "customers.csv",
            "make_customers",
            {"n_customers": 20_000, "seed": 42},
            _CUSTOMER_TYPES,
            "one row per subscriber at the 2024-06-30 snapshot, with churn labels and truth",
        ),
        _Snapshot(
            "activity",
            "activity.csv",
            "make_activity",
            {"customers_head": 3_000, "n_months": 12, "n_months_after": 1, "seed": 43},
            _ACTIVITY_TYPES,
            "monthly usage panel of the first 3,000 customers, 12 periods + 1 after the snapshot",
        ),
        _Snapshot(
            "experiment_clean",
            "experiment_clean.csv",
            "make_experiment",
            {"n_users": 40_000, "n_days": 14, "srm": False, "seed": 2024},
            _EXPERIMENT_TYPES,
            "A/B test of a new recommender, 40,000 users over 14 days, healthy 50/50 split",
        ),
        _Snapshot(
            "experiment_srm",
            "experiment_srm.csv",
            "make_experiment",
            {"n_users": 40_000, "n_days": 14, "srm": True, "seed": 2025},
            _EXPERIMENT_TYPES,
            "the same test with a sample-ratio mismatch (slow treatment users lost)",
        ),
        _Snapshot(
            "request_trace",
            "request_trace.csv",
            "make_request_trace",
            {"duration_s": 86_400.0, "mean_rate_per_s": 2.0, "seed": 7},
            _TRACE_TYPES,
            "one day of recommendation-request arrivals, evening peak and short bursts",
        ),
    )
}

_EXPERIMENT_NAMES = {"clean": "experiment_clean", "srm": "experiment_srm"}


# --------------------------------------------------------------------------- generation


def _build(name: str, params: dict[str, Any]) -> pd.DataFrame:
    """Generate one snapshot's frame from its recorded parameters."""
    p = dict(params)
    if name == "customers":
        return simulate.make_customers(p.pop("n_customers"), **p)
    if name == "activity":
        base = SNAPSHOTS["customers"].params
        customers = simulate.make_customers(base["n_customers"], seed=base["seed"])
        head = p.pop("customers_head")
        return simulate.make_activity(customers.head(head), p.pop("n_months"), **p)
    if name.startswith("experiment_"):
        return simulate.make_experiment(p.pop("n_users"), **p)
    if name == "request_trace":
        return simulate.make_request_trace(p.pop("duration_s"), **p)
    raise ValueError(f"`name` must be one of {sorted(SNAPSHOTS)}, got {name!r}")


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise a frame the one reproducible way: fixed columns, dates as YYYY-MM-DD, \\n."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return buffer.getvalue().encode("utf-8")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _same_truth(fresh: Any, recorded: Any) -> bool:
    """Compare truth records; floats within 1e-12 relative, since a derived float (a sum of
    a fine grid) can differ in its last bit between numpy versions while the data do not."""
    if isinstance(fresh, dict) and isinstance(recorded, dict):
        return fresh.keys() == recorded.keys() and all(
            _same_truth(fresh[k], recorded[k]) for k in fresh
        )
    if isinstance(fresh, list) and isinstance(recorded, list):
        return len(fresh) == len(recorded) and all(map(_same_truth, fresh, recorded))
    if isinstance(fresh, float) and isinstance(recorded, float):
        return math.isclose(fresh, recorded, rel_tol=1e-12, abs_tol=0.0)
    return type(fresh) is type(recorded) and fresh == recorded


def _render(name: str) -> tuple[bytes, dict[str, Any]]:
    """Regenerate one snapshot: its CSV bytes and its manifest entry."""
    snap = SNAPSHOTS[name]
    frame = _build(name, snap.params)
    data = _csv_bytes(frame)
    entry: dict[str, Any] = {
        "file": snap.file,
        "card": f"{name}.md",
        "description": snap.description,
        "generator": f"mlsd.simulate.{snap.generator}",
        "params": dict(snap.params),
        "rows": len(frame),
        "columns": list(frame.columns),
        "bytes": len(data),
        "sha256": sha256_bytes(data),
    }
    if name.startswith("experiment_"):
        entry["truth"] = _jsonable(frame.attrs["truth"])
    elif name == "request_trace":
        truth = _jsonable(frame.attrs["truth"])
        entry["truth"] = truth
    return data, entry


def _write_file(path: Path, data: bytes) -> None:
    """Write and flush one file to disk (so a rename after it publishes complete bytes)."""
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def generate_all(out_dir: Path | str | None = None) -> list[Path]:
    """Generate every shipped snapshot, the manifest and the checksum file.

    Nothing in ``out_dir`` changes until the whole set is written: the files go to a hidden
    temporary folder inside it (the same disk), and only when every one is complete are
    they renamed into place, the manifest last. A full disk or a read-only folder leaves
    the old files as they were and no partial file behind.

    Args:
        out_dir: folder to write into; defaults to the kit's ``datasets/`` folder. Cards
            (``<name>.md``) are written by hand and are not touched.

    Returns:
        The paths written: one CSV per snapshot, ``manifest.json`` and ``SHA256SUMS``.

    Raises:
        DataError: naming the folder or file, when it cannot be created or written (read-only
            folder, full disk).

    Example:
        >>> import tempfile
        >>> written = generate_all(tempfile.mkdtemp())  # doctest: +SKIP
    """
    out = Path(out_dir) if out_dir is not None else paths.DATASETS
    try:  # before any heavy work: can we write here at all?
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".generate-", dir=out))
    except OSError as err:
        raise DataError(f"{out}: cannot write the data sets here: {os_problem(err)}") from err
    try:
        files: dict[str, bytes] = {}
        entries: dict[str, Any] = {}
        for name in SNAPSHOTS:
            data, entry = _render(name)
            files[entry["file"]] = data
            entries[name] = entry
        doc = {
            "about": "Shipped data sets of the ML Systems Design Meetup Kit; "
            "regenerate with `mlsd data generate`, check with `mlsd data verify`.",
            "generated_with": {"numpy": np.__version__, "pandas": pd.__version__},
            "datasets": entries,
        }
        sums = "".join(f"{e['sha256']}  {e['file']}\n" for e in entries.values())
        files[SUMS_FILE] = sums.encode("utf-8")
        files[MANIFEST_FILE] = (json.dumps(doc, indent=2) + "\n").encode("utf-8")
        for file, data in files.items():
            try:
                _write_file(staging / file, data)
            except OSError as err:
                raise DataError(
                    f"{out / file}: not written, {os_problem(err)}; the data sets in {out} "
                    "are unchanged"
                ) from err
        for file in files:  # renames on one disk need no space; the manifest goes last
            os.replace(staging / file, out / file)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out / file for file in files if file != SUMS_FILE] + [out / SUMS_FILE]


def verify_all(
    datasets_dir: Path | str | None = None, *, names: list[str] | None = None
) -> list[tuple[str, bool, str]]:
    """Regenerate every snapshot in memory and compare it byte for byte with the shipped file.

    A snapshot passes when the regenerated bytes equal the shipped file and both hash to
    the manifest's sha256 (and, for experiments, the regenerated truth equals the recorded
    one).

    Args:
        datasets_dir: folder holding the shipped files; defaults to the kit's ``datasets/``.
        names: check only these snapshots (default: all of :data:`SNAPSHOTS`).

    Returns:
        One ``(name, ok, message)`` per snapshot checked.

    Raises:
        ValueError: when ``names`` holds an unknown snapshot name.
    """
    folder = Path(datasets_dir) if datasets_dir is not None else paths.DATASETS
    selected = list(SNAPSHOTS) if names is None else list(names)
    unknown = sorted(set(selected) - set(SNAPSHOTS))
    if unknown:
        raise ValueError(f"`names` must be among {sorted(SNAPSHOTS)}, got {unknown}")
    try:
        recorded = manifest(folder)["datasets"]
    except FileNotFoundError as err:
        return [(name, False, str(err)) for name in selected]
    results: list[tuple[str, bool, str]] = []
    for name in selected:
        entry = recorded.get(name)
        if entry is None:
            results.append((name, False, "not in the manifest; run `mlsd data generate`"))
            continue
        if entry["params"] != SNAPSHOTS[name].params:
            results.append(
                (
                    name,
                    False,
                    f"manifest params {entry['params']} differ from the kit's "
                    f"{SNAPSHOTS[name].params}; run `mlsd data generate`",
                )
            )
            continue
        path = folder / entry["file"]
        if not path.exists():
            results.append((name, False, f"{entry['file']} is missing"))
            continue
        data, fresh = _render(name)
        shipped = path.read_bytes()
        shipped_sha = sha256_bytes(shipped)
        if data != shipped:
            where = next(
                (i for i, (x, y) in enumerate(zip(data, shipped, strict=False)) if x != y),
                min(len(data), len(shipped)),
            )
            line = shipped[:where].count(b"\n") + 1
            results.append(
                (
                    name,
                    False,
                    f"{entry['file']} differs from a fresh regeneration at line {line} "
                    f"({len(shipped)} vs {len(data)} bytes)",
                )
            )
        elif shipped_sha != entry["sha256"]:
            results.append(
                (name, False, f"{entry['file']} regenerates, but the manifest sha256 is stale")
            )
        elif "truth" in entry and not _same_truth(_jsonable(fresh.get("truth")), entry["truth"]):
            results.append((name, False, "the regenerated truth differs from the manifest's"))
        else:
            results.append(
                (
                    name,
                    True,
                    f"{entry['file']} regenerated byte for byte, sha256 {shipped_sha[:12]}",
                )
            )
    return results


# --------------------------------------------------------------------------- loaders


def _load(name: str) -> pd.DataFrame:
    snap = SNAPSHOTS[name]
    path = paths.DATASETS / snap.file
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: shipped data set {name!r} is missing; run `mlsd data generate`"
        )
    types = snap.types
    dtypes = {
        col: {"int": "int64", "float": "float64", "str": simulate.STRING_DTYPE}[kind]
        for col, kind in types.items()
        if kind != "date"
    }
    dates = [col for col, kind in types.items() if kind == "date"]
    frame = pd.read_csv(
        path,
        dtype=dtypes,
        parse_dates=dates,
        date_format="%Y-%m-%d",
        keep_default_na=False,
        na_values={"churn_reason": [""]},
    )
    for col in dates:
        frame[col] = frame[col].astype("datetime64[ns]")
    return frame


def load_customers() -> pd.DataFrame:
    """Load the shipped customers table: 20,000 subscribers at the 2024-06-30 snapshot.

    Columns and their meaning: ``datasets/customers.md``. Model features are
    :data:`CUSTOMER_NUMERIC` and :data:`CUSTOMER_CATEGORICAL`; the label is
    :data:`CUSTOMER_TARGET`; ``true_*`` columns are ground truth a model must not see.

    Example:
        >>> customers = load_customers()
        >>> customers.shape
        (20000, 26)

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    return _load("customers")


def load_activity() -> pd.DataFrame:
    """Load the monthly usage panel of the first 3,000 customers (``datasets/activity.md``).

    Rows with ``after_snapshot == 1`` describe the 30 days after the snapshot: using them
    to predict churn at the snapshot is leakage.
    """
    return _load("activity")


def load_experiment(name: str = "clean") -> pd.DataFrame:
    """Load a shipped A/B-test log: ``"clean"`` or ``"srm"`` (sample-ratio mismatch).

    Raises:
        ValueError: when ``name`` is not ``"clean"`` or ``"srm"``.

    Example:
        >>> log = load_experiment("clean")
        >>> log["variant"].value_counts().sort_index().index.tolist()
        ['control', 'treatment']

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    if name not in _EXPERIMENT_NAMES:
        raise ValueError(f"`name` must be one of {sorted(_EXPERIMENT_NAMES)}, got {name!r}")
    return _load(_EXPERIMENT_NAMES[name])


def experiment_truth(name: str = "clean") -> dict[str, Any]:
    """Return the true effects of a shipped experiment, recorded in the manifest.

    Keys include ``take_rate_control``, ``take_rate_treatment``, ``take_rate_abs_lift``,
    ``retention_control``, ``retention_abs_lift``, ``revenue_per_user_lift_usd``,
    ``latency_ms_control``, ``latency_ms_treatment``, ``designed_split``, ``srm``,
    ``n_days``, ``n_users``, ``seed`` and the assigned and logged counts per arm.

    Raises:
        ValueError: when ``name`` is not ``"clean"`` or ``"srm"``.
    """
    if name not in _EXPERIMENT_NAMES:
        raise ValueError(f"`name` must be one of {sorted(_EXPERIMENT_NAMES)}, got {name!r}")
    return dict(manifest()["datasets"][_EXPERIMENT_NAMES[name]]["truth"])


def load_request_trace() -> pd.DataFrame:
    """Load one day of recommendation-request arrivals (``request_id``, ``arrival_s``).

    The true rate curve: ``mlsd.simulate.trace_rate_per_s(t_s, truth=trace_truth())``.

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    return _load("request_trace")


def trace_truth() -> dict[str, Any]:
    """Return the shipped request trace's rate parameters and burst windows."""
    return dict(manifest()["datasets"]["request_trace"]["truth"])
