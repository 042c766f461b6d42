"""The vectorised Saltelli design and Sobol estimators agree with SALib; Ishigami."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample
from SALib.test_functions import Ishigami

from dsc_econ.sensitivity.saltelli import group_names, sobol_design, sobol_indices

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
GROUPED = {
    "num_vars": 4,
    "names": ["a", "b", "c", "d"],
    "bounds": [[0, 1]] * 4,
    "groups": ["g1", "g2", "g1", "g3"],
}


def _model(x):
    return x[:, 0] + 2 * x[:, 1] * x[:, 2] + x[:, 3] ** 2


@pytest.mark.parametrize("second_order", [False, True])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_design_and_indices_equal_salib(second_order):
    ours = sobol_design(ISHIGAMI, 128, second_order, seed=3)
    theirs = salib_sample.sample(ISHIGAMI, 128, calc_second_order=second_order, seed=3)
    np.testing.assert_array_equal(ours, theirs)
    y = Ishigami.evaluate(theirs)
    a = sobol_indices(ISHIGAMI, y, second_order, seed=5)
    b = salib_analyze.analyze(ISHIGAMI, y, calc_second_order=second_order, seed=5)
    for key in a:
        np.testing.assert_allclose(a[key], np.asarray(b[key]), rtol=1e-9, atol=1e-12)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_groups_equal_salib():
    ours = sobol_design(GROUPED, 64, seed=1)
    theirs = salib_sample.sample(GROUPED, 64, calc_second_order=False, seed=1)
    np.testing.assert_array_equal(ours, theirs)
    y = _model(theirs)
    a = sobol_indices(GROUPED, y, seed=2)
    b = salib_analyze.analyze(GROUPED, y, calc_second_order=False, seed=2)
    for key in a:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-9)
    assert group_names(GROUPED) == ["g1", "g2", "g3"]


def test_many_outputs_at_once_equal_one_at_a_time():
    x = sobol_design(GROUPED, 64, seed=1)
    y = np.column_stack([_model(x), np.sin(x[:, 0]) + x[:, 3]])
    both = sobol_indices(GROUPED, y, seed=4)
    for k in range(2):
        one = sobol_indices(GROUPED, y[:, k], seed=4)
        for key in one:
            np.testing.assert_allclose(both[key][k], one[key], rtol=1e-12)


def test_ishigami_recovers_analytic_indices():
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    s1 = np.array([v1, v2, 0.0]) / v
    st = np.array([v1 + v13, v2, v13]) / v
    x = sobol_design(ISHIGAMI, 2**13, seed=11)
    res = sobol_indices(ISHIGAMI, Ishigami.evaluate(x), seed=12)
    assert np.all(abs(res["S1"] - s1) <= res["S1_conf"])
    assert np.all(abs(res["ST"] - st) <= res["ST_conf"])


def test_bad_inputs():
    with pytest.raises(ValueError, match="not a multiple"):
        sobol_indices(ISHIGAMI, np.ones(7))
    with pytest.raises(ValueError, match="non-finite"):
        sobol_indices(ISHIGAMI, np.full(10, np.nan))


def test_streamed_design_blocks_concatenate_to_the_design():
    from dsc_econ.sensitivity.saltelli import design_rows, sobol_design, sobol_design_blocks

    problem = {
        "num_vars": 5,
        "names": list("abcde"),
        "bounds": [[0.0, 1.0]] * 5,
        "groups": ["g1", "g1", "g2", "g3", "g3"],
    }
    for second in (False, True):
        whole = sobol_design(problem, 256, second_order=second, seed=4)
        blocks = list(sobol_design_blocks(problem, 256, second, seed=4, base_rows=32))
        assert len(blocks) == 8
        np.testing.assert_array_equal(np.concatenate(blocks), whole)
        assert whole.shape[0] == design_rows(problem, 256, second)
