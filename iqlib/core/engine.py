"""The nominal computation in one call: impute → treat → normalise → aggregate → rank.

The stage notebooks run these steps one per stage (with files in between); ``compute``
chains them in memory for tests, the benchmark and the diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from iqlib.core import aggregate, impute, normalise, ranking, roster, treat
from iqlib.core.framework import Framework
from iqlib.core.normalise import Bounds, Normalisation
from iqlib.core.treat import Treatment


@dataclass(frozen=True)
class Prepared:
    """The indicator-level steps: imputed values and the table of every missing cell,
    treated values with the treatment summary and every changed point, normalised values."""

    imputed: pd.DataFrame
    imputation: pd.DataFrame
    treated: pd.DataFrame
    treatment: pd.DataFrame
    treated_points: pd.DataFrame
    normalised: pd.DataFrame


@dataclass(frozen=True)
class Result:
    """Every step of the nominal computation."""

    prepared: Prepared
    aggregated: aggregate.Aggregated
    rank_in_group: pd.Series
    rank_overall: pd.Series

    @property
    def normalised(self) -> pd.DataFrame:
        return self.prepared.normalised

    @property
    def scores(self) -> pd.DataFrame:
        return self.aggregated.scores


def prepare(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, bounds: Bounds | None = None,
            imputation: str | None = None, treatment: Treatment | None = None,
            normalisation: Normalisation | None = None, cache: dict | None = None) -> Prepared:
    """Impute, treat and normalise ``values`` (cities × indicators) of the roster
    ``cities``. ``imputation``,
    ``treatment`` and ``normalisation``, when given, replace the framework's choice for
    every indicator (the alternatives of the uncertainty analysis); ``cache`` keeps the
    imputed and treated values of each alternative for the next call."""
    codes = fw.indicator_codes()
    group = roster.column(cities, values.index)
    cache = {} if cache is None else cache
    key: tuple = (repr(imputation),)
    if key not in cache:
        rules = fw.missing_rules() if imputation is None else pd.Series(imputation, index=codes)
        cache[key] = impute.impute(values[codes], rules, roster.column(cities, values.index, fw.imputation_by))
    imputed, imputation_table = cache[key]
    key += (repr(treatment),)
    if key not in cache:
        cache[key] = treat.treat(imputed, {c: treatment or fw.treatment[c] for c in codes}, group)
    treated, treatment_table, points = cache[key]
    normalised = normalise.normalise(treated, fw.polarities(), {c: normalisation or fw.normalisation[c] for c in codes},
                                     group, bounds)
    return Prepared(imputed, imputation_table, treated, treatment_table, points, normalised)


def compute(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, bounds: Bounds | None = None) -> Result:
    """Every step of the nominal computation for cities × indicators ``values``."""
    prepared = prepare(values, cities, fw, bounds)
    agg = aggregate.aggregate_all(prepared.normalised, fw)
    index = agg.scores[fw.index_code]
    group = roster.column(cities, index.index)
    return Result(prepared, agg, ranking.rank_within(index, group), ranking.rank_overall(index))


def base_bounds(values: pd.DataFrame, cities: pd.DataFrame) -> Bounds:
    """Goalposts taken from a (base) edition's values and roster."""
    return Bounds.of(values, roster.column(cities, values.index))
