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


def treat_vector(x: np.ndarray, cfg: Treatment, cache: Cache | None = None,
                 summary: bool = True) -> tuple[np.ndarray, dict, np.ndarray]:
    """Treated values, a summary row (skew and kurtosis before and after, the action and
    the points changed; only the action and points when not ``summary``), and a per-point
    label ('' | winhi | winlo | log). ``cache`` reuses the result of equal values."""
    out, action, labels = TREATMENTS[cfg.method](x, cfg) if cache is None else cache.treated(x, cfg)
    if not summary:
        return out, action, labels
    return out, {"skew_before": skew(x), "kurt_before": kurt(x), **action,
                 "skew_after": skew(out), "kurt_after": kurt(out)}, labels


class Cache:
    """Treatment results by values and options, for callers that treat the same column many
    times (the uncertainty model: the same values under several imputation rules, several
    ``winmax``). A JRC run is also reused for another ``winmax`` where the rule makes the
    results equal: values that pass are unchanged for any winmax; winsorising that passed
    after m points gives the same values for any winmax ≥ m (the same points are changed,
    then the test passes); a log transform after winsorising up to k points failed is the
    same for any winmax ≤ k (the rule failed at every point before k, and the log is of the
    original values)."""

    def __init__(self) -> None:
        self._results: dict[tuple[bytes, Treatment], tuple[np.ndarray, dict, np.ndarray]] = {}
        self._jrc_runs: dict[tuple, list[tuple[int, int | None, tuple[np.ndarray, dict, np.ndarray]]]] = {}

    def treated(self, x: np.ndarray, cfg: Treatment) -> tuple[np.ndarray, dict, np.ndarray]:
        """``TREATMENTS[cfg.method](x, cfg)``, computed once per values and options."""
        values = x.tobytes()
        if isinstance(cfg, JRCTreatment):
            return self._jrc(x, values, cfg)
        key = (values, cfg)
        if key not in self._results:
            self._results[key] = TREATMENTS[cfg.method](x, cfg)
        return self._results[key]

    def _jrc(self, x: np.ndarray, values: bytes, cfg: JRCTreatment) -> tuple[np.ndarray, dict, np.ndarray]:
        known = self._jrc_runs.setdefault((values, cfg.skew, cfg.kurt), [])
        if not known and not fails(x, cfg):
            known.append((0, None, none(x, NoTreatment())))  # passes: any winmax, no point changed
        for points, limit, result in known:
            action = result[1]["action"]
            if (action in ("none", "winsorised") and cfg.winmax >= points) or \
                    (action == "log" and limit is not None and cfg.winmax <= limit):
                return result
        result = TREATMENTS[cfg.method](x, cfg)
        known.append((result[1]["points"], cfg.winmax, result))
        return result


def scope_positions(key: np.ndarray) -> dict:
    """The positions of the cities of each scope: one entry per value of ``key`` (a key per
    city), in the order of first appearance."""
    return {g: np.flatnonzero(key == g) for g in pd.unique(key)}


def treat_column(x: np.ndarray, cfg: Treatment, scopes: dict, cache: Cache | None = None,
                 summary: bool = True) -> tuple[np.ndarray, list[dict], np.ndarray | None]:
    """One indicator treated by ``cfg`` in each scope (``scopes``: scope → positions of its
    cities): the treated values, a summary row per scope and the per-point labels (without
    ``summary``: the values only, no rows, labels None). The pipeline (``treat``) and the
    uncertainty model both treat with this function."""
    new = x.copy()
    if not summary:
        treated = TREATMENTS[cfg.method] if cache is None else cache.treated
        for pos in scopes.values():
            new[pos] = treated(x[pos], cfg)[0]
        return new, [], None
    labels, rows = np.full(len(x), "", dtype=object), []
    for scope, pos in scopes.items():
        new[pos], row, labels[pos] = treat_vector(x[pos], cfg, cache)
        rows.append({"scope": scope, **row})
    return new, rows, labels


def positions(groups: pd.Series, index: pd.Index) -> dict[str, dict]:
    """Per scope a treatment can name (``within``: all, group), the positions of the cities
    of ``index`` in each of its scopes (``groups``: city → population group), as
    ``treat_column`` takes them; ``scopes_of`` picks a treatment's."""
    return {"all": {"all": slice(None)}, "group": scope_positions(groups.reindex(index).to_numpy())}


def scopes_of(cfg: Treatment, positions: dict[str, dict]) -> dict:
    """The scopes ``cfg`` treats in (a treatment without a ``within`` works on all cities)."""
    return positions[getattr(cfg, "within", "all")]


def treat(values: pd.DataFrame, configs: dict[str, Treatment], groups: pd.Series,
          cache: Cache | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Treat each indicator by its configuration, over all cities or within each group.

    Returns the treated values, a table per (indicator, scope) of skew and kurtosis
    before and after and the action taken, and every changed point (city, indicator,
    original, treated, label)."""
    out = values.copy()
    rows, points = [], []
    scopes = positions(groups, values.index)
    for code in values.columns:
        cfg = configs[code]
        if cfg.method == "none":
            continue
        x = values[code].to_numpy(dtype=float)
        new, scope_rows, labels = treat_column(x, cfg, scopes_of(cfg, scopes), cache)
        assert labels is not None
        rows += [{"indicator": code, **row} for row in scope_rows]
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
