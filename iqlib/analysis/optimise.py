"""Weights optimised to a target importance: the weights of one level such that each
component's share of the correlations with the index matches a target share (COINr's
``get_opt_weights(optype = "balance")``, docs/methods.md, "Weight optimisation").

With t the targets scaled to sum to 1 and c_i the correlation (Pearson or Spearman) of
component i of the level with the index re-aggregated with the weights w, the objective is

    log( Σ_i (t_i − c_i / Σ_j c_j)² / n )

minimised over w ≥ 0 (the other levels' weights unchanged). The index is re-aggregated with
``core.aggregate.aggregate_all``, the function every run and ``iqlib.scenario(...).compute()``
call, from the level's scores (which these weights do not change) up; the correlations are
over every unit with both values. The search is scipy's Nelder–Mead on w = S·x²/Σx² (S the
level's nominal total, so the weights stay ≥ 0 on the methodology's own scale), from two
fixed starts (the nominal weights and the targets), restarted until it no longer improves:
deterministic, no random numbers.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from iqlib.core import aggregate
from iqlib.core.aggregate import Aggregation
from iqlib.core.errors import UserError
from iqlib.core.framework import Framework
from iqlib.core.weighting import WEIGHTS

Correlation = Literal["pearson", "spearman"]
CORRELATIONS: tuple[str, ...] = ("pearson", "spearman")
XATOL = 1e-7         # Nelder–Mead: the simplex's spread in x = √(w/S) …
FATOL = 1e-13        # … and in the mean squared difference (not its log) at which a search stops
RESTARTS = 8         # at most this many searches from each start, each from the last one's best point
MAXFEV = 600         # evaluations per search and per weight optimised (a search that hits it is restarted)
DECIMALS = 9         # the optimised weights are rounded to this many decimals (as written in the scenario)


@dataclass(frozen=True)
class Optimised:
    """The weights of ``level`` optimised to the targets, on the methodology's scale (their
    sum is the level's nominal sum; ``shares`` sum to 1), with the correlations of each
    component with the index and the objective, at the nominal and the optimised weights."""

    level: str
    correlation: str
    targets: pd.Series               # code → target share (sum 1)
    nominal: pd.Series               # code → the methodology's weight
    weights: pd.Series               # code → optimised weight (the same total as ``nominal``)
    correlations_nominal: pd.Series  # code → correlation with the index at the nominal weights
    correlations: pd.Series          # code → correlation with the index at the optimised weights
    objective_nominal: float
    objective: float
    evaluations: int                 # objective evaluations (index re-aggregations) in all
    converged: bool                  # the last search of the best start stopped on its tolerances

    @property
    def shares(self) -> pd.Series:
        """The optimised weights scaled to sum to 1 (COINr's form)."""
        return self.weights / self.weights.sum()

    @property
    def gap_nominal(self) -> float:
        """The root mean squared difference of the correlation shares from the targets at the
        nominal weights (√exp(objective)): the objective in words a reader can take in."""
        return float(np.sqrt(np.exp(self.objective_nominal)))

    @property
    def gap(self) -> float:
        """The same at the optimised weights."""
        return float(np.sqrt(np.exp(self.objective)))

    def table(self) -> pd.DataFrame:
        """code, weight_nominal, weight_optimised, correlation_nominal, correlation_optimised."""
        return pd.DataFrame({"code": self.weights.index, "weight_nominal": self.nominal.to_numpy(),
                             "weight_optimised": self.weights.to_numpy(),
                             "correlation_nominal": self.correlations_nominal.to_numpy(),
                             "correlation_optimised": self.correlations.to_numpy()})


@dataclass(frozen=True)
class _Above:
    """The framework from ``level`` up (``core.aggregate.Tree``), with the level's weights
    replaced: what ``aggregate_all`` needs to re-aggregate the index from the level's scores."""

    levels: tuple[str, ...]
    aggregation: dict[str, Aggregation]
    parent_of: pd.Series
    nominal_weights: pd.Series
    codes: dict[str, list[str]]

    def level_codes(self, level: str) -> list[str]:
        return self.codes[level]

    def aggregate_codes(self) -> list[str]:
        return [c for level in self.levels[1:] for c in self.codes[level]]


def components(fw: Framework, level: str) -> list[str]:
    """The nodes of ``level`` whose weights can be optimised; a level that is not one, the
    index, a level of one node or one whose weights a rule sets (``equal``, ``pca``) is a
    ``UserError``."""
    below_index = fw.levels[:-1]
    if level not in fw.levels:
        raise UserError(f"no level {level!r} in the framework (levels whose weights can be optimised: "
                        f"{', '.join(below_index)})")
    if level == fw.levels[-1]:
        raise UserError(f"level {level!r} is the index: it has no weight; choose one of {', '.join(below_index)}")
    above = fw.levels[fw.levels.index(level) + 1]
    rule = fw.aggregation[above].weights
    if rule != "yaml":
        raise UserError(f"the weights of level {level!r} are set by the rule {rule!r} (scoring.aggregation.{above}."
                        f"weights), not by the methodology: there is nothing to optimise")
    codes = fw.level_codes(level)
    if len(codes) < 2:
        raise UserError(f"level {level!r} has one node ({codes[0]}): there is nothing to optimise")
    return codes


def targets_of(fw: Framework, level: str, targets: Mapping[str, float] | None = None) -> pd.Series:
    """The target importance of each node of ``level`` scaled to sum to 1. Targets are matched
    by code; a node not named gets 1 (no targets: equal importance). A code that is not a
    node of the level, a negative or non-finite value, or targets that are all 0 are a
    ``UserError``."""
    codes = components(fw, level)
    given = dict(targets or {})
    for code, value in given.items():
        if code not in codes:
            where = f"a node of level {fw.level_of(code)!r}" if code in fw.weight or code in fw.polarity else "not in the framework"
            raise UserError(f"target {code}: {where}; the targets at level {level!r} are for {', '.join(codes)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise UserError(f"target {code}={value!r}: a target is a number ≥ 0 (its relative importance)")
    raw = pd.Series([float(given.get(c, 1.0)) for c in codes], index=codes, dtype=float)
    if raw.sum() <= 0:
        raise UserError(f"every target at level {level!r} is 0: at least one must be positive")
    return raw / raw.sum()


def correlations(x: np.ndarray, y: np.ndarray, method: str) -> np.ndarray:
    """The correlation of each column of ``x`` (units × components) with ``y`` (units) over
    the units where both are present (Pearson, or Spearman: Pearson of the ranks, ties
    averaged); NaN where one of them is constant or fewer than 3 units remain."""
    from scipy.stats import rankdata

    ok = ~np.isnan(x) & ~np.isnan(y)[:, None]
    if ok.all():
        if method == "spearman":
            x, y = rankdata(x, axis=0), rankdata(y)
        return _pearson(x, np.broadcast_to(y[:, None], x.shape))
    out = np.full(x.shape[1], np.nan)
    for j in range(x.shape[1]):        # with missing values: each column over its own units
        xj, yj = x[ok[:, j], j], y[ok[:, j]]
        if len(xj) >= 3:
            if method == "spearman":
                xj, yj = rankdata(xj), rankdata(yj)
            out[j] = _pearson(xj[:, None], yj[:, None])[0]
    return out


def _pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    dx, dy = x - x.mean(axis=0), y - y.mean(axis=0)
    sx, sy = np.sqrt((dx * dx).sum(axis=0)), np.sqrt((dy * dy).sum(axis=0))
    scale = np.max(np.abs(x), axis=0) + np.max(np.abs(y), axis=0)
    constant = (sx <= 1e-12 * np.maximum(scale, 1e-300)) | (sy <= 1e-12 * np.maximum(scale, 1e-300))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (dx * dy).sum(axis=0) / (sx * sy)
    return np.where(constant, np.nan, np.clip(r, -1.0, 1.0))


def objective(targets: np.ndarray, corr: np.ndarray) -> float:
    """log(Σ_i (t_i − c_i/Σ_j c_j)² / n); +inf when a correlation is undefined or they sum to ≤ 0
    (the shares c_i/Σ_j c_j are then meaningless)."""
    total = corr.sum()
    if not np.isfinite(total) or total <= 0:
        return float("inf")
    msd = float(np.mean((targets - corr / total) ** 2))
    return float(np.log(msd)) if msd > 0 else float("-inf")


class Problem:
    """The index as a function of the weights of ``level``: the level's scores are computed
    once (nominally: these weights do not change them), the levels above re-aggregated for
    each weight vector with ``aggregate_all``."""

    def __init__(self, normalised: pd.DataFrame, fw: Framework, level: str, method: str = "pearson"):
        if method not in CORRELATIONS:
            raise UserError(f"correlation {method!r}: choose {' or '.join(CORRELATIONS)}")
        self.codes = components(fw, level)
        self.method = method
        k = fw.levels.index(level)
        if k == 0:
            scores = normalised
        else:
            scores = aggregate.aggregate_all(normalised, fw).scores
        present = [c for c in self.codes if c in scores.columns]      # screened indicators are not scored
        if len(present) < len(self.codes):
            gone = [c for c in self.codes if c not in present]
            raise UserError(f"level {level!r}: {', '.join(gone)} left out by the screening; their weights cannot be optimised")
        self.scores = scores[self.codes]
        self.x = self.scores.to_numpy(dtype=float)
        self.index_code = fw.index_code
        self.fw = fw
        self.tree = _Above(fw.levels[k:], fw.aggregation, fw.parent_of, fw.nominal_weights.copy(),
                           {lv: fw.level_codes(lv) for lv in fw.levels[k:]})
        self.nominal = fw.nominal_weights[self.codes].astype(float)
        self.total = float(self.nominal.sum())
        parents = fw.parent_of[self.codes]
        self.parent_members = [np.flatnonzero((parents == p).to_numpy()) for p in dict.fromkeys(parents)]
        self.evaluations = 0
        self.steps = self._steps(fw, k)

    def _steps(self, fw: Framework, k: int) -> list[tuple] | None:
        """Each level above as ``aggregate_all`` computes it: its aggregation, the members of each
        parent, the weights of its children (the level's own are replaced at each evaluation) and
        the order of its nodes; None when a level's weights depend on the values (``pca``): then
        every evaluation calls ``aggregate_all`` itself."""
        steps, children = [], self.codes
        for j, level in enumerate(fw.levels[k + 1:]):
            cfg = fw.aggregation[level]
            if cfg.weights not in ("yaml", "equal"):
                return None
            members = aggregate.Members(children, fw.parent_of)
            frame = pd.DataFrame(np.zeros((1, len(children))), columns=children)
            weights = WEIGHTS[cfg.weights](frame, fw.parent_of, fw.nominal_weights)[0].reindex(children).to_numpy(dtype=float)
            codes = fw.level_codes(level)
            if set(codes) != set(members.parents):
                return None
            steps.append((level, cfg, members, None if j == 0 else weights, [members.parents.index(c) for c in codes], children))
            children = codes
        return steps

    def index(self, weights: np.ndarray) -> np.ndarray:
        """The index with ``weights`` (in the order of ``codes``) at the level: the arithmetic of
        ``aggregate_all`` (``core.aggregate.combine``, level by level), equal to it to the last bit
        (tests/test_optimise.py)."""
        self.evaluations += 1
        if self.steps is None:
            return self._index_by_aggregate_all(weights)
        x = self.x
        for level, cfg, members, w, order, children in self.steps:
            out, _ = aggregate.combine(x, weights if w is None else w, cfg, members, level, children)
            x = out[:, order]
        return x[:, 0]

    def _index_by_aggregate_all(self, weights: np.ndarray) -> np.ndarray:
        w = self.tree.nominal_weights.copy()
        w[self.codes] = weights
        tree = _Above(self.tree.levels, self.tree.aggregation, self.tree.parent_of, w, self.tree.codes)
        return aggregate.aggregate_all(self.scores, tree).scores[self.index_code].to_numpy(dtype=float)

    def correlations(self, weights: np.ndarray) -> np.ndarray:
        """The correlation of each node with the index at ``weights``. The nodes' side (their
        ranks, their deviations from the mean) is computed once: only the index's changes."""
        y = self.index(weights)
        if self._centred is None or np.isnan(y).any():
            return correlations(self.x, y, self.method)
        if self.method == "spearman":
            from scipy.stats import rankdata

            y = rankdata(y)
        dy = y - y.mean()
        sy = np.sqrt((dy * dy).sum())
        if sy <= 1e-12 * max(float(np.max(np.abs(y))), 1e-300):
            return np.full(len(self.codes), np.nan)
        return np.clip((self._centred * dy[:, None]).sum(axis=0) / (self._spread * sy), -1.0, 1.0)

    @functools.cached_property
    def _centred(self) -> np.ndarray | None:
        """The nodes' scores (or ranks) minus their means; None with missing scores, or a constant node."""
        if np.isnan(self.x).any():
            return None
        from scipy.stats import rankdata

        x = rankdata(self.x, axis=0) if self.method == "spearman" else self.x
        dx = x - x.mean(axis=0)
        spread = np.sqrt((dx * dx).sum(axis=0))
        if (spread <= 1e-12 * np.maximum(np.max(np.abs(x), axis=0), 1e-300)).any():
            return None
        self._spread = spread
        return dx

    def feasible(self, weights: np.ndarray) -> bool:
        """Every parent keeps a child with a positive weight (the methodology's own rule)."""
        return all(weights[idx].sum() > 0 for idx in self.parent_members)


def optimise_weights(normalised: pd.DataFrame, fw: Framework, level: str, targets: Mapping[str, float] | None = None,
                     correlation: str = "pearson") -> Optimised:
    """The weights of ``level`` that best match the ``targets`` (code → relative importance;
    default: equal), from the normalised indicators ``normalised`` (what ``engine.prepare``
    gives and every run aggregates) and the framework ``fw``; see the module docstring."""
    from scipy.optimize import minimize

    problem = Problem(normalised, fw, level, correlation)
    t = targets_of(fw, level, targets).to_numpy()
    n, total = len(problem.codes), problem.total
    if total <= 0:
        raise UserError(f"every weight at level {level!r} is 0 in the methodology")
    nominal = problem.nominal.to_numpy()
    c0 = problem.correlations(nominal)
    undefined = [c for c, r in zip(problem.codes, c0) if not np.isfinite(r)]
    if undefined:
        raise UserError(f"level {level!r}: the correlation of {', '.join(undefined)} with the index is undefined "
                        f"(constant over the units, or too few units): importance cannot be matched")
    f0 = objective(t, c0)
    if not np.isfinite(f0) and f0 > 0:
        raise UserError(f"level {level!r}: the correlations with the index sum to ≤ 0 at the nominal weights: "
                        f"their shares, which the targets are matched to, are undefined")

    def weights_of(x: np.ndarray) -> np.ndarray:
        sq = x * x
        return total * sq / sq.sum() if sq.sum() > 0 else np.full(n, np.nan)

    def msd(x: np.ndarray) -> float:         # the objective before its log: the search stops on its spread
        w = weights_of(x)
        if not np.isfinite(w).all() or not problem.feasible(w):
            return float("inf")
        f = objective(t, problem.correlations(w))
        return float(np.exp(f)) if np.isfinite(f) else (0.0 if f < 0 else float("inf"))

    starts = [nominal / total]
    if not np.allclose(t, starts[0], rtol=0, atol=1e-12):
        starts.append(t)
    best: tuple[float, np.ndarray, bool] | None = None
    for start in starts:
        x = np.sqrt(start)
        fx, converged = msd(x), False
        for _ in range(RESTARTS):        # restarted from its best point until a search gains nothing
            res = minimize(msd, x, method="Nelder-Mead",
                           options={"xatol": XATOL, "fatol": FATOL, "maxfev": MAXFEV * n, "adaptive": n > 3})
            gain, converged = fx - float(res.fun), bool(res.success)
            if gain > 0:
                x, fx = res.x, float(res.fun)
            if gain <= FATOL:
                break
        if best is None or fx < best[0]:
            best = (fx, x, converged)
    assert best is not None
    w = np.round(weights_of(best[1]), DECIMALS)
    if not problem.feasible(w):      # a parent's children all rounded to 0: keep the nominal weights
        w = nominal
    c = problem.correlations(w)
    f = objective(t, c)
    if f > f0:                        # never worse than where it started
        w, c, f = nominal, c0, f0
    idx = pd.Index(problem.codes, name="code")
    return Optimised(level, correlation, pd.Series(t, index=idx), pd.Series(nominal, index=idx),
                     pd.Series(w, index=idx), pd.Series(c0, index=idx), pd.Series(c, index=idx),
                     f0, f, problem.evaluations, best[2])
