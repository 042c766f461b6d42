"""Figure placement rules (issue 12): labels never overlap, legends never cover data.

Bounding boxes come from matplotlib's renderer after a draw, in display pixels, so the
checks see what a reader sees (text with its box, bars as drawn).
"""

from __future__ import annotations

import itertools
import re

import matplotlib
import numpy as np
import pytest
import xarray as xr

matplotlib.use("Agg")

import dsc_econ as dsc
from dsc_econ.model.cashflow import cashflow
from dsc_econ.outputs import figures
from dsc_econ.outputs import report as rep
from dsc_econ.outputs.formatting import format_probability
from dsc_econ.sensitivity.distributions import load_uncertainty


@pytest.fixture(scope="module")
def analyses():
    params = dsc.load_parameters()
    uncertainty = load_uncertainty(None, params)
    return rep.analyse(params, uncertainty, params.impact_sites(), 1000, 128, 7, {})


def _draw(fig):
    fig.canvas.draw()
    return fig.canvas.get_renderer()


def _text_boxes(fig, ax):
    renderer = _draw(fig)
    boxes = []
    for text in ax.texts:
        if not text.get_text().strip():
            continue
        patch = text.get_bbox_patch()
        box = (
            patch.get_window_extent(renderer)
            if patch is not None
            else text.get_window_extent(renderer)
        )
        boxes.append((text.get_text(), box))
    return boxes


def _overlapping(boxes):
    return [
        (a, b)
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
        if box_a.overlaps(box_b)
    ]


def _legend_clear_of_bars(fig, ax):
    renderer = _draw(fig)
    legend = ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent(renderer)
    bars = [p.get_window_extent(renderer) for p in ax.patches]
    assert bars
    return [b for b in bars if box.overlaps(b) and b.width > 0]


def test_pathway_tree_labels_do_not_overlap(analyses):
    fig = figures.pathway_tree(analyses.tree, analyses.params)
    boxes = _text_boxes(fig, fig.axes[0])
    assert len(boxes) == 5 + 5 + 9  # nodes, leaves, branch labels
    assert not _overlapping(boxes), _overlapping(boxes)


def test_pathway_tree_labels_do_not_overlap_with_other_values(analyses):
    params = analyses.params.with_values({"pathways.gamma": 0.123456, "pathways.phi": 0.9})
    fig = figures.pathway_tree(dsc.pathway_tree(params), params)
    assert not _overlapping(_text_boxes(fig, fig.axes[0]))


def test_overlap_check_can_fail():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "one label", bbox={"boxstyle": "round"})
    ax.text(0.52, 0.5, "another label", bbox={"boxstyle": "round"})
    assert _overlapping(_text_boxes(fig, ax))
    plt.close(fig)


@pytest.mark.parametrize("site", ["2", "3", "5"])
def test_tornado_legend_does_not_cover_bars(analyses, site):
    fig = figures.tornado(analyses.oneway, site, ranges=rep.oneway_ranges(analyses))
    assert not _legend_clear_of_bars(fig, fig.axes[0])


def test_tornado_labels_multipliers(analyses):
    fig = figures.tornado(analyses.oneway, "3", ranges=rep.oneway_ranges(analyses))
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("harm level" in t and "×0.78 to ×1.28" in t for t in labels), labels


def test_sobol_legend_clear_sorted_and_zero_inputs_folded(analyses):
    shown, folded = figures.sobol_order(analyses.sobol, "3")
    st = analyses.sobol.ST.sel(site="3", output="npv")
    values = [float(st.sel(parameter=p)) for p in shown]
    assert values == sorted(values, reverse=True)
    assert all(float(st.sel(parameter=p)) < figures.FOLD_BELOW for p in folded)
    assert folded  # other sites' DiDs have no effect on site 3
    fig = figures.sobol_indices(analyses.sobol, "3")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == f"{len(folded)} other inputs: no measurable effect"
    assert labels[-1] == shown[0].replace("_", " ")  # largest total effect on top
    assert len(labels) == len(shown) + 1
    assert not _legend_clear_of_bars(fig, ax)


def test_npv_legend_below_the_axes(analyses):
    fig = figures.npv_intervals(analyses.mc, analyses.point)
    ax = fig.axes[0]
    renderer = _draw(fig)
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.y1 < ax.get_window_extent(renderer).y0


def test_histogram_notes_clipping(analyses):
    sites = ["3", "5"]
    mc = analyses.mc.copy()
    bcr = mc.bcr.copy()
    bcr.loc[{"site": "5"}] = np.where(np.arange(bcr.sizes["sample"]) < 10, 1e6, 1.0)
    mc["bcr"] = bcr
    fig = figures.bcr_distributions(mc, sites)
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    share = 10 / bcr.sizes["sample"]
    expected = f"clipped: {format_probability(share)} above the axis"
    assert any(expected in n for n in notes), notes
    assert "piled into the end bars" in fig.axes[-1].get_xlabel()


def test_histogram_says_nothing_when_nothing_is_clipped(analyses):
    mc = analyses.mc.copy()
    rng = np.random.default_rng(1)
    mc["bcr"] = xr.DataArray(
        rng.uniform(0.5, 1.5, (mc.sizes["sample"], 1)),
        dims=("sample", "site"),
        coords={"site": ["3"]},
    )
    fig = figures.bcr_distributions(mc, ["3"])
    assert not any("clipped" in t.get_text() for t in fig.axes[0].texts)
    assert "P(BCR > 1) = " in fig.axes[0].texts[0].get_text()


def test_histogram_notes_do_not_cover_bars(analyses):
    fig = figures.bcr_distributions(analyses.mc, analyses.sites)
    renderer = _draw(fig)
    for ax in fig.axes:
        bars = [p.get_window_extent(renderer) for p in ax.patches if p.get_height() > 0]
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            assert not any(box.overlaps(b) for b in bars), text.get_text()
    notes = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(n.startswith("P(BCR > 1) > 99.9%") for n in notes), notes
    assert not any("= >" in n or "= <" in n for n in notes)


def test_payback_shows_each_cost_on_its_own_scale(analyses):
    fig = figures.payback(analyses.point, analyses.sites)
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == len(analyses.sites)
    for ax, site in zip(panels, analyses.sites, strict=True):
        cost = float(analyses.point.cost.sel(site=site))
        low, high = ax.get_ylim()
        # the cost line sits inside the panel, at least 5% of its height from zero
        assert low < cost < high
        assert abs(cost) / (high - low) > 0.005
        text = ax.get_title(loc="left")
        assert not ax.texts  # nothing drawn over the cost line or the benefits
        assert f"cost {figures.money(cost)}" in text
        assert ("covered " in text) or ("never covered" in text)


def test_no_zero_thousand_tick_labels(analyses):
    for fig in (
        figures.npv_intervals(analyses.mc, analyses.point),
        figures.payback(analyses.point, analyses.sites),
        figures.harm_profiles(dsc.harm_profiles_for(analyses.params)),
        figures.tornado(analyses.oneway, "4"),
    ):
        _draw(fig)
        for ax in fig.axes:
            for label in ax.get_xticklabels() + ax.get_yticklabels():
                assert label.get_text() not in ("£0k", "−£0k"), label.get_text()


def test_cashflow_axis_names_the_project_own_years():
    params = dsc.load_parameters().with_values({"project.start": "2026-04-01"})
    cf = cashflow(params, ["3"])
    fig = figures.cumulative_net(cf, params)
    label = fig._supxlabel.get_text()
    assert "year 1 = 2026-27" in label and "2009" not in label
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks[0] == "2026-27"


# issue 23: every figure readable at 100% for one site or seven (label, tick, legend rules)


def _bad_figure():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1, 2], [0, 5, 10], label="a long legend label right over the data")
    ax.legend(loc="center")
    ax.set_yscale("symlog")
    ax.set_ylabel("benefits, £")
    ax.set_xticks([0, 0.01, 0.02], ["first label", "second label", "third label"])
    return fig


def test_readability_rules_catch_what_a_reader_would():
    problems = " ".join(figures.readability_problems(_bad_figure()))
    assert "x tick labels overlap" in problems
    assert "legend covers the data" in problems
    assert "symlog" in problems and "lack the £ unit" in problems


@pytest.mark.parametrize("n_sites", [1, 6])
def test_every_report_figure_is_readable(n_sites, analyses):
    params = analyses.params
    sites = analyses.sites[:n_sites]
    cf = cashflow(params, sites)
    drawn = {
        "npv": figures.npv_intervals(analyses.mc.sel(site=sites), analyses.point),
        "bcr": figures.bcr_distributions(analyses.mc, sites),
        "payback": figures.payback(analyses.point, sites, params),
        "over time": figures.cumulative_net(cf, params),
        "tornado": figures.tornado(analyses.oneway, sites[0]),
        "sobol": figures.sobol_indices(analyses.sobol, sites[0]),
        "harms": figures.harm_profiles(dsc.harm_profiles_for(params), params),
        "tree": figures.pathway_tree(analyses.tree, params),
    }
    for name, fig in drawn.items():
        assert figures.readability_problems(fig) == [], name


def test_time_figures_share_one_year_axis(analyses):
    params = analyses.params
    a = figures.payback(analyses.point, analyses.sites, params)
    b = figures.cumulative_net(cashflow(params, analyses.sites), params)
    assert a._supxlabel.get_text() == b._supxlabel.get_text()
    assert "year 1 = 2009-10" in a._supxlabel.get_text()
    for fig in (a, b):
        _draw(fig)
        for ax in fig.axes:
            if ax.axison:
                ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
                assert len(ticks) <= 4, ticks  # shared axes label the bottom row only
                assert all(re.fullmatch(r"\d{4}-\d\d", t) for t in ticks), ticks
