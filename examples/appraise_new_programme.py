"""Appraise a new programme from your own counts and costs.

Run: python examples/appraise_new_programme.py

Two CSV files describe the pilots: `new_programme_counts.csv` (clients in treatment, in
effective treatment, completing successfully and completing at all, for each site, its
pilot and comparison area, before and after) and `new_programme_costs.csv` (the
programme's cost per site in each of two years, £ thousand). Everything else -- harms,
career, discounting, abstinence -- keeps the DSCP appraisal's assumptions, which you can
change like any parameter.
"""

import tempfile
from pathlib import Path

import dsc_econ as dsc
from dsc_econ import sensitivity as sens
from dsc_econ.inputs.programme import programme_parameters
from dsc_econ.sensitivity.distributions import load_uncertainty

data = Path(__file__).parent / "data"
workdir = Path(tempfile.mkdtemp())

# 1. Turn the two tables into a parameter folder (validated like the bundled one).
params = programme_parameters(
    data / "new_programme_counts.csv",
    data / "new_programme_costs.csv",
    out=workdir / "parameters",
)
print("sites:", params.impact_sites(), "- parameters written to", workdir / "parameters")

# 2. The difference in differences from the counts, with binomial standard errors.
print(dsc.did_table(params)[["et_tt_did", "et_tt_se", "sc_tt_did", "sc_tt_se"]].round(4))

# 3. Benefits, costs, NPV and benefit-cost ratio per site (£ thousand).
print(dsc.appraisal_table(params).round(1).to_string())

# 4. How sure can we be? Monte Carlo over the default assumptions; the DiD inputs of
#    the default uncertainty file refer to the DSCP sites, so write your own entries
#    (kind: did, site: north) to sample these sites' counts too.
uncertainty_file = workdir / "uncertainty.yaml"
uncertainty_file.write_text(
    "inputs:\n"
    "  abstinence: {parameter: pathways.gamma, distribution: beta, mean: 0.457, sd: 0.03,"
    " low: 0.41, high: 0.53, justification: Table C.5.1 range}\n"
    "  discount_rate: {parameter: discounting.rate, distribution: uniform, low: 0.015,"
    " high: 0.035, justification: Green Book standard and health rates}\n"
    "  did_north: {kind: did, site: north, justification: binomial error of the counts}\n"
    "  did_south: {kind: did, site: south, justification: binomial error of the counts}\n"
)
uncertainty = load_uncertainty(uncertainty_file, params)
mc = sens.psa(params, uncertainty, n=20_000, seed=1, progress=False)
print(mc[["npv_mean", "npv_low", "npv_high", "prob_bcr_gt_1"]].to_dataframe().round(2))
