"""Statistical ties: which places of a group the uncertainty analysis does not settle.

For two cities A and B of one population group, P(A above B) is the share of the
uncertainty replications in which A's place in the group is better than B's, a shared
place counting one half (replications in which either has no place are left out). The
edition's order of A before B is **settled** when P(A above B) ≥ 0.9 (``SETTLED``), and a
**tie band** is a maximal run of two or more cities, consecutive in the edition's order of
the group, in which no neighbour's order is settled: the band's places could come in
another order in more than one replication in ten (a chain: the first and the last of a
long band may well be settled between themselves).

Only pairs whose 90 % rank intervals overlap are counted (with the neighbours, whatever
their intervals): when A's 95th percentile place is better than B's 5th percentile place,
A is above B in at least 95 % − 5 % = 90 % of the replications (the percentiles are
observed places, numpy's ``inverted_cdf``: at most 5 % of the replications put A below
its 95th percentile, fewer than 5 % put B above its 5th), so the pair is settled without
counting. A city without a place in some replication is counted with every city of its
group (``unplaced``): the shares are then over the replications that place both, and the
bound does not hold. Memory: the candidate pairs are found a block of cities at a time and
counted a block of pairs at a time (at most ``ELEMENTS`` values each), never a cities ×
cities × replications array.

``results/ties.csv`` (written by stage 04 beside uncertainty.csv), one row per counted pair:
``group, band, city_id, city_ru, rank_in_group, other_id, other_ru, other_rank, p_above`` —
A placed before B in the edition (a better place; a shared place: the smaller city code
first); ``band`` the pair's tie band in its group (1, 2, … in the order of places) when
both belong to it, else empty; ``p_above`` to four decimals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.analysis.uncertainty import intervals

SETTLED = 0.9                 # the edition's order of a pair is settled from this share of replications on
PERCENTILES = (5.0, 95.0)     # the interval whose overlap makes a pair worth counting
ELEMENTS = 1 << 22            # at most this many values in one block
COLUMNS = ["group", "band", "city_id", "city_ru", "rank_in_group", "other_id", "other_ru", "other_rank", "p_above"]


def candidates(order: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Within one group whose cities are ``order`` (positions into the arrays, in the
    edition's order): the pairs (i before j) to count — every neighbour pair and every pair
    whose intervals [low, high] overlap. Positions into ``order``, sorted by i then j."""
    n = len(order)
    lo, hi = low[order], high[order]
    firsts, seconds = [], []
    block = max(1, ELEMENTS // max(1, n))
    later = np.arange(n)
    for start in range(0, n, block):
        i = np.arange(start, min(n, start + block))
        overlap = (lo[None, :] <= hi[i, None]) & (lo[i, None] <= hi[None, :])
        overlap |= later[None, :] == i[:, None] + 1               # neighbours, whatever their intervals
        overlap &= later[None, :] > i[:, None]
        a, b = np.nonzero(overlap)
        firsts.append(i[a])
        seconds.append(b)
    if not firsts:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    return np.concatenate(firsts), np.concatenate(seconds)


def shares(ranks: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """P(A above B) for each pair (columns ``a[k]``, ``b[k]`` of ``ranks``: replications ×
    cities, 0 = no place): the better place counts 1, a shared place ½, over the
    replications that place both; NaN when none does. Exact: counted in integers, then
    one division."""
    out = np.full(len(a), np.nan)
    width = max(1, ELEMENTS // max(1, len(ranks)))
    for start in range(0, len(a), width):
        ra, rb = ranks[:, a[start:start + width]], ranks[:, b[start:start + width]]
        both = (ra > 0) & (rb > 0)
        halves = 2 * ((ra < rb) & both).sum(axis=0) + ((ra == rb) & both).sum(axis=0)
        counted = both.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start:start + width] = np.where(counted > 0, halves / (2.0 * counted), np.nan)
    return out


def bands(neighbours: np.ndarray) -> np.ndarray:
    """For a group's n cities in the edition's order, given P(city i above city i + 1) for
    each neighbour pair (n − 1 values): each city's tie band (1, 2, …; 0 = in none). A
    neighbour pair never placed together (NaN) is not settled."""
    open_ = ~(neighbours >= SETTLED)
    starts = open_ & ~np.r_[False, open_[:-1]]                 # the first open link of each run
    link_band = np.where(open_, np.cumsum(starts), 0)          # link k joins cities k and k + 1
    out = np.zeros(len(neighbours) + 1, dtype=int)
    out[:-1] = link_band
    out[1:] = np.maximum(out[1:], link_band)
    return out


def unplaced(ranks: np.ndarray) -> np.ndarray:
    """The cities (columns of ``ranks``, 0 = no place) without a place in some replication:
    P(A above B) is then a share of the replications that place both, and the interval bound
    (module docstring) no longer holds, so every pair with such a city is counted. Read a
    block of cities at a time."""
    out = np.zeros(ranks.shape[1], dtype=bool)
    width = max(1, ELEMENTS // max(1, len(ranks)))
    for start in range(0, ranks.shape[1], width):
        out[start:start + width] = (ranks[:, start:start + width] == 0).any(axis=0)
    return out


def ties(ranks: np.ndarray, nominal: np.ndarray, groups: np.ndarray, city_ids: np.ndarray, names: np.ndarray,
         group_order: list[str]) -> pd.DataFrame:
    """``results/ties.csv`` (module docstring) from the replications' places in group
    (``ranks``: replications × cities, 0 = no place) and the edition's places (``nominal``,
    NaN for a city without one), the cities' groups, codes and names; groups in
    ``group_order`` (then any other, in order of appearance)."""
    spread = intervals(ranks, nominal, PERCENTILES)
    low, high = spread["low"].copy(), spread["high"].copy()
    gaps = unplaced(ranks)
    low[gaps], high[gaps] = -np.inf, np.inf     # the bound needs every replication: such a city is counted with all
    seen = list(dict.fromkeys([*group_order, *pd.unique(groups)]))
    parts = []
    for g in seen:
        members = np.flatnonzero((groups == g) & ~np.isnan(nominal))
        if len(members) < 2:
            continue
        order = members[np.lexsort((city_ids[members], nominal[members]))]
        i, j = candidates(order, low, high)
        p = shares(ranks, order[i], order[j])
        next_ = i + 1 == j
        neighbour = np.full(len(order) - 1, np.nan)
        neighbour[i[next_]] = p[next_]
        band = bands(neighbour)
        same = (band[i] == band[j]) & (band[i] > 0)
        parts.append(pd.DataFrame({
            "group": g, "band": pd.array(np.where(same, band[i], 0), dtype="Int64"),
            "city_id": city_ids[order[i]], "city_ru": names[order[i]], "rank_in_group": nominal[order[i]].astype(int),
            "other_id": city_ids[order[j]], "other_ru": names[order[j]], "other_rank": nominal[order[j]].astype(int),
            "p_above": p}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out.loc[out["band"] == 0, "band"] = pd.NA
    return out[COLUMNS]


def unsettled(table: pd.DataFrame) -> dict[str, list[tuple[str, str, float]]]:
    """For each city, the cities of its group whose order with it the replications do not
    settle either way (P strictly between 1 − ``SETTLED`` and ``SETTLED``): (code, name,
    P(the city above it)), in the edition's order."""
    open_ = table[table["p_above"].between(1 - SETTLED, SETTLED, inclusive="neither")]
    pairs = pd.concat([
        pd.DataFrame({"city": open_["city_id"], "other": open_["other_id"], "name": open_["other_ru"],
                      "rank": open_["other_rank"], "p": open_["p_above"]}),
        pd.DataFrame({"city": open_["other_id"], "other": open_["city_id"], "name": open_["city_ru"],
                      "rank": open_["rank_in_group"], "p": 1 - open_["p_above"]})])
    pairs = pairs.sort_values(["city", "rank", "other"], kind="stable")
    return {str(c): list(zip(part["other"], part["name"], part["p"])) for c, part in pairs.groupby("city", sort=False)}


def band_rows(table: pd.DataFrame) -> pd.DataFrame:
    """One row per tie band: group, band, first and last place, the cities' codes and names
    in the edition's order (none for a run without ties: an edition without an uncertainty
    analysis)."""
    if "band" not in table.columns:
        return pd.DataFrame(columns=["group", "band", "first", "last", "ids", "names"])
    banded = table.dropna(subset=["band"])
    rows = []
    for (g, b), part in banded.groupby(["group", "band"], sort=False):
        members = pd.concat([part[["city_id", "city_ru", "rank_in_group"]].set_axis(["id", "name", "rank"], axis=1),
                             part[["other_id", "other_ru", "other_rank"]].set_axis(["id", "name", "rank"], axis=1)])
        members = members.drop_duplicates("id").sort_values(["rank", "id"], kind="stable")
        rows.append({"group": g, "band": int(b), "first": int(members["rank"].iloc[0]), "last": int(members["rank"].iloc[-1]),
                     "ids": members["id"].tolist(), "names": members["name"].tolist()})
    return pd.DataFrame(rows, columns=["group", "band", "first", "last", "ids", "names"])
