"""Outlier treatment by the JRC rule, as in COINr's ``Treat()`` defaults.

An indicator fails when |skew| ≥ ``skew`` and kurt ≥ ``kurt`` (sample-adjusted
estimators, e1071 type 2 / Excel). While it fails and fewer than ``winmax`` points have
been changed, every value equal to the current maximum is replaced by the next-largest
value (the minimum by the next-smallest when the skew is negative). If it still fails,
the **original** values are log-transformed instead: log(x − min + 0.01·(max − min)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from iqlib.core.registry import Registry, Strict

TREATMENTS: Registry = Registry("treatment")


class Treatment(Strict):
    """The options of a treatment (each subclass names its ``method``)."""

    if TYPE_CHECKING:
        method: str


class NoTreatment(Treatment):
    method: Literal["none"] = "none"


class JRCTreatment(Treatment):
    """Winsorise while |skew| ≥ skew and kurt ≥ kurt and fewer than winmax points changed;
    if the rule still fails, log(x − min + 0.01·(max − min)) of the original values."""

    method: Literal["jrc"]
    skew: float = Field(2.0, gt=0)
    kurt: float = Field(3.5)
    winmax: int = Field(5, ge=0)
    within: Literal["all", "group"] = "all"


def _moments(x: np.ndarray) -> tuple[int, float, float, float]:
    """n and the sums of squared, cubed and fourth-power deviations of the non-missing values."""
    x = x[~np.isnan(x)]
    if not len(x):
        return 0, 0.0, 0.0, 0.0
    d = x - x.mean()
    d2 = d * d
    return len(x), float(d2.sum()), float((d2 * d).sum()), float((d2 * d2).sum())


def skew(x: np.ndarray) -> float:
    """√(n(n−1))/(n−2) · m3/m2^1.5 over the non-missing values (n ≥ 3)."""
    return _skew(*_moments(x))


def kurt(x: np.ndarray) -> float:
    """((n+1)(r−3)+6)(n−1)/((n−2)(n−3)), r = n·Σd⁴/(Σd²)², over the non-missing values (n ≥ 4)."""
    return _kurt(*_moments(x))


def _skew(n: int, s2: float, s3: float, s4: float) -> float:
    if n < 3:
        return float("nan")
    if s2 == 0:
        return 0.0
    return float(np.sqrt(n) * s3 / s2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2))


def _kurt(n: int, s2: float, s3: float, s4: float) -> float:
    if n < 4 or s2 == 0:
        return float("nan")
    r = n * s4 / s2 ** 2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def jrc_flag(s: float, k: float, skew_limit: float = 2.0, kurt_limit: float = 3.5) -> bool:
    """The JRC rule on a skewness and kurtosis: |skew| ≥ skew_limit and kurt ≥ kurt_limit."""
    return bool(not np.isnan(s) and not np.isnan(k) and abs(s) >= skew_limit and k >= kurt_limit)


def fails(x: np.ndarray, cfg: JRCTreatment) -> bool:
    """The JRC rule on the non-missing values of ``x`` with ``cfg``'s limits."""
    m = _moments(x)
    return jrc_flag(_skew(*m), _kurt(*m), cfg.skew, cfg.kurt)


def winsorise(x: np.ndarray, cfg: JRCTreatment) -> tuple[np.ndarray, np.ndarray]:
    """Iterative winsorisation; returns the values and per point '' | 'winhi' | 'winlo'."""
    x = x.astype(float).copy()
    labels = np.full(len(x), "", dtype=object)
    while fails(x, cfg) and (labels != "").sum() < cfg.winmax:
        present = x[~np.isnan(x)]
        high = skew(x) >= 0
        extreme = present.max() if high else present.min()
        at = x == extreme
        rest = present[present != extreme]
        if not len(rest):
            break
        x[at] = rest.max() if high else rest.min()
        labels[at] = "winhi" if high else "winlo"
    return x, labels


def log_ct(x: np.ndarray) -> np.ndarray:
    """log(x − min + 0.01·(max − min)), NaN kept."""
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo))


@TREATMENTS.register("none", NoTreatment)
def none(x: np.ndarray, cfg: NoTreatment) -> tuple[np.ndarray, dict, np.ndarray]:
    """No treatment: the values as they are."""
    return x, {"action": "none", "points": 0}, np.full(len(x), "", dtype=object)


@TREATMENTS.register("jrc", JRCTreatment, exact=False)
def jrc(x: np.ndarray, cfg: JRCTreatment) -> tuple[np.ndarray, dict, np.ndarray]:
    """The JRC rule: winsorise, or log-transform when winsorising does not fix it."""
    if not fails(x, cfg):
        return none(x, NoTreatment())
    out, labels = winsorise(x, cfg)
    if fails(out, cfg):
        labels = np.where(np.isnan(x), "", "log").astype(object)
        return log_ct(x), {"action": "log", "points": int((~np.isnan(x)).sum())}, labels
    return out, {"action": "winsorised", "points": int((labels != "").sum())}, labels


def treat_vector(x: np.ndarray, cfg: Treatment) -> tuple[np.ndarray, dict, np.ndarray]:
    """Treated values, a summary row (skew and kurtosis before and after, the action and
    the points changed), and a per-point label ('' | winhi | winlo | log)."""
    out, action, labels = TREATMENTS[cfg.method](x, cfg)
    return out, {"skew_before": skew(x), "kurt_before": kurt(x), **action,
                 "skew_after": skew(out), "kurt_after": kurt(out)}, labels


def treat(values: pd.DataFrame, configs: dict[str, Treatment], groups: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Treat each indicator by its configuration, over all cities or within each group.

    Returns the treated values, a table per (indicator, scope) of skew and kurtosis
    before and after and the action taken, and every changed point (city, indicator,
    original, treated, label)."""
    out = values.copy()
    rows, points = [], []
    key = groups.reindex(values.index).to_numpy()
    by_group = {g: np.flatnonzero(key == g) for g in pd.unique(key)}
    everyone = {"all": np.arange(len(values))}
    for code in values.columns:
        cfg = configs[code]
        if cfg.method == "none":
            continue
        x = values[code].to_numpy(dtype=float)
        new, labels = x.copy(), np.full(len(x), "", dtype=object)
        within = getattr(cfg, "within", "all")  # a treatment without a scope works on all cities
        for scope, pos in (by_group if within == "group" else everyone).items():
            new[pos], row, labels[pos] = treat_vector(x[pos], cfg)
            rows.append({"indicator": code, "scope": scope, **row})
        out[code] = new
        changed = np.flatnonzero(labels != "")
        points.append(pd.DataFrame({"city_id": values.index[changed], "indicator": code, "original": x[changed],
                                    "treated": new[changed], "label": labels[changed].astype(str)}))
    cols = ["indicator", "scope", "skew_before", "kurt_before", "action", "points", "skew_after", "kurt_after"]
    point_cols = ["city_id", "indicator", "original", "treated", "label"]
    return (out, pd.DataFrame(rows, columns=cols),
            pd.concat(points, ignore_index=True) if points else pd.DataFrame(columns=point_cols))


# the options of any registered treatment, picked by ``method`` (for the config models)
if TYPE_CHECKING:
    TreatmentChoice = Treatment
else:
    TreatmentChoice = TREATMENTS.union()
