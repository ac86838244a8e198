"""Missing data, per indicator: ``exclude`` (left missing, the aggregation skips it and
re-normalises the weights), ``zero`` (missing = absent), ``group_mean``,
``group_median`` or ``group_min`` of the city's group (a roster column, the population
group by default). Every imputed value is listed."""

from __future__ import annotations

import numpy as np
import pandas as pd

_GROUP_STAT = {"group_mean": "mean", "group_median": "median", "group_min": "min"}


def impute(values: pd.DataFrame, rules: pd.Series, by: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Filled values and the table of every missing cell: city, indicator, rule, value
    (NaN where the rule left it missing: ``exclude``, or a group with no value at all)."""
    out = values.copy()
    key = by.reindex(values.index).to_numpy()
    for rule in sorted(set(rules.reindex(values.columns))):
        cols = rules.index[rules == rule].intersection(values.columns)
        if rule == "zero":
            out[cols] = values[cols].fillna(0.0)
        elif rule in _GROUP_STAT:
            fill = values[cols].groupby(key).transform(_GROUP_STAT[rule])
            out[cols] = values[cols].fillna(fill)
    row, col = np.nonzero(values.isna().to_numpy())  # row-major: by city, then indicator
    table = pd.DataFrame({"city_id": values.index[row], "indicator": values.columns[col],
                          "rule": rules.reindex(values.columns).to_numpy()[col],
                          "value": out.to_numpy(dtype=float)[row, col]})
    return out, table
