"""Benchmark: the warnings about an edition's inputs (``io.suspicious.warnings``) against the
whole validation (``io.inputs.load``), on synthetic editions of growing size.

    .venv/bin/python bench/input_warnings.py [--rows 10000 100000 200000] [--repeat 3] [--xlsx 20000] [--save]

Each edition is the mini fixture's (its methodology: 47 indicators, four groups) with a
synthetic roster of ``rows / 47`` cities and their values in long form (one row per city and
indicator: ``rows`` rows), a few of them suspicious (a decimal comma among points, an
indicator missing for most cities, a value far above its group's median). ``--xlsx`` also
times a wide XLSX values file of that many cells' rows (the sheet scan: openpyxl, cell by
cell). The figures are medians; the warnings' share of the validation is what should stay
small and grow linearly with the rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from nominal import machine_line  # noqa: E402

from iqlib.config.params import load_params  # noqa: E402
from iqlib.io import inputs, suspicious  # noqa: E402

CODES = [f"I{i:02d}" for i in range(1, 48)]


def edition(folder: Path, cities: int, layout: str) -> Path:
    """A synthetic edition of ``cities`` cities in ``folder``; values long (CSV) or wide (XLSX)."""
    rng = np.random.default_rng(1)
    ids = [f"c{i:06d}" for i in range(cities)]
    roster = pd.DataFrame({"city_id": ids, "city_ru": [f"Город {i}" for i in range(cities)], "region_ru": "Область",
                           "population": rng.integers(20_000, 3_000_000, cities), "regional_capital": 1, "pilot": 0})
    roster.to_csv(folder / "cities.csv", index=False)
    meth = load_params(ROOT / "tests/fixtures/mini/edition.yaml").methodology
    kinds = {i.code: meth.kinds[i.kind] for i in meth.indicators}
    values = pd.DataFrame({c: rng.random(cities) * (1 if kinds[c].max == 1 else 50) for c in CODES}, index=ids)
    for c in CODES:
        if kinds[c].max == 1:
            values[c] = (values[c] > 0.5).astype(int)
    values = values.round(1).astype(object)
    values.iloc[: cities // 2, CODES.index("I07")] = ""          # missing for half the cities
    values.iloc[0, CODES.index("I02")] = 1e6                      # far above its group's median
    data = yaml.safe_load((ROOT / "tests/fixtures/mini/edition.yaml").read_text(encoding="utf-8"))
    data.pop("uncertainty", None)
    data["inputs"]["cities"] = str(folder / "cities.csv")
    if layout == "long":
        long = values.rename_axis("city_id").reset_index().melt("city_id", var_name="indicator", value_name="value")
        long["value"] = long["value"].astype(str)
        first = long.index[long["value"].str.contains(".", regex=False)][0]
        long.loc[first, "value"] = long.loc[first, "value"].replace(".", ",")     # one decimal comma among points
        long.to_csv(folder / "values.csv", index=False)
        data["inputs"]["values"] = str(folder / "values.csv")
    else:
        values.rename_axis("city_id").reset_index().to_excel(folder / "values.xlsx", index=False)
        data["inputs"]["values"] = str(folder / "values.xlsx")
    path = folder / "edition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def timed(rows: int, repeat: int, layout: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        cities = max(rows // 47, 12) if layout == "long" else rows
        path = edition(Path(tmp), cities, layout)
        params = load_params(path)
        loads, warns = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            data = inputs.load(params)
            loads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            table = suspicious.warnings(params, data.cities, data.values)
            warns.append(time.perf_counter() - t0)
    return {"layout": layout, "rows": rows, "cities": cities, "load_s": round(statistics.median(loads), 3),
            "warnings_s": round(statistics.median(warns), 3), "codes": sorted(set(table["code"]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 200_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--xlsx", type=int, default=0, help="rows (cities) of a wide XLSX values file to time too")
    ap.add_argument("--save", action="store_true")
    args = ap.parse_args()
    results = [timed(n, args.repeat, "long") for n in args.rows]
    if args.xlsx:
        results.append(timed(args.xlsx, args.repeat, "wide-xlsx"))
    print(machine_line())
    for r in results:
        print(f"{r['layout']:>9} {r['rows']:>8} rows ({r['cities']} cities): validation (inputs.load, warnings "
              f"included) {r['load_s']:.2f} s, of which the warnings {r['warnings_s']:.2f} s; codes: {', '.join(r['codes'])}")
    if args.save:
        out = ROOT / "bench" / "results" / "input_warnings.json"
        out.write_text(json.dumps({"machine": machine_line(), "results": results}, indent=2) + "\n", encoding="utf-8")
        print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
