"""Upper bounds on every size a run can ask for, in one place, checked on the way in.

A size that is legal but absurd (``--n 1000000000000``, a 3-million-year career, a
horizon of 10^9 years) would run until killed or until memory runs out, with a message
that names no option. Each bound here is far above any real appraisal and far below
what hangs the machine; it is checked before the work starts, and the refusal names the
option or the parameter file and key. README "What happens with bad input" lists them.

The bounds are plain constants so a test, a notebook or a wrapper can read them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "KEY_LIMITS",
    "MAX_CAREER_YEARS",
    "MAX_COST_YEARS",
    "MAX_EXPRESSION_CHARS",
    "MAX_GROUPS",
    "MAX_POINTS",
    "MAX_RESAMPLES",
    "MAX_RESULT",
    "MAX_SAMPLES",
    "MAX_SCALE",
    "MAX_SD_LOG",
    "MAX_SEED",
    "MAX_SITES",
    "MAX_SOBOL_BASE",
    "MAX_TRAJECTORIES",
    "MAX_TREE_BRANCHES",
    "MAX_TREE_DEPTH",
    "MAX_TREE_NODES",
    "MAX_VOI_SAMPLES",
    "MAX_YEARS",
    "MIN_VOI_SAMPLES",
    "check_count",
    "check_key",
]

MAX_SAMPLES = 100_000_000
"""Monte Carlo samples (``sensitivity psa --n``, ``cashflow --psa``, ``report --n-psa``):
10^8 streamed samples take hours on a laptop; more is a typing slip."""

MAX_VOI_SAMPLES = 10_000_000
"""Samples of ``sensitivity voi --n`` (the regression holds every sample in memory)."""

MIN_VOI_SAMPLES = 100
"""Fewest samples for value of information: EVPI's standard error and the EVPPI
regression (a smoother with several terms per input group) need far more samples than
terms; below this a fit explains noise (R² = 1 with two samples)."""

MAX_SOBOL_BASE = 2**22
"""Sobol base samples (``--n``, ``--n-sobol``; a power of two)."""

MAX_TRAJECTORIES = 100_000
"""Morris trajectories."""

MAX_POINTS = 1_001
"""Spider grid points (``oneway --points``)."""

MAX_RESAMPLES = 100_000
"""Bootstrap resamples of Sobol intervals."""

MAX_YEARS = 1_000
"""Years of a horizon (``cashflow.horizon``, ``stockflow.horizon``, ``--horizon``,
``--within``): the Green Book's long-horizon schedule ends at 301+ years."""

MAX_CAREER_YEARS = 200
"""Years of a misuse career (``career.years_in_treatment``, ``years_after_treatment``,
``years_before_treatment``): longer than any human life. The harm profile is evaluated
year by year, so time grows with the career length."""

MAX_COST_YEARS = 50
"""Most project years of costs a site may have (``costs.year_1`` ... ``costs.year_50``,
or the ``year`` column of a costs table)."""

MAX_SD_LOG = 20.0
"""Largest ``sd_log`` of a lognormal: at 20 its 99% interval spans a factor of 10^44;
beyond about 100 its extreme quantiles overflow to inf (and NPVs to NaN)."""

MAX_SITES = 3_000
"""Sites of a programme (site files, ``--sites``). The work is linear in the number of
sites (``benchmarks/sites_scaling.py``: 3,000 sites appraise in about a second), so the
bound is the size of the parameter folder: one file per site, read and validated at
every load (about 2 ms a site with libyaml: 1,000 sites load in 2.3 s, measured
2026-12-04; before, the site checks rescanned every key for each site and loading
grew with the square of the sites)."""

MAX_TREE_NODES = 500
"""Nodes of a pathway tree (``tree.yaml``): Figure C1.1 has 10; a tree by modality,
substance and exit route has a few dozen."""

MAX_TREE_DEPTH = 30
"""Levels of a pathway tree from its root to its deepest terminal (Figure C1.1: 4)."""

MAX_TREE_BRANCHES = 50
"""Branches of one node of a pathway tree."""

MAX_EXPRESSION_CHARS = 500
"""Characters of one branch probability expression of a pathway tree."""

MAX_GROUPS = 10_000
"""Inputs and input groups of an uncertainty file: room for the file ``dsc-econ new``
writes for :data:`MAX_SITES` sites (two inputs a site, the DiD and the costs, besides
the shared ones)."""

MAX_RESULT = 1e15
"""Largest magnitude of a printed result (money in £ thousand: 10^15 £k is ten thousand
times world output). A larger one comes from an input typed wrongly (1e308 for a cost),
and would print as ``inf`` once rounded; the CLI refuses it, naming the large inputs."""

MAX_SCALE = 100.0
"""Largest ``records synthesize --scale``: 100 times the pilots' counts is about ten
million journey rows, a few GB in memory."""

MAX_SEED = 2**63 - 1
"""Largest random seed (seeds are whole numbers from 0)."""

KEY_LIMITS: dict[str, tuple[float, float, bool]] = {
    "cashflow.horizon": (1, MAX_YEARS, True),
    "stockflow.horizon": (1, MAX_YEARS, True),
    "career.years_before_treatment": (0, MAX_CAREER_YEARS, False),
    "career.years_in_treatment": (0, MAX_CAREER_YEARS, False),
    "career.years_after_treatment": (0, MAX_CAREER_YEARS, False),
}
"""Parameter key -> (lowest, highest, whole numbers only), checked when a parameter
file is loaded and on every ``--set`` (a horizon of 30.7 years is refused, not cut)."""


def check_key(name: str, value: Any, where: str) -> None:
    """Refuse a value of a bounded parameter key (:data:`KEY_LIMITS`) with a
    ``ValueError`` naming ``where`` (file and key, or ``--set``) and the value."""
    limit = KEY_LIMITS.get(name)
    if limit is None:
        return
    low, high, integer = limit
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return  # the unit check names it
    if arr.size == 0:
        return
    if integer and np.any(arr != np.round(arr)):
        bad = float(arr[arr != np.round(arr)].ravel()[0])
        raise ValueError(f"{where}: {bad!r} is not a whole number of years")
    out = (arr < low) | (arr > high)
    if np.any(out):
        bad = float(arr[out].ravel()[0])
        raise ValueError(
            f"{where}: {bad:g} is outside {low:g} to {high:,g} (the bound of {name}; "
            "README: What happens with bad input)"
        )


def check_count(value: Any, option: str, low: int, high: int | None) -> int:
    """A whole number option in ``[low, high]``; ``ValueError`` naming ``option``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{option} must be a whole number, got {value!r}")
    number = int(value)
    if number < low:
        raise ValueError(f"{option} must be at least {low:,}, got {number:,}")
    if high is not None and number > high:
        raise ValueError(
            f"{option} {number:,} is above the bound of {high:,} (README: What happens "
            "with bad input)"
        )
    return number
