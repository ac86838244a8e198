"""Ranking and publication rounding.

Ranks are computed on full precision, descending (1 = best), ties share the lowest rank
("min"); tables list equal scores by city code. Published scores are rounded half away
from zero on their printed form, so two cities with equal published scores can hold
different ranks (``published_ties`` in the rank stage shows them).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd


def rank_within(score: pd.Series, groups: pd.Series) -> pd.Series:
    """Rank 1 = best within each group; NaN scores get no rank."""
    return score.groupby(groups.to_numpy()).rank(method="min", ascending=False).astype("Int64")


def rank_overall(score: pd.Series) -> pd.Series:
    """Rank 1 = best over all cities; NaN scores get no rank."""
    return score.rank(method="min", ascending=False).astype("Int64")


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
