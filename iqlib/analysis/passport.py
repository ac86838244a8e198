"""What a city's passport computes beyond its published scores: its place within the group
on each direction, its peers (the closest direction profiles of its group), the leader's
margins over the runner-up, and the levers — the indicators whose rise to the group's best
value would gain the most places, found by scoring the edition again.

**Levers are re-scored, not guessed.** For city c and indicator i, c's value of i is set to
the best value of c's group (the highest, or the lowest for polarity −1) and the whole
nominal computation runs again with the core's own functions (``impute.fill``,
``treat.treat``, ``normalise.normalise``, ``aggregate.combine``, ``ranking.tie_ranks``);
the places gained are counted against the group.

A changed value can move other cities too: min–max goalposts move when c was the group's
minimum, group means used for imputation move, a winsorisation or a goalpost taken from
this edition's maximum moves. None of that is approximated: every step before aggregation
works column by column (a column's result depends on that column only — the contract
``normalise.normalise`` states and the uncertainty model relies on), so each modified copy
of indicator i is a column of its own in one wide frame, imputed, treated and normalised
for every city of the roster at once. Aggregation works row by row with data-independent
weights (``yaml``, ``equal``), so each case is the nominal normalised table with its one
column replaced, aggregated as a batch. A methodology for which this does not hold
(screening, which looks at whole rows; data-driven weights such as ``pca``) is scored
case by case with ``engine.compute`` (``rescore``), the same function the tests compare
the batch with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iqlib.core import aggregate, engine, impute, normalise, ranking, roster, treat
from iqlib.core.framework import Framework
from iqlib.core.normalise import Bounds
from iqlib.core.weighting import WEIGHTS

FIXED_WEIGHTS = {"yaml", "equal"}     # weight rules that do not look at the values
SEP = "\x1f"                          # joins indicator and city in the wide frame's column names
ELEMENTS = 1 << 22                    # at most this many values in one block (peers, levers): memory bounded


# --------------------------------------------------------------------------- places and peers
def direction_places(aggregates: pd.DataFrame, groups: pd.Series, directions: Sequence[str]) -> pd.DataFrame:
    """Each city's place within its group on each direction (1 = best), on full-precision
    scores with the project's tie rule (``ranking.tie_ranks``: values within 1e-12 share
    the lowest place). Cities × directions, nullable integers."""
    cols = list(directions)
    key = -aggregates[cols].to_numpy(dtype=float).T                 # directions × cities
    places = ranking.tie_ranks_within(key, groups.reindex(aggregates.index).to_numpy())
    return pd.DataFrame(places.T, index=aggregates.index, columns=cols).astype("Int64")


def peers(profiles: pd.DataFrame, groups: pd.Series, k: int = 5) -> pd.DataFrame:
    """The ``k`` cities of the same group whose direction profiles (``profiles``: cities ×
    directions) are closest to each city's: Euclidean distance over the directions both
    cities have (scaled up to all directions when some are missing), nearest first, equal
    distances by city code. Columns city_id, peer, distance, order (1 = nearest).

    Distances are taken a block of cities at a time (at most ``ELEMENTS`` differences at
    once), so memory stays bounded in a group of thousands of cities."""
    parts = []
    key = groups.reindex(profiles.index).to_numpy()
    for g in pd.unique(key):
        part = profiles[key == g]
        ids = part.index.to_numpy()
        x = part.to_numpy(dtype=float)
        n, d = x.shape
        code_order = np.argsort(np.argsort(ids, kind="stable"), kind="stable")   # position of each code in sorted order
        keep = min(k, n - 1)
        block = max(1, ELEMENTS // max(1, n * d))
        for start in range(0, n, block):
            rows = np.arange(start, min(n, start + block))
            diff = x[rows, None, :] - x[None, :, :]
            both = ~np.isnan(diff)
            sq = np.where(both, diff * diff, 0.0).sum(axis=-1)
            counted = both.sum(axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                dist = np.sqrt(sq * d / counted)
            dist[counted == 0] = np.inf
            dist[np.arange(len(rows)), rows] = np.nan                 # itself: sorted last, never kept
            order = np.lexsort((np.broadcast_to(code_order, dist.shape), dist), axis=-1)[:, :keep]
            parts.append(pd.DataFrame({"city_id": np.repeat(ids[rows], keep), "peer": ids[order].ravel(),
                                       "distance": np.take_along_axis(dist, order, axis=-1).ravel(),
                                       "order": np.tile(np.arange(1, keep + 1), len(rows))}))
    columns = ["city_id", "peer", "distance", "order"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def runner_up_margins(profiles: pd.DataFrame, index: pd.Series, rank_in_group: pd.Series,
                      groups: pd.Series) -> pd.DataFrame:
    """For each group's leader (place 1; among equal places the first city code), its
    margin over the runner-up (the next city by place, then by code) on the index and each
    direction: leader − runner-up (negative where the runner-up is ahead). Columns group,
    leader, runner_up, node, margin; the index first, then the directions smallest margin
    first (equal margins in the framework's order)."""
    frame = pd.DataFrame({"rank": rank_in_group.reindex(profiles.index), "group": groups.reindex(profiles.index)})
    frame["code"] = frame.index
    rows = []
    for g, part in frame.dropna(subset=["rank"]).groupby("group", sort=False):
        ordered = part.sort_values(["rank", "code"], kind="stable").index
        if len(ordered) < 2:
            continue
        lead, second = ordered[0], ordered[1]
        rows.append({"group": g, "leader": lead, "runner_up": second, "node": index.name,
                     "margin": float(index[lead] - index[second])})
        margins = (profiles.loc[lead] - profiles.loc[second]).astype(float)
        for d, m in margins.sort_values(kind="stable").items():
            rows.append({"group": g, "leader": lead, "runner_up": second, "node": d, "margin": float(m)})
    return pd.DataFrame(rows, columns=["group", "leader", "runner_up", "node", "margin"])


# --------------------------------------------------------------------------- levers
@dataclass(frozen=True)
class Scored:
    """The nominal computation the levers start from: index and place in group per city."""

    index: pd.Series
    rank: pd.Series
    normalised: pd.DataFrame


def best_values(values: pd.DataFrame, groups: pd.Series, polarity: pd.Series) -> pd.DataFrame:
    """Each group's best value of each indicator (groups × indicators): the highest, or the
    lowest for polarity −1; missing when no city of the group has a value."""
    oriented = values * polarity[values.columns]
    return oriented.groupby(groups.reindex(values.index).to_numpy()).max() * polarity[values.columns]


def nominal(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, bounds: Bounds | None) -> Scored:
    """The edition's own computation (``engine.compute``): index and place in group."""
    result = engine.compute(values[fw.indicator_codes()], cities, fw, bounds)
    return Scored(result.scores[fw.index_code], result.rank_in_group, result.normalised)


def rescore(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, bounds: Bounds | None, own_bounds: bool,
            city: str, indicator: str, value: float) -> tuple[float, int]:
    """The full re-run for one case: ``city``'s ``indicator`` set to ``value``, every step
    of ``engine.compute`` on the modified values (goalposts taken from them again when the
    edition takes its bounds from its own values: ``own_bounds``). Returns the city's index
    and place in group."""
    x = values[fw.indicator_codes()].copy()
    x.at[city, indicator] = value
    b = engine.base_bounds(x, cities) if own_bounds else bounds
    result = engine.compute(x, cities, fw, b)
    return float(result.scores[fw.index_code][city]), int(result.rank_in_group[city])


def batchable(fw: Framework) -> bool:
    """Whether the batched re-scoring is exact for ``fw`` (see the module docstring)."""
    return fw.screening is None and all(cfg.weights in FIXED_WEIGHTS for cfg in fw.aggregation.values())


def levers(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, bounds: Bounds | None, own_bounds: bool,
           ids: Sequence[str] | None = None) -> pd.DataFrame:
    """For each city of ``ids`` (default: every city with a place) and each indicator whose
    value is not already its group's best: the best value, the index and the place in the
    group after the rise, re-scored exactly (module docstring). Columns city_id, indicator,
    value, best, index, new_index, rank, new_rank, places (gained, ≥ 0 means up)."""
    codes = fw.indicator_codes()
    x = values[codes]
    group = roster.column(cities, x.index)
    pol = fw.polarities()[codes]
    base = nominal(x, cities, fw, bounds)
    best = best_values(x, group, pol)
    ranked = base.rank.dropna().index
    wanted = list(ranked if ids is None else [c for c in ids if c in set(ranked)])
    columns = ["city_id", "indicator", "value", "best", "index", "new_index", "rank", "new_rank", "places"]
    own = x.loc[wanted].to_numpy(dtype=float)
    top = best.reindex(group[wanted].to_numpy()).to_numpy(dtype=float)
    at_city, at_ind = np.nonzero(~np.isnan(top) & ~(own == top))         # by city, then indicator
    cases = [(wanted[a], codes[b], float(top[a, b])) for a, b in zip(at_city, at_ind)]
    if not cases:
        return pd.DataFrame(columns=columns)
    if batchable(fw):
        # a block of cases at a time: each case is a column as long as the roster (and a row
        # of its group's ranking), so a block holds at most ELEMENTS values per array
        block = max(1, ELEMENTS // max(1, len(x.index)))
        done_batches = [_batch(x, cities, fw, bounds, own_bounds, group, base, cases[i:i + block])
                        for i in range(0, len(cases), block)]
        new_index = np.concatenate([b[0] for b in done_batches])
        new_rank = np.concatenate([b[1] for b in done_batches])
    else:
        done = [rescore(x, cities, fw, bounds, own_bounds, c, i, v) for c, i, v in cases]
        new_index, new_rank = np.array([d[0] for d in done]), np.array([d[1] for d in done])
    ids_of = [c for c, _, _ in cases]
    out = pd.DataFrame({"city_id": ids_of, "indicator": [i for _, i, _ in cases], "value": own[at_city, at_ind],
                        "best": top[at_city, at_ind], "index": base.index.reindex(ids_of).to_numpy(dtype=float),
                        "new_index": new_index, "rank": base.rank.reindex(ids_of).to_numpy(dtype=int),
                        "new_rank": new_rank.astype(int)})
    out["places"] = out["rank"] - out["new_rank"]
    return out[columns]


def _batch(x: pd.DataFrame, cities: pd.DataFrame, fw: Framework, bounds: Bounds | None, own_bounds: bool,
           group: pd.Series, base: Scored, cases: list[tuple[str, str, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Every case at once: the wide frame of modified columns through imputation,
    treatment and normalisation, then each city's cases aggregated as one batch."""
    codes = list(x.columns)
    names = [f"{i}{SEP}{c}" for c, i, _ in cases]
    source = [i for _, i, _ in cases]
    wide = x[source].copy()
    wide.columns = names
    pos = {c: p for p, c in enumerate(x.index)}
    arr = wide.to_numpy(dtype=float, copy=True)
    arr[[pos[c] for c, _, _ in cases], np.arange(len(cases))] = [v for _, _, v in cases]
    wide = pd.DataFrame(arr, index=x.index, columns=names)
    # the column-wise steps, with each indicator's own choices (engine.prepare's calls)
    rules = pd.Series([fw.missing[i] for i in source], index=names, dtype=object)
    by = roster.column(cities, x.index, fw.imputation_by)
    imputed = impute.fill(wide, rules, by)
    treated = treat.treat(imputed, {n: fw.treatment[i] for n, i in zip(names, source)}, group)[0]
    configs = {n: fw.normalisation[i] for n, i in zip(names, source)}
    polarity = pd.Series(fw.polarities()[source].to_numpy(), index=names)
    if own_bounds:
        wide_bounds: Bounds | None = engine.base_bounds(wide, cities)
    elif bounds is not None:
        wide_bounds = Bounds(bounds.group_max[source].set_axis(names, axis=1), bounds.max[source].set_axis(names))
    else:
        wide_bounds = None
    scopes = normalise.roster_scopes(cities, treated.index, configs.values())
    modified = normalise.normalise(treated, polarity, configs, group, wide_bounds, scopes).to_numpy(dtype=float)
    plain = base.normalised[codes].to_numpy(dtype=float)       # the nominal table: the same calls, unmodified
    # A case changes the normalised value of its city and, where the change moved a goalpost
    # or an imputed value, of other cities: only those rows are aggregated again. A row whose
    # normalised values are all unchanged keeps its nominal index (aggregation is row by row).
    col = np.array([codes.index(i) for i in source])
    before = plain[:, col]                                   # cities × cases
    changed = ~((modified == before) | (np.isnan(modified) & np.isnan(before)))
    changed[[pos[c] for c, _, _ in cases], np.arange(len(cases))] = True
    row, case = np.nonzero(changed.T)[1], np.nonzero(changed.T)[0]      # by case, then city
    # each pair (case, city): the city's nominal row with the case's column replaced, stored
    # indicator-major like the pipeline's frames (a DataFrame's array is column-major), so
    # that numpy adds each row's children in the same order and the sums agree to the last bit.
    # A single pair is stored twice: one row alone is both C- and F-contiguous, and numpy
    # would then add its children pairwise, not one after another (a last-bit difference).
    pairs = np.tile(np.arange(len(row)), 2 if len(row) == 1 else 1)
    stored = plain[row[pairs]].T.copy()
    stored[col[case[pairs]], np.arange(len(pairs))] = modified[row[pairs], case[pairs]]
    index = _aggregate(stored.T, _plan(codes, fw), fw.index_code)[:len(row)]
    key = group.to_numpy()
    nominal_index = base.index.reindex(x.index).to_numpy(dtype=float)
    new_index, new_rank = np.empty(len(cases)), np.empty(len(cases))
    city_of = np.array([pos[c] for c, _, _ in cases])
    for g in pd.unique(key[city_of]):
        members = np.flatnonzero(key == g)
        which = np.flatnonzero(key[city_of] == g)
        table = np.repeat(nominal_index[members][None, :], len(which), axis=0)   # cases × group cities
        slot = np.full(len(cases), -1)
        slot[which] = np.arange(len(which))
        at = np.full(len(x.index), -1)
        at[members] = np.arange(len(members))
        mine = slot[case] >= 0
        table[slot[case[mine]], at[row[mine]]] = index[mine]
        places = ranking.tie_ranks(-table)                  # one ranking call per group
        own = at[city_of[which]]
        new_index[which] = table[np.arange(len(which)), own]
        new_rank[which] = places[np.arange(len(which)), own]
    return new_index, new_rank


def _plan(codes: list[str], fw: Framework) -> list[tuple]:
    """Per level above the indicators, what ``aggregate.aggregate_all`` uses: the
    aggregation, the children's weights, their ``Members``, the parents' order and the
    value of a parent without children."""
    plan, names = [], codes
    for level in fw.levels[1:]:
        cfg = fw.aggregation[level]
        w, _ = WEIGHTS[cfg.weights](pd.DataFrame(columns=names), fw.parent_of, fw.nominal_weights)
        m = aggregate.Members(names, fw.parent_of)
        wanted = fw.level_codes(level)
        plan.append((level, cfg, w.reindex(names).to_numpy(dtype=float), m, list(names), wanted,
                     0.0 if cfg.missing == "zero" else np.nan))
        names = wanted
    return plan


def _aggregate(batch: np.ndarray, plan: list[tuple], index_code: str) -> np.ndarray:
    """``aggregate.aggregate_all`` on a batch (cases × cities × indicators): level by level
    with ``aggregate.combine``, the same weights, children and parents in the same order
    (``_plan``). Returns the index, cases × cities."""
    current = batch
    for level, cfg, w, m, names, wanted, empty in plan:
        out, _ = aggregate.combine(current, w, cfg, m, level, names)
        at = {p: k for k, p in enumerate(m.parents)}
        current = np.stack([out[..., at[p]] if p in at else np.full(out.shape[:-1], empty) for p in wanted],
                           axis=0).transpose(*range(1, out.ndim), 0)          # parent-major, as above
    return current[..., plan[-1][5].index(index_code)]
