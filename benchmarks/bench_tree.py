"""Benchmark: the appraisal kernel on the default tree (closed form) and on a general
tree (a death branch, so the unit values are scaled by the tree's coefficients).

Run: python benchmarks/bench_tree.py [--n N] [--repeats R]

Times ``appraisal_totals`` (six sites, every input of ``uncertainty/default.yaml``
varying) on N distinct rows prepared beforehand, in the engine's cache-sized slices,
for both trees and for the compiled loop and the numpy reference path. Prints six-site
evaluations per second and the ratio general / default. One thread; read the ratio
(measured side by side), not the seconds, on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np  # noqa: E402

import dsc_econ as dsc  # noqa: E402
from dsc_econ import sensitivity as sens  # noqa: E402
from dsc_econ.inputs.parameters import data_dir  # noqa: E402
from dsc_econ.model.appraisal import appraisal_totals, site_impacts  # noqa: E402
from dsc_econ.sensitivity.engine import EVAL_ROWS  # noqa: E402

DEATH = """died_in_treatment:
  description: Share of treatment discharges that are deaths (all modalities).
  value: 0.007
  reference:
    document: 004_4627c13326623822.txt
    table: Table 17, row Died, column Total
"""


def death_tree(folder: Path) -> Path:
    """A copy of the bundled parameters with a death branch below effective treatment."""
    target = folder / "parameters"
    shutil.copytree(data_dir("parameters"), target)
    with (target / "pathways.yaml").open("a") as fh:
        fh.write(DEATH)
    text = (target / "tree.yaml").read_text()
    text = text.replace(
        "      - {to: planned, probability: pathways.phi}",
        "      - {to: died, probability: pathways.died_in_treatment}\n"
        "      - {to: planned, probability: (1 - pathways.died_in_treatment) * "
        "pathways.phi}",
    )
    text += "  died:\n    label: dies in treatment\n    profile: untreated\n"
    (target / "tree.yaml").write_text(text)
    return target


def slices(params, uncertainty, values, sites):
    """Sampled parameter sets of EVAL_ROWS rows each (prepared before timing)."""
    out = []
    for start in range(0, values.shape[0], EVAL_ROWS):
        overrides, dids = uncertainty.from_values(
            values[start : start + EVAL_ROWS], params, sites
        )
        out.append((params.with_values(overrides, origin="sample", validate=False), dids))
    return out


def rate(prepared, sites, impact, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        for sampled, dids in prepared:
            appraisal_totals(sampled, sites, **dids, impact=impact)
        best = min(best, time.perf_counter() - t0)
    rows = sum(next(iter(d.values())).shape[0] if d else 0 for _, d in prepared)
    rows = rows or sum(s.sample_size() or 0 for s, _ in prepared)
    return rows / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2**16, help="rows (default 65536)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {
            "default tree (closed form)": dsc.load_parameters(),
            "general tree (death branch)": dsc.load_parameters(death_tree(Path(tmp))),
        }
        print(f"| kernel | tree | six-site evaluations/s (n = {args.n:,}) |")
        print("| --- | --- | ---: |")
        rates: dict[tuple[str, str], float] = {}
        for kernel in ("numba", "numpy"):
            if kernel == "numpy":
                os.environ["DSC_ECON_KERNEL"] = "numpy"
            for name, params in trees.items():
                unc = sens.load_uncertainty(None, params)
                sites = params.impact_sites()
                values = unc.draw(np.random.default_rng(19), args.n)
                prepared = slices(params, unc, values, sites)
                impact = site_impacts(params, sites)
                appraisal_totals(*prepared[0][:1], sites, **prepared[0][1], impact=impact)
                r = rate(prepared, sites, impact, args.repeats)
                rates[(kernel, name)] = r
                print(f"| {kernel} | {name} | {r / 1e6:.2f} M |")
        for kernel in ("numba", "numpy"):
            names = list(trees)
            ratio = rates[(kernel, names[0])] / rates[(kernel, names[1])]
            print(f"\n{kernel}: the general path takes {ratio:.2f}x the default's time")
        os.environ.pop("DSC_ECON_KERNEL", None)


if __name__ == "__main__":
    main()
