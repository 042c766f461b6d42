"""Sobol and Morris results as tables a reader can scan: sorted, with the zeros folded.

A global sensitivity analysis over 16 input groups and six sites gives a wall of
numbers, most of them zero (a site's NPV does not depend on another site's DiD). These
tables put the inputs that matter first and fold every input with no measurable effect
into one line, so the reader sees what matters and how much was left out. Used by
``dsc-econ sensitivity sobol`` / ``morris`` and by the report's Sobol charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from . import formatting as fmt

__all__ = ["FOLD_BELOW", "morris_table", "oneway_ranges", "sobol_order", "sobol_table"]

FOLD_BELOW = 0.005
"""Sobol total indices below this share of the variance count as no measurable effect."""


def sobol_order(
    sobol: xr.Dataset,
    sites: str | Sequence[str],
    output: str = "npv",
    fold_below: float = FOLD_BELOW,
) -> tuple[list[str], list[str]]:
    """Inputs of a Sobol result in the order to show them, and those folded away.

    Parameters
    ----------
    sobol : xarray.Dataset
        The result of :func:`dsc_econ.sensitivity.sobol` (``ST`` with dims
        ``output``, ``site``, ``parameter``).
    sites : str or sequence of str
        The site, or sites shown together (an input is folded only if it has no
        measurable effect at any of them; they are sorted by their largest effect).
    output : str
        ``"npv"`` or ``"bcr"``.
    fold_below : float
        Total indices below this count as no measurable effect.

    Returns
    -------
    shown : list of str
        Inputs whose total index reaches ``fold_below`` somewhere, largest first.
    folded : list of str
        The other inputs, to be shown as one line rather than a row of zeros each.
    """
    site_list = [sites] if isinstance(sites, str) else list(sites)
    st = sobol.ST.sel(output=output, site=site_list).max("site").to_series()
    ordered = st.sort_values(ascending=False, kind="stable")
    shown = [str(p) for p, v in ordered.items() if v >= fold_below]
    folded = [str(p) for p, v in ordered.items() if not v >= fold_below]
    return shown, folded


def sobol_table(
    sobol: xr.Dataset, output: str = "npv", fold_below: float = FOLD_BELOW
) -> pd.DataFrame:
    """Sobol indices per input (rows) and site (columns) as text, sorted and folded.

    Each cell reads ``ST±conf (S1)``. Rows are sorted by the input's largest total
    index over the sites; inputs below ``fold_below`` at every site are folded into a
    last row naming how many they are.

    Returns
    -------
    pandas.DataFrame
        Strings; index ``input``, one column per site; ``attrs["folded"]`` lists the
        inputs of the folded row.
    """
    sites = [str(s) for s in sobol.site.values]
    shown, folded = sobol_order(sobol, sites, output, fold_below)
    st, s1 = sobol.ST.sel(output=output), sobol.S1.sel(output=output)
    conf = sobol.ST_conf.sel(output=output)
    cells = {
        site: [
            f"{st.sel(site=site, parameter=p).item():.2f}"
            f"±{conf.sel(site=site, parameter=p).item():.2f}"
            f" ({s1.sel(site=site, parameter=p).item():.2f})"
            for p in shown
        ]
        for site in sites
    }
    index = list(shown)
    if folded:
        index.append(f"{len(folded)} others (no effect at any site)")
        for site in sites:
            cells[site].append(f"<{fold_below}")
    frame = pd.DataFrame(cells, index=pd.Index(index, name="input"))
    frame.attrs["folded"] = folded
    return frame


def morris_table(
    morris: xr.Dataset, site: str, output: str = "npv", tiny: float = 1e-9
) -> pd.DataFrame:
    """Morris screening of one site: mu*, sigma and sigma / mu*, largest mu* first.

    mu* (mean absolute elementary effect) ranks the inputs by influence; sigma (the
    spread of the effects) and its ratio to mu* show how far an input's effect depends
    on the others or is non-linear (a ratio near 0: additive and linear; above about 1:
    strongly interacting). Inputs whose mu* is zero are folded into one last row. For
    an input group SALib gives no sigma (NaN), so the ratio is NaN too.

    Returns
    -------
    pandas.DataFrame
        Columns ``mu*``, ``sigma`` (in the output's unit: £ thousand for the NPV) and
        ``sigma/mu*``; index ``input``; ``attrs["folded"]`` lists the inputs of the
        folded row.
    """
    ds = morris.sel(site=site, output=output)
    frame = pd.DataFrame(
        {
            "mu*": ds.mu_star.to_series(),
            "sigma": ds.sigma.to_series(),
        }
    )
    frame.index = frame.index.astype(str)
    frame.index.name = "input"
    zero = ~(frame["mu*"] > tiny)
    shown = frame[~zero].sort_values("mu*", ascending=False, kind="stable")
    shown["sigma/mu*"] = shown["sigma"] / shown["mu*"]
    if zero.any():
        shown.loc[f"{int(zero.sum())} others (no effect)"] = [0.0, 0.0, np.nan]
    shown.attrs["folded"] = [str(n) for n in frame.index[zero]]
    return shown


def oneway_ranges(oneway: xr.Dataset, uncertainty: Any, params: Any) -> dict[str, str]:
    """What each one-way input was moved over, labelled for a reader.

    Inputs applied as a multiplier read ``×0.78 to ×1.28`` (a factor, so a bare 0.78
    is never mistaken for a value); inputs set directly read in their parameter's unit
    (``41.5% to 51.1%``, ``3.4 to 5.5 years``); a DiD column reads in percentage points.

    Parameters
    ----------
    oneway : xarray.Dataset
        The result of :func:`dsc_econ.sensitivity.oneway` (``value`` and ``input``).
    uncertainty : Uncertainty
        The uncertainty the analysis used (how each input is applied).
    params : ParameterSet
        For the unit of each parameter set directly.

    Returns
    -------
    dict
        ``parameter`` coordinate of ``oneway`` -> label.
    """
    items = {item.name: item for item in uncertainty.inputs}
    labels = {}
    for parameter, input_name in zip(
        oneway.parameter.values, oneway.input.values, strict=True
    ):
        low, high = (
            float(oneway.value.sel(parameter=parameter, bound=b)) for b in ("low", "high")
        )
        item = items.get(str(input_name))
        if item is not None and item.apply == "scale":
            labels[str(parameter)] = fmt.format_multiplier(low, high)
        elif item is not None and item.kind == "did":
            labels[str(parameter)] = fmt.format_range(low, high, "proportion_change")
        elif item is not None and item.parameters:
            unit = params.meta(item.parameters[0]).unit
            labels[str(parameter)] = fmt.format_range(low, high, unit)
        else:
            labels[str(parameter)] = f"{low:.3g} to {high:.3g}"
    return labels
