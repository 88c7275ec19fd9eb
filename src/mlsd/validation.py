"""One way to check an argument or a notebook parameter, with one message format.

Every library function and every notebook's parameter-check cell uses these helpers, so a bad
value always gets the same kind of message: the argument's name, the value (a prefix when it
is huge) and what is allowed::

    `acceptance_rate` must be a number in [0, 1], got 1.3

A helper returns the value it checked (a count comes back as an ``int``, a number as a
``float``), so a library function can write ``n = check_int("n_users", n_users, "[1, inf)")``.

Intervals are written the way a person reads them: ``"[0, 1]"``, ``"(0, inf)"``,
``"[1000, 1e6]"``; a square bracket includes its end, a round one excludes it. Only an
interval that reaches ``inf`` lets an infinite value through; NaN is never allowed.

In a notebook::

    from mlsd.validation import check_int, check_number, check_seed
    check_seed("seed", seed)
    check_int("n_users", n_users, "[1000, 1000000]")
    check_number("offer_cost_usd", offer_cost_usd, "[0, 1000]")
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "MAX_SEED",
    "Interval",
    "ParameterError",
    "check_1d",
    "check_bool",
    "check_choice",
    "check_int",
    "check_number",
    "check_probability",
    "check_seed",
    "check_text",
    "describe",
]

#: The largest seed that both ``numpy.random.default_rng`` and scikit-learn's
#: ``random_state`` accept (scikit-learn requires a 32-bit unsigned integer).
MAX_SEED = 2**32 - 1

_MAX_QUOTE = 40


class ParameterError(ValueError):
    """A value outside what an argument or notebook parameter allows."""


def describe(value: Any) -> str:
    """``repr(value)``, cut to a readable prefix when it is huge (a 5,000-digit integer)."""
    if isinstance(value, numbers.Integral) and abs(int(value)) >= 10**_MAX_QUOTE:
        digits = len(str(abs(int(value)))) if abs(int(value)) < 10**4000 else None
        size = f"{digits:,} digits" if digits else "over 4,000 digits"
        return f"an integer of {size}"
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real problem
        text = f"<{type(value).__name__}>"
    if len(text) > _MAX_QUOTE:
        text = f"{text[:_MAX_QUOTE]}... ({len(text):,} characters)"
    return text


def _got(value: Any) -> str:
    if isinstance(value, str | bytes):
        return f"{describe(value)} (text)"
    if isinstance(value, bool | np.bool_):
        return f"{value!r} (a bool)"
    return describe(value)


@dataclass(frozen=True)
class Interval:
    """A closed, open or half-open interval such as ``[0, 1]`` or ``(0, inf)``."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool
    text: str

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Parse ``"[0, 1]"``, ``"(0, inf)"``, ``"[1000, 1e6]"``, ``"(-inf, inf)"``."""
        match = re.fullmatch(r"\s*([\[(])\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*([\])])\s*", text)
        if not match:
            raise ValueError(f"interval must look like '[0, 1]' or '(0, inf)', got {text!r}")
        opening, low, high, closing = match.groups()
        try:
            lo, hi = float(low), float(high)
        except ValueError:
            raise ValueError(f"interval {text!r} has an end that is not a number") from None
        if math.isnan(lo) or math.isnan(hi) or lo > hi:
            raise ValueError(f"interval {text!r} is empty or not numeric")
        return cls(lo, hi, opening == "[", closing == "]", text.strip())

    def __contains__(self, value: float) -> bool:
        if isinstance(value, float) and math.isnan(value):
            return False
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return above and below


def _interval(interval: str | Interval) -> Interval:
    return interval if isinstance(interval, Interval) else Interval.parse(interval)


def _fail(name: str, allowed: str, value: Any) -> ParameterError:
    return ParameterError(f"`{name}` must be {allowed}, got {_got(value)}")


def check_number(
    name: str, value: Any, interval: str | Interval = "(-inf, inf)", *, also: Iterable[float] = ()
) -> float:
    """Check that ``value`` is a real number (not text, not a bool) inside ``interval``.

    Args:
        name: the argument's name, as the caller wrote it.
        value: the value to check.
        interval: what is allowed, e.g. ``"[0, 1]"``; infinity only if the interval reaches it.
        also: single values allowed besides the interval, e.g. ``(0,)`` for a parameter whose
            0 means "the default value" (``clv_usd``: 0, or 50 to 100,000).

    Returns:
        ``value`` as a ``float``.

    Raises:
        ParameterError: (a ``ValueError``) naming ``name``, the value and the interval.

    Example:
        >>> check_number("offer_cost_usd", 10, "[0, 1000]")
        10.0
        >>> check_number("offer_usd", "10", "[0, 1000]")
        Traceback (most recent call last):
        ...
        mlsd.validation.ParameterError: `offer_usd` must be a number in [0, 1000], got '10' (text)
        >>> check_number("clv_usd", 20, "[50, 100000]", also=(0,))
        Traceback (most recent call last):
        ...
        mlsd.validation.ParameterError: `clv_usd` must be 0 or a number in [50, 100000], got 20
    """
    allowed = _interval(interval)
    extra = [float(v) for v in also]
    what = f"a number in {allowed.text}"
    if extra:
        what = f"{' or '.join(f'{v:g}' for v in extra)} or {what}"
        if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
            if float(value) in extra:
                return float(value)
    return _checked(name, value, allowed, what, numbers.Real, float)


def _checked(name: str, value: Any, allowed: Interval, what: str, kind: type, cast: type):
    """``cast(value)`` when ``value`` is a ``kind`` (never a bool) inside ``allowed``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, kind):
        raise _fail(name, what, value)
    number = cast(value)
    if number not in allowed:
        raise _fail(name, what, value)
    return number


def check_int(name: str, value: Any, interval: str | Interval = "(-inf, inf)") -> int:
    """Check that ``value`` is an integer (not a float, not a bool) inside ``interval``.

    A count written ``1e3`` on the command line arrives as the float 1000.0 and is refused:
    write ``1000``.

    Example:
        >>> check_int("n_users", 20_000, "[1000, 1000000]")
        20000
        >>> check_int("n_users", 2e4, "[1000, 1000000]")
        Traceback (most recent call last):
        ...
        mlsd.validation.ParameterError: `n_users` must be an integer in [1000, 1000000], got 20000.0
    """
    allowed = _interval(interval)
    return _checked(name, value, allowed, f"an integer in {allowed.text}", numbers.Integral, int)


def check_probability(name: str, value: Any, interval: str | Interval = "[0, 1]") -> float:
    """Check that ``value`` is a probability: a number in ``[0, 1]`` (or a narrower interval).

    Example:
        >>> check_probability("acceptance_rate", 30)
        Traceback (most recent call last):
        ...
        mlsd.validation.ParameterError: `acceptance_rate` must be a probability in [0, 1], got 30
    """
    allowed = _interval(interval)
    if not (0.0 <= allowed.low and allowed.high <= 1.0):
        raise ValueError(f"a probability interval must lie inside [0, 1], got {allowed.text!r}")
    return _checked(name, value, allowed, f"a probability in {allowed.text}", numbers.Real, float)


def check_seed(name: str, value: Any) -> int:
    """Check a random seed: an integer in ``[0, 2**32 - 1]``, what numpy and scikit-learn accept.

    Example:
        >>> check_seed("seed", -1)
        Traceback (most recent call last):
        ...
        mlsd.validation.ParameterError: `seed` must be an integer in [0, 4294967295], got -1
    """
    return check_int(name, value, f"[0, {MAX_SEED}]")


def check_bool(name: str, value: Any) -> bool:
    """Check that ``value`` is ``True`` or ``False`` (not 0/1, not "yes")."""
    if not isinstance(value, bool | np.bool_):
        raise _fail(name, "True or False", value)
    return bool(value)


def check_choice(name: str, value: Any, options: Iterable[Any]) -> Any:
    """Check that ``value`` is one of ``options``.

    Example:
        >>> check_choice("data_source", "shipped", ["shipped", "simulate"])
        'shipped'
    """
    options = list(options)
    try:
        ok = value in options
    except TypeError:  # an unhashable or oddly comparing value
        ok = False
    if not ok or isinstance(value, bool) != any(isinstance(o, bool) for o in options if o == value):
        shown = ", ".join(repr(o) for o in options)
        raise _fail(name, f"one of {shown}", value)
    return value


def check_text(name: str, value: Any, *, max_length: int = 4096, allow_empty: bool = True) -> str:
    """Check that ``value`` is text of at most ``max_length`` characters (paths, column names).

    Example:
        >>> check_text("target", "Churn")
        'Churn'
    """
    if not isinstance(value, str):
        raise _fail(name, "text", value)
    if not allow_empty and not value.strip():
        raise _fail(name, "non-empty text", value)
    if len(value) > max_length:
        raise _fail(name, f"text of at most {max_length:,} characters", value)
    return value


def check_1d(
    name: str,
    values: Any,
    interval: str | Interval = "(-inf, inf)",
    *,
    min_size: int = 1,
    dtype: type = float,
) -> np.ndarray:
    """Check a one-dimensional array of numbers inside ``interval``, at least ``min_size`` long.

    Text and booleans are refused; NaN is refused; infinity only if ``interval`` reaches it.

    Returns:
        The values as a NumPy array of ``dtype``.

    Example:
        >>> check_1d("latency_ms", [1.0, 2.5], "[0, inf)")
        array([1. , 2.5])
    """
    allowed = _interval(interval)
    try:
        array = np.asarray(values)
    except Exception as exc:
        raise _fail(name, "a one-dimensional array of numbers", values) from exc
    if array.ndim != 1:
        raise ParameterError(
            f"`{name}` must be a one-dimensional array of numbers, got {array.ndim} dimensions"
        )
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise ParameterError(
            f"`{name}` must be a one-dimensional array of numbers, got dtype {array.dtype}"
        )
    if array.size < min_size:
        raise ParameterError(f"`{name}` must have at least {min_size} values, got {array.size}")
    as_float = array.astype(float)
    lo_ok = as_float >= allowed.low if allowed.low_closed else as_float > allowed.low
    hi_ok = as_float <= allowed.high if allowed.high_closed else as_float < allowed.high
    bad = ~(lo_ok & hi_ok)  # NaN fails both comparisons
    if bad.any():
        first = array[np.argmax(bad)]
        raise ParameterError(
            f"`{name}` must hold numbers in {allowed.text}; {int(bad.sum()):,} do not, "
            f"the first is {describe(first.item())}"
        )
    return array.astype(dtype)
