"""Edition and methodology parameters: YAML (safe loader) validated by pydantic.

Every mistake ends in one ``UserError`` naming the file and the key, so the CLI can
print it and exit with code 2.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import UserError
from .paths import display, resolve


class Strict(BaseModel):
    """Unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------- methodology
class Kind(Strict):
    unit_ru: str
    unit_en: str
    min: float | None = None
    max: float | None = None
    missing: Literal["zero", "exclude"] = Field(
        description="zero: a missing value counts as 0 (absent); exclude: left out of the "
        "direction mean, the other indicators' weights re-normalised")


class Direction(Strict):
    code: str
    name_ru: str
    name_en: str
    weight: float = Field(1.0, ge=0)
    status: Literal["confirmed", "reconstructed"] = "confirmed"


class Indicator(Strict):
    code: str
    direction: str
    name_ru: str
    name_en: str
    kind: str
    unit: str
    polarity: Literal[1, -1]
    weight: float = Field(1.0, ge=0)
    direction_assignment: Literal["questionnaire", "inferred"]
    note: str = ""


class Normalisation(Strict):
    method: Literal["minmax"] = "minmax"
    within: Literal["group", "all"] = "group"
    lower: float = 0.0
    upper: float = 12.0
    constant: Literal["midpoint", "lower", "upper"] = "midpoint"

    @model_validator(mode="after")
    def _bounds(self):
        if not self.upper > self.lower:
            raise ValueError(f"upper ({self.upper}) must be greater than lower ({self.lower})")
        return self


class Aggregation(Strict):
    direction: Literal["weighted_mean"] = "weighted_mean"
    index: Literal["weighted_sum"] = "weighted_sum"
    empty_direction: Literal["zero", "missing"] = "zero"


class Scoring(Strict):
    normalisation: Normalisation
    aggregation: Aggregation
    decimals: int = Field(2, ge=0, le=6)
    max_score: float = Field(gt=0)


class Status(Strict):
    confirmed: list[str]
    reconstructed: list[str]


class Methodology(Strict):
    id: str
    title_ru: str
    title_en: str
    status: Status
    sources: list[str]
    kinds: dict[str, Kind]
    scoring: Scoring
    directions: list[Direction]
    indicators: list[Indicator]

    @model_validator(mode="after")
    def _consistent(self):
        _unique("directions", [d.code for d in self.directions])
        _unique("indicators", [i.code for i in self.indicators])
        dirs = {d.code for d in self.directions}
        for i in self.indicators:
            if i.direction not in dirs:
                raise ValueError(f"indicator {i.code}: direction {i.direction!r} is not among the directions")
            if i.kind not in self.kinds:
                raise ValueError(f"indicator {i.code}: kind {i.kind!r} is not among the kinds {sorted(self.kinds)}")
        used = {i.direction for i in self.indicators}
        empty = [d for d in dirs if d not in used]
        if empty:
            raise ValueError(f"direction(s) without indicators: {', '.join(sorted(empty))}")
        return self

    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    def direction_codes(self) -> list[str]:
        return [d.code for d in self.directions]


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
    code: str
    name_ru: str
    name_en: str
    min_population: int = Field(ge=0)
    eligible_if_any: list[Literal["regional_capital", "pilot"]] = Field(
        default_factory=list,
        description="roster flags of which a city of this group must have at least one")


class Inputs(Strict):
    cities: str
    values: str


class Edition(Strict):
    edition: int = Field(ge=2000, le=2100)
    data_year: int = Field(ge=2000, le=2100)
    title_ru: str
    title_en: str
    methodology: str
    scenario: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    synthetic: bool
    language: Literal["ru", "en"] = "ru"
    seed: int = Field(ge=0)
    inputs: Inputs
    groups: list[Group] = Field(min_length=1)
    stage_timeout_seconds: int = Field(600, gt=0)

    @field_validator("groups")
    @classmethod
    def _thresholds(cls, groups: list[Group]) -> list[Group]:
        _unique("group", [g.code for g in groups])
        mins = [g.min_population for g in groups]
        for a, b in zip(groups, groups[1:]):
            if not a.min_population > b.min_population:
                raise ValueError(
                    f"group thresholds must strictly decrease: {a.code} ({a.min_population}) "
                    f"then {b.code} ({b.min_population})")
        if mins[-1] != 0:
            raise ValueError(f"the last group ({groups[-1].code}) must start at min_population 0 "
                             f"so that every city has a group, not {mins[-1]}")
        return groups


class Params:
    """A loaded edition with its methodology and where each came from."""

    def __init__(self, edition: Edition, methodology: Methodology, edition_path: Path, methodology_path: Path):
        self.edition = edition
        self.methodology = methodology
        self.edition_path = edition_path
        self.methodology_path = methodology_path

    @property
    def input_paths(self) -> dict[str, Path]:
        return {k: resolve(v) for k, v in self.edition.inputs.model_dump().items()}

    @property
    def group_codes(self) -> list[str]:
        return [g.code for g in self.edition.groups]

    def group_name(self, code: str) -> str:
        g = next(g for g in self.edition.groups if g.code == code)
        return g.name_ru if self.edition.language == "ru" else g.name_en


# ----------------------------------------------------------------------------- loading
def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping with the safe loader; errors name the file and line."""
    shown = display(path)
    if not path.is_file():
        raise UserError(f"{shown}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UserError(f"{shown}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise UserError(f"{shown}: not UTF-8 text") from None
    if not isinstance(data, dict):
        raise UserError(f"{shown}: expected a mapping of keys at the top level")
    return data


def _validated(model: type[BaseModel], data: dict, path: Path):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UserError(f"{display(path)}: " + "; ".join(_describe(e) for e in exc.errors())) from None


def _describe(err: dict) -> str:
    key = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if err["type"] == "missing":
        return f"missing key '{key}'"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"].endswith("_type") or err["type"].endswith("_parsing"):
        return f"key '{key}': {msg} (got {err['input']!r})"
    return f"key '{key}': {msg}"


def load_params(edition_file: str | Path, check_inputs: bool = True) -> Params:
    """Load and validate an edition YAML and the methodology it names; check that its
    input files exist (unless generating them)."""
    edition_path = resolve(edition_file)
    edition = _validated(Edition, read_yaml(edition_path), edition_path)
    methodology_path = resolve(edition.methodology)
    if not methodology_path.is_file():
        raise UserError(f"{display(edition_path)}: key 'methodology': file not found: {edition.methodology}")
    methodology = _validated(Methodology, read_yaml(methodology_path), methodology_path)
    params = Params(edition, methodology, edition_path, methodology_path)
    for key, p in params.input_paths.items():
        if check_inputs and not p.is_file():
            raise UserError(f"{display(edition_path)}: key 'inputs.{key}': file not found: "
                            f"{getattr(edition.inputs, key)}")
    return params


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
