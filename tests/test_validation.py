"""Tests for mlsd.validation: one message format for every bad argument."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd import validation as v


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: v.check_number("x", "10", "[0, 100]"),
            "`x` must be a number in [0, 100], got '10' (text)",
        ),
        (lambda: v.check_number("x", True, "[0, 100]"), "got True (a bool)"),
        (lambda: v.check_number("x", float("nan"), "(-inf, inf)"), "got nan"),
        (lambda: v.check_number("x", float("inf"), "[0, 100]"), "got inf"),
        (lambda: v.check_number("x", 0, "(0, 1]"), "in (0, 1], got 0"),
        (
            lambda: v.check_int("n", 10.0, "[1, 100]"),
            "`n` must be an integer in [1, 100], got 10.0",
        ),
        (lambda: v.check_int("n", 0, "[1, 100]"), "got 0"),
        (lambda: v.check_seed("seed", -1), "`seed` must be an integer in [0, 4294967295], got -1"),
        (lambda: v.check_seed("seed", 2**32), "got 4294967296"),
        (lambda: v.check_probability("p", 30), "`p` must be a probability in [0, 1], got 30"),
        (
            lambda: v.check_choice("src", "csv", ["shipped", "simulate"]),
            "one of 'shipped', 'simulate'",
        ),
        (lambda: v.check_bool("flag", 1), "`flag` must be True or False, got 1"),
        (lambda: v.check_text("path", 3), "`path` must be text, got 3"),
        (lambda: v.check_1d("lat", [[1.0]]), "2 dimensions"),
        (lambda: v.check_1d("lat", [1.0, -2.0], "[0, inf)"), "1 do not, the first is -2.0"),
        (lambda: v.check_1d("lat", ["a"]), "dtype <U1"),
    ],
)
def test_each_bad_value_gets_one_message_naming_argument_value_and_range(call, message):
    """The message names the argument, the value and what is allowed."""
    with pytest.raises(v.ParameterError) as info:
        call()
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_good_values_come_back_with_the_right_type():
    """A checked count is an int, a checked number a float, an array an ndarray."""
    assert v.check_int("n", np.int64(5), "[1, 10]") == 5 and isinstance(v.check_int("n", 5), int)
    assert v.check_number("x", 3, "[0, 10]") == 3.0
    assert v.check_number("x", float("inf"), "[0, inf]") == float("inf")
    assert v.check_probability("p", 1) == 1.0
    np.testing.assert_array_equal(v.check_1d("a", (1, 2)), np.array([1.0, 2.0]))


def test_huge_values_are_quoted_as_a_prefix():
    """A 5,000-digit integer or a 5,000-character path is not echoed in full."""
    with pytest.raises(v.ParameterError) as info:
        v.check_int("n", 10**5000, "[0, 10]")
    assert len(str(info.value)) < 120
    with pytest.raises(v.ParameterError) as info:
        v.check_text("data_path", "x" * 5000)
    assert len(str(info.value)) < 160 and "5,002 characters" in str(info.value)


@pytest.mark.parametrize("text", ["0, 1", "[1, 0]", "[a, b]", "[0; 1]"])
def test_a_malformed_interval_is_a_programming_error(text):
    """An interval the helper cannot read is refused when the check runs."""
    with pytest.raises(ValueError, match="interval"):
        v.check_number("x", 0.5, text)


def test_open_and_closed_ends_are_respected():
    """A round bracket excludes its end; a square one includes it."""
    assert v.check_number("x", 1, "[0, 1]") == 1.0
    with pytest.raises(v.ParameterError):
        v.check_number("x", 1, "[0, 1)")


def test_also_allows_single_values_beside_the_interval_and_says_so():
    """`also=(0,)` accepts 0 (a float or an int) besides the interval; anything else outside,
    text and bools are refused with both in the message."""
    assert v.check_number("clv_usd", 0, "[50, 100000]", also=(0,)) == 0.0
    assert v.check_number("clv_usd", 0.0, "[50, 100000]", also=(0,)) == 0.0
    assert v.check_number("clv_usd", 50, "[50, 100000]", also=(0,)) == 50.0
    for bad, shown in ((20, "20"), ("0", "'0' (text)"), (False, "False (a bool)"), (-0.5, "-0.5")):
        with pytest.raises(v.ParameterError) as info:
            v.check_number("clv_usd", bad, "[50, 100000]", also=(0,))
        assert str(info.value) == f"`clv_usd` must be 0 or a number in [50, 100000], got {shown}"
