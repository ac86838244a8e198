"""The params of a run: an edition (or a scenario and the edition it extends) with its
methodology, loaded across files and validated, and where each came from.

The schema lives beside this module, one job each: ``methodology`` (the framework and its
methods), ``edition`` (an edition, and its checks against its methodology), ``scenario``
(overrides of an edition: ``merge``, ``extend``), ``series`` (``iq series``), ``errors``
(pydantic errors in the user's words). Every mistake ends in one ``UserError`` naming the
file and the key or code, so the CLI can print it and exit with code 2. ``Params`` holds data
only: the words a reader sees around it (a draft's or a scenario's title) are the catalogue's
(``iqlib.presentation.titles``).
"""

from __future__ import annotations

from pathlib import Path

from iqlib.config.edition import Edition, Group, Inputs, RosterColumn, check_with_methodology
from iqlib.config.errors import validated
from iqlib.config.methodology import Aggregate, Indicator, Kind, Methodology, Ratio, Regions, Scoring, Status, Subcriteria
from iqlib.config.paths import display, file_problem, resolve
from iqlib.config.reserved import check as check_reserved
from iqlib.config.scenario import Scenario, extend, merge
from iqlib.config.series import Series, SeriesEdition, load_series
from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import UserError

# the schema's models stay importable from here, as before the schema was split by job
__all__ = ["Aggregate", "Edition", "Group", "Indicator", "Inputs", "Kind", "Methodology", "Params", "Ratio", "Regions",
           "RosterColumn", "Scenario", "Scoring", "Series", "SeriesEdition", "Status", "Subcriteria", "load_params",
           "load_series", "merge", "params_from", "params_from_resolved"]


class Params:
    """A loaded edition (or scenario) with its methodology and where each came from."""

    def __init__(self, edition: Edition, methodology: Methodology, edition_path: Path,
                 methodology_path: Path, files: list[Path], extends: Path | None = None, draft: bool = False,
                 inherited_title: tuple[str, ...] = ()):
        self.edition = edition
        self.methodology = methodology
        self.edition_path = edition_path        # the file the user named (edition or scenario)
        self.methodology_path = methodology_path
        self.files = files                      # every params file read, in order
        self.extends = extends                  # a scenario's base edition file; None for an edition
        self.draft = draft                      # a draft run (iq run --draft): no robustness analysis, not publishable
        self.inherited_title = inherited_title  # languages whose title a scenario left to the edition it extends

    def as_draft(self) -> Params:
        """These params for a draft run: without the uncertainty and sensitivity analysis."""
        edition = self.edition.model_copy(update={"uncertainty": None})
        return Params(edition, self.methodology, self.edition_path, self.methodology_path, self.files, self.extends,
                      draft=True, inherited_title=self.inherited_title)

    def resolved(self) -> dict:
        """The data these params hold, as a run's manifest records it (``params.resolved``;
        ``params_from_resolved`` reads it back)."""
        out: dict = {"edition": self.edition.model_dump(mode="json"),
                     "methodology": self.methodology.model_dump(mode="json")}
        if self.inherited_title:
            out["inherited_title"] = list(self.inherited_title)
        return out

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

    @property
    def title_inherited(self) -> bool:
        """Whether this scenario left its title, in the edition's language, to the edition it extends."""
        return self.edition.language in self.inherited_title

    def local(self, obj: object, field: str) -> str:
        """``obj.<field>_ru`` or ``obj.<field>_en``, in the edition's language (the one
        place the language is chosen for a name or title)."""
        return getattr(obj, f"{field}_{self.language}")

    @property
    def methodology_title(self) -> str:
        return self.local(self.methodology, "title")

    def group_name(self, code: str) -> str:
        return self.local(next(g for g in self.edition.groups if g.code == code), "name")

    def name(self, code: str) -> str:
        return self.local(self.methodology.node(code), "name")


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
    inherited_title: tuple[str, ...] = ()
    if "extends" in data:
        scenario = extend(data, where)
        files.append(scenario.base_path)
        data, meth_override, extends = scenario.edition, scenario.methodology, scenario.base_path
        inherited_title, where = scenario.inherited_title, scenario.where
    edition = validated(Edition, data, where)
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
    methodology = validated(Methodology, meth_data, meth_where)
    check_with_methodology(edition, methodology, where, meth_where)
    check_reserved(edition, methodology, where, meth_where)      # no input takes a name the results use
    params = Params(edition, methodology, path, methodology_path, files, extends, inherited_title=inherited_title)
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
    return Params(edition, methodology, resolve(path), resolve(edition.methodology), [],
                  inherited_title=tuple(resolved.get("inherited_title", ())))
