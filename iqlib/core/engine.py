"""The nominal computation in one call: impute → treat → normalise → aggregate → rank.

The stage notebooks run these steps one per stage (with files in between); ``compute``
chains them in memory for tests, the benchmark and the diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from iqlib.core import aggregate, impute, normalise, ranking, treat


def missing_rules(meth) -> pd.Series:
    return pd.Series({c: meth.missing_rule(c) for c in meth.indicator_codes()})


def polarity(meth) -> pd.Series:
    return pd.Series({i.code: float(i.polarity) for i in meth.indicators})


@dataclass
class Result:
    imputed: pd.DataFrame
    imputation: pd.DataFrame
    treated: pd.DataFrame
    treatment: pd.DataFrame
    treated_points: pd.DataFrame
    normalised: pd.DataFrame
    scores: pd.DataFrame
    weights: pd.DataFrame
    missing_aggregates: pd.DataFrame
    rank_in_group: pd.Series
    rank_overall: pd.Series


def prepare(values: pd.DataFrame, cities: pd.DataFrame, meth, bounds: dict | None = None,
            imputation: str | None = None, treatment=None, normalisation=None, cache: dict | None = None):
    """Impute, treat and normalise: the indicator-level steps. ``imputation``,
    ``treatment`` and ``normalisation``, when given, replace the methodology's choice for
    every indicator (the alternatives of the uncertainty analysis); ``cache`` keeps the
    imputed and treated values of each alternative for the next call."""
    codes = meth.indicator_codes()
    roster = cities.set_index("city_id").reindex(values.index)
    cache = {} if cache is None else cache
    key = (repr(imputation),)
    if key not in cache:
        rules = missing_rules(meth) if imputation is None else pd.Series(imputation, index=codes)
        cache[key] = impute.impute(values[codes], rules, roster[meth.scoring.imputation.by])
    imputed, imputation_table = cache[key]
    key += (repr(treatment),)
    if key not in cache:
        cache[key] = treat.treat(imputed, {c: treatment or meth.treatment_of(c) for c in codes}, roster["group"])
    treated, treatment_table, points = cache[key]
    normalised = normalise.normalise(treated, polarity(meth),
                                     {c: normalisation or meth.normalisation_of(c) for c in codes},
                                     roster["group"], bounds)
    return imputed, imputation_table, treated, treatment_table, points, normalised


def compute(values: pd.DataFrame, cities: pd.DataFrame, meth, bounds: dict | None = None) -> Result:
    """Every step of the nominal computation for cities × indicators ``values``."""
    imputed, imputation, treated, treatment, points, normalised = prepare(values, cities, meth, bounds)
    agg = aggregate.aggregate_all(normalised, meth)
    index = agg["scores"][meth.index_code]
    groups = cities.set_index("city_id").loc[index.index, "group"]
    return Result(imputed, imputation, treated, treatment, points, normalised, agg["scores"], agg["weights"],
                  agg["missing"], ranking.rank_within(index, groups), ranking.rank_overall(index))


def base_bounds(values: pd.DataFrame, cities: pd.DataFrame) -> dict:
    """Goalposts taken from a (base) edition: maximum per group and overall, by indicator."""
    groups = cities.set_index("city_id").loc[values.index, "group"]
    return {"group_max": values.groupby(groups.to_numpy()).max(), "max": values.max()}
