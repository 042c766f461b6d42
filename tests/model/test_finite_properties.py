"""Property tests over the public model API: finite in -> finite out, or a ValueError
naming the argument (issue 18). Never an inf, a NaN or another exception."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsc_econ.model import stockflow as sf
from dsc_econ.model.cashflow import cash_flows, profile_shape
from dsc_econ.model.discounting import annuity_factor, discount_factors

ANY = st.floats(allow_nan=True, allow_infinity=True, width=64)
FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)
NAMES = ("rate", "years", "costs", "benefits", "factors", "full_years", "lag", "ramp",
         "dip", "new_journeys", "stock_exit", "journey_exit", "opening_stock", "tt",
         "et", "sc", "tc", "period_years", "overflows", "undefined", "planned",
         "early_unplanned", "late_unplanned", "places", "calibrate", "timing", "share",
         "period_shares")


def _finite_or_named(call):
    """Run ``call``: every array in its result finite, or a ValueError that names an
    argument (or says what overflowed)."""
    with np.errstate(all="ignore"):
        try:
            out = call()
        except ValueError as exc:
            assert any(name in str(exc).lower() for name in NAMES), str(exc)
            return None
    values = out.values() if isinstance(out, dict) else [out]
    for value in values:
        if isinstance(value, dict):
            values = [*values, *value.values()]
            continue
        assert np.all(np.isfinite(np.asarray(value, dtype=float))), out
    return out


@given(rate=ANY, horizon=st.integers(1, 400))
def test_discount_factors(rate, horizon):
    _finite_or_named(lambda: discount_factors(rate, np.arange(1, horizon + 1)))


@given(rate=ANY, years=ANY, timing=st.sampled_from(["end", "middle", "start"]))
def test_annuity_factor(rate, years, timing):
    _finite_or_named(lambda: annuity_factor(rate, years, timing))


@given(c=st.lists(ANY, min_size=3, max_size=3), b=st.lists(ANY, min_size=3, max_size=3),
       d=st.lists(ANY, min_size=3, max_size=3))
def test_cash_flows(c, b, d):
    _finite_or_named(lambda: cash_flows([c], [b], d))


@given(kind=st.sampled_from(["early", "late"]), full=ANY, lag=ANY, ramp=ANY, dip=ANY)
def test_profile_shape(kind, full, lag, ramp, dip):
    _finite_or_named(
        lambda: profile_shape(kind, np.arange(1, 11), full, lag, ramp, dip, 2)
    )


@given(j=ANY, e_s=ANY, e_j=ANY)
def test_steady_state_stock(j, e_s, e_j):
    _finite_or_named(lambda: sf.steady_state_stock(j, e_s, e_j))


@given(tt=FINITE, et=FINITE, sc=FINITE, tc=FINITE, years=ANY)
def test_calibrate(tt, et, sc, tc, years):
    _finite_or_named(lambda: sf.calibrate(tt, et, sc, tc, years))


SHARE = st.floats(0, 0.5)


@given(s0=ANY, j=ANY, a=SHARE, b=SHARE, c=st.floats(-0.1, 0.4), years=st.integers(1, 40))
def test_simulate(s0, j, a, b, c, years):
    shares = {"planned": a, "early_unplanned": b, "late_unplanned": c}
    _finite_or_named(lambda: sf.simulate(s0, j, shares, shares, years))


@pytest.mark.parametrize("n", [0, 1])
def test_evpi_needs_samples(n):
    import xarray as xr

    from dsc_econ.sensitivity.voi import evpi

    nb = xr.DataArray(np.ones((n, 1, 2)), dims=("sample", "site", "option"))
    with pytest.raises(ValueError, match="at least 2"):
        evpi(nb)


def test_evpi_refuses_nan():
    import xarray as xr

    from dsc_econ.sensitivity.voi import evpi

    values = np.ones((10, 1, 2))
    values[3, 0, 1] = np.nan
    nb = xr.DataArray(values, dims=("sample", "site", "option"),
                      coords={"site": ["3"], "option": ["a", "b"]})
    with pytest.raises(ValueError, match="'sample': 3"):
        evpi(nb)


def _numeric_keys():
    import dsc_econ as dsc

    params = dsc.load_parameters()
    keys = []
    for name, p in params.parameters.items():
        if isinstance(p.value, bool) or not isinstance(p.value, (int, float)):
            continue
        if name.startswith(("national.", "records.", "report.")):
            continue  # context tables and records settings, not appraisal inputs
        keys.append(name)
    return params, sorted(keys)


_PARAMS, _KEYS = _numeric_keys()


@settings(max_examples=150, deadline=None)
@given(key=st.sampled_from(_KEYS), value=FINITE)
def test_appraise_finite_or_refused(key, value):
    """Any one input set to any finite number: :func:`dsc_econ.appraise` gives finite
    results, or a ValueError naming that input (not an inf, a NaN or a crash)."""
    import dsc_econ as dsc

    with np.errstate(all="ignore"):
        try:
            params = _PARAMS.with_values({key: value}, origin="--set")
            result = dsc.appraise(params)
        except ValueError as exc:
            text = str(exc)
            assert key in text or params_label(key) in text or "--set" in text, text
            return
    for name, var in result.data_vars.items():
        if np.issubdtype(var.dtype, np.number):
            assert np.all(np.isfinite(var.values)), (key, value, name)


def params_label(key):
    return _PARAMS.label(key)
