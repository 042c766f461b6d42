"""``dsc-econ reproduce``: the report's tables beside the computed ones."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .._version import __version__
from ..outputs.reproduce import MODES, render, render_notes, reproduce, summary_frame
from ..outputs.terminal import frame_text, terminal_width, wrap
from .common import add_common_options, guard, load_params, write_text


def add_parser(sub: Any) -> None:
    """Register ``reproduce``."""
    rep = sub.add_parser(
        "reproduce",
        help="reproduce the report's tables and explain every difference",
        description=(
            "Compute the report's economic tables and set each value beside the printed "
            "one. Cells beyond the printed rounding are flagged and explained from "
            "published/discrepancies.yaml; where a slip has a hypothesis it is recomputed "
            "and reported as reproduced or not. Exit status 1 if any difference is left "
            "unexplained."
        ),
    )
    add_common_options(rep)
    rep.add_argument(
        "--mode",
        choices=[*MODES, "both"],
        default="both",
        help="as_published, exact or both (default)",
    )
    rep.add_argument(
        "--table",
        action="append",
        metavar="ID",
        help="only this table (repeatable), e.g. --table 7.10; see `dsc-econ tables`",
    )
    rep.add_argument("--json", action="store_true", help="emit JSON (schema in README)")
    rep.add_argument(
        "--summary", action="store_true", help="only the per-table counts and the notes"
    )
    rep.add_argument(
        "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout"
    )


def run(args: argparse.Namespace) -> int:
    guard(args, args.output, "--output")
    params = load_params(args)
    modes = list(MODES) if args.mode == "both" else [args.mode]
    result = reproduce(params, tables=args.table, modes=modes)
    unexplained = len(result.unexplained())
    if args.json:
        payload = {"package_version": __version__, **result.to_dict()}
        text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
    else:
        parts = [f"dsc-econ {__version__}: reproduction of the DSCP report's tables"]
        if params.overridden:
            names = ", ".join(params.label(k) for k in params.overridden)
            parts.append(wrap(f"Overridden parameters: {names}", terminal_width()))
        parts.append(frame_text(summary_frame(result), index=False))
        parts.append("")
        if not args.summary:
            parts.extend(render(result, m) for m in modes)
        parts.append(render_notes(result))
        parts.append(
            f"\n{unexplained} unexplained difference(s)."
            if unexplained
            else "\nEvery difference beyond rounding is explained."
        )
        text = "\n".join(parts)
    write_text(text, args.output)
    return 1 if unexplained else 0
