"""Time and memory of a large analysis, said before it starts.

A request inside every bound (:mod:`dsc_econ.inputs.limits`) can still take an hour:
``sensitivity psa --n 100000000`` is legal. Before such a run starts, one line on
stderr says what to expect, e.g. ``about 40 s and 1.2 GB for 10,000,000 samples of 7
sites``, so the user can stop it at once rather than wait to find out; and a run whose
memory would exceed the budget of :mod:`.memory` is refused before any work, naming
the option that sets its size.

Time comes from per-row rates measured on this package's model (numba kernels, one
core free, ``benchmarks/sites_scaling.py`` and ``benchmarks/bench_voi.py``): the work of
one sample is linear in the number of sites and of uncertain columns (issue 18 made it
so), a payback sample in sites times horizon years, and value of information in
samples times input groups times decisions. The rates are deliberately on the slow
side; the figure is an order of magnitude, which is all a "shall I wait?" needs.
Memory comes from the estimates of :mod:`.memory`, the same ones the analyses check.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from . import memory

__all__ = [
    "ANNOUNCE_BYTES",
    "ANNOUNCE_SECONDS",
    "Estimate",
    "announce",
    "morris_estimate",
    "payback_estimate",
    "psa_estimate",
    "report_estimate",
    "sobol_estimate",
    "voi_estimate",
    "voi_table_estimate",
]

SECONDS_PER_ROW_UNIT = 4e-7
"""Seconds per evaluated row per site and per uncertain column: 200,000 samples of the
DSCP appraisal (6 sites, 27 columns) take 1.1 s, 2,000 of a 300-site project (609
columns) 0.6 s, i.e. 1.7e-7 and 3.4e-7 (measured 2026-12, shared 2-core machine)."""

SECONDS_PER_PAYBACK_UNIT = 4e-7
"""Seconds per payback sample per site (and the programme row) per horizon year:
6,000 samples of 7 rows over 30 years took 0.38 s (3e-7)."""

SECONDS_PER_VOI_UNIT = 6e-5
"""Seconds per value-of-information sample per input group per decision: 1,000
samples of 16 groups and 7 decisions took 9 s (8e-5, the fixed part included); the
issue's target was about 60 s at 10,000 samples."""

REPORT_SECONDS = 7.0
"""Figures, HTML and PDF of a board report beyond its analyses: the DSCP report with
its defaults (20,000 Monte Carlo samples, 4,096 Sobol base samples) took 9.2 s in all,
7.6 s without the PDF (2026-12-04, shared 2-core machine), nearly all of it charts and
printing."""

START_SECONDS = 2.0
"""Fixed start-up of an analysis (imports, compiling or loading the kernels)."""

ANNOUNCE_SECONDS = 10.0
"""An estimate is printed when the run should take longer than this..."""

ANNOUNCE_BYTES = 10**9
"""...or use more memory than this."""

_DRAW_BLOCK = 2**16  # engine.BLOCK
_CHUNKED_ABOVE = 16 * _DRAW_BLOCK  # psa runs chunked by default above this


@dataclass(frozen=True)
class Estimate:
    """Expected seconds and peak bytes of one run, and what it is (for the message)."""

    seconds: float
    bytes: int
    rows: int
    what: str
    sites: int
    of: str = "site"
    """What ``sites`` counts: sites of a programme, or options of a user's decision."""

    def text(self) -> str:
        """``about 40 s and 1.2 GB for 10,000,000 samples of 7 sites``."""
        return (
            f"about {_duration(self.seconds)} and {memory.format_bytes(self.bytes)} for "
            f"{self.rows:,} {self.what} of {self.sites:,} "
            f"{self.of}{'s' * (self.sites != 1)}"
        )


def _duration(seconds: float) -> str:
    """``'40 s'``, ``'12 min'``, ``'3.5 h'``, ``'2.0 days'``.

    >>> _duration(0.4), _duration(42), _duration(720), _duration(12600), _duration(2e5)
    ('1 s', '42 s', '12 min', '3.5 h', '2.3 days')
    """
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _rows_seconds(rows: int, sites: int, columns: int) -> float:
    return START_SECONDS + rows * (sites + columns) * SECONDS_PER_ROW_UNIT


def psa_estimate(
    n: int, columns: int, sites: int, keep_samples: bool, chunked: bool | None = None
) -> Estimate:
    """Monte Carlo of ``n`` samples (:func:`~.probabilistic.psa`): in memory as
    :func:`.memory.psa_bytes`; chunked, memory stays at a few blocks."""
    chunked = n > _CHUNKED_ABOVE if chunked is None else chunked
    held = min(n, 2 * _DRAW_BLOCK) if chunked else n
    need = memory.psa_bytes(held, columns, sites, keep_samples and not chunked)
    return Estimate(_rows_seconds(n, sites, columns), need, n, "samples", sites)


def sobol_estimate(
    n: int, factors: int, columns: int, sites: int, second_order: bool, resamples: int
) -> Estimate:
    """Sobol indices: ``n (D + 2)`` model runs (``n (2D + 2)`` with second order)."""
    rows = n * (2 * factors + 2 if second_order else factors + 2)
    need = memory.sobol_bytes(n, factors, columns, sites, second_order, resamples)
    return Estimate(_rows_seconds(rows, sites, columns), need, rows, "model runs", sites)


def morris_estimate(trajectories: int, factors: int, columns: int, sites: int) -> Estimate:
    """Morris screening: ``r (D + 1)`` model runs."""
    rows = trajectories * (factors + 1)
    need = memory.morris_bytes(trajectories, factors, columns, sites)
    return Estimate(_rows_seconds(rows, sites, columns), need, rows, "model runs", sites)


def voi_estimate(n: int, columns: int, groups: int, sites: int) -> Estimate:
    """Value of information: the Monte Carlo (samples kept) and one regression per
    input group and decision (each site and the programme) over every sample."""
    decisions = sites + 1
    seconds = (
        _rows_seconds(n, sites, columns) + n * groups * decisions * SECONDS_PER_VOI_UNIT
    )
    need = memory.psa_bytes(n, columns, sites, True) + n * 8 * 64 * 3  # design, fit
    return Estimate(seconds, need, n, "samples", sites)


def voi_table_estimate(
    n: int, columns: int, groups: int, options: int, wtp: int
) -> Estimate:
    """Value of information from a user's own PSA table (``dsc-econ voi``): one
    regression per input group, option and willingness to pay over every sample; the
    tables held in memory with each fit's design."""
    fits = groups * max(options - 1, 1) * max(wtp, 1)
    seconds = START_SECONDS + n * fits * SECONDS_PER_VOI_UNIT
    need = n * 8 * (columns + 2 * options * max(wtp, 1)) + n * 8 * 64 * 3
    return Estimate(seconds, need, n, "samples", options, "option")


def report_estimate(
    n_psa: int, n_sobol: int, factors: int, columns: int, sites: int, pdf: bool = True
) -> Estimate:
    """A board report: its Monte Carlo (every draw kept for the charts), its Sobol
    design, and the figures, HTML and PDF (:data:`REPORT_SECONDS`; a little less
    without the PDF). Memory is the larger of the two analyses, which run in turn."""
    mc = psa_estimate(n_psa, columns, sites, True, chunked=False)
    sobol = sobol_estimate(n_sobol, factors, columns, sites, False, 100)
    seconds = mc.seconds + sobol.seconds + REPORT_SECONDS * (1.0 if pdf else 0.8)
    return Estimate(
        seconds,
        max(mc.bytes, sobol.bytes),
        n_psa,
        f"Monte Carlo samples and {n_sobol:,} Sobol base samples",
        sites,
    )


def payback_estimate(
    n: int, columns: int, sites: int, horizon: int, within: int
) -> Estimate:
    """Monte Carlo of the cash flows (``cashflow --psa``): the unit matrix and, per
    site and the programme row, the NPV, BCR and two payback years of every sample,
    the yearly flows of one block, and the ``within`` comparisons."""
    rows = sites + 1
    seconds = START_SECONDS + n * rows * horizon * SECONDS_PER_PAYBACK_UNIT
    block = min(n, _DRAW_BLOCK)
    need = (
        n * 8 * (2 * columns + 6 * rows)
        + block * rows * horizon * 8 * 6
        + n * rows * max(within, 1) * 2
    )
    return Estimate(seconds, need, n, "samples", sites)


def announce(
    estimate: Estimate,
    option: str,
    alternative: str | None = None,
    stream: TextIO | None = None,
) -> None:
    """Refuse a run whose memory exceeds the budget, naming ``option``; print the
    estimate on ``stream`` (stderr) when the run is large but allowed.

    Raises
    ------
    MemoryBudgetError
        ``option`` (e.g. ``--n 1,000,000,000``) would need more memory than
        :func:`.memory.budget` allows.
    """
    allowed = memory.budget()
    alternative = alternative or f"use a smaller {option.split()[0]}"
    if estimate.bytes > allowed:
        raise memory.MemoryBudgetError(
            f"{option}: {estimate.rows:,} {estimate.what} of {estimate.sites:,} "
            f"{estimate.of}(s) "
            f"would need about {_duration(estimate.seconds)} and "
            f"{memory.format_bytes(estimate.bytes)} of memory, more than the "
            f"{memory.format_bytes(allowed)} allowed ({memory.MEMORY_FRACTION:.0%} of "
            f"the {memory.format_bytes(memory.available_memory())} available; "
            f"DSC_ECON_MEMORY sets it); {alternative}"
        )
    if estimate.seconds > ANNOUNCE_SECONDS or estimate.bytes > ANNOUNCE_BYTES:
        print(f"dsc-econ: {estimate.text()} ({option})", file=stream or sys.stderr)
