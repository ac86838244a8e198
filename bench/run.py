"""Benchmark: a full ``iq run`` of the 2019 edition against the papermill floor, side by side.

    .venv/bin/python bench/run.py [--repeat 3] [--save] [--params params/editions/2019.yaml]

* ``floor``: five notebooks that only import pandas, matplotlib and seaborn and draw one
  figure, executed with plain papermill one after the other in one process (a fresh kernel
  per notebook, started when its notebook starts), each then exported to HTML with
  nbconvert: what any papermill chain of five stage notebooks with pages costs;
* ``run``: ``iq run params/editions/2019.yaml --out <tmp>``, the whole command
  (validation, pre-flight checks, the five stage notebooks with the uncertainty and Sobol
  analyses, the figures as PNG and SVG, the notebook pages, the index page, the manifest).

The two alternate (floor, run, floor, run, …) so that a busy moment hits both; each figure
is the median. Target (issue 24): run ≤ 1.2 × floor. The stage timings ``iq run`` prints
(one line per step, also kept in the manifest under ``timings``) are given for the last
run, with the median of each step over the runs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from draft import floor_jobs  # noqa: E402
from nominal import machine_line  # noqa: E402

# the floor: papermill as it comes (no kernel started ahead), then nbconvert's HTML export
FLOOR = """
import json, sys
import papermill
from nbconvert import HTMLExporter
exporter = HTMLExporter()
for job in json.loads(sys.argv[1]):
    papermill.execute_notebook(job["source"], job["output"], parameters=job["parameters"], kernel_name="python3",
                               language="python", cwd=job["cwd"], progress_bar=False, log_output=False,
                               record_timing=False)
    body, _ = exporter.from_filename(job["output"])
    open(job["output"] + ".html", "w", encoding="utf-8").write(body)
"""


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return time.perf_counter() - started, result.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--params", default="params/editions/2019.yaml")
    ap.add_argument("--save", action="store_true", help="write bench/results/run.txt")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor_cmd = [sys.executable, "-c", FLOOR, json.dumps(floor_jobs(folder))]
        run_cmd = [sys.executable, "-m", "iqlib.cli", "run", args.params, "--out", str(folder / "runs" / "full")]
        timed(floor_cmd)                                   # warm the file cache once
        floors, runs, steps = [], [], []
        for _ in range(args.repeat):
            floors.append(timed(floor_cmd)[0])
            seconds, _ = timed(run_cmd)
            runs.append(seconds)
            steps.append(json.loads((folder / "runs" / "full" / "manifest.json").read_text(encoding="utf-8"))["timings"])
        shutil.rmtree(folder / "runs", ignore_errors=True)
    floor, run = statistics.median(floors), statistics.median(runs)
    lines = [f"machine: {machine_line()}",
             f"papermill floor, five notebooks with HTML export: median {floor:.2f} s "
             f"(runs: {', '.join(f'{t:.2f}' for t in floors)})",
             f"iq run {args.params}: median {run:.2f} s (runs: {', '.join(f'{t:.2f}' for t in runs)})",
             f"run / floor: {run / floor:.2f} (target ≤ 1.2)",
             "steps of iq run up to the manifest (median seconds over the runs):"]
    width = max(len(k) for k in steps[-1])
    lines += [f"  {k:<{width}}  {statistics.median(s.get(k, 0.0) for s in steps):6.2f}" for k in steps[-1]]
    print("\n".join(lines))
    if args.save:
        (ROOT / "bench" / "results" / "run.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
