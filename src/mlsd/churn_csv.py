"""Load a churn CSV of your own: named steps, each a small function, and a report of every fix.

:func:`load_churn_csv` runs the steps in order and assembles a :class:`LoadReport` from
what each step returns:

1. :func:`read_table`: check the path, detect gzip, sniff the encoding (UTF-8, UTF-8 with a
   byte-order mark, UTF-16 with one, else Windows-1252 or Latin-1 with a note) and the
   separator (comma or tab), and parse.
2. :func:`find_target`: the target column, named or guessed (churn, exited, target, ...).
3. :func:`drop_blank_target`: rows whose target is blank.
4. :func:`map_target`: the target's two values to 1 (churn) and 0.
5. :func:`repair_numeric_text`: numbers stored as text (blank cells, stray spaces) become
   floats with missing values, on columns whose every non-blank value is a number.
6. :func:`find_identifiers`: identifier columns (unique text, or unique integers with an
   identifier-like name such as ``customerID`` or ``phone number``) and pandas' saved index
   column (``Unnamed: 0``), dropped.
7. :func:`describe`: notes that are not fixes: constant columns, text columns to encode,
   columns that may leak the outcome, date columns, copies of another column, missing
   values.

``mlsd.datasets.load_churn_csv`` and ``mlsd.datasets.LoadReport`` are the same objects.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlsd import validation
from mlsd.validation import ParameterError

__all__ = [
    "LoadReport",
    "Table",
    "TargetMapping",
    "check_data_path",
    "describe",
    "drop_blank_target",
    "find_identifiers",
    "find_target",
    "load_churn_csv",
    "map_target",
    "name_tokens",
    "read_table",
    "repair_numeric_text",
    "sniff_delimiter",
    "sniff_encoding",
]

#: Column names taken for the target when ``target`` is not given, in this order (any case).
TARGET_NAMES = (
    "churn",
    "churned",
    "churned_30d",
    "is_churn",
    "exited",
    "target",
    "label",
    "class",
    "y",
)
#: Target values read as churn (1) and as staying (0), compared in lower case.
POSITIVE_LABELS = frozenset(
    {"yes", "y", "true", "t", "1", "1.0", "churn", "churned", "left", "cancelled",
     "canceled", "exited", "lost"}
)  # fmt: skip
NEGATIVE_LABELS = frozenset(
    {"no", "n", "false", "f", "0", "0.0", "active", "stayed", "retained", "current", "kept",
     "not churned"}
)  # fmt: skip
#: Name tokens that mark an integer column as an identifier when it is unique in every row.
ID_TOKENS = frozenset({"id", "phone", "number", "key", "uuid", "account", "email", "name"})

_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}"
_INDEX_NAME = re.compile(r"^Unnamed: \d+$")
_SNIFF_BYTES = 65_536
_SAMPLE_ROWS = 1_000


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_churn_csv` read and every fix it made; ``print(report)`` to see it.

    Attributes:
        path: the file read.
        target: the target column (mapped to int 0/1 in the returned frame).
        positive_label: the original value mapped to 1 (churn).
        n_rows: rows in the returned frame.
        n_columns: columns in the returned frame (target included).
        fixes: one sentence per change made to the raw file's contents.
        dropped_columns: columns removed (identifiers and saved index columns).
        delimiter: ``","`` or ``"\\t"``.
        notes: observations that are not fixes (for example text columns to encode).
        encoding: the text encoding the file was read with (``"utf-8"`` for most files).
    """

    path: Path
    target: str
    positive_label: str
    n_rows: int
    n_columns: int
    fixes: tuple[str, ...] = ()
    dropped_columns: tuple[str, ...] = ()
    delimiter: str = ","
    notes: tuple[str, ...] = ()
    encoding: str = "utf-8"

    def __str__(self) -> str:
        sep = "tab" if self.delimiter == "\t" else "comma"
        lines = [
            f"Loaded {self.path.name}: {self.n_rows:,} rows × {self.n_columns} columns "
            f"({sep}-separated); target {self.target!r}, 1 = {self.positive_label!r}",
            f"Fixes ({len(self.fixes)}):" if self.fixes else "Fixes: none needed",
            *(f"  - {fix}" for fix in self.fixes),
        ]
        if self.notes:
            lines += ["Notes:", *(f"  - {note}" for note in self.notes)]
        return "\n".join(lines)


def _refuse(path: Path | str, problem: str, allowed: str) -> ValueError:
    return ValueError(f"{_show_path(path)}: {problem}. Allowed: {allowed}.")


def _show_path(path: Path | str) -> str:
    """The path as text, or a prefix of it when it is too long to read in a message."""
    text = str(path)
    return text if len(text) <= 200 else f"{text[:60]}... ({len(text):,} characters)"


def _preview(values: Sequence[Any], limit: int = 8) -> str:
    shown = ", ".join(repr(v) for v in list(values)[:limit])
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return f"[{shown}{more}]"


# --------------------------------------------------------------------------- 1. read


def check_data_path(name: str, value: str, *, root: Path | str | None = None) -> str:
    """Check a notebook's data-file parameter and return it as an absolute path.

    ``""`` (use the shipped data) is returned as is. A relative path starts at ``root``
    (default: the kit's root folder), because the kernel may run in any folder; ``~`` is
    the home folder.

    Raises:
        ParameterError: (a ``ValueError``) naming the parameter and (a prefix of) the value,
            when the path is too long for the system, does not exist, or is a folder.

    Example:
        >>> check_data_path("data_path", "")
        ''
    """
    if value == "":
        return value
    allowed = "'' for the shipped data, or the path of a CSV/TSV file"
    if not isinstance(value, str):
        raise ParameterError(
            f"`{name}` must be a path (text), got {validation.describe(value)}. Allowed: {allowed}."
        )
    if root is None:
        from mlsd import paths

        root = paths.ROOT
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = Path(root) / path
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except OSError as err:
        raise ParameterError(
            f"`{name}` cannot be used: {_show_path(value)!r} ({err.strerror or err}). "
            f"Allowed: {allowed}, each folder name at most 255 characters."
        ) from err
    if not exists or is_dir:
        problem = "is a folder" if is_dir else "does not exist"
        raise ParameterError(
            f"`{name}` {problem}: {_show_path(path)!r}. Allowed: {allowed} "
            "(a relative path starts at the kit's root folder)."
        )
    return str(path)


@dataclass(frozen=True)
class Table:
    """What :func:`read_table` returns: the raw frame and how the file was read."""

    path: Path
    frame: pd.DataFrame
    delimiter: str
    encoding: str
    compressed: bool
    notes: tuple[str, ...] = ()


def _file_bytes(path: Path) -> tuple[bytes, bool]:
    """The file's bytes, decompressed when it is gzip; refuse what is not a readable file."""
    try:
        if not path.exists():
            raise FileNotFoundError(
                f"{_show_path(path)}: no such file. Allowed: the path of an existing churn CSV "
                "(comma- or tab-separated, optionally gzip)"
            )
        if path.is_dir():
            raise _refuse(path, "is a folder, not a file", "a CSV or TSV file")
        data = path.read_bytes()
    except (FileNotFoundError, ValueError):
        raise
    except OSError as err:
        raise _refuse(
            path,
            f"cannot be read ({err.strerror or err})",
            "the path of a readable file (each folder name at most 255 characters)",
        ) from err
    if not data:
        raise _refuse(path, "is empty (0 bytes)", "a header line and at least one data row")
    compressed = data[:2] == b"\x1f\x8b"
    if compressed:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise _refuse(path, f"cannot be decompressed ({err})", "plain or gzip text") from err
    if data[:4] == b"PK\x03\x04":
        raise _refuse(
            path,
            "is a zip archive or an Excel workbook, not text",
            "a CSV or TSV file (in Excel: Save As, CSV UTF-8)",
        )
    return data, compressed


def sniff_encoding(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Return ``(encoding, notes)`` for the file's bytes.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read
    as they are; anything else is Windows-1252 when it decodes as such, else Latin-1 (which
    decodes any bytes), each with a note asking to check accented letters.

    Example:
        >>> sniff_encoding("café".encode("cp1252"))[0]
        'cp1252'
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", ()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", ("the file is UTF-16 text (Excel's 'Unicode text'); read as such",)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        where = f"byte {err.start:,} is {data[err.start : err.start + 1]!r}"
        for encoding, name in (("cp1252", "Windows-1252 (cp1252)"), ("latin-1", "Latin-1")):
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding, (
                f"the file is not UTF-8 ({where}); read it as {name}: check that accented "
                "letters look right, or save the file as UTF-8",
            )
    return "utf-8", ()


def sniff_delimiter(header: str) -> str:
    """Tab when the header line has more tabs than commas, else comma.

    Example:
        >>> sniff_delimiter("a\\tb\\tc")
        '\\t'
    """
    return "\t" if header.count("\t") > header.count(",") else ","


def read_table(path: Path | str) -> Table:
    """Step 1: read a comma- or tab-separated file, plain or gzip, in any common encoding.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        ValueError: naming the file, when it is a folder, empty, unreadable, not text, has
            no data rows, or parses into one column (another separator).
    """
    path = Path(path).expanduser()
    data, compressed = _file_bytes(path)
    encoding, notes = sniff_encoding(data)
    head = data[:_SNIFF_BYTES].decode(encoding, errors="replace")
    if not head.strip():
        raise _refuse(path, "is empty (no text)", "a header line and at least one data row")
    header = head.lstrip().splitlines()[0]
    delimiter = sniff_delimiter(header)
    try:
        raw = pd.read_csv(io.BytesIO(data), sep=delimiter, encoding=encoding)
    except pd.errors.EmptyDataError as err:
        raise _refuse(path, "is empty (no header line)", "a header line and data rows") from err
    except pd.errors.ParserError as err:
        raise _refuse(
            path,
            f"cannot be parsed as {'tab' if delimiter == chr(9) else 'comma'}-separated text "
            f"({str(err).strip()})",
            "the same number of comma- or tab-separated fields on every line",
        ) from err
    columns = [str(c) for c in raw.columns]
    raw.columns = columns
    if len(columns) == 1:
        others = [c for c in (";", "|", " ") if c in header]
        hint = (
            f"; the header contains {others[0]!r}, so it looks {others[0]!r}-separated"
            if others
            else ""
        )
        raise _refuse(
            path,
            f"parses into one column {columns[0][:60]!r}{hint}",
            "comma- or tab-separated columns (save the file as CSV or TSV)",
        )
    if raw.empty:
        raise _refuse(
            path,
            f"has a header ({len(columns)} columns: {_preview(columns)}) but no data rows",
            "at least one data row below the header",
        )
    return Table(path, raw, delimiter, encoding, compressed, notes)


# --------------------------------------------------------------------------- 2-4. target


def find_target(columns: Sequence[str], target: str | None, *, path: Path | str = "") -> str:
    """Step 2: the target column: ``target`` when given, else the first of :data:`TARGET_NAMES`.

    Example:
        >>> find_target(["id", "Exited", "age"], None)
        'Exited'
    """
    columns = list(columns)
    if target is None:
        lowered = {c.strip().lower(): c for c in columns}
        found = next((lowered[n] for n in TARGET_NAMES if n in lowered), None)
        if found is None:
            raise _refuse(
                path,
                f"no target column found among the columns {_preview(columns, 30)}",
                f"a column named one of {list(TARGET_NAMES)} (any case), or pass target=",
            )
        return found
    if target not in columns:
        raise _refuse(
            path,
            f"target column {target!r} is not among the columns {_preview(columns, 30)}",
            "one of those column names",
        )
    return target


def drop_blank_target(
    frame: pd.DataFrame, target: str, *, path: Path | str = ""
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Step 3: drop rows whose target is blank; return the frame and the fix made, if any."""
    missing = frame[target].isna()
    n_missing = int(missing.sum())
    if not n_missing:
        return frame, ()
    kept = frame.loc[~missing].reset_index(drop=True)
    if kept.empty:
        raise _refuse(
            path,
            f"target column {target!r} is blank in every row",
            "at least one row with a churn label",
        )
    return kept, (f"dropped {n_missing} rows whose target {target!r} is blank",)


@dataclass(frozen=True)
class TargetMapping:
    """What :func:`map_target` returns: the 0/1 labels and what was done to get them."""

    y: pd.Series
    positive_label: str
    fixes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def map_target(labels: pd.Series, *, positive: Any = None, path: Path | str = "") -> TargetMapping:
    """Step 4: map a two-valued target to int 0/1 (1 = churn).

    Values are compared as stripped text, so ``1``, ``1.0`` and ``" Yes"`` are read as
    people write them. Familiar pairs (Yes/No, True/False, 1/0, churned/active, ...) map by
    themselves; any other pair needs ``positive``, the value that means churn.

    Raises:
        ValueError: when the target has more than two values, ``positive`` is not one of
            them, or it is not clear which value means churn.

    Example:
        >>> map_target(pd.Series(["No", "Yes", "No"])).y.tolist()
        [0, 1, 0]
    """
    target = labels.name
    codes, uniques = pd.factorize(labels)
    texts = np.array([str(u).strip() for u in uniques], dtype=object)
    counts_by_code = np.bincount(codes[codes >= 0], minlength=len(uniques))
    counts: dict[str, int] = {}
    for text, count in zip(texts, counts_by_code, strict=True):
        counts[text] = counts.get(text, 0) + int(count)
    seen = sorted(counts, key=str)
    if len(seen) > 2:
        raise _refuse(
            path,
            f"target column {target!r} is not binary: it has {len(seen)} values {_preview(seen)}",
            "exactly two values, such as Yes/No, True/False, 1/0 or churned/active "
            "(pass target= to choose another column)",
        )
    if positive is not None:
        pos = str(positive).strip()
        if pos not in seen:
            raise _refuse(
                path,
                f"positive={positive!r} is not a value of target column {target!r} "
                f"(values seen: {_preview(seen)})",
                "one of the values seen",
            )
    else:
        pos_hits = [v for v in seen if v.lower() in POSITIVE_LABELS]
        neg_hits = [v for v in seen if v.lower() in NEGATIVE_LABELS]
        if len(pos_hits) == 1 and len(seen) - len(pos_hits) <= len(neg_hits):
            pos = pos_hits[0]
        else:
            raise _refuse(
                path,
                f"target column {target!r} has values {_preview(seen)} and it is not clear "
                "which one means churn",
                "Yes/No, True/False, 1/0, churned/active and the like, or pass positive= "
                "naming the churn value",
            )
    positive_codes = np.flatnonzero(texts == pos)
    y = pd.Series(np.isin(codes, positive_codes).astype(np.int64), index=labels.index, name=target)
    fixes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    if pd.api.types.is_integer_dtype(labels) and set(seen) <= {"0", "1"}:
        notes = (f"target {target!r} was already 0/1 (1 = churn); kept as int",)
    else:
        other = [v for v in seen if v != pos]
        mapping = f"{pos!r} → 1 ({counts.get(pos, 0):,} rows)"
        if other:
            mapping += f", {other[0]!r} → 0 ({counts.get(other[0], 0):,} rows)"
        fixes = (f"target {target!r}: mapped {mapping}",)
    if len(seen) < 2:
        notes += (f"target {target!r} has a single value {seen}: no model can be fitted",)
    return TargetMapping(y, pos, fixes, notes)


# --------------------------------------------------------------------------- 5. numbers


def _is_text(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) and (
        pd.api.types.is_string_dtype(series) or series.dtype == object
    )


def _as_numbers(series: pd.Series) -> pd.Series | None:
    """The column as floats (blank cells missing), or None when some non-blank value is not
    a number. The first rows are tried before the whole column, so a column of words is
    rejected at once; only the cells that fail to parse are looked at one by one."""
    for values in (series.iloc[:_SAMPLE_ROWS], series):
        numbers = pd.to_numeric(values, errors="coerce")
        failed = values[numbers.isna() & values.notna()]
        if len(failed) and not failed.astype(str).str.strip().eq("").all():
            return None
    if numbers.isna().all():  # blank in every row: nothing to convert
        return None
    return numbers.astype(np.float64)


def _explain_rows(frame: pd.DataFrame, rows: pd.Series, numeric_cols: list[str]) -> str:
    """Say what the flagged rows share: a numeric value that is rare elsewhere (< 5 %)."""
    best: tuple[float, str] | None = None
    for col in numeric_cols:
        values = frame.loc[rows, col]
        first = values.iloc[0]
        if pd.isna(first) or not values.eq(first).all():
            continue
        share = float(frame[col].eq(first).mean())
        if share < 0.05 and (best is None or share < best[0]):
            everywhere = int(frame[col].eq(first).sum())
            best = (share, f"{col} = {first:g} (only {everywhere:,} of {len(frame):,} rows do)")
    return f"; all {int(rows.sum())} of those rows have {best[1]}" if best else ""


def repair_numeric_text(
    frame: pd.DataFrame, *, skip: Sequence[str] = ()
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Step 5: turn text columns whose every non-blank value is a number into floats.

    Blank cells (empty or spaces) become missing values; the fix says how many there were
    and, when they share a rare value in another numeric column (Telco's blank
    ``TotalCharges`` all have ``tenure = 0``), which. Columns in ``skip`` are left alone.

    Returns:
        ``(frame, fixes)``: a new frame (the input is not changed) and one sentence per
        column converted.

    Example:
        >>> fixed, fixes = repair_numeric_text(pd.DataFrame({"x": ["1", " ", "2.5"]}))
        >>> fixed["x"].tolist()
        [1.0, nan, 2.5]
    """
    numeric_cols = [
        c for c in frame.columns if c not in skip and pd.api.types.is_numeric_dtype(frame[c])
    ]
    converted: dict[str, pd.Series] = {}
    fixes: list[str] = []
    for col in frame.columns:
        series = frame[col]
        if col in skip or not _is_text(series):
            continue
        values = _as_numbers(series)
        if values is None:
            continue
        converted[col] = values
        blank = values.isna() & series.notna()
        n_blank = int(blank.sum())
        if n_blank:
            raw_blank = sorted(repr(str(v)) for v in pd.unique(series[blank].to_numpy()))
            why = _explain_rows(frame, values.isna(), numeric_cols)
            fixes.append(
                f"{col!r}: numbers stored as text with {n_blank} blank cells "
                f"({', '.join(raw_blank)}); converted to float, blanks became missing values"
                f"{why}"
            )
        else:
            fixes.append(f"{col!r}: numbers stored as text; converted to float")
    if not converted:
        return frame, ()
    return frame.assign(**converted), tuple(fixes)


# --------------------------------------------------------------------------- 6. identifiers


def name_tokens(name: str) -> tuple[str, ...]:
    """Split a column name into lower-case words: ``"customerID"`` → ``("customer", "id")``.

    Words are separated by anything but letters and digits, and by a change from lower to
    upper case, so ``"amount_paid"`` has no word ``"id"``.

    Example:
        >>> name_tokens("customerID"), name_tokens("phone number"), name_tokens("amount_paid")
        (('customer', 'id'), ('phone', 'number'), ('amount', 'paid'))
    """
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    return tuple(t.lower() for t in re.split(r"[^A-Za-z0-9]+", spaced) if t)


def _looks_like_dates(series: pd.Series) -> bool:
    """True when every value starts with YYYY-MM-DD (the first rows are checked first)."""
    for values in (series.iloc[:_SAMPLE_ROWS], series):
        present = values.dropna()
        if present.empty or not present.astype(str).str.match(_DATE_PATTERN).all():
            return False
    return True


def find_identifiers(frame: pd.DataFrame, target: str) -> tuple[tuple[str, str], ...]:
    """Step 6: columns to drop, each with the sentence saying why.

    A column is dropped when it is pandas' saved index (named ``Unnamed: 0``, integers
    unique in every row), or unique and complete in every row and either text that is not
    dates (a customer id, an email) or integers whose name has an identifier word
    (:data:`ID_TOKENS`, whole words: ``customerID``, ``phone number``, not ``amount_paid``).

    Example:
        >>> frame = pd.DataFrame({"customer_id": [7, 8, 9], "amount_paid": [1, 2, 3],
        ...                       "churn": [0, 1, 0]})
        >>> [col for col, _ in find_identifiers(frame, "churn")]
        ['customer_id']
    """
    n = len(frame)
    found: list[tuple[str, str]] = []
    if n < 2:
        return ()
    for col in frame.columns:
        if col == target:
            continue
        series = frame[col]
        is_int = pd.api.types.is_integer_dtype(series)
        if _INDEX_NAME.match(col) and is_int and series.is_unique:
            found.append((col, f"dropped {col!r}: an index column saved by pandas, not a feature"))
            continue
        is_text = _is_text(series)
        id_name = bool(ID_TOKENS.intersection(name_tokens(col)))
        if not (is_text or (is_int and id_name)):
            continue
        head = series.iloc[:_SAMPLE_ROWS]
        if not head.is_unique or head.isna().any() or not series.is_unique:
            continue
        if series.isna().any():
            continue
        if is_text and _looks_like_dates(series):
            continue
        example = str(series.iloc[0])
        found.append(
            (
                col,
                f"dropped {col!r}: an identifier (unique in all {n:,} rows, e.g. {example!r}), "
                "not a feature",
            )
        )
    return tuple(found)


# --------------------------------------------------------------------------- 7. notes


def _redundant_pairs(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    """Notes on numeric columns that are exact linear copies of another (|r| > 0.9999)."""
    numeric = frame[[c for c in cols if pd.api.types.is_numeric_dtype(frame[c])]]
    numeric = numeric.loc[:, numeric.std() > 0]
    if numeric.shape[1] < 2 or len(numeric) < 3:
        return []
    corr = numeric.corr().to_numpy()
    names = list(numeric.columns)
    notes = []
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if abs(corr[i, j]) > 0.9999:
                notes.append(
                    f"{names[j]!r} is proportional to {names[i]!r} (correlation "
                    f"{corr[i, j]:.4f}): it adds no information"
                )
    return notes


def _is_constant(series: pd.Series) -> bool:
    """One value (or only missing values) in every row; the first rows are checked first."""
    if series.iloc[:_SAMPLE_ROWS].nunique(dropna=False) > 1:  # noqa: PD101  (a few rows)
        return False
    return series.nunique(dropna=False) <= 1  # noqa: PD101  (rare: the head was constant)


def describe(frame: pd.DataFrame, target: str) -> tuple[str, ...]:
    """Step 7: observations that are not fixes, one sentence each.

    Constant columns, text columns to encode, columns that may be derived from the outcome
    (``churn`` in the name, or ``true_*``), date columns kept as text, numeric columns that
    copy another, and the number of missing values left.

    Example:
        >>> describe(pd.DataFrame({"a": [1, 1], "b": [1, 2], "y": [0, 1]}), "y")[0]
        "constant columns (one value in every row; they cannot help a model): ['a']"
    """
    features = [c for c in frame.columns if c != target]
    notes: list[str] = []
    constant = [c for c in features if _is_constant(frame[c])]
    if constant:
        notes.append(
            "constant columns (one value in every row; they cannot help a model): "
            f"{_preview(constant)}"
        )
    text_cols = [c for c in features if not pd.api.types.is_numeric_dtype(frame[c])]
    if text_cols:
        notes.append(
            f"{len(text_cols)} text columns to encode before modelling (e.g. one-hot): "
            f"{_preview(text_cols, 6)}"
        )
    leaky = [c for c in features if "churn" in c.lower() or c.lower().startswith("true_")]
    if leaky:
        notes.append(
            f"columns that may be derived from the outcome (drop them before modelling): "
            f"{_preview(leaky)}"
        )
    dates = [c for c in text_cols if _looks_like_dates(frame[c])]
    if dates:
        notes.append(
            f"date columns kept as text (parse them for time-based splits): {_preview(dates)}"
        )
    notes.extend(_redundant_pairs(frame, features))
    n_missing = int(frame.isna().sum().sum())
    if n_missing:
        notes.append(f"{n_missing} missing values remain; impute or use a model that accepts them")
    return tuple(notes)


# --------------------------------------------------------------------------- the loader


def load_churn_csv(
    path: Path | str,
    *,
    target: str | None = None,
    positive: Any = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Load a churn CSV of your own, fix what can be fixed, and report every fix.

    Reads comma- or tab-separated text, gzip-compressed or not, UTF-8 or (with a note)
    Windows-1252 / Latin-1. Finds the target column (``target``, or the first column named
    like churn/churned/exited/target/label/class, case-insensitive) and maps it to int 0/1:
    Yes/No, True/False, 1/0, churned/active and the like are recognised, any other pair
    needs ``positive``. Drops identifier columns (text or integer columns that are unique
    in every row, like a customer id or a phone number) and pandas' saved index column.
    Turns numeric text with blank cells into numbers with missing values. Drops rows whose
    target is missing. Notes constant columns and other things to look at.

    Args:
        path: the file (``.csv``, ``.tsv``, ``.txt``, optionally ``.gz``).
        target: the target column's name; guessed when omitted.
        positive: the target value that means churn; needed only for unfamiliar labels.

    Returns:
        ``(frame, report)``: the cleaned frame, and a :class:`LoadReport` whose ``print``
        lists every fix.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        ValueError: with one message naming the file, the column, the values seen and what
            is allowed, when the path cannot be read, the file is empty, not text, has no
            data rows, parses into one column (wrong delimiter), or its target column is
            absent or not binary.

    Example:
        >>> frame, report = load_churn_csv("~/data/Telco-Customer-Churn.csv")  # doctest: +SKIP
        >>> print(report)  # doctest: +SKIP

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    table = read_table(path)
    where = table.path
    target = find_target(list(table.frame.columns), target, path=where)
    frame, blank_fixes = drop_blank_target(table.frame, target, path=where)
    mapping = map_target(frame[target], positive=positive, path=where)
    frame = frame.assign(**{target: mapping.y})
    frame, number_fixes = repair_numeric_text(frame, skip=[target])
    identifiers = find_identifiers(frame, target)
    dropped = tuple(col for col, _ in identifiers)
    frame = frame.drop(columns=list(dropped))
    notes = (*table.notes, *mapping.notes, *describe(frame, target))
    fixes = (*blank_fixes, *mapping.fixes, *number_fixes, *(why for _, why in identifiers))
    report = LoadReport(
        path=where,
        target=target,
        positive_label=mapping.positive_label,
        n_rows=len(frame),
        n_columns=frame.shape[1],
        fixes=fixes,
        dropped_columns=dropped,
        delimiter=table.delimiter,
        notes=notes,
        encoding=table.encoding,
    )
    return frame, report
