"""Benchmark: weight optimisation (``iq optimise-weights``, ``analysis.optimise``).

    .venv/bin/python bench/optimise.py [--repeat 3] [--save]

* the 2019 demo edition (203 cities, SYNTHETIC data), the ten directions: equal targets and
  D4 twice as important, Pearson and Spearman (what the explorer's button and the command do
  after the inputs are read);
* COINr's ASEM example (tests/fixtures/coinr_asem): the four reference cases, with our
  objective beside COINr's default result.

Median wall time of ``--repeat`` runs, the objective evaluations, the objective; each run in
the same process after one warm-up (imports and the inputs read once).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import iqlib  # noqa: E402
from iqlib.analysis.optimise import optimise_weights  # noqa: E402


def timed(repeat: int, *args, **kwargs) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = optimise_weights(*args, **kwargs)
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> int:
    from nominal import machine_line
    from test_optimise import ASEM, LEVELS, asem

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--save", action="store_true", help="write bench/results/optimise.txt")
    args = ap.parse_args()
    s = iqlib.scenario("params/editions/2019.yaml")
    normalised, fw = s.result().normalised, s.params.methodology.framework
    optimise_weights(normalised, fw, "direction")          # warm-up: scipy imported
    lines = [f"machine: {machine_line()}"]
    for correlation in ("pearson", "spearman"):
        for name, targets in (("equal", None), ("D4=2", {"D4": 2})):
            seconds, r = timed(args.repeat, normalised, fw, "direction", targets, correlation)
            lines.append(f"2019 demo, directions, {correlation}, targets {name}: median {seconds:.2f} s, "
                         f"{r.evaluations} evaluations, objective {r.objective_nominal:.3f} → {r.objective:.3f}, "
                         f"{'converged' if r.converged else 'NOT converged'}")
    asem_fw, asem_normalised = asem()
    cases = pd.read_csv(ASEM / "cases.csv")
    coinr = pd.read_csv(ASEM / "objectives.csv").set_index("case")
    for case, rows in cases.groupby("case", sort=False):
        level = LEVELS[int(rows["level"].iloc[0])]
        targets = dict(zip(rows["code"], rows["target"]))
        seconds, r = timed(args.repeat, asem_normalised, asem_fw, level, targets)
        lines.append(f"ASEM {case}: median {seconds:.2f} s, {r.evaluations} evaluations, objective {r.objective:.3f} "
                     f"(COINr {coinr.loc[case, 'objective']:.3f} in {coinr.loc[case, 'function_evaluations']} evaluations)")
    print("\n".join(lines))
    if args.save:
        (ROOT / "bench" / "results" / "optimise.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
