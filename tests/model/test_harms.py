"""Harm profiles by pathway and year, checked against a naive per-year rewrite."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsc_econ.model.harms import (
    PATHWAYS,
    harm_profiles,
    harm_profiles_for,
    horizon,
    phase_shares,
    untreated_harm,
)


def naive_profiles(u, h, n_t, n_p, rho, f, delta):
    """Plain-Python harm of each pathway in each year (whole-year careers)."""
    out = {p: [] for p in PATHWAYS}
    for t in range(1, n_t + n_p + 1):
        untreated = u * (1 - rho) ** max(0, t - f + 1)
        treated = t <= n_t
        abstinent = 0.0 if treated else h * (1 - delta) ** (t - n_t)
        out["T1"].append(untreated)
        out["T2"].append(h if treated else abstinent)
        out["T3"].append(h if treated else untreated)
        out["T4"].append(h if treated else abstinent)
        out["T5"].append(h if treated else untreated)
    return np.array([out[p] for p in PATHWAYS])


@given(
    st.floats(1e3, 1e5),
    st.floats(1e3, 1e5),
    st.integers(1, 6),
    st.integers(0, 10),
    st.floats(0, 0.5),
    st.integers(1, 12),
    st.floats(0.01, 1.0),
)
def test_matches_naive_rewrite(u, h, n_t, n_p, rho, f, delta):
    years = horizon(n_t, n_p)
    fast = harm_profiles(years, u, h, n_t, n_p, rho, f, delta)
    np.testing.assert_allclose(
        fast, naive_profiles(u, h, n_t, n_p, rho, f, delta), rtol=1e-12
    )


def test_base_case_matches_table_c61(params):
    harm = harm_profiles_for(params, include_before=False)
    assert harm.dims == ("pathway", "year")
    assert harm.attrs["units"] == "GBP per client per year"
    assert list(harm.year.values) == list(range(1, 13))
    t1, t2, t3 = (harm.sel(pathway=p).values for p in ("T1", "T2", "T3"))
    assert np.all(t1 == 55127)
    assert np.all(t2[:4] == 43087) and np.all(t2[4:] == 0)
    assert np.all(t3[:4] == 43087) and np.all(t3[4:] == 55127)


def test_profile_covers_the_whole_career(params):
    harm = harm_profiles_for(params)
    assert harm.sizes["year"] == 20
    assert list(harm.career_year.values) == list(range(1, 21))
    assert np.all(harm.sel(year=slice(-7, 0)).values == 55127)


def test_decay_and_decline_cases():
    years = np.arange(1, 13)
    decay = harm_profiles(years, 55127, 43087, 4, 8, decay_rate=0.7)
    assert decay[1, 4] == pytest.approx(43087 * 0.3)  # first year after completion
    assert decay[1, 11] == pytest.approx(43087 * 0.3**8)  # £2.83: not 'below £1'
    decline = untreated_harm(years, 55127, 0.1, 6)
    assert decline[4] == 55127 and decline[5] == pytest.approx(55127 * 0.9)


def test_fractional_careers_change_smoothly():
    years = horizon(4.5, 8)
    in_t, after = phase_shares(years, 4.5, 8)
    assert in_t[4] == pytest.approx(0.5) and after[4] == pytest.approx(0.5)
    assert after[-1] == pytest.approx(0.5)  # career ends half-way through year 13
    h1 = harm_profiles(years, 55127, 43087, 4.5, 8)
    h2 = harm_profiles(years, 55127, 43087, 4.5001, 8)
    assert np.max(np.abs(h1 - h2)) < 10


def test_samples_broadcast():
    years = np.arange(1, 13)
    u = np.array([50000.0, 55127.0])
    out = harm_profiles(years, u, 43087, 4, 8, decay_rate=np.array([1.0, 0.7]))
    assert out.shape == (2, 5, 12)
    np.testing.assert_allclose(
        out[1], harm_profiles(years, 55127, 43087, 4, 8, decay_rate=0.7)
    )
