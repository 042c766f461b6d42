"""Benchmark: appraisal and PSA time against the number of sites (issue 18).

Run: python benchmarks/sites_scaling.py [--sites 100 1000 3000] [--n 2000]

For each size, a synthetic project is built in a temporary folder the way a user
builds one (:func:`dsc_econ.inputs.project.new_project` from a counts and a costs
table: S sites, each with its pilot and comparison counts before and after, three cost
years), then timed:

* ``load``: reading and validating the parameter folder;
* ``appraise``: :func:`dsc_econ.appraise` of every site (point values);
* ``psa``: :func:`dsc_econ.sensitivity.psa` with ``--n`` samples (default 2,000) of the
  project's own uncertainty file.

The last columns divide each time by that of the smallest size and by the ratio of
sizes: about 1 when the work is linear in the number of sites, about the size ratio
when it grows with its square (before issue 18, 3,000 sites took 31 s to appraise and a
2,000-sample PSA did not finish in two minutes). The bound on sites
(:data:`dsc_econ.inputs.limits.MAX_SITES`) is lifted for the run. The machine may be
shared: read the ratios rather than the seconds. The first PSA also compiles the numba
kernels, so a warm-up run on the smallest size comes first and is not reported.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import dsc_econ as dsc
import dsc_econ.inputs.limits as limits
import dsc_econ.inputs.programme as programme
from dsc_econ import sensitivity as sens
from dsc_econ.inputs.project import new_project, own_uncertainty_file


def tables(n_sites: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and costs tables of ``n_sites`` made-up sites (pilot gains a little)."""
    rng = np.random.default_rng(seed)
    counts, costs = [], []
    for i in range(n_sites):
        site = f"s{i + 1}"
        for area in ("pilot", "comparison"):
            for period in ("pre", "post"):
                tt = int(rng.integers(800, 1200))
                lift = 0.04 if (area, period) == ("pilot", "post") else 0.0
                counts.append(
                    {
                        "site": site,
                        "area": area,
                        "period": period,
                        "total_in_treatment": tt,
                        "effective_treatment": int(tt * (0.85 + lift)),
                        "successful_completions": int(tt * (0.10 + lift / 2)),
                        "total_completing": int(tt * 0.4),
                    }
                )
        for year in (1, 2, 3):
            costs.append(
                {
                    "site": site,
                    "year": year,
                    "cost": float(rng.integers(100, 400)),
                    "price_year": "2026-27",
                    "agency": "nhs",
                }
            )
    return pd.DataFrame(counts), pd.DataFrame(costs)


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


def measure(n_sites: int, n_samples: int, folder: Path) -> dict[str, float]:
    """Seconds to load, appraise and run a PSA on a project of ``n_sites`` sites."""
    counts, costs = tables(n_sites)
    project = folder / f"sites_{n_sites}"
    new_project(project, counts, costs)
    start = time.perf_counter()
    params = dsc.load_parameters(project)
    out = {"load": time.perf_counter() - start}
    out["appraise"] = timed(dsc.appraise, params)
    uncertainty = sens.load_uncertainty(own_uncertainty_file(params), params)
    out["psa"] = timed(sens.psa, params, uncertainty, n=n_samples, seed=1)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, nargs="+", default=[100, 1000, 3000])
    ap.add_argument("--n", type=int, default=2000, help="PSA samples")
    args = ap.parse_args(argv)
    sizes = sorted(args.sites)
    limits.MAX_SITES = programme.MAX_SITES = max(max(sizes), limits.MAX_SITES)
    limits.MAX_GROUPS = max(4 * max(sizes), limits.MAX_GROUPS)
    with tempfile.TemporaryDirectory(prefix="dsc-sites-") as tmp:
        folder = Path(tmp)
        measure(min(sizes), min(args.n, 200), folder / "warm")  # compile, import
        rows = {s: measure(s, args.n, folder) for s in sizes}
    base = sizes[0]
    print(
        f"{'sites':>6} {'load s':>8} {'appraise s':>11} {'psa s':>8}   "
        "time per site relative to the smallest (1 = linear)"
    )
    for s, t in rows.items():
        rel = "  ".join(
            f"{k} {t[k] / rows[base][k] / (s / base):.2f}"
            for k in ("load", "appraise", "psa")
        )
        print(f"{s:>6} {t['load']:>8.2f} {t['appraise']:>11.2f} {t['psa']:>8.2f}   {rel}")


if __name__ == "__main__":
    main()
