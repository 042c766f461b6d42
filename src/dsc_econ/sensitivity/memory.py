"""Memory budget of an analysis, checked before it starts.

Every sample-size option (``psa --n``, ``sobol --n``, ``morris --trajectories``, spider
``--points``, ``report --n-psa/--n-sobol``) sets how many rows are held in memory at
once. :func:`check_memory` estimates the peak from the row count and refuses, with the
estimate and the alternative, when it exceeds :data:`MEMORY_FRACTION` of the memory
available now, instead of letting the run die later with a ``MemoryError`` or be killed
by the operating system.

The estimates are simple sums of the arrays an analysis keeps (8 bytes a float) plus
:data:`EVALUATION_BYTES_PER_ROW` for one evaluation slice's temporaries. They are meant
to be right within a factor of two, which is what a go/no-go check needs; the tests
compare them with the peak ``tracemalloc`` measures for Monte Carlo runs with and
without kept samples and for a Sobol run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "EVALUATION_BYTES_PER_ROW",
    "MEMORY_FRACTION",
    "MemoryBudgetError",
    "available_memory",
    "budget",
    "check_memory",
    "format_bytes",
    "largest",
    "morris_bytes",
    "psa_bytes",
    "sobol_bytes",
    "spider_bytes",
]

MEMORY_FRACTION = 0.5
"""Share of the currently available memory one analysis may plan to use."""

EVALUATION_BYTES_PER_ROW = 1200
"""Peak temporaries of :func:`~dsc_econ.sensitivity.engine.evaluate` per row evaluated
at once (measured 1.16 kB with ``tracemalloc`` on the numpy path; the engine evaluates
8,192-row slices)."""

_FLOAT = 8
_OUTPUTS = 4  # npv, bcr, total_benefit, cost
_DRAW_BLOCK = 2**16  # engine.BLOCK (rows drawn at once)
_BLOCK = 2**13  # engine.EVAL_ROWS (rows evaluated at once); kept here to avoid a cycle


class MemoryBudgetError(ValueError):
    """An analysis would need more memory than the budget allows; the message gives
    the estimate, the budget and the alternative."""


def format_bytes(n: float) -> str:
    """Bytes as text: ``'1.5 GB'``.

    >>> format_bytes(1.5e9), format_bytes(2048)
    ('1.5 GB', '2.0 kB')
    """
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def _parse_bytes(text: str) -> int:
    """``'4GB'``, ``'512 MB'``, ``'1e9'`` as a number of bytes."""
    raw = text.strip().upper().replace(" ", "")
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if raw.endswith(unit):
            return int(float(raw[: -len(unit)]) * size)
    return int(float(raw.removesuffix("B")))


def available_memory() -> int:
    """Bytes of memory available now.

    ``DSC_ECON_MEMORY`` (e.g. ``4GB``) overrides it, for a shared machine or a
    container whose limit the system figures do not show; otherwise ``MemAvailable``
    from ``/proc/meminfo`` (Linux) or free physical pages (``os.sysconf``).
    """
    explicit = os.environ.get("DSC_ECON_MEMORY")
    if explicit:
        try:
            return _parse_bytes(explicit)
        except ValueError:
            raise MemoryBudgetError(
                f"DSC_ECON_MEMORY={explicit!r} is not an amount of memory (e.g. 4GB)"
            ) from None
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - other systems
        return 8 * 10**9


def _evaluation(rows: int) -> int:
    return min(rows, _BLOCK) * EVALUATION_BYTES_PER_ROW


def psa_bytes(n: int, columns: int, sites: int, keep_samples: bool = True) -> int:
    """In-memory Monte Carlo.

    With ``keep_samples`` the run keeps the value matrix, its unit-hypercube rows and the
    physical draws (about three matrices of ``n x columns``) and four outputs per site;
    without, only NPV and BCR per site (and one column copied at a time for the
    quantiles). Either way two blocks of draws may be in flight (drawn and evaluated on
    two threads), each with its parameter overrides."""
    held = 3 * columns + _OUTPUTS * sites if keep_samples else 2 * sites + 1
    in_flight = 2 * min(n, _DRAW_BLOCK) * columns * _FLOAT * 2  # values and overrides
    return n * _FLOAT * held + in_flight + 2 * _evaluation(n)


def sobol_bytes(
    n: int, factors: int, columns: int, sites: int, second_order: bool, resamples: int
) -> int:
    """Saltelli design of ``n (D + 2)`` rows (``n (2D + 2)``), streamed a block of
    4,096 base rows at a time, so only one design block is held; its NPV and BCR per
    site (twice: kept, then stacked for the estimators) and the bootstrap's index and
    count matrices (``n x resamples`` each) with the per-factor terms."""
    per_base = 2 * factors + 2 if second_order else factors + 2
    rows = n * per_base
    outputs = 2 * rows * 2 * sites * _FLOAT
    design_block = min(n, 4096) * per_base * columns * _FLOAT
    bootstrap = 2 * n * resamples * _FLOAT + 4 * n * 2 * sites * _FLOAT
    return outputs + design_block + bootstrap + _evaluation(min(rows, 2**13))


def morris_bytes(trajectories: int, factors: int, columns: int, sites: int) -> int:
    """Morris design of ``r (D + 1)`` rows (held twice: raw and centred) and outputs."""
    rows = trajectories * (factors + 1)
    return rows * _FLOAT * (2 * columns + _OUTPUTS * sites) + _evaluation(rows)


def spider_bytes(points: int, inputs: int, columns: int, sites: int) -> int:
    """Spider grid: ``inputs x points`` rows evaluated in one go."""
    rows = points * inputs
    return rows * (_FLOAT * (columns + _OUTPUTS * sites) + EVALUATION_BYTES_PER_ROW)


def check_memory(needed: int, what: str, alternative: str) -> None:
    """Raise :class:`MemoryBudgetError` when ``needed`` bytes exceed
    :data:`MEMORY_FRACTION` of :func:`available_memory`.

    Parameters
    ----------
    needed : int
        Estimated peak bytes.
    what : str
        The analysis and its size, e.g. ``"psa with n = 100,000,000"``.
    alternative : str
        What to do instead (the chunked option, a smaller size).
    """
    available = available_memory()
    budget = int(available * MEMORY_FRACTION)
    if needed > budget:
        raise MemoryBudgetError(
            f"{what} would need about {format_bytes(needed)} of memory, more than the "
            f"{format_bytes(budget)} allowed ({MEMORY_FRACTION:.0%} of the "
            f"{format_bytes(available)} available; set DSC_ECON_MEMORY to change it); "
            f"{alternative}"
        )


def largest(size_of: Callable[[int], int], limit: int, start: int = 1) -> int:
    """Largest integer ``k >= start`` with ``size_of(k) <= limit`` (bisection; sizes
    rise with ``k``), for the message's "at most" figure; ``start - 1`` if even
    ``start`` does not fit.

    >>> largest(lambda k: 10 * k, 95)
    9
    """
    if size_of(start) > limit:
        return start - 1
    lo, hi = start, start
    while size_of(hi) <= limit:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if size_of(mid) <= limit:
            lo = mid
        else:
            hi = mid
    return lo


def budget() -> int:
    """The bytes one analysis may plan to use now."""
    return int(available_memory() * MEMORY_FRACTION)
