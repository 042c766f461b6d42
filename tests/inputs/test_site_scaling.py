"""Per-site work is linear: no scan of every parameter key for each site (issue 18).

Before, a name missing from the set (``sites.<id>.costs.year_4`` of a three-year site)
was looked up by scanning every key for a matching tail, once per site and year, and
``resolve_sites`` rescanned the site list for each chosen site: 3,000 sites took 31 s
to appraise. ``benchmarks/sites_scaling.py`` times it; these tests pin the mechanism
so it cannot come back silently.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsc_econ.inputs.names import Names, tail_index
from dsc_econ.model.appraisal import appraise, resolve_sites

_PART = st.sampled_from(["a", "b", "gamma", "sites", "1", "costs", "year_1"])
_KEY = st.lists(_PART, min_size=1, max_size=4).map(".".join)


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(_KEY, min_size=1, max_size=12, unique=True), name=_KEY)
def test_tail_index_resolves_as_the_key_scan(keys, name):
    names = Names()
    assert names.resolve(name, keys, tail_index(keys)) == names.resolve(name, keys)


def test_appraisal_never_scans_every_key(params, monkeypatch):
    def scan(*args, **kwargs):
        raise AssertionError("a lookup scanned every parameter key")

    monkeypatch.setattr(Names, "candidates", scan)
    chosen = params.with_values({"discounting.rate": 0.03})  # a fresh set, no cache
    assert resolve_sites(chosen, ["3", "4"]) == ["3", "4"]
    ds = appraise(chosen)
    assert ds.sizes["site"] == 6
    assert "sites.3.costs.year_9" not in chosen  # a miss is a dict lookup too


def test_unknown_sites_still_named(params):
    from dsc_econ.inputs.parameters import ParameterError

    with pytest.raises(ParameterError, match=r"unknown site id\(s\) \['99'\]"):
        resolve_sites(params, ["3", "99"])
