"""Tests for mlsd.datasets: shipped snapshots, manifest, loaders and the churn-CSV loader."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from mlsd import cli, datasets, doctor, paths, simulate

SNAPSHOT_FILES = {
    "customers": "customers.csv",
    "activity": "activity.csv",
    "experiment_clean": "experiment_clean.csv",
    "experiment_srm": "experiment_srm.csv",
    "request_trace": "request_trace.csv",
}
LOADERS = {
    "customers": datasets.load_customers,
    "activity": datasets.load_activity,
    "experiment_clean": lambda: datasets.load_experiment("clean"),
    "experiment_srm": lambda: datasets.load_experiment("srm"),
    "request_trace": datasets.load_request_trace,
}
BAD = Path(__file__).parent / "fixtures" / "bad_csv"
STRING_COLUMNS = {"customer_id", "user_id", "plan", "region", "device", "payment_method",
                  "churn_reason", "true_segment", "variant"}  # fmt: skip
DATE_COLUMNS = {"signup_date", "period_start", "period_end"}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_lists_every_snapshot_with_its_true_checksum():
    """manifest.json, SHA256SUMS and checksums() agree with hashes computed here."""
    doc = json.loads((paths.DATASETS / "manifest.json").read_text())
    assert {n: e["file"] for n, e in doc["datasets"].items()} == SNAPSHOT_FILES
    sum_lines = (paths.DATASETS / "SHA256SUMS").read_text().splitlines()
    sums = {file: digest for digest, file in (line.split("  ") for line in sum_lines)}
    got = datasets.checksums()
    for name, file in SNAPSHOT_FILES.items():
        digest = _sha256(paths.DATASETS / file)
        assert doc["datasets"][name]["sha256"] == digest
        assert sums[file] == digest
        assert got[file] == digest
        assert doc["datasets"][name]["bytes"] == (paths.DATASETS / file).stat().st_size
    assert all(ok for _, ok, _ in datasets.check_manifest())


def test_verify_all_regenerates_every_snapshot_byte_for_byte():
    """verify_all regenerates each shipped file and finds it identical."""
    results = datasets.verify_all()
    assert [name for name, _, _ in results] == list(SNAPSHOT_FILES)
    assert all(ok for _, ok, _ in results), results


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, list[Path]]:
    """One generate_all into a folder that already held a file of the user's (notes.txt)."""
    folder = tmp_path_factory.mktemp("generated")
    (folder / "notes.txt").write_text("mine\n")
    return folder, datasets.generate_all(folder)


def test_generate_all_writes_identical_files(generated):
    """generate_all into a folder writes files byte-identical to the shipped ones."""
    folder, written = generated
    assert {p.name for p in written} == {*SNAPSHOT_FILES.values(), "manifest.json", "SHA256SUMS"}
    for file in SNAPSHOT_FILES.values():
        assert (folder / file).read_bytes() == (paths.DATASETS / file).read_bytes(), file


def test_verify_and_check_manifest_catch_a_tampered_file(tmp_path):
    """Changing one byte of a shipped CSV makes both checks fail for that file only."""
    for file in [*SNAPSHOT_FILES.values(), "manifest.json"]:
        shutil.copy(paths.DATASETS / file, tmp_path / file)
    target = tmp_path / "request_trace.csv"
    data = bytearray(target.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")
    target.write_bytes(bytes(data))
    fast = {name: ok for name, ok, _ in datasets.check_manifest(tmp_path)}
    assert fast == {name: name != "request_trace" for name in SNAPSHOT_FILES}
    (tmp_path / "experiment_srm.csv").unlink()
    checked = ["request_trace", "experiment_srm", "experiment_clean"]
    slow = {name: (ok, msg) for name, ok, msg in datasets.verify_all(tmp_path, names=checked)}
    assert not slow["request_trace"][0] and "differs" in slow["request_trace"][1]
    assert not slow["experiment_srm"][0] and "missing" in slow["experiment_srm"][1]
    assert slow["experiment_clean"][0]
    with pytest.raises(ValueError, match="`names`"):
        datasets.verify_all(tmp_path, names=["nope"])


def test_shipped_csvs_total_at_most_15_mb():
    """All shipped CSVs together stay within the 15 MB budget."""
    total = sum((paths.DATASETS / f).stat().st_size for f in SNAPSHOT_FILES.values())
    assert total <= 15 * 1024 * 1024


@pytest.mark.parametrize("name", list(SNAPSHOT_FILES))
def test_every_snapshot_has_a_card_naming_every_column(name):
    """Each data set has datasets/<name>.md documenting each of its columns."""
    card = (paths.DATASETS / f"{name}.md").read_text()
    with (paths.DATASETS / SNAPSHOT_FILES[name]).open() as handle:
        header = next(csv.reader(handle))
    for column in header:
        assert f"`{column}`" in card, (name, column)
    rows = datasets.manifest()["datasets"][name]["rows"]
    assert f"{rows:,} rows" in card, (name, rows)
    assert f"`{name}`" in (paths.DATASETS / "README.md").read_text()


@pytest.mark.parametrize("name", list(SNAPSHOT_FILES))
def test_loaders_set_dtypes_and_work_from_any_cwd(name, tmp_path, monkeypatch):
    """Loaders work from an unrelated cwd and give int, float, str and datetime columns."""
    monkeypatch.chdir(tmp_path)
    frame = LOADERS[name]()
    with (paths.DATASETS / SNAPSHOT_FILES[name]).open() as handle:
        header = next(csv.reader(handle))
        n_lines = sum(1 for _ in handle)
    assert list(frame.columns) == header
    assert len(frame) == n_lines
    for col in frame.columns:
        if col in STRING_COLUMNS:
            assert pd.api.types.is_string_dtype(frame[col]), col
        elif col in DATE_COLUMNS:
            assert frame[col].dtype == "datetime64[ns]", col
        else:
            assert frame[col].dtype in (np.int64, np.float64), (col, frame[col].dtype)
    if name == "request_trace":
        assert frame["request_id"].dtype == np.int64


def test_customer_feature_constants_exclude_labels_and_truth():
    """CUSTOMER_NUMERIC/CATEGORICAL are observed columns only; the target is churned_30d."""
    customers = datasets.load_customers()
    features = datasets.CUSTOMER_NUMERIC + datasets.CUSTOMER_CATEGORICAL
    assert datasets.CUSTOMER_TARGET == "churned_30d"
    assert set(features) <= set(customers.columns)
    forbidden = {"customer_id", "signup_date", "churned_30d", "days_to_churn", "censored",
                 "churn_reason"}  # fmt: skip
    assert not (set(features) & forbidden)
    assert not [f for f in features if f.startswith("true_")]
    assert all(pd.api.types.is_numeric_dtype(customers[c]) for c in datasets.CUSTOMER_NUMERIC)
    assert all(pd.api.types.is_string_dtype(customers[c]) for c in datasets.CUSTOMER_CATEGORICAL)
    assert customers["churn_reason"].isna().sum() == customers["censored"].sum()


def test_the_one_customer_schema_describes_what_the_generator_makes():
    """simulate.CUSTOMER_SCHEMA gives make_customers' columns in order, each of its kind."""
    frame = simulate.make_customers(300, seed=5)
    assert list(frame.columns) == list(simulate.CUSTOMER_SCHEMA) == simulate.CUSTOMER_COLUMNS
    assert datasets.SNAPSHOTS["customers"].types is simulate.CUSTOMER_SCHEMA
    checks = {
        "str": pd.api.types.is_string_dtype,
        "date": pd.api.types.is_datetime64_dtype,
        "int": pd.api.types.is_integer_dtype,
        "float": pd.api.types.is_float_dtype,
    }
    for col, kind in simulate.CUSTOMER_SCHEMA.items():
        assert checks[kind](frame[col]), (col, kind, frame[col].dtype)
    assert not frame["churn_reason"].eq("None").any()
    assert frame["churn_reason"].isna().sum() == frame["censored"].sum() > 0


def test_gradient_boosting_beats_logistic_regression_on_customers():
    """On a held-out split, boosting gets ROC AUC > 0.75 and beats logistic regression by 0.03+."""
    customers = datasets.load_customers()
    num, cat = datasets.CUSTOMER_NUMERIC, datasets.CUSTOMER_CATEGORICAL
    x, y = customers[num + cat], customers[datasets.CUSTOMER_TARGET]
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, random_state=0, stratify=y
    )
    onehot = OneHotEncoder(handle_unknown="ignore")
    gbm = make_pipeline(
        ColumnTransformer([("cat", onehot, cat)], remainder="passthrough"),
        HistGradientBoostingClassifier(max_depth=3, max_iter=80, random_state=0),
    )
    logreg = make_pipeline(
        ColumnTransformer([("cat", onehot, cat), ("num", StandardScaler(), num)]),
        LogisticRegression(max_iter=2_000),
    )
    auc = {}
    for name, model in {"gbm": gbm, "logreg": logreg}.items():
        model.fit(x_train, y_train)
        auc[name] = roc_auc_score(y_test, model.predict_proba(x_test)[:, 1])
    assert auc["gbm"] > 0.75
    assert auc["gbm"] - auc["logreg"] >= 0.03, auc


def test_experiment_truth_has_the_contract_keys():
    """experiment_truth records true effects and design for both shipped experiments."""
    for name, srm in (("clean", False), ("srm", True)):
        truth = datasets.experiment_truth(name)
        for key in ["take_rate_control", "take_rate_treatment", "take_rate_abs_lift",
                    "retention_control", "retention_abs_lift", "revenue_per_user_lift_usd",
                    "latency_ms_control", "latency_ms_treatment", "designed_split", "srm",
                    "n_days", "seed", "n_users"]:  # fmt: skip
            assert key in truth, key
        assert truth["srm"] is srm
        assert truth["designed_split"] == 0.5
    with pytest.raises(ValueError, match="`name`"):
        datasets.experiment_truth("dirty")
    with pytest.raises(ValueError, match="`name`"):
        datasets.load_experiment("dirty")


@pytest.mark.parametrize(("name", "flagged"), [("clean", False), ("srm", True)])
def test_shipped_srm_experiment_fails_the_chi_square_check(name, flagged):
    """The srm log's split is off at p < 0.001; the clean one's is not."""
    log = datasets.load_experiment(name)
    counts = log["variant"].value_counts().to_numpy()
    assert bool(stats.chisquare(counts).pvalue < 0.001) is flagged
    truth = datasets.experiment_truth(name)
    assert len(log) == truth["n_logged_control"] + truth["n_logged_treatment"]


# --------------------------------------------------------------------------- load_churn_csv


@pytest.mark.shared_data
def test_load_churn_csv_fixes_the_telco_quirks(telco_csv):
    """Telco: Churn Yes/No -> 1/0, customerID dropped, blank TotalCharges -> NaN, explained."""
    with telco_csv.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    blank = [r for r in rows if r["TotalCharges"].strip() == ""]
    frame, report = datasets.load_churn_csv(telco_csv)
    assert report.target == "Churn" and report.positive_label == "Yes"
    assert report.n_rows == len(rows) == len(frame)
    assert frame["Churn"].dtype == np.int64
    assert frame["Churn"].sum() == sum(r["Churn"] == "Yes" for r in rows)
    assert "customerID" not in frame.columns and "customerID" in report.dropped_columns
    assert frame["TotalCharges"].dtype == np.float64
    assert frame["TotalCharges"].isna().sum() == len(blank) == 11
    assert {r["tenure"] for r in blank} == {"0"}
    text = str(report)
    for needle in (
        "customerID",
        "identifier",
        "TotalCharges",
        "11 blank",
        "tenure = 0",
        "'Yes' → 1",
    ):
        assert needle in text, needle
    assert report.n_columns == frame.shape[1] == 20


@pytest.mark.shared_data
def test_load_churn_csv_reads_the_pmlb_gzip_tsv(pmlb_churn_tsv):
    """PMLB: tab-separated gzip read, 'phone number' dropped, 0/1 target kept."""
    with gzip.open(pmlb_churn_tsv, "rt", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    frame, report = datasets.load_churn_csv(pmlb_churn_tsv)
    assert report.delimiter == "\t"
    assert report.target == "target"
    assert len(frame) == len(rows) == 5_000
    assert frame["target"].sum() == sum(r["target"] == "1" for r in rows)
    assert "phone number" not in frame.columns
    assert "phone number" in str(report)
    assert all(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns)


MISSING = BAD / "missing.csv"


@pytest.mark.parametrize(
    ("file", "error", "needles"),
    [
        (MISSING, FileNotFoundError, ["missing.csv", "no such file"]),
        (BAD / "empty.csv", ValueError, ["empty.csv", "empty", "Allowed"]),
        (BAD / "header_only.csv", ValueError, ["header_only.csv", "no data rows", "churned"]),
        (BAD / "no_target.csv", ValueError, ["no_target.csv", "monthly_fee_usd", "target="]),
        (BAD / "non_binary_target.csv", ValueError, ["'churn'", "'Maybe'", "'Unknown'", "Yes/No"]),
        (BAD / "semicolon.csv", ValueError, ["semicolon.csv", "one column", "';'", "tab"]),
        (BAD / "unclear_labels.csv", ValueError, ["'gold'", "'silver'", "positive="]),
    ],
)
def test_load_churn_csv_refuses_bad_files_with_one_clear_message(file, error, needles):
    """Each bad file raises one error naming the file, the column or values, and what is allowed."""
    target = "status" if file.name == "unclear_labels.csv" else None
    with pytest.raises(error) as info:
        datasets.load_churn_csv(file, target=target)
    message = str(info.value)
    for needle in needles:
        assert needle in message, (needle, message)


def test_load_churn_csv_lists_columns_when_the_named_target_is_absent():
    """Naming a target that does not exist lists the columns that do."""
    with pytest.raises(ValueError, match=r"'churned'.*'customer_id'.*'plan'"):
        datasets.load_churn_csv(BAD / "no_target.csv", target="churned")


@pytest.mark.parametrize(
    ("labels", "positive", "expected"),
    [
        (["Yes", "No", "No", "Yes"], None, [1, 0, 0, 1]),
        (["True", "False", "False", "False"], None, [1, 0, 0, 0]),
        (["churned", "active", "churned", "active"], None, [1, 0, 1, 0]),
        (["1", "0", "0", "0"], None, [1, 0, 0, 0]),
        (["gold", "silver", "gold", "gold"], "silver", [0, 1, 0, 0]),
    ],
)
def test_load_churn_csv_maps_labels_and_reads_gzip_tsv(tmp_path, labels, positive, expected):
    """Familiar label pairs map to 0/1 (or via positive=), from a gzip-compressed TSV too."""
    lines = ["tenure\ttotal_usd\tchurn"] + [
        f"{i}\t{' ' if i == 0 else i * 10}\t{lab}" for i, lab in enumerate(labels)
    ]
    path = tmp_path / "mine.tsv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    frame, report = datasets.load_churn_csv(path, positive=positive)
    assert frame["churn"].tolist() == expected
    assert frame["total_usd"].isna().tolist() == [True, False, False, False]
    assert any("total_usd" in fix for fix in report.fixes)


def test_load_churn_csv_expands_the_home_folder(tmp_path, monkeypatch):
    """A path starting with `~` is read from the user's home folder, as a shell would."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "mine.csv").write_text("id,tenure,churn\n1,3,yes\n2,5,no\n3,8,no\n4,1,yes\n")
    frame, report = datasets.load_churn_csv("~/mine.csv", target="churn")
    assert frame["churn"].tolist() == [1, 0, 0, 1]
    assert report.target == "churn"


# --------------------------------------------------------------------------- safe writing


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs at tmp_path/disk (smaller than the data sets), or skip where mount fails."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mount = shutil.which("mount")
    done = mount and subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True
    )
    if not done or done.returncode != 0:
        pytest.skip("mounting a small tmpfs is not allowed here (needs root in a container)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _old_data(folder: Path) -> dict[str, bytes]:
    """Put a small 'previous generation' into folder; return its files' bytes by name."""
    old = {
        "customers.csv": b"customer_id,churned_30d\nC1,0\n",
        "manifest.json": (paths.DATASETS / "manifest.json").read_bytes(),
        "customers.md": b"# customers (a hand-written card)\n",
    }
    for name, data in old.items():
        (folder / name).write_bytes(data)
    return old


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


def test_generate_on_a_full_disk_leaves_the_old_data_and_no_partial_file(small_disk, capsys):
    """Disk full: one line naming the file, exit 1, old files byte-identical, nothing else."""
    old = _old_data(small_disk)
    code = cli.main(["data", "generate", "--out", str(small_disk)])
    line = _one_line_error(capsys)
    assert code == 1
    assert "disk is full" in line and str(small_disk) in line and ".csv" in line, line
    assert {p.name: p.read_bytes() for p in small_disk.iterdir()} == old
    assert shutil.disk_usage(small_disk).used < 64 * 1024, "temporary files were left behind"


def test_generate_into_a_read_only_folder_is_refused_in_one_line(small_disk, capsys):
    """A read-only datasets folder: one line naming it, exit 1, before any generation."""
    old = _old_data(small_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    start = time.perf_counter()
    code = cli.main(["data", "generate", "--out", str(small_disk)])
    elapsed = time.perf_counter() - start
    line = _one_line_error(capsys)
    assert code == 1
    assert "read-only" in line and str(small_disk) in line, line
    assert {p.name: p.read_bytes() for p in small_disk.iterdir()} == old
    assert elapsed < 1.0, f"refused only after {elapsed:.1f} s of generation"


def test_generate_all_leaves_no_temporary_folder_and_keeps_other_files(generated):
    """After a successful generate, only the set and the files already there remain."""
    folder, written = generated
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(p.name for p in written), "notes.txt"]
    )
    assert (folder / "notes.txt").read_text() == "mine\n"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:13],
        lambda data: b"",
        lambda data: b'{"datasets": [1, 2]}',
        lambda data: b"\xff\xfe" + data,
    ],
    ids=["truncated", "empty", "wrong-shape", "not-utf8"],
)
def test_a_damaged_manifest_gives_one_line_naming_it(tmp_path, monkeypatch, capsys, damage):
    """A truncated or edited manifest.json: verify, check_manifest and doctor name the file."""
    (tmp_path / "manifest.json").write_bytes(
        damage((paths.DATASETS / "manifest.json").read_bytes())
    )
    with pytest.raises(datasets.DataError, match=r"manifest\.json") as info:
        datasets.manifest(tmp_path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{tmp_path / 'manifest.json'}: ")
    with pytest.raises(datasets.DataError, match=r"manifest\.json"):
        datasets.check_manifest(tmp_path)
    monkeypatch.setattr(paths, "DATASETS", tmp_path)
    assert cli.main(["data", "verify"]) == 1
    line = _one_line_error(capsys)
    assert str(tmp_path / "manifest.json") in line
    checks = doctor.check_datasets()
    assert len(checks) == 1 and not checks[0].ok
    assert "manifest.json" in checks[0].detail and "\n" not in checks[0].detail


def test_sha256_file_and_every_file_checksums_match_hashlib(tmp_path):
    """The one file checksum equals hashlib's of the whole bytes, for every file in a folder."""
    (tmp_path / "sub").mkdir()
    files = {"a.csv": b"x,y\n1,2\n", "sub/b.md": b"card\n", "big.bin": bytes(range(256)) * 9_000}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    expected = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    assert datasets.checksums(tmp_path, every_file=True) == dict(sorted(expected.items()))
    assert datasets.sha256_file(tmp_path / "big.bin") == expected["big.bin"]
    assert datasets.checksums(tmp_path / "absent", every_file=True) == {}


def test_the_checksums_a_run_records_need_no_pandas_and_have_one_implementation():
    """`mlsd run` and `mlsd doctor` read the manifest and hash the files without pandas (0.8 s
    of every run's start), through the kit's one checksum function."""
    code = (
        "import sys\n"
        "from mlsd import doctor, runner\n"
        "sums = runner.dataset_checksums()\n"
        "checks = doctor.check_datasets()\n"
        "print(len(sums), all(c.ok for c in checks), 'pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(len(datasets.manifest()["datasets"])), "True", "False"]
    from mlsd import datafiles, outputs

    assert datasets.sha256_file is outputs.sha256_file is datafiles.sha256_file
    assert datasets.checksums is datafiles.checksums
