"""Aggregation of a level's children into their parents, NA-aware, and the weights.

With w the child weights and A the children available for a city (not missing):
* weighted_mean    Σ_A w·x / Σ_A w                     (weights re-normalised over A)
* weighted_sum     Σ_A w·x · Σ w / Σ_A w               (= Σ w·x when nothing is missing)
* geometric_mean   exp(Σ_A w·ln x / Σ_A w)
* harmonic_mean    Σ_A w / Σ_A (w/x)
* generalised_mean (Σ_A w·x^p / Σ_A w)^(1/p)           (p = 0 is the geometric mean)
These three need values ≥ 0; values ≤ 0 follow ``nonpositive``: ``zero`` (a 0
makes the mean 0, its limit; a negative value is an error), ``shift`` (computed on
x + shift, then shifted back) or ``skip`` (left out like a missing value). Coverage is
Σ_A w / Σ w; below ``min_coverage`` (or with nothing available) the aggregate is missing
and then becomes 0 or stays missing (``missing``).

Weights: ``yaml`` (the methodology), ``equal``, or ``pca``: the loadings of the first
principal component of the children's correlation matrix (cities with all children
present), signed so that their sum is positive; negative loadings are set to 0 and
reported; the weights are the loadings divided by their sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.core.errors import UserError


class Members:
    """Children of each parent. ``sum(a, w)`` adds each row's weighted children per parent
    with numpy's row-wise reduction, not a BLAS product: BLAS may add a row in a different
    order depending on its position, so identical cities could differ in the last bit and
    lose their tie. ``a`` is (..., cities, children); ``w`` is (children,) or, for a batch
    of replications with their own weights, (replications, 1, children)."""

    def __init__(self, children: list[str], parent_of: pd.Series):
        parents = parent_of.reindex(children).to_numpy()
        self.parents = list(dict.fromkeys(parents))
        self.cols = [_as_slice(np.flatnonzero(parents == p)) for p in self.parents]

    def sum(self, a: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.stack([(a[..., idx] * w[..., idx]).sum(axis=-1) for idx in self.cols], axis=-1)

    def total(self, w: np.ndarray) -> np.ndarray:
        return np.stack([w[..., idx].sum(axis=-1) for idx in self.cols], axis=-1)


def _as_slice(idx: np.ndarray) -> slice | np.ndarray:
    """Consecutive children as a slice (a view, no copy of the batch); others as indices.
    The products are the same values either way, summed in the same order."""
    if len(idx) and (np.diff(idx) == 1).all():
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def combine(x: np.ndarray, w: np.ndarray, cfg, m: Members, level: str = "",
            children: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The arithmetic of ``aggregate`` on arrays: parents' scores (..., cities, parents)
    with NaN where missing (or 0 when ``missing: zero``) and their coverage. One call
    evaluates a whole batch of replications when ``w`` carries a replication axis."""
    avail = ~np.isnan(x)
    method, p = cfg.method, cfg.p
    if method == "generalised_mean" and p == 0:
        method = "geometric_mean"
    power_like = method in ("geometric_mean", "harmonic_mean") or (method == "generalised_mean" and p < 0)
    needs_positive = method in ("geometric_mean", "harmonic_mean", "generalised_mean")
    if needs_positive:
        if cfg.nonpositive == "shift":
            x = x + cfg.shift
        elif cfg.nonpositive == "skip":
            avail &= x > 0
        if cfg.nonpositive != "skip" and (x[avail] < 0).any():
            names = children or [str(j) for j in range(x.shape[-1])]
            bad = sorted({names[j] for j in np.argwhere(avail & (x < 0))[:, -1]})
            fix = f"a shift larger than {cfg.shift:g}" if cfg.nonpositive == "shift" else \
                "nonpositive: shift or skip"
            shown = ", ".join(bad[:8]) + (f" and {len(bad) - 8} more" if len(bad) > 8 else "")
            raise UserError(f"{method} at level {level!r}: negative values in {shown}"
                            f"{' after the shift' if cfg.nonpositive == 'shift' else ''}; set {fix}, "
                            f"or normalise to non-negative values")
    xf = np.where(avail, x, 0.0)
    wa = m.sum(avail.astype(float), w)
    total = m.total(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "weighted_mean":
            out = m.sum(xf, w) / wa
        elif method == "weighted_sum":
            full = m.sum(xf, w)
            out = np.where(wa == total, full, full * total / wa)
        elif method == "geometric_mean":
            logs = np.where(avail & (xf > 0), np.log(np.where(xf > 0, xf, 1.0)), 0.0)
            out = np.exp(m.sum(logs, w) / wa)
        elif method == "harmonic_mean":
            inv = np.where(avail & (xf > 0), 1.0 / np.where(xf > 0, xf, 1.0), 0.0)
            out = wa / m.sum(inv, w)
        else:
            base = np.where(avail & (xf > 0), xf, 0.0 if p > 0 else 1.0)
            powered = np.where(avail & ((xf > 0) | (p > 0)), base ** p, 0.0)
            out = (m.sum(powered, w) / wa) ** (1.0 / p)
        if power_like and cfg.nonpositive != "skip":
            has_zero = m.sum((avail & (xf == 0)).astype(float), w) > 0
            out = np.where(has_zero, 0.0, out)
        if needs_positive and cfg.nonpositive == "shift":
            out = out - cfg.shift
        coverage = wa / total
    out = np.where((wa > 0) & (coverage >= cfg.min_coverage), out, np.nan)
    if cfg.missing == "zero":
        out = np.where(np.isnan(out), 0.0, out)
    return out, coverage


def aggregate(values: pd.DataFrame, parent_of: pd.Series, weights: pd.Series, cfg,
              level: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of the parents (cities × parents) and their coverage (share of weight available)."""
    children = list(values.columns)
    m = Members(children, parent_of)
    w = weights.reindex(children).to_numpy(dtype=float)
    out, coverage = combine(values.to_numpy(dtype=float), w, cfg, m, level, children)
    return (pd.DataFrame(out, index=values.index, columns=m.parents),
            pd.DataFrame(coverage, index=values.index, columns=m.parents))


def pca_weights(values: pd.DataFrame, parent_of: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """First-principal-component weights per parent and a table of loadings."""
    weights, rows = {}, []
    for parent, kids in parent_of[list(values.columns)].groupby(parent_of[list(values.columns)], sort=False):
        cols = list(kids.index)
        data = values[cols].dropna()
        varying = [c for c in cols if data[c].std() > 0] if len(data) > 2 else []
        if len(varying) < 2:
            share = 1.0 / len(cols)
            for c in cols:
                weights[c] = share
                rows.append({"parent": parent, "child": c, "loading": np.nan, "weight": share,
                             "variance_explained": np.nan, "note": "too few varying children: equal"})
            continue
        eigval, eigvec = np.linalg.eigh(np.corrcoef(data[varying].to_numpy().T))
        v = eigvec[:, -1]
        if v.sum() < 0:
            v = -v
        load = dict(zip(varying, v))
        kept = np.clip(v, 0, None)
        w = dict(zip(varying, kept / kept.sum()))
        for c in cols:
            weights[c] = w.get(c, 0.0)
            note = ("constant: weight 0" if c not in load else
                    "negative loading: weight 0" if load[c] < 0 else "")
            rows.append({"parent": parent, "child": c, "loading": load.get(c, np.nan), "weight": weights[c],
                         "variance_explained": eigval[-1] / eigval.sum(), "note": note})
    return pd.Series(weights), pd.DataFrame(rows)


def aggregate_all(normalised: pd.DataFrame, meth, drop: frozenset = frozenset()) -> dict:
    """Every aggregate of the framework, level by level from the indicators up.

    ``drop`` leaves nodes out (their parents re-normalise over the rest): the
    leave-one-out diagnostic. Returns scores (cities × aggregates), the weights used and
    the aggregates that came out missing (city, aggregate, coverage)."""
    parent_of = pd.Series({n.code: n.parent for n in [*meth.indicators, *meth.aggregates] if n.parent})
    nominal = pd.Series({n.code: n.weight for n in [*meth.indicators, *meth.aggregates]})
    current = normalised[[c for c in normalised.columns if c not in drop]]
    scores, weight_rows, missing, pca_rows = {}, [], [], []
    for level in meth.levels[1:]:
        cfg = meth.scoring.aggregation[level]
        if cfg.weights == "yaml":
            w = nominal[current.columns]
        elif cfg.weights == "equal":
            w = pd.Series(1.0, index=current.columns)
        else:
            w, table = pca_weights(current, parent_of)
            pca_rows.append(table.assign(level=level))
        level_scores, coverage = aggregate(current, parent_of, w, cfg, level)
        # a parent whose children were all dropped has nothing to aggregate: missing
        empty = 0.0 if cfg.missing == "zero" else float("nan")
        level_scores = level_scores.reindex(columns=meth.level_codes(level), fill_value=empty)
        for c in current.columns:
            weight_rows.append({"level": level, "parent": parent_of[c], "child": c, "weight": float(w[c])})
        gone = (coverage < cfg.min_coverage) | (coverage == 0)
        stacked = gone.stack()
        for city, agg in stacked[stacked].index:
            missing.append({"city_id": city, "aggregate": agg, "coverage": coverage.at[city, agg],
                            "became": "0" if cfg.missing == "zero" else "missing"})
        for code in level_scores.columns:
            scores[code] = level_scores[code]
        current = level_scores[[c for c in level_scores.columns if c not in drop]]
    return {"scores": pd.DataFrame(scores)[meth.aggregate_codes()],
            "weights": pd.DataFrame(weight_rows),
            "missing": pd.DataFrame(missing, columns=["city_id", "aggregate", "coverage", "became"]),
            "pca": pd.concat(pca_rows, ignore_index=True) if pca_rows else pd.DataFrame()}
