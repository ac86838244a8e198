"""Normalisation methods (definitions as in COINr where they overlap).

Polarity is applied by multiplying the values by the indicator's direction before
normalising (goalposts, distance to target and fraction of max use the equivalent
direction-explicit formulas so their posts and targets stay in the indicator's units).
Each method works within population group or over all cities (``within``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.core.errors import UserError


def _scope(values: pd.DataFrame, groups: pd.Series | None):
    key = groups.reindex(values.index).to_numpy() if groups is not None else np.zeros(len(values))
    return values.groupby(key, sort=False)


def _positive(x: pd.DataFrame, pol: pd.Series) -> pd.DataFrame:
    """Cell mask: True where the column's polarity is +1."""
    return pd.DataFrame(np.broadcast_to(pol[x.columns].to_numpy() > 0, x.shape), index=x.index, columns=x.columns)


def minmax(x, pol, groups, cfg, bounds=None):
    """lower + (x − min)/(max − min)·(upper − lower); constant scope → ``constant``."""
    o = x * pol
    g = _scope(o, groups)
    lo, hi = g.transform("min"), g.transform("max")
    span = hi - lo
    out = cfg.lower + (o - lo) / span.where(span > 0) * (cfg.upper - cfg.lower)
    fill = {"midpoint": (cfg.lower + cfg.upper) / 2, "lower": cfg.lower, "upper": cfg.upper}[cfg.constant]
    return out.mask((span == 0) & o.notna(), fill)


def zscore(x, pol, groups, cfg, bounds=None):
    """mean + sd·(x − x̄)/s with the sample standard deviation; constant scope → mean."""
    o = x * pol
    g = _scope(o, groups)
    m, s = g.transform("mean"), g.transform("std")
    out = cfg.mean + cfg.sd * (o - m) / s.where(s > 0)
    return out.mask((s == 0) & o.notna(), cfg.mean)


def goalposts(x, pol, groups, cfg, bounds=None):
    """scale·(x − lower)/(upper − lower), or (upper − x)/(upper − lower) for polarity −1;
    truncated to [0, scale]. The upper post may come from the base edition."""
    lower = pd.DataFrame(cfg.lower, index=x.index, columns=x.columns)
    upper = _upper_posts(x, groups, cfg, bounds)
    span = upper - lower
    bad = (span <= 0).any()
    if bad.any():
        raise UserError(f"goalposts: upper post not above lower post for {', '.join(bad[bad].index)}")
    up = (x - lower) / span
    out = up.where(_positive(x, pol), (upper - x) / span)
    if cfg.truncate:
        out = out.clip(0, 1)
    return cfg.scale * out


def _upper_posts(x, groups, cfg, bounds) -> pd.DataFrame:
    if not isinstance(cfg.upper, str):
        return pd.DataFrame(cfg.upper, index=x.index, columns=x.columns)
    if bounds is None:
        raise UserError(f"goalposts upper: {cfg.upper} needs the base edition's data")
    if cfg.upper == "base_max":
        return pd.DataFrame(np.broadcast_to(bounds["max"][x.columns].to_numpy(), x.shape),
                            index=x.index, columns=x.columns)
    by_group = bounds["group_max"][x.columns]
    key = groups.reindex(x.index)
    unknown = sorted(set(key) - set(by_group.index))
    if unknown:
        raise UserError(f"goalposts upper: base_group_max: the base edition has no group {', '.join(unknown)}")
    return pd.DataFrame(by_group.loc[key.to_numpy()].to_numpy(), index=x.index, columns=x.columns)


def dist2target(x, pol, groups, cfg, bounds=None):
    """scale·(x − min)/(target − min), or (max − x)/(max − target) for polarity −1;
    capped at scale when ``cap``."""
    g = _scope(x, groups)
    lo, hi = g.transform("min"), g.transform("max")
    out = ((x - lo) / (cfg.target - lo)).where(_positive(x, pol), (hi - x) / (hi - cfg.target))
    if cfg.cap:
        out = out.clip(upper=1)
    return cfg.scale * out


def rank(x, pol, groups, cfg, bounds=None):
    """Rank in scope, 1 = worst, ties share the lowest rank ("min")."""
    return _scope(x * pol, groups).rank(method="min")


def pctrank(x, pol, groups, cfg, bounds=None):
    """scale·(rank − 1)/(n − 1), n the non-missing cities of the scope (n = 1 → scale/2)."""
    o = x * pol
    g = _scope(o, groups)
    r, n = g.rank(method="min"), g.transform("count")
    out = (r - 1) / (n - 1).where(n > 1)
    return cfg.scale * out.mask((n == 1) & o.notna(), 0.5)


def borda(x, pol, groups, cfg, bounds=None):
    """rank − 1: the number of cities of the scope strictly below."""
    return _scope(x * pol, groups).rank(method="min") - 1


def fracmax(x, pol, groups, cfg, bounds=None):
    """scale·x/max, or scale·min/x for polarity −1 (the share of the best value)."""
    g = _scope(x, groups)
    if (x < 0).any().any() or ((x == 0) & (pol < 0)).any().any():
        bad = [c for c in x.columns if (x[c] < 0).any() or ((x[c] == 0).any() and pol[c] < 0)]
        raise UserError(f"fracmax needs positive values (zero allowed only for polarity +1): {', '.join(bad)}")
    out = (x / g.transform("max")).where(_positive(x, pol), g.transform("min") / x)
    return cfg.scale * out


METHODS = {"minmax": minmax, "zscore": zscore, "goalposts": goalposts, "dist2target": dist2target,
           "rank": rank, "pctrank": pctrank, "borda": borda, "fracmax": fracmax}


def normalise(values: pd.DataFrame, polarity: pd.Series, configs: dict, groups: pd.Series,
              bounds: dict | None = None) -> pd.DataFrame:
    """Normalise every indicator by its configuration; indicators sharing a configuration
    are normalised together (vectorised over cities and indicators)."""
    out = pd.DataFrame(index=values.index, columns=values.columns, dtype=float)
    by_cfg: dict = {}
    for code in values.columns:
        by_cfg.setdefault(configs[code], []).append(code)
    for cfg, cols in by_cfg.items():
        pol = pd.Series(polarity[cols].to_numpy(), index=cols)
        scope = groups if cfg.within == "group" else None
        out[cols] = METHODS[cfg.method](values[cols], pol, scope, cfg, bounds)
    return out
