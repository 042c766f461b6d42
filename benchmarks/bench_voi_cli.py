"""End-to-end benchmark of ``dsc-econ sensitivity voi`` (EVPPI of every single input and
group of the default analysis), with what each figure includes.

Run: python benchmarks/bench_voi_cli.py [--n 100000] [--repeat 1]

Two measurements, both on the bundled DSCP parameters and default uncertainty file (27
sampled columns: 22 inputs and groups -- 15 single inputs, 6 DiD pairs, the 6 site
cost multipliers as one group -- for 6 sites plus the programme, 7 decisions):

1. **end to end**: wall-clock seconds of ``dsc-econ sensitivity voi --n N`` as a new
   process, exactly what a user waits for (interpreter start, imports, reading the
   inputs, sampling, every regression with its 100 posterior draws for the fit
   standard error, printing).
2. **in-process breakdown** of the same work, each figure timed separately:

   * start-up: ``import dsc_econ`` and loading the parameters and uncertainty file;
   * sampling: the Monte Carlo run (``psa``, N samples kept in memory) and the
     sampled inputs' physical values;
   * EVPI: all 7 decisions;
   * fit, per regression kind: GAM ``te()`` of one input (15 groups), of a pair (6
     groups), and the 6-column group (additive GAM, with a Gaussian process tried
     and kept where it predicts held-out rows better) -- each including the EVPPI
     arithmetic and its fit / Monte Carlo standard errors;
   * output: formatting and printing the tables (to a null stream).

The machine is shared: read the load average printed first; timings on a busy machine
are inflated by roughly load / cores.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import time
from contextlib import redirect_stdout


def end_to_end(n: int) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "dsc_econ.cli", "sensitivity", "voi", "--n", str(n)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"dsc-econ sensitivity voi failed:\n{proc.stderr}")
    return elapsed


def breakdown(n: int) -> dict[str, float]:
    times: dict[str, float] = {}
    t = time.perf_counter()
    import dsc_econ as dsc
    from dsc_econ import sensitivity as sens
    from dsc_econ.sensitivity.distributions import load_uncertainty
    from dsc_econ.sensitivity.voi import (
        _evpi,
        _evppi_sites,
        input_groups,
        input_values,
        net_benefits,
    )

    params = dsc.load_parameters()
    uncertainty = load_uncertainty(None, params)
    times["start-up (import, parameters, uncertainty file)"] = time.perf_counter() - t

    t = time.perf_counter()
    result = sens.psa(
        params, uncertainty, n=n, chunked=False, keep_samples=True, progress=False
    )
    values = input_values(uncertainty, result.inputs.values, params)
    nb = net_benefits(result)
    times["sampling (psa, N samples kept; input values)"] = time.perf_counter() - t

    t = time.perf_counter()
    _evpi(nb)
    times["EVPI (7 decisions)"] = time.perf_counter() - t

    groups = input_groups(uncertainty)
    by_size: dict[int, dict] = {}
    for name, spec in groups.items():
        by_size.setdefault(len(spec["columns"]), {})[name] = spec
    for size, subset in sorted(by_size.items()):
        t = time.perf_counter()
        ds = _evppi_sites(nb, values, subset, progress=False)
        kind = str(ds.method.values[0]).split(", cubic")[0].split(", hyper")[0]
        times[f"fit: {len(subset)} group(s) of {size} column(s) [{kind}]"] = (
            time.perf_counter() - t
        )

    from dsc_econ.cli.sensitivity import print_voi

    full = sens.voi(params, uncertainty, result=result, progress=False, draws=2)
    t = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        print_voi(full, 5)
    times["output (formatting and printing the tables)"] = time.perf_counter() - t
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"N = {args.n:,}; {os.cpu_count()} cores; load average {load[0]:.1f} "
        f"{load[1]:.1f} {load[2]:.1f} (timings inflate roughly by load / cores)"
    )
    if not args.skip_end_to_end:
        seconds = end_to_end(args.n)
        print(f"\nend to end, dsc-econ sensitivity voi --n {args.n}: {seconds:.1f} s")
    print("\nin-process breakdown:")
    total = 0.0
    for key, value in breakdown(args.n).items():
        total += value
        print(f"  {key:<62} {value:6.2f} s")
    print(f"  {'sum':<62} {total:6.2f} s")


if __name__ == "__main__":
    main()
