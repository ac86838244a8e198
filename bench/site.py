"""Benchmark: ``iq site`` of every published run, from scratch and again with nothing changed.

    .venv/bin/python bench/site.py [--repeat 3] [--outputs outputs] [--save] [--vs CHECKOUT]

* ``scratch``: ``iq site --out <tmp>/site`` into an empty folder (every run's pages,
  downloads, passports as PDF, notebook pages, the home page, the API);
* ``again``: the same command over the site it just built, nothing changed: every run is
  kept (``site/.iq-site.json`` records what each run's pages were made from), the pages
  outside the runs are made again and only files whose bytes changed are written.

Each figure is the median of ``--repeat`` builds, wall time of the whole command and CPU
time of it and its children (the forked workers that write the runs, the PDF workers).
``--vs CHECKOUT`` (another checkout of the project, e.g. ``git worktree add /tmp/before
<commit>``) builds from scratch with this code and with that one in turn, the same outputs
and interpreter, and gives the ratio pair by pair: on a shared machine whose speed drifts by
a fifth from one hour to the next, the ratio is the figure that holds.
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


def timed(command: list[str], cwd: Path = ROOT) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, children included) of ``command`` run in ``cwd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, "PYTHONHASHSEED": "0"})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} in {cwd} failed:\n{result.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--outputs", default="outputs")
    ap.add_argument("--save", action="store_true", help="write bench/results/site.txt")
    ap.add_argument("--vs", help="another checkout: from-scratch builds alternated with it, and the ratio")
    args = ap.parse_args()
    if args.vs:
        return versus(Path(args.vs).resolve(), args)
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


def versus(other: Path, args: argparse.Namespace) -> int:
    """From-scratch builds with this checkout (A) and ``other`` (B) in turn, ``--repeat`` pairs."""
    outputs = str((ROOT / args.outputs).resolve())
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeat):
            pair = []
            for name, root in (("A", ROOT), ("B", other)):
                site = Path(tmp) / f"site-{name}-{k}"
                pair.append(timed([sys.executable, "-m", "iqlib.cli", "site", "--outputs", outputs, "--out", str(site)], root))
                shutil.rmtree(site)
            pairs.append(pair)
    med = statistics.median
    lines = [f"machine: {machine_line()}", f"iq site --outputs {args.outputs}, from scratch, A = {ROOT}, B = {other}, "
             f"{args.repeat} alternated pairs",
             f"A: median {med(a[0] for a, _ in pairs):.2f} s wall, {med(a[1] for a, _ in pairs):.1f} s CPU",
             f"B: median {med(b[0] for _, b in pairs):.2f} s wall, {med(b[1] for _, b in pairs):.1f} s CPU",
             f"A/B: median {med(a[0] / b[0] for a, b in pairs):.3f} wall, {med(a[1] / b[1] for a, b in pairs):.3f} CPU "
             f"(pairs: {', '.join(f'{a[0]:.2f}/{b[0]:.2f}' for a, b in pairs)})"]
    print("\n".join(lines))
    if args.save:
        (ROOT / "bench" / "results" / "site_vs.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
