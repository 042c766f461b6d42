"""EVPI and single-input EVPPIs on the R package voi's chemotherapy example, with no
GPL data: the model rebuilt in NumPy from its published definition (chemo_model.py
beside this file), sampled with a fixed seed, and the values checked against nested
Monte Carlo computed here. (test_voi_reference.py checks that the rebuilt model
reproduces voi's own samples, when a copy of voi's data is at hand.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dsc_econ as dsc


def _chemo():
    spec = importlib.util.spec_from_file_location(
        "chemo_model", Path(__file__).with_name("chemo_model.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cm = _chemo()

INPUTS = ("logor_side_effects", "u_home_care", "p_died", "rate_longterm")
"""The leading EVPPIs (the log odds ratio of side effects, ~330 of an EVPI of ~365)
and smaller ones, rate_longterm a skewed (gamma) input."""


def _nested(name: str, n_outer: int, n_inner: int, rng: np.random.Generator):
    """Two-level Monte Carlo for one input: ``n_outer`` values of it at evenly spaced
    quantiles (stratified outer sampling), and for each the mean incremental net benefit
    over ``n_inner`` fresh draws of every other input. Returns the nodes, the
    conditional means and their Monte Carlo standard errors."""
    nodes = np.quantile(cm.sample(100_000, rng)[name], (np.arange(n_outer) + 0.5) / n_outer)
    draws = cm.sample(n_outer * n_inner, rng)
    draws[name] = np.repeat(nodes, n_inner)
    nb = cm.net_benefit(draws)
    inc = (nb[:, 1] - nb[:, 0]).reshape(n_outer, n_inner)
    return nodes, inc.mean(axis=1), inc.std(axis=1, ddof=1) / np.sqrt(n_inner)


def _loss(g: np.ndarray, novel_best: bool) -> np.ndarray:
    """Per-value opportunity loss of the option best on average, two options."""
    return np.maximum(-g, 0) if novel_best else np.maximum(g, 0)


@pytest.fixture(scope="module")
def psa():
    rng = np.random.default_rng(20121)
    draws = cm.sample(10_000, rng)
    return cm.net_benefit(draws), pd.DataFrame(draws)


def test_evpi_agrees_with_an_independent_large_sample(psa):
    nb, _ = psa
    ds = dsc.voi.evpi(nb)
    big = cm.net_benefit(cm.sample(200_000, np.random.default_rng(7)))
    loss = big.max(axis=1) - big[:, big.mean(axis=0).argmax()]
    reference, reference_se = loss.mean(), loss.std(ddof=1) / np.sqrt(len(loss))
    est, se = float(ds.evpi.item()), float(ds.evpi_se.item())
    assert 300 < reference < 430  # the case study's EVPI at 20,000/QALY is ~370
    assert abs(est - reference) < 3 * np.hypot(se, reference_se), (est, reference)


def test_single_input_evppis_agree_with_nested_monte_carlo(psa):
    nb, draws = psa
    ds = dsc.voi.evppi(nb, draws, list(INPUTS), draws=100, seed=3)
    evpi = float(dsc.voi.evpi(nb).evpi.item())
    rng = np.random.default_rng(11)
    for name in INPUTS:
        nodes, g, g_se = _nested(name, 200, 2500, rng)
        novel_best = g.mean() > 0
        nested = float(_loss(g, novel_best).mean())
        # the loss moves with g only where g is on the losing side
        losing = (g < 0) if novel_best else (g > 0)
        nested_se = float(np.sqrt(np.sum((g_se * losing) ** 2)) / len(g))
        est = float(ds.evppi.sel(group=name))
        se = float(ds.evppi_se.sel(group=name))
        assert nested > 10 and est <= evpi
        assert abs(est - nested) < 3 * np.hypot(se, nested_se), (name, est, nested)
        # the same sample with the conditional mean known (nested, interpolated): the
        # regression's own error, to be within its fit standard error
        g_at = np.interp(draws[name].to_numpy(), nodes, g)
        same = float(np.mean(np.maximum(g_at, 0)) - max(g_at.mean(), 0))
        fit_se = float(ds.evppi_fit_se.sel(group=name))
        assert abs(est - same) < 3 * np.hypot(fit_se, nested_se), (name, est, same)
    top = float(ds.evppi.sel(group="logor_side_effects"))
    assert top > 0.8 * evpi  # the treatment effect is most of the value
