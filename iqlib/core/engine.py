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


@dataclass(frozen=True)
class Kept:
    """What a screening kept: the units and indicators scored, and the table of those left
    out. The uncertainty model holds the nominal run's in every replication."""

    units: pd.Index
    indicators: list[str]
    screened: pd.DataFrame


def prepare(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, bounds: Bounds | None = None,
            imputation: str | None = None, treatment: Treatment | None = None,
            normalisation: Normalisation | None = None, cache: dict | None = None) -> Prepared:
    """Impute, treat and normalise ``values`` (cities × indicators) of the roster
    ``cities``. ``imputation``,
    ``treatment`` and ``normalisation``, when given, replace the framework's choice for
    every indicator (the alternatives of the uncertainty analysis); ``cache`` keeps the
    imputed and treated values of each alternative for the next call. With
    ``fw.screening``, the screened units or indicators are left out before imputation or
    after it (and so from treatment and normalisation).

    Each step is one function of its module (``impute.impute``, ``treat.treat``,
    ``normalise.normalise`` with ``normalise.roster_scopes``), the same functions the
    uncertainty model calls for each combination it draws."""
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
    scopes = normalise.roster_scopes(cities, treated.index, configs.values())
    normalised = normalise.normalise(treated, fw.polarities(), configs, group, bounds, scopes)
    return Prepared(imputed, imputation_table, treated, treatment_table, points, normalised, screened)


def screened_and_imputed(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, imputation: str | None = None,
                         kept: Kept | None = None, missing_table: bool = True,
                         ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Imputed values of the units and indicators screening keeps (``fw.screening``, before
    or after imputation), the table of every missing cell kept, and the screened ones. A
    screening that leaves no unit, or an aggregate without indicators, is a ``MethodError``.

    ``kept`` (another run's screening, e.g. the nominal one) is applied instead of screening
    these values, at the same point: before imputation, the group_* rules see only the units
    kept; after it, they see every unit, and the screened ones are left out afterwards.
    Without ``missing_table`` the table is not built (empty; the uncertainty model needs only
    the values)."""
    codes = fw.indicator_codes()
    rules = pd.Series([fw.missing[c] for c in codes] if imputation is None else imputation, index=codes, dtype=object)
    cfg = fw.screening
    kept = kept if cfg is not None else None
    x, screened = values if values.columns.tolist() == codes else values[codes], pd.DataFrame()
    if cfg is not None and cfg.when == "before_imputation":
        x, screened = screen.screen(x, cfg) if kept is None else (x.loc[kept.units, kept.indicators], kept.screened)
    by = roster.column(cities, x.index, fw.imputation_by)
    imputed, table = impute.impute(x, rules, by) if missing_table else (impute.fill(x, rules, by), pd.DataFrame())
    if cfg is not None and cfg.when == "after_imputation":
        imputed, screened = screen.screen(imputed, cfg) if kept is None else \
            (imputed.loc[kept.units, kept.indicators], kept.screened)
        if missing_table:
            table = table[table["city_id"].isin(imputed.index) & table["indicator"].isin(imputed.columns)]
            table = table.reset_index(drop=True)
    if cfg is not None and kept is None:
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


def kept(values: pd.DataFrame, cities: pd.DataFrame, fw: Framework) -> Kept | None:
    """What the nominal run's screening keeps (None without screening)."""
    if fw.screening is None:
        return None
    imputed, _, screened = screened_and_imputed(values, cities, fw)
    return Kept(imputed.index, list(imputed.columns), screened)


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
