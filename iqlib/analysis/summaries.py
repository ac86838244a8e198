"""Published summaries of a ranking: the group summary (results/group_summary.csv and one
per summarised roster column) and the regional table (results/regions.csv); and the
summaries the notebooks show: data coverage by group and by city, the least stable ranks,
which uncertain input moves most cities, the indicator profile of the groups.

They are results, so they are computed here, from the published scores, with plain
arguments (the index's column, the published decimals, the rule's fields); ``stages``
reads them off the params and writes them, ``presentation`` only formats them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from iqlib.core import ranking, roster

ALL = "all"   # the label of the row over every city


def group_summary(scores: pd.DataFrame, index_code: str, decimals: int, labels: Sequence[object],
                  by: str = "group") -> pd.DataFrame:
    """Per label of column ``by`` (in the given order) and overall (``all``): cities (and
    ``not_ranked`` when some have no index), mean, median, min, max of the published index
    (rounded half away from zero to ``decimals``), leader (the highest index, ties by
    city_id). A label without a city gets a row of 0 cities, no figures and leader '—'."""
    code = index_code

    def summary(frame: pd.DataFrame, label: object) -> dict:
        ranked = frame[frame[code].notna()]
        first = ranked.sort_values([code, "city_id"], ascending=[False, True]).head(1)
        return {by: label, "cities": len(frame), "not_ranked": len(frame) - len(ranked),
                "mean": frame[code].mean(), "median": frame[code].median(),
                "min": frame[code].min(), "max": frame[code].max(),
                "leader": first["city_ru"].iloc[0] if len(first) else "—"}
    rows = [summary(scores[scores[by] == g], g) for g in labels]
    rows.append(summary(scores, ALL))
    table = pd.DataFrame(rows)
    if not table["not_ranked"].any():  # the column only when some city is not ranked (screened, or no index)
        table = table.drop(columns="not_ranked")
    stats = ["mean", "median", "min", "max"]
    table[stats] = ranking.round_half_up(table[stats], decimals)
    return table


def regions(scores: pd.DataFrame, index_code: str, decimals: int, column: str, statistic: str,
            min_cities: int, not_given: str) -> pd.DataFrame:
    """The regional table: per value of ``column`` (the region) its ranked cities, the
    ``statistic`` (mean, median) of their published index rounded to ``decimals`` (the
    column is named after the index), its rank (1 = the highest; ties share the smallest
    rank; a region with fewer than ``min_cities`` ranked cities is listed, not ranked) and
    its best city (ties by city_id). Cities whose region is blank (empty, spaces or missing)
    are one row labelled ``not_given``, listed last and never ranked: not a region, but every
    ranked city is counted."""
    code = index_code
    ranked = scores[scores["rank_in_group"].notna()]
    region = ranked[column]
    blank = region.isna() | region.astype(str).str.strip().eq("")
    ranked = ranked.assign(**{column: region.where(~blank, not_given)})
    by = ranked.groupby(column, sort=True)
    best = ranked.sort_values([code, "city_id"], ascending=[False, True]).groupby(column, sort=True)["city_ru"].first()
    table = pd.DataFrame({"region": by.size().index, "cities": by.size().to_numpy(),
                          "value": getattr(by[code], statistic)().to_numpy(), "best_city": best.to_numpy()})
    none = (table["region"] == not_given).to_numpy() & bool(blank.any())
    eligible = (table["cities"] >= min_cities) & ~none
    table["rank"] = ranking.rank_overall(table["value"].where(eligible)).array   # Int64: a rank, or none
    table["value"] = ranking.round_half_up(table["value"], decimals)
    table = table.assign(none=none).sort_values(["none", "rank", "region"], kind="stable", na_position="last")
    return table.reset_index(drop=True)[["rank", "region", "cities", "value", "best_city"]].rename(columns={"value": code})


def direction_profiles(scores: pd.DataFrame, directions: Sequence[str], by: str = "group") -> tuple[pd.DataFrame,
                                                                                                     pd.DataFrame]:
    """What a city's directions are measured against on its page: per group, the median
    of each direction over the group's cities, and the directions of the group's leader
    (the first city by rank in group; among equal ranks the first in published order).
    Both indexed by group, a column per direction."""
    columns = list(directions)
    medians = scores.groupby(by, sort=False)[columns].median()
    leaders = scores.sort_values("rank_in_group", kind="stable").groupby(by, sort=False).head(1).set_index(by)[columns]
    return medians, leaders


def strengths_and_weaknesses(deltas: pd.Series, n: int = 3) -> tuple[pd.Series, pd.Series]:
    """A city's strengths and weaknesses from its directions' distances to the group
    median (``deltas``, by direction; NaN for a direction without data, which is
    neither): the ``n`` largest positive distances, largest first, and the ``n`` most
    negative, lowest first (equal distances in the given order)."""
    ranked = deltas.dropna().sort_values(kind="stable")
    top, bottom = ranked.iloc[len(ranked) - n:].iloc[::-1], ranked.iloc[:n]
    return top[top > 0], bottom[bottom < 0]


def no_regions(index_code: str) -> pd.DataFrame:
    """The regional table of a methodology without a ``regions:`` rule: its columns, no row."""
    return pd.DataFrame(columns=["rank", "region", "cities", index_code, "best_city"])


def coverage(values: pd.DataFrame, cities: pd.DataFrame, group_codes: Sequence[str]) -> pd.DataFrame:
    """Cities per group (in ``group_codes`` order) and the share of indicator values present, in %."""
    present = values.notna().mean(axis=1).to_numpy()
    frame = pd.DataFrame({"group": roster.column(cities, values.index).to_numpy(), "present": present})
    out = frame.groupby("group", sort=False).agg(cities=("present", "size"), data_present_pct=("present", "mean"))
    out["data_present_pct"] *= 100
    return out.reindex(list(group_codes)).reset_index()


def coverage_by_city(values: pd.DataFrame, cities: pd.DataFrame, lowest: int = 10) -> pd.DataFrame:
    """The ``lowest`` cities with the fewest indicator values present (ties by city_id)."""
    frame = pd.DataFrame({"city_id": values.index.to_numpy(),
                          "group": roster.column(cities, values.index).to_numpy(),
                          "present": values.notna().sum(axis=1).to_numpy(), "of": values.shape[1]})
    frame["present_pct"] = 100 * frame["present"] / frame["of"]
    return frame.sort_values(["present", "city_id"], kind="stable").head(lowest).reset_index(drop=True)


def unstable(table: pd.DataFrame, low: str, high: str, group_codes: Sequence[str], widest: int = 3) -> pd.DataFrame:
    """Per group, the cities whose nominal rank lies outside their interval (columns ``low``
    and ``high`` of uncertainty.csv), and the ``widest`` intervals (width = high − low)."""
    t = table.assign(width=table[high] - table[low])
    t = t.sort_values(["width", "rank_in_group"], ascending=[False, True], kind="stable")
    picked = t.groupby("group", sort=False).head(widest)
    out = pd.concat([t[t["outside_in_group"]], picked]).drop_duplicates("city_id")
    cols = ["group", "city_ru", "rank_in_group", "median_in_group", low, high, "width", "outside_in_group"]
    return roster.sorted_by_group(out, list(group_codes), ["width"], [False])[cols]


def moved_most(table: pd.DataFrame) -> pd.DataFrame:
    """Per group, how many cities each input moves most (largest per-city ST_i)."""
    if "moved_most_by" not in table:
        return pd.DataFrame()
    counts = table.groupby(["group", "moved_most_by"], sort=False).size().reset_index(name="cities")
    return roster.sorted_by_group(counts, list(pd.unique(table["group"])), ["cities", "moved_most_by"], [False, True])


def indicator_profile(normalised: pd.DataFrame, groups: pd.Series, order: Sequence[str],
                      group_codes: Sequence[str]) -> pd.DataFrame:
    """Mean normalised score of each indicator (columns in ``order``) by group (rows in
    ``group_codes`` order; a group without cities is a row of NaN)."""
    return normalised[list(order)].groupby(groups.reindex(normalised.index).to_numpy()).mean().reindex(list(group_codes))
