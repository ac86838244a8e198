"""Benchmark: the methodologist's in-memory loop on the 2019 demo edition (203 cities × 47
indicators, SYNTHETIC data).

    .venv/bin/python bench/whatif.py [--repeat 30] [--save]

* ``iqlib.scenario(...).compute()``: the first call in a fresh process (imports and
  reading the inputs included) and later calls with other weights (median);
* the what-if explorer's update (``Explorer.update`` through the widgets' callbacks, the
  HTML of the group table and of the biggest moves included): a direction weight slider
  moved (median of ``--repeat``), and a method choice changed to an alternative not yet
  computed (each alternative once: every first time is timed).

Target (issue 13): under 200 ms per update of the explorer; scores "in well under a second".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

started = time.perf_counter()
import iqlib  # noqa: E402

first_scores = iqlib.scenario("params/editions/2019.yaml", weights={"D4": 2}).compute()
first = time.perf_counter() - started

from nominal import machine_line  # noqa: E402

from iqlib.explorer import Explorer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--save", action="store_true", help="write bench/results/whatif.txt")
    args = ap.parse_args()
    api = []
    for k in range(args.repeat):
        t = time.perf_counter()
        iqlib.scenario("params/editions/2019.yaml", weights={"D4": 1 + (k % 10) / 10, "D7": 2 - (k % 7) / 10}).compute()
        api.append(time.perf_counter() - t)
    explorer = Explorer("params/editions/2019.yaml", folder="/tmp")
    sliders = []
    for k in range(args.repeat):
        explorer.weights["D2"].value = round(0.5 + (k % 20) * 0.05, 2)   # each a change: the callback runs
        sliders.append(explorer.last_update_ms)
    methods = []
    for key, dropdown in explorer.choices.items():
        for option in range(1, len(dropdown.options)):
            dropdown.value = option
            methods.append((f"{key}={option}", explorer.last_update_ms))
        dropdown.value = 0
    lines = [f"machine: {machine_line()}",
             f"iqlib.scenario(...).compute(), first call in a fresh process (imports, inputs read): {first:.2f} s",
             f"iqlib.scenario(...).compute(), other weights: median {1000 * statistics.median(api):.0f} ms "
             f"(max {1000 * max(api):.0f} ms, {args.repeat} calls)",
             f"explorer update, a weight slider moved: median {statistics.median(sliders):.0f} ms "
             f"(max {max(sliders):.0f} ms, {args.repeat} updates; target < 200 ms)",
             "explorer update, a method alternative chosen for the first time: "
             + ", ".join(f"{name} {ms:.0f} ms" for name, ms in methods)
             + f"; median {statistics.median(ms for _, ms in methods):.0f} ms"]
    print("\n".join(lines))
    assert len(first_scores) == 203
    if args.save:
        (ROOT / "bench" / "results" / "whatif.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
