"""Which published scores rest on estimated values: the share of a city's indicator
values that the missing-data rule filled in or left missing, for the index and for each
aggregate (direction), compared with a threshold the methodology sets
(``report.imputed_mark_share``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def imputed_shares(missing: pd.DataFrame, cities: pd.Index, parts: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """Per city (rows, ``cities``) and per score (columns, ``parts``: score → its
    indicators): the share of its indicators with a row in ``missing`` (city_id,
    indicator: imputed or left missing). A score without indicators has share 0."""
    codes = sorted({i for kids in parts.values() for i in kids})
    hit = pd.DataFrame(False, index=cities, columns=codes)
    known = missing[missing["city_id"].isin(cities) & missing["indicator"].isin(codes)]
    rows, cols = hit.index.get_indexer(known["city_id"]), hit.columns.get_indexer(known["indicator"])
    flags = hit.to_numpy(copy=True)
    flags[rows, cols] = True
    out = {}
    for score, kids in parts.items():
        idx = hit.columns.get_indexer(list(kids))
        out[score] = flags[:, idx].mean(axis=1) if len(idx) else np.zeros(len(cities))
    return pd.DataFrame(out, index=cities)


def marked(shares: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """True where a score rests on more than ``threshold`` (a share, 0–1) of estimated values."""
    return shares > threshold + 1e-12
