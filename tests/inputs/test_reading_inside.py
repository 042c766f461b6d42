"""Reading stays inside the folder, and messages quote only an excerpt (issue 18)."""

from __future__ import annotations

import pytest

from dsc_econ.cli.main import main
from dsc_econ.inputs.parameters import ParameterError, load_parameters, read_yaml
from dsc_econ.inputs.safety import EXCERPT, excerpt

SECRET = "top-secret-token-4f7ee6da"


def test_a_parameter_file_linking_outside_its_folder_is_refused_unread(param_dir, capsys):
    secret = param_dir.parent / "secret.yaml"
    secret.write_text(f"not: a parameter\n{SECRET}: [\n")  # would fail to parse if read
    (param_dir / "leak.yaml").symlink_to(secret)
    with pytest.raises(ParameterError, match="leads outside its folder") as info:
        load_parameters(param_dir)
    assert SECRET not in str(info.value) and "leak.yaml" in str(info.value)
    assert main(["appraise", "--parameters", str(param_dir)]) == 2
    err = capsys.readouterr().err
    assert "leak.yaml" in err and SECRET not in err


def test_a_linked_sub_folder_outside_is_refused(param_dir, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.yaml").write_text(f"{SECRET}: 1\n")
    (param_dir / "more").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(ParameterError, match="outside") as info:
        load_parameters(param_dir)
    assert SECRET not in str(info.value)


@pytest.mark.parametrize("option", ["--scenario-file", "--uncertainty"])
def test_scenario_and_uncertainty_links_outside_are_refused(tmp_path, capsys, option):
    secret = tmp_path / "private" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text(SECRET)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "file.yaml").symlink_to(secret)
    verb = (["appraise", "--scenario", "x"] if option == "--scenario-file"
            else ["sensitivity", "oneway", "--sites", "3"])
    assert main([*verb, option, str(mine / "file.yaml")]) == 2
    err = capsys.readouterr().err
    assert "outside its folder" in err and SECRET not in err


def test_a_link_inside_the_folder_is_fine(param_dir):
    (param_dir / "real").mkdir()
    target = param_dir / "treatment.yaml"
    moved = param_dir / "real" / "treatment_data.yaml"
    moved.write_bytes(target.read_bytes())
    assert read_yaml(moved)  # plain file
    link = param_dir / "real" / "alias.yaml"
    link.symlink_to(moved)
    assert read_yaml(link) == read_yaml(moved)


def test_a_huge_scalar_file_is_quoted_as_an_excerpt(param_dir, capsys):
    (param_dir / "big.yaml").write_text("x" * 400_000 + "\n")
    assert main(["appraise", "--parameters", str(param_dir)]) == 2
    err = capsys.readouterr().err
    assert "big.yaml" in err and len(err) < 1_000


def test_excerpt_is_short():
    assert len(excerpt("y" * 10**6)) < EXCERPT + 40
    assert excerpt("short") == "'short'"
