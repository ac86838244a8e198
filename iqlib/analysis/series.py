"""The index across editions, from each edition's published scores (pure tables).

``panel`` stacks the editions (one row per year and city); the other functions read it:
national and group averages with growth against the base year beside the official series,
each city's change from one edition to the next, the biggest movers, cities entering and
leaving the index, and regions. Where the panel carries ``score_fixed`` (the same edition
scored against fixed goalposts from a base edition), a change splits into the part the
fixed scale sees (real improvement) and the rest (the moving min–max scale of each year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.core import ranking

PANEL = ["year", "city_id", "city_ru", "region_ru", "group", "rank", "score", "score_fixed"]


def panel(scores: dict[int, pd.DataFrame], index_code: str, fixed: dict[int, pd.Series] | None = None) -> pd.DataFrame:
    """One row per (year, city) from each year's published scores (``results/scores.csv``);
    ``fixed``: per year, the city's score against fixed goalposts (rounded as published)."""
    parts = []
    for year, s in sorted(scores.items()):
        part = pd.DataFrame({"year": year, "city_id": s["city_id"], "city_ru": s["city_ru"],
                             "region_ru": s["region_ru"], "group": s["group"], "rank": s["rank_in_group"],
                             "score": s[index_code]})
        part["score_fixed"] = (fixed or {}).get(year, pd.Series(dtype=float)).reindex(part["city_id"]).to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[PANEL]


def _round(x: pd.Series | pd.DataFrame, decimals: int) -> pd.Series | pd.DataFrame:
    return ranking.round_half_up(x, decimals)


def averages(p: pd.DataFrame, official: pd.DataFrame, base_year: int, decimals: int,
             methods: pd.Series | None = None) -> pd.DataFrame:
    """Per year: cities, the national average of this calculation (min–max and fixed
    goalposts) and its growth against ``base_year`` in %, beside the official average and
    growth (``official``: data_year, national_average, change_vs_2018_base_pct). Official
    years without an edition are kept as context (computed columns empty). ``methods``
    (year → method version): growth only within the base year's method, and a column
    naming each year's method."""
    g = p.groupby("year")
    out = pd.DataFrame({"cities": g.size(), "average": _round(g["score"].mean(), decimals),
                        "average_fixed": _round(g["score_fixed"].mean(), decimals)})
    if base_year not in out.index:
        raise ValueError(f"the base year {base_year} is not among the editions ({', '.join(map(str, out.index))})")
    base = out.loc[base_year]
    out["growth_pct"] = _round(100 * (out["average"] / base["average"] - 1), decimals)
    out["growth_fixed_pct"] = _round(100 * (out["average_fixed"] / base["average_fixed"] - 1), decimals)
    if methods is not None and methods.nunique() > 1:     # another scale: no growth against the base
        out["method"] = methods.reindex(out.index)
        other = out["method"] != methods[base_year]
        out.loc[other, ["growth_pct", "growth_fixed_pct"]] = np.nan
    off = official.set_index("data_year")[["national_average", "change_vs_2018_base_pct"]].rename(
        columns={"national_average": "official_average", "change_vs_2018_base_pct": "official_growth_pct"})
    out = out.join(off, how="outer")
    out["implied_base"] = _round(out["official_average"] / (1 + out["official_growth_pct"] / 100), decimals)
    out.index.name = "year"
    out = out.reset_index()
    out["cities"] = out["cities"].astype("Int64")
    columns = ["year", "cities", "official_average", "average", "official_growth_pct", "growth_pct", "implied_base",
               "average_fixed", "growth_fixed_pct"]
    return out[columns + (["method"] if "method" in out else [])]


def group_averages(p: pd.DataFrame, groups: list[str], decimals: int) -> pd.DataFrame:
    """Per year and group (in ``groups`` order): cities and the mean score (min–max and fixed)."""
    g = p.groupby(["year", "group"])
    out = pd.DataFrame({"cities": g.size(), "average": _round(g["score"].mean(), decimals),
                        "average_fixed": _round(g["score_fixed"].mean(), decimals)}).reset_index()
    order = {c: i for i, c in enumerate(groups)}
    return out.sort_values(["year", "group"], key=lambda c: c.map(order) if c.name == "group" else c,
                           kind="stable").reset_index(drop=True)


def changes(p: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Each city from one edition to the next: group and place before and after, the place
    shift (+ = up) when the group is the same, the score change, the change on the fixed
    scale (real improvement) and the rest (the moving scale); cities in only one of the two
    editions are listed as entering or leaving."""
    years = sorted(p["year"].unique())
    parts = []
    for a, b in zip(years, years[1:]):
        left = p[p["year"] == a].set_index("city_id")
        right = p[p["year"] == b].set_index("city_id")
        both = left.merge(right, how="outer", left_index=True, right_index=True, suffixes=("_from", "_to"))
        frame = pd.DataFrame({"year_from": a, "year_to": b, "city_id": both.index,
                              "city_ru": both["city_ru_to"].fillna(both["city_ru_from"]).to_numpy(),
                              "group_from": both["group_from"].to_numpy(), "group_to": both["group_to"].to_numpy(),
                              "rank_from": both["rank_from"].to_numpy(), "rank_to": both["rank_to"].to_numpy(),
                              "score_from": both["score_from"].to_numpy(), "score_to": both["score_to"].to_numpy()})
        frame["status"] = np.select(
            [frame["group_from"].isna(), frame["group_to"].isna(), frame["group_from"] != frame["group_to"]],
            ["entered", "left", "changed_group"], "same_group")
        same = frame["status"] == "same_group"
        frame["shift"] = (frame["rank_from"] - frame["rank_to"]).where(same).astype("Int64")
        frame["delta"] = _round(frame["score_to"] - frame["score_from"], decimals)
        fixed = (both["score_fixed_to"] - both["score_fixed_from"]).to_numpy()
        frame["delta_fixed"] = _round(pd.Series(fixed, index=frame.index), decimals)
        frame["delta_scale"] = _round(frame["delta"] - frame["delta_fixed"], decimals)
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    for col in ("rank_from", "rank_to"):
        out[col] = out[col].astype("Int64")
    return out.sort_values(["year_from", "status", "city_id"], kind="stable").reset_index(drop=True)


def movers(ch: pd.DataFrame, groups: list[str], n: int = 3) -> pd.DataFrame:
    """The ``n`` biggest climbers and fallers of each group between consecutive editions
    (cities in the same group both years; by place shift, then score change, then code)."""
    same = ch[ch["status"] == "same_group"].copy()
    order = {c: i for i, c in enumerate(groups)}
    parts = []
    for _, part in same.groupby(["year_from", "group_to"], sort=False):
        up = part.sort_values(["shift", "delta", "city_id"], ascending=[False, False, True], kind="stable").head(n)
        down = part.sort_values(["shift", "delta", "city_id"], ascending=[True, True, True], kind="stable").head(n)
        parts += [up[up["shift"] > 0].assign(direction="up"), down[down["shift"] < 0].assign(direction="down")]
    out = pd.concat(parts, ignore_index=True) if parts else same.head(0).assign(direction="")
    out = out.rename(columns={"group_to": "group"})
    out = out.sort_values(["year_from", "group", "direction"], key=lambda c: c.map(order) if c.name == "group" else c,
                          ascending=[True, True, False], kind="stable")
    return out[["year_from", "year_to", "group", "direction", "city_id", "city_ru", "rank_from", "rank_to", "shift",
                "delta", "delta_fixed", "delta_scale"]].reset_index(drop=True)


def regions(tables: dict[int, pd.DataFrame], index_code: str) -> pd.DataFrame:
    """Each year's regional table (``results/regions.csv``) stacked: year, rank, region,
    cities, the region's figure."""
    parts = [t.assign(year=year)[["year", "rank", "region", "cities", index_code]] for year, t in sorted(tables.items())]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["year", "rank", "region", "cities"])
