"""Ranking and publication rounding, both independent of the CPU that computed the values.

**Ties.** Ranks are 1 = best (descending). Two values are tied when they differ by at most
``TIE_RTOL`` (1e-12) relative to the larger magnitude: values that are equal in exact
arithmetic (114/300 summed in two orders: 0.38000000000000006 and 0.37999999999999995) then
share a rank however the floats were added, while values that really differ never do. In
sorted order, a value joins the tie of the best value of the current tie group (its
*anchor*) when it is within the tolerance of that anchor; otherwise it starts a new group.
So no two tied values differ by more than the tolerance (no chaining). Tied cities share
the lowest rank ("min"); tables list them by city code.

**Rounding.** Published values are rounded half away from zero the way a spreadsheet does:
on the value's 15-significant-digit decimal form, so a value whose exact decimal is x.xx5
(5.445 = 1089/200, stored in binary just below it) is rounded up, as an official would.

**Fragile values.** Where the last bits of a value could change a published digit or a rank,
the run says so (``fragile``): a published value that moving by ``FRAGILE_ULPS`` units in
the last place would round differently, and two neighbouring values whose relative
difference lies in (``TIE_RTOL``/10, 10·``TIE_RTOL``], where a tie could come or go.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

TIE_RTOL = 1e-12
SIGNIFICANT = 15
FRAGILE_ULPS = 2


def _same(v: np.ndarray, anchor: np.ndarray, rtol: float) -> np.ndarray:
    """Whether ``v`` joins the tie of ``anchor``: equal, or both finite and within ``rtol``
    (their difference is finite exactly when both are, or it overflows, and then they are not near)."""
    with np.errstate(invalid="ignore", over="ignore"):
        d = v - anchor
        near = np.abs(d) <= rtol * np.maximum(np.abs(v), np.abs(anchor))
    return (v == anchor) | (near & np.isfinite(d))


def _anchored(ordered: np.ndarray, rtol: float) -> np.ndarray:
    """Ranks of each sorted row by the anchor rule, one value after another (the definition)."""
    ranked = np.empty(ordered.shape)
    anchor = ordered[:, 0].copy()
    rank = np.ones(len(ordered))
    ranked[:, 0] = rank
    for j in range(1, ordered.shape[1]):
        v = ordered[:, j]
        new = ~_same(v, anchor, rtol)
        anchor = np.where(new, v, anchor)
        rank = np.where(new, j + 1.0, rank)
        ranked[:, j] = rank
    return ranked


def tie_ranks(key: np.ndarray, rtol: float = TIE_RTOL) -> np.ndarray:
    """Row-wise ranks of ``key`` (…, n) ascending (1 = smallest), values within ``rtol`` of
    their tie group's first value sharing its rank; NaN keys get NaN. Vectorised over rows
    and values: each sorted value is compared with the one before it, which gives candidate
    groups; a row where every value also joins its candidate group's first value and every
    candidate group's first value does not join the group before has exactly those groups
    (the anchor rule, by induction). The rare other rows are ranked by the rule value by value."""
    key = np.asarray(key, dtype=float)
    flat = key.reshape(-1, key.shape[-1])
    order = np.argsort(flat, axis=1, kind="stable")          # NaN last
    ordered = np.take_along_axis(flat, order, axis=1)
    ranked = np.empty(flat.shape)
    n = flat.shape[1]
    if n:
        joins = np.zeros(flat.shape, dtype=bool)                # joins the value before it
        joins[:, 1:] = _same(ordered[:, 1:], ordered[:, :-1], rtol)
        start = np.maximum.accumulate(np.where(joins, 0, np.arange(n)), axis=1)  # candidate group's first value
        exact = np.ones(len(flat), dtype=bool)
        r, c = np.nonzero(joins)                                # every joiner must join its group's first value
        exact[r[~_same(ordered[r, c], ordered[r, start[r, c]], rtol)]] = False
        r, c = np.nonzero(~joins[:, 1:] & joins[:, :-1])        # a group's first value after a group of several
        c += 1                                                  # must not join that group's first value
        exact[r[_same(ordered[r, c], ordered[r, start[r, c - 1]], rtol)]] = False
        ranked[:] = start + 1.0
        if not exact.all():
            ranked[~exact] = _anchored(ordered[~exact], rtol)
    out = np.empty(flat.shape)
    np.put_along_axis(out, order, ranked, axis=1)
    out[np.isnan(flat)] = np.nan
    return out.reshape(key.shape)


def tie_ranks_within(key: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """``tie_ranks`` of ``key`` (…, n) within each group of the n ``labels``."""
    labels = np.asarray(labels)
    out = np.empty(np.shape(key))
    for g in pd.unique(labels):
        at = np.flatnonzero(labels == g)
        out[..., at] = tie_ranks(key[..., at])
    return out


def _descending(score: pd.Series) -> np.ndarray:
    return -score.to_numpy(dtype=float, na_value=np.nan)


def rank_within(score: pd.Series, groups: pd.Series) -> pd.Series:
    """Rank 1 = best within each group (ties within ``TIE_RTOL``); NaN scores get no rank."""
    return pd.Series(tie_ranks_within(_descending(score), groups), index=score.index).astype("Int64")


def rank_overall(score: pd.Series) -> pd.Series:
    """Rank 1 = best over all cities (ties within ``TIE_RTOL``); NaN scores get no rank."""
    return pd.Series(tie_ranks(_descending(score)), index=score.index).astype("Int64")


def _spreadsheet_round(x: float, q: Decimal) -> Decimal:
    """Half away from zero to the quantum ``q``, on the 15-significant-digit form of ``x``."""
    d = Decimal(repr(float(x)))
    if d:
        d = d.quantize(Decimal(1).scaleb(d.adjusted() - (SIGNIFICANT - 1)), rounding=ROUND_HALF_EVEN)
    return d.quantize(q, rounding=ROUND_HALF_UP)


def round_half_up(values: pd.Series | pd.DataFrame, decimals: int) -> pd.Series | pd.DataFrame:
    """Round for publication half away from zero on the 15-significant-digit decimal form
    of each value (2.675 → 2.68, 5.444999999999999 → 5.45), as a spreadsheet does; NaN stays NaN."""
    q = Decimal(1).scaleb(-decimals)

    def one(x: float) -> float:
        return x if np.isnan(x) else float(_spreadsheet_round(x, q))

    if isinstance(values, pd.DataFrame):
        return values.apply(lambda col: col.map(one))
    return values.map(one)


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a − b| / max(|a|, |b|), 0 where both are 0 or NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.maximum(np.abs(a), np.abs(b))
        rel = np.where(scale > 0, np.abs(a - b) / scale, 0.0)
    return np.nan_to_num(rel)


def near_rounding_boundary(x: float, decimals: int, ulps: int = FRAGILE_ULPS) -> bool:
    """True when moving ``x`` by ``ulps`` units in the last place changes its published form."""
    if np.isnan(x):
        return False
    q = Decimal(1).scaleb(-decimals)
    step = ulps * np.spacing(abs(x))
    return _spreadsheet_round(x - step, q) != _spreadsheet_round(x + step, q)


def _maybe_near_boundary(x: np.ndarray, decimals: int) -> np.ndarray:
    """Every value ``near_rounding_boundary`` could flag, and a few more: within a wide margin
    (1e-9 relative, a million times what 15 significant digits and a few ulps move a value)
    of a half step of the published digits, or too large for the test. The exact test then
    runs on these only: thousands of cities are not a Decimal each."""
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.abs(x) * 10.0 ** decimals
        half = np.abs(scaled - np.floor(scaled) - 0.5) <= 1e-9 * np.maximum(scaled, 1.0)
    return ~np.isnan(x) & (half | ~(scaled < 2.0 ** 40))


def near_ties(score: pd.Series, rtol: float = TIE_RTOL) -> list[tuple[str, str, float]]:
    """Neighbouring values (best first) whose relative difference lies in (rtol/10, 10·rtol]:
    whether they tie could depend on the last bits. Returns (id, neighbour id, difference)."""
    s = score.dropna()
    order = np.argsort(-s.to_numpy(dtype=float), kind="stable")
    v, ids = s.to_numpy(dtype=float)[order], s.index.to_numpy()[order]
    if len(v) < 2:
        return []
    rel = relative_difference(v[1:], v[:-1])
    close = np.flatnonzero((rel > rtol / 10) & (rel <= rtol * 10))
    return [(str(ids[i]), str(ids[i + 1]), float(rel[i])) for i in close]


def fragile(published: pd.DataFrame, index_code: str, groups: pd.Series, decimals: int) -> pd.DataFrame:
    """Every full-precision value whose published digits or rank the last bits could change:
    cells near a rounding boundary, and neighbouring index values near the tie tolerance
    (within each group and overall). ``published`` is cities × aggregates at full precision."""
    rows, q = [], Decimal(1).scaleb(-decimals)
    for code in published.columns:
        column = published[code]
        for i in np.flatnonzero(_maybe_near_boundary(column.to_numpy(dtype=float), decimals)):
            city, x = column.index[i], column.iloc[i]
            if near_rounding_boundary(float(x), decimals):
                rows.append({"city_id": city, "value": code, "full_precision": repr(float(x)),
                             "published": str(_spreadsheet_round(x, q)), "why": "rounding boundary", "other": ""})
    index = published[index_code]
    scopes = [(g, index[groups.to_numpy() == g]) for g in pd.unique(groups.to_numpy())] + [("all", index)]
    for scope, part in scopes:
        for a, b, rel in near_ties(part):
            rows.append({"city_id": a, "value": index_code, "full_precision": repr(float(index[a])),
                         "published": "", "why": f"near tie ({scope}): relative difference {rel:.1e}",
                         "other": b})
    return pd.DataFrame(rows, columns=["city_id", "value", "full_precision", "published", "why", "other"])


def published_ties(scores: pd.DataFrame, full: pd.Series, index_code: str) -> pd.DataFrame:
    """Cities of one group with equal published index, with the full-precision value and
    rank (equal printed scores may hold different ranks)."""
    dup = scores.duplicated(["group", index_code], keep=False) & scores[index_code].notna()
    out = scores.loc[dup, ["group", "city_id", "city_ru", index_code, "rank_in_group"]].copy()
    out[f"{index_code}_full"] = full.reindex(out["city_id"]).to_numpy()
    return out.reset_index(drop=True)
