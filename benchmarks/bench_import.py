"""Start-up cost: ``import dsc_econ`` and ``dsc-econ --help`` against the stack they need.

Run: python benchmarks/bench_import.py [--runs 7]

Every figure is a whole process as a user starts it (interpreter start, imports, and for
``--help`` the parser and its output to /dev/null), timed by wall clock from this script.
The three commands are run in turn, round after round, so a busy machine slows them
alike; the table gives min and median seconds and the ratios of the medians to the
baseline ``python -c "import numpy, pandas, xarray"`` measured in the same run.

Targets (issue 9): ``import dsc_econ`` within 1.3x of the baseline, ``dsc-econ --help``
within 1.5x. Then ``python -X importtime`` lists the package's own modules by
cumulative import time, and the heavy stacks that must not load (matplotlib, SALib,
statsmodels, dask, jinja2) are checked absent from ``sys.modules``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HEAVY = ["matplotlib", "SALib", "statsmodels", "dask", "distributed", "jinja2", "sklearn",
         "pygam", "numba"]


def _cli() -> list[str]:
    exe = shutil.which("dsc-econ")
    return [exe, "--help"] if exe else [sys.executable, "-m", "dsc_econ.cli", "--help"]


COMMANDS = {
    "baseline: import numpy, pandas, xarray": [
        sys.executable, "-c", "import numpy, pandas, xarray"
    ],
    "import dsc_econ": [sys.executable, "-c", "import dsc_econ"],
    "dsc-econ --help": _cli(),
}
TARGETS = {"import dsc_econ": 1.3, "dsc-econ --help": 1.5}


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds (default 7)")
    args = parser.parse_args()

    for cmd in COMMANDS.values():  # warm the file cache once, untimed
        _time(cmd)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            times[name].append(_time(cmd))

    base = statistics.median(times["baseline: import numpy, pandas, xarray"])
    load = os.getloadavg()[0]
    print(f"Start-up, {args.runs} rounds, load average {load:.1f}, {os.cpu_count()} cores")
    print(f"{'command':<42}{'min s':>8}{'median s':>10}{'ratio':>8}{'target':>8}")
    failed = []
    for name, values in times.items():
        med = statistics.median(values)
        target = TARGETS.get(name)
        ratio = med / base
        mark = "" if target is None else f"{target:.1f}x"
        print(f"{name:<42}{min(values):>8.2f}{med:>10.2f}{ratio:>7.2f}x{mark:>8}")
        if target is not None and ratio > target:
            failed.append(name)

    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import dsc_econ"],
        capture_output=True, text=True, check=True,
    )
    own = []
    for line in out.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2].lstrip().startswith("dsc_econ"):
            own.append((int(parts[1]), parts[2].strip()))
    print("\nThe package's modules by cumulative import time (-X importtime, one run):")
    for micros, name in sorted(own, reverse=True)[:8]:
        print(f"  {micros / 1e6:6.3f} s  {name}")

    probe = (
        "import sys, json, dsc_econ; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                       check=True).stdout
    )
    print(f"\nHeavy stacks loaded by `import dsc_econ`: {', '.join(loaded) or 'none'}")
    if failed:
        print(f"Over target: {', '.join(failed)}")
    return 1 if failed or loaded else 0


if __name__ == "__main__":
    sys.exit(main())
