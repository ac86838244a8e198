"""The methodology as data: the framework tree (levels, aggregates, indicators with their
weights and polarity), the kinds of value, and the method choices (registered in
``iqlib.core``) set globally, per kind or per indicator, and per aggregation level.
``Methodology.framework`` compiles it into the core's ``Framework``.
"""

from __future__ import annotations

from typing import Literal, Self, Union

from pydantic import Field, model_validator

from iqlib.config.errors import unique
from iqlib.config.limits import Code, Label, Name, Source, Text, Title
from iqlib.core.aggregate import Aggregation
from iqlib.core.framework import Framework
from iqlib.core.impute import Imputation, MissingRule
from iqlib.core.normalise import Normalisation, NormalisationChoice
from iqlib.core.registry import Strict
from iqlib.core.screen import Screening
from iqlib.core.treat import NoTreatment, Treatment, TreatmentChoice


class Kind(Strict):
    unit_ru: Name
    unit_en: Name
    min: float | None = Field(None, description="lowest valid value (none: unbounded)")
    max: float | None = Field(None, description="highest valid value (none: unbounded)")
    warn_above_group_median: float | None = Field(
        None, gt=0, description="list a value above this many times its group's median as suspicious")
    missing: MissingRule = "exclude"
    treatment: TreatmentChoice | None = None
    normalisation: NormalisationChoice | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}: no value could be valid")
        return self


class Aggregate(Strict):
    """A node above the indicators: a direction, pillar, sub-index or the index."""

    code: Code
    level: Code
    parent: str | None = None
    name_ru: Label
    name_en: Label
    short_ru: Name | None = Field(None, description="short name for chart labels (default: the code)")
    short_en: Name | None = None
    weight: float = Field(1.0, ge=0, le=1e9, description="relative weight among its siblings (at most 10⁹: "
                                                          "larger weights overflow the weighted sums)")
    status: Literal["confirmed", "reconstructed"] = "confirmed"


class Ratio(Strict):
    """value = numerator ÷ denominator × scale (fields of the values file or the roster)."""

    numerator: Code
    denominator: Code
    scale: float = 1.0


class Subcriteria(Strict):
    """value from yes/no sub-criteria: share of 1s, any (max) or all (min)."""

    subcriteria: list[Code] = Field(min_length=1)
    rule: Literal["share", "any", "all"] = "share"


class Indicator(Strict):
    code: Code
    parent: str
    name_ru: Label
    name_en: Label
    kind: str
    unit: Name
    polarity: Literal[1, -1]
    weight: float = Field(1.0, ge=0, le=1e9, description="relative weight among its siblings (at most 10⁹: "
                                                          "larger weights overflow the weighted sums)")
    direction_assignment: Literal["questionnaire", "inferred"] = "questionnaire"
    polarity_assignment: Literal["questionnaire", "inferred"] = Field(
        "questionnaire", description="inferred: the polarity is reconstructed from the indicator's meaning, not published")
    note: Text = ""
    missing: MissingRule | None = None
    treatment: TreatmentChoice | None = None
    normalisation: NormalisationChoice | None = None
    derive: Union[Ratio, Subcriteria, None] = None


class Scoring(Strict):
    imputation: Imputation = Imputation()
    screening: Screening | None = Field(None, description="units (or indicators) left out for lack of data, "
                                        "as COINr's Screen() (none: every city is scored)")
    treatment: TreatmentChoice = NoTreatment()
    normalisation: NormalisationChoice
    aggregation: dict[str, Aggregation]
    decimals: int = Field(2, ge=0, le=6)
    max_score: float | None = Field(None, gt=0)


class Status(Strict):
    """What is confirmed by public sources and what is reconstructed, in both languages."""

    confirmed_ru: list[Text]
    confirmed_en: list[Text]
    reconstructed_ru: list[Text]
    reconstructed_en: list[Text]


class Regions(Strict):
    """How the cities of a region (a subject of the Federation) make its figure: the
    ``statistic`` of their published index over the roster's ``column``; a region with
    fewer than ``min_cities`` ranked cities is listed but not ranked."""

    column: Code = "region_ru"
    statistic: Literal["mean", "median"] = "mean"
    min_cities: int = Field(1, ge=1)


class Report(Strict):
    """How the pages present the results (not how they are computed)."""

    imputed_mark_share: float = Field(0.2, ge=0, le=1, description="a published score is marked «*» when more than "
                                      "this share of its indicator values was imputed or left missing")


class Methodology(Strict):
    id: Code
    title_ru: Title
    title_en: Title
    status: Status
    sources: list[Source]
    kinds: dict[Code, Kind]
    levels: list[Code] = Field(min_length=2, description="level names from the indicators up to the index")
    scoring: Scoring
    aggregates: list[Aggregate]
    indicators: list[Indicator] = Field(min_length=1)
    regions: Regions | None = Field(None, description="the regional table (none without this block)")
    report: Report = Field(default_factory=Report, description="how the pages present the results")

    @model_validator(mode="after")
    def _framework(self) -> Self:
        check_framework(self)
        return self

    # --- the tree
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def level_codes(self, level: str) -> list[str]:
        return [a.code for a in self.aggregates if a.level == level]

    @property
    def index_code(self) -> str:
        return self.level_codes(self.levels[-1])[0]

    def nodes(self) -> list[Aggregate | Indicator]:
        """Every node: the aggregates, then the indicators, in methodology order."""
        return [*self.aggregates, *self.indicators]

    def node(self, code: str) -> Aggregate | Indicator:
        return next(n for n in self.nodes() if n.code == code)

    def indicator(self, code: str) -> Indicator:
        return next(i for i in self.indicators if i.code == code)

    def children(self, code: str) -> list[str]:
        return [n.code for n in self.nodes() if n.parent == code]

    # --- effective per-indicator choices: indicator > kind > global
    def missing_rule(self, code: str) -> str:
        ind = self.indicator(code)
        return ind.missing or self.kinds[ind.kind].missing

    def treatment_of(self, code: str) -> Treatment:
        ind = self.indicator(code)
        return ind.treatment or self.kinds[ind.kind].treatment or self.scoring.treatment

    def normalisation_of(self, code: str) -> Normalisation:
        ind = self.indicator(code)
        return ind.normalisation or self.kinds[ind.kind].normalisation or self.scoring.normalisation

    @property
    def framework(self) -> Framework:
        """The tree and the effective per-indicator choices, as the core computes with them
        (built on each access: a ``model_copy`` with other choices must not see a stale one)."""
        codes = {self.levels[0]: tuple(self.indicator_codes())}
        codes.update({level: tuple(self.level_codes(level)) for level in self.levels[1:]})
        nodes = self.nodes()
        return Framework(
            levels=tuple(self.levels), codes=codes,
            parent={n.code: n.parent for n in nodes if n.parent},
            weight={n.code: float(n.weight) for n in nodes},
            polarity={i.code: float(i.polarity) for i in self.indicators},
            missing={c: self.missing_rule(c) for c in codes[self.levels[0]]},
            treatment={c: self.treatment_of(c) for c in codes[self.levels[0]]},
            normalisation={c: self.normalisation_of(c) for c in codes[self.levels[0]]},
            aggregation=dict(self.scoring.aggregation), imputation_by=self.scoring.imputation.by,
            decimals=self.scoring.decimals, screening=self.scoring.screening)


def check_framework(m: Methodology) -> None:
    """Unique codes, one index on the top level, every node's parent on the level directly
    above, no cycles, no empty aggregate, every level configured, known kinds."""
    unique("levels", m.levels)
    unique("node", [a.code for a in m.aggregates] + [i.code for i in m.indicators])
    levels = {name: i for i, name in enumerate(m.levels)}
    by_code = {a.code: a for a in m.aggregates}
    for a in m.aggregates:
        if a.level not in levels or levels[a.level] == 0:
            raise ValueError(f"aggregate {a.code}: level {a.level!r} is not one of {m.levels[1:]}")
    top = [a for a in m.aggregates if a.level == m.levels[-1]]
    if len(top) != 1:
        raise ValueError(f"level {m.levels[-1]!r} (the index) must hold exactly one aggregate, "
                         f"not {len(top)}")
    if top[0].parent is not None:
        raise ValueError(f"aggregate {top[0].code}: the index has no parent (got {top[0].parent!r})")
    nodes = [(a.code, a.parent, levels[a.level]) for a in m.aggregates if a is not top[0]]
    nodes += [(i.code, i.parent, 0) for i in m.indicators]
    for code, parent, lvl in nodes:
        above = m.levels[lvl + 1]
        if parent not in by_code:
            raise ValueError(f"{code}: parent {parent!r} is not an aggregate of the framework")
        if by_code[parent].level != above:
            raise ValueError(f"{code}: parent {parent} is on level {by_code[parent].level!r}, "
                             f"not on the level above ({above!r})")
    parent_of: dict[str, str] = {code: parent for code, parent, _ in nodes if parent is not None}
    for code in parent_of:  # guard against cycles even though levels forbid them
        seen, node = set(), code
        while node in parent_of:
            if node in seen:
                raise ValueError(f"{code}: the chain of parents is a cycle")
            seen.add(node)
            node = parent_of[node]
    with_children = set(parent_of.values())
    empty = [a.code for a in m.aggregates if a.code not in with_children]
    if empty:
        raise ValueError(f"aggregate(s) without children: {', '.join(empty)}")
    weights = {a.code: a.weight for a in m.aggregates} | {i.code: i.weight for i in m.indicators}
    weightless = [a.code for a in m.aggregates if all(weights[c] == 0 for c, p in parent_of.items() if p == a.code)]
    if weightless:
        raise ValueError(f"every child of {', '.join(weightless)} has weight 0: a weighted mean or sum of them is "
                         f"undefined (give one child a positive weight)")
    missing_levels = [lv for lv in m.levels[1:] if lv not in m.scoring.aggregation]
    if missing_levels:
        raise ValueError(f"scoring.aggregation has no method for level(s): {', '.join(missing_levels)}")
    extra = [lv for lv in m.scoring.aggregation if lv not in m.levels[1:]]
    if extra:
        raise ValueError(f"scoring.aggregation names unknown level(s): {', '.join(extra)}")
    for i in m.indicators:
        if i.kind not in m.kinds:
            raise ValueError(f"indicator {i.code}: kind {i.kind!r} is not among the kinds {sorted(m.kinds)}")
