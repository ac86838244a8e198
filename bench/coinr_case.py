"""A COINr-shaped uncertainty problem, synthetic and seeded (no R needed).

The shape of COINr's ASEM example (``build_example_coin``): 51 units, 49 indicators in 8
pillars, 2 sub-indices and the index (4 levels), 3 denominators (GDP, population, area)
dividing part of the indicators, about 3 % of the cells missing, 2 unit groups. The
values are random (a common latent factor plus noise, log-normal, 8 heavy-tailed
indicators: the JRC rule winsorises 9 of the 49);
they are not ASEM's data.

Two sets of uncertain inputs:

* ``vignette``: the inputs of COINr's sensitivity vignette (``vignette("sensitivity")``):
  the winsorisation limit ``winmax`` 1–5, normalisation min–max [1, 100] or z-score
  (mean 10, sd 2), weight noise ±25 % on the pillar and sub-index weights (COINr's
  levels 2 and 3), the aggregation arithmetic or geometric mean on every level in one
  draw (COINr's ``f_ag``): 5 × 2 × 2 = 20 combinations;
* ``extended``: adds the imputation rule (group mean or group median) and treatment off,
  a rank normalisation, and draws each level's aggregation on its own:
  2 × 6 × 3 × 2³ = 288 combinations. Its z-score has sd 1 (with 51 units |z| ≤ 50/√51 ≈ 7,
  so mean 10 keeps every value positive for the geometric mean, untreated data included).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.analysis.uncertainty import Uncertainty
from iqlib.config.methodology import Methodology
from iqlib.core.framework import Framework

UNITS = 51
PILLARS = {"S1": [7, 6, 6, 6, 6], "S2": [6, 6, 6]}   # indicators per pillar: 49 in all
DENOMINATED = {"gdp": range(0, 49, 5), "population": range(1, 49, 5), "area": range(2, 49, 5)}


def methodology() -> Methodology:
    """4 levels: indicator → pillar → subindex → index; min–max [1, 100], arithmetic means,
    JRC outlier treatment (winmax 5), group-mean imputation: COINr's example coin's choices."""
    pillars, inds, p, i = [], [], 0, 0
    for sub, sizes in PILLARS.items():
        for size in sizes:
            p += 1
            pillars.append({"code": f"P{p}", "level": "pillar", "parent": sub, "name_ru": f"P{p}", "name_en": f"P{p}"})
            for _ in range(size):
                i += 1
                inds.append({"code": f"X{i:02d}", "parent": f"P{p}", "name_ru": "x", "name_en": "x",
                             "kind": "value", "unit": "u", "polarity": -1 if i % 9 == 0 else 1})
    return Methodology.model_validate({
        "id": "coinr51", "title_ru": "t", "title_en": "t", "sources": [],
        "status": {"confirmed_ru": [], "confirmed_en": [], "reconstructed_ru": [], "reconstructed_en": []},
        "kinds": {"value": {"unit_ru": "u", "unit_en": "u", "missing": "group_mean"}},
        "levels": ["indicator", "pillar", "subindex", "index"],
        "scoring": {"treatment": {"method": "jrc", "winmax": 5},
                    "normalisation": {"method": "minmax", "within": "all", "lower": 1, "upper": 100},
                    "aggregation": {lv: {"method": "weighted_mean"} for lv in ["pillar", "subindex", "index"]}},
        "aggregates": [{"code": "INDEX", "level": "index", "name_ru": "i", "name_en": "i"},
                       *[{"code": s, "level": "subindex", "parent": "INDEX", "name_ru": s, "name_en": s}
                         for s in PILLARS], *pillars],
        "indicators": inds})


def raw_data(seed: int = 51) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Raw indicator values (units × 49, before denomination, about 3 % missing), the three
    denominators (units × 3) and the roster (2 groups)."""
    rng = np.random.default_rng(seed)
    ids = pd.Index([f"u{i:02d}" for i in range(UNITS)], name="city_id")
    latent = rng.normal(size=(UNITS, 1))                     # a common factor: correlated indicators
    raw = np.exp(0.3 * (0.6 * latent + rng.normal(size=(UNITS, 49))))
    heavy = rng.choice(49, size=8, replace=False)            # 8 heavy-tailed indicators
    raw[:, heavy] = np.exp(1.3 * (0.6 * latent + rng.normal(size=(UNITS, 8))))
    # GDP, population, area (relative to their mean)
    denominators = pd.DataFrame({name: np.exp(rng.normal(0, 0.2, UNITS)) for name in DENOMINATED}, index=ids)
    values = pd.DataFrame(raw, index=ids, columns=[f"X{i:02d}" for i in range(1, 50)])
    values = values.mask(rng.uniform(size=values.shape) < 0.03)
    cities = pd.DataFrame({"city_id": ids, "city_ru": ids, "group": ["asia" if i % 2 else "europe" for i in range(UNITS)]})
    return values, denominators, cities


def data(seed: int = 51) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indicator values (units × 49, after denomination) and the roster (2 groups)."""
    values, denominators, cities = raw_data(seed)
    x = values.to_numpy(copy=True)
    for name, cols in DENOMINATED.items():                   # COINr's Denominate(): x / denominator
        x[:, list(cols)] /= denominators[name].to_numpy()[:, None]
    return pd.DataFrame(x, index=values.index, columns=values.columns), cities


def export(folder: Path) -> None:
    """The raw data as COINr's ``new_coin()`` takes it: iData.csv (uCode, the group, the
    denominators, the indicators) and iMeta.csv (the framework, directions, weights, each
    denominated indicator's denominator), for ``coinr_uncertainty.R``."""
    values, denominators, cities = raw_data()
    meth = methodology()
    folder.mkdir(parents=True, exist_ok=True)
    idata = pd.concat([pd.DataFrame({"uCode": values.index, "Region": cities["group"].to_numpy()}, index=values.index),
                       denominators, values], axis=1)
    idata.to_csv(folder / "iData.csv", index=False, na_rep="NA", float_format="%.17g")
    denominator_of = {values.columns[j]: name for name, cols in DENOMINATED.items() for j in cols}
    level = {"indicator": 1, "pillar": 2, "subindex": 3, "index": 4}
    rows = [{"iCode": i.code, "Level": 1, "Parent": i.parent, "Direction": i.polarity, "Weight": i.weight,
             "Type": "Indicator", "Denominator": denominator_of.get(i.code, "NA")} for i in meth.indicators]
    rows += [{"iCode": a.code, "Level": level[a.level], "Parent": a.parent or "NA", "Direction": 1, "Weight": a.weight,
              "Type": "Aggregate", "Denominator": "NA"} for a in meth.aggregates]
    rows += [{"iCode": c, "Level": "NA", "Parent": "NA", "Direction": "NA", "Weight": "NA", "Type": t,
              "Denominator": "NA"} for c, t in [("Region", "Group"), *((d, "Denominator") for d in DENOMINATED)]]
    imeta = pd.DataFrame(rows)
    imeta.insert(6, "ScaleFactor", ["1" if d != "NA" else "NA" for d in imeta["Denominator"]])
    imeta.to_csv(folder / "iMeta.csv", index=False)


VIGNETTE = {
    "weights": {"pillar": 0.25, "subindex": 0.25},
    "treatment": [{"method": "jrc", "winmax": k} for k in range(1, 6)],
    "normalisation": [{"method": "minmax", "within": "all", "lower": 1, "upper": 100},
                      {"method": "zscore", "within": "all", "mean": 10, "sd": 2}],
    "aggregation": {"levels": "all", "alternatives": [{"method": "weighted_mean"}, {"method": "geometric_mean"}]},
}

EXTENDED = {
    "weights": {"pillar": 0.25, "subindex": 0.25},
    "imputation": ["group_mean", "group_median"],
    "treatment": [{"method": "none"}, *({"method": "jrc", "winmax": k} for k in range(1, 6))],
    "normalisation": [VIGNETTE["normalisation"][0], {"method": "zscore", "within": "all", "mean": 10, "sd": 1},
                      {"method": "rank", "within": "all"}],
    "aggregation": {lv: [{"method": "weighted_mean"}, {"method": "geometric_mean"}]
                    for lv in ["pillar", "subindex", "index"]},
}


def case(replications: int, inputs: str = "vignette") -> tuple[pd.DataFrame, pd.DataFrame, Framework, Uncertainty, None]:
    """values, roster, framework, uncertain inputs (``vignette`` or ``extended``), no goalposts."""
    values, cities = data()
    spec = {"vignette": VIGNETTE, "extended": EXTENDED}[inputs]
    return values, cities, methodology().framework, Uncertainty.model_validate({"replications": replications, **spec}), None


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Export the COINr-shaped problem for COINr (coinr_uncertainty.R).")
    ap.add_argument("--export", type=Path, required=True, help="folder for iData.csv and iMeta.csv")
    export(ap.parse_args().export)
