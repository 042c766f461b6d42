"""Records wing: from client-level journey records to site counts and DiD.

Owns the Appendix B2 outcome rules (:mod:`.journeys`), continuity of care
(:mod:`.continuity`), the logistic DiD (:mod:`.regression`, statsmodels loaded on first
use) and synthetic extracts (:mod:`.synthetic`). May import from :mod:`dsc_econ.inputs`
and :mod:`dsc_econ.model`; never from sensitivity, outputs or cli.
"""
