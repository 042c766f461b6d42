"""Shared fixtures: the bundled parameter set and a writable copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

import dsc_econ as dsc
from dsc_econ.inputs.parameters import data_dir
from dsc_econ.outputs.published import PublishedTable

settings.register_profile("default", max_examples=60, deadline=None)
settings.load_profile("default")


@pytest.fixture(scope="session")
def params() -> dsc.ParameterSet:
    """The bundled parameters (point values)."""
    return dsc.load_parameters()


@pytest.fixture()
def param_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled parameters/ folder that a test may edit."""
    target = tmp_path / "parameters"
    shutil.copytree(data_dir("parameters"), target)
    return target


@pytest.fixture(scope="session")
def published() -> dict[str, PublishedTable]:
    """The report's printed tables (comparison targets)."""
    return dsc.load_published()
