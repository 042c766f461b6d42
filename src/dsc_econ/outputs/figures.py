"""Figures for board reports, in one accessible style.

Every function takes the xarray results of :mod:`dsc_econ.sensitivity` (or the model
functions) and returns a :class:`matplotlib.figure.Figure`; :func:`to_png` turns one
into bytes for embedding. The style: the Okabe-Ito colour-blind-safe palette, labelled
axes with units, money as £ (thousand or million), no figure without a title.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # non-interactive: figures are files, never windows

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.ticker import FuncFormatter

from .formatting import format_money, format_probability, probability_statement
from .sensitivity_tables import FOLD_BELOW, sobol_order

__all__ = [
    "PALETTE",
    "bcr_distributions",
    "cumulative_net",
    "evppi_bars",
    "harm_profiles",
    "money",
    "npv_intervals",
    "pathway_tree",
    "payback",
    "readability_problems",
    "sobol_indices",
    "to_png",
    "tornado",
]

PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
"""Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficits."""

_CYCLE = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple")]

STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=_CYCLE),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "legend.frameon": False,
}


def money(thousands: float, _: Any = None) -> str:
    """Format £ thousand for axis labels and text (:func:`~.formatting.format_money`).

    The second argument lets it serve as a matplotlib tick formatter; zero reads
    ``£0`` and small amounts in pounds, never ``£0k``.
    """
    return format_money(thousands)


def _legend_below(ax: Any, ncol: int = 2) -> Any:
    """A legend under the axes (below the x label), where it cannot cover data."""
    return ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncol=ncol,
        fontsize=7,
        borderaxespad=0.0,
    )


def to_png(fig: Any) -> bytes:
    """The figure as PNG bytes (and close it)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _figure(width: float, height: float) -> Any:
    with plt.rc_context(STYLE):
        return plt.figure(figsize=(width, height))


def tornado(
    oneway: xr.Dataset, site: str, top: int = 8, ranges: dict[str, str] | None = None
) -> Any:
    """Tornado of one site's NPV: each input at its low and high quantile.

    Parameters
    ----------
    oneway : xarray.Dataset
        The result of :func:`dsc_econ.sensitivity.oneway`.
    site : str
        The site to draw.
    top : int
        Inputs shown, largest swing at the top.
    ranges : dict, optional
        Parameter -> what it was moved over (e.g. ``"×0.78 to ×1.28"`` for a
        multiplier), shown under the input's name so a multiplier is labelled as one.

    Notes
    -----
    The legend sits under the axes, so it never covers a bar.
    """
    with plt.rc_context(STYLE):
        ds = oneway.sel(site=site)
        order = ds.swing.to_series().sort_values(ascending=True).tail(top).index
        base = float(ds.base_npv)
        fig, ax = plt.subplots(figsize=(6.2, 0.32 * len(order) + 1.4))
        y = np.arange(len(order))
        low = ds.npv.sel(parameter=order, bound="low").values - base
        high = ds.npv.sel(parameter=order, bound="high").values - base
        ax.barh(
            y, low, left=base, color=PALETTE["vermillion"], label="input at 5th percentile"
        )
        ax.barh(y, high, left=base, color=PALETTE["blue"], label="input at 95th percentile")
        ax.axvline(base, color="black", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8, ls=":")
        labels = []
        for p in order:
            name = str(p).replace("_", " ")
            extra = (ranges or {}).get(str(p))
            labels.append(f"{name}\n{extra}" if extra else name)
        ax.set_yticks(y, labels, fontsize=7)
        ax.xaxis.set_major_formatter(FuncFormatter(money))
        ax.set_xlabel("net present value (benefits − costs), £; black line: base case")
        ax.set_title(f"Site {site}: what moves the NPV")
        _legend_below(ax)
        return fig


def sobol_indices(sobol: xr.Dataset, site: str, output: str = "npv") -> Any:
    """First- and total-order Sobol indices of one site with their intervals.

    Inputs are sorted by total effect (largest at the top); every input with no
    measurable effect (total index below :data:`FOLD_BELOW`) is folded into one labelled
    line at the bottom. The legend sits under the axes.
    """
    with plt.rc_context(STYLE):
        ds = sobol.sel(site=site, output=output)
        shown, folded = sobol_order(sobol, site, output)
        rows = list(reversed(shown))  # barh draws from the bottom up
        n = len(rows) + (1 if folded else 0)
        fig, ax = plt.subplots(figsize=(6.2, 0.3 * max(n, 1) + 1.5))
        offset = 1 if folded else 0
        y = np.arange(len(rows)) + offset
        if rows:
            ax.barh(
                y - 0.18,
                ds.S1.sel(parameter=rows).clip(min=0),
                0.36,
                xerr=ds.S1_conf.sel(parameter=rows),
                color=PALETTE["sky"],
                label="first order (alone)",
                capsize=2,
            )
            ax.barh(
                y + 0.18,
                ds.ST.sel(parameter=rows),
                0.36,
                xerr=ds.ST_conf.sel(parameter=rows),
                color=PALETTE["blue"],
                label="total order (with interactions)",
                capsize=2,
            )
        labels = [str(p).replace("_", " ") for p in rows]
        ticks = list(y)
        if folded:
            ticks = [0, *ticks]
            labels = [f"{len(folded)} other inputs: no measurable effect", *labels]
            ax.text(
                0.01,
                0,
                f"each total index < {FOLD_BELOW}",
                va="center",
                fontsize=7,
                color="grey",
            )
        ax.set_yticks(ticks, labels)
        top = float(ds.ST.max()) if rows else 0.0
        ax.set_xlim(0, max(1.0, top * 1.1))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel("share of the variance of the NPV (Sobol index, 95% interval)")
        ax.set_title(f"Site {site}: which uncertainties matter")
        if rows:
            _legend_below(ax)
        return fig


def evppi_bars(
    voi: xr.Dataset, groups: Sequence[str], labels: dict[str, str], top: int = 4
) -> Any:
    """EVPPI of the largest input groups per site (one panel each), EVPI marked.

    Parameters
    ----------
    voi : xarray.Dataset
        A :func:`dsc_econ.sensitivity.voi` result (£ thousand).
    groups : sequence of str
        Groups to consider (e.g. the uncertainty file's groups, not their members).
    labels : dict
        Plain-language name of each group.
    """
    from matplotlib.ticker import MaxNLocator

    def name(site: str) -> str:
        return "all sites together" if site == "programme" else f"site {site}"

    with plt.rc_context(STYLE):
        shown = [str(s) for s in voi.site.values if float(voi.evpi.sel(site=s)) >= 1]
        clear = [name(str(s)) for s in voi.site.values if str(s) not in shown]
        cols = 2 if len(shown) > 1 else 1
        rows = max(1, -(-len(shown) // cols))
        fig, axes = plt.subplots(rows, cols, figsize=(6.8, 1.5 * rows + 0.9), squeeze=False)
        flat = axes.ravel()
        for ax, site in zip(flat, shown, strict=False):
            evpi = float(voi.evpi.sel(site=site))
            ax.set_title(f"{name(site)}: EVPI {money(evpi)}", fontsize=8.5)
            values = voi.evppi.sel(site=site, group=list(groups)).to_series()
            values = values[values > 0.005 * evpi].sort_values().tail(top)
            y = np.arange(len(values))
            se = voi.evppi_se.sel(site=site, group=list(values.index)).values
            ax.barh(y, values.values, xerr=se, color=PALETTE["orange"], capsize=2)
            ax.axvline(evpi, color=PALETTE["black"], lw=1, ls="--")
            ax.set_yticks(y, [labels.get(str(g), str(g)) for g in values.index], fontsize=7)
            ax.set_xlim(0, evpi * 1.15)
            ax.xaxis.set_major_locator(MaxNLocator(3))
            ax.xaxis.set_major_formatter(FuncFormatter(money))
            ax.tick_params(axis="x", labelsize=7)
        for ax in flat[len(shown) :]:
            ax.set_axis_off()
        if not shown:
            flat[0].text(0.5, 0.5, "nothing to gain anywhere", ha="center", va="center")
        note = (
            f"Nothing to gain at {', '.join(clear)}: the same choice is best across the "
            "uncertainty."
            if clear
            else ""
        )
        fig.suptitle(
            "Value of perfect information about each group of assumptions (EVPPI, bars "
            "± se) and about everything (EVPI, dashed line)",
            fontsize=8.5,
        )
        fig.tight_layout()
        if note:
            fig.text(0.5, -0.01, note, ha="center", va="top", fontsize=7.5, wrap=True)
        return fig


def bcr_distributions(psa: xr.Dataset, sites: Sequence[str]) -> Any:
    """Distributions of each site's benefit-cost ratio (Monte Carlo), BCR = 1 marked."""
    with plt.rc_context(STYLE):
        n = len(sites)
        fig, axes = plt.subplots(n, 1, figsize=(6.2, 0.62 * n + 1.0), sharex=True)
        axes = np.atleast_1d(axes)
        values = np.asarray(psa.bcr.sel(site=list(sites)).values)
        lo, hi = np.percentile(values, [0.5, 99.5])
        bins = np.linspace(min(lo, 0), max(hi, 2), 80)
        clipped_any = False
        for ax, site, v in zip(axes, sites, values.T, strict=True):
            below, above = float((v < bins[0]).mean()), float((v > bins[-1]).mean())
            ax.hist(
                np.clip(v, bins[0], bins[-1]), bins=bins, color=PALETTE["blue"], alpha=0.85
            )
            ax.axvline(1, color=PALETTE["vermillion"], lw=1)
            p = float((v > 1).mean())
            ax.set_ylabel(f"site {site}", rotation=0, ha="right", va="center")
            ax.set_yticks([])
            note = f"P(BCR > 1) {probability_statement(p)}"
            clipped = [
                f"{format_probability(share)} {where}"
                for share, where in ((below, "below"), (above, "above"))
                if share > 0
            ]
            if clipped:
                clipped_any = True
                note += "\nclipped: " + ", ".join(clipped) + " the axis"
            ax.text(  # beside the panel, so it never covers the bars
                1.02, 0.5, note, transform=ax.transAxes, ha="left", va="center", fontsize=7
            )
        xlabel = "benefit-cost ratio (benefits / costs); red line: BCR = 1"
        if clipped_any:
            xlabel += (
                f"\nthe axis shows {bins[0]:,.1f} to {bins[-1]:,.1f}; samples beyond it "
                "are piled into the end bars (shares noted per site)"
            )
        axes[-1].set_xlabel(xlabel)
        axes[0].set_title("Distribution of each site's benefit-cost ratio")
        return fig


def npv_intervals(psa: xr.Dataset, point: xr.Dataset) -> Any:
    """Point NPV and Monte Carlo interval of each site."""
    with plt.rc_context(STYLE):
        sites = list(psa.site.values)
        fig, ax = plt.subplots(figsize=(6.2, 0.35 * len(sites) + 1.2))
        y = np.arange(len(sites))
        low, high = psa.npv_low.values, psa.npv_high.values
        ax.hlines(y, low, high, color=PALETTE["blue"], lw=3, label="90% interval")
        ax.plot(
            point.net_benefit.sel(site=sites).values,
            y,
            "o",
            color=PALETTE["black"],
            label="point estimate",
        )
        ax.axvline(0, color=PALETTE["vermillion"], lw=1)
        ax.set_yticks(y, [f"site {s}" for s in sites])
        ax.xaxis.set_major_formatter(FuncFormatter(money))
        ax.set_xlabel("net present value, £ (red line: zero)")
        ax.set_title("Net present value by site")
        _legend_below(ax)
        return fig


def _covered_text(years: np.ndarray, benefits: np.ndarray, cost: float) -> str:
    """When cumulative benefits cover the cost: from a year on, for a while, or never.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.arange(1, 6)
    >>> _covered_text(y, np.array([1, 2, 3, 4, 5.0]), 2.5)
    'covered from year 3'
    >>> _covered_text(y, np.array([1, 3, 2, 1, 0.0]), 2.5)
    'covered in year 2 only, not by year 5'
    >>> _covered_text(y, np.array([-1, -2, -3, -4, -5.0]), 2.5)
    'never covered'
    """
    covered = benefits >= cost
    if not covered.any():
        return "never covered"
    if covered[-1]:
        start = len(covered) - int(np.argmin(covered[::-1])) if not covered.all() else 0
        return f"covered from year {years[start]}"
    first, last = years[covered][0], years[covered][-1]
    span = f"year {first}" if first == last else f"years {first}–{last}"
    return f"covered in {span} only, not by year {years[-1]}"


def payback(point: xr.Dataset, sites: Sequence[str], params: Any = None) -> Any:
    """Cumulative discounted benefits against each pilot's cost, one panel per site.

    Each site has its own scale, so a cost of a few hundred £k stays visible beside
    benefits of millions: the cost is a dashed line labelled with its amount, and the
    year the benefits first cover it (if ever) is marked.
    """
    with plt.rc_context(STYLE):
        n = len(sites)
        cols = 2 if n > 1 else 1
        rows = int(np.ceil(n / cols))
        fig, axes = plt.subplots(
            rows, cols, figsize=(6.2, 1.3 * rows + 0.9), sharex=True, squeeze=False
        )
        years = np.asarray(point.year.values)
        for i, ax in enumerate(axes.flat):
            if i >= n:
                ax.set_axis_off()
                continue
            site = sites[i]
            benefits = np.asarray(point.benefit_by_year.sel(site=site).cumsum("year"))
            cost = float(point.cost.sel(site=site))
            ax.plot(years, benefits, color=PALETTE["blue"], lw=1.6)
            ax.axhline(cost, color=PALETTE["vermillion"], ls="--", lw=1.2)
            ax.axhline(0, color="grey", lw=0.6)
            lo = min(0.0, float(benefits.min()), cost)
            hi = max(float(benefits.max()), cost)
            pad = 0.12 * (hi - lo or 1.0)
            ax.set_ylim(lo - pad, hi + pad)
            when = _covered_text(years, benefits, cost)
            # the label sits above the panel, never over the cost line or the benefits
            ax.set_title(f"site {site}: cost {money(cost)}, {when}", fontsize=7, loc="left")
            ax.yaxis.set_major_formatter(FuncFormatter(money))
            ax.tick_params(labelsize=7)
        for ax in axes.flat:
            if ax.axison:
                _year_ticks(ax, years, params)
        fig.supxlabel(_year_axis_label(params), fontsize=8)
        fig.supylabel(f"cumulative discounted benefits ({_prices(params)})", fontsize=8)
        fig.suptitle(
            "Payback: cumulative benefits (solid) against each pilot's cost (dashed)",
            fontsize=10,
            fontweight="bold",
        )
        fig.tight_layout()
        return fig


def harm_profiles(harm: xr.DataArray, params: Any = None) -> Any:
    """Harm of each pathway year by year over the misuse career.

    With ``params`` the year axis is the project's (the one convention of every time
    figure): the appraised cohort starts treatment in project year 1, so career year
    ``c`` is project year ``c - years_before_treatment``. The legend sits under the
    axes, clear of the lines.
    """
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.2, 3.0))
        styles = {"T1": "-", "T2": "-", "T3": "--", "T4": ":", "T5": "-."}
        before = int(params["career.years_before_treatment"]) if params is not None else 0
        years = np.asarray(harm.career_year.values) - before
        for pathway, colour in zip(harm.pathway.values, _CYCLE, strict=False):
            h = harm.sel(pathway=pathway)
            ax.step(
                years,
                h,
                where="mid",
                color=colour,
                ls=styles.get(str(pathway), "-"),
                label=f"{pathway}: {h.pathway_label.values!s}",
            )
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: money(v / 1000)))
        if params is None:
            ax.set_xlabel("year of the misuse career (treatment starts in year 9)")
        else:
            _year_ticks(ax, years, params, most=5)
            ax.set_xlabel(_year_axis_label(params))
        ax.set_ylabel(f"harm per client per year ({_prices(params)})")
        ax.set_title(f"Harm of each pathway over the {len(years)}-year career")
        _legend_below(ax)
        return fig


LEAF_LABEL_AT = {"T1": 0.5, "T2": 0.48, "T3": 0.5, "T4": 0.48, "T5": 0.5}
"""How far along each leaf's arrow its probability label sits (clear of both boxes)."""


def pathway_tree(tree: pd.DataFrame, params: Any) -> Any:
    """The treatment pathway tree of Figure C1.1 with its branch probabilities."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.6, 3.8))
        ax.set_axis_off()
        lam, alpha, phi = (params[f"pathways.{k}"] for k in ("lambda", "alpha", "phi"))
        gamma, gamma_p = params["pathways.gamma"], params["pathways.gamma_prime"]
        nodes = {
            "ocu": (0.04, 0.55, "OCU"),
            "journey": (0.22, 0.55, "new\njourney"),
            "effective": (0.42, 0.7, "effective\ntreatment"),
            "planned": (0.62, 0.86, "successful\ncompletion"),
            "unplanned": (0.62, 0.44, "unplanned\nexit"),
        }
        leaves = {
            "T1": (0.42, 0.2),
            "T2": (0.935, 0.97),
            "T3": (0.935, 0.75),
            "T4": (0.935, 0.55),
            "T5": (0.935, 0.33),
        }
        label_box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none"}

        def arrow(
            start: tuple[float, float],
            end: tuple[float, float],
            label: str,
            at: float = 0.5,
        ) -> None:
            ax.annotate(
                "",
                end,
                start,
                arrowprops={
                    "arrowstyle": "->",
                    "color": "grey",
                    "shrinkA": 18,
                    "shrinkB": 22,
                },
            )
            # labels sit part-way along the arrow (``at``), clear of both boxes; the
            # figure tests check that no two labels or boxes overlap
            x = start[0] + at * (end[0] - start[0])
            y = start[1] + at * (end[1] - start[1])
            ax.text(x, y, label, ha="center", va="center", fontsize=7, bbox=label_box)

        edges = [
            ("ocu", "journey", f"λ = {lam:.2f}"),
            ("journey", "effective", f"α = {alpha:.2f}"),
            ("effective", "planned", f"φ = {phi:.2f}"),
            ("effective", "unplanned", f"1 − φ = {1 - phi:.2f}"),
        ]
        for a, b, label in edges:
            arrow(nodes[a][:2], nodes[b][:2], label, at=0.5)
        leaf_edges = [
            ("planned", "T2", f"γ = {gamma:.3f}"),
            ("planned", "T3", f"1 − γ = {1 - gamma:.3f}"),
            ("unplanned", "T4", f"γ′ = {gamma_p:.2f}"),
            ("unplanned", "T5", f"1 − γ′ = {1 - gamma_p:.2f}"),
            ("journey", "T1", f"1 − λα = {1 - lam * alpha:.2f}"),
        ]
        for a, leaf, label in leaf_edges:
            arrow(nodes[a][:2], leaves[leaf], label, at=LEAF_LABEL_AT[leaf])
        for x, y, label in nodes.values():
            ax.text(
                x,
                y,
                label,
                ha="center",
                va="center",
                fontsize=8,
                bbox={"boxstyle": "round", "fc": "#eef5fb", "ec": PALETTE["blue"]},
            )
        for leaf, (x, y) in leaves.items():
            row = tree.loc[leaf]
            ax.text(
                x,
                y,
                f"{leaf}: p = {row.probability:.3f}\n£{row.value_per_client:,.0f}",
                ha="center",
                va="center",
                fontsize=7,
                bbox={"boxstyle": "round", "fc": "#fdf3e1", "ec": PALETTE["orange"]},
            )
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(0.1, 1.05)
        ax.set_title(
            "Treatment pathways (Figure C1.1): probability per OCU (p) and "
            "harm avoided per client (PV)"
        )
        return fig


def _prices(params: Any) -> str:
    """The price base for an axis label (:func:`~.headline.price_base`)."""
    if params is None:
        return "£"
    from .headline import price_base

    return price_base(params)


def _year_axis_label(params: Any) -> str:
    """The one year-axis convention of every time figure: the project's years."""
    if params is None:
        return "project year (year 1: the cohort starts treatment)"
    from ..inputs.project import year_label

    return (
        f"financial year of the project (year 1 = {year_label(params, 1)}, when the "
        "appraised cohort starts treatment)"
    )


def _year_ticks(ax: Any, years: np.ndarray, params: Any, most: int = 4) -> None:
    """At most ``most`` ticks on a year axis, labelled with the project's years (e.g.
    ``2009-10``) when the parameters are known, else the year numbers."""
    years = np.asarray(years, dtype=int)
    step = max(1, int(np.ceil(len(years) / most)))
    ticks = years[::step]
    if params is None:
        labels = [str(int(y)) for y in ticks]
    else:
        from ..inputs.project import year_label

        labels = [year_label(params, int(y)) for y in ticks]
    ax.set_xticks(ticks, labels)


def cumulative_net(cf: xr.Dataset, params: Any = None) -> Any:
    """Cumulative discounted net benefit by year, one panel per site and the programme.

    Each panel has its own linear scale (a site's costs of a few £ hundred thousand
    stay visible next to the programme's millions), money ticks carry their own unit
    (£k / £m), at most four year ticks label the project's years, the payback year
    (discounted) is a dashed line, and there is no legend to cover the data: the panel
    title says what the line is and when it pays back.
    """
    from matplotlib.ticker import MaxNLocator

    rows = [str(r) for r in cf.site.values]
    ncol = min(3, len(rows))
    nrow = -(-len(rows) // ncol)
    years = np.asarray(cf.year.values)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrow, ncol, figsize=(7.2, 1.6 * nrow + 0.9), squeeze=False
        )
        for ax, row in zip(axes.ravel(), rows, strict=False):
            net = np.asarray(cf.cumulative_net_discounted.sel(site=row).values, float)
            ax.plot(years, net, color=PALETTE["blue"], lw=1.4)
            ax.fill_between(years, net, 0, where=net >= 0, color=PALETTE["sky"],
                            alpha=0.35, lw=0)
            ax.fill_between(years, net, 0, where=net < 0, color=PALETTE["vermillion"],
                            alpha=0.25, lw=0)
            ax.axhline(0, color="grey", lw=0.6)
            pay = int(cf.payback_discounted.sel(site=row))
            if pay > 0:
                ax.axvline(pay, color=PALETTE["black"], ls="--", lw=0.8)
            lo, hi = float(min(net.min(), 0.0)), float(max(net.max(), 0.0))
            pad = 0.1 * (hi - lo or 1.0)
            ax.set_ylim(lo - pad, hi + pad)
            ax.yaxis.set_major_locator(MaxNLocator(4))
            ax.yaxis.set_major_formatter(FuncFormatter(money))
            _year_ticks(ax, years, params, most=3)
            ax.tick_params(labelsize=7)
            name = "Programme" if row == "all" else f"Site {row}"
            when = "no payback" if pay <= 0 else f"pays back in year {pay}"
            ax.set_title(f"{name}: {when}", fontsize=8, loc="left")
        for ax in axes.ravel()[len(rows):]:
            ax.set_axis_off()
        fig.supxlabel(_year_axis_label(params), fontsize=8)
        fig.supylabel(
            f"cumulative discounted net benefit ({_prices(params)})", fontsize=8
        )
        fig.tight_layout()
        return fig


def _overlaps(boxes: list[Any]) -> bool:
    return any(
        a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]
    )


def readability_problems(fig: Any) -> list[str]:
    """What would make a figure hard to read at 100% zoom, as sentences (none: fine).

    Checked per axes: no two tick labels of one axis overlap; a legend does not cover
    the plotted data (its box meets no line, bar or marker of the axes); when an axis
    label names £ its tick labels carry the money unit (£, £k or £m) rather than a
    bare scale; no symmetric-log or log money axis (unreadable next to linear ticks).
    Used by the tests of every figure function, with one site and with seven.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    problems = []
    for n, ax in enumerate(fig.axes):
        if not ax.axison:
            continue
        where = f"axes {n} ({ax.get_title() or 'untitled'})"
        for axis_name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = [t for t in axis.get_ticklabels() if t.get_visible() and t.get_text()]
            boxes = [t.get_window_extent(renderer) for t in labels]
            if _overlaps(boxes):
                problems.append(f"{where}: {axis_name} tick labels overlap")
            label = axis.get_label().get_text() or _figure_label(fig, axis_name)
            scale = axis.get_scale()
            texts = [t.get_text() for t in labels]
            if scale == "symlog" or ("£" in label and texts and scale != "linear"):
                problems.append(f"{where}: {axis_name} axis is {scale}")
            if "£" in label and texts and not all("£" in t for t in texts):
                problems.append(f"{where}: {axis_name} ticks {texts} lack the £ unit")
        legend = ax.get_legend()
        if legend is not None:
            box = legend.get_window_extent(renderer)
            artists = [*ax.lines, *ax.patches, *ax.collections]
            for artist in artists:
                try:
                    extent = artist.get_window_extent(renderer)
                except (TypeError, ValueError, AttributeError):
                    continue
                if extent.width <= 0 and extent.height <= 0:
                    continue
                if _line_meets(artist, box) if hasattr(artist, "get_xydata") else (
                    box.overlaps(extent)
                ):
                    problems.append(f"{where}: the legend covers the data")
                    break
    return problems


def _figure_label(fig: Any, axis_name: str) -> str:
    """The figure-wide x or y label (``supxlabel`` / ``supylabel``), or ``''``."""
    text = getattr(fig, f"_sup{axis_name}label", None)
    return text.get_text() if text is not None else ""


def _line_meets(line: Any, box: Any) -> bool:
    """Whether a line's points fall inside a box (display coordinates)."""
    data = np.asarray(line.get_xydata(), dtype=float)
    if len(data) > 1:  # the segments between the vertices too, not only the vertices
        t = np.linspace(0.0, 1.0, 25)[None, :, None]
        data = (data[:-1, None, :] * (1 - t) + data[1:, None, :] * t).reshape(-1, 2)
    xy = line.get_transform().transform(data)
    inside = (
        (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0)
        & (xy[:, 1] <= box.y1)
    )
    return bool(inside.any())
