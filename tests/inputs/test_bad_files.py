"""Hostile and careless parameter files: bounded YAML, decode errors naming the file,
price years, unknown names; each a named error (or a documented warning)."""

from __future__ import annotations

import time
import warnings

import pytest

import dsc_econ as dsc
from dsc_econ.cli.main import main
from dsc_econ.inputs import parameters as params_mod
from dsc_econ.inputs.parameters import ParameterError, ParameterWarning, read_yaml

ALIAS_BOMB = """\
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.mark.parametrize("field", ["value", "description"])
def test_alias_bomb_in_a_parameter_is_refused_quickly_naming_the_file(param_dir, field):
    path = param_dir / "treatment.yaml"
    bomb = "*i" if field == "value" else "*i\n  value: 3000"
    anchors = "bomb_" + ALIAS_BOMB.replace("\n", "\nbomb_", 8)  # bomb_a: &a [...] ...
    path.write_text(path.read_text() + "\n" + anchors + f"\nboom:\n  {field}: {bomb}\n")
    start = time.perf_counter()
    with pytest.raises(ParameterError, match=rf"{path}: expands to more than"):
        dsc.load_parameters(param_dir)
    assert time.perf_counter() - start < 5


def test_alias_count_depth_recursion_and_size_are_bounded(tmp_path, monkeypatch):
    many = tmp_path / "many.yaml"
    many.write_text("a: &a 1\nb: [" + ", ".join(["*a"] * 300) + "]\n")
    with pytest.raises(ParameterError, match=r"many\.yaml: more than 200 aliases"):
        read_yaml(many)
    deep = tmp_path / "deep.yaml"
    deep.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ParameterError, match=r"deep\.yaml: nested more than 50 levels"):
        read_yaml(deep)
    loop = tmp_path / "loop.yaml"
    loop.write_text("a: &a [1, *a]\n")
    with pytest.raises(ParameterError, match=r"loop\.yaml: an alias refers to itself"):
        read_yaml(loop)
    monkeypatch.setattr(params_mod, "MAX_YAML_BYTES", 100)
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * 200 + "\n")
    with pytest.raises(ParameterError, match=r"big\.yaml: larger than 100 bytes"):
        read_yaml(big)


def test_a_few_honest_aliases_still_work(tmp_path):
    ok = tmp_path / "ok.yaml"
    ok.write_text("ref: &r {document: x, table: '7.1'}\na: {reference: *r}\nb: *r\n")
    assert read_yaml(ok)["b"] == {"document": "x", "table": "7.1"}


@pytest.mark.parametrize(
    ("data", "expect"),
    [
        ("treatment:\n  note: caf\xe9\n".encode("cp1252"), r"line 2 .*Windows-1252"),
        ("x: 1\n".encode("utf-16"), "UTF-16"),
        (b"x: \x81\x8d\x8f\x90\x9d\n", "Latin-1"),
    ],
)
def test_decode_errors_name_the_file_line_and_likely_encoding(tmp_path, data, expect):
    path = tmp_path / "bad.yaml"
    path.write_bytes(data)
    with pytest.raises(ParameterError, match=rf"{path}: .*{expect}.*save it as UTF-8"):
        read_yaml(path)


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("x: £1\n".encode("utf-8-sig"))
    assert read_yaml(path) == {"x": "£1"}


@pytest.mark.parametrize(
    "text",
    ["a: 2009-02-30\n", "? [1, 2]\n: x\n", "a: 1" + "0" * 5000 + "\n", "- !!python/tuple [1]\n"],
)
def test_unreadable_values_name_the_file(tmp_path, text):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    with pytest.raises(ParameterError, match=rf"^{path}: "):
        read_yaml(path)


def test_a_folder_or_missing_file_is_named(tmp_path):
    with pytest.raises(ParameterError, match="is a folder"):
        read_yaml(tmp_path)
    with pytest.raises(ParameterError, match="file not found"):
        read_yaml(tmp_path / "none.yaml")


@pytest.mark.parametrize("bad", ["2009/10", "last year", "2009-11", "1800-01", "2009.5",
                                 "cashflow"])
def test_free_text_price_years_are_refused(param_dir, bad):
    path = param_dir / "treatment.yaml"
    text = path.read_text()
    assert "price_year:" in text
    lines = [
        f"  price_year: {bad!r}" if line.strip().startswith("price_year:") else line
        for line in text.splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ParameterError, match=rf"treatment\.yaml: .*price_year '{bad}'"):
        dsc.load_parameters(param_dir)


@pytest.mark.parametrize("good", ["2009-10", "1999-00", "2009", "not stated",
                                  "cash (year 1 = 2009-10)", "as supplied"])
def test_price_year_forms(good):
    assert params_mod.check_price_year(good, "x") == good


def test_unknown_parameter_names_warn_or_fail_when_strict(param_dir):
    path = param_dir / "treatment.yaml"
    path.write_text(path.read_text() + "\nanual_cost:\n  value: 1\n  unit: GBP\n"
                    "  price_year: '2009-10'\n  reference: {document: mine, table: '1'}\n")
    with pytest.warns(ParameterWarning, match=r"treatment\.yaml: unknown parameter "
                      r"'treatment\.anual_cost'.*did you mean 'treatment\.annual_cost'"):
        dsc.load_parameters(param_dir)
    with pytest.raises(ParameterError, match=r"unknown parameter 'treatment\.anual_cost'"):
        dsc.load_parameters(param_dir, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dsc.load_parameters()  # the bundled set itself raises nothing


def test_cli_prints_warnings_as_one_line_and_strict_makes_them_errors(param_dir, capsys):
    path = param_dir / "treatment.yaml"
    path.write_text(path.read_text() + "\nanual_cost:\n  value: 1\n  unit: GBP\n"
                    "  price_year: '2009-10'\n  reference: {document: mine, table: '1'}\n")
    assert main(["appraise", "--parameters", str(param_dir), "--sites", "3"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("dsc-econ: warning: ") and "anual_cost" in err
    assert "Traceback" not in err and "warnings.warn" not in err
    assert main(["appraise", "--parameters", str(param_dir), "--strict"]) == 2
    assert "dsc-econ: error: " in capsys.readouterr().err


def test_memory_error_in_the_cli_is_one_line(monkeypatch, capsys):
    from dsc_econ.cli import main as cli_main

    def boom(args):
        raise MemoryError

    monkeypatch.setitem(cli_main.COMMANDS, "appraise", boom)
    assert main(["appraise"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dsc-econ: error: out of memory")


def test_a_list_where_one_value_is_read_is_an_error(param_dir):
    path = param_dir / "treatment.yaml"
    path.write_text(path.read_text().replace("value: 3000", "value: [3000, 4000]"))
    with pytest.raises(ParameterError, match=r"treatment\.annual_cost: expected one value"):
        dsc.load_parameters(param_dir)
    path = param_dir / "discounting.yaml"
    text = path.read_text()
    assert "schedule_rates:" in text
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("schedule_rates:"))
    j = next(k for k in range(i, len(lines)) if lines[k].strip().startswith("value:"))
    lines[j] = lines[j].split("value:")[0] + "value: 0.035"
    path.write_text("\n".join(lines) + "\n")
    (param_dir / "treatment.yaml").write_text(
        (param_dir / "treatment.yaml").read_text().replace("[3000, 4000]", "3000"))
    with pytest.raises(ParameterError, match=r"schedule_rates: expected a list"):
        dsc.load_parameters(param_dir)
