"""Your own pathway tree: Figure C1.1 with a death branch in treatment.

Run: python examples/own_tree.py

Copies the bundled parameters to ./own_tree_parameters (refusing if it exists), adds one
parameter -- the share of treatment discharges that are deaths, 0.7% in the NTA's
national NDTMS data for 2006/07 (NTA 2009, "Towards successful treatment completion: a
good practice guide", Appendix 1, Table 17, row "Died", column "Total") -- and writes a
tree.yaml in which an effective treatment journey can end in death. A death is valued
as untreated harm throughout: the harm-based valuation has no value of a life, and
counting the crime and health costs a dead client no longer causes as a benefit would
be perverse, so the branch credits nothing. The appraisal, the sensitivity analyses,
`dsc-econ tree` and the report then use the new tree with no code change:

    dsc-econ tree --parameters own_tree_parameters
    dsc-econ appraise --parameters own_tree_parameters
"""

import shutil
import sys
from pathlib import Path

import numpy as np

import dsc_econ as dsc
from dsc_econ.inputs.parameters import data_dir
from dsc_econ.model.tree import tree_frame

target = Path("own_tree_parameters")
if target.exists():
    sys.exit(f"{target} exists; remove it or run from another folder")
shutil.copytree(data_dir("parameters"), target)

# 1. The new branch probability is a parameter like any other: unit and source.
with (target / "pathways.yaml").open("a", encoding="utf-8") as fh:
    fh.write(
        """died_in_treatment:
  description: Share of treatment discharges that are deaths (all modalities).
  value: 0.007
  reference:
    document: 004_4627c13326623822.txt
    table: Table 17 (discharge reasons by modality, NDTMS 2006/07), row Died, Total
    section: Appendix 1
  note: >-
    0.7 per cent of discharges in 2006/07 were "Incomplete - Client died": during their
    time in contact with structured drug treatment the client died (Appendix 2). Used,
    like phi, as a share of effective journeys.
"""
    )

# 2. The tree: effective treatment ends in death, completion or an unplanned exit.
tree = (target / "tree.yaml").read_text(encoding="utf-8")
tree = tree.replace(
    """      - {to: planned, probability: pathways.phi}
      - {to: unplanned, probability: complement}""",
    """      - {to: died, probability: pathways.died_in_treatment}
      - {to: planned, probability: (1 - pathways.died_in_treatment) * pathways.phi}
      - {to: unplanned, probability: complement}""",
)
tree += """  died:
    label: dies in treatment
    profile: untreated
"""
(target / "tree.yaml").write_text(tree, encoding="utf-8")

# 3. The same calls as for the bundled parameters.
base = dsc.load_parameters()
own = dsc.load_parameters(target)
frame = tree_frame(own)
print(frame[["label", "probability", "value_per_client"]].round(4).to_string())
print(f"expected value per OCU: £{frame.expected_value.sum():,.0f}")
for name, params in (("Figure C1.1", base), ("with deaths", own)):
    ds = dsc.appraise(params, by_year=False)
    unit, bcr = ds.unit_value_effective.item(), ds.bcr.sel(site="3").item()
    print(f"{name:12s} extra effective client £{unit:,.0f}; site 3 BCR {bcr:.2f}")

# 4. The branch probability can be sampled like any input (here: 1,000 values).
deaths = np.linspace(0.003, 0.012, 1000)  # the modality range of Table 17: 0.1%-1.2%
ds = dsc.appraise(own.with_values({"pathways.died_in_treatment": deaths}), by_year=False)
print(
    "site 3 BCR over deaths 0.3%-1.2%: "
    f"{ds.bcr.sel(site='3').min().item():.2f} to {ds.bcr.sel(site='3').max().item():.2f}"
)
