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

from iqlib import engine  # noqa: E402
from iqlib.config.params import load_params  # noqa: E402

GROUPS = ["krupneyshie", "krupnye", "bolshie", "lt100k"]


def synthetic(meth, n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random values of every kind with 5 % missing, and a roster in four groups."""
    rng = np.random.default_rng(seed)
    cols = {}
    for ind in meth.indicators:
        if ind.kind == "presence":
            cols[ind.code] = rng.integers(0, 2, n).astype(float)
        elif ind.kind in ("share", "percent"):
            cols[ind.code] = rng.uniform(0, 100, n)
        else:
            cols[ind.code] = rng.lognormal(3, 1, n)
    ids = [f"u{i:06d}" for i in range(n)]
    values = pd.DataFrame(cols, index=pd.Index(ids, name="city_id"))
    values = values.mask(rng.uniform(size=values.shape) < 0.05)
    cities = pd.DataFrame({"city_id": ids, "group": rng.choice(GROUPS, n)})
    return values, cities


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}; {os.cpu_count()} cores; {platform.system()} {platform.release()}; Python "
            f"{platform.python_version()}; numpy {np.__version__}; pandas {pd.__version__}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--params", default="params/editions/2019.yaml")
    ap.add_argument("--save", action="store_true", help="write bench/results/nominal_<params>_<units>.txt")
    args = ap.parse_args()
    meth = load_params(ROOT / args.params).methodology
    values, cities = synthetic(meth, args.units)
    bounds = engine.base_bounds(values, cities)
    engine.compute(values, cities, meth, bounds)  # warm-up (imports, caches)
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        engine.compute(values, cities, meth, bounds)
        times.append(time.perf_counter() - t0)
    lines = [f"nominal computation, {args.units} units x {values.shape[1]} indicators, params {args.params}",
             f"median {statistics.median(times):.3f} s, min {min(times):.3f} s, max {max(times):.3f} s "
             f"over {args.repeat} runs (after one warm-up run)",
             f"machine: {machine()}"]
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
