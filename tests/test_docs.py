"""The documentation site (docs/) covers the package: cheap checks that run everywhere.

The build itself (``sphinx-build -W``, which also executes the tutorials) needs the
``docs`` extra and runs in CI; these tests make sure a new module or tutorial cannot
silently drop out of it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _modules() -> set[str]:
    src = ROOT / "src"
    names = set()
    for path in (src / "dsc_econ").rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts) or parts[-1] == "__main__":
            continue
        names.add(".".join(parts))
    return names


def test_every_public_module_is_in_the_api_reference():
    documented = set()
    for page in (DOCS / "api").glob("*.rst"):
        documented |= set(re.findall(r"^\.\. automodule:: (\S+)", page.read_text(), re.M))
    missing = _modules() - documented
    assert not missing, f"add to docs/api/: {sorted(missing)}"
    assert not documented - _modules(), "docs/api/ names a module that does not exist"


def test_every_tutorial_is_listed_and_executed():
    index = (DOCS / "tutorials" / "index.md").read_text()
    for page in (DOCS / "tutorials").glob("*.md"):
        if page.name == "index.md":
            continue
        assert re.search(rf"^{page.stem}$", index, re.M), f"{page.name} not in the toctree"
        text = page.read_text()
        assert "file_format: mystnb" in text and "```{code-cell}" in text, page.name
    conf = (DOCS / "conf.py").read_text()
    assert 'nb_execution_mode = "force"' in conf
    assert "nb_execution_raise_on_error = True" in conf


def test_docs_extra_has_the_build_tools():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    names = {re.split(r"[<>=\[ ]", req)[0].lower() for req in extras["docs"]}
    assert {"sphinx", "pydata-sphinx-theme", "numpydoc", "myst-nb"} <= names
