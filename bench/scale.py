"""Benchmark: `iq run` (and `iq site` of that run) on synthetic editions of 2 000 and 20 000 cities.

    .venv/bin/python bench/scale.py [--cities 2000 20000] [--repeat 3] [--site] [--save]

Each edition is the 2019 demo edition (its methodology, groups and ``uncertainty:`` block:
2 000 replications and 9 216 Sobol evaluations) on a roster of N cities: the 2019 demo
roster repeated, each copy with new codes (``moskva``, ``moskva-001``, …) and names, and
values drawn for every city by the demo generator (``iqlib.io.demo.generate``, edition seed
2019; SYNTHETIC, uncalibrated). The roster, the values and the edition's YAML are written
under ``runs/bench-scale/<N>/`` (git-ignored scratch; ``params/`` is never touched) and
the run goes to ``runs/bench-scale/<N>/outputs/2019/scale<N>``.

What is measured, for the whole process tree (``iq run``, its stage process, every
papermill kernel and any worker they start): wall time, and the peak of the summed
resident memory (RSS) of every process of the tree, sampled every 50 ms with psutil,
per stage and in all; and CPU seconds (user + system) of the tree, from the same samples per
stage and from the kernel's accounting in all: on a shared machine CPU time says more than
wall time. Summed RSS counts pages that processes share (libraries) once per
process, so it is an upper bound of what the tree holds; the largest single process's
peak (from the kernel's accounting, ``wait4``) is given beside it. A stage is the time
from its ``0N_<stage> ...`` line to the next one (``pre-flight``: before the first;
the last stage runs until the command ends: pages, manifest, index). ``--site`` also times
``iq site --outputs runs/bench-scale/<N>/outputs`` (that run alone) the same way.

``--replications R`` instead times the uncertainty analysis alone, in this process (the
model built, R replications scored, ranked and summarised: ``uncertainty.analyse``), and
prints its cost per replication and per city-replication: the figures the arithmetic for
all municipalities in ``bench/README.md`` starts from.

Targets (issue 24): 2 000 cities ≤ 2 × the 203-city run's time and ≤ 1 GiB; 20 000
cities to the end in ≤ 4 GiB. Each figure is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psutil
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from nominal import machine_line  # noqa: E402

from iqlib.config.params import load_params  # noqa: E402
from iqlib.io import demo  # noqa: E402

EDITION = ROOT / "params" / "editions" / "2019.yaml"
SCRATCH = ROOT / "runs" / "bench-scale"
STAGE_LINE = re.compile(r"^\s*(0[1-5]_[a-z]+) \.\.\.")
GIB = 2 ** 30


def build_edition(n: int, folder: Path) -> Path:
    """Write N cities (the 2019 roster repeated with new codes), their synthetic values and
    an edition YAML using them into ``folder``; returns the YAML's path."""
    params = load_params(EDITION)
    source = ROOT / params.edition.inputs.cities
    with open(source, encoding="utf-8") as f:
        notice = f.readline()
    base = pd.read_csv(source, skiprows=1, dtype=str, keep_default_na=False)
    copies = []
    for k in range(-(-n // len(base))):
        copy = base.copy()
        if k:
            copy["city_id"] = copy["city_id"] + f"-{k:03d}"
            copy["city_ru"] = copy["city_ru"] + f" {k}"
            copy["oktmo"] = ""
        copies.append(copy)
    cities = pd.concat(copies, ignore_index=True).iloc[:n]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "cities.csv", "w", encoding="utf-8", newline="") as f:
        f.write(notice.rstrip("\n") + f" SCALE BENCHMARK: the roster repeated to {n} cities with new codes.\n")
        cities.to_csv(f, index=False, lineterminator="\n")
    numeric = cities.assign(population=pd.to_numeric(cities["population"]),
                            regional_capital=pd.to_numeric(cities["regional_capital"]))
    values = demo.generate(numeric, params.methodology, params.edition.seed, params.edition.data_year)
    demo.write_values(values, folder / "values.csv", params.edition.seed, params.methodology)
    raw = yaml.safe_load(EDITION.read_text(encoding="utf-8"))
    raw["scenario"] = f"scale{n}"
    raw["title_ru"] = f"IQ городов — 2019, {n} городов (синтетический расчёт для замера)"
    raw["title_en"] = f"IQ of Cities — 2019, {n} cities (synthetic, for the scale benchmark)"
    raw["inputs"]["cities"] = str(folder / "cities.csv")
    raw["inputs"]["values"] = str(folder / "values.csv")
    raw["stage_timeout_seconds"] = 7200
    path = folder / "edition.yaml"
    path.write_text("# SCALE BENCHMARK edition, written by bench/scale.py (SYNTHETIC data)\n"
                    + yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Measured:
    """One command: wall seconds and peak summed RSS (bytes) per stage and in all."""

    wall: float = 0.0
    cpu: float = 0.0                                   # user + system seconds of the whole tree
    peak: int = 0
    largest: int = 0                                   # the largest single process's peak RSS
    stages: dict[str, list[float]] = field(default_factory=dict)  # stage → [seconds, peak bytes, CPU seconds]


def tree_sample(proc: psutil.Process, cpu: dict[int, float]) -> tuple[int, float]:
    """Summed RSS of a process and all its descendants (processes that end meanwhile are
    skipped), and the tree's CPU seconds so far: ``cpu`` keeps each process's last reading,
    so a process that has ended still counts what it used up to the sample before."""
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        members = []
    for p in members:
        try:
            with p.oneshot():
                total += p.memory_info().rss
                times = p.cpu_times()
            cpu[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return total, sum(cpu.values())


def measure(command: list[str], timeout: float, interval: float = 0.05) -> Measured:
    """Run ``command`` from the project root, sampling its process tree's memory, and cut its
    output into stages by their ``0N_<stage> ...`` lines."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    popen = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    proc = psutil.Process(popen.pid)
    out = Measured()
    marks: list[tuple[str, float]] = [("pre-flight", started)]
    samples: list[tuple[float, int, float]] = []
    cpu: dict[int, float] = {}
    lines: list[str] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter(), *tree_sample(proc, cpu)))
            stop.wait(interval)

    def read() -> None:
        assert popen.stdout is not None
        for line in popen.stdout:
            lines.append(line)
            m = STAGE_LINE.match(line)
            if m and m.group(1) not in {name for name, _ in marks}:
                marks.append((m.group(1), time.perf_counter()))

    threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=read, daemon=True)]
    for t in threads:
        t.start()
    try:
        _, status, usage = os.wait4(popen.pid, 0) if timeout <= 0 else _wait4(popen, timeout)
    except TimeoutError:
        os.killpg(popen.pid, 9)
        popen.wait()
        stop.set()
        raise SystemExit(f"{' '.join(command)} did not finish within {timeout:.0f} s") from None
    popen.returncode = os.waitstatus_to_exitcode(status)
    ended = time.perf_counter()
    stop.set()
    for t in threads:
        t.join()
    if popen.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({popen.returncode}):\n{''.join(lines[-30:])}")
    out.wall, out.largest = ended - started, usage.ru_maxrss * 1024
    out.cpu = usage.ru_utime + usage.ru_stime                   # wait4: the child and every descendant it waited for
    out.peak = max((rss for _, rss, _ in samples), default=0)
    bounds = [*marks, ("end", ended)]
    for (name, t0), (_, t1) in zip(bounds, bounds[1:]):
        inside = [(rss, c) for t, rss, c in samples if t0 <= t < t1]
        before = [c for t, _, c in samples if t < t0]
        used = (inside[-1][1] if inside else 0.0) - (before[-1] if before else 0.0)
        out.stages[name] = [t1 - t0, max((rss for rss, _ in inside), default=0), used]
    if len(marks) > 1:  # the last stage runs until the command ends (pages, manifest, index written meanwhile)
        last = marks[-1][0]
        out.stages[f"{last} + finish"] = out.stages.pop(last)
    else:               # a command without stages (iq site): one line
        out.stages = {"whole command": out.stages.pop("pre-flight")}
    return out


def _wait4(popen: subprocess.Popen, timeout: float) -> tuple[int, int, object]:
    """``os.wait4`` of the child with a deadline."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(popen.pid, os.WNOHANG)
        if pid:
            return pid, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.05)


def per_replication(edition: Path, replications: int, repeat: int) -> list[str]:
    """The uncertainty analysis alone, in this process: seconds per replication (median)."""
    import resource

    from iqlib.analysis import uncertainty
    from iqlib.io import inputs

    params = load_params(edition)
    assert params.edition.uncertainty is not None
    u = params.edition.uncertainty.model_copy(update={"replications": replications})
    data = inputs.load(params)
    bounds = inputs.goalpost_bounds(params, data.values, data.cities)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model = uncertainty.Model(data.values, data.cities, params.methodology.framework, u, bounds)
        uncertainty.analyse(model, data.cities, params.edition.seed)
        times.append(time.perf_counter() - t0)
    t, n = statistics.median(times), len(data.cities)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return [f"uncertainty analysis alone, {n} cities, {replications} replications: median {t:.2f} s "
            f"({1000 * t / replications:.3f} ms per replication, {1e6 * t / replications / n:.2f} µs per city-replication; "
            f"process peak {peak / GIB:.2f} GiB; runs: {', '.join(f'{x:.2f}' for x in times)})"]


def median_of(runs: list[Measured]) -> Measured:
    """Stage by stage, the median of each figure over the runs."""
    out = Measured(wall=statistics.median(r.wall for r in runs), cpu=statistics.median(r.cpu for r in runs),
                   peak=int(statistics.median(r.peak for r in runs)), largest=int(statistics.median(r.largest for r in runs)))
    for name in runs[0].stages:
        got = [r.stages[name] for r in runs if name in r.stages]
        out.stages[name] = [statistics.median(g[i] for g in got) for i in range(3)]
    return out


def report(title: str, runs: list[Measured]) -> list[str]:
    m = median_of(runs)
    lines = [f"{title}: median {m.wall:.1f} s wall, {m.cpu:.1f} s CPU, peak {m.peak / GIB:.2f} GiB summed RSS of the "
             f"process tree, largest process {m.largest / GIB:.2f} GiB "
             f"(runs: {', '.join(f'{r.wall:.1f} s / {r.cpu:.1f} s CPU / {r.peak / GIB:.2f} GiB' for r in runs)})"]
    for name, (seconds, peak, used) in m.stages.items():
        lines.append(f"    {name:<20} {seconds:8.1f} s wall {used:8.1f} s CPU   peak {peak / GIB:5.2f} GiB")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cities", type=int, nargs="+", default=[2000, 20000], help="edition sizes (default 2000 20000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per size (the median is reported)")
    ap.add_argument("--base", action="store_true", help="also time the 2019 demo edition itself (203 cities)")
    ap.add_argument("--site", action="store_true", help="also time iq site of each run")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed per command")
    ap.add_argument("--keep", action="store_true", help="keep runs/bench-scale/ afterwards")
    ap.add_argument("--replications", type=int, help="time the uncertainty analysis alone with this many replications")
    ap.add_argument("--save", action="store_true", help="write bench/results/scale.txt (scale_replications.txt)")
    args = ap.parse_args()
    iq = [sys.executable, "-m", "iqlib.cli"]
    lines = [f"machine: {machine_line()}; {psutil.virtual_memory().total / GIB:.0f} GiB memory"]
    print(lines[0], flush=True)
    sizes: list[tuple[int | None, Path]] = [(None, EDITION)] if args.base else []
    for n in args.cities:
        folder = SCRATCH / str(n)
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        sizes.append((n, build_edition(n, folder)))
        print(f"built the {n}-city edition in {time.perf_counter() - t0:.1f} s", flush=True)
    if args.replications:
        for _, edition in sizes:
            lines += per_replication(edition, args.replications, args.repeat)
            print(lines[-1], flush=True)
        sizes = []
    for n, edition in sizes:
        label = n or 203
        folder = SCRATCH / str(label)
        outputs = folder / "outputs"
        run_dir = outputs / "2019" / ("base" if n is None else f"scale{n}")
        runs, sites = [], []
        for _ in range(args.repeat):
            shutil.rmtree(run_dir, ignore_errors=True)
            runs.append(measure([*iq, "run", str(edition), "--out", str(run_dir)], args.timeout))
            print("\n".join(report(f"  iq run, {label} cities", runs[-1:])), flush=True)
            if args.site:
                sites.append(measure([*iq, "site", "--outputs", str(outputs), "--out", str(folder / "site")],
                                     args.timeout))
                print("\n".join(report(f"  iq site, {label} cities", sites[-1:])), flush=True)
        lines += report(f"iq run, {label} cities", runs)
        if sites:
            lines += report(f"iq site of that run, {label} cities", sites)
    if not args.keep:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    print("\n".join(lines))
    if args.save:
        name = "scale_replications.txt" if args.replications else "scale.txt"
        (ROOT / "bench" / "results" / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
