"""Every reading a parameter note or discrepancy justifies by arithmetic is recomputed:
windows, rounding bounds and 'less than £1' claims must hold as stated."""

from __future__ import annotations

import re

import numpy as np
import pytest

from dsc_econ.inputs.parameters import data_dir
from dsc_econ.model.valuation import unit_values
from dsc_econ.outputs.published import load_discrepancies, load_published
from dsc_econ.outputs.reproduce import reproduce

DECAY = {"harms.abstinent.decay_rate": 0.75}
DECLINE = {**DECAY, "harms.untreated.decline_rate": 0.1}
FIGURES = {"base": ({}, 195_149), "decay": (DECAY, 189_684), "decline": (DECLINE, 148_230)}


def _note(name: str) -> str:
    return " ".join((data_dir("parameters") / f"{name}.yaml").read_text().split())


def _explanation(ident: str) -> str:
    found = [d for d in load_discrepancies() if d.id == ident]
    assert found, ident
    return " ".join(found[0].explanation.split())


def _window(params, overrides, figure):
    """gamma interval [lo, hi) within which the completion value rounds to ``figure``
    (it is linear in gamma: B^A + gamma x long-term)."""
    q = params.with_values({**overrides, "appraisal.unit_value_rounding": 0.0,
                            "pathways.gamma": 0.0})
    u = unit_values(q)
    return (figure - 0.5 - u.effective) / u.long_term, (figure + 0.5 - u.effective) / u.long_term


def test_gamma_window_is_as_stated(params):
    note = _note("pathways")
    windows = {k: _window(params, o, f) for k, (o, f) in FIGURES.items()}
    lo = max(w[0] for w in windows.values())
    hi = min(w[1] for w in windows.values())
    stated = [tuple(map(float, m)) for m in
              re.findall(r"\[(0\.\d{7}), (0\.\d{7})\)", note)]
    expected = [windows["base"], windows["decay"], windows["decline"], (lo, hi)]
    assert len(stated) == 4
    for (a, b), (x, y) in zip(stated, expected, strict=True):
        assert a == pytest.approx(x, abs=5e-8) and b == pytest.approx(y, abs=5e-8)
    assert "2.6e-6 wide" in note and round(hi - lo, 7) == 2.6e-6
    # 29,932 = 55,127 x (1 - gamma) printed to the pound
    bounds = (1 - 29_932.5 / 55_127, 1 - 29_931.5 / 55_127)
    assert "(0.4570265, 0.4570446]" in note
    assert (round(bounds[0], 7), round(bounds[1], 7)) == (0.4570265, 0.4570446)
    assert bounds[0] < lo < hi < bounds[1]  # the window lies inside those bounds
    # the chosen point: inside, the six-decimal value furthest from both edges
    gamma = params["pathways.gamma"]
    assert gamma == 0.457038 and lo <= gamma < hi
    inside = [g / 1e6 for g in range(457_030, 457_045) if lo <= g / 1e6 < hi]
    assert inside == [0.457037, 0.457038, 0.457039]
    assert max(inside, key=lambda g: min(g - lo, hi - g)) == gamma
    # every value in the window reproduces the three figures; just outside does not
    for g in (lo + 1e-12, gamma, hi - 1e-12):
        for overrides, figure in FIGURES.values():
            value = unit_values(params.with_values({**overrides, "pathways.gamma": g}))
            assert round(value.completion) == figure
    naive = 1 - 29_932 / 55_127
    assert "0.4570356" in note and round(naive, 7) == 0.4570356 and naive < lo
    assert round(unit_values(params.with_values({"pathways.gamma": naive})).completion) \
        == 195_148


def test_decay_is_75_claims_hold(params):
    text = _explanation("c6_decay_is_75")
    h = params["harms.in_treatment.total"]
    after = params["career.years_after_treatment"]
    assert h == 43_087 and after == 8
    # the harm left in the last of the eight years after treatment
    assert f"£{h:,.0f} x 0.3^8 = £{h * 0.3**8:.2f}" in text  # £2.83: not below £1
    assert h * 0.3**after > 1
    assert f"(at 75%: £{h * 0.25**after:.2f})" in text and h * 0.25**after < 1
    base = unit_values(params).completion
    for overrides, figure in (FIGURES["decay"], FIGURES["decline"]):
        assert round(unit_values(params.with_values(overrides)).completion) == figure
    assert round(189_684 / 195_149 - 1, 3) == -0.028
    at70 = {"harms.abstinent.decay_rate": 0.7}
    v70 = unit_values(params.with_values(at70)).completion
    v70d = unit_values(params.with_values({**at70, **{
        "harms.untreated.decline_rate": 0.1}})).completion
    assert f"£{v70:,.0f} ({v70 / base - 1:.1%})" in text.replace("−", "-")
    assert f"£{v70d:,.0f}" in text


def test_table_6_4_is_reproduced_within_005_points():
    text = _explanation("table_6_4_footnote")
    assert "within 0.05 point" in text
    comp = reproduce(tables=["6.4"], modes=("exact",)).results["exact"].comparison
    shares = comp[comp.column.str.startswith(("share", "change"))]
    assert len(shares) > 0
    assert (shares.difference.abs() * 100).max() < 0.05


def test_table_7_4_component_rounding_bound_holds(params):
    """Two components rounded to 0.1 point each and a total rounded once differ by less
    than 2 x 0.05 + 0.05 = 0.15, so by at most 0.1 on the printed grid."""
    text = _explanation("t74_effective_component_rounding")
    assert "can be up to 0.1 point" in text
    printed = load_published()["7.4"]
    off = {}
    for row, column, value in printed.cells():
        if column != "effective" or not row.startswith("site_"):
            continue  # the "all sites" rows have no printed components
        base = "new_journeys." + row.replace("_fy_", ".fy_", 1)
        parts = (params[f"{base}.retained_12_weeks"]
                 + params[f"{base}.completed_within_12_weeks"])
        diff = round((value - parts) * 1000)  # in tenths of a point
        assert abs(diff) <= 1, (row, value, parts)
        if diff:
            off[row] = diff
    assert len(off) == 7  # "in seven site-years"


def test_table_c72_ten_shares_can_move_their_sum_by_half_a_point(params):
    text = _explanation("tc72_site_totals_rounding")
    assert "ten shares" in text and "up to 0.5 point" in text
    note = _note("spending/aptb_composition")
    sums = {}
    for site in range(1, 8):
        prefix = f"spending.aptb_composition.site_{site}."
        values = [params[n] for n in params if n.startswith(prefix)]
        assert len(values) == 10
        sums[site] = round(sum(values) * 100, 1)
        assert abs(sums[site] - 100) < 10 * 0.05  # the bound the text states
        assert f"site {site} {sums[site]:.1f}%" in note
    assert sums == {1: 100.0, 2: 99.8, 3: 100.1, 4: 100.0, 5: 100.1, 6: 100.1, 7: 99.9}
    assert np.isfinite(list(sums.values())).all()


def test_decay_and_decline_start_readings(params):
    from scipy.optimize import brentq

    def completion(**overrides):
        return unit_values(params.with_values(overrides)).completion

    note = _note("harms/abstinent")
    low = brentq(lambda d: completion(**{"harms.abstinent.decay_rate": d}) - 189_683.5,
                 0.7, 0.8)
    high = brentq(lambda d: completion(**{"harms.abstinent.decay_rate": d}) - 189_684.5,
                  0.7, 0.8)
    assert "between 0.74998 and 0.75002" in note
    assert (round(low, 5), round(high, 5)) == (0.74998, 0.75002)
    assert round(completion(**{"harms.abstinent.decay_rate": 0.7})) == 188_145
    note = _note("harms/untreated")
    case = {**DECLINE}
    for year, figure in ((6, 148_230), (5, 137_283), (7, 158_036), (1, 58_301)):
        value = completion(**case, **{"harms.untreated.decline_from_year": year})
        assert round(value) == figure
        if year != 6:
            assert f"£{figure:,}" in note
    assert params["harms.untreated.decline_from_year"] == 6
