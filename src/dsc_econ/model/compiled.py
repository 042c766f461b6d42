"""Compiled, fused loops for the six-site appraisal of many samples (optional numba).

The array functions of :mod:`dsc_econ.model.valuation` and
:mod:`dsc_econ.model.appraisal` are the reference: they walk the years with whole
sample vectors, so every step writes a temporary the size of the sample. The loops here
do the same arithmetic one sample at a time, carrying the year's harm and decay factors
in registers, so a sample's inputs are read once and its four outputs written once:
the cost is set by memory traffic, not by temporaries. Tests check them against the
reference to 1e-12.

numba is imported on first use only (``import dsc_econ`` stays light); without numba,
or with ``DSC_ECON_KERNEL=numpy`` in the environment, :func:`kernels` returns ``None``
and callers use the reference path.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["kernels"]

_KERNELS: Any = False  # False: not tried yet; None: unavailable


def kernels() -> Any:
    """The compiled kernels (an object with ``present_values`` and ``site_totals``),
    or ``None`` when numba is missing or ``DSC_ECON_KERNEL=numpy`` asks for the
    reference path."""
    global _KERNELS
    if os.environ.get("DSC_ECON_KERNEL", "").lower() == "numpy":
        return None
    if _KERNELS is False:
        try:
            _KERNELS = _build()
        except ImportError:
            _KERNELS = None
    return _KERNELS


def _build() -> Any:
    import importlib

    name = f"{__package__}._numba_kernels"
    try:
        return importlib.import_module(name)
    except RuntimeError as exc:  # numba: "cannot cache function ...: no locator"
        if "cache" not in str(exc):
            raise
    import warnings

    warnings.warn(  # a read-only package and no writable HOME (issue 18)
        "numba cannot write its cache (no writable folder); the compiled loops run "
        "uncached, compiled afresh in each run (a few seconds); set NUMBA_CACHE_DIR to "
        "a writable folder to keep them",
        RuntimeWarning,
        stacklevel=3,
    )
    os.environ["DSC_ECON_NUMBA_CACHE"] = "0"
    return importlib.import_module(name)
