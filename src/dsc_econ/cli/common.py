"""What every verb shares: the --parameters / --set options, loading parameters (then a
scenario, then --set), and writing text or results atomically."""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from typing import Any

from ..inputs.limits import MAX_SEED
from ..inputs.parameters import (
    ParameterError,
    ParameterSet,
    data_dir,
    load_parameters,
    parse_assignment,
)
from ..inputs.safety import atomic_write_text, guard_output
from ..inputs.scenarios import apply_scenario, load_scenarios


def count(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in ``[low, high]`` (the bounds of
    :mod:`dsc_econ.inputs.limits`), refused before the run with the option named."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a whole number, got {text[:40]!r}"
            ) from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low:,}, got {value:,}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(
                f"{value:,} is above the bound of {high:,} (README: What happens with "
                "bad input)"
            )
        return value

    parse.__name__ = "whole number"
    return parse


def number(low: float | None = None, high: float | None = None) -> Callable[[str], float]:
    """An argparse ``type``: a finite number, above ``low`` and at most ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number, got {text[:40]!r}"
            ) from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text[:40]}")
        if low is not None and value <= low:
            raise argparse.ArgumentTypeError(f"must be above {low:g}, got {value:g}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(
                f"{value:g} is above the bound of {high:g} (README: What happens with "
                "bad input)"
            )
        return value

    parse.__name__ = "number"
    return parse


def seed_option(parser: argparse.ArgumentParser, default: int, what: str = "") -> None:
    """--seed: a whole number from 0 (numpy refuses negative seeds)."""
    parser.add_argument(
        "--seed",
        type=count(0, MAX_SEED),
        default=default,
        help=f"random seed{what} (default {default})",
    )


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--parameters DIR and --set KEY=VALUE, on every verb that loads parameters."""
    parser.add_argument(
        "--parameters",
        metavar="DIR",
        help="folder of parameter files to use instead of the bundled parameters/",
    )
    parser.add_argument(
        "--set",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="assignments",
        help="override one parameter (repeatable), e.g. --set discounting.rate=0.015",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings about the parameter files (e.g. unknown names) as errors",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing output file that dsc-econ did not write (never an "
        "input, never a folder)",
    )


INPUT_OPTIONS = (
    "parameters",
    "scenario_file",
    "file",
    "uncertainty",
    "journeys",
    "sites_file",
    "net_benefits",
    "costs",
    "effects",
    "parameters_draws",
)
"""Attributes of the parsed options that name the run's input files or folders."""


def run_inputs(args: argparse.Namespace) -> list[Any]:
    """Every input file and folder of the run: the options of :data:`INPUT_OPTIONS`
    and the bundled data folders (a run must never write into the package's data)."""
    found: list[Any] = []
    for name in INPUT_OPTIONS:
        value = getattr(args, name, None)
        found.extend(value if isinstance(value, list) else [value])
    for kind in ("parameters", "scenarios", "uncertainty", "published"):
        try:
            found.append(data_dir(kind))
        except FileNotFoundError:
            continue
    return [v for v in found if v]


def guard(
    args: argparse.Namespace,
    path: Any,
    option: str,
    folder: bool = False,
    suffixes: Any = None,
) -> None:
    """Refuse (exit 2, before any work) an output that would replace an input, a file
    inside an input folder, a folder, or a file dsc-econ did not write (unless
    --force): :func:`dsc_econ.inputs.safety.guard_output`."""
    if path is None:
        return
    guard_output(
        path,
        run_inputs(args),
        force=getattr(args, "force", False),
        option=option,
        folder=folder,
        suffixes=suffixes,
    )


def load_params(
    args: argparse.Namespace, scenario: str | None = None, scenario_file: str | None = None
) -> ParameterSet:
    """Parameters from --parameters, then the scenario (if any), then --set (wins)."""
    overrides = dict(parse_assignment(a) for a in args.assignments)
    params = load_parameters(args.parameters, strict=getattr(args, "strict", False))
    if scenario:
        scenarios = all_scenarios(scenario_file, params)
        if scenario not in scenarios:
            close = difflib.get_close_matches(scenario, list(scenarios), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(scenarios))
            raise ParameterError(f"unknown scenario {scenario!r}{hint} (known: {known})")
        params = apply_scenario(params, scenarios[scenario])
    params = params.with_values(overrides, origin="--set") if overrides else params
    from ..inputs.prices import to_price_base

    return to_price_base(params)  # every monetary input in appraisal.price_base prices


def all_scenarios(path: str | None, params: ParameterSet | None = None) -> dict[str, Any]:
    """Scenarios of one file, or of every bundled file (the report's and the package's)."""
    if path:
        return load_scenarios(path, params)
    out: dict[str, Any] = {}
    for file in sorted(data_dir("scenarios").glob("*.yaml")):
        out.update(load_scenarios(file, params))
    return out


def write_text(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (never half-written)."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    atomic_write_text(text, output)


def save_result(ds: Any, path: str | None) -> None:
    """Save a sensitivity result: CSV holds the per-site summary, .nc/.zarr everything."""
    if not path:
        return
    from .. import sensitivity as sens

    sens.save(ds, path)
    print(f"saved {path}")


HUGE = 1e12
"""An input beyond this magnitude is named when a result is refused."""


def _huge_inputs(params: Any) -> list[str]:
    """``source: key = value`` of every parameter whose magnitude exceeds :data:`HUGE`
    (the likely cause of an overflow), the file or ``--set`` that gave it first."""
    import numpy as np

    found = []
    for name in params:
        meta = params.meta(name)
        try:
            arr = np.abs(np.asarray(meta.value, dtype=float))
        except (TypeError, ValueError):
            continue
        if arr.size and np.nanmax(arr) > HUGE:
            found.append(f"{meta.source}: {name} = {float(np.nanmax(arr)):g}")
    return found


def check_finite(values: Any, params: Any, what: str) -> None:
    """The last check before printing: refuse (exit 2) a result holding inf or NaN,
    naming the inputs that are large enough to have caused it. ``values`` is a
    DataFrame, Dataset or mapping of arrays; text columns are skipped."""
    import numpy as np

    if hasattr(values, "data_vars"):
        items = [(str(k), values[k].values) for k in values.data_vars]
    elif hasattr(values, "columns"):
        items = [(str(c), values[c].to_numpy()) for c in values.columns]
    else:
        items = [(str(k), np.asarray(v)) for k, v in dict(values).items()]
    from ..inputs.limits import MAX_RESULT

    for name, arr in items:
        if arr.dtype.kind not in "fc":
            continue
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(arr) | (np.abs(arr) > MAX_RESULT)
        if np.any(bad):
            causes = _huge_inputs(params)
            cause = (
                "caused by " + "; ".join(causes[:3])
                if causes
                else "an input too large or too small for the arithmetic"
            )
            raise ValueError(
                f"{what}: {name} is not a finite number (inf or NaN) or beyond "
                f"±{MAX_RESULT:.0e} for these inputs; nothing printed: {cause}"
            )


def shown_source(source: str) -> str:
    """A file source as a reader should see it: bundled files as ``bundled
    uncertainty/default.yaml``, files under the working folder relative to it, never
    the machine path of the package (parts joined by `` + `` are shown one by one)."""
    from pathlib import Path

    def one(part: str) -> str:
        path = Path(part)
        if not path.is_absolute():
            return part
        for kind in ("uncertainty", "parameters", "scenarios"):
            try:
                root = data_dir(kind).resolve()
                return f"bundled {kind}/{path.resolve().relative_to(root).as_posix()}"
            except (FileNotFoundError, ValueError, OSError):
                continue
        try:
            return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except (ValueError, OSError):
            return part

    return " + ".join(one(p) for p in str(source).split(" + "))
