"""Sensitivity wing: how far the answer moves when the assumptions do.

One contract throughout, after SALib: a sample matrix on the unit hypercube (one column
per uncertain input, :mod:`.distributions`) goes through :func:`.engine.evaluate` -- the
same model arrays as the point estimate, never a per-sample loop -- and comes back as
NPV and BCR per site. The analyses differ only in how they build the matrix and what
they compute from the results:

* :mod:`.deterministic` -- :func:`oneway` (tornado), :func:`spider`, :func:`scenarios`,
  :func:`threshold` (switching values), :func:`thresholds` (of every input);
* :mod:`.probabilistic` -- :func:`psa`, Monte Carlo in memory or chunked (streamed in
  process, or through dask when samples are kept);
* :mod:`.dynamics` -- payback and time-profile NPV under one-way, Monte Carlo and Sobol;
* :mod:`.voi` and :mod:`.smoothers` -- value of information (EVPI, EVPPI);
* :mod:`.memory` -- memory estimates checked before a run;
* :mod:`.global_methods` -- :func:`sobol` (vectorised Saltelli design,
  :mod:`.saltelli`) and :func:`morris` (SALib);
* :mod:`.voi` -- value of information from the Monte Carlo sample: :func:`evpi`,
  :func:`evppi` (regression on the inputs, :mod:`.smoothers`) and :func:`voi`;
* :mod:`.results` -- :func:`tidy`, :func:`save`, :func:`load`.

Every result is an :class:`xarray.Dataset` with named dims (``sample``, ``site``,
``parameter``...), units and a reproducibility record in its attrs. May import from
inputs and model; never from records, outputs or cli. SALib, dask and scikit-learn load
on first use.
"""

from __future__ import annotations

from . import voi as _voi_module
from .deterministic import oneway, scenarios, spider, threshold, thresholds
from .distributions import Uncertainty, load_uncertainty, parameter_hash
from .engine import BLOCK, OUTPUTS, evaluate, evaluate_blocks, lazy_outputs, sample_blocks
from .global_methods import morris, sobol
from .probabilistic import psa, summarise
from .results import load, save, tidy
from .voi import evpi, evppi


class _CallableModule(type(_voi_module)):
    """``sensitivity.voi`` is the module (``sens.voi.evpi``...); calling it runs
    :func:`.voi.voi`, the whole analysis, as before."""

    def __call__(self, *args, **kwargs):
        return self.voi(*args, **kwargs)


_voi_module.__class__ = _CallableModule
voi = _voi_module

__all__ = [
    "BLOCK",
    "OUTPUTS",
    "Uncertainty",
    "evaluate",
    "evaluate_blocks",
    "evpi",
    "evppi",
    "lazy_outputs",
    "load",
    "load_uncertainty",
    "morris",
    "oneway",
    "parameter_hash",
    "psa",
    "sample_blocks",
    "save",
    "scenarios",
    "sobol",
    "spider",
    "summarise",
    "threshold",
    "thresholds",
    "tidy",
    "voi",
]
