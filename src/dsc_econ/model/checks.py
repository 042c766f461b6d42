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
    "appraisal_args",
    "at_least",
    "benefit_args",
    "career",
    "finite",
    "finite_result",
    "positive",
    "probability",
    "rate",
    "ratio_args",
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


# --- the public functions of model/appraisal.py ------------------------------------


def _site_ids(params: Any, sites: Any) -> list[str]:
    """``sites`` as a checked list of ids: a list (not one string), not empty, no
    repeats, every id known (did-you-mean for a misspelt one)."""
    import difflib

    from ..inputs.parameters import ParameterError
    from ..inputs.safety import excerpt

    if isinstance(sites, (str, bytes)) or not hasattr(sites, "__iter__"):
        raise ValueError(
            f"sites must be a list of site ids such as ['3', '4'], got {excerpt(sites)}"
        )
    ids = [str(s) for s in sites]
    if not ids:
        raise ValueError("sites is empty; give at least one site id, or None for all")
    seen: set[str] = set()
    repeated = [s for s in ids if s in seen or seen.add(s)]
    if repeated:
        raise ValueError(f"sites names site {excerpt(repeated[0])} twice")
    known = list(params.sites()) if hasattr(params, "sites") else None
    if known is not None:
        known_set = set(known)
        for s in ids:
            if s not in known_set:
                close = difflib.get_close_matches(s, known, n=3)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                shown = ", ".join(known[:20]) + (" ..." if len(known) > 20 else "")
                raise ParameterError(
                    f"unknown site id(s) [{excerpt(s)}] in sites{hint} (known sites: "
                    f"{shown})"
                )
    return ids


def _per_site(name: str, value: Any, n_sites: int) -> None:
    """A (..., site) array: finite, at most one leading (sample) dimension, and one
    value per appraised site in its last dimension."""
    arr = finite(name, value)
    if arr.ndim not in (1, 2) or arr.shape[-1] != n_sites:
        raise ValueError(
            f"{name} must have shape (site,) or (sample, site) with {n_sites} site(s), "
            f"got shape {arr.shape}"
        )


def appraisal_args(
    params: Any,
    sites: Any = None,
    *,
    unit_value_effective: Any = None,
    unit_value_completion: Any = None,
    did_effective: Any = None,
    did_completions: Any = None,
    impact: Any = None,
    by_year: Any = True,
    **unknown: Any,
) -> None:
    """Check the arguments of :func:`~dsc_econ.model.appraisal.appraise` and its
    kin before any work: ``ValueError`` naming the argument and its value.

    ``params`` must be a parameter set (a mapping); ``sites`` None or a list of known
    ids (an unknown one is a :class:`~dsc_econ.inputs.parameters.ParameterError` with
    a did-you-mean); unit values finite numbers or one per sample; DiD arrays finite,
    shaped (site,) or (sample, site) with one column per appraised site; ``impact``
    the dict of :func:`~dsc_econ.model.appraisal.site_impacts`; ``by_year`` a bool.
    Keyword arguments other than these (``appraisal_table``'s ``**unit_values``)
    are refused by name, never ignored.
    """
    from collections.abc import Mapping

    from ..inputs.safety import excerpt

    if unknown:
        raise ValueError(
            f"unknown argument(s) {', '.join(sorted(unknown))}; the unit values are "
            "unit_value_effective and unit_value_completion"
        )
    if not isinstance(params, Mapping):
        raise ValueError(
            "params must be a parameter set (dsc.load_parameters()), got "
            f"{type(params).__name__} {excerpt(params)}"
        )
    ids = _site_ids(params, sites) if sites is not None else None
    if not isinstance(by_year, (bool, np.bool_)):
        raise ValueError(f"by_year must be True or False, got {excerpt(by_year)}")
    for name, value in (
        ("unit_value_effective", unit_value_effective),
        ("unit_value_completion", unit_value_completion),
    ):
        if value is not None and finite(name, value).ndim > 1:
            raise ValueError(
                f"{name} must be one number or one per sample, got shape "
                f"{np.shape(value)}"
            )
    arrays = {"did_effective": did_effective, "did_completions": did_completions}
    if impact is not None:
        if not isinstance(impact, Mapping):
            raise ValueError(
                f"impact must be the dict of site_impacts, got {excerpt(impact)}"
            )
        needed = ("did_effective", "did_completions", "clients_in_treatment",
                  "completions_base")
        missing = [k for k in needed if k not in impact]
        if missing:
            raise ValueError(f"impact lacks {', '.join(missing)} (see site_impacts)")
        arrays.update({f"impact[{k!r}]": impact[k] for k in needed})
    given = {k: v for k, v in arrays.items() if v is not None}
    if not given:
        return
    if ids is None:
        n_sites = len(params.impact_sites()) if hasattr(params, "impact_sites") else None
    else:
        n_sites = len(ids)
    for name, value in given.items():
        if n_sites is None:
            finite(name, value)
        else:
            _per_site(name, value, n_sites)


def benefit_args(
    extra_effective: Any,
    extra_completions: Any,
    unit_effective: Any,
    unit_completion: Any,
    benefit_share: Any,
) -> None:
    """Check :func:`~dsc_econ.model.appraisal.site_benefits`: finite arrays, the
    clients shaped (..., site) alike, the unit values and share one per leading
    sample (shape (...,)), the share not negative."""
    et = finite("extra_effective", extra_effective)
    sc = finite("extra_completions", extra_completions)
    if et.ndim == 0 or sc.ndim == 0:
        raise ValueError(
            "extra_effective and extra_completions need a site dimension (shape "
            f"(..., site)), got shapes {et.shape} and {sc.shape}"
        )
    if et.shape[-1] != sc.shape[-1]:
        raise ValueError(
            f"extra_effective has {et.shape[-1]} site(s) but extra_completions "
            f"{sc.shape[-1]}"
        )
    at_least("benefit_share", benefit_share, 0)
    lead = et.shape[:-1]
    for name, value in (
        ("unit_effective", unit_effective),
        ("unit_completion", unit_completion),
        ("benefit_share", benefit_share),
    ):
        shape = finite(name, value).shape
        try:
            np.broadcast_shapes(shape, lead, sc.shape[:-1])
        except ValueError:
            raise ValueError(
                f"{name} must be one number or one per sample (shape {lead}), got shape "
                f"{shape}"
            ) from None


def ratio_args(benefits: Any, costs: Any) -> None:
    """Check :func:`~dsc_econ.model.appraisal.benefit_cost_ratio`: finite, shapes that
    broadcast together, costs above 0."""
    b = finite("benefits", benefits)
    c = finite("costs", costs)
    if np.any(c <= 0):
        raise ValueError(f"costs must be positive for a ratio, got {_first(c, c <= 0)!r}")
    try:
        np.broadcast_shapes(b.shape, c.shape)
    except ValueError:
        raise ValueError(
            f"benefits (shape {b.shape}) and costs (shape {c.shape}) do not match"
        ) from None
