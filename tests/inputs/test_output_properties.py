"""Property tests of the output rules (issue 18, "Kept honest in CI"): whatever folder
of files a user has and whatever output path they name, a run changes no file but its
own target, and an interrupted write leaves the old file or the new one, never a
mix, with no staging left behind once the next run has been."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsc_econ.inputs import safety

NAMES = st.sampled_from(["a.csv", "b.csv", "journeys.csv", "rejects.csv", "r.nc"])
KINDS = st.sampled_from(
    [
        "user",
        "own",
        "own-edited",
        "input",
        "in-input-folder",
        "folder",
        "new",
        "link-to-input",
    ]
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file under ``root`` (links not followed) and its bytes; folders as None."""
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = ("-> " + os.readlink(path)).encode()
        elif path.is_dir():
            out[rel] = None
        else:
            out[rel] = path.read_bytes()
    return out


def _world(root: Path, files: dict[str, str], kind: str) -> tuple[Path, list[Path]]:
    """A working folder of the user's files, an input file and an input folder; the
    output path of the given ``kind``; the run's inputs."""
    work, inputs_dir = root / "work", root / "params"
    work.mkdir()
    inputs_dir.mkdir()
    (inputs_dir / "pathways.yaml").write_text("x: 1\n")
    source = work / "input.csv"
    source.write_text("site,count\n1,2\n")
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    own = safety.atomic_write_text("mine\n", work / "own.csv")
    if kind == "user":
        target = work / (next(iter(files)) if files else "user.csv")
        target.write_text("user data\n")
    elif kind == "own":
        target = own
    elif kind == "own-edited":
        target = own
        with open(own, "a", encoding="utf-8") as fh:
            fh.write("edited by the user\n")
        os.utime(own, ns=(1, 1))  # a different stamp, as an editor leaves
    elif kind == "input":
        target = source
    elif kind == "in-input-folder":
        target = inputs_dir / "pathways.yaml"
    elif kind == "folder":
        target = work / "results"
        target.mkdir()
        (target / "keep.txt").write_text("the user's\n")
    elif kind == "link-to-input":
        target = work / "alias.csv"
        target.symlink_to(source)
    else:
        target = work / "fresh.csv"
    return target, [source, inputs_dir]


@settings(max_examples=60, deadline=None)
@given(
    files=st.dictionaries(NAMES, TEXT, max_size=4),
    kind=KINDS,
    body=TEXT,
    force=st.booleans(),
)
def test_a_run_changes_nothing_but_its_own_target(files, kind, body, force):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        target, inputs = _world(root, files, kind)
        before = _snapshot(root)
        try:
            path = safety.guard_output(target, inputs, force=force, option="--out")
        except safety.OutputRefusedError as exc:
            assert "--out" in str(exc)
            assert _snapshot(root) == before  # refused: nothing touched
            assert kind in (
                "user",
                "own-edited",
                "input",
                "in-input-folder",
                "folder",
                "link-to-input",
            )
            return
        assert kind in ("own", "new") or (force and kind in ("user", "own-edited"))
        safety.atomic_write_text(body, path)
        after = _snapshot(root)
        rel = str(path.relative_to(root))
        registry = str(path.parent.relative_to(root) / safety.REGISTRY)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        assert changed <= {rel, registry}, changed
        assert after[rel] == body.encode("utf-8")
        assert safety.is_own_output(path)


@settings(max_examples=40, deadline=None)
@given(
    old=st.one_of(st.none(), TEXT), new=TEXT, fail_at=st.integers(0, 3), stale=st.booleans()
)
def test_an_interrupted_write_leaves_old_or_new(old, new, fail_at, stale):
    """Ctrl-C (or an error) at any step of a write: the file is complete, old or new;
    a killed process's temporary file is removed by the next write in that folder."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        target = folder / "out.csv"
        if old is not None:
            safety.atomic_write_text(old, target)
        if stale:  # what kill -9 leaves: a temporary file of a process that is gone
            (folder / f"{safety.STAGING_PREFIX}999999999-x.tmp").write_text("half")
        steps = {"fsync": os.fsync, "chmod": os.chmod, "replace": os.replace}
        calls = {"n": 0}

        def interrupt(real):
            def step(*args, **kwargs):
                if calls["n"] == fail_at:
                    calls["n"] += 1
                    raise KeyboardInterrupt
                calls["n"] += 1
                return real(*args, **kwargs)

            return step

        mp = pytest.MonkeyPatch()
        for name, real in steps.items():
            mp.setattr(safety.os, name, interrupt(real))
        try:
            safety.atomic_write_text(new, target)
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        finally:
            mp.undo()
        text = target.read_bytes().decode("utf-8") if target.exists() else None
        assert text == new if not interrupted else text in (old, new)
        if interrupted and fail_at < 3:  # before the rename: the old file
            assert text == old
        mine = [
            p
            for p in folder.iterdir()
            if p.name.startswith(f"{safety.STAGING_PREFIX}{os.getpid()}-")
        ]
        assert mine == []  # our own temporary file never stays
        safety.clean_stale_staging(folder)
        assert [
            p.name for p in folder.iterdir() if p.name.startswith(safety.STAGING_PREFIX)
        ] == []
