"""Benchmark of the vectorised appraisal and the sensitivity engine.

Run: python benchmarks/bench_sensitivity.py [--quick]

Prints, from one run on one machine:

(a) throughput of the vectorised six-site appraisal over N samples (chunked through
    dask's threaded scheduler, up to N = 10^7);
(b) the same model evaluated one sample at a time through the public point-estimate
    API (``dsc.appraise(params.with_values(row))``), as a user without the vectorised
    path would write it;
(c) a pure-Python scalar implementation of the same arithmetic (floats, no numpy), the
    lower bound of a hand-written loop; checked against (a) before it is timed;
(d) a full Sobol analysis end to end (default uncertainty file: 27 columns in 16
    groups, N = 2^14 base samples, six sites, NPV and BCR, first and total order with
    bootstrap intervals);
(e) peak resident memory of a chunked Monte Carlo run as N grows (each N in a fresh
    process), against an unchunked run.

(a)-(c) evaluate the same sampled inputs (every uncertain input of the default file,
including the DiD estimates, set as parameters with ``appraisal.did_source =
reported``); drawing the samples (inverse CDFs) is timed separately, and so is a whole
chunked Monte Carlo run (drawing, evaluating and summarising).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time

import numpy as np

import dsc_econ as dsc
from dsc_econ import sensitivity as sens
from dsc_econ.model.appraisal import appraisal_arrays
from dsc_econ.sensitivity.distributions import load_uncertainty

POOL = 2**17


def sampled_inputs(params, uncertainty, n, seed=1):
    """Parameter overrides for n samples of every uncertain input (DiD as parameters)."""
    unit = np.random.default_rng(seed).random((n, len(uncertainty.columns)))
    sites = params.impact_sites()
    over, dids = uncertainty.transform(unit, params, sites)
    for j, site in enumerate(sites):
        over[f"sites.{site}.did_reported.et_tt"] = dids["did_effective"][:, j]
        over[f"sites.{site}.did_reported.sc_tt"] = dids["did_completions"][:, j]
    return over


def vectorised(params, over):
    arr = appraisal_arrays(params.with_values(over, validate=False), by_year=False)
    return arr["net_benefit"], arr["bcr"]


def time_vectorised(params, pool, n, chunk=POOL):
    """Evaluate n rows in chunks of the pool through dask's threaded scheduler."""
    import dask

    tasks = []
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        part = {k: v[:rows] for k, v in pool.items()}
        tasks.append(dask.delayed(vectorised)(params, part))
    t0 = time.perf_counter()
    dask.compute(*tasks, scheduler="threads")
    return time.perf_counter() - t0


def scalar_model(p, row):
    """The appraisal for one sample in plain Python floats (whole-year careers)."""
    u0 = row["harms.untreated.total"]
    h = row["harms.in_treatment.total"]
    n_t = row["career.years_in_treatment"]
    n_all = n_t + row["career.years_after_treatment"]
    keep_u = 1.0 - row["harms.untreated.decline_rate"]
    first = p["harms.untreated.decline_from_year"]
    keep_a = 1.0 - row["harms.abstinent.decay_rate"]
    v = 1.0 / (1.0 + row["discounting.rate"])
    d = 1.0
    short = long_ = 0.0
    for i in range(math.ceil(n_all)):
        t = i + 1.0
        d *= v
        share_in = min(max(n_t - i, 0.0), 1.0)
        share_after = min(max(n_all - i, 0.0), 1.0) - share_in
        u = u0 * keep_u ** max(t - first + 1.0, 0.0)
        short += d * share_in * (u - h)
        if share_after:
            long_ += d * share_after * (u - h * keep_a ** max(t - n_t, 0.0))
    completion = short + row["pathways.gamma"] * long_
    npv, bcr = [], []
    for s in p.impact_sites():
        x1 = p[f"sites.{s}.counts.pilot.post.total_in_treatment"]
        benefit = (
            row[f"sites.{s}.did_reported.et_tt"] * x1 * short
            + row[f"sites.{s}.did_reported.sc_tt"] * x1 * completion
        ) / 1000.0
        cost = row[f"sites.{s}.costs.year_1"] + row[f"sites.{s}.costs.year_2"]
        npv.append(benefit - cost)
        bcr.append(benefit / cost)
    return npv, bcr


def peak_memory(n, chunked):
    # VmHWM (peak resident set of this process image), not ru_maxrss, which Linux
    # carries over from the forking parent.
    code = (
        "import dsc_econ as dsc\n"
        "from dsc_econ import sensitivity as s\n"
        "from dsc_econ.sensitivity.distributions import load_uncertainty\n"
        "p = dsc.load_parameters(); u = load_uncertainty()\n"
        f"s.psa(p, u, n={n}, seed=1, keep_samples=False, chunked={chunked},"
        " progress=False)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]))\n"
    )
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller N (a smoke run)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args()
    base = dsc.load_parameters()
    params = base.with_values({"appraisal.did_source": "reported"})
    uncertainty = load_uncertainty(params=base)
    results: dict[str, object] = {}

    t0 = time.perf_counter()
    pool = sampled_inputs(params, uncertainty, POOL)
    draw = time.perf_counter() - t0
    print(
        f"sampling (inverse CDFs, {len(uncertainty.columns)} columns): "
        f"{POOL / draw:,.0f} rows/s"
    )
    results["sampling_rows_per_s"] = POOL / draw

    # correctness first: (a) and (c) agree
    npv_a, _ = vectorised(params, {k: v[:200] for k, v in pool.items()})
    for i in range(200):
        row = {k: float(v[i]) for k, v in pool.items()}
        npv_c, _ = scalar_model(params, row)
        np.testing.assert_allclose(npv_c, npv_a[i], rtol=1e-9)

    sizes = [10**5, 10**6] if args.quick else [10**5, 10**6, 10**7]
    print("\n(a) vectorised six-site appraisal, chunks of 2^17 rows, dask threads:")
    rate_a = 0.0
    time_vectorised(params, pool, 10**6)  # warm-up: thread pool, caches, allocator
    for n in sizes:
        repeats = 3 if n <= 10**6 else 1
        seconds = min(time_vectorised(params, pool, n) for _ in range(repeats))
        rate_a = n / seconds
        print(f"    N = {n:>10,}: {seconds:7.2f} s  {rate_a:>12,.0f} evaluations/s")
        results[f"a_rate_n{n}"] = rate_a

    k = 50 if args.quick else 200
    rows = [{k_: float(v[i]) for k_, v in pool.items()} for i in range(k)]
    t0 = time.perf_counter()
    for row in rows:
        dsc.appraise(params.with_values(row))
    rate_b = k / (time.perf_counter() - t0)
    print(f"\n(b) one sample at a time through dsc.appraise: {rate_b:,.0f} evaluations/s")

    k = 20_000
    rows = [{k_: float(v[i]) for k_, v in pool.items()} for i in range(k)]
    t0 = time.perf_counter()
    for row in rows:
        scalar_model(params, row)
    rate_c = k / (time.perf_counter() - t0)
    print(f"(c) pure-Python scalar loop: {rate_c:,.0f} evaluations/s")
    print(
        f"\n    ratio (a)/(b) = {rate_a / rate_b:,.0f}"
        f"    ratio (a)/(c) = {rate_a / rate_c:,.1f}"
    )
    results.update(
        {
            "b_rate": rate_b,
            "c_rate": rate_c,
            "ratio_a_b": rate_a / rate_b,
            "ratio_a_c": rate_a / rate_c,
        }
    )

    n_mc = 10**5 if args.quick else 10**6
    t0 = time.perf_counter()
    sens.psa(
        base, uncertainty, n=n_mc, seed=1, keep_samples=False, chunked=True, progress=False
    )
    seconds = time.perf_counter() - t0
    print(
        f"\n    end to end (drawing samples + evaluating + summarising), chunked Monte "
        f"Carlo of N = {n_mc:,}: {n_mc / seconds:,.0f} samples/s"
    )
    results["psa_end_to_end_per_s"] = n_mc / seconds

    n_sobol = 2**12 if args.quick else 2**14
    t0 = time.perf_counter()
    ds = sens.sobol(base, uncertainty, n=n_sobol, seed=1, progress=False)
    seconds = time.perf_counter() - t0
    print(
        f"\n(d) Sobol, N = {n_sobol:,} base samples, {len(ds.parameter)} groups of "
        f"{len(uncertainty.columns)} columns, {ds.attrs['rows']:,} model runs, "
        f"{ds.sizes['site']} sites x {ds.sizes['output']} outputs, S1/ST with "
        f"bootstrap intervals: {seconds:.2f} s end to end"
    )
    results["d_sobol_seconds"] = seconds

    print("\n(e) peak resident memory of Monte Carlo runs (fresh process each):")
    mem_sizes = [10**5, 10**6] if args.quick else [10**5, 10**6, 10**7]
    for n in mem_sizes:
        mb, seconds = peak_memory(n, True)
        print(f"    chunked,   N = {n:>10,}: {mb:7.0f} MB  ({seconds:.1f} s)")
        results[f"e_chunked_mb_n{n}"] = mb
    mb, seconds = peak_memory(10**6, False)
    print(f"    in memory, N = {10**6:>10,}: {mb:7.0f} MB  ({seconds:.1f} s)")
    results["e_in_memory_mb_n1000000"] = mb
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
