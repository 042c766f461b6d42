"""Sobol and Morris tables: sorted by effect, zero inputs folded into one line."""

from __future__ import annotations

import numpy as np
import xarray as xr

from dsc_econ.outputs.sensitivity_tables import (
    FOLD_BELOW,
    morris_table,
    sobol_order,
    sobol_table,
)


def _sobol():
    st = np.array([[[0.1, 0.0, 0.7, 0.001], [0.0, 0.0, 0.3, 0.2]]])  # output, site, par
    coords = {"output": ["npv"], "site": ["3", "5"], "parameter": ["a", "b", "c", "d"]}
    dims = ("output", "site", "parameter")
    return xr.Dataset(
        {
            "ST": (dims, st),
            "S1": (dims, st * 0.9),
            "ST_conf": (dims, st * 0.1),
        },
        coords=coords,
    )


def test_sobol_sorted_by_total_effect_and_zeros_folded():
    ds = _sobol()
    shown, folded = sobol_order(ds, ["3", "5"])
    assert shown == ["c", "d", "a"] and folded == ["b"]  # d: 0.2 at site 5
    assert sobol_order(ds, "3") == (["c", "a"], ["d", "b"])  # d below FOLD_BELOW at 3
    table = sobol_table(ds)
    assert list(table.index) == ["c", "d", "a", "1 others (no effect at any site)"]
    assert table.loc["c", "3"] == "0.70±0.07 (0.63)"
    assert table.iloc[-1].tolist() == [f"<{FOLD_BELOW}"] * 2
    assert table.attrs["folded"] == ["b"]


def test_sobol_table_without_zeros_has_no_folded_row():
    ds = _sobol().sel(parameter=["a", "c"])
    table = sobol_table(ds)
    assert list(table.index) == ["c", "a"] and table.attrs["folded"] == []


def test_morris_reports_mu_star_sigma_and_their_ratio():
    dims = ("output", "site", "parameter")
    ds = xr.Dataset(
        {
            "mu_star": (dims, [[[5.0, 0.0, 20.0]]]),
            "sigma": (dims, [[[10.0, 0.0, 2.0]]]),
        },
        coords={"output": ["npv"], "site": ["3"], "parameter": ["x", "y", "z"]},
    )
    table = morris_table(ds, "3")
    assert list(table.columns) == ["mu*", "sigma", "sigma/mu*"]
    assert list(table.index) == ["z", "x", "1 others (no effect)"]
    assert table.loc["z", "sigma/mu*"] == 0.1 and table.loc["x", "sigma/mu*"] == 2.0
    assert table.attrs["folded"] == ["y"]


def test_oneway_ranges_label_multipliers_units_and_points():
    import dsc_econ as dsc
    from dsc_econ import sensitivity as sens
    from dsc_econ.outputs.sensitivity_tables import oneway_ranges
    from dsc_econ.sensitivity.distributions import load_uncertainty

    params = dsc.load_parameters()
    unc = load_uncertainty(None, params)
    ranges = oneway_ranges(sens.oneway(params, unc, ["3"]), unc, params)
    assert ranges["harm_level"] == "×0.78 to ×1.28"  # a multiplier, labelled as one
    assert ranges["costs_site_3"].startswith("×")
    assert ranges["abstinence"] == "41.5% to 51.1%"
    assert ranges["years_after_treatment"] == "5.3 to 10.7 years"
    assert ranges["did_site_3_sc"] == "2.4 to 7.7 points"
    assert ranges["treatment_cost"].startswith("£")


def test_cli_oneway_labels_multipliers(capsys):
    from dsc_econ.cli.main import main

    assert main(["sensitivity", "oneway", "--sites", "3", "--top", "27"]) == 0
    out = capsys.readouterr().out
    assert "low to high" in out and "moved over" in out and "×0.78 to ×1.28" in out
