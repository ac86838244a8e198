"""Diagnostics for methodologists: effective weights and leave-one-out rank shifts."""

from __future__ import annotations

import pandas as pd

from iqlib.core import aggregate, ranking


def nominal_shares(meth) -> pd.Series:
    """Each node's nominal share of the index: its weight over its siblings' weights,
    times its parent's share (the index has share 1)."""
    nodes = {n.code: n for n in [*meth.aggregates, *meth.indicators]}
    share = {meth.index_code: 1.0}
    for level in reversed(meth.levels[:-1]):
        codes = meth.indicator_codes() if level == meth.levels[0] else meth.level_codes(level)
        for code in codes:
            node = nodes[code]
            siblings = sum(nodes[c].weight for c in meth.children(node.parent))
            share[code] = share[node.parent] * (node.weight / siblings if siblings else 0.0)
    return pd.Series(share)


def effective_weights(normalised: pd.DataFrame, scores: pd.DataFrame, meth) -> pd.DataFrame:
    """Per node below the index: nominal share, share of the index variance
    (share·Cov(node, index), normalised over its level: exact for a weighted sum or mean
    without missing values) and correlation with the index (pairwise complete)."""
    index = scores[meth.index_code]
    shares = nominal_shares(meth)
    frames = {meth.levels[0]: normalised}
    for level in meth.levels[1:-1]:
        frames[level] = scores[meth.level_codes(level)]
    rows = []
    for level, frame in frames.items():
        cov = frame.apply(lambda col: col.cov(index))
        contrib = shares[frame.columns] * cov
        total = contrib.sum()
        for code in frame.columns:
            rows.append({"code": code, "level": level, "parent": meth.node(code).parent,
                         "nominal_share": shares[code],
                         "variance_share": contrib[code] / total if total else float("nan"),
                         "corr_with_index": frame[code].corr(index)})
    return pd.DataFrame(rows)


def leave_one_out(normalised: pd.DataFrame, groups: pd.Series, meth,
                  nodes: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank shift in group of every city when one node (default: each aggregate below the
    index and each indicator) is left out and its siblings re-weighted. Positive shift =
    the city falls. Returns a summary per dropped node and the shifts (cities × nodes)."""
    nodes = nodes or [c for c in meth.aggregate_codes() if c != meth.index_code] + meth.indicator_codes()
    nominal_scores = aggregate.aggregate_all(normalised, meth)["scores"][meth.index_code]
    nominal = ranking.rank_within(nominal_scores, groups)
    shifts = {}
    for code in nodes:
        scores = aggregate.aggregate_all(normalised, meth, drop=frozenset({code}))["scores"][meth.index_code]
        shifts[code] = (ranking.rank_within(scores, groups) - nominal).astype("Int64")
    wide = pd.DataFrame(shifts, index=normalised.index)
    absolute = wide.abs()
    summary = pd.DataFrame({
        "dropped": nodes,
        "level": [meth.levels[0] if c in set(meth.indicator_codes()) else meth.node(c).level for c in nodes],
        "mean_abs_shift": absolute.mean().to_numpy(dtype=float),
        "max_abs_shift": absolute.max().to_numpy(dtype=float),
        "cities_moved": (absolute > 0).sum().to_numpy()})
    return summary, wide
