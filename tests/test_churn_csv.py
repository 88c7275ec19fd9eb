"""Tests for mlsd.churn_csv: each step of the user-CSV loader on its own, then the whole."""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlsd import churn_csv, datasets


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_datasets_reexports_the_loader_and_its_report():
    """The notebooks' spelling, mlsd.datasets.load_churn_csv / LoadReport, is the module's."""
    assert datasets.load_churn_csv is churn_csv.load_churn_csv
    assert datasets.LoadReport is churn_csv.LoadReport


# --------------------------------------------------------------------------- 1. read


@pytest.mark.parametrize(
    ("data", "encoding", "noted"),
    [
        (b"a,b\n1,2\n", "utf-8", False),
        ("plan,price\ncaf\u00e9,1\n".encode(), "utf-8", False),
        (codecs.BOM_UTF8 + b"a,b\n1,2\n", "utf-8-sig", False),
        ("a\tb\n1\t2\n".encode("utf-16"), "utf-16", True),
        ("city,fee\nZ\u00fcrich,10 \u20ac\n".encode("cp1252"), "cp1252", True),
        # 0x81 has no character in Windows-1252, so only Latin-1 decodes it.
        (b"city,fee\nA\x81B,10\n", "latin-1", True),
    ],
)
def test_sniff_encoding_picks_the_encoding_that_decodes(data, encoding, noted):
    """UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; else cp1252, Latin-1."""
    found, notes = churn_csv.sniff_encoding(data)
    assert found == encoding
    assert bool(notes) is noted
    if encoding in ("cp1252", "latin-1"):
        assert "not UTF-8" in notes[0] and "byte" in notes[0]


def test_sniff_delimiter_counts_tabs_against_commas():
    """A header with more tabs than commas is tab-separated, otherwise comma-separated."""
    assert churn_csv.sniff_delimiter("a\tb\tc") == "\t"
    assert churn_csv.sniff_delimiter("a,b,c") == ","
    assert churn_csv.sniff_delimiter("a, b\tc,d") == ","


def test_a_windows_1252_file_loads_with_its_accents_and_a_note(tmp_path):
    """A cp1252 CSV (Excel on Windows) loads, accents intact, and the report says so."""
    text = "city,fee_usd,churn\nZ\u00fcrich,10,Yes\nS\u00e3o Paulo,12,No\nZ\u00fcrich,9,No\n"
    path = _write(tmp_path / "latin.csv", text, "cp1252")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    frame, report = churn_csv.load_churn_csv(path)
    assert frame["city"].tolist() == ["Z\u00fcrich", "S\u00e3o Paulo", "Z\u00fcrich"]
    assert report.encoding == "cp1252"
    assert any("Windows-1252" in note for note in report.notes)
    assert "Windows-1252" in str(report)


def test_a_utf16_tab_file_from_excel_loads(tmp_path):
    """Excel's 'Unicode text' (UTF-16 with BOM, tab-separated) loads like any TSV."""
    text = "tenure\tchurn\n1\tYes\n5\tNo\n7\tNo\n"
    path = _write(tmp_path / "excel.txt", text, "utf-16")
    frame, report = churn_csv.load_churn_csv(path)
    assert report.delimiter == "\t" and report.encoding == "utf-16"
    assert frame["tenure"].tolist() == [1, 5, 7]
    assert frame["churn"].tolist() == [1, 0, 0]


def test_read_table_reads_gzip_by_its_magic_bytes_not_its_name(tmp_path):
    """A gzip file named .csv is decompressed; the table says it was compressed."""
    path = tmp_path / "plain-name.csv"
    path.write_bytes(gzip.compress(b"a,churn\n1,0\n2,1\n"))
    table = churn_csv.read_table(path)
    assert table.compressed
    assert table.frame.to_dict("list") == {"a": [1, 2], "churn": [0, 1]}


_GZ = gzip.compress(b"a,churn\n" + "".join(f"{i},{i % 2}\n" for i in range(999)).encode())


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (_GZ[: len(_GZ) // 2], "cannot be decompressed"),
        (b"PK\x03\x04" + b"\x00" * 40, "Excel workbook"),
        (b"  \n\n", "is empty"),
    ],
    ids=["truncated-gzip", "xlsx", "blank"],
)
def test_read_table_refuses_what_is_not_text_naming_the_file(tmp_path, content, needle):
    """A truncated gzip, an Excel workbook or a blank file is refused with one ValueError."""
    path = tmp_path / "mine.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=needle) as info:
        churn_csv.read_table(path)
    assert str(path) in str(info.value)
    assert "Allowed:" in str(info.value)


def test_a_5000_character_path_gets_a_clear_message_not_an_oserror(tmp_path):
    """A path too long for the system is a ValueError quoting a prefix, not a raw OSError."""
    path = tmp_path / ("x" * 5_000 + ".csv")
    with pytest.raises(ValueError, match="characters") as info:
        churn_csv.load_churn_csv(path)
    message = str(info.value)
    assert len(message) < 400, message
    assert str(tmp_path)[:20] in message


def test_check_data_path_resolves_and_refuses_with_the_parameter_named(tmp_path):
    """ "" passes, a relative path starts at root, and bad paths name the parameter."""
    (tmp_path / "mine.csv").write_text("a,churn\n1,0\n")
    assert churn_csv.check_data_path("data_path", "") == ""
    assert churn_csv.check_data_path("data_path", "mine.csv", root=tmp_path) == str(
        tmp_path / "mine.csv"
    )
    with pytest.raises(ValueError, match=r"^`data_path` does not exist: .*nope\.csv"):
        churn_csv.check_data_path("data_path", "nope.csv", root=tmp_path)
    with pytest.raises(ValueError, match="`data_path` is a folder"):
        churn_csv.check_data_path("data_path", str(tmp_path))
    with pytest.raises(
        ValueError, match=r"`data_path` cannot be used: .*5,00\d characters"
    ) as info:
        churn_csv.check_data_path("data_path", "d/" + "x" * 5_000 + ".csv", root=tmp_path)
    assert len(str(info.value)) < 400


def test_a_folder_is_refused(tmp_path):
    """Passing a folder names it and says a file is needed."""
    with pytest.raises(ValueError, match="is a folder"):
        churn_csv.read_table(tmp_path)


# --------------------------------------------------------------------------- 2-4. target


def test_find_target_guesses_case_insensitively_in_a_fixed_order():
    """Without target=, the first known name wins whatever its case; a named one must exist."""
    assert churn_csv.find_target(["id", "Exited", "Label"], None) == "Exited"
    assert churn_csv.find_target(["CHURN", "target"], None) == "CHURN"
    assert churn_csv.find_target(["a", "status"], "status") == "status"
    with pytest.raises(ValueError, match=r"no target column.*'a'.*target="):
        churn_csv.find_target(["a", "b"], None, path="f.csv")
    with pytest.raises(ValueError, match=r"'status' is not among the columns \['a', 'b'\]"):
        churn_csv.find_target(["a", "b"], "status")


def test_drop_blank_target_drops_only_those_rows():
    """Rows with a blank target go, with one fix counting them; all blank is refused."""
    frame = pd.DataFrame({"x": [1, 2, 3, 4], "churn": ["Yes", None, "No", np.nan]})
    kept, fixes = churn_csv.drop_blank_target(frame, "churn")
    assert kept["x"].tolist() == [1, 3]
    assert fixes == ("dropped 2 rows whose target 'churn' is blank",)
    same, none = churn_csv.drop_blank_target(kept, "churn")
    assert same is kept and none == ()
    with pytest.raises(ValueError, match="blank in every row"):
        churn_csv.drop_blank_target(frame.assign(churn=np.nan), "churn")


@pytest.mark.parametrize(
    ("labels", "positive", "expected", "pos_label"),
    [
        ([" Yes", "No", "No ", "Yes"], None, [1, 0, 0, 1], "Yes"),
        ([1.0, 0.0, 0.0], None, [1, 0, 0], "1.0"),
        (["TRUE", "FALSE", "FALSE"], None, [1, 0, 0], "TRUE"),
        (["stayed", "left", "left"], None, [0, 1, 1], "left"),
        (["gold", "silver", "gold"], "silver", [0, 1, 0], "silver"),
    ],
)
def test_map_target_maps_two_values_to_one_and_zero(labels, positive, expected, pos_label):
    """Stripped text decides; familiar pairs map by themselves, others through positive=."""
    mapping = churn_csv.map_target(pd.Series(labels, name="churn"), positive=positive)
    assert mapping.y.tolist() == expected
    assert mapping.y.dtype == np.int64
    assert mapping.positive_label == pos_label


def test_map_target_counts_rows_in_its_fix():
    """The fix reports how many rows became 1 and 0, as an independent count gives."""
    rng = np.random.default_rng(0)
    labels = pd.Series(rng.choice(["Yes", "No"], 1_001, p=[0.3, 0.7]), name="Churn")
    counts = Counter(labels)
    mapping = churn_csv.map_target(labels)
    assert mapping.fixes == (
        f"target 'Churn': mapped 'Yes' → 1 ({counts['Yes']:,} rows), "
        f"'No' → 0 ({counts['No']:,} rows)",
    )
    assert int(mapping.y.sum()) == counts["Yes"]


def test_map_target_keeps_an_integer_zero_one_target_and_notes_a_single_value():
    """An int 0/1 target is noted as kept, not fixed; a one-valued target gets a note."""
    mapping = churn_csv.map_target(pd.Series([0, 1, 1], name="target"))
    assert mapping.fixes == () and "already 0/1" in mapping.notes[0]
    single = churn_csv.map_target(pd.Series(["Yes", "Yes"], name="churn"))
    assert any("single value" in note for note in single.notes)


@pytest.mark.parametrize(
    ("labels", "positive", "needle"),
    [
        (["Yes", "No", "Maybe"], None, "not binary"),
        (["gold", "silver"], None, "not clear"),
        (["Yes", "No"], "Churned", "not a value"),
    ],
)
def test_map_target_refuses_what_it_cannot_map(labels, positive, needle):
    """Three values, an unfamiliar pair without positive=, or an absent positive= are refused."""
    with pytest.raises(ValueError, match=needle):
        churn_csv.map_target(pd.Series(labels, name="churn"), positive=positive, path="f.csv")


# --------------------------------------------------------------------------- 5. numbers


def test_repair_numeric_text_converts_numbers_with_blanks_as_float_would():
    """Each converted cell equals Python's float() of the text; blanks become NaN."""
    raw = [" 12.5", "3", " ", "1e3", "", "-0.25"]
    frame = pd.DataFrame({"total": raw, "plan": ["a", "b", "a", "b", "a", "b"]})
    fixed, fixes = churn_csv.repair_numeric_text(frame)
    reference = [float(v) if v.strip() else np.nan for v in raw]
    np.testing.assert_array_equal(fixed["total"].to_numpy(), np.array(reference))
    assert fixed["total"].dtype == np.float64
    assert fixed["plan"].tolist() == frame["plan"].tolist()
    assert frame["total"].tolist() == raw, "the input frame must not change"
    assert len(fixes) == 1 and "2 blank cells" in fixes[0] and "' '" in fixes[0]


def test_repair_numeric_text_looks_past_the_first_rows():
    """A word after the first 1,000 rows keeps a column as text; numbers after blanks count."""
    frame = pd.DataFrame(
        {"late_word": ["1"] * 1_201 + ["n/a"], "late_numbers": [" "] * 1_200 + ["4", "5"]}
    )
    fixed, fixes = churn_csv.repair_numeric_text(frame)
    assert fixed["late_word"].tolist() == frame["late_word"].tolist()
    assert fixed["late_numbers"].tail(2).tolist() == [4.0, 5.0]
    assert fixed["late_numbers"].isna().sum() == 1_200
    assert [f.split(":")[0] for f in fixes] == ["'late_numbers'"]


def test_repair_numeric_text_leaves_blank_columns_and_skipped_columns():
    """An all-blank text column is not 'numeric', and columns in skip are not touched."""
    frame = pd.DataFrame({"empty": [" ", ""], "churn": ["1", "0"]})
    fixed, fixes = churn_csv.repair_numeric_text(frame, skip=["churn"])
    assert fixes == ()
    assert fixed is frame


def test_repair_numeric_text_explains_blanks_that_share_a_rare_value():
    """Blank cells that all have tenure = 0 get that explanation (the Telco pattern)."""
    tenure = [*range(1, 40), 0]
    total = [*(str(t * 10) for t in tenure[:-1]), " "]
    _, fixes = churn_csv.repair_numeric_text(pd.DataFrame({"tenure": tenure, "total": total}))
    assert "all 1 of those rows have tenure = 0 (only 1 of 40 rows do)" in fixes[0]


# --------------------------------------------------------------------------- 6. identifiers


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("customerID", ("customer", "id")),
        ("customer_id", ("customer", "id")),
        ("phone number", ("phone", "number")),
        ("amount_paid", ("amount", "paid")),
        ("idle_minutes", ("idle", "minutes")),
        ("AccountKey2", ("account", "key2")),
        ("Unnamed: 0", ("unnamed", "0")),
    ],
)
def test_name_tokens_splits_on_separators_and_camel_case(name, tokens):
    """Whole words, so 'id' is found in customerID but not in amount_paid or idle_minutes."""
    assert churn_csv.name_tokens(name) == tokens


def test_find_identifiers_drops_ids_and_the_saved_index_by_whole_words():
    """IDs (by name and uniqueness) and Unnamed: 0 go; amount_paid, dates and floats stay."""
    n = 1_200
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "Unnamed: 0": np.arange(n),
            "customerID": [f"C{i:05d}" for i in range(n)],
            "phone number": rng.permutation(n) + 3_000_000,
            "amount_paid": rng.permutation(n) + 10,
            "idle_minutes": rng.permutation(n),
            "signup_date": pd.date_range("2020-01-01", periods=n).strftime("%Y-%m-%d"),
            "score": rng.random(n),
            "email_late_duplicate": [f"u{i}@x.org" for i in range(n - 1)] + ["u0@x.org"],
            "churn": rng.integers(0, 2, n),
        }
    )
    found = dict(churn_csv.find_identifiers(frame, "churn"))
    assert list(found) == ["Unnamed: 0", "customerID", "phone number"]
    assert "index column saved by pandas" in found["Unnamed: 0"]
    assert "unique in all 1,200 rows, e.g. 'C00000'" in found["customerID"]


def test_find_identifiers_keeps_an_id_with_a_missing_value():
    """A unique id column with a blank cell is not dropped (it is not an identifier of all)."""
    frame = pd.DataFrame({"customer_id": ["a", None, "c"], "churn": [0, 1, 0]})
    assert churn_csv.find_identifiers(frame, "churn") == ()


# --------------------------------------------------------------------------- 7. notes


def test_describe_notes_constant_columns_and_the_rest():
    """Constant columns (even all-blank ones) are noted; a change after row 1,000 is seen."""
    n = 1_500
    frame = pd.DataFrame(
        {
            "country": ["US"] * n,
            "late_change": [1] * (n - 1) + [2],
            "all_blank": [np.nan] * n,
            "plan": ["a", "b", "c"] * (n // 3),
            "true_effect": np.linspace(0, 1, n),
            "churn": [0, 1, 1] * (n // 3),
        }
    )
    notes = churn_csv.describe(frame, "churn")
    constant = next(note for note in notes if note.startswith("constant columns"))
    assert "'country'" in constant and "'all_blank'" in constant
    assert "late_change" not in constant
    assert any("text columns to encode" in note and "'country'" in note for note in notes)
    assert any("derived from the outcome" in note and "'true_effect'" in note for note in notes)
    assert any(note.startswith(f"{n} missing values") for note in notes)


# --------------------------------------------------------------------------- the whole


def _messy(tmp_path: Path) -> Path:
    """A file with the usual problems: a saved index, an id, numbers as text, a constant."""
    rng = np.random.default_rng(7)
    n = 50
    tenure = rng.integers(1, 60, n)
    tenure[[3, 9]] = 0
    frame = pd.DataFrame(
        {
            "customer_id": [f"K-{i:03d}" for i in range(n)],
            "amount_paid": rng.permutation(n) * 7 + 1,
            "tenure": tenure,
            "total": [" " if t == 0 else f"{t * 9.5:.2f}" for t in tenure],
            "country": "NL",
            "Churn": rng.choice(["Yes", "No"], n),
        }
    )
    path = tmp_path / "messy.csv"
    frame.to_csv(path)  # with pandas' index, as people often save
    return path


def test_load_churn_csv_assembles_its_report_from_the_steps(tmp_path):
    """The report's fixes and notes are exactly what the steps return, in step order."""
    path = _messy(tmp_path)
    frame, report = churn_csv.load_churn_csv(path)
    table = churn_csv.read_table(path)
    target = churn_csv.find_target(list(table.frame.columns), None)
    kept, blank_fixes = churn_csv.drop_blank_target(table.frame, target)
    mapping = churn_csv.map_target(kept[target])
    repaired, number_fixes = churn_csv.repair_numeric_text(
        kept.assign(**{target: mapping.y}), skip=[target]
    )
    identifiers = churn_csv.find_identifiers(repaired, target)
    rest = repaired.drop(columns=[c for c, _ in identifiers])
    assert report.fixes == (
        *blank_fixes,
        *mapping.fixes,
        *number_fixes,
        *(why for _, why in identifiers),
    )
    assert report.notes == (*table.notes, *mapping.notes, *churn_csv.describe(rest, target))
    pd.testing.assert_frame_equal(frame, rest)
    assert report.dropped_columns == ("Unnamed: 0", "customer_id")
    assert "amount_paid" in frame.columns
    assert frame["total"].isna().sum() == 2
    assert any("'country'" in note and "constant" in note for note in report.notes)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.fixes = ()  # type: ignore[misc]


def test_two_loads_share_no_lists(tmp_path):
    """Each report owns its fixes and notes: loading a second file changes nothing in the first."""
    first = _messy(tmp_path)
    second = _write(tmp_path / "b.csv", "x,churn\n1,yes\n2,no\n")
    _, report_a = churn_csv.load_churn_csv(first)
    before = (report_a.fixes, report_a.notes)
    _, report_b = churn_csv.load_churn_csv(second)
    assert (report_a.fixes, report_a.notes) == before
    assert isinstance(report_a.fixes, tuple) and isinstance(report_b.notes, tuple)


def test_loader_agrees_with_the_csv_module_on_a_generated_file(tmp_path):
    """Row count, churn count and parsed totals match a reading with Python's csv module."""
    path = _messy(tmp_path)
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    frame, report = churn_csv.load_churn_csv(path)
    assert report.n_rows == len(rows) == len(frame)
    assert int(frame["Churn"].sum()) == sum(r["Churn"] == "Yes" for r in rows)
    expected = [float(r["total"]) if r["total"].strip() else np.nan for r in rows]
    np.testing.assert_array_equal(frame["total"].to_numpy(), np.array(expected))
    buffer = io.StringIO(str(report))
    assert buffer.readline().startswith("Loaded messy.csv: 50 rows × 5 columns")
