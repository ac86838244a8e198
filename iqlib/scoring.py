"""The scoring arithmetic: polarity, missing values, min–max, aggregation, ranking.

Pure, vectorised functions on pandas objects: cities are rows, indicators (or
directions) are columns. Each function does one step of the method documented in
params/methodology/iq_v1.yaml.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd


def apply_polarity(values: pd.DataFrame, polarity: pd.Series) -> pd.DataFrame:
    """Multiply each indicator by its polarity (+1 or −1) so that higher is always better."""
    return values * polarity.reindex(values.columns).to_numpy()


def fill_missing(values: pd.DataFrame, rule: pd.Series) -> pd.DataFrame:
    """Apply each indicator's missing-value rule: ``zero`` fills 0 (absent), ``exclude``
    leaves NaN so the aggregation skips it."""
    zero_cols = rule.index[rule == "zero"].intersection(values.columns)
    out = values.copy()
    out[zero_cols] = out[zero_cols].fillna(0.0)
    return out


def minmax(values: pd.DataFrame, groups: pd.Series | None, lower: float, upper: float,
           constant: str = "midpoint") -> pd.DataFrame:
    """Rescale each column to [lower, upper] by (x − min)/(max − min), within each group
    (``groups`` aligned with the rows) or over all rows (``groups=None``).

    NaN stays NaN. Where a column is constant within a group, every non-missing value
    becomes the ``midpoint`` (lower + upper)/2, or ``lower`` or ``upper``.
    """
    key = groups if groups is not None else pd.Series(0, index=values.index)
    grouped = values.groupby(key.to_numpy(), sort=False)
    lo, hi = grouped.transform("min"), grouped.transform("max")
    span = hi - lo
    scaled = lower + (values - lo) / span.where(span > 0) * (upper - lower)
    fill = {"midpoint": (lower + upper) / 2, "lower": lower, "upper": upper}[constant]
    return scaled.mask((span == 0) & values.notna(), fill)


def weighted_mean(values: pd.DataFrame, members: pd.Series, weights: pd.Series) -> pd.DataFrame:
    """Weighted mean of the columns of each parent, skipping NaN and re-normalising the
    weights over the available columns; NaN where a parent has none available.

    ``members`` maps each column to its parent (e.g. indicator → direction).
    """
    w = weights.reindex(values.columns).to_numpy()
    available = values.notna() * w
    parents = members.reindex(values.columns).to_numpy()
    num = (values.fillna(0.0) * w).T.groupby(parents, sort=False).sum().T
    den = available.T.groupby(parents, sort=False).sum().T
    return num / den.where(den > 0)


def weighted_sum(values: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Σ wᵢ·xᵢ over the columns (NaN propagates: a missing part makes a missing total)."""
    w = weights.reindex(values.columns).to_numpy()
    return (values * w).sum(axis=1, skipna=False)


def rank_within(score: pd.Series, groups: pd.Series) -> pd.Series:
    """Rank 1 = best within each group, descending on full precision, ties share the
    lowest rank ("min"); NaN scores get no rank."""
    return score.groupby(groups.to_numpy()).rank(method="min", ascending=False).astype("Int64")


def round_half_up(values: pd.Series | pd.DataFrame, decimals: int):
    """Round for publication half away from zero on the shortest decimal form of each
    value (2.675 → 2.68), as a person rounding the printed number would; NaN stays NaN."""
    q = Decimal(1).scaleb(-decimals)

    def one(x: float) -> float:
        if np.isnan(x):
            return x
        return float(Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP))

    if isinstance(values, pd.DataFrame):
        return values.apply(lambda col: col.map(one))
    return values.map(one)
