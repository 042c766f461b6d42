"""Argument checks of the model's public functions: the impossible is refused.

A discount rate of -1 makes every factor infinite, -2 makes them alternate in sign, a
negative year gives a factor above 1, NaN propagates silently and a career of zero years
leaves nothing to index. The parameter loader refuses such values in files, but the
model's functions are called directly too (from notebooks, from the sensitivity engine
with unchecked samples), so each public function checks its own arguments and raises a
``ValueError`` that names the argument and shows an offending value.

Each check is one vectorised pass over an array (``np.isfinite``, a comparison, an
``any``), so the checks cost a few microseconds at a point estimate and a few
milliseconds on a million-row sample: nothing beside the evaluation itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "at_least",
    "career",
    "finite",
    "finite_result",
    "positive",
    "probability",
    "rate",
    "whole_number",
    "whole_years",
]


def _first(arr: np.ndarray, bad: np.ndarray) -> float:
    return float(arr[bad].ravel()[0])


def finite(name: str, value: Any) -> np.ndarray:
    """``value`` as a float array; ``ValueError`` if it is empty or holds NaN/inf.

    >>> finite("rate", [0.035, float("nan")])
    Traceback (most recent call last):
    ...
    ValueError: rate must be finite, got nan
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a number or an array of numbers, got {value!r}"
        ) from None
    if arr.size == 0:
        raise ValueError(f"{name} is empty (no values, no samples)")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} must be finite, got {_first(arr, bad)!r}")
    return arr


def at_least(
    name: str, value: Any, low: float, strict: bool = False, why: str = ""
) -> np.ndarray:
    """:func:`finite`, and every value ``>= low`` (``> low`` when ``strict``)."""
    arr = finite(name, value)
    bad = arr <= low if strict else arr < low
    if bad.any():
        bound = f"above {low:g}" if strict else f"at least {low:g}"
        reason = f" ({why})" if why else ""
        raise ValueError(f"{name} must be {bound}{reason}, got {_first(arr, bad)!r}")
    return arr


def rate(name: str, value: Any) -> np.ndarray:
    """A yearly rate: finite and above -1 (at -1 every discount factor is infinite,
    below it they alternate in sign)."""
    return at_least(name, value, -1.0, strict=True, why="a rate of -100% or less has no "
                    "discount factor")


def probability(name: str, value: Any) -> np.ndarray:
    """A share in [0, 1]."""
    arr = finite(name, value)
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        raise ValueError(f"{name} must be in [0, 1], got {_first(arr, bad)!r}")
    return arr


def whole_years(name: str, value: Any, low: int) -> np.ndarray:
    """Year indices: finite whole numbers from ``low``."""
    arr = at_least(name, value, low)
    bad = arr != np.round(arr)
    if bad.any():
        raise ValueError(f"{name} must be whole years, got {_first(arr, bad)!r}")
    return arr


def career(years_in_treatment: Any, years_after_treatment: Any) -> tuple[Any, Any]:
    """Career lengths checked: finite, not negative, and some years in every sample."""
    n_t = at_least("years_in_treatment", years_in_treatment, 0)
    n_p = at_least("years_after_treatment", years_after_treatment, 0)
    total = n_t + n_p
    if np.any(total <= 0):
        raise ValueError(
            "years_in_treatment + years_after_treatment must be above 0 (a career of "
            "zero years has nothing to value), got 0"
        )
    return n_t, n_p


def positive(name: str, value: Any, why: str = "") -> np.ndarray:
    """:func:`finite` and every value above 0."""
    return at_least(name, value, 0.0, strict=True, why=why)


def whole_number(name: str, value: Any, low: int, high: int | None = None) -> int:
    """One whole number in ``[low, high]`` (a bool, 30.7 or '7' refused), as ``int``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, np.integer, float, np.floating)
    ):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not np.isfinite(value) or float(value) != int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    number = int(value)
    if number < low or (high is not None and number > high):
        top = f" and at most {high:,}" if high is not None else ""
        raise ValueError(f"{name} must be at least {low:,}{top}, got {number:,}")
    return number


def finite_result(what: str, value: Any, cause: str) -> Any:
    """``value`` if every element is finite; else ``ValueError``: ``what`` overflows
    (or is undefined) for these finite inputs, and ``cause`` says which input did it.

    The last line of defence of a public function: no inf or NaN is ever returned.
    """
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        first = float(arr[bad].ravel()[0])
        kind = "is undefined (NaN)" if first != first else "overflows (beyond ±1.8e308)"
        raise ValueError(f"{what} {kind} for finite inputs: {cause}")
    return value
