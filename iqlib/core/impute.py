"""Missing data, per indicator: a rule registered in ``IMPUTATIONS``. Every imputed value
is listed.

A rule is ``f(values, key) -> filled``: the cities × indicators sharing the rule and the
group key of each city (a roster column, the population group by default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import AfterValidator, Field

from iqlib.core.registry import Registry, Strict

IMPUTATIONS: Registry = Registry("missing-data rule", key="rule")

# a rule as the YAML names it, checked against the registry
MissingRule = Annotated[str, AfterValidator(IMPUTATIONS.check)]


class Imputation(Strict):
    by: str = Field("group", description="roster column whose groups the group_* rules use")


@IMPUTATIONS.register("exclude")
def exclude(values: pd.DataFrame, key: np.ndarray) -> pd.DataFrame:
    """Left missing: the aggregation skips it and re-normalises the weights."""
    return values


@IMPUTATIONS.register("zero")
def zero(values: pd.DataFrame, key: np.ndarray) -> pd.DataFrame:
    """Missing means absent: 0."""
    return values.fillna(0.0)


def _group(stat: str) -> Callable[[pd.DataFrame, np.ndarray], pd.DataFrame]:
    def fill(values: pd.DataFrame, key: np.ndarray) -> pd.DataFrame:
        return values.fillna(values.groupby(key).transform(stat))
    fill.__doc__ = f"The {stat} of the city's group (missing when the group has no value)."
    return fill


IMPUTATIONS.register("group_mean")(_group("mean"))
IMPUTATIONS.register("group_median")(_group("median"))
IMPUTATIONS.register("group_min")(_group("min"))


def fill(values: pd.DataFrame, rules: pd.Series, by: pd.Series) -> pd.DataFrame:
    """``values`` with every missing cell filled by its column's rule (``rules``: indicator →
    rule), the group_* rules grouping the cities by ``by`` (city → key, a roster column).
    The pipeline (``impute``) and the uncertainty model both impute with this function."""
    key = by.reindex(values.index).to_numpy()
    per_column = rules.reindex(values.columns)
    names = sorted(set(per_column))
    if len(names) <= 1:                                  # one rule for every column: no split
        out = IMPUTATIONS[names[0]](values, key) if names else values
        return out.copy() if out is values else out
    filled = [IMPUTATIONS[rule](values.loc[:, (per_column == rule).to_numpy()], key) for rule in names]
    return pd.concat(filled, axis=1)[values.columns]


def impute(values: pd.DataFrame, rules: pd.Series, by: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Filled values (``fill``) and the table of every missing cell: city, indicator, rule,
    value (NaN where the rule left it missing: ``exclude``, or a group with no value at all)."""
    out = fill(values, rules, by)
    row, col = np.nonzero(values.isna().to_numpy())  # row-major: by city, then indicator
    table = pd.DataFrame({"city_id": values.index[row], "indicator": values.columns[col],
                          "rule": rules.reindex(values.columns).to_numpy()[col],
                          "value": out.to_numpy(dtype=float)[row, col]})
    return out, table
