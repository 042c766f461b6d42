"""Sphinx configuration of the dsc_econ documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

``-W`` turns every warning into an error: the site must build clean. The tutorials are
MyST notebooks (``docs/tutorials/*.md``) executed by myst-nb on every build, with small
sample sizes so the whole build takes about a minute.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import dsc_econ

os.environ.setdefault("MPLBACKEND", "Agg")
# The kernels that execute the tutorials get a throw-away IPython directory whose
# profile logs errors only: ipykernel 7 warns at start-up that its local TCP transport
# is unencrypted, which is noise in a build that must show no warnings.
_ipython_dir = Path(tempfile.mkdtemp(prefix="dsc-econ-docs-ipython-"))
(_ipython_dir / "profile_default").mkdir()
(_ipython_dir / "profile_default" / "ipython_kernel_config.py").write_text(
    'c.IPKernelApp.log_level = "ERROR"\n'
)
os.environ["IPYTHONDIR"] = str(_ipython_dir)
atexit.register(shutil.rmtree, _ipython_dir, ignore_errors=True)

project = "dsc_econ"
author = "dsc_econ developers"
copyright = "2026, dsc_econ developers"
version = release = dsc_econ.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# API reference from the numpydoc docstrings
autodoc_typehints = "none"  # numpydoc lists the types; signatures stay readable
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# Tutorials: executed on every build; a failing cell fails the build
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = f"dsc_econ {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_static_path: list[str] = []
