"""The compiled appraisal loops agree with the numpy reference (appraisal_arrays)."""

from __future__ import annotations

import numpy as np
import pytest

from dsc_econ.model import compiled
from dsc_econ.model.appraisal import TOTALS, appraisal_arrays, appraisal_totals
from dsc_econ.sensitivity.distributions import load_uncertainty

pytest.importorskip("numba")


def _sampled(params, n, seed, **extra):
    u = load_uncertainty(params=params)
    values = u.draw(np.random.default_rng(seed), n)
    sites = params.impact_sites()
    over, dids = u.from_values(values, params, sites)
    over.update(extra)
    return params.with_values(over, origin="sample", validate=False), dids


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"appraisal.completion_value": "abstinence_only"},
        {"appraisal.discount_costs": True},
        {"appraisal.unit_value_rounding": 1.0},
        {"harms.untreated.decline_from_year": 2.5, "harms.untreated.decline_rate": 0.1},
        {"discounting.method": "green_book"},
        {"discounting.timing": "start"},
    ],
)
def test_compiled_totals_equal_the_reference(params, settings):
    assert compiled.kernels() is not None
    base = params.with_values(settings)
    sampled, dids = _sampled(base, 3000, 1)
    sites = base.impact_sites()
    fast = appraisal_totals(sampled, sites, **dids)
    ref = appraisal_arrays(sampled, sites, by_year=False, **dids)
    for key in TOTALS:
        assert fast[key].shape == (3000, len(sites))
        want = np.broadcast_to(ref[key], fast[key].shape)
        np.testing.assert_allclose(fast[key], want, rtol=1e-12, atol=1e-9, err_msg=key)


def test_fractional_careers_and_point_values(params):
    n = 2000
    rng = np.random.default_rng(2)
    over = {
        "career.years_in_treatment": rng.uniform(0.2, 6.5, n),
        "career.years_after_treatment": rng.uniform(0.0, 12.3, n),
        "harms.abstinent.decay_rate": rng.uniform(0.0, 1.0, n),
        "harms.untreated.decline_from_year": rng.uniform(0.0, 8.0, n),
        "harms.untreated.decline_rate": rng.uniform(0.0, 0.3, n),
        "pathways.gamma": rng.uniform(0.1, 0.9, n),
        "appraisal.benefit_share": rng.uniform(0.5, 1.0, n),
    }
    sampled = params.with_values(over, origin="sample", validate=False)
    fast = appraisal_totals(sampled)
    ref = appraisal_arrays(sampled, by_year=False)
    for key in TOTALS:
        want = np.broadcast_to(ref[key], fast[key].shape)
        np.testing.assert_allclose(fast[key], want, rtol=1e-12, atol=1e-9, err_msg=key)
    # point values take the reference path and give the point estimate
    point = appraisal_totals(params)
    np.testing.assert_array_equal(point["bcr"], appraisal_arrays(params)["bcr"])


def test_reference_path_on_request(params, monkeypatch):
    monkeypatch.setenv("DSC_ECON_KERNEL", "numpy")
    assert compiled.kernels() is None
    sampled, dids = _sampled(params, 500, 3)
    out = appraisal_totals(sampled, **dids)
    ref = appraisal_arrays(sampled, by_year=False, **dids)
    np.testing.assert_array_equal(out["net_benefit"], ref["net_benefit"])
