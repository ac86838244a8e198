"""Edition, methodology and scenario parameters: YAML (safe loader) validated by pydantic.

* a **methodology** is the framework tree (levels, aggregates, indicators with weights and
  polarity) and the method choices (registered in ``iqlib.core``), set globally, per value kind or
  per indicator, and per aggregation level;
* an **edition** names its methodology, inputs, population groups, seed and scenario;
* a **scenario** (a file with ``extends:``) overrides only what differs from an edition
  and its methodology.

Every mistake ends in one ``UserError`` naming the file and the key or code, so the CLI
can print it and exit with code 2.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal, Self, TypeVar, Union

from pydantic import Field, ValidationError, field_validator, model_validator

from iqlib.analysis.uncertainty import LinkedAggregation, Uncertainty
from iqlib.config.paths import display, file_problem, resolve
from iqlib.config.yamlfile import read_yaml
from iqlib.core.aggregate import Aggregation
from iqlib.core.errors import UserError
from iqlib.core.framework import Framework
from iqlib.core.impute import Imputation, MissingRule
from iqlib.core.normalise import Normalisation, NormalisationChoice
from iqlib.core.registry import Strict
from iqlib.core.screen import Screening
from iqlib.core.treat import NoTreatment, Treatment, TreatmentChoice


# ----------------------------------------------------------------------------- methodology
class Kind(Strict):
    unit_ru: str
    unit_en: str
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

    code: str
    level: str
    parent: str | None = None
    name_ru: str
    name_en: str
    short_ru: str | None = Field(None, description="short name for chart labels (default: the code)")
    short_en: str | None = None
    weight: float = Field(1.0, ge=0, le=1e9, description="relative weight among its siblings (at most 10⁹: "
                                                          "larger weights overflow the weighted sums)")
    status: Literal["confirmed", "reconstructed"] = "confirmed"


class Ratio(Strict):
    """value = numerator ÷ denominator × scale (fields of the values file or the roster)."""

    numerator: str
    denominator: str
    scale: float = 1.0


class Subcriteria(Strict):
    """value from yes/no sub-criteria: share of 1s, any (max) or all (min)."""

    subcriteria: list[str] = Field(min_length=1)
    rule: Literal["share", "any", "all"] = "share"


class Indicator(Strict):
    code: str
    parent: str
    name_ru: str
    name_en: str
    kind: str
    unit: str
    polarity: Literal[1, -1]
    weight: float = Field(1.0, ge=0, le=1e9, description="relative weight among its siblings (at most 10⁹: "
                                                          "larger weights overflow the weighted sums)")
    direction_assignment: Literal["questionnaire", "inferred"] = "questionnaire"
    note: str = ""
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

    confirmed_ru: list[str]
    confirmed_en: list[str]
    reconstructed_ru: list[str]
    reconstructed_en: list[str]


class Regions(Strict):
    """How the cities of a region (a subject of the Federation) make its figure: the
    ``statistic`` of their published index over the roster's ``column``; a region with
    fewer than ``min_cities`` ranked cities is listed but not ranked."""

    column: str = "region_ru"
    statistic: Literal["mean", "median"] = "mean"
    min_cities: int = Field(1, ge=1)


class Methodology(Strict):
    id: str
    title_ru: str
    title_en: str
    status: Status
    sources: list[str]
    kinds: dict[str, Kind]
    levels: list[str] = Field(min_length=2, description="level names from the indicators up to the index")
    scoring: Scoring
    aggregates: list[Aggregate]
    indicators: list[Indicator] = Field(min_length=1)
    regions: Regions | None = Field(None, description="the regional table (none without this block)")

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
    _unique("levels", m.levels)
    _unique("node", [a.code for a in m.aggregates] + [i.code for i in m.indicators])
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


def _unique(what: str, codes: list[str]) -> None:
    seen, dup = set(), []
    for c in codes:
        if c in seen:
            dup.append(c)
        seen.add(c)
    if dup:
        raise ValueError(f"duplicate {what} code(s): {', '.join(dup)}")


# ----------------------------------------------------------------------------- edition
class Group(Strict):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="names files and pages: letters, digits, _ and -")
    name_ru: str
    name_en: str
    min_population: int = Field(ge=0)
    eligible_if_any: list[Literal["regional_capital", "pilot"]] = Field(
        default_factory=list,
        description="roster flags of which a city of this group must have at least one")


ROSTER_RESERVED = ("city_id", "city_ru", "region_ru", "population", "regional_capital", "pilot", "oktmo",
                   "group_official", "list_order_2018", "group", "group_computed")


class RosterColumn(Strict):
    """An extra column of the roster (cities.csv): a grouping the methods can use
    (``scoring.imputation.by``, normalisation ``within``)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="the column's header: small Latin letters, "
                                                                 "digits and _")
    type: Literal["text", "integer", "number"] = "text"
    values: list[str | int | float] | None = Field(None, min_length=1, description="the values allowed "
                                                   "(none: any value of the type)")
    name_ru: str | None = Field(None, description="the column's name for readers (default: its header)")
    name_en: str | None = None
    rank_and_summarise: bool = Field(False, description="also rank the cities within each value of the column "
                                     "(scores.csv: rank_in_<name>) and summarise them (results/summary_<name>.csv)")

    @model_validator(mode="after")
    def _reserved(self) -> Self:
        if self.name in ROSTER_RESERVED:
            raise ValueError(f"{self.name!r} is a column the roster always has; name the extra column otherwise")
        return self


class Inputs(Strict):
    cities: str
    values: str
    published_results: str | None = Field(None, description="official (data year, group, rank, city, score) "
                                          "figures shown beside the computed ones (data/reference/)")
    published_averages: str | None = Field(None, description="official national averages by data year")
    published_conflicts: str | None = Field(None, description="published facts that contradict each other, "
                                            "with both sources and how the calculation resolves them")


class Edition(Strict):
    edition: int = Field(ge=2000, le=2100)
    data_year: int = Field(ge=2000, le=2100)
    title_ru: str
    title_en: str
    methodology: str
    scenario: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    synthetic: bool
    language: Literal["ru", "en"] = "ru"
    seed: int = Field(ge=0)
    inputs: Inputs
    base_edition: str | None = Field(None, description="edition whose data fixes goalposts "
                                     "(upper: base_group_max); default: this edition")
    groups: list[Group] = Field(min_length=1)
    roster_columns: list[RosterColumn] = Field(default_factory=list, description="extra columns of the roster, "
                                               "declared with their type and allowed values")
    published_groups: dict[str, str] = Field(default_factory=dict, description="group code of the "
                                             "published figures → this edition's group code (e.g. adm_centres: lt100k)")
    demo_average: float | None = Field(None, ge=0, description="synthetic editions only: the national average "
                                       "the demo generator aims at when none is published for the year")
    stage_timeout_seconds: int = Field(600, gt=0, le=86_400, description="at most a day")
    uncertainty: Uncertainty | None = Field(None, description="uncertainty and sensitivity analysis "
                                            "of the ranks (run by the rank stage)")

    @field_validator("groups")
    @classmethod
    def _thresholds(cls, groups: list[Group]) -> list[Group]:
        _unique("group", [g.code for g in groups])
        for a, b in zip(groups, groups[1:]):
            if not a.min_population > b.min_population:
                raise ValueError(
                    f"group thresholds must strictly decrease: {a.code} ({a.min_population}) "
                    f"then {b.code} ({b.min_population})")
        if groups[-1].min_population != 0:
            raise ValueError(f"the last group ({groups[-1].code}) must start at min_population 0 "
                             f"so that every city has a group, not {groups[-1].min_population}")
        return groups

    @field_validator("roster_columns")
    @classmethod
    def _columns(cls, columns: list[RosterColumn]) -> list[RosterColumn]:
        _unique("roster column", [c.name for c in columns])
        return columns

    @model_validator(mode="after")
    def _published(self) -> Edition:
        codes = [g.code for g in self.groups]
        for published, ours in self.published_groups.items():
            if ours not in codes:
                raise ValueError(f"published_groups: {published} → {ours!r}: not a group of this edition "
                                 f"(expected one of {', '.join(codes)})")
        if self.published_groups and not self.inputs.published_results:
            raise ValueError("published_groups needs inputs.published_results (the file whose codes it maps)")
        if self.demo_average is not None and not self.synthetic:
            raise ValueError("demo_average is for synthetic editions only (it steers the demo generator)")
        return self


class Scenario(Strict):
    """A variation: the edition it extends and only what differs."""

    extends: str
    scenario: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    edition: dict = Field(default_factory=dict)
    methodology: dict = Field(default_factory=dict)


class Params:
    """A loaded edition (or scenario) with its methodology and where each came from."""

    def __init__(self, edition: Edition, methodology: Methodology, edition_path: Path,
                 methodology_path: Path, files: list[Path], extends: Path | None = None, draft: bool = False):
        self.edition = edition
        self.methodology = methodology
        self.edition_path = edition_path        # the file the user named (edition or scenario)
        self.methodology_path = methodology_path
        self.files = files                      # every params file read, in order
        self.extends = extends                  # a scenario's base edition file; None for an edition
        self.draft = draft                      # a draft run (iq run --draft): no robustness analysis, not publishable

    def as_draft(self) -> Params:
        """These params for a draft run: without the uncertainty and sensitivity analysis."""
        edition = self.edition.model_copy(update={"uncertainty": None})
        return Params(edition, self.methodology, self.edition_path, self.methodology_path, self.files, self.extends,
                      draft=True)

    @property
    def input_paths(self) -> dict[str, Path]:
        return {k: resolve(v) for k, v in self.edition.inputs.model_dump().items() if v is not None}

    @property
    def summarised_columns(self) -> list[str]:
        """Declared roster columns whose values the cities are also ranked and summarised within."""
        return [c.name for c in self.edition.roster_columns if c.rank_and_summarise]

    @property
    def group_codes(self) -> list[str]:
        return [g.code for g in self.edition.groups]

    @property
    def language(self) -> str:
        return self.edition.language

    def local(self, obj: object, field: str) -> str:
        """``obj.<field>_ru`` or ``obj.<field>_en``, in the edition's language (the one
        place the language is chosen for a name or title)."""
        return getattr(obj, f"{field}_{self.language}")

    @property
    def title(self) -> str:
        """The edition's title; a draft's says so first."""
        title = self.local(self.edition, "title")
        return f"{'ЧЕРНОВИК' if self.language == 'ru' else 'DRAFT'} — {title}" if self.draft else title

    @property
    def methodology_title(self) -> str:
        return self.local(self.methodology, "title")

    def group_name(self, code: str) -> str:
        return self.local(next(g for g in self.edition.groups if g.code == code), "name")

    def name(self, code: str) -> str:
        return self.local(self.methodology.node(code), "name")


# ----------------------------------------------------------------------------- loading
_M = TypeVar("_M", bound=Strict)


def _validated(model: type[_M], data: dict, where: str) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UserError(f"{where}: " + "; ".join(_describe(dict(e), data) for e in exc.errors())) from None


def _describe(err: dict, data: dict) -> str:
    key = ".".join(_named(list(err["loc"]), data, err["type"] == "missing")) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if err["type"] == "missing":
        return f"missing key '{key}'"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"].endswith("_type") or err["type"].endswith("_parsing"):
        return f"key '{key}': {msg} (got {err['input']!r})"
    return f"key '{key}': {msg}"


_ABSENT = object()


def _named(loc: list, data: Any, missing: bool = False) -> list[str]:
    """The key path of an error as the user wrote it: list positions of coded items
    replaced by their code ('indicators.4.weight' → 'indicators.I05.weight'), and the
    union-member tags pydantic inserts ('minmax', 'Ratio', 'float', 'choice', …) left out:
    a tag is a part that is not a key of the data at that point (only the last part of a
    ``missing`` error names a key that is not there)."""
    out, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            item = node[part]
            out.append(str(item["code"]) if isinstance(item, dict) and "code" in item else str(part))
            node = item
        elif isinstance(node, dict) and part in node:
            out.append(str(part))
            node = node[part]
        elif missing and i == len(loc) - 1:
            out.append(str(part))
            node = _ABSENT
        # anything else is a union-member tag: not a key of the data the user wrote
    return out


def merge(base: dict, override: dict, where: str = "") -> dict:
    """Deep-merge ``override`` into a copy of ``base``. A mapping with a ``method`` key
    replaces the whole mapping (another method has other keys). The lists ``indicators``
    and ``aggregates`` are overridden by code: ``{I12: {weight: 2}}``."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        path = f"{where}.{key}" if where else key
        if key in ("indicators", "aggregates") and isinstance(out.get(key), list):
            if not isinstance(value, dict):
                raise UserError(f"key '{path}': give a mapping of code → changes, e.g. {{I12: {{weight: 2}}}}")
            by_code = {item.get("code"): item for item in out[key]}
            for code, change in value.items():
                if code not in by_code:
                    raise UserError(f"key '{path}.{code}': no {key[:-1]} with code {code!r}")
                if not isinstance(change, dict):
                    raise UserError(f"key '{path}.{code}': expected a mapping of changes")
                by_code[code].update(merge(by_code[code], change, f"{path}.{code}"))
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and "method" not in value:
            out[key] = merge(out[key], value, path)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_params(params_file: str | Path, check_inputs: bool = True) -> Params:
    """Load and validate an edition or scenario YAML and the methodology it names; check
    that its input files exist (unless generating them)."""
    path = resolve(params_file)
    return params_from(read_yaml(path), path, check_inputs)


def params_from(data: dict, path: Path, check_inputs: bool = True) -> Params:
    """Validate an edition or scenario given as the data of its YAML file ``path`` (the
    file need not exist: an in-memory scenario names the file it would be saved as)."""
    files = [path]
    where = display(path)
    meth_override: dict = {}
    extends: Path | None = None
    if "extends" in data:
        scenario = _validated(Scenario, data, where)
        base_path = resolve(scenario.extends)
        if problem := file_problem(base_path):
            raise UserError(f"{where}: key 'extends': {problem}: {scenario.extends}")
        base = read_yaml(base_path)
        if "extends" in base:
            raise UserError(f"{where}: key 'extends': {scenario.extends} is itself a scenario; "
                            f"extend an edition")
        files.append(base_path)
        try:
            data = merge(base, {**scenario.edition, "scenario": scenario.scenario,
                                "description": scenario.description})
        except UserError as exc:
            raise UserError(f"{where}: edition {exc}") from None
        for language, words in (("ru", "сценарий «{}» на основе издания {}"), ("en", "scenario '{}' of edition {}")):
            if f"title_{language}" not in scenario.edition and isinstance(base.get(f"title_{language}"), str):
                data[f"title_{language}"] = f"{base[f'title_{language}']} — " + \
                    words.format(scenario.scenario, base.get("edition"))
        meth_override = scenario.methodology
        extends = base_path
        where = f"{where} (extending {display(base_path)})"
    edition = _validated(Edition, data, where)
    methodology_path = resolve(edition.methodology)
    if problem := file_problem(methodology_path):
        raise UserError(f"{where}: key 'methodology': {problem}: {edition.methodology}")
    files.append(methodology_path)
    meth_data = read_yaml(methodology_path)
    meth_where = display(methodology_path)
    if meth_override:
        try:
            meth_data = merge(meth_data, meth_override)
        except UserError as exc:
            raise UserError(f"{display(path)}: methodology {exc}") from None
        meth_where = f"{meth_where} with the overrides of {display(path)}"
    methodology = _validated(Methodology, meth_data, meth_where)
    check_scopes(edition, methodology, meth_where)
    if edition.uncertainty:
        check_uncertainty_levels(edition.uncertainty, methodology, where)
        screening = methodology.scoring.screening
        if screening is not None and screening.by == "units" and screening.when == "after_imputation":
            raise UserError(f"{meth_where}: key 'scoring.screening.when': units screened after imputation cannot be "
                            f"combined with the uncertainty analysis of {where} (its replications impute over the "
                            f"units kept); screen before_imputation, or leave out uncertainty")
    params = Params(edition, methodology, path, methodology_path, files, extends)
    if edition.base_edition:
        if problem := file_problem(resolve(edition.base_edition)):
            raise UserError(f"{where}: key 'base_edition': {problem}: {edition.base_edition}")
        try:      # what iq run reads for the goalposts must be an edition (validate checks what run checks)
            base_params = load_params(edition.base_edition, check_inputs)
        except UserError as exc:
            raise UserError(f"{where}: key 'base_edition': {edition.base_edition} is not a valid edition: {exc}") \
                from None
        if base_params.extends is not None:
            raise UserError(f"{where}: key 'base_edition': {edition.base_edition} is a scenario; name an edition")
    for key, p in params.input_paths.items():
        if check_inputs and (problem := file_problem(p)):
            raise UserError(f"{where}: key 'inputs.{key}': {problem}: {getattr(edition.inputs, key)}")
    return params


def params_from_resolved(resolved: dict, path: str) -> Params:
    """The params a run was computed with, from its manifest's ``params.resolved`` (no
    params file needed: a run folder from another machine carries them)."""
    try:
        edition = Edition.model_validate(resolved["edition"])
        methodology = Methodology.model_validate(resolved["methodology"])
    except (KeyError, ValueError) as exc:
        raise UserError(f"manifest of {path}: key 'params.resolved' is not valid params: {exc}") from None
    return Params(edition, methodology, resolve(path), resolve(edition.methodology), [])


def check_scopes(edition: Edition, meth: Methodology, where: str) -> None:
    """Every normalisation ``within`` is ``group``, ``all`` or a roster column the edition
    declares (``roster_columns``); so is every normalisation alternative of the uncertainty analysis."""
    known = ["group", "all", *(c.name for c in edition.roster_columns)]
    scopes: dict[str, list[str]] = {}
    for code, cfg in meth.framework.normalisation.items():
        scopes.setdefault(cfg.within, []).append(code)
    for alt in ((edition.uncertainty.normalisation or []) if edition.uncertainty else []):
        if isinstance(alt, Normalisation):
            scopes.setdefault(alt.within, []).append("uncertainty.normalisation")
    for within, codes in scopes.items():
        if within not in known:
            shown = ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")
            raise UserError(f"{where}: normalisation within {within!r} ({shown}): expected group, all or a roster "
                            f"column declared in the edition's roster_columns (declared: "
                            f"{', '.join(known[2:]) or 'none'}), e.g. roster_columns: [{{name: {within}, type: text}}]")


def check_uncertainty_levels(u: Uncertainty, meth: Methodology, where: str) -> None:
    """Noise only for levels that carry weights, alternatives only for aggregating levels."""
    weighted, aggregating = meth.levels[:-1], meth.levels[1:]
    for level in u.weights:
        if level not in weighted:
            raise UserError(f"{where}: key 'uncertainty.weights.{level}': not a level with weights; "
                            f"levels: {', '.join(weighted)}")
    if isinstance(u.aggregation, LinkedAggregation):
        linked = u.aggregation.levels if isinstance(u.aggregation.levels, list) else []
        for level in linked:
            if level not in aggregating:
                raise UserError(f"{where}: key 'uncertainty.aggregation.levels': {level!r} is not an aggregating "
                                f"level; levels: {', '.join(aggregating)} (or 'all')")
        return
    for level in u.aggregation:
        if level not in aggregating:
            raise UserError(f"{where}: key 'uncertainty.aggregation.{level}': not an aggregating level; "
                            f"levels: {', '.join(aggregating)}")


# --------------------------------------------------------------------------- series
class SeriesEdition(Strict):
    params: str = Field(description="the edition's params file")
    run: str = Field(description="its published run folder (outputs/<edition>/<scenario>)")


class Series(Strict):
    """The index across editions (``iq series``): published runs on one line."""

    series: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title_ru: str
    title_en: str
    language: Literal["ru", "en"] = "ru"
    synthetic: bool
    editions: list[SeriesEdition] = Field(min_length=2)
    base_year: int = Field(description="growth is measured against this edition's average")
    goalposts: str = Field(description="a scenario file whose normalisation and base_edition score every edition "
                                       "against fixed goalposts (comparable across years)")
    official_averages: str
    conflicts: str | None = None
    target_growth_pct: float | None = None
    target_year: int | None = None
    methods_differ: Literal["refuse", "show"] = Field(
        "refuse", description="runs of different method versions: refuse (default), or show them as separate lines")


def load_series(series_file: str | Path) -> Series:
    """A validated series YAML; every file it names must exist."""
    path = resolve(series_file)
    series = _validated(Series, read_yaml(path), display(path))
    for key, value in [("goalposts", series.goalposts), ("official_averages", series.official_averages),
                       ("conflicts", series.conflicts)] + \
            [(f"editions[{i}].params", e.params) for i, e in enumerate(series.editions)]:
        if value is not None and not resolve(value).is_file():
            raise UserError(f"{display(path)}: key {key!r}: file not found: {value}")
    for i, e in enumerate(series.editions):
        if not (resolve(e.run) / "manifest.json").is_file():
            raise UserError(f"{display(path)}: key 'editions[{i}].run': not a run folder (no manifest.json): {e.run}")
    return series
