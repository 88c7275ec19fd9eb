"""Every value a notebook documents as allowed passes every Check: a sweep of the range ends.

Each notebook's parameter-check cell (the code cell after the `parameters` cell) states each
numeric parameter's range with the kit's validation helpers, for example
``check_number("offer_cost_usd", offer_cost_usd, "[0, 1000]")``. This module reads those calls
(with `ast`, never by running the cell) and executes each notebook twice: every parameter at
the low end of its range, then every one at the high end. Each run must finish with every
Check cell passing.

The sweep is slow (two executions per notebook), so it is not part of `make test`:
`make test-ranges` runs it (marker `ranges`), and CI runs it after `make test`. The parser's
own tests below are fast and run in `make test`.
"""

from __future__ import annotations

import ast
import math
import operator
import re

import nbformat
import pytest
from conftest import LESSON_NOTEBOOKS, NOTEBOOK_IDS, check_outcomes

#: Helpers whose third argument (or ``interval=``) is the documented range.
RANGED = {"check_number", "check_int", "check_probability"}
#: Helpers with a fixed range, or their range when the call gives none.
FIXED = {"check_seed": "[0, 2**32 - 1]"}  # numpy & sklearn
DEFAULT_RANGE = {"check_probability": "[0, 1]"}
#: Open ends are approached to this share of the range's width (or of the end's size).
INSIDE = 1e-3

_INTERVAL = re.compile(r"^\s*([\[(])\s*(.+?)\s*,\s*(.+?)\s*([\])])\s*$")
_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}


def number(text: str) -> float:
    """Evaluate an interval end: a number, ``inf``, or arithmetic on them (``2**32 - 1``)."""

    def value(node):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return node.value
        if isinstance(node, ast.Name) and node.id == "inf":
            return math.inf
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            sign = -1 if isinstance(node.op, ast.USub) else 1
            return sign * value(node.operand)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _OPERATORS[type(node.op)](value(node.left), value(node.right))
        raise ValueError(f"not a number: {text!r}")

    return value(ast.parse(text.strip(), mode="eval").body)


def parse_interval(text: str) -> tuple[float, bool, float, bool]:
    """``"(0, 1000]"`` -> ``(0, False, 1000, True)``: low end, closed?, high end, closed?"""
    found = _INTERVAL.match(text)
    if not found:
        raise ValueError(f"not an interval like '[0, 1]' or '(0, inf)': {text!r}")
    low, high = number(found[2]), number(found[3])
    if not low <= high:
        raise ValueError(f"empty interval {text!r}")
    return low, found[1] == "[", high, found[4] == "]"


def parameters_and_check_cell(nb) -> tuple[dict[str, tuple[str, object]], str]:
    """The declared parameters (name -> (type, default)) and the source of the check cell."""
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    declared = {
        node.target.id: (node.annotation.id, ast.literal_eval(node.value))
        for node in ast.parse(nb.cells[index].source).body
        if isinstance(node, ast.AnnAssign) and isinstance(node.annotation, ast.Name)
    }
    after = [c for c in nb.cells[index + 1 :] if c.cell_type == "code"]
    return declared, (after[0].source if after else "")


def range_checks(source: str) -> dict[str, str]:
    """Parameter name -> documented interval, from the check calls in ``source``.

    A call whose range is not a literal string maps to ``""`` (the sweep cannot read it).
    """
    found = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in RANGED and name not in FIXED:
            continue
        if not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        interval = FIXED.get(name)
        if interval is None:
            given = node.args[2] if len(node.args) > 2 else None
            given = given or next((k.value for k in node.keywords if k.arg == "interval"), None)
            literal = isinstance(given, ast.Constant) and isinstance(given.value, str)
            interval = given.value if literal else ""
            if given is None:
                interval = DEFAULT_RANGE.get(name, "")
        found[node.args[0].value] = interval
    return found


def end_value(interval: str, kind: str, end: str):
    """The value at the ``end`` ("low"/"high") of ``interval`` for a parameter of type ``kind``.

    A closed end is the end itself; an open end is approached from inside (the next integer,
    or ``INSIDE`` of the range's width); an infinite end gives None (the default is kept).
    """
    low, low_closed, high, high_closed = parse_interval(interval)
    at, closed, inward = (low, low_closed, 1) if end == "low" else (high, high_closed, -1)
    if math.isinf(at):
        return None
    if kind == "int":
        return int(at) if closed else int(math.floor(at) + 1 if inward > 0 else math.ceil(at) - 1)
    if closed:
        return float(at)
    width = high - low if math.isfinite(high - low) else max(1.0, abs(at))
    return float(at + inward * INSIDE * width)


def sweep_parameters(nb, end: str) -> tuple[dict, list[str]]:
    """Parameters at the ``end`` of their documented ranges, and what could not be read."""
    declared, source = parameters_and_check_cell(nb)
    checks = range_checks(source)
    values, problems = {}, []
    for name, (kind, _) in declared.items():
        if kind not in ("int", "float"):
            continue
        interval = checks.get(name)
        if interval is None:
            problems.append(f"`{name}` has no check_number/check_int/... call in the check cell")
        elif not interval:
            problems.append(f"`{name}`: its range is not a literal string the sweep can read")
        else:
            value = end_value(interval, kind, end)
            if value is not None:
                values[name] = value
    return values, problems


CASES = [(path, end) for path in LESSON_NOTEBOOKS for end in ("low", "high")]
CASE_IDS = [f"{nid}-{end}" for nid in NOTEBOOK_IDS for end in ("low", "high")]


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_every_numeric_parameter_has_a_readable_range_check(path):
    """Each int/float parameter is checked in the check cell with a literal documented range."""
    _, problems = sweep_parameters(nbformat.read(path, as_version=4), "low")
    assert problems == []


@pytest.mark.ranges
@pytest.mark.notebook
@pytest.mark.parametrize(("path", "end"), CASES, ids=CASE_IDS)
def test_every_check_passes_at_the_ends_of_the_ranges(notebook_runs, path, end):
    """With every parameter at the low (or high) end of its range, every Check cell passes."""
    values, _ = sweep_parameters(nbformat.read(path, as_version=4), end)
    assert values, "no parameter range found to sweep"
    run = notebook_runs.run(path, label=f"{path.name} {end} ends", **values)
    run.ok()
    wrong = [o for o in check_outcomes(run.nb) if o["outcome"] != "correct"]
    assert wrong == [], "the instructor's solution is not accepted at these values"


# --- the parser's own tests (fast; part of `make test`) -----------------------------------

CHECK_CELL = """
import mlsd
from mlsd.validation import check_int, check_number, check_probability, check_seed
check_seed("seed", seed)
check_int("n_users", n_users, "[20_000, 4e5]")
check_number("offer_cost_usd", offer_cost_usd, "(0, 1000]")
mlsd.validation.check_number("max_wait_ms", max_wait_ms, interval="[0.5, inf)")
check_probability("acceptance_rate", acceptance_rate)
check_number("derived", 2 * offer_cost_usd, "[0, 2000]")
check_number("mde", mde, f"(0, {1 - baseline}]")
"""


def test_range_checks_are_read_from_calls_and_keywords():
    """Each helper's documented range is read, fixed ranges filled in, f-strings unreadable."""
    assert range_checks(CHECK_CELL) == {
        "seed": "[0, 2**32 - 1]",
        "n_users": "[20_000, 4e5]",
        "offer_cost_usd": "(0, 1000]",
        "max_wait_ms": "[0.5, inf)",
        "acceptance_rate": "[0, 1]",
        "derived": "[0, 2000]",
        "mde": "",
    }


@pytest.mark.parametrize(
    ("interval", "kind", "low", "high"),
    [
        ("[0, 1]", "float", 0.0, 1.0),
        ("(0, 1000]", "float", 1.0, 1000.0),
        ("[20_000, 4e5]", "int", 20_000, 400_000),
        ("(0, 10)", "int", 1, 9),
        ("[0.5, inf)", "float", 0.5, None),
        ("(-inf, -2]", "int", None, -2),
        ("[0, 2**32 - 1]", "int", 0, 4_294_967_295),
    ],
)
def test_end_values_stay_inside_the_range(interval, kind, low, high):
    """Closed ends are used as they are, open ends from inside, infinite ends are skipped."""
    assert end_value(interval, kind, "low") == low
    assert end_value(interval, kind, "high") == high


@pytest.mark.parametrize("bad", ["0, 1", "[1, 0]", "[0, one]", "[0, __import__('os')]"])
def test_an_unreadable_interval_is_refused(bad):
    """A malformed or empty interval, or one holding code, raises instead of being guessed."""
    with pytest.raises(ValueError):
        parse_interval(bad)


def test_sweep_reports_parameters_without_a_readable_range():
    """A numeric parameter without a check, or with an f-string range, is named."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "seed: int = 42  # seed\n"
                "rate: float = 0.3  # share\n"
                "n: int = 5  # count\n"
                'mode: str = "a"  # a or b',
                metadata={"tags": ["parameters"]},
            ),
            nbformat.v4.new_markdown_cell("Checks:"),
            nbformat.v4.new_code_cell(
                'check_seed("seed", seed)\ncheck_number("rate", rate, f"[0, {top}]")'
            ),
        ]
    )
    values, problems = sweep_parameters(nb, "high")
    assert values == {"seed": 2**32 - 1}
    assert problems == [
        "`rate`: its range is not a literal string the sweep can read",
        "`n` has no check_number/check_int/... call in the check cell",
    ]
