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

__all__ = ["announce_payback", "announce_run"]


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
