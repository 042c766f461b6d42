"""The economic case as the Green Book presents it: NPSV, BCR, switching values, VfM.

One object, :class:`EconomicCase`, built by :func:`economic_case` from a parameter set
(any project's, not only the DSCP pilots'):

* the net present social value (NPSV = present value of benefits less present value of
  costs) and the benefit-cost ratio of the chosen sites together, in the appraisal's
  price base (``appraisal.price_base``), with their uncertainty intervals when the
  caller passes probabilistic samples (``dsc-econ appraise --psa N`` runs one; the
  model wing does not import the sensitivity wing);
* switching values: how far each of the inputs that matter most must move, alone, to
  turn the NPSV to zero (all benefits and all costs as wholes, then the model inputs
  with the smallest switching change), found on one vectorised scan per input (the
  values ride the sample dimension: no per-value Python loop);
* the unmonetised effects, from the set's ``narrative.yaml`` (entries whose key starts
  ``unmonetised``) and the streams the parameters keep out of the BCR;
* a value-for-money statement in the HM Treasury Green Book's economic-case terms
  (NPSV and BCR read with the switching values and the unmonetised effects, not the
  BCR alone), and, named as the Department for Transport's, the DfT value-for-money
  category of the BCR.

References
----------
HM Treasury (2026), *The Green Book: Central Government Guidance on Appraisal and
Evaluation*: the economic case reports the NPSV and BCR in real terms, discounted,
with switching values and unmonetised impacts beside them.
Department for Transport (2015), *Value for Money Framework*: BCR bands Very Poor
(below 0), Poor (0 to 1), Low (1 to 1.5), Medium (1.5 to 2), High (2 to 4), Very High
(4 and above). DfT's categories, for transport; shown for readers who use them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..inputs.parameters import UNITS, ParameterError
from ..inputs.prices import deflator_note, price_label
from .appraisal import appraisal_totals, resolve_sites

__all__ = [
    "DFT_VFM",
    "SWITCHING_CANDIDATES",
    "EconomicCase",
    "Switch",
    "dft_category",
    "economic_case",
    "switching_candidates",
]

DFT_VFM: tuple[tuple[float, str], ...] = (
    (4.0, "Very High"),
    (2.0, "High"),
    (1.5, "Medium"),
    (1.0, "Low"),
    (0.0, "Poor"),
    (-np.inf, "Very Poor"),
)
"""DfT Value for Money Framework (2015) BCR bands: the lowest BCR of each category."""

SWITCHING_CANDIDATES: tuple[str, ...] = (
    "harms.untreated.total",
    "harms.in_treatment.total",
    "harms.abstinent.decay_rate",
    "career.years_in_treatment",
    "career.years_after_treatment",
    "treatment.annual_cost",
    "appraisal.benefit_share",
    "appraisal.optimism_bias",
    "discounting.rate",
    "discounting.health_rate",
)
"""Model inputs searched for switching values (those a set has and uses), with the
parameter keys of the folder's pathway tree after ``harms.abstinent.decay_rate``
(:func:`switching_candidates`: ``pathways.gamma`` among them for Figure C1.1, a
user's own branch probabilities for their tree)."""


def switching_candidates(params: Any) -> tuple[str, ...]:
    """:data:`SWITCHING_CANDIDATES` with the keys the parameter folder's tree reads
    (sorted) after ``harms.abstinent.decay_rate``; inputs the appraisal does not move
    are dropped later."""
    from .tree import tree_for

    at = SWITCHING_CANDIDATES.index("harms.abstinent.decay_rate") + 1
    names = sorted(tree_for(params).names - set(SWITCHING_CANDIDATES))
    return (*SWITCHING_CANDIDATES[:at], *names, *SWITCHING_CANDIDATES[at:])


_GRID = 801
_MAX_SCALE = 50.0


def dft_category(bcr: float) -> str:
    """The DfT value-for-money category of a BCR (DfT's, not the Green Book's)."""
    for low, name in DFT_VFM:
        if bcr >= low:
            return name
    return DFT_VFM[-1][1]


@dataclass(frozen=True)
class Switch:
    """How far one input must move, alone, for the NPSV to reach zero."""

    name: str
    label: str
    base: float
    value: float | None  # the switching value; None: no value in range turns it
    change: float | None  # (value - base) / base, None when base is 0 or no value
    unit: str

    def text(self) -> str:
        """One short line: ``harm untreated: 55,127 -> 21,480 (-61%)``."""
        if self.value is None:
            return f"{self.label}: no value in its range turns the NPSV"
        pct = "" if self.change is None else f" ({self.change:+.0%})"
        return f"{self.label}: {_num(self.base)} -> {_num(self.value)}{pct}"


@dataclass(frozen=True)
class EconomicCase:
    """The economic case of one appraisal (see the module docstring)."""

    sites: list[str]
    price: str
    deflator: str
    pv_benefit: float
    pv_cost: float
    npsv: float
    bcr: float
    interval: float | None = None
    npsv_interval: tuple[float, float] | None = None
    bcr_interval: tuple[float, float] | None = None
    prob_npsv_positive: float | None = None
    samples: int | None = None
    switching: list[Switch] = field(default_factory=list)
    unmonetised: list[str] = field(default_factory=list)
    statement: str = ""
    dft_category: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready content (money in £ thousand, as the appraisal)."""
        return {
            "sites": list(self.sites),
            "units": {"money": f"GBP thousand, {self.price[3:]}", "bcr": "ratio"},
            "deflator": self.deflator,
            "pv_benefit": self.pv_benefit,
            "pv_cost": self.pv_cost,
            "npsv": self.npsv,
            "bcr": self.bcr,
            "uncertainty": None
            if self.samples is None
            else {
                "samples": self.samples,
                "interval": self.interval,
                "npsv": list(self.npsv_interval or ()),
                "bcr": list(self.bcr_interval or ()),
                "prob_npsv_positive": self.prob_npsv_positive,
            },
            "switching_values": [
                {
                    "input": s.name,
                    "label": s.label,
                    "base": s.base,
                    "switching_value": s.value,
                    "change": s.change,
                    "unit": s.unit,
                }
                for s in self.switching
            ],
            "unmonetised": list(self.unmonetised),
            "value_for_money": self.statement,
            "dft_vfm_category": {
                "category": self.dft_category,
                "source": "Department for Transport, Value for Money Framework (2015)",
            },
        }

    def text(self, width: int = 80) -> str:
        """The economic case as plain text, every line within ``width`` columns."""
        lines = [f"Economic case (HM Treasury Green Book), {self.price}, £ thousand"]
        wrap = textwrap.TextWrapper(width=width, subsequent_indent="    ")
        head = (
            f"  NPSV {self.npsv:,.1f}; BCR {self.bcr:.2f} (PV benefits "
            f"{self.pv_benefit:,.1f}, PV costs {self.pv_cost:,.1f}; sites "
            f"{', '.join(self.sites)})"
        )
        lines += wrap.wrap(head)
        if self.samples is not None and self.npsv_interval and self.bcr_interval:
            lo, hi = self.npsv_interval
            blo, bhi = self.bcr_interval
            lines += wrap.wrap(
                f"  {self.interval:.0%} interval ({self.samples:,} PSA samples): NPSV "
                f"{lo:,.1f} to {hi:,.1f}; BCR {blo:.2f} to {bhi:.2f}; P(NPSV > 0) "
                f"{self.prob_npsv_positive:.0%}"
            )
        else:
            lines += wrap.wrap(
                "  Uncertainty interval: none run (dsc-econ appraise --psa N draws one)"
            )
        lines.append("  Switching values (each alone turns the NPSV to zero):")
        for s in self.switching:
            lines += textwrap.wrap(
                s.text(), width=width, initial_indent="    ", subsequent_indent="      "
            )
        lines.append("  Unmonetised effects:")
        for item in self.unmonetised or ["none listed (narrative.yaml: unmonetised_*)"]:
            lines += textwrap.wrap(
                item, width=width, initial_indent="    - ", subsequent_indent="      "
            )
        lines += textwrap.wrap(
            "Value for money: " + self.statement,
            width=width,
            initial_indent="  ",
            subsequent_indent="    ",
        )
        lines += textwrap.wrap(
            f"DfT value-for-money category (DfT's framework, not the Green Book's): "
            f"{self.dft_category}",
            width=width,
            initial_indent="  ",
            subsequent_indent="    ",
        )
        return "\n".join(lines)


def _num(x: float) -> str:
    ax = abs(x)
    if ax >= 100:
        return f"{x:,.0f}"
    if ax >= 1:
        return f"{x:,.2f}"
    return f"{x:.4g}"


def _npsv(params: Any, sites: list[str], changes: Mapping[str, Any]) -> np.ndarray:
    p = params.with_values(dict(changes), origin="switching value", validate=False)
    res = appraisal_totals(p, sites)
    return np.asarray(res["net_benefit"]).sum(-1)


def _grid(base: float, unit: str) -> np.ndarray:
    spec = UNITS[unit]
    low = 0.0 if spec.low is None else float(spec.low)
    high = max(abs(base) * _MAX_SCALE, 1.0) if spec.high is None else float(spec.high)
    grid = np.linspace(low, high, _GRID)
    if spec.integer:
        grid = np.unique(np.round(grid))
    return grid


def _switch(params: Any, sites: list[str], name: str, base_npsv: float) -> Switch | None:
    if name not in params:
        return None
    meta = params.meta(name)
    value = params[name]
    if isinstance(value, (list, str, bool)) or np.ndim(value) != 0:
        return None
    base = float(value)
    label = params.label(name) if hasattr(params, "label") else name
    grid = _grid(base, meta.unit)
    try:
        npsv = _npsv(params, sites, {name: grid})
    except (ValueError, ParameterError, FloatingPointError):
        return None
    if npsv.shape != grid.shape or not np.all(np.isfinite(npsv)):
        ok = np.isfinite(npsv)
        grid, npsv = grid[ok], npsv[ok]
    if np.allclose(npsv, base_npsv, rtol=1e-9, atol=1e-9):
        return None  # the input does not move this appraisal (not used)
    sign = np.sign(base_npsv)
    crossing = np.flatnonzero(np.diff(np.sign(npsv - 0.0)) != 0)
    if sign == 0 or crossing.size == 0:
        return Switch(name, label, base, None, None, meta.unit)
    # the crossing nearest the base value
    mids = (grid[crossing] + grid[crossing + 1]) / 2
    k = crossing[int(np.argmin(np.abs(mids - base)))]
    x0, x1, y0, y1 = grid[k], grid[k + 1], npsv[k], npsv[k + 1]
    x = float(x0 - y0 * (x1 - x0) / (y1 - y0)) if y1 != y0 else float(x0)
    if not UNITS[meta.unit].integer:  # one refinement on a fine grid around it
        fine = np.linspace(x0, x1, 65)
        try:
            yf = _npsv(params, sites, {name: fine})
            j = np.flatnonzero(np.diff(np.sign(yf)) != 0)
            if j.size:
                i = int(j[0])
                a, b, ya, yb = fine[i], fine[i + 1], yf[i], yf[i + 1]
                x = float(a - ya * (b - a) / (yb - ya)) if yb != ya else float(a)
        except (ValueError, ParameterError):
            pass
    change = None if base == 0 else (x - base) / abs(base)
    return Switch(name, label, base, x, change, meta.unit)


def _unmonetised(params: Any) -> list[str]:
    from ..inputs.project import load_narrative

    out = [
        v for k, v in sorted(load_narrative(params).items()) if k.startswith("unmonetised")
    ]
    try:
        from ..inputs.streams import load_streams

        streams = load_streams(params)
    except (ParameterError, ValueError, KeyError):
        streams = []
    for s in streams:
        if not s.include_in_bcr:
            out.append(
                f"{s.name}: £{float(np.mean(s.amount)):,.0f} thousand a year ({s.kind}), "
                "outside the BCR unless its include_in_bcr is set"
            )
    return out


def _statement(case: dict[str, Any], switches: list[Switch], unmonetised: list[str]) -> str:
    npsv, bcr = case["npsv"], case["bcr"]
    price = case["price"]
    if npsv > 0:
        verdict = (
            f"on the monetised evidence the change offers positive net social value: "
            f"£{npsv:,.0f} thousand ({price}), a BCR of {bcr:.2f}"
        )
    else:
        verdict = (
            f"on the monetised evidence the change does not offer positive net social "
            f"value: NPSV £{npsv:,.0f} thousand ({price}), a BCR of {bcr:.2f}"
        )
    parts = [verdict]
    if case.get("prob") is not None:
        parts.append(
            f"the NPSV is positive in {case['prob']:.0%} of the probabilistic samples"
        )
    close = [s for s in switches if s.change is not None and abs(s.change) < 0.25]
    if close:
        parts.append(
            "it is sensitive: "
            + ", ".join(f"{s.label} ({s.change:+.0%})" for s in close[:3])
            + " would each turn it"
        )
    parts.append(
        "the judgement weighs these with the unmonetised effects listed"
        if unmonetised
        else "no unmonetised effects are listed, so the monetised figures carry the case"
    )
    return "; ".join(parts) + "."


def economic_case(
    params: Any,
    sites: Sequence[str] | None = None,
    samples: Mapping[str, Any] | None = None,
    interval: float = 0.90,
    top: int = 5,
) -> EconomicCase:
    """Build the economic case of an appraisal.

    Parameters
    ----------
    params : ParameterSet
        Point values (any project), already in their price base
        (:func:`dsc_econ.inputs.prices.to_price_base`).
    sites : sequence of str, optional
        Sites taken together (default: every site with DiD data).
    samples : mapping, optional
        Probabilistic outputs per site, ``total_benefit`` and ``cost`` (£ thousand)
        of shape ``(sample, site)`` in ``sites`` order, e.g. from
        :func:`dsc_econ.sensitivity.probabilistic.psa` (``keep_samples=True``); gives
        the intervals.
    interval : float
        Central probability of the intervals (0.90: 5th to 95th percentile).
    top : int
        Model inputs shown with switching values (after all benefits and all costs).

    Returns
    -------
    EconomicCase
    """
    if not 0 < interval < 1:
        raise ValueError(f"interval must be between 0 and 1, got {interval!r}")
    if params.sample_size() is not None:
        raise ValueError("economic_case needs point values; pass samples= for the PSA")
    chosen = resolve_sites(params, sites)
    res = appraisal_totals(params, chosen)
    benefit = float(np.sum(res["total_benefit"]))
    cost = float(np.sum(res["cost"]))
    npsv = benefit - cost
    bcr = benefit / cost
    price = price_label(params)
    summary: dict[str, Any] = {"npsv": npsv, "bcr": bcr, "price": price[3:]}
    extra: dict[str, Any] = {}
    if samples is not None:
        b = np.asarray(samples["total_benefit"], dtype=float).sum(-1)
        c = np.asarray(samples["cost"], dtype=float).sum(-1)
        if b.ndim != 1 or b.size < 2 or not np.all(np.isfinite(b / c)):
            raise ValueError("samples must hold finite (sample, site) benefits and costs")
        q = [(1 - interval) / 2 * 100, (1 + interval) / 2 * 100]
        n_lo, n_hi = np.percentile(b - c, q)
        r_lo, r_hi = np.percentile(b / c, q)
        prob = float(np.mean(b - c > 0))
        extra = {
            "interval": interval,
            "npsv_interval": (float(n_lo), float(n_hi)),
            "bcr_interval": (float(r_lo), float(r_hi)),
            "prob_npsv_positive": prob,
            "samples": int(b.size),
        }
        summary["prob"] = prob

    def rel(value: float, base: float) -> float | None:
        return None if base == 0 else (value - base) / abs(base)

    # benefits (costs) scaled as a whole reach zero NPSV at the other's PV; costs
    # cannot turn it when the benefits are not positive
    whole = [
        Switch(
            "benefits",
            "all monetised benefits",
            benefit,
            cost,
            rel(cost, benefit),
            "GBP_thousand",
        ),
        Switch(
            "costs",
            "all costs",
            cost,
            benefit if benefit > 0 else None,
            rel(benefit, cost) if benefit > 0 else None,
            "GBP_thousand",
        ),
    ]
    found = [
        s
        for s in (_switch(params, chosen, n, npsv) for n in switching_candidates(params))
        if s is not None
    ]
    found.sort(key=lambda s: np.inf if s.change is None else abs(s.change))
    switches = whole + found[: max(int(top), 0)]
    unmonetised = _unmonetised(params)
    return EconomicCase(
        sites=chosen,
        price=price,
        deflator=deflator_note(params),
        pv_benefit=benefit,
        pv_cost=cost,
        npsv=npsv,
        bcr=bcr,
        switching=switches,
        unmonetised=unmonetised,
        statement=_statement(summary, switches[2:], unmonetised),
        dft_category=dft_category(bcr),
        **extra,
    )
