"""A project of one's own: a parameter folder built from two tables, with its dates,
its uncertainty file and its narrative.

:func:`new_project` is what ``dsc-econ new DIR --counts C.csv --costs K.csv`` runs. It
turns the counts and costs tables (:mod:`dsc_econ.inputs.programme`) into a complete,
validated parameter folder:

* the assumptions of a base folder (default: the bundled one) with the project's sites
  in place of the base's; from the bundled base, the DSCP-only files (the managerial
  savings stream, the DSCP spending tables, the 2012 narrative) are left out, so no text
  about the 2012 pilots follows the project;
* Green Book practice for costs: ``appraisal.discount_costs: true``, costs discounted
  with the same factors as benefits (the DSCP set keeps the report's undiscounted
  costs, a named and flagged choice of that set);
* one story over time: ``cashflow.benefits: single_cohort`` and an effect that lasts as
  long as the change is funded (``cashflow.effect_duration`` = the cost years), so the
  cash-flow view gives the same NPV and BCR as the appraisal;
* dates: ``project.start`` (``--start 2026-04``) labels every year axis (year 1 =
  2026-27); ``records.periods`` says which months the counts cover;
* ``uncertainty/default.yaml`` and ``uncertainty/dynamics.yaml`` for the project's own
  sites (binomial DiD error of each site's counts, a 5% spread on each site's costs, and
  the shared assumptions of the base's uncertainty files), used by every verb when no
  ``--uncertainty`` is given.

The folder is built in a staging folder beside ``DIR`` and renamed into place only when
every check has passed (the loader's, the uncertainty files', one appraisal): nothing is
written on failure. An existing non-empty ``DIR`` is refused unless ``force`` is given
and the folder is one this function wrote (it holds :data:`MARKER`, and no file the
manifest does not list).
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .parameters import (
    NARRATIVE_FILE,
    UNCERTAINTY_FOLDER,
    ParameterError,
    ParameterSet,
    data_dir,
    load_parameters,
    read_yaml,
)

__all__ = [
    "MARKER",
    "load_narrative",
    "new_project",
    "own_uncertainty_file",
    "parse_month",
    "project_start",
    "year_axis",
    "year_label",
]

MARKER = ".dsc-econ-project.json"
"""File that marks a folder written by :func:`new_project` (with its manifest)."""

DSCP_ONLY = ("streams", "spending", NARRATIVE_FILE, UNCERTAINTY_FOLDER, MARKER)
"""Parts of the bundled folder that describe the 2012 pilots only: not copied."""


def parse_month(text: str, what: str = "--start") -> _dt.date:
    """``2026-04`` (or ``2026-04-01``) as a date; a clear error otherwise."""
    raw = str(text).strip()
    try:
        date = (
            _dt.date.fromisoformat(raw + "-01")
            if len(raw) == 7
            else _dt.date.fromisoformat(raw)
        )
    except ValueError:
        raise ParameterError(
            f"{what} {text!r} is not a month YYYY-MM (e.g. 2026-04) or a date YYYY-MM-DD"
        ) from None
    if not 1900 <= date.year <= 2100:
        raise ParameterError(f"{what} {text!r}: the year must be 1900 to 2100")
    return date


def _add_years(date: _dt.date, years: int) -> _dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def project_start(params: Any) -> _dt.date | None:
    """First day of project year 1 (``project.start``), or None if the set has none."""
    if "project.start" not in params:
        return None
    return _dt.date.fromisoformat(str(params["project.start"]))


def year_label(params: Any, year: int) -> str:
    """Calendar label of project year ``year``: ``2026-27`` for a year starting in
    April (a UK financial year), ``Jan 2026-Dec 2026`` style otherwise, or ``year N``
    when the set has no start date."""
    start = project_start(params)
    if start is None:
        return f"year {year}"
    first = _add_years(start, int(year) - 1)
    if first.month == 4 and first.day == 1:
        return f"{first.year}-{(first.year + 1) % 100:02d}"
    last = _add_years(first, 1) - _dt.timedelta(days=1)
    return f"{first:%b %Y}-{last:%b %Y}"


def year_axis(params: Any) -> str:
    """The year convention in words: ``year 1 = 2026-27`` (or that there is no date)."""
    if project_start(params) is None:
        return "year 1 = the first project year"
    return f"year 1 = {year_label(params, 1)}"


def own_uncertainty_file(params: Any, name: str = "default.yaml") -> Path | None:
    """The parameter set's own uncertainty file (``<folder>/uncertainty/<name>``)."""
    source = getattr(params, "source", "")
    if not source:
        return None
    path = Path(source) / UNCERTAINTY_FOLDER / name
    return path if path.is_file() else None


def load_narrative(params: Any) -> dict[str, str]:
    """The set's narrative entries (``narrative.yaml``: key -> text), ``{}`` if none.

    The report reads these where it would otherwise describe a particular evaluation
    (the DSCP set's notes on the 2012 pilots); a project without them gets none.
    """
    source = getattr(params, "source", "")
    path = Path(source) / NARRATIVE_FILE if source else None
    if path is None or not path.is_file():
        return {}
    raw = read_yaml(path)
    entries = raw.get("entries") if isinstance(raw, dict) else None
    if not isinstance(entries, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
    ):
        raise ParameterError(f"{path}: expected 'entries:' mapping names to texts")
    return {k: " ".join(v.split()) for k, v in entries.items()}


# -- building the folder ------------------------------------------------------------


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise ParameterError(f"{target}: exists and is not a folder")
    if not target.exists() or not any(target.iterdir()):
        return
    marker = target / MARKER
    if not force:
        raise ParameterError(
            f"{target}: exists and is not empty; choose a new folder (or --force to "
            "replace a project folder dsc-econ new wrote)"
        )
    if not marker.is_file():
        raise ParameterError(
            f"{target}: --force replaces only a folder dsc-econ new wrote (it has no "
            f"{MARKER}); refusing to replace it"
        )
    try:
        listed = set(json.loads(marker.read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        raise ParameterError(
            f"{marker}: unreadable; refusing to replace {target}"
        ) from None
    present = {
        p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()
    } - {MARKER}
    foreign = sorted(present - listed)
    if foreign:
        raise ParameterError(
            f"{target}: holds file(s) dsc-econ new did not write ({', '.join(foreign[:3])}"
            f"{'...' if len(foreign) > 3 else ''}); move them out first"
        )


def _edit(path: Path, keys: list[str], value: Any, note: str | None = None) -> None:
    """Set a value in a parameter file (a leaf ``{value: ...}`` or a bare value)."""
    raw = read_yaml(path)
    node = raw
    for key in keys[:-1]:
        node = node[key]
    leaf = node.get(keys[-1])
    if isinstance(leaf, dict) and "value" in leaf:
        leaf["value"] = value
        if note:
            leaf["note"] = note
    else:
        node[keys[-1]] = {"value": value, "note": note} if note else value
    _dump(raw, path)


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
"""libyaml's emitter where installed (the same text as PyYAML's for these files, about
ten times faster: 3,000 site files are written in well under a second)."""


def _dump(data: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(
            data, fh, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=88
        )


def _uncertainty(
    base: Path, params: ParameterSet, counts_name: str, costs_name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The project's two uncertainty files: the base's shared entries (none naming a
    site) plus one DiD and one cost entry per site; the dynamics entries whose
    parameters the project has."""
    bundled = data_dir("uncertainty")
    files = {}
    for name in ("default.yaml", "dynamics.yaml"):
        own = base / UNCERTAINTY_FOLDER / name
        files[name] = read_yaml(own if own.is_file() else bundled / name)

    def targets(entry: dict[str, Any]) -> list[str]:
        one = entry.get("parameter")
        return [one] if one else list(entry.get("parameters", []))

    def usable(entry: Any) -> bool:
        if not isinstance(entry, dict) or entry.get("kind") == "did" or "site" in entry:
            return False
        names = targets(entry)
        return bool(names) and all(
            n in params.parameters and not n.startswith("sites.") for n in names
        )

    default = {
        "description": (
            "Uncertainty about this project's inputs: the binomial sampling error of "
            "each site's counts, a spread on each site's costs, and the shared "
            "assumptions of the base uncertainty file (harms, careers, abstinence, "
            "discounting). Written by dsc-econ new; edit it to suit your evidence."
        ),
        "inputs": {k: v for k, v in files["default.yaml"]["inputs"].items() if usable(v)},
    }
    for site in params.impact_sites():
        default["inputs"][f"did_site_{site}"] = {
            "kind": "did",
            "site": site,
            "justification": (
                "Binomial sampling error of the site's counts, ET and SC shares "
                "correlated within each area and period; the DiD is centred on the counts."
            ),
            "reference": {"document": counts_name, "section": f"site {site} counts"},
        }
    for site in params.sites():
        n = sum(1 for k in params.parameters if k.startswith(f"sites.{site}.costs.year_"))
        default["inputs"][f"costs_site_{site}"] = {
            "parameters": [f"sites.{site}.costs.year_{k}" for k in range(1, n + 1)],
            "apply": "scale",
            "group": "site_costs",
            "distribution": "lognormal",
            "median": 1.0,
            "sd_log": 0.05,
            "justification": (
                "Costs as recorded, with a 5% spread for unrecorded in-kind and "
                "management time; widen it for budgets that are still estimates."
            ),
            "reference": {"document": costs_name, "section": f"site {site} costs"},
        }
    dynamics = {
        "description": (
            "Uncertainty about the time and system dynamics inputs of this project "
            "(used with default.yaml for cash flows and payback). Written by dsc-econ "
            "new from the base's dynamics file."
        ),
        "inputs": {k: v for k, v in files["dynamics.yaml"]["inputs"].items() if usable(v)},
    }
    return default, dynamics


def new_project(
    out: str | Path,
    counts: Any,
    costs: Any,
    base: str | Path | None = None,
    start: str | _dt.date = "2026-04",
    pre: tuple[str, str] | None = None,
    post: tuple[str, str] | None = None,
    force: bool = False,
    check: Callable[[ParameterSet, Path], None] | None = None,
) -> ParameterSet:
    """Build a validated project parameter folder ``out`` from the two tables.

    Parameters
    ----------
    out : path
        Folder to create (see the module docstring for an existing one).
    counts, costs : path or DataFrame
        The counts and costs tables (:func:`dsc_econ.inputs.programme.site_files`).
    base : path, optional
        Parameter folder whose assumptions to keep (default: the bundled one).
    start : str or date
        First month of project year 1 (``2026-04``: year 1 = 2026-27).
    pre, post : (start, end), optional
        Dates (YYYY-MM-DD) the counts' periods cover; default: the 12 months before
        ``start`` and the last project year.
    force : bool
        Replace ``out`` if it is a project folder this function wrote.
    check : callable, optional
        ``check(params, folder)`` run on the staged folder before it is moved into
        place (the CLI loads the uncertainty files and appraises every site); a
        :class:`ParameterError` it raises leaves nothing written.

    Returns
    -------
    ParameterSet
        The project's parameters, loaded from ``out``.
    """
    from .programme import _name, site_files

    target = Path(out)
    _check_target(target, force)
    first = start if isinstance(start, _dt.date) else parse_month(start)
    source = Path(base) if base is not None else data_dir("parameters")
    if not source.is_dir():
        raise ParameterError(f"{source}: base parameter folder not found")
    from .agencies import load_vocabulary

    # the costs' agency column is checked against the base's own vocabulary (its
    # agencies.yaml, copied into the project below), not the bundled one
    files = site_files(counts, costs, vocabulary=load_vocabulary(folder=source))
    years = max(
        sum(1 for k in body["costs"] if k.startswith("year_")) for body in files.values()
    )
    bundled = source.resolve() == data_dir("parameters").resolve()
    periods = {
        "pre": pre or (str(_add_years(first, -1)), str(first - _dt.timedelta(days=1))),
        "post": post
        or (
            str(_add_years(first, years - 1)),
            str(_add_years(first, years) - _dt.timedelta(days=1)),
        ),
    }
    for name, (a, b) in periods.items():
        if parse_month(a, f"--{name}") > parse_month(b, f"--{name}"):
            raise ParameterError(f"--{name} {a}:{b}: the period ends before it starts")
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".dsc-econ-new-", dir=parent))
    stage = work / "project"
    try:
        skip = DSCP_ONLY if bundled else (NARRATIVE_FILE, UNCERTAINTY_FOLDER, MARKER)
        shutil.copytree(
            source, stage, ignore=lambda d, names: [n for n in names if n in skip]
        )
        shutil.rmtree(stage / "sites", ignore_errors=True)
        for site, body in files.items():
            _dump(body, stage / "sites" / f"{site}.yaml")
        green = (
            "Set by dsc-econ new: costs are discounted with the same factors as "
            "benefits (HM Treasury Green Book practice)."
        )
        _edit(stage / "appraisal.yaml", ["discount_costs"], True, green)
        if "unstated_price_year" in read_yaml(stage / "appraisal.yaml"):
            _edit(  # issue 21: a project states its price years; no DSCP assumption
                stage / "appraisal.yaml",
                ["unstated_price_year"],
                "as supplied",
                "Set by dsc-econ new: no assumed price year; state each money input's "
                "price_year to convert it to appraisal.price_base.",
            )
        one = (
            "Set by dsc-econ new: the cash-flow view values the appraised cohort, so it "
            "tells the same story (NPV, BCR) as the appraisal."
        )
        _edit(stage / "cashflow.yaml", ["benefits"], "single_cohort", one)
        _edit(stage / "cashflow.yaml", ["effect_duration"], float(years))
        _edit(stage / "cashflow.yaml", ["effect_decay"], 1.0)
        _dump(
            {
                "description": "The project's dates (written by dsc-econ new).",
                "reference": {"document": "dsc-econ new", "section": "--start"},
                "start": {
                    "description": "First day of project year 1; labels every year axis.",
                    "value": str(first),
                    "unit": "date",
                },
            },
            stage / "project.yaml",
        )
        for name, (a, b) in periods.items():
            _edit(stage / "records.yaml", ["periods", name, "start"], a)
            _edit(stage / "records.yaml", ["periods", name, "end"], b)
        _edit(
            stage / "records.yaml",
            ["periods", "description"],
            "The months the counts compare: before the change (pre) and after it (post)"
            "; set by dsc-econ new from --start (or --pre / --post).",
        )
        params = load_parameters(stage)
        default, dynamics = _uncertainty(source, params, _name(counts), _name(costs))
        _dump(default, stage / UNCERTAINTY_FOLDER / "default.yaml")
        _dump(dynamics, stage / UNCERTAINTY_FOLDER / "dynamics.yaml")
        params = load_parameters(stage)
        if check is not None:
            check(params, stage)  # e.g. the uncertainty files and one appraisal
        manifest = sorted(
            p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file()
        )
        (stage / MARKER).write_text(
            json.dumps({"made_by": "dsc-econ new", "files": manifest}, indent=1),
            encoding="utf-8",
        )
        if target.exists():
            old = work / "replaced"
            target.rename(old)
        stage.rename(target)
    except ParameterError as exc:
        raise ParameterError(str(exc).replace(str(stage), str(target))) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return load_parameters(target)
