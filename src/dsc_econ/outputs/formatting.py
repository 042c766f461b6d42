"""Numbers as a board reads them: money, ratios, probabilities and p-values as text.

Every table and figure of the board report formats its numbers through these functions,
so one rule holds everywhere:

* money is in £, thousands as ``£k`` and millions as ``£m``, with a true minus sign
  (``−£1.2m``), a plus sign where the sign carries meaning (NPV), and never a ``£0k``
  that hides a small non-zero amount;
* a benefit-cost ratio is only a size when benefits are positive; with negative benefits
  the cell says so (:data:`NEGATIVE_BENEFITS`) and the NPV beside it gives the size;
* a probability estimated from samples is never shown as a false 100% or 0%: beyond
  99.9% it reads ``>99.9%``, below 0.1% ``<0.1%``;
* a p-value is given to three decimals, or as ``p < 0.001``, or with the comparator its
  source printed (``p < 0.01``).

Pure functions of numbers (no matplotlib, no I/O).
"""

from __future__ import annotations

import math

__all__ = [
    "MINUS",
    "NEGATIVE_BENEFITS",
    "NEGATIVE_BENEFITS_MEANING",
    "format_bcr",
    "format_bcr_interval",
    "format_bounded_share",
    "format_money",
    "format_multiplier",
    "format_npv_m",
    "format_probability",
    "format_pvalue",
    "format_range",
    "format_share",
    "probability_phrase",
    "probability_statement",
]

MINUS = "−"
"""U+2212, the typographic minus sign (a hyphen reads as a dash in a table)."""

NEGATIVE_BENEFITS = "negative benefits"
"""What a BCR cell says when benefits are below zero (the ratio has no size then)."""

NEGATIVE_BENEFITS_MEANING = (
    "Negative benefits: the site's outcomes moved the wrong way against its comparison "
    "area (fewer clients in effective treatment or completing than the comparison "
    "implies), so the model values the change as harm added rather than avoided. A "
    "ratio of negative benefits to costs has no meaningful size; the NPV shows how far "
    "the site falls short."
)
"""One sentence for a table note wherever :data:`NEGATIVE_BENEFITS` can appear."""


def _sign(value: float, signed: bool) -> str:
    if value < 0:
        return MINUS
    return "+" if signed and value > 0 else ""


def format_money(thousands: float, signed: bool = False) -> str:
    """£ thousand as short text: ``£850``, ``£12k``, ``£1.2m``, ``−£38.1m``.

    Parameters
    ----------
    thousands : float
        An amount in £ thousand (the unit of the package's tables).
    signed : bool
        Prefix positive amounts with ``+`` (for NPVs and changes, where the sign is the
        message).

    Returns
    -------
    str
        Under £1k the amount in pounds (so a small amount never shows as ``£0k``);
        under £1m in £k; otherwise in £m to one decimal. Zero is ``£0``.

    Examples
    --------
    >>> format_money(0), format_money(0.35), format_money(12.4), format_money(-38_093)
    ('£0', '£350', '£12k', '−£38.1m')
    >>> format_money(20_330, signed=True)
    '+£20.3m'
    """
    if not math.isfinite(thousands):
        return "n/a"
    size = abs(thousands)
    if size >= 999.95:
        body = f"£{size / 1000:,.1f}m"
    elif size >= 0.9995:
        body = f"£{size:,.0f}k"
    else:
        pounds = round(size * 1000)
        if pounds == 0:
            return "£0"
        body = f"£{pounds:,.0f}"
    return _sign(thousands, signed) + body


def format_npv_m(thousands: float) -> str:
    """An NPV in £ million, signed: ``+£2.03m``, ``−£0.35m``, ``£0.00m``.

    Two decimals under £10m, one above, so every site in a table reads in one unit.

    Examples
    --------
    >>> format_npv_m(20_330), format_npv_m(-348), format_npv_m(-38_093)
    ('+£20.3m', '−£0.35m', '−£38.1m')
    """
    if not math.isfinite(thousands):
        return "n/a"
    m = thousands / 1000
    text = f"{abs(m):,.1f}" if abs(m) >= 9.995 else f"{abs(m):,.2f}"
    if float(text.replace(",", "")) == 0:
        return f"£{text}m"
    return _sign(m, True) + f"£{text}m"


def format_bcr(bcr: float) -> str:
    """A benefit-cost ratio, or :data:`NEGATIVE_BENEFITS` when it is below zero.

    Examples
    --------
    >>> format_bcr(110.88), format_bcr(1.514), format_bcr(-69.4)
    ('111', '1.5', 'negative benefits')
    """
    if not math.isfinite(bcr):
        return "n/a"
    if bcr < 0:
        return NEGATIVE_BENEFITS
    return f"{bcr:,.1f}" if bcr < 99.95 else f"{bcr:,.0f}"


def format_bcr_interval(low: float, high: float) -> str:
    """An interval of BCRs in words where benefits turn negative.

    Examples
    --------
    >>> format_bcr_interval(0.8, 2.31)
    '0.8 to 2.3'
    >>> format_bcr_interval(-3.0, 2.31)
    'negative benefits to 2.3'
    >>> format_bcr_interval(-9.0, -3.0)
    'negative benefits throughout'
    """
    if high < 0:
        return f"{NEGATIVE_BENEFITS} throughout"
    return f"{format_bcr(low)} to {format_bcr(high)}"


def format_probability(p: float) -> str:
    """A probability (0 to 1) as a percentage that never claims certainty.

    A share of Monte Carlo samples of 1 or 0 means "every sample", not certainty, so
    anything beyond 99.9% reads ``>99.9%`` and anything below 0.1% (zero included)
    ``<0.1%``. Between 2% and 98% whole percents; nearer the ends one decimal.

    Examples
    --------
    >>> [format_probability(p) for p in (1.0, 0.9996, 0.995, 0.62, 0.004, 0.0)]
    ['>99.9%', '>99.9%', '99.5%', '62%', '0.4%', '<0.1%']
    """
    if not math.isfinite(p) or not 0 <= p <= 1:
        raise ValueError(f"a probability must lie in [0, 1], got {p}")
    if p > 0.999:
        return ">99.9%"
    if p < 0.001:
        return "<0.1%"
    if 0.02 <= p <= 0.98:
        return f"{p:.0%}"
    return f"{p:.1%}"


def probability_statement(p: float) -> str:
    """The tail of ``P(...) = 62%``: ``"= 62%"``, or ``"> 99.9%"`` with no ``=``.

    Examples
    --------
    >>> "P(BCR > 1) " + probability_statement(0.62)
    'P(BCR > 1) = 62%'
    >>> "P(BCR > 1) " + probability_statement(1.0)
    'P(BCR > 1) > 99.9%'
    """
    text = format_probability(p)
    return f"{text[0]} {text[1:]}" if text[0] in "<>" else f"= {text}"


def probability_phrase(p: float) -> str:
    """A probability for a sentence: ``"62%"``, ``"over 99.9%"``, ``"under 0.1%"``.

    Examples
    --------
    >>> probability_phrase(1.0), probability_phrase(0.0), probability_phrase(0.62)
    ('over 99.9%', 'under 0.1%', '62%')
    """
    text = format_probability(p)
    return {">": "over ", "<": "under "}.get(text[0], "") + text.lstrip("<>")


def format_pvalue(p: float, comparator: str | None = None) -> str:
    """A p-value as text: ``p = 0.032``, ``p < 0.001``, or as its source printed it.

    Parameters
    ----------
    p : float
        The p-value.
    comparator : str, optional
        ``"<"`` or ``">"`` when the source gives only a bound (e.g. ``p<0.01`` in the
        report's tables); the bound is then shown as printed.

    Examples
    --------
    >>> format_pvalue(0.0321), format_pvalue(0.00004), format_pvalue(0.01, "<")
    ('p = 0.032', 'p < 0.001', 'p < 0.01')
    >>> format_pvalue(0.5)
    'p = 0.50'
    """
    if not math.isfinite(p) or not 0 <= p <= 1:
        raise ValueError(f"a p-value must lie in [0, 1], got {p}")
    if comparator in ("<", ">", "<=", ">="):
        return f"p {comparator} {p:g}"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def format_multiplier(low: float, high: float) -> str:
    """The range of a multiplier applied to an input: ``×0.78 to ×1.28``.

    Examples
    --------
    >>> format_multiplier(0.7814, 1.2797)
    '×0.78 to ×1.28'
    """
    return f"×{low:.2f} to ×{high:.2f}"


def format_range(low: float, high: float, unit: str) -> str:
    """The range an input is moved over, in its unit (a name of ``dsc_econ.UNITS``).

    Shares and rates as percentages, differences of shares in percentage points, money
    in £, years to one decimal.

    Examples
    --------
    >>> format_range(0.4148, 0.5106, "proportion")
    '41.5% to 51.1%'
    >>> format_range(-0.0521, -0.0162, "proportion_change")
    '−5.2 to −1.6 points'
    >>> format_range(3.387, 5.452, "years")
    '3.4 to 5.5 years'
    >>> format_range(2300.1, 3776.6, "GBP_per_client_year")
    '£2,300 to £3,777'
    """

    def num(v: float, fmt: str) -> str:
        return (MINUS if v < 0 else "") + format(abs(v), fmt)

    if unit in ("proportion", "rate_per_year", "p_value"):
        return f"{num(100 * low, '.1f')}% to {num(100 * high, '.1f')}%"
    if unit == "proportion_change":
        return f"{num(100 * low, '.1f')} to {num(100 * high, '.1f')} points"
    if unit.startswith("GBP"):
        scale = {"GBP_thousand": "k", "GBP_million": "m"}.get(unit, "")

        def pounds(v: float) -> str:
            return (MINUS if v < 0 else "") + f"£{abs(v):,.0f}{scale}"

        return f"{pounds(low)} to {pounds(high)}"
    if unit == "years":
        return f"{num(low, '.1f')} to {num(high, '.1f')} years"
    return f"{num(low, '.3g')} to {num(high, '.3g')} {unit.replace('_', ' ')}"


def format_share(p: float, decimals: int = 1) -> str:
    """A probability as a percentage with one fixed precision, bounded at the ends.

    For a column of probabilities (P(BCR > 1), P(best)) every cell has the same number
    of decimals; a share of samples beyond the last shown step reads ``>99.9%`` (or
    ``<0.1%``), never ``100.0%`` or ``0.0%``, which would claim certainty.

    Examples
    --------
    >>> [format_share(p) for p in (1.0, 0.9996, 0.995, 0.62, 0.0)]
    ['>99.9%', '>99.9%', '99.5%', '62.0%', '<0.1%']
    >>> format_share(1.0, 0), format_share(0.5, 0)
    ('>99%', '50%')
    """
    if not math.isfinite(p) or not 0 <= p <= 1:
        raise ValueError(f"a probability must lie in [0, 1], got {p}")
    step = 10.0 ** (-decimals)
    if 100 * p > 100 - step:
        return f">{100 - step:.{decimals}f}%"
    if 100 * p < step:
        return f"<{step:.{decimals}f}%"
    return f"{100 * p:.{decimals}f}%"


def format_bounded_share(share: float, within_error: bool = True) -> str:
    """A share of a bound (EVPPI of EVPI) whose estimate can stray past 0% or 100%.

    EVPPI cannot exceed EVPI nor fall below zero; an estimate beyond either is
    estimation error (regression noise on a finite sample), shown as such rather than as
    an impossible share. ``within_error`` says whether the excess lies within the
    estimates' standard errors; if not, the estimate is printed too.

    Examples
    --------
    >>> format_bounded_share(0.62), format_bounded_share(1.57)
    ('62%', '≈ 100%, within estimation error')
    >>> format_bounded_share(16.5, within_error=False)
    '≈ 100% (estimate 1650%: estimation error)'
    >>> format_bounded_share(-0.02)
    '≈ 0%, within estimation error'
    """
    if not math.isfinite(share):
        return "n/a"
    if 0 <= share <= 1:
        return f"{share:.0%}"
    edge = "100%" if share > 1 else "0%"
    if within_error:
        return f"≈ {edge}, within estimation error"
    return f"≈ {edge} (estimate {share:.0%}: estimation error)"
