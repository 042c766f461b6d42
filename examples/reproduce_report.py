"""Reproduce the DSCP report's appraisal tables and list its slips.

Run: python examples/reproduce_report.py

The same as `dsc-econ reproduce --summary`, from Python: every table is computed from
the bundled parameters in two modes and compared, cell by cell, with the printed one.
"""

import dsc_econ as dsc
from dsc_econ.outputs.reproduce import summary_frame

# 1. Compute every table in both modes and compare it with the printed figures.
result = dsc.reproduce()

# 2. Per table: cells compared, within the printed rounding, explained, unexplained.
print(summary_frame(result).to_string(index=False))

# 3. The differences beyond rounding in the report's own arithmetic, with the slip
#    that explains each one and whether recomputing that slip gives the printed value.
diffs = dsc.reproduce(tables=["7.10"], modes=["as_published"]).differences()
for row in diffs.itertuples():
    print(
        f"Table {row.table} site {row.row} {row.column}: computed {row.computed:,.0f}, "
        f"printed {row.published}, explained by {', '.join(row.discrepancies)}"
    )

# 4. Table 7.10 as the package computes it from the counts (exact mode = defaults).
params = dsc.load_parameters()
print(dsc.appraisal_table(params).round(1).to_string())
assert result.unexplained().empty, "every difference should be explained"
