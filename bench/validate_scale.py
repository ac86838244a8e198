"""Benchmark: ``iq validate`` on large generated values files, to show that validation
grows linearly with the file (time per row roughly constant).

    .venv/bin/python bench/validate_scale.py [--rows 10000 100000 200000 1000000] [--formats long-csv long-xlsx wide-csv]
                                             [--repeat 5] [--save]

For each size it generates, in a temporary folder, a roster of ``rows / 47`` cities and a
values file of the 47 indicators of iq_v1 (``io.demo.random_edition``: random values in
each indicator's range, 5 % missing, seed 0), then times ``iq validate`` on them in a fresh
process (``cli.main(["validate", edition])``: params, roster, values, every check, the
printed summary), the median of ``--repeat`` runs after one warm-up, and the process's
peak resident memory (Linux's VmHWM, the interpreter and its imports included; the
baseline after the imports is shown beside it). Linear means a constant time per row:
the table gives it as the time divided by the rows, and as the marginal time per row
from the smallest size of the same format (which leaves out what does not grow: reading
the params, the methodology, pydantic).

What varies: the number of rows, and the format:
  long CSV   city_id, indicator, value, source (one row per city × indicator: the realistic big case)
  long XLSX  the same as a workbook (first sheet, numbers as numbers; writing the 1 000 000-row
             workbook with openpyxl takes a minute or two, reading it is what is timed)
  wide CSV   city_id + 47 indicator columns, one row per city (the same cells as the long file)
``--save`` writes the table and the machine to bench/results/validate_scale.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

INDICATORS = 47
GROUPS = [("krupneyshie", 1_500_000), ("krupnye", 500_000), ("bolshie", 150_000), ("lt100k", 50_000)]


def generate(folder: Path, cities: int, fmt: str) -> Path:
    """A roster of ``cities`` cities and their values file in ``fmt`` (long-csv, long-xlsx,
    wide-csv) in ``folder``; returns the edition file pointing at them."""
    from iqlib.config.params import load_params
    from iqlib.io.demo import random_edition

    meth = load_params(ROOT / "tests" / "fixtures" / "mini" / "edition.yaml").methodology
    values, roster = random_edition(meth, [g for g, _ in GROUPS], cities, seed=0)
    population = dict(GROUPS)
    n = len(roster)
    pd.DataFrame({"city_id": roster["city_id"], "city_ru": [f"Город {i}" for i in range(n)],
                  "region_ru": [f"Регион {i % 85}" for i in range(n)],
                  "population": roster["group"].map(population) + np.arange(n) % 1000,
                  "regional_capital": 0, "pilot": 1}).to_csv(folder / "cities.csv", index=False)
    # CSV: the numbers as text (the file a person writes); XLSX: as numbers, an empty cell where missing
    cells = values.astype(object).where(values.notna(), None) if fmt == "long-xlsx" else \
        values.map(lambda x: "" if np.isnan(x) else f"{x:g}")
    if fmt == "wide-csv":
        path = folder / "values.csv"
        cells.reset_index().to_csv(path, index=False)
    else:
        long = cells.reset_index().melt(id_vars="city_id", var_name="indicator", value_name="value")
        long = long.sort_values(["city_id", "indicator"], kind="stable").reset_index(drop=True)
        long["source"] = "https://example.org/data"
        if fmt == "long-csv":
            path = folder / "values.csv"
            long.to_csv(path, index=False)
        else:
            path = folder / "values.xlsx"
            _write_xlsx(long, path)
    edition = yaml.safe_load((ROOT / "tests" / "fixtures" / "mini" / "edition.yaml").read_text(encoding="utf-8"))
    edition.pop("uncertainty")
    edition["inputs"] = {"cities": str(folder / "cities.csv"), "values": str(path)}
    out = folder / "edition.yaml"
    out.write_text(yaml.safe_dump(edition, allow_unicode=True), encoding="utf-8")
    return out


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """A plain workbook, written row by row (openpyxl's write-only mode: constant memory)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("values")
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)


def child(edition: Path, repeat: int) -> None:
    """In a fresh process: one warm-up and ``repeat`` timed runs of ``iq validate``; prints
    JSON (times, peak memory, the memory after the imports)."""
    from iqlib import cli

    base = _peak_kb()
    times, cpu = [], []
    for i in range(repeat + 1):
        out = io.StringIO()
        t0, c0 = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = cli.main(["validate", str(edition)])
        elapsed, used = time.perf_counter() - t0, time.process_time() - c0
        if code != 0:
            raise SystemExit(f"iq validate failed:\n{out.getvalue()[:2000]}")
        if i:
            times.append(elapsed)
            cpu.append(used)
    print(json.dumps({"times": times, "cpu": cpu, "peak_kb": _peak_kb(), "base_kb": base}))


def _peak_kb() -> int:
    """This process's peak resident memory in kB: VmHWM (ru_maxrss on Linux keeps the parent's
    peak across exec, so a child started by a big parent would report the parent's)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="utf-8")
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def machine_line() -> str:
    from iqlib.publishing import machine

    return (f"{machine.summary(machine.describe())}; {os.cpu_count()} cores; {platform.system()} "
            f"{platform.release()}; Python {platform.python_version()}; numpy {np.__version__}; pandas {pd.__version__}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 200_000, 1_000_000])
    ap.add_argument("--formats", nargs="+", default=["long-csv", "long-xlsx", "wide-csv"])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--save", action="store_true", help="write bench/results/validate_scale.txt")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return 0
    header = (f"{'format':<10} {'rows':>9} {'cities':>7} {'columns':>7} {'MB':>6} {'median s':>9} {'min s':>7} "
              f"{'max s':>7} {'cpu s':>6} {'µs/row':>7} {'marginal':>8} {'peak MB':>8} {'base MB':>8}")
    lines = [f"iq validate on generated values files (iq_v1, {INDICATORS} indicators, 5 % missing, seed 0), "
             f"median of {args.repeat} runs after one warm-up, each size in a fresh process", header]
    print("\n".join(lines), flush=True)
    for fmt in args.formats:
        smallest: tuple[int, float] | None = None
        for rows in sorted(args.rows):
            cities = max(1, round(rows / INDICATORS))
            with tempfile.TemporaryDirectory(prefix="iq-validate-scale-") as tmp:
                edition = generate(Path(tmp), cities, fmt)
                values = next(p for p in Path(tmp).iterdir() if p.stem == "values")
                size = values.stat().st_size / 1e6
                result = subprocess.run([sys.executable, __file__, "--child", str(edition), "--repeat", str(args.repeat)],
                                        capture_output=True, text=True, check=False)
                if result.returncode:
                    print(result.stdout, result.stderr, file=sys.stderr)
                    return 1
                r = json.loads(result.stdout.strip().splitlines()[-1])
            t, cells = r["times"], cities * INDICATORS
            median = statistics.median(t)
            marginal = f"{(median - smallest[1]) / (cells - smallest[0]) * 1e6:>8.1f}" if smallest else f"{'':>8}"
            smallest = smallest or (cells, median)
            file_rows = cells if fmt.startswith("long") else cities
            columns = 4 if fmt.startswith("long") else INDICATORS + 1
            line = (f"{fmt:<10} {file_rows:>9} {cities:>7} {columns:>7} {size:>6.1f} {median:>9.2f} "
                    f"{min(t):>7.2f} {max(t):>7.2f} {statistics.median(r['cpu']):>6.2f} {median / cells * 1e6:>7.1f} {marginal} "
                    f"{r['peak_kb'] / 1024:>8.0f} {r['base_kb'] / 1024:>8.0f}")
            lines.append(line)
            print(line, flush=True)
    lines.append("cpu s: the median CPU time of the process (on a shared machine, wall time waits for the cores; CPU "
                 "time does not); µs/row: the median time divided by the city × indicator cells (a long file's rows); "
                 "marginal: the extra time per extra cell from the smallest size of the format")
    lines.append(f"machine: {machine_line()}")
    print(lines[-2] + "\n" + lines[-1])  # the notes and the machine
    if args.save:
        out = ROOT / "bench" / "results"
        out.mkdir(exist_ok=True)
        (out / "validate_scale.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
