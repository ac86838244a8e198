"""Benchmark: a scenario draft (``iq run --draft``) against the papermill floor, side by side.

    .venv/bin/python bench/draft.py [--repeat 5] [--save]

* ``floor``: five notebooks that only import pandas, matplotlib and seaborn and draw one
  figure, executed with plain papermill one after the other in one process (a fresh kernel
  per notebook, started when its notebook starts: ``PLAIN``; ``iq run`` itself starts the
  next stage's kernel while a stage runs, which the floor does not);
* ``draft``: ``iq run bench/d4_double.yaml --draft`` (the 2019 demo edition with D4
  weighted twice, SYNTHETIC data), the whole command: validation, the five stage notebooks
  without the robustness analysis and without notebook pages, and the comparison with the
  published base run.

The two alternate (floor, draft, floor, draft, …) so that a busy moment hits both; each
figure is the median. Target (issue 13): draft < 1.5 × floor. For reference, a full run
of the same scenario (uncertainty, Sobol, notebook pages) is timed once.
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

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from nominal import machine_line  # noqa: E402

FLOOR_CELL = """import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns

fig, ax = plt.subplots()
sns.barplot(x=list("abc"), y=[1, 2, 3], ax=ax)
fig.savefig(f"figure_{stage}.png")"""


PLAIN = """
import json, sys
import papermill
for job in json.loads(sys.argv[1]):
    papermill.execute_notebook(job["source"], job["output"], parameters=job["parameters"], kernel_name="python3",
                               language="python", cwd=job["cwd"], progress_bar=False, log_output=False,
                               record_timing=False)
"""


def floor_jobs(folder: Path) -> list[dict]:
    jobs = []
    for stage in ["01", "02", "03", "04", "05"]:
        nb = nbformat.v4.new_notebook()
        nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        nb.cells = [nbformat.v4.new_code_cell(f'stage = "{stage}"', metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell(FLOOR_CELL)]
        source = folder / f"floor_{stage}.ipynb"
        nbformat.write(nb, source)
        jobs.append({"stage": stage, "source": str(source), "output": str(folder / f"out_{stage}.ipynb"),
                     "cwd": str(folder), "parameters": {"stage": stage}})
    return jobs


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--save", action="store_true", help="write bench/results/draft.txt")
    args = ap.parse_args()
    iq = [sys.executable, "-m", "iqlib.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor_cmd = [sys.executable, "-c", PLAIN, json.dumps(floor_jobs(folder))]
        draft_cmd = [*iq, "run", "bench/d4_double.yaml", "--draft", "--out", str(folder / "runs" / "d4-draft")]
        timed(floor_cmd)                                   # warm the file cache once
        floors, drafts = [], []
        for _ in range(args.repeat):
            floors.append(timed(floor_cmd))
            drafts.append(timed(draft_cmd))
        full = timed([*iq, "run", "bench/d4_double.yaml", "--out", str(folder / "runs" / "d4-full")])
        shutil.rmtree(folder / "runs", ignore_errors=True)
    floor, draft = statistics.median(floors), statistics.median(drafts)
    lines = [f"machine: {machine_line()}",
             f"papermill floor, five notebooks: median {floor:.2f} s (runs: {', '.join(f'{t:.2f}' for t in floors)})",
             f"scenario draft (iq run --draft): median {draft:.2f} s (runs: {', '.join(f'{t:.2f}' for t in drafts)})",
             f"draft / floor: {draft / floor:.2f} (target < 1.5)",
             f"full run of the same scenario, once: {full:.2f} s"]
    print("\n".join(lines))
    if args.save:
        (ROOT / "bench" / "results" / "draft.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
