"""Benchmark: uncertainty analysis replications per second, median and range of several runs.

    .venv/bin/python bench/uncertainty.py [--replications 10000] [--repeat 5] [--save]

Two cases:
* ``iq203``: the 2019 demo edition (203 cities × 47 indicators, SYNTHETIC data) with its
  own uncertainty inputs (weights ±25 % on two levels, 3 imputation rules, 2 treatments,
  3 normalisations, 2 aggregations on each of two levels: 72 combinations);
* ``coin51``: a synthetic framework the size of COINr's example (51 units × 49
  indicators, 8 pillars, 2 sub-indices, the index) with weight noise on three levels,
  3 normalisations, 2 imputation rules and 2 index aggregations.

Each timed run builds a fresh model (so the preparation of every combination is
included) and computes every replication's ranks and the per-city intervals. Targets
(issue 6): 10 000 replications at 203 × 47 in under 5 s; per replication at least 500×
below COINr's 80 ms, i.e. under 0.16 ms. Also timed: the Sobol sensitivity analysis of
the 2019 edition (N = 1024, 9 216 evaluations, bootstrap 500).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from nominal import machine_line  # noqa: E402

from iqlib.analysis import sensitivity, uncertainty  # noqa: E402
from iqlib.analysis.uncertainty import Uncertainty  # noqa: E402
from iqlib.config.params import Methodology, load_params  # noqa: E402
from iqlib.io import inputs  # noqa: E402

COINR_MS = 80.0


def iq203(replications: int):
    params = load_params(ROOT / "params/editions/2019.yaml")
    data = inputs.load(params)
    values, cities = data.values, data.cities
    u = params.edition.uncertainty.model_copy(update={"replications": replications})
    bounds = inputs.goalpost_bounds(params, values, cities)
    return values, cities, params.methodology.framework, u, bounds


def coin51(replications: int, seed: int = 51):
    """51 units × 49 indicators in 8 pillars and 2 sub-indices, synthetic, 3 % missing."""
    rng = np.random.default_rng(seed)
    sizes = [7, 6, 6, 6, 6, 6, 6, 6]
    pillars = [{"code": f"P{p + 1}", "level": "pillar", "parent": "S1" if p < 4 else "S2",
                "name_ru": f"P{p + 1}", "name_en": f"P{p + 1}"} for p in range(8)]
    inds = [{"code": f"X{i + 1:02d}", "parent": f"P{p + 1}", "name_ru": "x", "name_en": "x", "kind": "value",
             "unit": "u", "polarity": 1 if i % 7 else -1}
            for p, size in enumerate(sizes) for i in range(sum(sizes[:p]), sum(sizes[:p]) + size)]
    meth = Methodology.model_validate({
        "id": "coin51", "title_ru": "t", "title_en": "t", "status": {"confirmed_ru": [], "confirmed_en": [], "reconstructed_ru": [], "reconstructed_en": []},
        "sources": [], "kinds": {"value": {"unit_ru": "u", "unit_en": "u", "missing": "exclude"}},
        "levels": ["indicator", "pillar", "subindex", "index"],
        "scoring": {"normalisation": {"method": "minmax", "within": "all", "lower": 0, "upper": 100},
                    "aggregation": {lv: {"method": "weighted_mean"} for lv in ["pillar", "subindex", "index"]}},
        "aggregates": [{"code": "INDEX", "level": "index", "name_ru": "i", "name_en": "i"},
                       *[{"code": s, "level": "subindex", "parent": "INDEX", "name_ru": s, "name_en": s}
                         for s in ["S1", "S2"]], *pillars],
        "indicators": inds})
    ids = [f"u{i:02d}" for i in range(51)]
    latent = rng.normal(size=(51, 1))
    values = pd.DataFrame(np.exp(0.6 * latent + rng.normal(size=(51, 49))),
                          index=pd.Index(ids, name="city_id"), columns=meth.indicator_codes())
    values = values.mask(rng.uniform(size=values.shape) < 0.03)
    cities = pd.DataFrame({"city_id": ids, "city_ru": ids, "group": "all"})
    u = Uncertainty.model_validate({
        "replications": replications, "weights": {"indicator": 0.25, "pillar": 0.25, "subindex": 0.25},
        "imputation": ["nominal", "group_mean"],
        "normalisation": ["nominal", {"method": "zscore", "within": "all", "mean": 10, "sd": 2},
                          {"method": "pctrank", "within": "all", "scale": 100}],
        "aggregation": {"index": ["nominal", {"method": "geometric_mean", "nonpositive": "shift"}]}})
    return values, cities, meth.framework, u, None


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
        per = 1000 * med / replications
        text += (f"; {replications / med:,.0f} replications/s; {per:.4f} ms per replication "
                 f"= COINr's {COINR_MS:g} ms / {COINR_MS / per:,.0f}")
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--save", action="store_true", help="write bench/results/uncertainty.txt")
    args = ap.parse_args()
    n = args.replications
    lines = [line(f"uncertainty, 203 cities x 47 indicators (2019 demo, 72 combinations), {n} replications",
                  time_uncertainty(iq203, n, args.repeat), n),
             line(f"uncertainty, 51 units x 49 indicators (COINr-sized, 12 combinations), {n} replications",
                  time_uncertainty(coin51, n, args.repeat), n),
             line("sensitivity, 203 x 47, N = 1024 (9 216 evaluations), bootstrap 500 + convergence",
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
