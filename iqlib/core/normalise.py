"""Normalisation methods (definitions as in COINr where they overlap).

Polarity is applied by multiplying the values by the indicator's direction before
normalising (goalposts, distance to target and fraction of max use the equivalent
direction-explicit formulas so their posts and targets stay in the indicator's units).
Each method works within population group or over all cities (``within``).

A method is one function registered in ``NORMALISATIONS`` with its options model next
to it; ``f(x, pol, groups, cfg, bounds)`` gets the values (cities × indicators sharing
``cfg``), their polarity (±1 per column), the scope key per city (None: all cities),
its options and the base edition's bounds (``Bounds``, for goalposts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Self

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from iqlib.core import roster
from iqlib.core.errors import MethodError
from iqlib.core.registry import Registry, Strict

if TYPE_CHECKING:
    from pandas.api.typing import DataFrameGroupBy

NORMALISATIONS: Registry = Registry("normalisation")


@dataclass(frozen=True)
class Bounds:
    """Goalposts taken from a base edition: per indicator, the maximum in each group
    (groups × indicators) and over all cities."""

    group_max: pd.DataFrame
    max: pd.Series

    @classmethod
    def of(cls, values: pd.DataFrame, groups: pd.Series) -> Bounds:
        return cls(values.groupby(groups.reindex(values.index).to_numpy()).max(), values.max())


class Normalisation(Strict):
    """Options every normalisation has: the scope (each subclass names its ``method``)."""

    within: str = Field("group", pattern=r"^[a-z][a-z0-9_]*$",
                        description="group (the population group), all, or a roster column declared in the edition")
    if TYPE_CHECKING:
        method: str


def _scope(values: pd.DataFrame, groups: pd.Series | None) -> DataFrameGroupBy:
    key = groups.reindex(values.index).to_numpy() if groups is not None else np.zeros(len(values))
    return values.groupby(key, sort=False)


def _positive(x: pd.DataFrame, pol: pd.Series) -> pd.DataFrame:
    """Cell mask: True where the column's polarity is +1."""
    return pd.DataFrame(np.broadcast_to(pol[x.columns].to_numpy() > 0, x.shape), index=x.index, columns=x.columns)


class MinMax(Normalisation):
    """lower + (x − min)/(max − min)·(upper − lower); constant scope → ``constant``."""

    method: Literal["minmax"]
    lower: float = 0.0
    upper: float = 1.0
    constant: Literal["midpoint", "lower", "upper"] = "midpoint"

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if not self.upper > self.lower:
            raise ValueError(f"upper ({self.upper}) must be greater than lower ({self.lower})")
        return self


@NORMALISATIONS.register("minmax", MinMax)
def minmax(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: MinMax, bounds: Bounds | None = None) -> pd.DataFrame:
    """lower + (x − min)/(max − min)·(upper − lower); constant scope → ``constant``."""
    o = x * pol
    g = _scope(o, groups)
    lo, hi = g.transform("min"), g.transform("max")
    span = hi - lo
    out = cfg.lower + (o - lo) / span.where(span > 0) * (cfg.upper - cfg.lower)
    fill = {"midpoint": (cfg.lower + cfg.upper) / 2, "lower": cfg.lower, "upper": cfg.upper}[cfg.constant]
    return out.mask((span == 0) & o.notna(), fill)


class ZScore(Normalisation):
    """mean + sd·(x − x̄)/s, s the sample standard deviation (n − 1)."""

    method: Literal["zscore"]
    mean: float = 0.0
    sd: float = Field(1.0, gt=0)


@NORMALISATIONS.register("zscore", ZScore)
def zscore(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: ZScore, bounds: Bounds | None = None) -> pd.DataFrame:
    """mean + sd·(x − x̄)/s with the sample standard deviation; constant scope → mean."""
    o = x * pol
    g = _scope(o, groups)
    m, s = g.transform("mean"), g.transform("std")
    out = cfg.mean + cfg.sd * (o - m) / s.where(s > 0)
    return out.mask((s == 0) & o.notna(), cfg.mean)


class Goalposts(Normalisation):
    """scale·(x − lower)/(upper − lower) (polarity −1: (upper − x)/(upper − lower)),
    truncated to [0, scale] if ``truncate``. ``upper: base_group_max`` takes the upper
    post from the base edition: the maximum of the indicator in the city's group."""

    method: Literal["goalposts"]
    lower: float
    upper: float | Literal["base_group_max", "base_max"]
    scale: float = Field(1.0, gt=0)
    truncate: bool = True

    @model_validator(mode="after")
    def _posts(self) -> Self:
        if isinstance(self.upper, float) and not self.upper > self.lower:
            raise ValueError(f"upper goalpost ({self.upper}) must be greater than lower ({self.lower})")
        if self.upper == "base_group_max" and self.within != "group":
            raise ValueError("upper: base_group_max takes the maximum of the city's group: set within: group "
                             "(or upper: base_max for the maximum over all cities)")
        return self


@NORMALISATIONS.register("goalposts", Goalposts)
def goalposts(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: Goalposts, bounds: Bounds | None = None) -> pd.DataFrame:
    """scale·(x − lower)/(upper − lower), or (upper − x)/(upper − lower) for polarity −1;
    truncated to [0, scale]. The upper post may come from the base edition."""
    lower = pd.DataFrame(cfg.lower, index=x.index, columns=x.columns)
    upper = _upper_posts(x, groups, cfg, bounds)
    span = upper - lower
    bad = (span <= 0).any()
    if bad.any():
        raise MethodError(f"goalposts: upper post not above lower post for {', '.join(bad[bad].index)}")
    up = (x - lower) / span
    out = up.where(_positive(x, pol), (upper - x) / span)
    if cfg.truncate:
        out = out.clip(0, 1)
    return cfg.scale * out


def _upper_posts(x: pd.DataFrame, groups: pd.Series, cfg: Goalposts, bounds: Bounds | None) -> pd.DataFrame:
    if not isinstance(cfg.upper, str):
        return pd.DataFrame(cfg.upper, index=x.index, columns=x.columns)
    if bounds is None:
        raise MethodError(f"goalposts upper: {cfg.upper} needs the base edition's data")
    if cfg.upper == "base_max":
        return pd.DataFrame(np.broadcast_to(bounds.max[x.columns].to_numpy(), x.shape),
                            index=x.index, columns=x.columns)
    by_group = bounds.group_max[x.columns]
    key = groups.reindex(x.index)
    unknown = sorted(set(key) - set(by_group.index))
    if unknown:
        raise MethodError(f"goalposts upper: base_group_max: the base edition has no group {', '.join(unknown)}")
    return pd.DataFrame(by_group.loc[key.to_numpy()].to_numpy(), index=x.index, columns=x.columns)


class DistToTarget(Normalisation):
    """scale·(x − min)/(target − min) (polarity −1: (max − x)/(max − target)); capped
    at scale if ``cap``."""

    method: Literal["dist2target"]
    target: float
    cap: bool = True
    scale: float = Field(1.0, gt=0)


@NORMALISATIONS.register("dist2target", DistToTarget)
def dist2target(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: DistToTarget, bounds: Bounds | None = None) -> pd.DataFrame:
    """scale·(x − min)/(target − min), or (max − x)/(max − target) for polarity −1;
    capped at scale when ``cap``."""
    g = _scope(x, groups)
    lo, hi = g.transform("min"), g.transform("max")
    out = ((x - lo) / (cfg.target - lo)).where(_positive(x, pol), (hi - x) / (hi - cfg.target))
    if cfg.cap:
        out = out.clip(upper=1)
    return cfg.scale * out


class Rank(Normalisation):
    """Rank, 1 = lowest, ties share the lowest rank ("min")."""

    method: Literal["rank"]


@NORMALISATIONS.register("rank", Rank)
def rank(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: Rank, bounds: Bounds | None = None) -> pd.DataFrame:
    """Rank in scope, 1 = worst, ties share the lowest rank ("min")."""
    return _scope(x * pol, groups).rank(method="min")


class PercentRank(Normalisation):
    """scale·(rank − 1)/(n − 1)."""

    method: Literal["pctrank"]
    scale: float = Field(1.0, gt=0)


@NORMALISATIONS.register("pctrank", PercentRank)
def pctrank(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: PercentRank, bounds: Bounds | None = None) -> pd.DataFrame:
    """scale·(rank − 1)/(n − 1), n the non-missing cities of the scope (n = 1 → scale/2)."""
    o = x * pol
    g = _scope(o, groups)
    r, n = g.rank(method="min"), g.transform("count")
    out = (r - 1) / (n - 1).where(n > 1)
    return cfg.scale * out.mask((n == 1) & o.notna(), 0.5)


class Borda(Normalisation):
    """rank − 1 (number of cities below)."""

    method: Literal["borda"]


@NORMALISATIONS.register("borda", Borda)
def borda(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: Borda, bounds: Bounds | None = None) -> pd.DataFrame:
    """rank − 1: the number of cities of the scope strictly below."""
    return _scope(x * pol, groups).rank(method="min") - 1


class FractionOfMax(Normalisation):
    """scale·x/max (polarity −1: scale·min/x); values must be > 0."""

    method: Literal["fracmax"]
    scale: float = Field(1.0, gt=0)


@NORMALISATIONS.register("fracmax", FractionOfMax)
def fracmax(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: FractionOfMax, bounds: Bounds | None = None) -> pd.DataFrame:
    """scale·x/max, or scale·min/x for polarity −1 (the share of the best value)."""
    g = _scope(x, groups)
    if (x < 0).any().any() or ((x == 0) & (pol < 0)).any().any():
        bad = [c for c in x.columns if (x[c] < 0).any() or ((x[c] == 0).any() and pol[c] < 0)]
        raise MethodError(f"fracmax needs positive values (zero allowed only for polarity +1): {', '.join(bad)}")
    out = (x / g.transform("max")).where(_positive(x, pol), g.transform("min") / x)
    return cfg.scale * out


class Logistic(Normalisation):
    """scale/(1 + exp(−slope·z)), z the z-score of the oriented value in its scope."""

    method: Literal["logistic"]
    slope: float = Field(1.0, gt=0)
    scale: float = Field(1.0, gt=0)


@NORMALISATIONS.register("logistic", Logistic, exact=False)
def logistic(x: pd.DataFrame, pol: pd.Series, groups: pd.Series | None, cfg: Logistic, bounds: Bounds | None = None) -> pd.DataFrame:
    """scale/(1 + exp(−slope·z)), z = (x − x̄)/s in the scope (sample s); a constant scope → scale/2."""
    o = x * pol
    g = _scope(o, groups)
    m, s = g.transform("mean"), g.transform("std")
    out = cfg.scale / (1.0 + np.exp(-cfg.slope * (o - m) / s.where(s > 0)))
    return out.mask((s == 0) & o.notna(), cfg.scale / 2)


def roster_scopes(cities: pd.DataFrame, index: pd.Index, configs: Iterable[Normalisation]) -> dict[str, pd.Series]:
    """The roster columns that ``configs`` name as their scope (``within`` other than group
    and all), each as city → value for the cities of ``index``: the ``scopes`` of
    ``normalise``. A column the roster lacks is left out (``normalise`` then says so)."""
    named = dict.fromkeys(cfg.within for cfg in configs)
    return {w: roster.column(cities, index, w) for w in named if w not in ("group", "all") and w in cities.columns}


def normalise(values: pd.DataFrame, polarity: pd.Series, configs: dict[str, Normalisation], groups: pd.Series,
              bounds: Bounds | None = None, scopes: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Normalise every indicator by its configuration; indicators sharing a configuration
    are normalised together (vectorised over cities and indicators). ``within`` other than
    ``group`` and ``all`` names a roster column, given in ``scopes`` (column → key per city,
    ``roster_scopes``). The pipeline and the uncertainty model both normalise with this
    function (the model with several versions of an indicator side by side: a method works
    column by column, so a column's result does not depend on its neighbours)."""
    out = np.empty((values.shape[1], len(values)))  # indicator-major: the frame's array is column-major
    at = {c: i for i, c in enumerate(values.columns)}
    by_cfg: dict = {}
    for code in values.columns:
        by_cfg.setdefault(configs[code], []).append(code)
    for cfg, cols in by_cfg.items():
        pol = pd.Series(polarity.reindex(cols).to_numpy(), index=cols)
        if cfg.within not in ("group", "all") and cfg.within not in (scopes or {}):
            raise MethodError(f"normalisation within {cfg.within!r}: the roster has no such column")
        scope = groups if cfg.within == "group" else None if cfg.within == "all" else (scopes or {})[cfg.within]
        result = NORMALISATIONS[cfg.method](values if len(by_cfg) == 1 else values[cols], pol, scope, cfg, bounds)
        if result.columns.tolist() != cols:
            result = result[cols]
        out[[at[c] for c in cols]] = result.to_numpy(dtype=float).T
    return pd.DataFrame(out.T, index=values.index, columns=values.columns)


# the options of any registered normalisation, picked by ``method`` (for the config models)
if TYPE_CHECKING:
    NormalisationChoice = Normalisation
else:
    NormalisationChoice = NORMALISATIONS.union()
