"""The nominal computation in one call: impute → treat → normalise → aggregate → rank.

The stage notebooks run these steps one per stage (with files in between); ``compute``
chains them in memory for tests, the benchmark and the diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from iqlib.core import aggregate, impute, normalise, ranking, roster, screen, treat
from iqlib.core.errors import MethodError
from iqlib.core.framework import Framework
from iqlib.core.normalise import Bounds, Normalisation
from iqlib.core.treat import Treatment


@dataclass(frozen=True)
class Prepared:
    """The indicator-level steps: imputed values and the table of every missing cell,
    treated values with the treatment summary and every changed point, normalised values
    (without the screened units or indicators, listed in ``screened``)."""

    imputed: pd.DataFrame
    imputation: pd.DataFrame
    treated: pd.DataFrame
    treatment: pd.DataFrame
    treated_points: pd.DataFrame
    normalised: pd.DataFrame
    screened: pd.DataFrame = field(default_factory=pd.DataFrame)


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
    imputed and treated values of each alternative for the next call. With
    ``fw.screening``, the screened units or indicators are left out before imputation or
    after it (and so from treatment and normalisation)."""
    cache = {} if cache is None else cache
    key: tuple = (repr(imputation),)
    if key not in cache:
        cache[key] = screened_and_imputed(values, cities, fw, imputation)
    imputed, imputation_table, screened = cache[key]
    group = roster.column(cities, imputed.index)
    key += (repr(treatment),)
    if key not in cache:
        cache[key] = treat.treat(imputed, {c: treatment or fw.treatment[c] for c in imputed.columns}, group)
    treated, treatment_table, points = cache[key]
    configs = {c: normalisation or fw.normalisation[c] for c in treated.columns}
    scopes = {cfg.within: roster.column(cities, treated.index, cfg.within) for cfg in configs.values()
              if cfg.within not in ("group", "all") and cfg.within in cities.columns}
    normalised = normalise.normalise(treated, fw.polarities(), configs, group, bounds, scopes)
    return Prepared(imputed, imputation_table, treated, treatment_table, points, normalised, screened)


def screened_and_imputed(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework,
                         imputation: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Imputed values of the units and indicators screening keeps (``fw.screening``, before
    or after imputation), the table of every missing cell kept, and the screened ones. A
    screening that leaves no unit, or an aggregate without indicators, is a ``MethodError``."""
    codes = fw.indicator_codes()
    rules = fw.missing_rules() if imputation is None else pd.Series(imputation, index=codes)
    cfg = fw.screening
    kept, screened = screen.screen(values[codes], cfg if cfg and cfg.when == "before_imputation" else None)
    imputed, table = impute.impute(kept, rules, roster.column(cities, kept.index, fw.imputation_by))
    if cfg is not None and cfg.when == "after_imputation":
        imputed, screened = screen.screen(imputed, cfg)
        table = table[table["city_id"].isin(imputed.index) & table["indicator"].isin(imputed.columns)]
        table = table.reset_index(drop=True)
    if cfg is not None:
        if imputed.empty:
            raise MethodError(f"screening (threshold {cfg.threshold:g}) leaves no "
                              f"{'unit' if cfg.by == 'units' else 'indicator'} to score; lower the threshold")
        left = fw.without_indicators(set(codes) - set(imputed.columns))
        empty = [a for a in fw.aggregate_codes() if not _has_indicator(left, a)]
        if empty:
            raise MethodError(f"screening (threshold {cfg.threshold:g}) leaves no indicator under "
                              f"{', '.join(empty)}; lower the threshold (screened: "
                              f"{', '.join(screened['indicator'])})")
    return imputed, table, screened


def _has_indicator(fw: Framework, code: str) -> bool:
    children = fw.children(code)
    return any(c in fw.polarity or _has_indicator(fw, c) for c in children)


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
