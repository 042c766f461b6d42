"""Appraise your own change: two areas, three years of costs, from CSV to a board report.

Run: python examples/own_project.py

The same as, on the command line::

    dsc-econ new my_area --counts own_project_counts.csv --costs own_project_costs.csv \
        --start 2026-04
    dsc-econ appraise --parameters my_area
    dsc-econ cashflow --parameters my_area --psa 2000
    dsc-econ report --parameters my_area --out board/

`examples/data/own_project_counts.csv` has one row per site, area (pilot / comparison)
and period (pre / post); `own_project_costs.csv` one row per site and project year (£
thousand, with the price year and who pays). The project folder keeps the bundled
assumptions (harms, careers, abstinence, discounting), discounts costs like benefits
(Green Book practice), labels years from the start date, and carries an uncertainty file
for its own sites, so every analysis runs on it at once.
"""

import tempfile
from pathlib import Path

import dsc_econ as dsc
from dsc_econ import sensitivity as sens
from dsc_econ.inputs.project import new_project, year_label
from dsc_econ.model.cashflow import effect_assumption, payback_summary
from dsc_econ.sensitivity.distributions import load_uncertainty

data = Path(__file__).parent / "data"
workdir = Path(tempfile.mkdtemp())

# 1. The project folder (validated; nothing is written if a table has a problem).
params = new_project(
    workdir / "my_area",
    data / "own_project_counts.csv",
    data / "own_project_costs.csv",
    start="2026-04",
)
print("sites:", params.sites(), "; year 1 =", year_label(params, 1))

# 2. Benefits, all three years of costs (discounted), NPV and BCR per site (£ thousand).
table = dsc.appraisal_table(params)
print(
    table[
        [
            "cost_year_1",
            "cost_year_2",
            "cost_year_3",
            "cost",
            "total_benefit",
            "net_benefit",
            "bcr",
        ]
    ]
    .round(1)
    .to_string()
)

# 3. Over time: the same NPV and BCR as the appraisal, with its assumption named.
print("over time:", effect_assumption(params))
print(payback_summary(params)[["npv", "bcr", "payback", "npv_single_cohort"]].round(1))

# 4. How sure can we be? The project's own uncertainty file (its sites' DiD error).
uncertainty = load_uncertainty(None, params)  # my_area/uncertainty/default.yaml
mc = sens.psa(params, uncertainty, n=5_000, seed=1, progress=False)
print(mc[["npv_mean", "npv_low", "npv_high", "prob_bcr_gt_1"]].to_dataframe().round(2))

# 5. The board paper (HTML; pdf=True prints it with headless Chromium too).
files = dsc.report(workdir / "board", params, n_psa=2_000, n_sobol=128, pdf=False)
print("report:", files.html)
