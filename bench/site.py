"""Benchmark: ``iq site`` of every published run, from scratch and again with nothing changed.

    .venv/bin/python bench/site.py [--repeat 3] [--outputs outputs] [--save]

* ``scratch``: ``iq site --out <tmp>/site`` into an empty folder (every run's pages,
  downloads, passports as PDF, notebook pages, the home page, the API);
* ``again``: the same command over the site it just built, nothing changed: every run is
  kept (``site/.iq-site.json`` records what each run's pages were made from), the pages
  outside the runs are made again and only files whose bytes changed are written.

Each figure is the median of ``--repeat`` builds, wall time of the whole command and CPU
time of it and its children (the forked workers that write the runs, the PDF workers).
Target (issue 24): scratch ≤ 15 s on 2 cores for the published runs; ≤ 60 s for a
2 000-city edition (``--outputs`` a folder holding it).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from nominal import machine_line  # noqa: E402


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--outputs", default="outputs")
    ap.add_argument("--save", action="store_true", help="write bench/results/site.txt")
    args = ap.parse_args()
    scratch, again = [], []
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        command = [sys.executable, "-m", "iqlib.cli", "site", "--outputs", args.outputs, "--out", str(site)]
        for _ in range(args.repeat):
            shutil.rmtree(site, ignore_errors=True)
            scratch.append(timed(command))
            again.append(timed(command))

    def line(name: str, runs: list[tuple[float, float]]) -> str:
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        return (f"{name}: median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.1f} s CPU "
                f"(runs: {', '.join(f'{w:.2f}' for w in walls)})")

    lines = [f"machine: {machine_line()}", f"iq site --outputs {args.outputs}",
             line("from scratch", scratch), line("again, nothing changed", again)]
    print("\n".join(lines))
    if args.save:
        (ROOT / "bench" / "results" / "site.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
