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


def test_site_checks_look_at_each_sites_own_keys(monkeypatch):
    """Validating the sites reads each site's own names (not every key once per site,
    which made loading 3,000 sites take about a minute)."""
    import dsc_econ.inputs.parameters as parameters

    seen: list[int] = []
    real = parameters._check_cost_years

    def counted(params, base, origin, names=None):
        assert names is not None, "the loader must pass the site's own names"
        seen.append(len(list(names)))
        return real(params, base, origin, names)

    monkeypatch.setattr(parameters, "_check_cost_years", counted)
    params = parameters.load_parameters()
    assert len(seen) == len(params.sites())
    assert max(seen) < len(params.parameters) / 5  # a site's names, not all of them


def test_plain_site_files_take_the_fast_parser_and_agree(tmp_path):
    """Block-style files with nothing an alias bomb or deep nesting needs are read by
    libyaml, and give exactly what the checking parser gives; anything else is not."""
    import yaml

    from dsc_econ.inputs import parameters as p

    if p._FastLoader is None:
        pytest.skip("PyYAML without libyaml")
    for path in sorted(p.data_dir("parameters").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        strict = yaml.load(text, Loader=p._StrictLoader)
        if p._plain_block(text):
            assert yaml.load(text, Loader=p._FastLoader) == strict, path
    site = (p.data_dir("parameters") / "sites" / "3.yaml").read_text(encoding="utf-8")
    assert p._plain_block(site)
    deep = "".join(" " * i + f"k{i}:\n" for i in range(60)) + " " * 60 + "v: 1\n"
    assert not p._plain_block(deep)  # the checking composer names the depth
    assert not p._plain_block("- - - - - - - - - - - - - - - - - - - - - - - - - 1\n")
    assert not p._plain_block("a: &x [1, 2]\nb: *x\n")
    assert not p._plain_block("a: " + "[" * 50 + "]" * 50 + "\n")
    (tmp_path / "dup.yaml").write_text("a: 1\na: 2\n")
    with pytest.raises(p.ParameterError, match=r"dup\.yaml: duplicate key 'a' \(line 2\)"):
        p.read_yaml(tmp_path / "dup.yaml")
    (tmp_path / "deep.yaml").write_text(deep)
    with pytest.raises(p.ParameterError, match="nested more than 50 levels"):
        p.read_yaml(tmp_path / "deep.yaml")
