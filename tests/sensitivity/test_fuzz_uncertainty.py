"""Fuzzing uncertainty files: a valid :class:`Uncertainty` (whose samples stay inside
every target's range) or a :class:`ParameterError` naming the file, never a traceback
from inside the package."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsc_econ.inputs.parameters import ParameterError, data_dir
from dsc_econ.sensitivity.distributions import load_uncertainty
from dsc_econ.sensitivity.engine import evaluate

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_N", 25)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ORIGINAL = (data_dir("uncertainty") / "default.yaml").read_text(encoding="utf-8")
LINES = ORIGINAL.splitlines()
SETTINGS = [i for i, line in enumerate(LINES)
            if line.startswith("    ") and not line.startswith("     ") and ":" in line]
"""Lines that set one key of one input (distribution, its arguments, target...)."""

TOKENS = ["0", "-1", "1e308", "-1e308", ".nan", ".inf", "'0.5'", "abc", "[]", "[1, 2]",
          "{}", "~", "true", "beta", "lognormal", "triangular", "uniform", "normal",
          "gamma", "fixed", "did", "scale", "set", "harms.untreated.total", "nope.nope",
          "2", "0.999999", "1e-300", "'../x'", "*a", "'=1'"]


@st.composite
def uncertainty_file(draw) -> bytes:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.sampled_from(SETTINGS))
        head = lines[index].split(":", 1)[0]
        lines[index] = f"{head}: {draw(st.sampled_from(TOKENS))}"
    if draw(st.booleans()):
        key = draw(st.sampled_from(["median", "sd", "mode", "bogus", "low", "high"]))
        index = draw(st.sampled_from(SETTINGS))
        lines.insert(index, f"    {key}: {draw(st.sampled_from(TOKENS))}")
    return ("\n".join(lines) + "\n").encode("utf-8")


@FUZZ
@given(data=uncertainty_file())
def test_fuzzed_uncertainty_file_loads_or_names_the_file(params, tmp_path, data):
    path = tmp_path / "mine.yaml"
    path.write_bytes(data)
    try:
        unc = load_uncertainty(path, params)
    except Exception as exc:
        assert isinstance(exc, ParameterError), f"{type(exc).__name__}: {exc}"
        assert str(path) in str(exc), str(exc)
        return
    # a file that loads gives finite outputs at the corners and centre of the cube
    unit = np.array([[0.001] * len(unc.columns), [0.5] * len(unc.columns),
                     [0.999] * len(unc.columns)])
    out = evaluate(params, unc, unit)
    assert np.isfinite(out["npv"]).all()
