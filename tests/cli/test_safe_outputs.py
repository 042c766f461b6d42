"""CLI outputs: formula cells escaped in every CSV, unsafe scenario names refused."""

from __future__ import annotations

import pandas as pd
import pytest

from dsc_econ.cli.main import main
from dsc_econ.inputs.safety import UnsafeNameError
from dsc_econ.inputs.scenarios import load_scenarios

SCENARIO = """\
scenarios:
  {name}:
    description: '=HYPERLINK("http://evil.example","click")'
    set:
      discounting.rate: 0.02
"""


def test_scenario_csv_escapes_a_formula_description(tmp_path, capsys):
    file = tmp_path / "mine.yaml"
    file.write_text(SCENARIO.format(name="evil"))
    out = tmp_path / "scen.csv"
    code = main(["sensitivity", "scenarios", "--file", str(file), "--sites", "3",
                 "--output", str(out)])
    assert code == 0
    frame = pd.read_csv(out)
    description = frame.loc[frame.scenario == "evil", "description"].iloc[0]
    assert description.startswith("'=HYPERLINK")
    assert pd.api.types.is_numeric_dtype(frame["npv"])  # numbers stay numbers


@pytest.mark.parametrize("name", ["../../victim", "a/b", "/abs", ".hidden", "x y"])
def test_scenario_names_that_could_be_paths_are_refused(tmp_path, name, capsys):
    file = tmp_path / "mine.yaml"
    file.write_text(SCENARIO.format(name=repr(name)))
    with pytest.raises(UnsafeNameError, match=rf"{file}: scenarios: scenario name"):
        load_scenarios(file)
    assert main(["appraise", "--scenario-file", str(file), "--scenario", "x"]) == 2
    assert "scenario name" in capsys.readouterr().err


def test_parameters_csv_escapes_text(capsys, param_dir):
    path = param_dir / "treatment.yaml"
    text = path.read_text()
    assert "  description: Cost of treatment per client" in text
    path.write_text(text.replace("  description: Cost of treatment per client",
                                 "  description: =1+1 Cost of treatment per client"))
    assert main(["parameters", "--parameters", str(param_dir), "--csv"]) == 0
    out = capsys.readouterr().out
    assert "'=1+1 Cost of treatment" in out
    assert ",=1+1" not in out


# ---------------------------------------------------------------- outputs never replace
# what the package did not write (issue 18)

import os  # noqa: E402
import shutil  # noqa: E402

from dsc_econ.inputs import safety  # noqa: E402
from dsc_econ.inputs.parameters import data_dir  # noqa: E402
from dsc_econ.records.synthetic import synthetic_journeys, synthetic_sites  # noqa: E402


@pytest.fixture(scope="module")
def extract(tmp_path_factory):
    """A small synthetic extract (sites 3 and 4 at a tenth of their size)."""
    import dsc_econ as dsc

    params = dsc.load_parameters()
    folder = tmp_path_factory.mktemp("extract")
    synthetic_journeys(params, scale=0.1, seed=7, sites=["3", "4"]).to_csv(
        folder / "journeys.csv", index=False
    )
    synthetic_sites(params, sites=["3", "4"]).to_csv(folder / "sites.csv", index=False)
    return folder


def _copy(extract, tmp_path):
    for name in ("journeys.csv", "sites.csv"):
        shutil.copy(extract / name, tmp_path / name)
    return tmp_path / "journeys.csv", tmp_path / "sites.csv"


def _derive(journeys, sites, *more):
    return main(["records", "derive", "--journeys", str(journeys), "--sites-file",
                 str(sites), "--no-regression", *more])


@pytest.mark.parametrize("option", ["--out", "--rejects"])
def test_derive_refuses_to_overwrite_its_journeys_input(extract, tmp_path, capsys, option):
    journeys, sites = _copy(extract, tmp_path)
    before = journeys.read_bytes()
    rejects = [] if option == "--rejects" else ["--rejects", str(tmp_path / "r.csv")]
    assert _derive(journeys, sites, *rejects, option, str(journeys)) == 2
    err = capsys.readouterr().err
    assert f"{option} {journeys}" in err and "inputs" in err
    assert journeys.read_bytes() == before


def test_derive_through_a_symlink_to_the_input_is_refused(extract, tmp_path, capsys):
    journeys, sites = _copy(extract, tmp_path)
    link = tmp_path / "link.csv"
    link.symlink_to(journeys)
    before = journeys.read_bytes()
    assert _derive(journeys, sites, "--rejects", str(tmp_path / "r.csv"),
                   "--out", str(link)) == 2
    assert journeys.read_bytes() == before and link.is_symlink()


def test_default_rejects_never_replaces_an_unrelated_file(extract, tmp_path, capsys,
                                                          monkeypatch):
    journeys, sites = _copy(extract, tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "rejects.csv").write_text("my own notes\n")
    assert _derive(journeys, sites) == 2
    assert "--rejects rejects.csv" in capsys.readouterr().err
    assert (work / "rejects.csv").read_text() == "my own notes\n"
    # on purpose: --force replaces it (and it becomes the package's own)
    assert _derive(journeys, sites, "--force") == 0
    assert safety.is_own_output(work / "rejects.csv") or not (work / "rejects.csv").exists()


def test_derive_out_twice_is_allowed_but_not_after_the_user_edits(extract, tmp_path,
                                                                  capsys):
    journeys, sites = _copy(extract, tmp_path)
    out, rejects = tmp_path / "counts.csv", ["--rejects", str(tmp_path / "r.csv")]
    assert _derive(journeys, sites, *rejects, "--out", str(out)) == 0
    assert _derive(journeys, sites, *rejects, "--out", str(out)) == 0  # its own file
    out.write_text(out.read_text() + "my note\n")  # now the user's
    assert _derive(journeys, sites, *rejects, "--out", str(out)) == 2
    assert out.read_text().endswith("my note\n")
    assert "--force" in capsys.readouterr().err


def test_output_inside_the_parameters_folder_is_refused(param_dir, capsys):
    target = param_dir / "pathways.yaml"
    before = target.read_bytes()
    assert main(["reproduce", "--parameters", str(param_dir), "--table", "7.10",
                 "--output", str(target)]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert main(["reproduce", "--parameters", str(param_dir), "--table", "7.10",
                 "--output", str(param_dir / "new.txt")]) == 2
    assert not (param_dir / "new.txt").exists()


def test_output_into_the_bundled_data_is_refused(capsys):
    target = data_dir("parameters") / "x.txt"
    assert main(["reproduce", "--table", "7.10", "--output", str(target)]) == 2
    assert not target.exists()


def test_sensitivity_output_never_deletes_a_user_folder(tmp_path, capsys):
    folder = tmp_path / "results.nc"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    assert main(["sensitivity", "psa", "--n", "50", "--sites", "3",
                 "--output", str(folder)]) == 2
    assert "existing folder" in capsys.readouterr().err
    assert (folder / "precious.txt").read_text() == "keep me"
    # the library refuses too
    import xarray as xr

    import dsc_econ as dsc

    with pytest.raises(safety.OutputRefusedError, match="did not write"):
        dsc.sensitivity.save(xr.Dataset({"a": ("x", [1.0])}), folder)
    assert (folder / "precious.txt").read_text() == "keep me"


def test_sensitivity_suffix_checked_before_the_run(tmp_path, capsys):
    assert main(["sensitivity", "psa", "--n", "100000000",  # legal, but hours of work
                 "--output", str(tmp_path / "x.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "--output" in err and ".nc" in err and "nothing was run" in err
    assert main(["sensitivity", "oneway", "--spider", str(tmp_path / "s.txt")]) == 2


def test_sensitivity_replaces_its_own_result(tmp_path, capsys):
    out = tmp_path / "psa.nc"
    args = ["sensitivity", "psa", "--n", "20", "--sites", "3", "--output", str(out)]
    assert main(args) == 0 and main(args) == 0
    out.write_bytes(b"user data")
    assert main(args) == 2 and out.read_bytes() == b"user data"
    assert main([*args, "--force"]) == 0 and out.read_bytes() != b"user data"


def test_synthesize_never_overwrites_a_user_journeys_file(tmp_path, capsys):
    (tmp_path / "journeys.csv").write_text("client_id\nmine\n")
    assert main(["records", "synthesize", "--out", str(tmp_path), "--scale", "0.01"]) == 2
    assert "journeys.csv" in capsys.readouterr().err
    assert (tmp_path / "journeys.csv").read_text() == "client_id\nmine\n"
    assert not (tmp_path / "sites.csv").exists()
    fresh = tmp_path / "fresh"
    args = ["records", "synthesize", "--out", str(fresh), "--scale", "0.01"]
    assert main(args) == 0 and main(args) == 0  # its own files: replaced


def test_output_that_is_a_file_given_as_a_folder_or_a_folder_as_a_file(tmp_path, capsys):
    file = tmp_path / "file"
    file.write_text("x")
    assert main(["records", "synthesize", "--out", str(file), "--scale", "0.01"]) == 2
    assert file.read_text() == "x"
    assert main(["reproduce", "--table", "7.10", "--output", str(tmp_path)]) == 2


def test_report_does_not_adopt_a_report_html_it_did_not_write(tmp_path):
    from dsc_econ.outputs import report as rep

    (tmp_path / "report.html").write_text("the user's own page")
    with pytest.raises(RuntimeError, match="did not write"):
        rep.write_report(tmp_path, "<html/>", pdf=False)
    assert (tmp_path / "report.html").read_text() == "the user's own page"


def test_report_out_inside_the_parameters_folder_is_refused(param_dir, capsys):
    assert main(["report", "--parameters", str(param_dir), "--no-pdf",
                 "--out", str(param_dir / "rep")]) == 2
    assert not (param_dir / "rep").exists()


def test_report_killed_while_printing_keeps_the_old_set(tmp_path, monkeypatch):
    from dsc_econ.outputs import report as rep

    def fake_pdf(html, pdf, chromium=None):
        pdf.write_bytes(b"%PDF " + html.read_bytes())
        return pdf

    monkeypatch.setattr(rep, "html_to_pdf", fake_pdf)
    rep.write_report(tmp_path, "<html>old</html>", pdf=True)

    def killed(html, pdf, chromium=None):
        raise KeyboardInterrupt  # stands in for kill -9 while Chromium prints

    monkeypatch.setattr(rep, "html_to_pdf", killed)
    with pytest.raises(KeyboardInterrupt):
        rep.write_report(tmp_path, "<html>new</html>", pdf=True)
    assert (tmp_path / "report.html").read_text() == "<html>old</html>"
    assert (tmp_path / "report.pdf").read_bytes() == b"%PDF <html>old</html>"
    manifest = (tmp_path / rep.MANIFEST).read_text()
    assert '"complete": true' in manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        rep.MANIFEST, "report.html", "report.pdf"]


def test_stale_staging_of_a_killed_process_is_cleaned(tmp_path):
    dead = tmp_path / f"{safety.STAGING_PREFIX}999999999-abc"
    dead.mkdir()
    (dead / "half.yaml").write_text("x")
    mine = tmp_path / f"{safety.STAGING_PREFIX}{os.getpid()}-live"
    mine.mkdir()
    other = tmp_path / "user-folder"
    other.mkdir()
    assert safety.clean_stale_staging(tmp_path) == [dead.name]
    assert mine.exists() and other.exists()


def test_write_parameters_staging_left_by_a_killed_run_is_cleaned(extract, tmp_path,
                                                                  capsys):
    journeys, sites = _copy(extract, tmp_path)
    dead = tmp_path / f"{safety.STAGING_PREFIX}999999999-x"
    (dead / "parameters").mkdir(parents=True)
    out = tmp_path / "derived"
    assert main(["appraise", "--journeys", str(journeys), "--sites-file", str(sites),
                 "--rejects", str(tmp_path / "r.csv"), "--write-parameters",
                 str(out), "--csv"]) == 0
    assert out.is_dir() and not dead.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dsc-econ-staging")]


def test_guard_output_unit_rules(tmp_path):
    inp = tmp_path / "in.csv"
    inp.write_text("a")
    with pytest.raises(safety.OutputRefusedError, match="--x"):
        safety.guard_output(inp, [inp], option="--x")
    with pytest.raises(safety.OutputRefusedError, match="was not written"):
        safety.guard_output(inp, [], option="--x")
    assert safety.guard_output(inp, [], force=True) == inp.resolve()
    with pytest.raises(safety.OutputRefusedError):  # --force never replaces an input
        safety.guard_output(inp, [inp], force=True)
    new = tmp_path / "new.csv"
    safety.atomic_write_text("b", new)
    assert safety.is_own_output(new)
    assert safety.guard_output(new, []) == new.resolve()
