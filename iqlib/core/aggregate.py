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

Weights: a rule registered in ``weighting.WEIGHTS`` (``yaml``, ``equal``, ``pca``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, Protocol, Self

import numpy as np
import pandas as pd
from pydantic import AfterValidator, Field, model_validator

from iqlib.core.errors import MethodError
from iqlib.core.registry import F, Registry, Strict
from iqlib.core.weighting import WEIGHTS

AGGREGATIONS: Registry = Registry("aggregation")
POSITIVE: set[str] = set()        # means defined on values ≥ 0 (``nonpositive`` applies)
ZERO_ABSORBS: dict[str, Callable[[float | None], bool]] = {}  # a 0 child makes the mean 0


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


def _positive_mean(name: str, zero_absorbs: Callable[[float | None], bool], exact: bool = False) -> Callable[[F], F]:
    """Register a mean that needs values ≥ 0 (and whether a 0 among them makes it 0)."""
    POSITIVE.add(name)
    ZERO_ABSORBS[name] = zero_absorbs
    return AGGREGATIONS.register(name, exact=exact)


@AGGREGATIONS.register("weighted_mean")
def weighted_mean(xf: np.ndarray, avail: np.ndarray, w: np.ndarray, m: Members, wa: np.ndarray, p: float | None) -> np.ndarray:
    """Σ_A w·x / Σ_A w: the weights re-normalised over the available children."""
    return m.sum(xf, w) / wa


@AGGREGATIONS.register("weighted_sum")
def weighted_sum(xf: np.ndarray, avail: np.ndarray, w: np.ndarray, m: Members, wa: np.ndarray, p: float | None) -> np.ndarray:
    """Σ_A w·x · Σ w / Σ_A w (= Σ w·x when nothing is missing)."""
    full = m.sum(xf, w)
    return np.where(wa == m.total(w), full, full * m.total(w) / wa)


@_positive_mean("geometric_mean", lambda p: True)
def geometric_mean(xf: np.ndarray, avail: np.ndarray, w: np.ndarray, m: Members, wa: np.ndarray, p: float | None) -> np.ndarray:
    """exp(Σ_A w·ln x / Σ_A w)."""
    logs = np.where(avail & (xf > 0), np.log(np.where(xf > 0, xf, 1.0)), 0.0)
    return np.exp(m.sum(logs, w) / wa)


@_positive_mean("harmonic_mean", lambda p: True, exact=True)
def harmonic_mean(xf: np.ndarray, avail: np.ndarray, w: np.ndarray, m: Members, wa: np.ndarray, p: float | None) -> np.ndarray:
    """Σ_A w / Σ_A (w/x)."""
    inv = np.where(avail & (xf > 0), 1.0 / np.where(xf > 0, xf, 1.0), 0.0)
    return wa / m.sum(inv, w)


@_positive_mean("generalised_mean", lambda p: p is not None and p <= 0)  # p = 0: the geometric mean
def generalised_mean(xf: np.ndarray, avail: np.ndarray, w: np.ndarray, m: Members, wa: np.ndarray, p: float | None) -> np.ndarray:
    """(Σ_A w·x^p / Σ_A w)^(1/p); p = 0 is the geometric mean."""
    if p == 0:
        return geometric_mean(xf, avail, w, m, wa, p)
    assert p is not None, "generalised_mean needs p (Aggregation checks it)"
    base = np.where(avail & (xf > 0), xf, 0.0 if p > 0 else 1.0)
    powered = np.where(avail & ((xf > 0) | (p > 0)), base ** p, 0.0)
    return (m.sum(powered, w) / wa) ** (1.0 / p)


class Aggregation(Strict):
    """How a level's nodes combine their children (NA-aware; see the module docstring)."""

    method: Annotated[str, AfterValidator(AGGREGATIONS.check)]
    p: float | None = Field(None, description="exponent of the generalised mean")
    nonpositive: Literal["zero", "shift", "skip"] = Field(
        "zero", description="geometric/harmonic/p ≤ 0 means with values ≤ 0: zero → the mean is 0 "
        "(its limit; negative values are an error), shift → computed on x + shift then shifted back, "
        "skip → the values ≤ 0 are left out like missing ones")
    shift: float = Field(1.0, gt=0)
    weights: Annotated[str, AfterValidator(WEIGHTS.check)] = "yaml"
    min_coverage: float = Field(0.0, ge=0, le=1, description="share of the children's weight that must "
                                "be available, else the aggregate is missing")
    missing: Literal["zero", "missing"] = Field("zero", description="what a missing aggregate becomes")

    @model_validator(mode="after")
    def _p(self) -> Self:
        if self.method == "generalised_mean" and self.p is None:
            raise ValueError("generalised_mean needs an exponent p")
        if self.method != "generalised_mean" and self.p is not None:
            raise ValueError(f"p is only used by generalised_mean, not {self.method}")
        return self


def combine(x: np.ndarray, w: np.ndarray, cfg: Aggregation, m: Members, level: str = "",
            children: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The arithmetic of ``aggregate`` on arrays: parents' scores (..., cities, parents)
    with NaN where missing (or 0 when ``missing: zero``) and their coverage. One call
    evaluates a whole batch of replications when ``w`` carries a replication axis."""
    avail = ~np.isnan(x)
    positive = cfg.method in POSITIVE
    if positive:
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
            method = "geometric_mean" if cfg.method == "generalised_mean" and cfg.p == 0 else cfg.method
            raise MethodError(f"{method} at level {level!r}: negative values in {shown}"
                              f"{' after the shift' if cfg.nonpositive == 'shift' else ''}; set {fix}, "
                              f"or normalise to non-negative values")
    xf = np.where(avail, x, 0.0)
    wa = m.sum(avail.astype(float), w)
    total = m.total(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = AGGREGATIONS[cfg.method](xf, avail, w, m, wa, cfg.p)
        if positive and cfg.nonpositive != "skip" and ZERO_ABSORBS[cfg.method](cfg.p):
            has_zero = m.sum((avail & (xf == 0)).astype(float), w) > 0
            out = np.where(has_zero, 0.0, out)
        if positive and cfg.nonpositive == "shift":
            out = out - cfg.shift
        coverage = wa / total
    out = np.where((wa > 0) & (coverage >= cfg.min_coverage), out, np.nan)
    if cfg.missing == "zero":
        out = np.where(np.isnan(out), 0.0, out)
    return out, coverage


def aggregate(values: pd.DataFrame, parent_of: pd.Series, weights: pd.Series, cfg: Aggregation,
              level: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores of the parents (cities × parents) and their coverage (share of weight available)."""
    children = list(values.columns)
    m = Members(children, parent_of)
    w = weights.reindex(children).to_numpy(dtype=float)
    out, coverage = combine(values.to_numpy(dtype=float), w, cfg, m, level, children)
    return (pd.DataFrame(out, index=values.index, columns=m.parents),
            pd.DataFrame(coverage, index=values.index, columns=m.parents))


class Tree(Protocol):
    """What ``aggregate_all`` needs of a framework: the levels, each node's parent and nominal
    weight, and each level's aggregation. ``core.framework.Framework`` is one; declaring the
    need here keeps this module below the framework (which holds ``Aggregation``)."""

    @property
    def levels(self) -> tuple[str, ...]: ...

    @property
    def aggregation(self) -> dict[str, Aggregation]: ...

    @property
    def parent_of(self) -> pd.Series: ...

    @property
    def nominal_weights(self) -> pd.Series: ...

    def level_codes(self, level: str) -> list[str]: ...

    def aggregate_codes(self) -> list[str]: ...


@dataclass(frozen=True)
class Aggregated:
    """Every aggregate of the framework: scores (cities × aggregates, lowest level first),
    the weights used (level, parent, child, weight), the aggregates that came out missing
    (city_id, aggregate, coverage, became) and the PCA loadings (empty without PCA)."""

    scores: pd.DataFrame
    weights: pd.DataFrame
    missing: pd.DataFrame
    pca: pd.DataFrame


def aggregate_all(normalised: pd.DataFrame, fw: Tree, drop: frozenset = frozenset()) -> Aggregated:
    """Every aggregate of the framework, level by level from the indicators up.

    ``drop`` leaves nodes out (their parents re-normalise over the rest): the
    leave-one-out diagnostic."""
    parent_of = fw.parent_of
    current = normalised[[c for c in normalised.columns if c not in drop]]
    scores, weight_rows, missing, pca_rows = {}, [], [], []
    for level in fw.levels[1:]:
        cfg = fw.aggregation[level]
        w, table = WEIGHTS[cfg.weights](current, parent_of, fw.nominal_weights)
        if table is not None:
            pca_rows.append(table.assign(level=level))
        level_scores, coverage = aggregate(current, parent_of, w, cfg, level)
        # a parent whose children were all dropped has nothing to aggregate: missing
        empty = 0.0 if cfg.missing == "zero" else float("nan")
        level_scores = level_scores.reindex(columns=fw.level_codes(level), fill_value=empty)
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
    return Aggregated(pd.DataFrame(scores)[fw.aggregate_codes()], pd.DataFrame(weight_rows),
                      pd.DataFrame(missing, columns=["city_id", "aggregate", "coverage", "became"]),
                      pd.concat(pca_rows, ignore_index=True) if pca_rows else pd.DataFrame())
