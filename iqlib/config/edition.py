"""An edition as data: its methodology, inputs, population groups, declared roster columns,
seed and uncertainty analysis; and the checks of an edition against its methodology
(normalisation scopes, uncertainty levels).
"""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from iqlib.analysis.uncertainty import LinkedAggregation, Uncertainty
from iqlib.config.errors import unique
from iqlib.config.limits import NAME, Code, Name, Text, Title, Url, text_problem
from iqlib.config.methodology import Methodology
from iqlib.config.names import PATTERN, FolderName
from iqlib.core.errors import UserError
from iqlib.core.normalise import Normalisation
from iqlib.core.registry import Strict


class Group(Strict):
    code: Code = Field(pattern=PATTERN, description="names files and pages: letters, digits, _ and -")
    name_ru: Name
    name_en: Name
    min_population: int = Field(ge=0)
    eligible_if_any: list[Literal["regional_capital", "pilot"]] = Field(
        default_factory=list,
        description="roster flags of which a city of this group must have at least one")


ROSTER_RESERVED = ("city_id", "city_ru", "region_ru", "population", "regional_capital", "pilot", "oktmo",
                   "group_official", "list_order_2018", "group", "group_computed")


class RosterColumn(Strict):
    """An extra column of the roster (cities.csv): a grouping the methods can use
    (``scoring.imputation.by``, normalisation ``within``)."""

    name: Code = Field(pattern=r"^[a-z][a-z0-9_]*$", description="the column's header: small Latin letters, "
                                                                 "digits and _")
    type: Literal["text", "integer", "number"] = "text"
    values: list[str | int | float] | None = Field(None, min_length=1, description="the values allowed "
                                                   "(none: any value of the type)")
    name_ru: Name | None = Field(None, description="the column's name for readers (default: its header)")
    name_en: Name | None = None
    rank_and_summarise: bool = Field(False, description="also rank the cities within each value of the column "
                                     "(scores.csv: rank_in_<name>) and summarise them (results/summary_<name>.csv)")

    @field_validator("values")
    @classmethod
    def _value_texts(cls, values: list[str | int | float] | None) -> list[str | int | float] | None:
        for i, value in enumerate(values or []):
            if isinstance(value, str) and (problem := text_problem(value, NAME)) is not None:
                raise ValueError(f"value {i + 1}: {problem}")
        return values

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


URL = r"^https?://[^\s/?#]+\.[^\s/?#]+(/\S*)?$"
EMAIL = r"^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$"
CITATION_FIELDS = ("publisher", "title", "year", "url")
PLACEHOLDER_HOSTS = ("example.org", "example.com", "example.net")


class Licence(Strict):
    """The licence the published pages and tables are offered under."""

    name: Name = Field(min_length=1, description="as readers know it, e.g. CC BY 4.0")
    url: Url = Field(pattern=URL, description="the licence's text (http:// or https://)")


class Publication(Strict):
    """Who publishes the edition and on what terms: the footer of every page of the site,
    its sitemap and canonical address (``base_url``)."""

    publisher_ru: Name = Field(min_length=1)
    publisher_en: Name = Field(min_length=1)
    contact: Url = Field(description="an e-mail address or a web page (http:// or https://)")
    licence: Licence
    date_published: date = Field(description="the date of publication, ISO (2026-12-04)")
    citation_ru: Text = Field(min_length=1, description="suggested citation: a template with {publisher}, {title}, "
                                                       "{year} and {url}")
    citation_en: Text = Field(min_length=1)
    base_url: Url = Field(pattern=URL, description="the site's public address (sitemap.xml, canonical links); a "
                                                   "placeholder host (example.org) marks a site not yet online")

    @field_validator("contact")
    @classmethod
    def _contact(cls, contact: str) -> str:
        if not (re.fullmatch(EMAIL, contact) or re.fullmatch(URL, contact)):
            raise ValueError(f"expected an e-mail address (name@host.ru) or a web page (https://…), not {contact!r}")
        return contact

    @field_validator("date_published", mode="before")
    @classmethod
    def _iso(cls, value: object) -> object:
        if isinstance(value, date):
            return value
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"expected an ISO date such as 2026-12-04, not {value!r}")
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date ({exc})") from None

    @field_validator("citation_ru", "citation_en")
    @classmethod
    def _citation(cls, template: str) -> str:
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
        except ValueError as exc:
            raise ValueError(f"not a template ({exc}); write fields as {{year}}, braces as {{{{ and }}}}") from None
        unknown = sorted(fields - set(CITATION_FIELDS))
        if unknown:
            raise ValueError(f"unknown field {{{unknown[0]}}}; the template may use {{publisher}}, {{title}}, "
                             f"{{year}} and {{url}}")
        return template

    @field_validator("base_url")
    @classmethod
    def _base(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.query or parts.fragment or "?" in url or "#" in url:
            raise ValueError(f"the site's address has no query (?…) or fragment (#…): pages are found under it "
                             f"(e.g. https://iq.example.ru/ or https://example.ru/iq/), not {url[:80]!r}")
        return url if url.endswith("/") else url + "/"

    @property
    def placeholder(self) -> bool:
        """Whether ``base_url`` is a placeholder (a documentation host: the site is not online yet)."""
        host = (urlsplit(self.base_url).hostname or "").lower()
        return host in PLACEHOLDER_HOSTS or host.endswith(tuple("." + h for h in PLACEHOLDER_HOSTS)) \
            or host.endswith((".example", ".invalid", ".test"))

    @property
    def contact_href(self) -> str:
        """The contact as a link: mailto: for an e-mail address."""
        return self.contact if self.contact.startswith(("http://", "https://")) else f"mailto:{self.contact}"


class Edition(Strict):
    edition: int = Field(ge=2000, le=2100)
    data_year: int = Field(ge=2000, le=2100)
    title_ru: Title
    title_en: Title
    methodology: str
    scenario: FolderName = Field(description="names its run folder and files (config.names)")
    description: Text = ""
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
    publication: Publication | None = Field(None, description="publisher, contact, licence, date, citation and "
                                            "the site's address: the footer of every page (optional)")

    @field_validator("groups")
    @classmethod
    def _thresholds(cls, groups: list[Group]) -> list[Group]:
        unique("group", [g.code for g in groups])
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
        unique("roster column", [c.name for c in columns])
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


def check_with_methodology(edition: Edition, meth: Methodology, where: str, meth_where: str) -> None:
    """What only the two together can tell: normalisation scopes, the uncertainty analysis's
    levels, and screening that the uncertainty analysis can follow (``where`` names the edition,
    ``meth_where`` the methodology as overridden)."""
    check_scopes(edition, meth, meth_where)
    if edition.uncertainty:
        check_uncertainty_levels(edition.uncertainty, meth, where)


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
