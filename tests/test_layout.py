"""The package layout is the data flow: no wing imports a wing above it, and
``import dsc_econ`` leaves the heavy stacks unloaded."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import dsc_econ

PACKAGE = Path(dsc_econ.__file__).resolve().parent

RANK = {"_version": 0, "inputs": 1, "model": 2, "sensitivity": 3, "records": 3, "outputs": 4,
        "cli": 5}
"""Wings in data-flow order; sensitivity and records are siblings (neither imports the
other)."""

HEAVY = ("matplotlib", "SALib", "statsmodels", "dask", "distributed", "jinja2", "sklearn",
         "pygam", "numba")


def _wing(dotted: str) -> str | None:
    """The wing of a dotted module name inside the package (None for the facade)."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def _module_name(path: Path) -> str:
    return "dsc_econ." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, absolute module) of every import of the package in one source file,
    including imports inside functions; ``module`` is the file's dotted name."""
    package = module.removesuffix(".__init__")
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "dsc_econ" or (node.level and not node.module):
                found += [(node.lineno, f"{target}.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, t) for line, t in found if t == "dsc_econ" or t.startswith("dsc_econ.")]


def test_every_module_belongs_to_a_wing():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "_version.py"]
    wings = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(wings) <= set(RANK)
    for wing in wings:
        assert (PACKAGE / wing / "__init__.py").read_text(encoding="utf-8").startswith('"""')


def _upward(path: Path, module: str) -> list[str]:
    """Imports in one file that run against the data flow."""
    own = _wing(module)
    found = []
    for line, target in _imports(path, module):
        wing = _wing(target)
        if wing is None:
            found.append(f"{module}:{line} imports the package facade ({target})")
        elif wing != own and RANK[wing] >= RANK[own]:
            found.append(f"{module}:{line} ({own}) imports {target} ({wing})")
    return found


def test_no_wing_imports_a_wing_above_it():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if len(path.relative_to(PACKAGE).parts) > 1:  # not the facade or _version
            upward += _upward(path, _module_name(path))
    assert not upward, "\n".join(upward)


def test_the_walker_sees_upward_and_sideways_imports(tmp_path):
    """The check above can fail: model importing outputs (inside a function), records
    importing sensitivity, and a wing importing the facade are all caught."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from ..outputs import tables\n"
        "from ..sensitivity.engine import evaluate\nfrom .. import appraise\n"
        "def g():\n    import dsc_econ\n",
        encoding="utf-8",
    )
    assert len(_upward(probe, "dsc_econ.model.probe")) == 4
    assert len(_upward(probe, "dsc_econ.records.probe")) == 4
    assert _upward(probe, "dsc_econ.cli.probe") == [
        "dsc_econ.cli.probe:4 imports the package facade (dsc_econ.appraise)",
        "dsc_econ.cli.probe:6 imports the package facade (dsc_econ)",
    ]


@pytest.mark.parametrize("statement", ["import dsc_econ", "import dsc_econ.cli.main"])
def test_import_leaves_heavy_stacks_unloaded(statement):
    code = (
        f"import sys, json; {statement}; "
        f"print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == []


def test_lazy_public_names_still_work():
    assert callable(dsc_econ.report)
    assert dsc_econ.ReportFiles.__name__ == "ReportFiles"
    assert set(dsc_econ.__all__) <= set(dir(dsc_econ))
    for name in dsc_econ.__all__:
        getattr(dsc_econ, name)
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = dsc_econ.no_such_name
