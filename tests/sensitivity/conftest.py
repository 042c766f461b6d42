"""Fixtures of the sensitivity tests."""

from __future__ import annotations

import pytest

from dsc_econ.sensitivity.distributions import Uncertainty, load_uncertainty


@pytest.fixture(scope="session")
def uncertainty() -> Uncertainty:
    """The bundled uncertainty file (uncertainty/default.yaml)."""
    return load_uncertainty()
