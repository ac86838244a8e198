"""Benchmark: the nominal computation (impute → treat → normalise → aggregate → rank)
for N synthetic units × the 47 indicators of iq_v1, median and range of several runs.

    .venv/bin/python bench/nominal.py [--units 100000] [--repeat 7]

Target: under one second for 100 000 units × 47 indicators with the reconstructed
method. ``--save`` writes the figures with the machine they were measured on to
bench/results/nominal_<params>_<units>.txt (the committed record).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iqlib.config.params import load_params  # noqa: E402
from iqlib.core import engine  # noqa: E402
from iqlib.io.demo import random_edition  # noqa: E402
from iqlib.publishing import machine  # noqa: E402


def machine_line() -> str:
    """The CPU, SIMD and BLAS (as a run's manifest records them), cores and versions."""
    return (f"{machine.summary(machine.describe())}; {os.cpu_count()} cores; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; numpy {np.__version__}; pandas {pd.__version__}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--params", default="params/editions/2019.yaml")
    ap.add_argument("--save", action="store_true", help="write bench/results/nominal_<params>_<units>.txt")
    args = ap.parse_args()
    params = load_params(ROOT / args.params)
    fw = params.methodology.framework
    values, cities = random_edition(params.methodology, params.group_codes, args.units, seed=0, rounded=False)
    bounds = engine.base_bounds(values, cities)
    engine.compute(values, cities, fw, bounds)  # warm-up (imports, caches)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        engine.compute(values, cities, fw, bounds)
        times.append(time.perf_counter() - t0)
    lines = [f"nominal computation, {args.units} units x {values.shape[1]} indicators, params {args.params}",
             f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s "
             f"over {args.repeat} runs (after one warm-up run)",
             f"machine: {machine_line()}"]
    print("\n".join(lines))
    if not args.save:
        return 0
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stem = Path(args.params).stem
    (out / f"nominal_{stem}_{args.units}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
