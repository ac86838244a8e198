"""Uncertainty analysis of the ranks, vectorised over replications.

The uncertain inputs (``edition.uncertainty``) are weight noise per level and discrete
alternatives for imputation, treatment, normalisation and the aggregation: drawn per level
(``{direction: [...], index: [...]}``) or linked, one draw for several levels
(``{levels: all, alternatives: [...]}``). A replication is one row u of a sample matrix U
with values in [0, 1): a discrete input takes alternative ⌊u·k⌋ of its k; a weight w of a
noisy level becomes w·(1 + f·(2u − 1)).

Nothing re-runs the pipeline per replication, and nothing here re-implements a step of it.
Only the combinations of discrete alternatives that a sample actually draws are prepared,
once each, by the pipeline's own step functions with the scopes resolved as the pipeline
resolves them: each imputation rule drawn once (``engine.screened_and_imputed``, the
nominal run's screening held); each treatment drawn column by column
(``treat.treat_column``), once per distinct column (``treat.Cache``: equal values
treated once, the JRC rule's runs shared between ``winmax`` values where the rule makes
them equal); and every distinct treated column under every normalisation drawn in one
``normalise.normalise`` call (a normalisation works column by column: a column's result
does not depend on its neighbours, and a column that a treatment leaves unchanged is
normalised once for all treatments). Then the replications drawing a combination are
aggregated together as (replications × cities × children) arrays, ``Model.batch``
replications at a time (at most ``batch``, fewer for many cities), by the same arithmetic as
the nominal run (``aggregate.combine``); combinations
drawn by fewer than ``STACK`` replications are aggregated together with the others of the
same aggregation methods, each replication with its own combination's values. With no
noise and the nominal alternatives a replication reproduces the nominal scores bit for
bit, and every combination gives the scores of ``engine.compute`` with its alternatives
(``tests/test_model_pipeline.py`` checks it for every registered method and scope).

Memory grows with cities × indicators, not with replications: scores are computed a batch
at a time (``Model.parts``) and ranked a chunk of rows at a time (``Model.rank_parts``); what
is kept of every replication is its ranks, 2 bytes each (``compact``), which the exact
percentiles need; they are read a block of cities at a time (``intervals``). None of this
changes a bit: an element's arithmetic does not depend on its batch, a row's ranks on the
other rows, nor a city's percentiles on the other cities.

What is specific to the replications lives here: drawing, caching the combinations drawn,
aggregating the replications, ranks and percentiles (Sobol indices: ``sensitivity``, which
does not import this module).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, Union

import numpy as np
import pandas as pd
from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from iqlib.analysis.sensitivity import Sensitivity
from iqlib.core import aggregate, engine, normalise, roster, treat
from iqlib.core.aggregate import Aggregation
from iqlib.core.errors import UserError
from iqlib.core.framework import Framework
from iqlib.core.impute import MissingRule
from iqlib.core.normalise import Bounds, NormalisationChoice
from iqlib.core.ranking import tie_ranks, tie_ranks_within
from iqlib.core.registry import Strict, describe
from iqlib.core.treat import Treatment, TreatmentChoice

DISCRETE = ["imputation", "treatment", "normalisation"]
STACK = 32  # combinations drawn by fewer replications are aggregated together
ELEMENTS = 2 ** 21  # values in one batch's (replications × cities × indicators) array, and in one chunk of
# ranks (replications × cities): what bounds the working memory, whatever the number of cities


def _or_nominal(choice: Any) -> Any:
    """``nominal`` or a ``choice``; a bad entry reports only the choice's error."""
    return Annotated[Union[Annotated[Literal["nominal"], Tag("nominal")], Annotated[choice, Tag("choice")]],
                     Discriminator(lambda v: "nominal" if v == "nominal" else "choice")]


class LinkedAggregation(Strict):
    """One draw of the aggregation for several levels at once: alternative j is used on
    every level named (``nominal``: each level's own method), as COINr's ``f_ag``."""

    levels: Literal["all"] | list[str] = Field("all", description="the aggregating levels the draw applies to")
    alternatives: list[_or_nominal(Aggregation)] = Field(min_length=1)  # type: ignore[valid-type]

    @field_validator("levels")
    @classmethod
    def _distinct(cls, levels: str | list[str]) -> str | list[str]:
        if isinstance(levels, list) and (not levels or len(set(levels)) < len(levels)):
            raise ValueError("name each level once (or 'all')")
        return levels

    def of(self, aggregating: list[str] | tuple[str, ...]) -> list[str]:
        """The levels linked, in the framework's order."""
        return list(aggregating) if self.levels == "all" else [lv for lv in aggregating if lv in self.levels]


def _aggregation_form(v: Any) -> str:
    """A mapping with ``levels`` or ``alternatives`` is the linked form; else per level."""
    linked = isinstance(v, LinkedAggregation) or (isinstance(v, dict) and bool({"levels", "alternatives"} & set(v)))
    return "linked" if linked else "per_level"


if TYPE_CHECKING:  # what the code sees: a mapping level → alternatives, or the linked form
    AggregationInputs = dict[str, list[Any]] | LinkedAggregation
else:             # what pydantic validates: the form chosen by its keys, each reporting its own errors
    AggregationInputs = Annotated[
        Union[Annotated[dict[str, list[_or_nominal(Aggregation)]], Tag("per_level")],
              Annotated[LinkedAggregation, Tag("linked")]],
        Discriminator(_aggregation_form)]


class Uncertainty(Strict):
    """The uncertain inputs of the ranking and how many replications to draw.

    ``weights``: per level of the weighted nodes (e.g. indicator, direction), the noise
    factor f: each weight becomes w·(1 + f·(2u − 1)), u uniform on [0, 1). The discrete
    inputs are lists of alternatives drawn with equal probability; ``nominal`` is the
    methodology's own choice, any other entry replaces the choice for every indicator
    (or, for ``aggregation``, for the level named; or, linked, for every level it names)."""

    replications: int = Field(2000, ge=10, le=1_000_000)
    seed: int | None = Field(None, ge=0, description="default: the edition's seed")
    batch: int = Field(1000, ge=1, description="replications evaluated at once (bounds memory)")
    interval: tuple[float, float] = Field((5.0, 95.0), description="percentiles of the rank interval")
    weights: dict[str, float] = Field(default_factory=dict)
    imputation: list[_or_nominal(MissingRule)] | None = Field(None, min_length=1)  # type: ignore[valid-type]
    treatment: list[_or_nominal(TreatmentChoice)] | None = Field(None, min_length=1)  # type: ignore[valid-type]
    normalisation: list[_or_nominal(NormalisationChoice)] | None = Field(None, min_length=1)  # type: ignore[valid-type]
    aggregation: AggregationInputs = Field(default_factory=dict)
    sensitivity: Sensitivity | None = None

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        lo, hi = self.interval
        if not 0 <= lo < hi <= 100:
            raise ValueError(f"interval must be two percentiles 0 ≤ low < high ≤ 100, not {list(self.interval)}")
        for level, f in self.weights.items():
            if not 0 <= f < 1:
                raise ValueError(f"weights.{level}: the noise factor must be in [0, 1), not {f}")
        if isinstance(self.aggregation, dict):
            for level, alts in self.aggregation.items():
                if not alts:
                    raise ValueError(f"aggregation.{level}: give at least one alternative")
        if not (self.weights or self.imputation or self.treatment or self.normalisation or self.aggregation):
            raise ValueError("name at least one uncertain input (weights, imputation, treatment, "
                             "normalisation or aggregation)")
        return self

    def aggregation_levels(self, aggregating: list[str] | tuple[str, ...]) -> dict[str, list]:
        """Per aggregating level, its alternatives (per level or linked)."""
        if isinstance(self.aggregation, LinkedAggregation):
            return {lv: self.aggregation.alternatives for lv in self.aggregation.of(aggregating)}
        return {lv: alts for lv, alts in self.aggregation.items()}

    def aggregation_alternatives(self, name: str) -> list:
        """The alternatives of the input ``aggregation.<name>``: a level, or the linked
        levels joined by '+'."""
        if isinstance(self.aggregation, LinkedAggregation):
            return self.aggregation.alternatives
        return self.aggregation[name]


@dataclass(frozen=True)
class Input:
    """One uncertain input and the columns of the sample matrix it reads."""

    name: str                  # weights.<level>, imputation, treatment, normalisation, aggregation.<level>
    start: int
    columns: int
    noise: float = 0.0         # weight inputs
    alternatives: tuple = ()   # discrete inputs; "nominal" = the methodology's choice


def inputs_of(u: Uncertainty, fw: Framework) -> list[Input]:
    """The uncertain inputs in a fixed order: weights by level, then the discrete ones."""
    out, start = [], 0
    for level in fw.levels[:-1]:
        if level in u.weights:
            n = len(fw.level_codes(level))
            out.append(Input(f"weights.{level}", start, n, noise=u.weights[level]))
            start += n
    named = [(name, getattr(u, name)) for name in DISCRETE]
    if isinstance(u.aggregation, LinkedAggregation):
        named.append((f"aggregation.{'+'.join(u.aggregation.of(fw.levels[1:]))}", u.aggregation.alternatives))
    else:
        named += [(f"aggregation.{level}", u.aggregation.get(level)) for level in fw.levels[1:]]
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
    """The ranking as a function of a sample matrix U (replications × columns).

    ``fw.screening`` is applied as the nominal run applies it, and the units and indicators
    it keeps are held in every replication (screening decides what is ranked; it is not an
    uncertain input): before imputation, each imputation rule sees the units kept; after
    it, every unit, the screened ones being left out afterwards — as in the pipeline."""

    def __init__(self, values: pd.DataFrame, cities: pd.DataFrame, fw: Framework, u: Uncertainty,
                 bounds: Bounds | None = None):
        # the values as read, the framework with its screening, and what the nominal screening keeps
        self._source, self._source_fw, self._kept = values, fw, engine.kept(values, cities, fw)
        if self._kept is not None:
            fw = replace(fw.without_indicators(set(fw.indicator_codes()) - set(self._kept.indicators)),
                         screening=None)
            values = values.loc[self._kept.units]
        self.fw, self.u, self.bounds = fw, u, bounds
        self.values = values[fw.indicator_codes()].copy()  # the units and indicators scored
        self.cities = cities
        self.inputs = inputs_of(u, fw)
        self.columns = sum(i.columns for i in self.inputs)
        by_name = {i.name: i for i in self.inputs}
        if isinstance(u.aggregation, LinkedAggregation):  # one input, one column, read by each level it links
            linked = next(i for i in self.inputs if i.name.startswith("aggregation."))
            by_name.update({f"aggregation.{lv}": linked for lv in u.aggregation.of(fw.levels[1:])})
        # every discrete choice in a fixed order, with its input (None: not varied, always nominal)
        self.discrete = [(n, by_name.get(n)) for n in DISCRETE + [f"aggregation.{lv}" for lv in fw.levels[1:]]]
        self.noise = {i.name.removeprefix("weights."): i for i in self.inputs if not i.alternatives}  # level → input
        self._group = roster.column(cities, self.values.index)
        self.groups = self._group.to_numpy()
        self.levels = []  # per aggregating level: children, their members, the order of the parents
        children = fw.indicator_codes()
        for level in fw.levels[1:]:
            members = aggregate.Members(children, fw.parent_of)
            order = fw.level_codes(level)
            self.levels.append((level, children, members, np.array([members.parents.index(c) for c in order])))
            children = order
        # per discrete choice, each alternative's key (its one-line description), computed once
        self._keys = [[describe(a) for a in inp.alternatives] if inp else ["nominal"] for _, inp in self.discrete]
        self._codes = fw.indicator_codes()
        self._polarity = fw.polarities()
        # the scopes of every treatment and normalisation, resolved as the pipeline resolves them
        self._positions = treat.positions(self._group, self.values.index)
        alternatives = [a for a in (u.normalisation or []) if a != "nominal"]
        self._roster_scopes = normalise.roster_scopes(cities, self.values.index,
                                                      [*fw.normalisation.values(), *alternatives])
        self._treatments = treat.Cache()                          # treated vectors by values and treatment
        self._imputed: dict[str, np.ndarray] = {}                 # imputation key → cities × indicators
        self._treated: dict[tuple[str, str], list[int]] = {}      # (imputation, treatment) → column versions
        self._versions: dict[tuple[int, bytes], int] = {}         # (indicator, values) → version
        self._columns: list[tuple[int, np.ndarray]] = []          # version → (indicator, values)
        self._normalised: dict[tuple[Any, int], np.ndarray] = {}  # (normalisation, version) → values
        self._prepared: dict[tuple[str, ...], np.ndarray] = {}    # (imputation, treatment, normalisation) → array
        self._combos: dict = {}
        self._yaml_weights = {level: np.array([fw.weight[c] for c in children], dtype=float)
                              for level, children, _, _ in self.levels}  # fw.nominal_weights[children]

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

    def _key(self, key: tuple[int, ...]) -> tuple[str, ...]:
        """A combination by the description of its alternatives (equal alternatives, equal keys)."""
        return tuple(keys[k] for keys, k in zip(self._keys, key))

    # --- the indicator-level steps, for the combinations drawn only, by the pipeline's functions
    def _impute(self, name: str, rule: str | None) -> np.ndarray:
        """Imputed values (cities × indicators) under one rule (None: the methodology's),
        screened as the nominal run was (``engine.screened_and_imputed``)."""
        if name not in self._imputed:
            imputed = engine.screened_and_imputed(self._source, self.cities, self._source_fw, rule, self._kept,
                                                  missing_table=False)[0]
            self._imputed[name] = imputed[self._codes].to_numpy(dtype=float)
        return self._imputed[name]

    def _version(self, j: int, x: np.ndarray) -> int:
        """The version number of indicator j's values x (equal values, one version)."""
        key = (j, x.tobytes())
        if key not in self._versions:
            self._versions[key] = len(self._columns)
            self._columns.append((j, x))
        return self._versions[key]

    def _treat(self, names: tuple[str, str], imputation: str | None, treatment: Treatment | None) -> list[int]:
        """The version of every indicator after imputation and treatment, each column treated
        by ``treat.treat_column`` in the scopes ``treat.treat`` gives it (without the
        summary tables), equal values treated once."""
        if names not in self._treated:
            imputed = self._impute(names[0], imputation)
            versions = []
            for j, code in enumerate(self._codes):
                cfg = treatment or self.fw.treatment[code]
                x = imputed[:, j]
                if cfg.method != "none":  # as treat.treat: no treatment leaves the values as they are
                    x = treat.treat_column(x, cfg, treat.scopes_of(cfg, self._positions), self._treatments,
                                           summary=False)[0]
                versions.append(self._version(j, x))
            self._treated[names] = versions
        return self._treated[names]

    def _normalise(self, todo: list[tuple[Any, int]]) -> None:
        """Normalise, in one ``normalise.normalise`` call, every (configuration, column
        version) not yet normalised, with the scopes the pipeline gives them."""
        todo = [t for t in dict.fromkeys(todo) if t not in self._normalised]
        if not todo:
            return
        seen: dict[int, int] = {}
        codes, labels = [], []
        for _, v in todo:  # an indicator's first column keeps its code (error messages name it)
            j = self._columns[v][0]
            seen[j] = seen.get(j, 0) + 1
            codes.append(self._codes[j])
            labels.append(self._codes[j] if seen[j] == 1 else f"{self._codes[j]}\x00{seen[j]}")
        polarity = pd.Series(self._polarity.reindex(codes).to_numpy(), index=labels)
        bounds = self.bounds
        if bounds is not None and labels != codes:
            bounds = Bounds(bounds.group_max.reindex(columns=codes).set_axis(labels, axis=1),
                            bounds.max.reindex(codes).set_axis(labels))
        by_cfg: dict[Any, list[int]] = {}
        for k, (cfg, _) in enumerate(todo):
            by_cfg.setdefault(cfg, []).append(k)
        for cfg, ks in by_cfg.items():  # a frame per configuration: normalised in one call, without a copy
            cols = [labels[k] for k in ks]
            frame = pd.DataFrame(np.array([self._columns[todo[k][1]][1] for k in ks]).T, index=self.values.index,
                                 columns=cols)
            out = normalise.normalise(frame, polarity, dict.fromkeys(cols, cfg), self._group, bounds,
                                      self._roster_scopes).to_numpy(dtype=float)
            for i, k in enumerate(ks):
                self._normalised[todo[k]] = out[:, i]

    def _prepare(self, combos: list[tuple[tuple[str, ...], tuple]]) -> None:
        """Normalised values of the (imputation, treatment, normalisation) part of each
        combination (key, alternatives); every column of every normalisation in one call."""
        todo = {key[:3]: chosen[:3] for key, chosen in combos if key[:3] not in self._prepared}
        columns = {}
        for names, chosen in todo.items():
            versions = self._treat((names[0], names[1]), *chosen[:2])
            columns[names] = [(chosen[2] or self.fw.normalisation[code], v) for code, v in zip(self._codes, versions)]
        self._normalise([c for cs in columns.values() for c in cs])
        for names, cs in columns.items():  # column-major, as a normalised DataFrame's array: numpy adds
            # a row's weighted children in an order that depends on the layout (the last bit)
            self._prepared[names] = np.array([self._normalised[c] for c in cs]).T

    def _combo(self, chosen: tuple, key: tuple[str, ...] | None = None) -> tuple[np.ndarray, dict[str, Aggregation],
                                                                                dict[str, np.ndarray]]:
        """Normalised values, aggregation methods and nominal weights of a combination,
        computed once. Weights are the methodology's (``yaml``), equal, or — for ``pca`` —
        those of the combination's own nominal run."""
        key = key or tuple(describe(c or "nominal") for c in chosen)
        if key in self._combos:
            return self._combos[key]
        fw, by = self.fw, dict(zip([n for n, _ in self.discrete], chosen))
        self._prepare([(key, chosen)])
        normalised = self._prepared[key[:3]]
        cfgs = {lv: by[f"aggregation.{lv}"] or fw.aggregation[lv] for lv in fw.levels[1:]}
        weights, table = {}, None
        for level, children, _, _ in self.levels:
            if cfgs[level].weights == "yaml":
                weights[level] = self._yaml_weights[level]
                continue
            if table is None:  # equal, PCA or any other rule: as the nominal run of this combination
                frame = pd.DataFrame(normalised, index=self.values.index, columns=self._codes)
                table = aggregate.aggregate_all(frame, fw.with_aggregation(cfgs)).weights
            weights[level] = table.loc[table["level"] == level].set_index("child")["weight"][children].to_numpy()
        self._combos[key] = (normalised, cfgs, weights)
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

    def _evaluate(self, chosen: tuple, Ub: np.ndarray | None, key: tuple[str, ...] | None = None) -> np.ndarray:
        """Index scores (replications × cities) of one combination; Ub None: no noise."""
        try:
            x, cfgs, weights = self._combo(chosen, key)
            current, below = x, self.fw.levels[0]
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
        return self._evaluate(*self._nominal_combo()).copy()

    def _nominal_combo(self) -> tuple[tuple, None, tuple[str, ...]]:
        return (None,) * len(self.discrete), None, ("nominal",) * len(self.discrete)

    @cached_property
    def nominal_scores(self) -> np.ndarray:
        """The nominal index scores (cities), computed when first needed (after a sample's
        combinations, it is prepared with them)."""
        return self.nominal()[0]

    @cached_property
    def _nominal_ranks(self) -> tuple[np.ndarray, np.ndarray]:
        in_group, overall = self.ranks(self.nominal_scores[None, :])
        return in_group[0], overall[0]

    @property
    def nominal_in_group(self) -> np.ndarray:
        return self._nominal_ranks[0]

    @property
    def nominal_overall(self) -> np.ndarray:
        return self._nominal_ranks[1]

    def combinations(self) -> list[tuple[int, ...]]:
        """Every combination of discrete alternatives a replication can draw (as ``choices``
        gives them): the product over the discrete inputs, a linked input counted once."""
        drawn = list({inp.start: inp for _, inp in self.discrete if inp}.values())
        keys = []
        for pick in itertools.product(*(range(len(inp.alternatives)) for inp in drawn)):
            at = {inp.start: k for inp, k in zip(drawn, pick)}
            keys.append(tuple(at[inp.start] if inp else 0 for _, inp in self.discrete))
        return keys

    def check(self) -> int:
        """Compute every combination of discrete alternatives once (nominal weights), so a
        combination that cannot be computed is found before any replication; returns how many."""
        keys = self.combinations()
        combos = [(self._key(key), self._chosen(key)) for key in keys]
        self._prepare_together(combos)
        for key, chosen in combos:
            self._evaluate(chosen, None, key)
        return len(keys)

    @property
    def batch(self) -> int:
        """Replications aggregated at once: at most ``u.batch``, fewer when cities × indicators
        is large, so that a batch's (replications × cities × indicators) array holds at most
        ``ELEMENTS`` values. An element's arithmetic does not depend on the batch it is in."""
        return max(1, min(self.u.batch, ELEMENTS // max(1, self.values.size)))

    def scores(self, U: np.ndarray) -> np.ndarray:
        """Index scores (replications × cities) for every row of U."""
        out = np.empty((len(U), len(self.values)))
        for rows, part in self.parts(U):
            out[rows] = part
        return out

    def parts(self, U: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Index scores of the rows of U a batch at a time: (row numbers, scores (rows × cities)),
        every row once, in the order the combinations are evaluated. Memory: one batch."""
        keys = self.choices(U)
        combos, which = np.unique(keys, axis=0, return_inverse=True)
        which = which.ravel()
        drawn = [(self._key(key), self._chosen(key)) for key in map(tuple, combos)]
        nominal, _, name = self._nominal_combo()
        self._prepare_together([*drawn, (name, nominal)])
        counts = np.bincount(which, minlength=len(drawn))
        few = [j for j in range(len(drawn)) if counts[j] < STACK]
        try:
            yield from self._evaluate_stacked(drawn, few, which, U)
        except UserError:
            few = []  # evaluated one by one below, in order: the error names the first that fails
        for j, (key, chosen) in enumerate(drawn):
            if few and j in few:
                continue
            rows = np.flatnonzero(which == j)
            for start in range(0, len(rows), self.batch):
                part = rows[start:start + self.batch]
                yield part, self._evaluate(chosen, U[part], key)

    def rank_parts(self, U: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Ranks of the rows of U, within group and overall, a chunk of rows at a time (row
        numbers, in_group, overall): the batches' scores gathered into chunks of about
        ``ELEMENTS`` values and ranked together (a row's ranks depend on that row only)."""
        chunk = max(1, ELEMENTS // max(1, len(self.values)))
        rows: list[np.ndarray] = []
        scores: list[np.ndarray] = []
        held = 0
        for part, s in self.parts(U):
            rows.append(part)
            scores.append(np.asarray(s))
            held += len(part)
            if held >= chunk:
                at, together = np.concatenate(rows), np.concatenate(scores)
                rows, scores, held = [], [], 0
                yield (at, *self.ranks(together))
        if rows:
            at, together = np.concatenate(rows), np.concatenate(scores)
            yield (at, *self.ranks(together))

    def _evaluate_stacked(self, drawn: list, few: list[int], which: np.ndarray,
                          U: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The combinations drawn by few replications, aggregated together: those sharing
        their aggregation methods and weights in one (replications × cities × children)
        array, each replication with its combination's normalised values. Every element
        is computed as for that combination alone (the same values, weights and order)."""
        groups: dict[tuple, list[int]] = {}
        for j in few:
            key, chosen = drawn[j]
            _, cfgs, weights = self._combo(chosen, key)
            same = tuple(id(weights[level]) for level, _, _, _ in self.levels)
            groups.setdefault((key[len(DISCRETE):], same), []).append(j)
        for js in groups.values():
            combos = [self._combo(drawn[j][1], drawn[j][0]) for j in js]
            _, cfgs, weights = combos[0]
            rows = np.flatnonzero(np.isin(which, js))
            pick = np.searchsorted(js, which[rows])
            for start in range(0, len(rows), self.batch):
                part, at = rows[start:start + self.batch], pick[start:start + self.batch]
                n, k = combos[0][0].shape
                x = np.empty((len(part), k, n)).transpose(0, 2, 1)  # each replication's values column-major
                for i, (values, _, _) in enumerate(combos):
                    x[at == i] = values
                current, below = x, self.fw.levels[0]
                for level, children, members, order in self.levels:
                    w = self._noisy(below, weights[level], U[part])
                    result, _ = aggregate.combine(current, w, cfgs[level], members, level, children)
                    current, below = result[..., order], level
                yield part, current[..., 0]

    def _prepare_together(self, combos: list[tuple[tuple[str, ...], tuple]]) -> None:
        """Prepare the combinations drawn together (one normalisation call). If one of
        them cannot be computed, those left unprepared are prepared one by one when
        evaluated, in order, so the error names the first that fails."""
        try:
            self._prepare(combos)
        except UserError:
            pass

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


def rank_dtype(cities: int) -> type:
    """The smallest unsigned integer type holding every rank of ``cities`` cities and 0 (no rank)."""
    return np.uint16 if cities < np.iinfo(np.uint16).max else np.uint32


def compact(ranks: np.ndarray, dtype: type) -> np.ndarray:
    """Ranks (floats, NaN: no rank) as ``dtype``, 0 for no rank: 2 bytes a rank instead of 8."""
    return np.where(np.isnan(ranks), 0, ranks).astype(dtype)


def intervals(ranks: np.ndarray, nominal: np.ndarray, interval: tuple[float, float]) -> dict[str, np.ndarray]:
    """Median and percentile ranks per city (the 'inverted_cdf' percentile: an observed
    rank r such that the given share of replications ranks the city r or better), and
    whether the nominal rank lies outside the interval. ``ranks`` (replications × cities)
    are floats (NaN: no rank) or ``compact`` integers (0: no rank); they are read a block of
    cities at a time (each city's percentiles depend on its column only)."""
    lo, hi = interval
    levels = [0.5, lo / 100, hi / 100]
    q = np.full((3, ranks.shape[1]), np.nan)
    width = max(1, ELEMENTS // max(1, len(ranks)))
    for start in range(0, ranks.shape[1], width):
        block = ranks[:, start:start + width].astype(float)
        if ranks.dtype.kind in "ui":
            block[block == 0] = np.nan
        part = q[:, start:start + width]
        gaps = np.isnan(block).any(axis=0)  # np.quantile on the columns without NaN: the same values, faster
        part[:, ~gaps] = np.quantile(block[:, ~gaps], levels, axis=0, method="inverted_cdf")
        if gaps.any():
            with warnings.catch_warnings():  # a city never ranked (its index always missing) stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                part[:, gaps] = np.nanquantile(block[:, gaps], levels, axis=0, method="inverted_cdf")
    return {"median": q[0], "low": q[1], "high": q[2], "outside": (nominal < q[1]) | (nominal > q[2])}


def interval_columns(interval: tuple[float, float], scope: str = "in_group") -> tuple[str, str]:
    """Names of the low and high percentile columns of uncertainty.csv (p5_in_group, p95_in_group)."""
    return f"p{interval[0]:g}_{scope}", f"p{interval[1]:g}_{scope}"


def replicate(model: Model, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every replication's places in group and overall (replications × cities, ``compact``:
    2 bytes a place, 0 for none), computed a chunk of replications at a time."""
    U = sample(model, model.u.replications, seed)
    dtype = rank_dtype(len(model.values))
    in_group: np.ndarray = np.empty((len(U), len(model.values)), dtype)
    overall = np.empty_like(in_group)
    for rows, g, o in model.rank_parts(U):
        in_group[rows], overall[rows] = compact(g, dtype), compact(o, dtype)
    return in_group, overall


def analyse(model: Model, cities: pd.DataFrame, seed: int,
            replicated: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """Per city: nominal, median and interval ranks within group and overall, and the flag
    (from ``replicated``, ``replicate``'s places, when the caller has them already)."""
    u = model.u
    in_group, overall = replicate(model, seed) if replicated is None else replicated
    table = pd.DataFrame({"city_id": model.values.index,
                          "city_ru": roster.column(cities, model.values.index, "city_ru").to_numpy(),
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
