"""Ids that become paths, atomic writes with the user's umask, CSV formula escaping."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from dsc_econ.inputs.safety import (
    REGISTRY,
    UnsafeNameError,
    atomic_write_text,
    check_id,
    child_path,
    csv_safe,
    write_csv,
)

BAD_IDS = [
    "../../../../some/other/folder/victim",
    "..",
    ".",
    ".hidden",
    "/etc/passwd",
    "a/b",
    "a\\b",
    "C:evil",
    "site 3",
    "",
    "x" * 65,
    "naïve",
    "a\x00b",
    "-rf",
    True,
    None,
    3.5,
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_unsafe_ids_are_refused_with_where_and_value(bad):
    with pytest.raises(UnsafeNameError, match=r"sites\.csv row 4: site id") as err:
        check_id(bad, "site id", "sites.csv row 4")
    assert repr(bad) in str(err.value)


@pytest.mark.parametrize("good", ["1", "7", "site_3", "North-East", "A" * 64, 12])
def test_safe_ids_pass(good):
    assert check_id(good) == str(good)


def test_child_path_stays_in_the_folder(tmp_path):
    assert child_path(tmp_path, "3", ".yaml") == tmp_path / "3.yaml"
    for bad in ("../victim", "/abs", "a/b"):
        with pytest.raises(UnsafeNameError):
            child_path(tmp_path, bad, ".yaml")
    # a symbolic link planted under a safe name cannot redirect the write elsewhere
    (tmp_path / "link.yaml").symlink_to(tmp_path.parent / "elsewhere.yaml")
    with pytest.raises(UnsafeNameError, match="outside"):
        child_path(tmp_path, "link", ".yaml")


def test_atomic_write_keeps_the_users_umask(tmp_path):
    old = os.umask(0o027)
    try:
        path = atomic_write_text("x", tmp_path / "sub" / "out.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == "x"
    # an existing file keeps its mode
    path.chmod(0o604)
    atomic_write_text("y", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    # beside it only the registry that records it as the package's own (issue 18)
    assert sorted(p.name for p in path.parent.iterdir()) == [REGISTRY, "out.txt"]


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")

    class Boom(str):
        def encode(self, *a, **k):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(Boom("new"), target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with pytest.raises(IsADirectoryError):
        atomic_write_text("x", tmp_path)


def test_csv_escapes_formula_text_but_keeps_negative_numbers():
    frame = pd.DataFrame(
        {
            "name": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "ok"],
            "value": [-1.5, -2, 3, 4, 5, 6, 7],
        },
        index=pd.Index(["=a", "b", "c", "d", "e", "f", "g"], name="id"),
    )
    safe = csv_safe(frame)
    assert list(safe["name"]) == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)",
                                  "'\tx", "'\rx", "ok"]
    assert safe["value"].tolist() == frame["value"].tolist()
    assert safe.index[0] == "'=a"
    text = write_csv(frame)
    rows = text.splitlines()
    assert rows[1].endswith(",-1.5")  # negative numbers stay numbers
    assert frame["name"].iloc[0].startswith("=")  # the caller's frame is untouched


def test_csv_escapes_column_names_and_categoricals(tmp_path):
    frame = pd.DataFrame({"=x": pd.Categorical(["-a", "b"]), "n": [1, 2]})
    write_csv(frame, tmp_path / "t.csv", index=False)
    back = pd.read_csv(tmp_path / "t.csv")
    assert list(back.columns) == ["'=x", "n"]
    assert list(back["'=x"]) == ["'-a", "b"]
