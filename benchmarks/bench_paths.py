"""Benchmark of the paths users run, each figure naming what it includes.

Run: python benchmarks/bench_paths.py [--quick] [--repeats R] [--json FILE]

Prints one markdown table from one run on one machine. Every row says what it times:

* **end to end**: the CLI command as a user types it (``dsc-econ sensitivity psa --n
  1000000``, ``dsc-econ sensitivity sobol --n 16384``), in a fresh process each time:
  process start, ``import dsc_econ``, reading the parameter and uncertainty files,
  sampling, evaluation, summary and printing; min and median of R runs, with the
  process's peak resident memory;
* **in process**: the same analysis called from Python after the imports and files are
  loaded (``sens.psa``, ``sens.sobol``), min and median of R calls;
* **sampling**: Monte Carlo draws of all 27 columns straight from
  ``numpy.random.Generator`` against the inverse CDFs of ``scipy.stats`` on uniforms
  (what the package did before), same rows;
* **kernel**: the six-site appraisal (``appraisal_totals``: every uncertain input
  varying, fractional careers valued year by year) on N *distinct* rows prepared
  beforehand, in cache-sized slices; the compiled loop and the numpy reference path;
* **comparators**: a per-sample loop through the public API
  (``dsc.appraise(params.with_values(row))``) and a plain SALib pipeline on the same
  problem (``SALib.sample.sobol`` -> the package's model -> ``SALib.analyze.sobol`` for
  each site and output), both in process and end to end;
* **memory**: peak resident memory of PSA (chunked), Sobol and Morris runs as N grows,
  each in a fresh process.

Ratios compare equal thread counts: every process and every in-process figure runs
with one thread (``OMP/OPENBLAS/MKL/NUMBA_NUM_THREADS=1``, ``DSC_ECON_THREADS=1``,
``threadpoolctl``), except one labelled two-thread PSA figure. The
machine's load average is printed before and after: on a shared machine, read the
ratios (measured side by side in one run) rather than the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ONE_THREAD = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "DSC_ECON_THREADS": "1",
}
os.environ.update(ONE_THREAD)  # before numpy loads, for this process too

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve()


def run_process(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one fresh process (output discarded).

    The peak is the process's own high-water mark, read by GNU time
    (``/usr/bin/time -f %M``) around it: the ``ru_maxrss`` a Python parent gets from
    ``wait4`` starts from the parent's own size, which the child inherits at fork.
    GNU time's own start-up (a millisecond) is inside the wall time.
    """
    import tempfile

    env = {**os.environ, **ONE_THREAD}
    with tempfile.NamedTemporaryFile("r", suffix=".txt") as peak:
        gnu_time = ["/usr/bin/time", "-f", "%M", "-o", peak.name]
        wrapped = [*gnu_time, *argv] if Path(gnu_time[0]).exists() else argv
        t0 = time.perf_counter()
        proc = subprocess.run(
            wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        seconds = time.perf_counter() - t0
        if proc.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{proc.stderr.decode()}")
        text = Path(peak.name).read_text().split()
    mb = int(text[-1]) / 1024 if wrapped is not argv and text else float("nan")
    return seconds, mb


def timed(call: Callable[[], object], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def fmt_times(times: list[float]) -> str:
    return f"min {min(times):.2f} s, median {statistics.median(times):.2f} s"


def salib_pipeline(n: int, seed: int = 1) -> object:
    """SALib's own sampler and analyser around the package's model (same problem)."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    import dsc_econ as dsc
    from dsc_econ import sensitivity as sens
    from dsc_econ.sensitivity.distributions import load_uncertainty

    params = dsc.load_parameters()
    uncertainty = load_uncertainty(params=params)
    problem = uncertainty.problem(groups=True)
    unit = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    out = sens.evaluate_blocks(params, uncertainty, unit, progress=False)
    results = []
    for key in ("npv", "bcr"):
        for j in range(out[key].shape[1]):
            results.append(
                sobol_analyze.analyze(
                    problem,
                    np.ascontiguousarray(out[key][:, j]),
                    calc_second_order=False,
                    num_resamples=100,
                    seed=seed,
                )
            )
    return results


def kernel_rows(params, uncertainty, n: int, seed: int = 3):
    """Overrides and DiD arrays for n distinct rows, prepared before any timing."""
    values = uncertainty.draw(np.random.default_rng(seed), n)
    return uncertainty.from_values(values, params, params.impact_sites())


def time_kernel(params, over, dids, n: int, rows: int, repeats: int) -> list[float]:
    from dsc_econ.model.appraisal import appraisal_totals, site_impacts

    sites = params.impact_sites()
    impact = site_impacts(params, sites)
    slices = []
    for start in range(0, n, rows):
        part = {k: v[start : start + rows] for k, v in over.items()}
        sampled = params.with_values(part, origin="sample", validate=False)
        did = {k: v[start : start + rows] for k, v in dids.items()}
        slices.append((sampled, did))

    def run() -> None:
        for sampled, did in slices:
            appraisal_totals(sampled, sites, **did, impact=impact)

    run()  # warm-up (compilation is cached on disk; this loads it)
    return timed(run, repeats)


def peak_process(code: str) -> tuple[float, float]:
    return run_process([sys.executable, "-c", code])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller N (a smoke run)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure (3)")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    ap.add_argument("--salib-pipeline", type=int, metavar="N", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.salib_pipeline:  # the end-to-end SALib comparator, in its own process
        salib_pipeline(args.salib_pipeline)
        return

    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    import dsc_econ as dsc
    from dsc_econ import sensitivity as sens
    from dsc_econ.model.compiled import kernels
    from dsc_econ.sensitivity.distributions import load_uncertainty

    quick, reps = args.quick, args.repeats
    n_psa = 10**5 if quick else 10**6
    n_sobol = 2**12 if quick else 2**14
    n_kernel = 2**18 if quick else 2**20
    rows: list[tuple[str, str, str]] = []
    figures: dict[str, float] = {}
    load_before = os.getloadavg()
    print(f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} (2 cores)")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, one thread throughout")

    def row(what: str, includes: str, result: str) -> None:
        rows.append((what, includes, result))
        print(f"  {what}: {result}", flush=True)

    if not (Path(sys.executable).parent / "dsc-econ").exists():
        raise SystemExit("install the package first: pip install -e .")
    dsc_econ_cmd = [str(Path(sys.executable).parent / "dsc-econ")]

    # ---------------------------------------------------------------- start-up
    start = [run_process([sys.executable, "-c", "import dsc_econ"]) for _ in range(reps)]
    t_start = [s for s, _ in start]
    row(
        "start-up",
        "`python -c 'import dsc_econ'`: process start and import (the floor of every "
        "command)",
        fmt_times(t_start),
    )
    figures["startup_min_s"] = min(t_start)

    # ---------------------------------------------------------------- PSA
    runs = [
        run_process([*dsc_econ_cmd, "sensitivity", "psa", "--n", str(n_psa)])
        for _ in range(reps)
    ]
    t_cli = [s for s, _ in runs]
    row(
        f"PSA end to end, N = {n_psa:,}",
        f"`dsc-econ sensitivity psa --n {n_psa}`: start-up, files, sampling, evaluation, "
        "summary, printing",
        f"{fmt_times(t_cli)}; {n_psa / min(t_cli):,.0f} samples/s; peak "
        f"{max(m for _, m in runs):.0f} MB",
    )
    figures["psa_cli_min_s"] = min(t_cli)
    params = dsc.load_parameters()
    uncertainty = load_uncertainty(params=params)
    sens.psa(params, uncertainty, n=1000, seed=1, keep_samples=False, progress=False)
    t_in = timed(
        lambda: sens.psa(
            params, uncertainty, n=n_psa, seed=20121, keep_samples=False, progress=False
        ),
        reps,
    )
    row(
        f"PSA in process, N = {n_psa:,}",
        "`sens.psa(..., keep_samples=False)`: sampling, evaluation, summary (files "
        "loaded, imports done)",
        f"{fmt_times(t_in)}; {n_psa / min(t_in):,.0f} samples/s",
    )
    figures["psa_in_process_per_s"] = n_psa / min(t_in)
    os.environ["DSC_ECON_THREADS"] = "2"
    try:
        t_in2 = timed(
            lambda: sens.psa(
                params, uncertainty, n=n_psa, seed=20121, keep_samples=False, progress=False
            ),
            reps,
        )
    finally:
        os.environ["DSC_ECON_THREADS"] = "1"
    row(
        f"PSA in process, N = {n_psa:,}, 2 threads",
        "the same with `DSC_ECON_THREADS=2` (blocks drawn and evaluated on two threads; "
        "same results); not a ratio against one-thread figures",
        f"{fmt_times(t_in2)}; {n_psa / min(t_in2):,.0f} samples/s",
    )
    figures["psa_in_process_2_threads_per_s"] = n_psa / min(t_in2)

    # ---------------------------------------------------------------- sampling
    n_draw = 2**18 if quick else 2**20

    def direct() -> None:
        for start_row in range(0, n_draw, sens.BLOCK):
            uncertainty.draw(np.random.default_rng(start_row), sens.BLOCK)

    def inverse_cdf() -> None:
        from scipy import special

        for start_row in range(0, n_draw, sens.BLOCK):
            unit = np.random.default_rng(start_row).random(
                (sens.BLOCK, len(uncertainty.columns))
            )
            col = 0
            for item in uncertainty.inputs:
                block = unit[:, col : col + len(item.columns)]
                if item.kind == "did":
                    special.ndtri(block)
                else:
                    item.distribution.frozen.ppf(block[:, 0])
                col += len(item.columns)

    t_direct = timed(direct, reps)
    t_icdf = timed(inverse_cdf, max(1, reps - 1))
    row(
        f"sampling, {n_draw:,} rows x {len(uncertainty.columns)} columns",
        "direct `numpy.random.Generator` draws (beta, gamma, lognormal, normal, "
        "triangular...) against scipy inverse CDFs of uniforms (before)",
        f"direct {n_draw / min(t_direct):,.0f} rows/s; inverse CDFs "
        f"{n_draw / min(t_icdf):,.0f} rows/s; ratio {min(t_icdf) / min(t_direct):.1f}",
    )
    figures["sampling_direct_rows_per_s"] = n_draw / min(t_direct)
    figures["sampling_scipy_rows_per_s"] = n_draw / min(t_icdf)

    # ---------------------------------------------------------------- kernel
    over, dids = kernel_rows(params, uncertainty, n_kernel)
    from dsc_econ.sensitivity.engine import EVAL_ROWS

    t_fast = time_kernel(params, over, dids, n_kernel, EVAL_ROWS, reps)
    os.environ["DSC_ECON_KERNEL"] = "numpy"
    try:
        t_ref = time_kernel(params, over, dids, n_kernel, EVAL_ROWS, max(1, reps - 1))
        t_ref_big = time_kernel(params, over, dids, n_kernel, 2**16, max(1, reps - 1))
    finally:
        del os.environ["DSC_ECON_KERNEL"]
    compiled = "numba" if kernels() is not None else "numpy (numba missing)"
    rate = n_kernel / min(t_fast)
    row(
        f"kernel, N = {n_kernel:,} distinct rows",
        f"`appraisal_totals` on prepared sample arrays, slices of {EVAL_ROWS:,} rows; "
        f"{compiled} loop, and the numpy reference",
        f"{rate:,.0f} six-site evaluations/s; numpy reference "
        f"{n_kernel / min(t_ref):,.0f}/s (slices of 2^16 rows: "
        f"{n_kernel / min(t_ref_big):,.0f}/s)",
    )
    figures["kernel_per_s"] = rate
    figures["kernel_numpy_per_s"] = n_kernel / min(t_ref)

    k = 100 if quick else 300
    rows_api = [
        {name: float(v[i]) for name, v in over.items()}
        | {
            f"sites.{s}.did_reported.et_tt": float(dids["did_effective"][i, j])
            for j, s in enumerate(params.impact_sites())
        }
        | {
            f"sites.{s}.did_reported.sc_tt": float(dids["did_completions"][i, j])
            for j, s in enumerate(params.impact_sites())
        }
        for i in range(k)
    ]
    reported = params.with_values({"appraisal.did_source": "reported"})
    t0 = time.perf_counter()
    for r in rows_api:
        dsc.appraise(reported.with_values(r))
    loop_rate = k / (time.perf_counter() - t0)
    row(
        "per-sample loop through the public API",
        "`dsc.appraise(params.with_values(row))`, one row at a time (same rows)",
        f"{loop_rate:,.0f} evaluations/s; kernel / loop = {rate / loop_rate:,.0f}",
    )
    figures["api_loop_per_s"] = loop_rate

    # ---------------------------------------------------------------- Sobol
    runs = [
        run_process([*dsc_econ_cmd, "sensitivity", "sobol", "--n", str(n_sobol)])
        for _ in range(reps)
    ]
    t_sobol_cli = [s for s, _ in runs]
    row(
        f"Sobol end to end, N = {n_sobol:,} (16 groups)",
        f"`dsc-econ sensitivity sobol --n {n_sobol}`: start-up, files, design, "
        f"{n_sobol * 18:,} evaluations, S1/ST with 100 bootstrap resamples, printing",
        f"{fmt_times(t_sobol_cli)}; peak {max(m for _, m in runs):.0f} MB",
    )
    figures["sobol_cli_min_s"] = min(t_sobol_cli)
    t_sobol = timed(
        lambda: sens.sobol(params, uncertainty, n=n_sobol, seed=1, progress=False), reps
    )
    row(
        f"Sobol in process, N = {n_sobol:,}",
        "`sens.sobol(...)`: design, evaluation, indices (files loaded, imports done)",
        fmt_times(t_sobol),
    )
    salib_runs = [
        run_process([sys.executable, str(HERE), "--salib-pipeline", str(n_sobol)])
        for _ in range(max(1, reps - 1))
    ]
    t_salib_cli = [s for s, _ in salib_runs]
    t_salib = timed(lambda: salib_pipeline(n_sobol), max(1, reps - 1))
    row(
        f"plain SALib pipeline, N = {n_sobol:,}",
        "`SALib.sample.sobol` -> the package's model (`sens.evaluate_blocks`) -> "
        "`SALib.analyze.sobol` per site and output; in process and as a script",
        f"in process {fmt_times(t_salib)}; end to end {fmt_times(t_salib_cli)}; "
        f"package / SALib: {min(t_salib) / min(t_sobol):.1f}x in process, "
        f"{min(t_salib_cli) / min(t_sobol_cli):.1f}x end to end",
    )
    figures["sobol_in_process_s"] = min(t_sobol)
    figures["salib_in_process_s"] = min(t_salib)
    figures["salib_cli_s"] = min(t_salib_cli)

    # ---------------------------------------------------------------- memory
    prelude = textwrap.dedent(
        """\
        import dsc_econ as dsc
        from dsc_econ import sensitivity as s
        from dsc_econ.sensitivity.distributions import load_uncertainty
        p = dsc.load_parameters(); u = load_uncertainty(params=p)
        """
    )
    sizes = [10**5, 10**6] if quick else [10**5, 10**6, 10**7]
    mem = []
    for n in sizes:
        _, mb = peak_process(
            prelude
            + f"s.psa(p, u, n={n}, keep_samples=False, chunked=True, progress=False)"
        )
        mem.append(f"{mb:.0f} MB at {n:.0e}")
        figures[f"psa_chunked_mb_n{n}"] = mb
    _, mb = peak_process(prelude + "s.psa(p, u, n=10, keep_samples=False, progress=False)")
    row(
        "peak memory, PSA chunked",
        "fresh process: imports, files, `psa(chunked=True, keep_samples=False)`",
        ", ".join(mem) + f" (process with a 10-sample run: {mb:.0f} MB)",
    )
    mem = []
    for n in [2**10, 2**12] if quick else [2**12, 2**14, 2**16]:
        _, mb = peak_process(prelude + f"s.sobol(p, u, n={n}, progress=False)")
        mem.append(f"{mb:.0f} MB at 2^{int(np.log2(n))}")
        figures[f"sobol_mb_n{n}"] = mb
    row(
        "peak memory, Sobol",
        "fresh process; the design streamed in blocks, the NPV and BCR outputs kept "
        "(12 columns x N x 18 rows)",
        ", ".join(mem),
    )
    mem = []
    for r in [50, 500] if quick else [50, 500, 5000]:
        _, mb = peak_process(prelude + f"s.morris(p, u, trajectories={r}, progress=False)")
        mem.append(f"{mb:.0f} MB at {r} trajectories")
        figures[f"morris_mb_r{r}"] = mb
    row("peak memory, Morris", "fresh process", ", ".join(mem))

    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f}\n")
    print("| what | includes | result |\n| --- | --- | --- |")
    for what, includes, result in rows:
        print(f"| {what} | {includes} | {result} |")
    print(
        f"\nLoad average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
        f"(2 cores)."
    )
    if args.json:
        figures["load_before"] = load_before[0]
        figures["load_after"] = load_after[0]
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
