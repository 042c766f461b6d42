"""Model wing: the appraisal as pure array functions, no I/O and no plotting.

Owns discounting, harms, pathways, valuation, impact (difference-in-differences),
appraisal (with its compiled kernel, :mod:`.compiled`), the stocks and flows of
Appendix C3 (:mod:`.stockflow`), cash flows and payback (:mod:`.cashflow`) and the
argument checks the public functions share (:mod:`.checks`). Every function
broadcasts over an optional leading ``sample`` dimension, so one code path gives the
point estimate and a million Monte Carlo rows. May import only from
:mod:`dsc_econ.inputs`.
"""
