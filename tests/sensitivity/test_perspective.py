"""Sensitivity by perspective and agency (issue 22): ``--outcome`` / ``--agency``."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

import dsc_econ as dsc
from dsc_econ import sensitivity as sens
from dsc_econ.cli.main import main
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.model.ledger import ledger, outcome_totals
from dsc_econ.sensitivity.distributions import load_uncertainty
from dsc_econ.sensitivity.perspective import current, outcome


def test_outcome_totals_match_the_ledger(params):
    book = ledger(params)
    for name, persp in (("fiscal_npv", "fiscal"), ("social_npv", "social")):
        got = outcome_totals(params, None, name)["net_benefit"].sum()
        assert got == pytest.approx(book.npsv.sel(perspective=persp).item(), rel=1e-12)
    nhs = outcome_totals(params, None, "npv", "nhs")
    np.testing.assert_allclose(
        nhs["net_benefit"], book.net.sel(agency="nhs").sum(("value_type", "year")).values
    )
    assert np.all(np.isnan(nhs["bcr"]))  # the NHS bears no DSCP cost: no ratio


def test_psa_samples_the_chosen_outcome(params):
    u = load_uncertainty(None, params)
    base = sens.psa(params, u, 400, 7, progress=False, keep_samples=True)
    with outcome("fiscal_npv", params=params):
        fiscal = sens.psa(params, u, 400, 7, progress=False, keep_samples=True)
    with outcome("npv", "nhs", params=params):
        nhs = sens.psa(params, u, 400, 7, progress=False, keep_samples=True)
    assert current() is None  # reset after the block
    # DSCP: the fiscal NPV is the NHS's (health) saving less every cost (all NTA's),
    # sample by sample (same seed, same draws)
    np.testing.assert_allclose(
        fiscal.npv.values, nhs.npv.values - base.cost.values, rtol=1e-10, atol=1e-6
    )
    assert np.all(np.abs(fiscal.npv_mean.values) < np.abs(base.npv_mean.values))
    assert float(np.abs(base.npv - fiscal.npv).max()) > 1.0  # a different outcome


def test_sobol_by_perspective_runs(params):
    u = load_uncertainty(None, params)
    with outcome("fiscal_npv", params=params):
        ds = sens.sobol(params, u, 32, 3, sites=["3"], progress=False, resamples=5)
    base = sens.sobol(params, u, 32, 3, sites=["3"], progress=False, resamples=5)
    fiscal, whole = ds.ST.sel(output="npv").values, base.ST.sel(output="npv").values
    assert np.all(np.isfinite(fiscal))
    assert not np.allclose(fiscal, whole)  # the fiscal NPV has its own drivers


def test_additionality_is_an_uncertain_input(params, tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "description": "leakage only",
                "inputs": {
                    "leakage": {
                        "parameter": "additionality.leakage",
                        "distribution": "uniform",
                        "low": 0.0,
                        "high": 0.5,
                        "justification": "test",
                        "reference": {"document": "test", "section": "1"},
                    }
                },
            }
        )
    )
    u = load_uncertainty(path, params)
    with outcome("social_npv", params=params):
        ds = sens.psa(params, u, 400, 1, sites=["3"], progress=False)
    full = float(dsc.appraise(params, ["3"]).total_benefit[0])
    cost = float(dsc.appraise(params, ["3"]).cost[0])
    # mean leakage 0.25: the mean social NPV is 0.75 x benefits - costs (to MC error)
    assert float(ds.npv_mean[0]) == pytest.approx(0.75 * full - cost, rel=0.03)


def test_unknown_agency_or_outcome_refused(params):
    with (
        pytest.raises(ParameterError, match="--agency 'treasury'"),
        outcome("npv", "treasury", params=params),
    ):
        pass
    with pytest.raises(ParameterError, match="--outcome"), outcome("budget", params=params):
        pass


def test_cli_psa_outcome_agency(capsys):
    code = main(["sensitivity", "psa", "--n", "200", "--outcome", "npv", "--agency", "nhs"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Outcome: NPV of nhs" in out and "P(outcome>0)" in out
    assert "BCR" not in out and "nan" not in out.lower()
    code = main(["sensitivity", "psa", "--n", "200", "--agency", "nobody"])
    assert code == 2
    assert "nobody" in capsys.readouterr().err
