"""Diagnostics for methodologists: effective weights and leave-one-out rank shifts."""

from __future__ import annotations

import pandas as pd

from iqlib.core import aggregate, ranking, roster
from iqlib.core.framework import Framework


def nominal_shares(fw: Framework) -> pd.Series:
    """Each node's nominal share of the index: its weight over its siblings' weights,
    times its parent's share (the index has share 1)."""
    share = {fw.index_code: 1.0}
    for level in reversed(fw.levels[:-1]):
        for code in fw.level_codes(level):
            parent = fw.parent[code]
            siblings = sum(fw.weight[c] for c in fw.children(parent))
            share[code] = share[parent] * (fw.weight[code] / siblings if siblings else 0.0)
    return pd.Series(share)


def effective_weights(normalised: pd.DataFrame, scores: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per node below the index: nominal share, share of the index variance
    (share·Cov(node, index), normalised over its level: exact for a weighted sum or mean
    without missing values) and correlation with the index (pairwise complete)."""
    index = scores[fw.index_code]
    shares = nominal_shares(fw)
    frames = {fw.levels[0]: normalised}
    for level in fw.levels[1:-1]:
        frames[level] = scores[fw.level_codes(level)]
    rows = []
    for level, frame in frames.items():
        cov = frame.apply(lambda col: col.cov(index))
        contrib = shares[frame.columns] * cov
        total = contrib.sum()
        for code in frame.columns:
            rows.append({"code": code, "level": level, "parent": fw.parent[code],
                         "nominal_share": shares[code],
                         "variance_share": contrib[code] / total if total else float("nan"),
                         "corr_with_index": frame[code].corr(index)})
    return pd.DataFrame(rows)


def leave_one_out(normalised: pd.DataFrame, groups: pd.Series, fw: Framework,
                  nodes: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank shift in group of every city when one node (default: each aggregate below the
    index and each indicator) is left out and its siblings re-weighted. Positive shift =
    the city falls. Returns a summary per dropped node and the shifts (cities × nodes)."""
    nodes = nodes or [c for c in fw.aggregate_codes() if c != fw.index_code] + fw.indicator_codes()
    nominal_scores = aggregate.aggregate_all(normalised, fw).scores[fw.index_code]
    nominal = ranking.rank_within(nominal_scores, groups)
    shifts = {}
    for code in nodes:
        scores = aggregate.aggregate_all(normalised, fw, drop=frozenset({code})).scores[fw.index_code]
        shifts[code] = (ranking.rank_within(scores, groups) - nominal).astype("Int64")
    wide = pd.DataFrame(shifts, index=normalised.index)
    absolute = wide.abs()
    summary = pd.DataFrame({
        "dropped": nodes,
        "level": [fw.level_of(c) for c in nodes],
        "mean_abs_shift": absolute.mean().to_numpy(dtype=float),
        "max_abs_shift": absolute.max().to_numpy(dtype=float),
        "cities_moved": (absolute > 0).sum().to_numpy()})
    return summary, wide


def constant_indicators(values: pd.DataFrame, groups: pd.Series, group_order: list[str]) -> pd.DataFrame:
    """(group, indicator) pairs where every available value is the same."""
    span = values.groupby(groups.to_numpy(), sort=False).agg(lambda c: c.max() - c.min())
    stacked = span.stack()
    pairs = stacked[stacked == 0].index.to_frame(index=False, name=["group", "indicator"])
    return roster.sorted_by_group(pairs, group_order, ["indicator"])
