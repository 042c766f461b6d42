"""Fuzzing: malformed parameter and scenario files give a correct result or a
:class:`ParameterError` naming the user's file, never a traceback from inside the
package (hypothesis generates the files; examples are few so the module runs in
seconds)."""

from __future__ import annotations

import copy
import shutil
import warnings
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dsc_econ as dsc
from dsc_econ.inputs import parameters as params_module
from dsc_econ.inputs.parameters import ParameterError, data_dir
from dsc_econ.inputs.scenarios import load_scenarios
from dsc_econ.model.appraisal import appraisal_table

FUZZ = settings(max_examples=int(__import__("os").environ.get("FUZZ_N", 20)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

TOKENS = [
    "3000", "'3000'", "3,000", "£3000", "3 000", "1e999", ".nan", "-.inf", "-1", "0",
    "1" + "0" * 400, "1" + "0" * 5000, "2009-02-30", "2009-10-01", "[1, 2]", "{a: 1}",
    "[[[[[[[[1]]]]]]]]", "*nope", "&a 1", "!!python/object/apply:os.system [x]",
    "!!binary aGVsbG8=", "~", "true", "'=1+1'", "'../../x'", "0x1F", "0o17", "1_000",
    "'  '", '"\\u0000"', '"\\t3000"', "- 1", "? x", "|\n    text", "!!set {a}",
    "2009/10", "not stated", "'2009-10'", "GBP", "proportion", "{document: x}",
]
"""Raw YAML snippets a careless or hostile user might type (numbers as text, dates,
tags, aliases, huge numbers, formulas, paths)."""

text_line = st.text(
    alphabet=st.sampled_from([*list("abz09:-_ {}[]&*!|>'\"#%@`,.\t\x00é£\\/"), "\n"]),
    max_size=40,
)


@st.composite
def mutated_file(draw, original: str) -> bytes:
    """A mutation of a valid YAML file: a field set to a snippet, a line of noise, a
    key appended, or arbitrary bytes in an arbitrary encoding."""
    lines = original.splitlines()
    kind = draw(st.sampled_from(["field", "noise", "key", "bytes", "encoding"]))
    if kind == "field":
        index = draw(st.sampled_from([i for i, line in enumerate(lines) if ":" in line]))
        head = lines[index].split(":", 1)[0]
        lines[index] = f"{head}: {draw(st.sampled_from(TOKENS))}"
    elif kind == "noise":
        index = draw(st.integers(0, len(lines)))
        lines.insert(index, draw(text_line))
    elif kind == "key":
        key = draw(st.sampled_from(["annual_cost", "Annual-Cost", "../x", "value", "x y",
                                    "1", "''", "unit", "anual_cost"]))
        lines.append(f"{key}: {draw(st.sampled_from(TOKENS))}")
    elif kind == "bytes":
        return draw(st.binary(max_size=300))
    else:
        text = draw(st.text(max_size=80)) + "\n" + original
        encoding = draw(st.sampled_from(["utf-16", "cp1252", "latin-1", "utf-8-sig"]))
        return text.encode(encoding, errors="ignore")
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A copy of the bundled parameters whose unchanged files are parsed once (a cache
    keyed by path, modification time and size): the fuzzed file is read afresh each
    time, so an example costs one parse and the validation, not twenty parses."""
    target = tmp_path_factory.mktemp("fuzz") / "parameters"
    shutil.copytree(data_dir("parameters"), target)
    real = params_module.read_yaml
    cache: dict[tuple[str, int, int], object] = {}

    def cached(path):
        stat = Path(path).stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in cache:
            cache[key] = real(path)  # raises for the fuzzed file: nothing cached
        return copy.deepcopy(cache[key])

    patch = pytest.MonkeyPatch()
    patch.setattr(params_module, "read_yaml", cached)
    yield target
    patch.undo()


FUZZED = ["treatment.yaml", "discounting.yaml", "pathways.yaml", "sites/3.yaml",
          "harms/untreated.yaml"]
"""Files mutated: scalars, lists (the Green Book schedule), categories, a site."""
ORIGINALS = {n: (data_dir("parameters") / n).read_text(encoding="utf-8") for n in FUZZED}


def _assert_names_file(exc: BaseException, *paths: Path) -> None:
    assert isinstance(exc, ParameterError), f"{type(exc).__name__}: {exc}"
    assert any(str(p) in str(exc) for p in paths), str(exc)


@FUZZ
@given(draw=st.data())
def test_fuzzed_parameter_file_loads_or_names_the_file(folder, draw):
    name = draw.draw(st.sampled_from(FUZZED), label="file")
    path = folder / name
    path.write_bytes(draw.draw(mutated_file(ORIGINALS[name]), label="content"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params = dsc.load_parameters(folder)
    except Exception as exc:
        _assert_names_file(exc, path, folder)
    else:
        table = appraisal_table(params)  # a set that loads must appraise
        assert table.notna().all().all()
    finally:
        path.write_text(ORIGINALS[name], encoding="utf-8")


SCENARIO_ORIGINAL = """\
scenarios:
  mine:
    description: My case.
    reference: {document: notes, section: '1'}
    set:
      discounting.rate: 0.02
      pathways.gamma: 0.5
"""

names = st.sampled_from(["discounting.rate", "pathways.gamma", "treatment.annual_cost",
                         "discounting.method", "sites.3.costs.year_1", "nope", "a b"])
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30),
    st.text(max_size=10), st.booleans(), st.none(),
    st.lists(st.floats(0, 1), max_size=3), st.dictionaries(st.text(max_size=3),
                                                           st.integers(), max_size=2),
)
scenario_bodies = st.one_of(
    st.fixed_dictionaries(
        {"set": st.dictionaries(names, values, max_size=3)},
        optional={"description": st.one_of(st.text(max_size=20), st.integers()),
                  "reference": st.one_of(st.none(), st.dictionaries(st.text(max_size=5),
                                                                    st.text(max_size=5))),
                  "extra": st.integers()},
    ),
    values,
)
scenario_files = st.one_of(
    st.dictionaries(
        st.sampled_from(["scenarios", "Scenarios", "other"]),
        st.one_of(st.dictionaries(st.one_of(st.text(max_size=12), st.integers()),
                                  scenario_bodies, max_size=3), values),
        max_size=2,
    ).map(lambda d: yaml.safe_dump(d, allow_unicode=True).encode("utf-8")),
    mutated_file(SCENARIO_ORIGINAL),
)


@FUZZ
@given(data=scenario_files)
def test_fuzzed_scenario_file_loads_or_names_the_file(params, tmp_path, data):
    path = tmp_path / "scenarios.yaml"
    path.write_bytes(data)
    try:
        scenarios = load_scenarios(path, params)
    except Exception as exc:
        assert isinstance(exc, ValueError), f"{type(exc).__name__}: {exc}"
        assert str(path) in str(exc), str(exc)
    else:
        for scenario in scenarios.values():
            assert scenario.source == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenarios.yaml"]
