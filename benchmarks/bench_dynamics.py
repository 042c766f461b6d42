"""Benchmark of the stock-flow model and cash flows (issue 11), one run on one machine.

Run: python benchmarks/bench_dynamics.py [--quick]

What each figure includes:

(a) vectorised: ``cashflow_arrays`` on N sampled parameter sets at once, in blocks of
    ``--block`` rows. One call runs, for the six impact sites (2-7) plus the programme
    row ``all`` (7 rows) over 30 programme years: the stock-flow model twice (baseline
    and pilot: 30-year recursion, Driver 1 and 2 benefits), the single-cohort appraisal
    (for the side-by-side NPV), the streams, the discount factors, the cash-flow table
    (9 arrays of N x 7 x 30), NPV, BCR and both payback years. A "sample trajectory" is
    one sample's 7 x 30 cash-flow table with its summaries. Sampled inputs: both DiD
    estimates of every site, gamma, the years in treatment, the optimism bias, the
    pilot's start year and the managerial saving (switched on). Drawing the samples is
    not timed (it is the sensitivity engine's, benchmarked in bench_sensitivity.py).
(b) per-sample loop: the same model through the public point API,
    ``cashflow_arrays(params.with_values(row))``, one sample at a time, on the first
    ``--loop`` samples; checked equal to (a) before timing.
(c) peak resident memory (ru_maxrss) of (a) as N grows, each N in a fresh process,
    chunked in blocks of ``--block`` rows, against one unchunked block of 10^5 rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

import dsc_econ as dsc
from dsc_econ.model.cashflow import cashflow_arrays

SITES = ["2", "3", "4", "5", "6", "7"]


def sampled(n: int, seed: int = 1) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    over = {
        "pathways.gamma": rng.uniform(0.35, 0.55, n),
        "career.years_in_treatment": rng.triangular(3, 4, 6, n),
        "cashflow.optimism_bias": rng.uniform(0.0, 0.4, n),
        "stockflow.pilot.start_year": rng.integers(1, 4, n).astype(float),
        "streams.managerial_economies.amount": rng.triangular(60, 60, 120, n),
    }
    dids = {
        "did_effective": rng.normal(0.0, 0.015, (n, len(SITES))),
        "did_completions": rng.normal(0.0, 0.015, (n, len(SITES))),
    }
    return over, dids


def base_params():
    return dsc.load_parameters(
        overrides={"streams.managerial_economies.include_in_bcr": True}
    )


def run_blocks(params, over, dids, block: int) -> np.ndarray:
    n = len(next(iter(over.values())))
    npv = np.empty((n, len(SITES) + 1))
    for start in range(0, n, block):
        sl = slice(start, start + block)
        p = params.with_values({k: v[sl] for k, v in over.items()}, validate=False)
        arr = cashflow_arrays(
            p, SITES, dids["did_effective"][sl], dids["did_completions"][sl]
        )
        npv[sl] = arr["npv"]
    return npv


def memory_child(n: int, block: int) -> None:
    params = base_params()
    done = 0
    while done < n:  # draw and evaluate block by block: memory independent of n
        rows = min(block, n - done)
        over, dids = sampled(rows, seed=done)
        run_blocks(params, over, dids, block)
        done += rows
    print(json.dumps({"n": n, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF)
                      .ru_maxrss / 1024}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--block", type=int, default=4096)
    ap.add_argument("--loop", type=int, default=200)
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.block)
        return
    params = base_params()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    print("(a) vectorised cash flows (7 rows x 30 years per sample), block", args.block)
    best = 0.0
    for n in sizes:
        over, dids = sampled(n)
        t0 = time.perf_counter()
        run_blocks(params, over, dids, args.block)
        dt = time.perf_counter() - t0
        rate = n / dt
        best = max(best, rate)
        print(f"    N = {n:>9,}: {dt:7.2f} s, {rate:>11,.0f} sample trajectories/s")
    m = args.loop
    over, dids = sampled(m, seed=2)
    vec = run_blocks(params, over, dids, args.block)
    t0 = time.perf_counter()
    vec = run_blocks(params, over, dids, args.block)
    t_vec_small = time.perf_counter() - t0
    loop = np.empty_like(vec)
    t0 = time.perf_counter()
    for i in range(m):
        p = params.with_values({k: float(v[i]) for k, v in over.items()})
        arr = cashflow_arrays(p, SITES, dids["did_effective"][i], dids["did_completions"][i])
        loop[i] = arr["npv"]
    t_loop = time.perf_counter() - t0
    np.testing.assert_allclose(loop, vec, rtol=1e-9)
    loop_rate = m / t_loop
    print(f"(b) per-sample loop through the public API: {m} samples in {t_loop:.2f} s, "
          f"{loop_rate:,.0f} samples/s (agrees with (a))")
    print(f"    ratio (a)/(b) = {best / loop_rate:,.0f}x (best vectorised rate over the "
          f"per-sample rate; the same {m} samples vectorised took {t_vec_small:.3f} s)")
    print("(c) peak resident memory, chunked, each N in a fresh process:")
    mem_sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    for n in mem_sizes:
        res = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(n), "--block", str(args.block)],
            capture_output=True, text=True, check=True,
        )
        info = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"    N = {n:>9,}: {info['maxrss_mb']:7.0f} MB")
    res = subprocess.run(
        [sys.executable, __file__, "--memory-child", "100000", "--block", "100000"],
        capture_output=True, text=True, check=True,
    )
    info = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"    unchunked N = 100,000 (one block): {info['maxrss_mb']:7.0f} MB")
    target = "meets" if best >= 250_000 else "misses"
    print(f"Target >= 250,000 trajectories/s: {target} ({best:,.0f}); "
          f">= 100x the loop: {'meets' if best / loop_rate >= 100 else 'misses'}.")


if __name__ == "__main__":
    main()
