"""The estimate line of a large request, for the sensitivity and cashflow verbs.

One call per verb, after the inputs are loaded and before the work starts:
:func:`announce_run` prints ``dsc-econ: about 40 s and 1.2 GB for 10,000,000 samples
of 7 sites (--n 10,000,000)`` on stderr when the run is large, and refuses (exit 2,
nothing written) when its memory would exceed the budget, naming the option. The
figures come from :mod:`dsc_econ.sensitivity.estimates`.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["announce_payback", "announce_run", "announce_synthesize"]

SECONDS_PER_JOURNEY = 8e-6
"""Seconds per synthetic journey row, made and written as CSV: 1,578,936 rows
(``--scale 20``) took 11.4 s in all, 1.6 s of it start-up (2026-12-04)."""

BYTES_PER_JOURNEY = 700
"""Peak memory per synthetic journey row: 1.21 GB at 1,578,936 rows, 0.21 GB at
78,947 (the DSCP sites at ``--scale 1``)."""

JOURNEYS_PER_CLIENT = 1.2
"""Journey rows per client counted in treatment: the clients' own journeys plus the
earlier decoy journeys (78,947 rows for the 67,495 DSCP clients at ``--scale 1``)."""


def announce_run(
    args: argparse.Namespace, params: Any, uncertainty: Any, sites: Any
) -> None:
    """The estimate of ``sensitivity psa/sobol/morris/voi`` (other verbs: nothing)."""
    from ..model.appraisal import resolve_sites
    from ..sensitivity import estimates as est
    from ..sensitivity.saltelli import group_names

    verb = args.verb
    if verb not in ("psa", "sobol", "morris", "voi"):
        return
    k = len(resolve_sites(params, sites))
    cols = len(uncertainty.columns)
    if verb == "psa":
        chunked = True if (args.chunked or args.scheduler) else None
        e = est.psa_estimate(args.n, cols, k, bool(args.output), chunked)
        est.announce(
            e, f"--n {args.n:,}", "use a smaller --n or --chunked (memory stays flat)"
        )
    elif verb == "sobol":
        d = len(group_names(uncertainty.problem(groups=not args.no_groups)))
        e = est.sobol_estimate(args.n, d, cols, k, args.second_order, args.resamples)
        est.announce(e, f"--n {args.n:,}", "use a smaller --n or --resamples")
    elif verb == "morris":
        d = len(group_names(uncertainty.problem(groups=not args.no_groups)))
        e = est.morris_estimate(args.trajectories, d, cols, k)
        est.announce(e, f"--trajectories {args.trajectories:,}")
    else:
        groups = len(group_names(uncertainty.problem(groups=True)))
        est.announce(est.voi_estimate(args.n, cols, groups, k), f"--n {args.n:,}")


def announce_payback(
    args: argparse.Namespace, params: Any, uncertainty: Any, within: Any
) -> None:
    """The estimate of ``cashflow --psa N``."""
    from ..model.appraisal import resolve_sites
    from ..sensitivity import estimates as est

    k = len(resolve_sites(params, args.sites))
    horizon = int(params["cashflow.horizon"])
    e = est.payback_estimate(
        args.psa, len(uncertainty.columns), k, horizon, len(list(within))
    )
    est.announce(e, f"--psa {args.psa:,}")


def announce_synthesize(args: argparse.Namespace, params: Any) -> None:
    """The estimate of ``records synthesize --scale S`` (journey rows, time, memory)."""
    from ..sensitivity import estimates as est

    sites = params.impact_sites()
    clients = sum(
        float(params[f"sites.{s}.counts.{area}.{period}.total_in_treatment"])
        for s in sites
        for area in ("pilot", "comparison")
        for period in ("pre", "post")
    )
    rows = int(clients * args.scale * JOURNEYS_PER_CLIENT)
    e = est.Estimate(
        est.START_SECONDS + rows * SECONDS_PER_JOURNEY,
        200_000_000 + rows * BYTES_PER_JOURNEY,
        rows,
        "journey rows",
        len(sites),
    )
    est.announce(e, f"--scale {args.scale:g}", "use a smaller --scale")
