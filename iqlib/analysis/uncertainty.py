"""Uncertainty analysis of the ranks, vectorised over replications.

The uncertain inputs (``edition.uncertainty``) are weight noise per level and discrete
alternatives for imputation, treatment, normalisation and each level's aggregation. A
replication is one row u of a sample matrix U with values in [0, 1): a discrete input
takes alternative ⌊u·k⌋ of its k; a weight w of a noisy level becomes w·(1 + f·(2u − 1)).

Nothing re-runs the pipeline per replication. Each combination of discrete alternatives
is prepared once (imputed, treated, normalised; its nominal weights and its
aggregation methods), then all replications drawing that combination are aggregated
together as (replications × cities × children) arrays, ``batch`` replications at a time,
by the same arithmetic as the nominal run (``aggregate.combine``). With no noise and
the nominal alternatives a replication reproduces the nominal scores bit for bit.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from iqlib.config.methods import describe
from iqlib.core import aggregate, engine
from iqlib.core.errors import UserError
from iqlib.core.ranking import tie_ranks, tie_ranks_within

DISCRETE = ["imputation", "treatment", "normalisation"]


@dataclass(frozen=True)
class Input:
    """One uncertain input and the columns of the sample matrix it reads."""

    name: str                  # weights.<level>, imputation, treatment, normalisation, aggregation.<level>
    start: int
    columns: int
    noise: float = 0.0         # weight inputs
    alternatives: tuple = ()   # discrete inputs; "nominal" = the methodology's choice


def inputs_of(u, meth) -> list[Input]:
    """The uncertain inputs in a fixed order: weights by level, then the discrete ones."""
    out, start = [], 0
    for level in meth.levels[:-1]:
        if level in u.weights:
            n = len(meth.indicator_codes()) if level == meth.levels[0] else len(meth.level_codes(level))
            out.append(Input(f"weights.{level}", start, n, noise=u.weights[level]))
            start += n
    named = [(name, getattr(u, name)) for name in DISCRETE]
    named += [(f"aggregation.{level}", u.aggregation.get(level)) for level in meth.levels[1:]]
    for name, alts in named:
        if alts:
            out.append(Input(name, start, 1, alternatives=tuple(alts)))
            start += 1
    return out


def inputs_table(inputs: list[Input]) -> pd.DataFrame:
    """What varies: one row per weight level (its noise) and per discrete alternative."""
    rows = []
    for inp in inputs:
        if inp.alternatives:
            rows += [{"input": inp.name, "alternative": i, "setting": describe(a)}
                     for i, a in enumerate(inp.alternatives)]
        else:
            rows.append({"input": inp.name, "alternative": pd.NA,
                         "setting": f"w·(1 + {inp.noise:g}·(2u − 1)), {inp.columns} weights"})
    return pd.DataFrame(rows, columns=["input", "alternative", "setting"]).astype({"alternative": "Int64"})


class Model:
    """The ranking as a function of a sample matrix U (replications × columns)."""

    def __init__(self, values: pd.DataFrame, cities: pd.DataFrame, meth, u, bounds: dict | None = None):
        self.meth, self.u, self.bounds = meth, u, bounds
        self.values = values[meth.indicator_codes()]
        self.cities = cities
        self.inputs = inputs_of(u, meth)
        self.columns = sum(i.columns for i in self.inputs)
        by_name = {i.name: i for i in self.inputs}
        # every discrete choice in a fixed order, with its input (None: not varied, always nominal)
        self.discrete = [(n, by_name.get(n)) for n in DISCRETE + [f"aggregation.{lv}" for lv in meth.levels[1:]]]
        self.noise = {i.name.removeprefix("weights."): i for i in self.inputs if not i.alternatives}  # level → input
        self.groups = cities.set_index("city_id").loc[values.index, "group"].to_numpy()
        parent_of = pd.Series({n.code: n.parent for n in [*meth.indicators, *meth.aggregates] if n.parent})
        self.levels = []  # per aggregating level: children, their members, the order of the parents
        children = meth.indicator_codes()
        for level in meth.levels[1:]:
            members = aggregate.Members(children, parent_of)
            order = meth.level_codes(level)
            self.levels.append((level, children, members, np.array([members.parents.index(c) for c in order])))
            children = order
        self._prepared: dict = {}
        self._steps: dict = {}  # imputed and treated values per alternative
        self._combos: dict = {}
        nominal = self.nominal()
        self.nominal_scores = nominal[0]
        self.nominal_in_group, self.nominal_overall = (r[0] for r in self.ranks(nominal))

    # --- discrete combinations, each prepared once
    def choices(self, U: np.ndarray) -> np.ndarray:
        """Alternative index of every discrete input (replications × inputs); 0 where fixed."""
        cols = []
        for _, inp in self.discrete:
            k = len(inp.alternatives) if inp else 1
            cols.append(np.zeros(len(U), np.int64) if inp is None else
                        np.minimum((U[:, inp.start] * k).astype(np.int64), k - 1))
        return np.column_stack(cols)

    def _chosen(self, key: tuple[int, ...]) -> tuple:
        """The alternatives of a combination; None where it is the methodology's own."""
        alts = [inp.alternatives[k] if inp else "nominal" for (_, inp), k in zip(self.discrete, key)]
        return tuple(None if a == "nominal" else a for a in alts)

    def _combo(self, chosen: tuple):
        """Normalised values, aggregation methods and nominal weights of a combination,
        computed once. Weights are the methodology's (``yaml``), equal, or — for ``pca`` —
        those of the combination's own nominal run."""
        key = tuple(describe(c or "nominal") for c in chosen)
        if key in self._combos:
            return self._combos[key]
        meth, by = self.meth, dict(zip([n for n, _ in self.discrete], chosen))
        if key[:3] not in self._prepared:
            self._prepared[key[:3]] = engine.prepare(self.values, self.cities, meth, self.bounds,
                                                     *chosen[:3], cache=self._steps)[-1]
        normalised = self._prepared[key[:3]]
        cfgs = {lv: by[f"aggregation.{lv}"] or meth.scoring.aggregation[lv] for lv in meth.levels[1:]}
        weights = {}
        if any(c.weights == "pca" for c in cfgs.values()):
            varied = meth.model_copy(update={"scoring": meth.scoring.model_copy(update={"aggregation": cfgs})})
            table = aggregate.aggregate_all(normalised, varied)["weights"]
        for level, children, _, _ in self.levels:
            if cfgs[level].weights == "pca":
                weights[level] = table.loc[table["level"] == level].set_index("child")["weight"][children].to_numpy()
            elif cfgs[level].weights == "equal":
                weights[level] = np.ones(len(children))
            else:
                weights[level] = np.array([float(meth.node(c).weight) for c in children])
        self._combos[key] = (normalised.to_numpy(dtype=float), cfgs, weights)
        return self._combos[key]

    def _describe_combo(self, chosen: tuple) -> str:
        named = [f"{n}={describe(c)}" for (n, _), c in zip(self.discrete, chosen) if c is not None]
        return ", ".join(named) or "nominal"

    def _noisy(self, level: str, w: np.ndarray, Ub: np.ndarray | None) -> np.ndarray:
        """Weights of the children on ``level``, perturbed per replication (replications × 1 × children)."""
        inp = self.noise.get(level)
        if inp is None or Ub is None:
            return w
        u = Ub[:, inp.start:inp.start + inp.columns]
        return (w * (1.0 + inp.noise * (2.0 * u - 1.0)))[:, None, :]

    def _evaluate(self, chosen: tuple, Ub: np.ndarray | None) -> np.ndarray:
        """Index scores (replications × cities) of one combination; Ub None: no noise."""
        try:
            x, cfgs, weights = self._combo(chosen)
            current, below = x, self.meth.levels[0]
            for level, children, members, order in self.levels:
                w = self._noisy(below, weights[level], Ub)
                out, _ = aggregate.combine(current, w, cfgs[level], members, level, children)
                current, below = out[..., order], level
        except UserError as exc:
            raise UserError(f"uncertainty: the combination {self._describe_combo(chosen)} "
                            f"cannot be computed: {exc}") from None
        index = current[..., 0]
        return np.broadcast_to(index, (1 if Ub is None else len(Ub), index.shape[-1]))

    def nominal(self) -> np.ndarray:
        """The methodology's own index scores (1 × cities)."""
        return self._evaluate((None,) * len(self.discrete), None).copy()

    def check(self) -> int:
        """Compute every combination of discrete alternatives once (nominal weights), so a
        combination that cannot be computed is found before any replication; returns how many."""
        sizes = [len(inp.alternatives) if inp else 1 for _, inp in self.discrete]
        for key in itertools.product(*map(range, sizes)):
            self._evaluate(self._chosen(key), None)
        return int(np.prod(sizes))

    def scores(self, U: np.ndarray) -> np.ndarray:
        """Index scores (replications × cities) for every row of U."""
        keys = self.choices(U)
        combos, which = np.unique(keys, axis=0, return_inverse=True)
        which = which.ravel()
        out = np.empty((len(U), len(self.values)))
        for j, key in enumerate(map(tuple, combos)):
            rows = np.flatnonzero(which == j)
            for start in range(0, len(rows), self.u.batch):
                part = rows[start:start + self.u.batch]
                out[part] = self._evaluate(self._chosen(key), U[part])
        return out

    def ranks(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ranks within group and overall (1 = best, ties within ranking.TIE_RTOL share the lowest
        rank, as in the nominal run; NaN score → NaN rank)."""
        missing = np.isnan(S)
        key = np.where(missing, np.inf, -S)
        overall = tie_ranks(key)
        in_group = tie_ranks_within(key, self.groups)
        overall[missing] = np.nan
        in_group[missing] = np.nan
        return in_group, overall


def sample(model: Model, replications: int, seed: int) -> np.ndarray:
    """Monte Carlo sample matrix (replications × columns), seeded."""
    return np.random.default_rng([seed, 0]).random((replications, model.columns))


def intervals(ranks: np.ndarray, nominal: np.ndarray, interval: tuple[float, float]) -> dict[str, np.ndarray]:
    """Median and percentile ranks per city (the 'inverted_cdf' percentile: an observed
    rank r such that the given share of replications ranks the city r or better), and
    whether the nominal rank lies outside the interval."""
    lo, hi = interval
    with warnings.catch_warnings():  # a city never ranked (its index always missing) stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        q = np.nanquantile(ranks, [0.5, lo / 100, hi / 100], axis=0, method="inverted_cdf")
    return {"median": q[0], "low": q[1], "high": q[2], "outside": (nominal < q[1]) | (nominal > q[2])}


def interval_columns(interval: tuple[float, float], scope: str = "in_group") -> tuple[str, str]:
    """Names of the low and high percentile columns of uncertainty.csv (p5_in_group, p95_in_group)."""
    return f"p{interval[0]:g}_{scope}", f"p{interval[1]:g}_{scope}"


def analyse(model: Model, cities: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Per city: nominal, median and interval ranks within group and overall, and the flag."""
    u = model.u
    in_group, overall = model.ranks(model.scores(sample(model, u.replications, seed)))
    roster = cities.set_index("city_id").loc[model.values.index]
    table = pd.DataFrame({"city_id": model.values.index, "city_ru": roster["city_ru"].to_numpy(),
                          "group": model.groups})
    for scope, ranks, nominal in [("in_group", in_group, model.nominal_in_group),
                                  ("overall", overall, model.nominal_overall)]:
        s = intervals(ranks, nominal, u.interval)
        lo, hi = interval_columns(u.interval, scope)
        table[f"rank_{scope}"] = pd.array(nominal, dtype="Int64")
        table[f"median_{scope}"] = pd.array(s["median"], dtype="Int64")
        table[lo] = pd.array(s["low"], dtype="Int64")
        table[hi] = pd.array(s["high"], dtype="Int64")
        table[f"outside_{scope}"] = s["outside"]
    return table
