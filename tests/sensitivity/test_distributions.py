"""Uncertainty files: distributions, validation, transforms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dsc_econ.inputs.parameters import ParameterError
from dsc_econ.sensitivity.distributions import did_distribution, load_uncertainty


@pytest.fixture(scope="module")
def uncertainty():
    return load_uncertainty()


def test_default_file_covers_the_required_inputs(uncertainty):
    names = {i.name for i in uncertainty.inputs}
    assert {
        "harm_level",
        "in_treatment_harm",
        "years_in_treatment",
        "years_after_treatment",
        "abstinence",
        "abstinent_decay",
        "untreated_decline",
        "discount_rate",
        "treatment_cost",
    } <= names
    assert {f"did_site_{s}" for s in "234567"} <= names
    assert {f"costs_site_{s}" for s in "234567"} <= names
    assert len(uncertainty.columns) >= 15
    assert all(i.justification for i in uncertainty.inputs)
    frame = uncertainty.frame()
    assert frame.loc["abstinence", "distribution"].startswith("beta(")


def test_transform_respects_ranges_and_scales(uncertainty, params):
    unit = np.random.default_rng(0).random((5000, len(uncertainty.columns)))
    over, dids = uncertainty.transform(unit, params, params.impact_sites())
    assert np.all((over["pathways.gamma"] >= 0.41) & (over["pathways.gamma"] <= 0.53))
    assert np.all(over["harms.untreated.total"] > 0)
    assert dids["did_effective"].shape == (5000, 6)
    ratio = over["sites.3.costs.year_1"] / over["sites.3.costs.year_2"]
    np.testing.assert_allclose(ratio, 89 / 96)  # one factor scales both years
    sampled = params.with_values(over)  # every draw passes full validation
    assert sampled.sample_size() == 5000


def test_nan_keeps_the_point_value(uncertainty, params):
    unit = np.full((2, len(uncertainty.columns)), np.nan)
    unit[1, uncertainty.columns.index("discount_rate")] = 0.5
    over, dids = uncertainty.transform(unit, params, params.impact_sites())
    assert over["discounting.rate"][0] == params["discounting.rate"]
    assert over["discounting.rate"][1] == pytest.approx(0.025)
    assert "pathways.gamma" not in over
    point = params.with_values({})  # DiD inputs left at NaN keep the point DiD
    from dsc_econ.model.appraisal import site_impacts

    np.testing.assert_allclose(
        dids["did_effective"][0], site_impacts(point, point.impact_sites())["did_effective"]
    )


def test_did_sampling_is_centred_on_the_counts_and_correlated(params):
    mean, chol = did_distribution(params, "3")
    expected = (1726 / 1791 - 1791 / 1914) - (2121 / 2258 - 2332 / 2462)
    assert mean[0] == pytest.approx(expected)
    cov = chol @ chol.T
    assert cov[0, 1] > 0  # completions are part of effective treatment


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text("inputs:\n" + body)
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "  x: {parameter: pathways.gama, distribution: uniform, low: 0, high: 1, justification: j}\n",
            "unknown parameter 'pathways.gama'",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: uniform, low: 0.6, high: 0.4, justification: j}\n",
            "low (0.6) > high (0.4)",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: normal, mean: 0.5, sd: 0.1, justification: j}\n",
            "pathways.gamma = -inf, below 0 (proportion)",
        ),
        (
            "  x: {parameter: harms.untreated.total, distribution: normal, mean: 5, sd: 1, justification: j}\n",
            "below 0",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: beta, mean: 0.5, sd: 0.6, justification: j}\n",
            "too large for a beta",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: uniform, low: 0, high: 1, justificaton: j}\n",
            "unknown key(s) ['justificaton']",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: uniform, low: 0, high: 1}\n",
            "needs a one-line 'justification'",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: weibull, low: 0, high: 1, justification: j}\n",
            "unknown distribution 'weibull'",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: triangular, low: 0, high: 1, justification: j}\n",
            "needs ['mode']",
        ),
        ("  x: {kind: did, site: '1', justification: j}\n", "site '1' has no DiD data"),
        (
            "  x: {parameter: sites.3.counts.pilot.post.effective_treatment, distribution: uniform, low: 1, high: 2, justification: j}\n",
            "cannot be sampled",
        ),
        (
            "  x: {parameter: pathways.gamma, distribution: uniform, low: 0, high: 1, justification: j}\n  y: {parameter: pathways.gamma, distribution: uniform, low: 0, high: 1, justification: j}\n",
            "both set pathways.gamma",
        ),
    ],
)
def test_bad_entries_are_named(tmp_path, params, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(ParameterError) as info:
        load_uncertainty(path, params)
    assert message in str(info.value)
    assert "mine.yaml: inputs." in str(info.value) or "mine.yaml" in str(info.value)


def test_every_distribution_family(tmp_path, params):
    body = "".join(
        f"  d{i}: {{parameter: {p}, {spec}, justification: j}}\n"
        for i, (p, spec) in enumerate(
            [
                ("pathways.gamma", "distribution: beta, alpha: 2, beta: 3"),
                ("pathways.alpha", "distribution: beta, mean: 0.8, sd: 0.05"),
                ("harms.untreated.total", "distribution: gamma, mean: 55000, sd: 5000"),
                (
                    "harms.in_treatment.total",
                    "distribution: lognormal, mean: 43000, sd: 4000",
                ),
                (
                    "treatment.annual_cost",
                    "distribution: lognormal, median: 3000, sd_log: 0.1",
                ),
                (
                    "discounting.rate",
                    "distribution: normal, mean: 0.03, sd: 0.01, low: 0, high: 0.1",
                ),
                (
                    "career.years_in_treatment",
                    "distribution: triangular, low: 3, mode: 4, high: 6",
                ),
                ("pathways.phi", "distribution: fixed, value: 0.5"),
            ]
        )
    )
    u = load_uncertainty(_write(tmp_path, body), params)
    unit = np.random.default_rng(1).random((20000, len(u.columns)))
    over, _ = u.transform(unit, params, params.impact_sites())
    assert over["harms.untreated.total"].mean() == pytest.approx(55000, rel=0.02)
    assert over["harms.in_treatment.total"].std() == pytest.approx(4000, rel=0.05)
    assert np.all(over["pathways.phi"] == 0.5)
    assert over["pathways.alpha"].mean() == pytest.approx(0.8, abs=0.005)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "  x: {parameters: 5, distribution: uniform, low: 0, high: 1, justification: j}\n",
            "must be a parameter name",
        ),
        (
            "  x: {kind: did, site: '3', distribution: normal, mean: 0, justification: j}\n",
            "takes no ['distribution', 'mean']",
        ),
        (
            "  a: {parameter: pathways.gamma, distribution: uniform, low: 0.9, high: 1, justification: j}\n"
            "  b: {parameter: pathways.gamma, apply: scale, distribution: uniform, low: 1, high: 1.1, justification: j}\n",
            "together can put pathways.gamma at 0.9 to 1.1",
        ),
    ],
)
def test_more_bad_entries(tmp_path, params, body, message):
    with pytest.raises(ParameterError) as info:
        load_uncertainty(_write(tmp_path, body), params)
    assert message in str(info.value)
