"""Direct Monte Carlo draws and the fast inverse CDFs, checked against scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from dsc_econ import sensitivity as sens
from dsc_econ.sensitivity.distributions import load_uncertainty
from dsc_econ.sensitivity.engine import BLOCK, block_seeds, draw_block, draw_blocks

FAMILIES = [
    ("pathways.gamma", "distribution: beta, alpha: 2, beta: 3"),
    ("pathways.alpha", "distribution: beta, mean: 0.8, sd: 0.05"),
    ("pathways.phi", "distribution: beta, alpha: 0.6, beta: 0.8, low: 0.1, high: 0.9"),
    ("harms.untreated.total", "distribution: gamma, mean: 55000, sd: 5000"),
    ("harms.in_treatment.total", "distribution: gamma, mean: 43000, sd: 40000"),
    ("treatment.annual_cost", "distribution: lognormal, median: 3000, sd_log: 0.1"),
    ("discounting.rate", "distribution: normal, mean: 0.03, sd: 0.01, low: 0, high: 0.1"),
    ("discounting.health_rate", "distribution: normal, mean: 0.03, sd: 0.01, low: 0.05, high: 0.2"),
    ("career.years_in_treatment", "distribution: triangular, low: 3, mode: 4, high: 6"),
    ("career.years_after_treatment", "distribution: triangular, low: 4, mode: 4, high: 12"),
    ("harms.abstinent.decay_rate", "distribution: uniform, low: 0.7, high: 1.0"),
    ("harms.untreated.decline_rate", "distribution: normal, mean: 0.05, sd: 0.01, low: 0, high: 1"),
]


@pytest.fixture(scope="module")
def families(tmp_path_factory, params):
    path = Path(tmp_path_factory.mktemp("fam")) / "families.yaml"
    path.write_text(
        "inputs:\n"
        + "".join(
            f"  d{i}: {{parameter: {p}, {spec}, justification: j}}\n"
            for i, (p, spec) in enumerate(FAMILIES)
        )
    )
    return load_uncertainty(path, params)


def test_fast_quantiles_are_within_1e9_in_probability(families):
    u = np.concatenate(
        [
            np.random.default_rng(0).random(20_000),
            [1e-12, 1e-9, 1e-6, 0.5, 1 - 1e-6, 1 - 1e-9, 1 - 1e-12],
        ]
    )
    for item in families.inputs:
        x = item.quantile(u)
        exact = item.distribution.ppf(u)
        # in probability: the exact CDF at the fast quantile gives back u
        err = np.abs(item.distribution.cdf(x) - u)
        assert err.max() < 1e-9, (item.name, item.sampler.name, err.max())
        # and the values themselves agree with scipy's inverse CDF
        np.testing.assert_allclose(x, exact, rtol=1e-6, err_msg=item.sampler.name)
        assert np.all(np.diff(item.quantile(np.sort(u))) >= 0)  # monotone


def test_direct_draws_match_scipy_moments_and_quantiles(families):
    rng = np.random.default_rng(11)
    n = 200_000
    values = families.draw(rng, n)
    for j, item in enumerate(families.inputs):
        x = values[:, j]
        dist = item.distribution
        mean, sd = float(dist.mean()), float(dist.std())
        assert abs(x.mean() - mean) < 5 * sd / np.sqrt(n), item.sampler.name
        assert x.std() == pytest.approx(sd, rel=0.02), item.sampler.name
        probs = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
        # empirical CDF at scipy's quantiles: within 5 binomial standard errors
        got = (x[:, None] <= dist.ppf(probs)).mean(axis=0)
        se = np.sqrt(probs * (1 - probs) / n)
        assert np.all(np.abs(got - probs) < 5 * se), (item.sampler.name, got)
        low, high = dist.support()
        assert x.min() >= low and x.max() <= high
        # Kolmogorov-Smirnov against the scipy distribution itself
        assert stats.kstest(x[:20_000], dist.cdf).pvalue > 1e-4, item.sampler.name


def test_to_unit_inverts_the_quantiles(families, params):
    values = families.draw(np.random.default_rng(3), 5000)
    unit = families.to_unit(values)
    assert np.all((unit > 0) & (unit < 1))
    sites = params.impact_sites()
    a, _ = families.from_values(values, params, sites)
    b, _ = families.transform(unit, params, sites)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-7, err_msg=key)


def test_did_draws_have_the_counts_covariance(params, uncertainty):
    from dsc_econ.sensitivity.distributions import did_distribution

    values = uncertainty.draw(np.random.default_rng(5), 100_000)
    sites = params.impact_sites()
    _, dids = uncertainty.from_values(values, params, sites)
    for j, site in enumerate(sites):
        mean, chol = did_distribution(params, site)
        pair = np.stack([dids["did_effective"][:, j], dids["did_completions"][:, j]])
        np.testing.assert_allclose(pair.mean(axis=1), mean, atol=4 * np.sqrt(np.diag(chol @ chol.T) / 1e5).max())
        np.testing.assert_allclose(np.cov(pair), chol @ chol.T, rtol=0.03)
    # one site's draws do not move with another's
    r = np.corrcoef(dids["did_effective"][:, 0], dids["did_effective"][:, 1])[0, 1]
    assert abs(r) < 0.02


@pytest.mark.parametrize("n", [1, 1000, BLOCK, BLOCK + 17, 3 * BLOCK - 5])
def test_blocks_draw_the_same_rows_whatever_the_chunking(uncertainty, n):
    whole = np.concatenate(list(draw_blocks(uncertainty, n, 42)))
    assert whole.shape == (n, len(uncertainty.columns))
    seeds = block_seeds(n, 42)
    # blocks drawn in any order, by anyone, are the same rows
    for i in reversed(range(len(seeds))):
        np.testing.assert_array_equal(
            draw_block(uncertainty, seeds, n, i), whole[i * BLOCK : (i + 1) * BLOCK]
        )
    again = np.concatenate(list(draw_blocks(uncertainty, n, 42)))
    np.testing.assert_array_equal(whole, again)
    other = np.concatenate(list(draw_blocks(uncertainty, n, 43)))
    assert not np.array_equal(whole, other)


def test_streamed_psa_draws_the_same_samples(params, uncertainty):
    n = BLOCK + 999
    memory = sens.psa(params, uncertainty, n=n, seed=5, chunked=False, progress=False)
    streamed = sens.psa(
        params, uncertainty, n=n, seed=5, chunked=True, keep_samples=False, progress=False
    )
    for key in ("npv", "bcr"):
        np.testing.assert_allclose(memory[f"{key}_mean"], streamed[f"{key}_mean"], rtol=1e-10)
        np.testing.assert_allclose(memory[f"{key}_sd"], streamed[f"{key}_sd"], rtol=1e-8)
        width = float((memory[f"{key}_high"] - memory[f"{key}_low"]).max())
        for q in ("low", "median", "high"):
            np.testing.assert_allclose(
                memory[f"{key}_{q}"], streamed[f"{key}_{q}"], atol=2e-3 * width
            )
    np.testing.assert_array_equal(memory.prob_bcr_gt_1, streamed.prob_bcr_gt_1)
    # the stored unit-hypercube inputs reproduce the draws through the quantile path
    again = sens.evaluate(params, uncertainty, memory.inputs.values[:2000])
    np.testing.assert_allclose(again["npv"], memory.npv.values[:2000], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("chunked", [False, True])
def test_threads_change_nothing(params, uncertainty, monkeypatch, chunked):
    n = 2 * BLOCK + 5
    runs = []
    for threads in ("1", "2"):
        monkeypatch.setenv("DSC_ECON_THREADS", threads)
        runs.append(
            sens.psa(
                params,
                uncertainty,
                n=n,
                seed=9,
                chunked=chunked,
                keep_samples=False,
                progress=False,
            )
        )
    for key in runs[0].data_vars:
        np.testing.assert_array_equal(runs[0][key].values, runs[1][key].values, err_msg=key)
