"""Re-run the appraisal under other assumptions: discounting, abstinence, harms.

Run: python examples/change_assumptions.py

Every input is a named parameter (see `dsc-econ parameters`); `with_values` returns a
new, validated parameter set, so each variant is one line.
"""

import numpy as np

import dsc_econ as dsc

base = dsc.load_parameters()

variants = {
    "report (3.5%)": {},
    "health rate 1.5%": {"discounting.method": "health"},
    "Green Book schedule": {"discounting.method": "green_book"},
    "abstinence 53% (Table C.5.1)": {"pathways.gamma": 0.53},
    "abstinence 41%": {"pathways.gamma": 0.41},
    "harm decays 70%/yr (C6)": {"harms.abstinent.decay_rate": 0.7},
    "Appendix C4 base (Z1)": {"appraisal.completions_base": "successful_completions"},
}

# Unit values per client and site 3's benefit-cost ratio under each variant.
for name, overrides in variants.items():
    params = base.with_values(overrides)
    values = dsc.unit_values(params)
    bcr = dsc.appraise(params, sites=["3"]).bcr.item()
    print(
        f"{name:30s} effective £{values.effective:>8,.0f}  "
        f"completion £{values.completion:>9,.0f}  site 3 BCR {bcr:6.1f}"
    )

# The same model takes arrays: 1,000 abstinence probabilities in one call.
gammas = np.linspace(0.41, 0.53, 1000)
ds = dsc.appraise(base.with_values({"pathways.gamma": gammas}))
print(ds.bcr.sel(site="3").min().item(), ds.bcr.sel(site="3").max().item())
