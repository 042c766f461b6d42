"""Named sets of parameter overrides (the report's sensitivity cases and users' own).

A scenario file (``scenarios/report.yaml`` is bundled) maps scenario names to a
description, a reference and ``set: {parameter: value}``. Applying a scenario is just
:meth:`ParameterSet.with_values` with its overrides, so it is validated like any
override. Scenario names must be safe ids (:func:`dsc_econ.inputs.safety.check_id`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .parameters import ParameterError, ParameterSet, data_dir, read_yaml
from .safety import check_id

__all__ = ["Scenario", "apply_scenario", "load_scenarios"]

_KEYS = {"description", "reference", "set"}


@dataclass(frozen=True)
class Scenario:
    """A named set of parameter overrides."""

    name: str
    description: str
    set: dict[str, Any]
    reference: dict[str, Any] = field(default_factory=dict)
    source: str = ""


def load_scenarios(
    path: str | Path | None = None, params: ParameterSet | None = None
) -> dict[str, Scenario]:
    """Read a scenario file (default: the bundled ``scenarios/report.yaml``).

    If ``params`` is given, every scenario is checked against it (unknown parameter
    names or invalid values raise :class:`ParameterError` naming file and scenario);
    a bundled scenario that sets inputs the set does not have (a project without the
    DSCP managerial stream) is left out, as it does not apply.
    """
    file = Path(path) if path is not None else data_dir("scenarios") / "report.yaml"
    raw = read_yaml(file)
    bundled = file.resolve().parent == data_dir("scenarios").resolve()
    if not isinstance(raw, dict) or not isinstance(raw.get("scenarios"), dict):
        raise ParameterError(f"{file}: expected a top-level 'scenarios' mapping")
    out = {}
    for name, body in raw["scenarios"].items():
        check_id(name, "scenario name", f"{file}: scenarios")  # names may become paths
        where = f"{file}: scenarios.{name}"
        if not isinstance(body, dict):
            raise ParameterError(f"{where}: expected a mapping")
        unknown = set(body) - _KEYS
        if unknown:
            raise ParameterError(f"{where}: unknown key(s) {sorted(unknown)}")
        if not isinstance(body.get("set"), dict) or not body["set"]:
            raise ParameterError(f"{where}: needs a non-empty 'set' mapping")
        odd = [k for k in body["set"] if not isinstance(k, str)]
        if odd:
            raise ParameterError(f"{where}: set: {odd[0]!r} is not a parameter name")
        if body.get("reference") is not None and not isinstance(body["reference"], dict):
            raise ParameterError(
                f"{where}: reference must be a mapping (document, table/section, page), "
                f"got {body['reference']!r}"
            )
        scenario = Scenario(
            name=str(name),
            description=" ".join(str(body.get("description", "")).split()),
            set=dict(body["set"]),
            reference=dict(body.get("reference") or {}),
            source=str(file),
        )
        if params is not None:
            if bundled and any(k not in params for k in scenario.set):
                # a bundled scenario about inputs this set lacks (the DSCP managerial
                # stream, in a project made by dsc-econ new): not applicable, left out
                continue
            apply_scenario(params, scenario)
        out[str(name)] = scenario
    return out


def apply_scenario(params: ParameterSet, scenario: Scenario) -> ParameterSet:
    """The parameter set with the scenario's overrides applied (validated)."""
    return params.with_values(
        scenario.set, origin=f"{scenario.source}: scenarios.{scenario.name}"
    )
