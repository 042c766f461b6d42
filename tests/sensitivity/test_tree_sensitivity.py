"""Sensitivity analyses on a user's tree: a branch probability as an uncertain input,
the compiled and reference paths agreeing on the general tree."""

from __future__ import annotations

import numpy as np
import pytest

import dsc_econ as dsc
from dsc_econ import sensitivity as sens
from dsc_econ.model.appraisal import appraisal_arrays, appraisal_totals

DEATH = """died_in_treatment:
  description: Share of treatment discharges that are deaths (all modalities).
  value: 0.007
  reference:
    document: 004_4627c13326623822.txt
    table: Table 17, row Died, column Total
"""

UNCERTAINTY = """description: deaths in treatment
inputs:
  deaths:
    parameter: pathways.died_in_treatment
    distribution: uniform
    low: 0.001
    high: 0.012
    justification: modality range of NTA (2009) Table 17
    reference: {document: 004_4627c13326623822.txt, table: Table 17}
"""


@pytest.fixture()
def death_tree(param_dir):
    with (param_dir / "pathways.yaml").open("a") as fh:
        fh.write(DEATH)
    text = (param_dir / "tree.yaml").read_text()
    text = text.replace(
        "      - {to: planned, probability: pathways.phi}",
        "      - {to: died, probability: pathways.died_in_treatment}\n"
        "      - {to: planned, probability: (1 - pathways.died_in_treatment) * pathways.phi}",
    )
    text += "  died:\n    label: dies in treatment\n    profile: untreated\n"
    (param_dir / "tree.yaml").write_text(text)
    (param_dir / "uncertainty").mkdir(exist_ok=True)
    (param_dir / "uncertainty" / "deaths.yaml").write_text(UNCERTAINTY)
    return param_dir


def test_general_path_compiled_equals_reference(death_tree):
    # strict: a key the tree reads is known, not an "unknown parameter" warning
    params = dsc.load_parameters(death_tree, strict=True)
    deaths = np.linspace(0.0, 0.05, 257)
    sampled = params.with_values({"pathways.died_in_treatment": deaths})
    fast = appraisal_totals(sampled)
    ref = appraisal_arrays(sampled, by_year=False)
    for key in ("total_benefit", "net_benefit", "bcr"):
        np.testing.assert_allclose(fast[key], ref[key], rtol=1e-12)
    with pytest.raises(dsc.ParameterError, match=r"died_in_treatment"):
        params.with_values({"pathways.died_in_treatment": 1.5})
    # more deaths, less value: the tree changed the appraisal
    assert np.all(np.diff(ref["unit_value_effective"]) < 0)
    base = appraisal_totals(dsc.load_parameters())
    np.testing.assert_allclose(fast["total_benefit"][0], base["total_benefit"], rtol=1e-12)


def test_branch_probability_is_an_uncertain_input(death_tree):
    params = dsc.load_parameters(death_tree)
    unc = sens.load_uncertainty(death_tree / "uncertainty" / "deaths.yaml", params)
    mc = sens.psa(params, unc, n=512, seed=3, sites=["3"])
    bcr = mc["bcr"].values if hasattr(mc, "data_vars") else np.asarray(mc["bcr"])
    assert np.nanstd(bcr) > 0
    one = sens.oneway(params, unc, sites=["3"])
    low, high = one.bcr.sel(parameter="deaths", site="3").values
    assert low > high  # more deaths in treatment, less harm avoided
    t = sens.threshold(params, "pathways.died_in_treatment", sites=["3"], low=0, high=1)
    assert float(t.npv_high.sel(site="3")) < float(t.npv_low.sel(site="3"))
