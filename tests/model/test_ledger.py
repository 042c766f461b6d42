"""The ledger (issue 22): who pays and who saves, by agency and value type.

The lines must add up to the appraisal (the same story in every view), the DSCP harm
split must follow Table C.5.1's components, and every bad split or fraction must be
refused naming the file, key and value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import dsc_econ as dsc
from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.model import ledger as L  # noqa: N812


@pytest.fixture(scope="module")
def book(params):
    return L.ledger(params)


def test_ledger_sums_to_the_appraisal(params, book) -> None:
    a = dsc.appraise(params)
    ben = book.benefit.sum(("agency", "value_type", "year"))
    cost = book.cost.sum(("agency", "value_type", "year"))
    np.testing.assert_allclose(ben.values, a.total_benefit.values, rtol=1e-13, atol=1e-9)
    np.testing.assert_array_equal(cost.values, a.cost.values)
    social = book.npsv.sel(perspective="social").item()
    assert social == pytest.approx(float(a.net_benefit.sum()), rel=1e-13)
    assert book.npv.sum().item() == pytest.approx(float(a.net_benefit.sum()), rel=1e-12)
    assert book.benefit.dims == ("agency", "value_type", "site", "year")
    assert book.attrs["units"] == "GBP thousand"


def test_dscp_split_follows_table_c51(params, book) -> None:
    """Health and social care goes to the NHS (fiscal, non-cashable), crime to victims
    and society (social); the health part of each site's benefit is its share of the
    harm reduction computed with the components alone (4,543 - 3,120 per year in
    treatment against 55,127 - 43,087)."""
    nhs = book.benefit.sel(agency="nhs", value_type="fiscal_non_cashable")
    vic = book.benefit.sel(agency="victims_society", value_type="social")
    total = book.benefit.sum(("agency", "value_type"))
    np.testing.assert_allclose((nhs + vic).values, total.values, atol=1e-9)
    # by hand: the appraisal with the health harms alone (Table C.5.1: 4,543 untreated,
    # 3,120 in treatment; the untreated total 55,127 is 1 below its parts' 55,128, so
    # scaled by 55,127/55,128) and unrounded unit values
    health = dsc.appraise(
        params.with_values(
            {
                "harms.untreated.total": 4543 * 55127 / 55128,
                "harms.in_treatment.total": 3120.0,
                "appraisal.unit_value_rounding": 0.0,
            }
        )
    ).total_benefit
    # the ledger shares out the appraisal's (rounded, whole-pound) unit values:
    # within 50p per client of the unrounded figure
    np.testing.assert_allclose(nhs.sum("year").values, health.values, rtol=1e-4, atol=0.2)
    assert 0.05 < float(nhs.sum() / total.sum()) < 0.15
    assert book.pv_benefit.sel(perspective="fiscal").item() == pytest.approx(
        nhs.sum().item()
    )
    # DSCP costs are all NTA funding (section 7.1, p.81): paid, never repaid
    assert book.cost_borne.sel(agency="nta").item() == pytest.approx(
        float(dsc.appraise(params).cost.sum())
    )
    assert book.payback_year.sel(agency="nta").item() == L.NO_PAYBACK
    assert book.payback_year.sel(agency="nhs").item() == L.NO_COST


def test_ledger_over_samples(params) -> None:
    n = 5
    rng = np.random.default_rng(1)
    sample = params.with_values(
        {"discounting.rate": rng.uniform(0.01, 0.05, n)}, validate=False
    )
    book = L.ledger(sample)
    a = dsc.appraise(sample)
    assert book.benefit.dims[0] == "sample"
    np.testing.assert_allclose(
        book.benefit.sum(("agency", "value_type", "year")).values,
        a.total_benefit.values,
        rtol=1e-12,
        atol=1e-9,
    )
    assert book.npsv.shape == (n, 3)


def _edit(path: Path, keys: list[str], value) -> None:
    data = yaml.safe_load(path.read_text())
    node = data
    for k in keys[:-1]:
        node = node.setdefault(k, {})
    node[keys[-1]] = value
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("keys", "value", "words"),
    [
        (["health", "nhs", "fiscal_non_cashable", "value"], 0.6, ["sum to 0.6", "1e-9"]),
        (
            ["health", "la_social_care", "fiscal_non_cashable"],
            {"value": 1e-8, "reference": {"document": "test", "table": "1"}},
            ["sum to 1.00000001"],
        ),
        (
            ["health", "hospital", "fiscal_non_cashable"],
            {"value": 0.0, "reference": {"document": "test", "table": "1"}},
            ["unknown agency 'hospital'"],
        ),
        (
            ["health", "nhs", "cash"],
            {"value": 0.0, "reference": {"document": "test", "table": "1"}},
            ["unknown value type 'cash'"],
        ),
    ],
)
def test_bad_splits_are_refused(param_dir, keys, value, words) -> None:
    _edit(param_dir / "ledger" / "harms.yaml", keys, value)
    with pytest.raises(ParameterError) as err:
        L.ledger(dsc.load_parameters(param_dir))
    text = str(err.value)
    assert "ledger/harms.yaml" in text and "ledger.harms.health" in text
    for w in words:
        assert w in text


def test_negative_share_is_refused(param_dir) -> None:
    path = param_dir / "ledger" / "harms.yaml"
    _edit(
        path,
        ["health", "la_social_care", "fiscal_non_cashable"],
        {"value": -0.5, "reference": {"document": "test", "table": "1"}},
    )
    with pytest.raises(ParameterError, match=r"harms.yaml.*la_social_care.*-0.5"):
        L.ledger(dsc.load_parameters(param_dir))


def test_unknown_cost_agency_is_refused(param_dir) -> None:
    path = param_dir / "ledger" / "costs.yaml"
    data = yaml.safe_load(path.read_text())
    data["default_agency"]["choices"].append("treasury")
    data["default_agency"]["value"] = "treasury"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(
        ParameterError, match=r"ledger/costs.yaml: ledger.costs.default_agency = 'treasury'"
    ):
        L.ledger(dsc.load_parameters(param_dir))


def test_a_site_names_its_funder_by_year(params) -> None:
    """``sites.<id>.costs.agency`` (a project's costs CSV) books that site's costs."""
    a = dsc.appraise(params)
    base = L.ledger(params)
    site = str(base.site.values[0])
    import dataclasses

    from dsc_econ.inputs.parameters import Parameter

    extra = dict(params.parameters)
    extra[f"sites.{site}.costs.agency.year_2"] = Parameter(
        name=f"sites.{site}.costs.agency.year_2",
        value="nhs",
        unit="category",
        reference={"document": "test"},
        choices=("nhs",),
        source="test",
    )
    moved = L.ledger(dataclasses.replace(params, parameters=extra))
    nhs_cost = moved.cost.sel(agency="nhs", site=site).sum().item()
    assert nhs_cost == pytest.approx(float(a.cost_by_year.sel(site=site)[1]))
    assert moved.cost.sum().item() == pytest.approx(base.cost.sum().item())


@pytest.mark.parametrize("name", ["displacement", "leakage", "drop_off"])
def test_additionality_outside_0_1_is_refused(params, name) -> None:
    bad = params.with_values({f"additionality.{name}": 1.5}, validate=False)
    with pytest.raises(ParameterError, match=rf"additionality.{name}.*1.5"):
        L.ledger(bad)


def test_additionality_scales_benefits_only(params, book) -> None:
    half = L.ledger(
        params.with_values(
            {"additionality.displacement": 0.25, "additionality.leakage": 0.2}
        )
    )
    np.testing.assert_allclose(half.benefit.values, book.benefit.values * 0.75 * 0.8)
    np.testing.assert_array_equal(half.cost.values, book.cost.values)
    decay = L.ledger(params.with_values({"additionality.drop_off": 0.1}))
    f = 0.9 ** (book.year.values - 1)
    np.testing.assert_allclose(decay.benefit.values, book.benefit.values * f)
    assert half.attrs["additionality"] == (
        "applied to benefits (displacement 0.25, leakage 0.2)"
    )


def test_deadweight_on_a_did_needs_an_override(params) -> None:
    with pytest.raises(ParameterError, match=r"counterfactual.*allow_deadweight_with_did"):
        L.ledger(params.with_values({"additionality.deadweight": 0.2}))
    ok = L.ledger(
        params.with_values(
            {
                "additionality.deadweight": 0.2,
                "additionality.allow_deadweight_with_did": True,
            }
        )
    )
    assert ok.pv_benefit.sel(perspective="social").item() == pytest.approx(
        0.8 * float(dsc.appraise(params).total_benefit.sum())
    )


def test_payback_of_an_agency() -> None:
    years = np.arange(1, 5)
    assert (
        L.agency_payback(np.array([10.0, 0, 0, 0]), np.array([-10.0, 4, 4, 4]), years) == 4
    )
    assert L.agency_payback(np.zeros(4), np.ones(4), years) == L.NO_COST
    assert (
        L.agency_payback(np.array([10.0, 0, 0, 0]), np.array([-10.0, 1, 1, 1]), years) == -1
    )


def test_budget_impact_nets_present_values_against_present_values(params, book) -> None:
    """Issue 22: DSCP costs are cash a year (Table 7.10 adds them undiscounted) while the
    savings are present values; the budget impact discounts the costs with the
    benefits' factors for the same project year, so both sides are present values."""
    from dsc_econ.model.discounting import yearly_factors

    assert not bool(params["appraisal.discount_costs"])
    a = dsc.appraise(params)
    cash = a.cost_by_year.sum("site").values  # (project_year,), undiscounted
    d = yearly_factors(params, len(cash))
    nta = book.sel(agency="nta")
    np.testing.assert_allclose(nta.cost_pv_by_year.values[: len(cash)], cash * d)
    np.testing.assert_allclose(nta.budget_impact.values[: len(cash)], -cash * d)
    assert nta.cost_borne_pv.item() == pytest.approx(float((cash * d).sum()))
    assert nta.cost_borne_pv.item() < nta.cost_borne.item()  # not the cash figure
    # the appraisal's own totals keep its basis (cash costs, as Table 7.10)
    assert nta.cost_borne.item() == pytest.approx(float(a.cost.sum()))
    assert "discounted here like the benefits" in book.attrs["budget_basis"]
    # where the appraisal discounts costs, the two bases are one
    green = L.ledger(params.with_values({"appraisal.discount_costs": True}))
    np.testing.assert_array_equal(green.cost_borne_pv.values, green.cost_borne.values)
    np.testing.assert_allclose(
        green.cost_pv_by_year.sel(agency="nta").values[: len(cash)], cash * d
    )
    assert "as in the appraisal" in green.attrs["budget_basis"]


def test_present_value_costs_sampled_flag_and_rates() -> None:
    """A sampled discount_costs flag or rate discounts each sample on its own."""
    cost = np.ones((2, 1, 1, 1, 3))  # (sample, agency, value_type, site, year)
    p = {
        "appraisal.discount_costs": np.array([True, False]),
        "discounting.method": "constant",
        "discounting.timing": "end",
        "discounting.rate": np.array([0.035, 0.10]),
    }
    out = L.present_value_costs(p, cost)
    np.testing.assert_array_equal(out[0].ravel(), [1, 1, 1])  # already discounted
    np.testing.assert_allclose(out[1].ravel(), 1.10 ** -np.arange(1.0, 4.0))
