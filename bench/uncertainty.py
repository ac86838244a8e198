"""Benchmark: the uncertainty analysis, total and per replication, median of several runs.

    .venv/bin/python bench/uncertainty.py [--replications 10000] [--repeat 7] [--save]

Cases:
* ``iq203``: the 2019 demo edition (203 cities × 47 indicators, SYNTHETIC data) with its
  own uncertainty inputs (weights ±25 % on two levels, 3 imputation rules, 2 treatments,
  3 normalisations, 2 aggregations on each of two levels: 72 combinations), 10 000
  replications (``--replications``);
* ``coinr51``: the COINr-shaped problem of ``coinr_case.py`` (51 units × 49 indicators,
  4 levels, 3 denominators, synthetic and seeded), N = 100 and N = 1 000, with the inputs
  of COINr's sensitivity vignette (20 combinations) and with more of them (288).

Each timed run builds a fresh model (so the preparation of the combinations drawn is
included) and computes every replication's ranks and the per-city intervals: the whole
analysis. Targets (issue 6): 10 000 replications at 203 × 47 in under 5 s. Issue 15's
target (1 000× below COINr per replication) is a ratio to COINr measured on the same
machine: see README.md for the R command; this script does not need R. Also timed: the
Sobol sensitivity analysis of the 2019 edition (N = 1024, 9 216 evaluations, bootstrap 500).
"""

from __future__ import annotations

import argparse
import functools
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import coinr_case  # noqa: E402
from nominal import machine_line  # noqa: E402

from iqlib.analysis import sensitivity, uncertainty  # noqa: E402
from iqlib.config.params import load_params  # noqa: E402
from iqlib.io import inputs  # noqa: E402


def iq203(replications: int):
    params = load_params(ROOT / "params/editions/2019.yaml")
    data = inputs.load(params)
    values, cities = data.values, data.cities
    u = params.edition.uncertainty.model_copy(update={"replications": replications})
    bounds = inputs.goalpost_bounds(params, values, cities)
    return values, cities, params.methodology.framework, u, bounds


def time_uncertainty(case, replications: int, repeat: int) -> list[float]:
    values, cities, meth, u, bounds = case(replications)
    uncertainty.analyse(uncertainty.Model(values, cities, meth, u, bounds), cities, seed=1)  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        uncertainty.analyse(uncertainty.Model(values, cities, meth, u, bounds), cities, seed=1)
        times.append(time.perf_counter() - t0)
    return times


def time_sensitivity(repeat: int) -> list[float]:
    values, cities, meth, u, bounds = iq203(2000)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        sensitivity.analyse(uncertainty.Model(values, cities, meth, u, bounds), seed=1)
        times.append(time.perf_counter() - t0)
    return times


def line(label: str, times: list[float], replications: int | None = None) -> str:
    med = statistics.median(times)
    text = f"{label}: median {med:.3f} s (min {min(times):.3f}, max {max(times):.3f}) over {len(times)} runs"
    if replications:
        text += f"; {replications / med:,.0f} replications/s; {1000 * med / replications:.4f} ms per replication"
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10_000, help="of the 2019 edition")
    ap.add_argument("--repeat", type=int, default=7, help="timed runs per case (N = 100: three times as many)")
    ap.add_argument("--save", action="store_true", help="write bench/results/uncertainty.txt")
    args = ap.parse_args()
    n = args.replications
    lines = [line(f"uncertainty, 203 cities x 47 indicators (2019 demo, 72 combinations), {n} replications",
                  time_uncertainty(iq203, n, args.repeat), n)]
    for inputs_, combinations in [("vignette", 20), ("extended", 288)]:
        for reps in [100, 1000]:
            case = functools.partial(coinr_case.case, inputs=inputs_)
            repeat = args.repeat * (3 if reps == 100 else 1)
            lines.append(line(f"uncertainty, COINr-shaped 51 units x 49 indicators, 4 levels, {inputs_} inputs "
                              f"({combinations} combinations), N = {reps}", time_uncertainty(case, reps, repeat), reps))
    lines += [line("sensitivity, 203 x 47, N = 1024 (9 216 evaluations), bootstrap 500 + convergence",
                   time_sensitivity(args.repeat)),
              f"peak memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
              f"(batches of {iq203(1)[3].batch} replications)",
              f"machine: {machine_line()}"]
    print("\n".join(lines))
    if args.save:
        (ROOT / "bench" / "results" / "uncertainty.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
