"""Model wing: the appraisal as pure array functions, no I/O and no plotting.

Owns discounting, harms, pathways, valuation, impact (difference-in-differences) and
appraisal. Every function broadcasts over an optional leading ``sample`` dimension, so
one code path gives the point estimate and a million Monte Carlo rows. May import only
from :mod:`dsc_econ.inputs`.
"""
