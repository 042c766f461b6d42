"""No writable cache folder: the compiled loops run uncached, with one warning."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("numba")

SCRIPT = """
import warnings
import numba.core.caching as caching
caching.CacheImpl._locator_classes = []  # no folder numba could write its cache in
from dsc_econ.model.compiled import kernels
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    k = kernels()
print("kernels", k is not None)
print("warnings", sum("numba cannot write its cache" in str(w.message) for w in caught))
"""


def test_no_writable_cache_runs_uncached_with_one_warning():
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "kernels True" in out.stdout
    assert "warnings 1" in out.stdout
