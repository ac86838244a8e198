"""The home page's maps (``templates/home_maps.html``): what they need from a published run.

``context(folder, language)`` reads the run's ``results/regions.csv`` (a region, its number of
cities and its index: the methodology's ``regions`` rule), ``results/scores.csv`` (each city's
index) and ``results/cities.csv`` (the roster as loaded, with ``lat`` and ``lon`` when the
roster has them) and returns both maps, drawn by ``presentation.maps``, with their captions,
the outline's source and licence, and the tables of their numbers. ``maps(...)`` does the same
from frames (the preview and the tests). The tile map has a cell for every federal subject: one
without a city in the run is drawn as having no data. The city map is left out (``None``) when
no city has coordinates.

The home page includes the template as ``{% if maps %}{% include "home_maps.html" %}{% endif %}``
with ``maps = context(newest_run.folder, language)``; the template takes its words from
``maps.w`` (the catalogue's ``maps:`` section and ``site.statistic``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from iqlib.io.runfolder import RunFolder
from iqlib.presentation import maps as draw
from iqlib.presentation.site import fmt
from iqlib.presentation.words import languages, word, words

REGION_COLUMNS = ["rank", "region", "cities", "best_city"]


def context(folder: Path, language: str, edition: int | str | None = None) -> dict[str, Any] | None:
    """Both maps of a published run (None when it has no ``regions.csv``)."""
    run = RunFolder(folder)
    if not run.has("regions.csv"):
        return None
    manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    rule = manifest["params"]["resolved"]["methodology"].get("regions") or {}
    return maps(run.read_csv("regions.csv"), run.read_csv("scores.csv"), run.read_csv("cities.csv"), language,
                manifest["edition"] if edition is None else edition, rule.get("statistic", "mean"))


def maps(regions: pd.DataFrame, scores: pd.DataFrame, cities: pd.DataFrame, language: str, edition: int | str,
         statistic: str = "mean") -> dict[str, Any]:
    """Both maps from the run's tables: ``regions`` (region, cities, the index column),
    ``scores`` (city_id, city_ru, region_ru and the index column), ``cities`` (city_id and,
    optionally, lat and lon)."""
    w = {**words(language, "maps"), "statistic": words(language, "site.statistic")}
    code = next(c for c in regions.columns if c not in REGION_COLUMNS)
    names = {"short": code, "statistic": w["statistic"][statistic], "edition": edition}
    known = {t.region for t in draw.tiles()}
    by_region = {r: (None if pd.isna(v) else float(v)) for r, v in zip(regions["region"], regions[code], strict=True)}
    counts = dict(zip(regions["region"], regions["cities"], strict=True))
    stem = f"map-regions-{edition}"
    tile = {"svg": draw.tile_map(by_region, w["tile_title"].format(**names), language, w["missing"],
                                 desc=w["tile_caption"].format(**names)),
            "caption": w["tile_caption"].format(**names), "stem": stem, "value": w["tile_value"].format(**names),
            "rows": [{"region": t.region, "cities": int(counts.get(t.region, 0)),
                      "value": fmt(by_region.get(t.region), 2, language) if by_region.get(t.region) is not None else w["missing"]}
                     for t in sorted(draw.tiles(), key=lambda t: (by_region.get(t.region) is None,
                                                                  -(by_region.get(t.region) or 0), t.region))],
            "unplaced": ""}
    not_given = {word(lang, "shadow.region_not_given") for lang in languages()}   # regions.csv's row of blank regions
    unplaced = sorted(set(by_region) - known - not_given)
    if unplaced:                      # a region the grid does not know: named under the map, in the table
        tile["unplaced"] = w["unplaced"].format(regions=", ".join(unplaced))
    listed = unplaced + sorted(set(by_region) & not_given)   # cities without a region: not on the map, in the table
    tile["rows"] += [{"region": r, "cities": int(counts[r]),
                      "value": w["missing"] if by_region[r] is None else fmt(by_region[r], 2, language)} for r in listed]
    return {"w": w, "code": code, "tile": tile, "city": _cities(scores, cities, language, edition, code, w, names)}


def _cities(scores: pd.DataFrame, cities: pd.DataFrame, language: str, edition: int | str, code: str,
            w: dict[str, Any], names: dict[str, Any]) -> dict[str, Any] | None:
    """The city map and its table, or None when no city has coordinates."""
    if not {"lat", "lon"} <= set(cities.columns):
        return None
    table = scores[["city_id", "city_ru", "region_ru", code]].merge(cities[["city_id", "lat", "lon"]], on="city_id", how="left")
    table["region_ru"] = table["region_ru"].fillna(word(language, "shadow.region_not_given"))
    placed = table[table["lat"].notna() & table["lon"].notna()]
    if placed.empty:
        return None
    values = [None if pd.isna(v) else float(v) for v in placed[code]]
    points = [(f"{c} ({r})", float(la), float(lo), v)
              for c, r, la, lo, v in zip(placed["city_ru"], placed["region_ru"], placed["lat"], placed["lon"], values, strict=True)]
    total = len(table)
    caption = (w["city_caption_all"] if len(placed) == total else w["city_caption"]).format(shown=len(placed), total=total, **names)
    order = placed.assign(_v=placed[code].fillna(float("-inf"))).sort_values(["_v", "city_ru"], ascending=[False, True])
    return {"svg": draw.city_map(points, w["city_title"].format(**names), language, w["missing"],
                                 desc=f"{caption} {w['outline_source']}"),
            "caption": caption, "stem": f"map-cities-{edition}", "source": w["outline_source"],
            "note": w["coordinates_note"],
            "rows": [{"city": r["city_ru"], "region": r["region_ru"],
                      "value": w["missing"] if pd.isna(r[code]) else fmt(r[code], 2, language),
                      "lat": fmt(r["lat"], 2, language), "lon": fmt(r["lon"], 2, language)} for _, r in order.iterrows()]}
