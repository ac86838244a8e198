"""Outlier treatment by the JRC rule, as in COINr's ``Treat()`` defaults.

An indicator fails when |skew| ≥ ``skew`` and kurt ≥ ``kurt`` (sample-adjusted
estimators, e1071 type 2 / Excel). While it fails and fewer than ``winmax`` points have
been changed, every value equal to the current maximum is replaced by the next-largest
value (the minimum by the next-smallest when the skew is negative). If it still fails,
the **original** values are log-transformed instead: log(x − min + 0.01·(max − min)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


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


def _skew(n, s2, s3, s4) -> float:
    if n < 3:
        return float("nan")
    if s2 == 0:
        return 0.0
    return float(np.sqrt(n) * s3 / s2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2))


def _kurt(n, s2, s3, s4) -> float:
    if n < 4 or s2 == 0:
        return float("nan")
    r = n * s4 / s2 ** 2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def fails(x: np.ndarray, cfg) -> bool:
    """The JRC rule: |skew| ≥ cfg.skew and kurt ≥ cfg.kurt."""
    m = _moments(x)
    s, k = _skew(*m), _kurt(*m)
    return bool(not np.isnan(s) and not np.isnan(k) and abs(s) >= cfg.skew and k >= cfg.kurt)


def winsorise(x: np.ndarray, cfg) -> tuple[np.ndarray, np.ndarray]:
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


def treat_vector(x: np.ndarray, cfg) -> tuple[np.ndarray, dict, np.ndarray]:
    """Treated values, a summary row, and a per-point label ('' | winhi | winlo | log)."""
    labels = np.full(len(x), "", dtype=object)
    row = {"skew_before": skew(x), "kurt_before": kurt(x), "action": "none", "points": 0}
    if cfg.method == "none" or not fails(x, cfg):
        out = x
    else:
        out, labels = winsorise(x, cfg)
        if fails(out, cfg):
            out = log_ct(x)
            labels = np.where(np.isnan(x), "", "log").astype(object)
            row.update(action="log", points=int((~np.isnan(x)).sum()))
        else:
            row.update(action="winsorised", points=int((labels != "").sum()))
    row.update(skew_after=skew(out), kurt_after=kurt(out))
    return out, row, labels


def treat(values: pd.DataFrame, configs: dict, groups: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
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
        for scope, pos in (by_group if cfg.within == "group" else everyone).items():
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
