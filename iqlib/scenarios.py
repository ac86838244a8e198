"""Scenarios in memory, for notebooks: an edition with other weights or methods, computed
without notebooks or files, with the functions the stages call (same numbers as ``iq run``
of the same scenario file, to the last bit).

    >>> import iqlib
    >>> s = iqlib.scenario("params/editions/2019.yaml", weights={"D4": 2})
    >>> s.compute()              # results/scores.csv of that scenario, as a DataFrame
    >>> s.save("d4-double")      # params/scenarios/d4-double.yaml, ready for ``iq run``

Overrides are written the way a scenario file writes them (``methodology:``/``edition:``
blocks), so whatever a scenario file can change, a scenario here can; ``weights``,
``missing``, ``treatment``, ``normalisation`` and ``aggregation`` are shortcuts that
replace a choice for every indicator (or a level), as the uncertainty analysis does.
"""

from __future__ import annotations

import copy
import functools
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from iqlib.config import names
from iqlib.config.params import Params, load_params, merge, params_from
from iqlib.config.paths import display, project_root, resolve
from iqlib.config.yamlfile import read_yaml
from iqlib.core import aggregate, engine
from iqlib.core.errors import UserError
from iqlib.core.normalise import Bounds
from iqlib.io import inputs
from iqlib.stages import published_scores

SCENARIOS = Path("params") / "scenarios"


@dataclass(frozen=True)
class Computed:
    """A scenario's results: what the stages would write as scores.csv and aggregates.csv."""

    scores: pd.DataFrame        # published: rounded, ranked, in group order (results/scores.csv)
    aggregates: pd.DataFrame    # full precision, city_id → node (results/aggregates.csv)
    normalised: pd.DataFrame    # city_id → indicator (results/normalised.csv)


@dataclass(frozen=True)
class Scenario:
    """An edition (``extends``) and what differs from it, validated as a scenario file."""

    extends: str                                  # the edition file, from the project root
    name: str
    description: str = ""
    edition: dict = field(default_factory=dict)   # the scenario file's ``edition:`` block
    methodology: dict = field(default_factory=dict)

    @functools.cached_property
    def params(self) -> Params:
        """The scenario's params, checked by the schema every scenario file goes through."""
        names.check_name(self.name, "scenario")
        return params_from(self.file_data(), project_root() / SCENARIOS / f"{self.name}.yaml")

    def file_data(self) -> dict:
        """The scenario file's content."""
        data: dict[str, Any] = {"extends": self.extends, "scenario": self.name}
        if self.description:
            data["description"] = self.description
        if self.edition:
            data["edition"] = copy.deepcopy(self.edition)
        if self.methodology:
            data["methodology"] = copy.deepcopy(self.methodology)
        return data

    def compute(self) -> pd.DataFrame:
        """The published scores and ranks (results/scores.csv) of this scenario."""
        return self.result().scores

    def result(self) -> Computed:
        params = self.params
        fw = params.methodology.framework
        values, cities = _inputs(params)
        key = repr((sorted(fw.missing.items()), sorted(fw.treatment.items()), sorted(fw.normalisation.items()),
                    sorted(fw.polarity.items()), fw.imputation_by, params.edition.base_edition))
        prepared = _cached(("prepared", id(values), key),
                           lambda: engine.prepare(values, cities, fw, _bounds(params, values, cities)))
        agg = aggregate.aggregate_all(prepared.normalised, fw)
        return Computed(published_scores(params, cities, agg.scores), agg.scores, prepared.normalised)

    def yaml(self) -> str:
        """The scenario file's text."""
        head = f"# Scenario «{self.name}» of {self.extends}" + (f": {self.description}" if self.description else "")
        return head + "\n" + yaml.safe_dump(self.file_data(), allow_unicode=True, sort_keys=False, width=100)

    def save(self, folder: str | Path = SCENARIOS, overwrite: bool = False) -> Path:
        """Write the scenario file (``<folder>/<name>.yaml``), read it back through
        ``load_params`` and return its path; an existing file is kept unless ``overwrite``.
        Refused, with nothing written (no folder either), when the name breaks a rule of
        ``config.names``, differs from a file of ``folder`` only in case or in _ against -,
        is the name of the edition's own run or is declared by another scenario file of the
        same edition there (both would run into runs/<edition>/<name>)."""
        _check_types("save", folder=(folder, (str, Path)), overwrite=(overwrite, bool))
        names.check_name(self.name, "scenario")
        target = resolve(folder)
        path = target / f"{self.name}.yaml"
        if path.exists() and not overwrite:
            raise UserError(f"{display(path)} exists; choose another name or pass overwrite=True")
        if (other := names.clash(target, path.name)) is not None:
            raise UserError(f"scenario name {self.name!r}: {display(other)} exists and differs from {path.name} only in "
                            f"case or in _ against - (one file on a file system that ignores case); choose another name")
        params = self.params                      # validated before anything is written
        check_run_name(params)
        _check_declared(params, target, path)
        text = self.yaml()
        made = [p for p in (target, *target.parents) if not p.exists()]   # folders this call creates, removed on failure
        tmp = path.with_suffix(".yaml.tmp")
        try:
            target.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            load_params(tmp)
            tmp.replace(path)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            for p in made:
                if p.is_dir() and not any(p.iterdir()):
                    p.rmdir()
            if isinstance(exc, OSError):
                raise UserError(f"cannot write {display(path)}: {exc.strerror or exc}") from None
            raise
        return path


def check_run_name(params: Params) -> None:
    """A scenario runs into runs/<edition>/<name> (outputs/… when published): not the folder of
    the run of the edition it extends (``iq run`` and ``Scenario.save`` refuse it)."""
    ed = params.edition
    if params.extends is None:
        return
    base = load_params(params.extends, check_inputs=False).edition
    if names.fold(base.scenario) == names.fold(ed.scenario):
        raise UserError(f"{display(params.edition_path)}: key 'scenario': {ed.scenario!r} is the name of the run of "
                        f"the edition it extends ({display(params.extends)}: runs/{ed.edition}/{base.scenario}); "
                        f"choose another name")


def _check_declared(params: Params, folder: Path, path: Path) -> None:
    """No other scenario file of ``folder`` extends the same edition with a name of the same
    ``names.fold``: both would run into runs/<edition>/<name>."""
    ed = params.edition
    for other in sorted(folder.glob("*.yaml")):
        if other == path:
            continue
        try:
            data = read_yaml(other)
            declared, extends = data.get("scenario"), data.get("extends")
            same = isinstance(extends, str) and read_yaml(resolve(extends)).get("edition") == ed.edition
        except (UserError, AttributeError):     # not a scenario file: it names no run
            continue
        if same and isinstance(declared, str) and names.fold(declared) == names.fold(ed.scenario):
            raise UserError(f"scenario name {ed.scenario!r}: {display(other)} already declares scenario {declared!r} of "
                            f"edition {ed.edition} (both would run into runs/{ed.edition}/{declared}); choose another name")


def scenario(base: str | Path, name: str = "whatif", description: str = "", *,
             weights: dict[str, float] | None = None, missing: str | None = None,
             treatment: dict | str | None = None, normalisation: dict | str | None = None,
             aggregation: dict[str, dict | str] | None = None,
             edition: dict | None = None, methodology: dict | None = None) -> Scenario:
    """A scenario of ``base`` (an edition file, or a scenario file whose changes it keeps).

    ``weights``: node code → weight; ``missing``, ``treatment``, ``normalisation``: a rule
    or method config for every indicator (``"nominal"``: the methodology's own);
    ``aggregation``: level → method config; ``edition``/``methodology``: blocks as in a
    scenario file. Every change is validated when the scenario is computed or saved."""
    _check_types("scenario", base=(base, (str, Path)), name=(name, str), description=(description, str),
                 weights=(weights, dict), missing=(missing, str), treatment=(treatment, (dict, str)),
                 normalisation=(normalisation, (dict, str)), aggregation=(aggregation, dict), edition=(edition, dict),
                 methodology=(methodology, dict))
    for code, weight in (weights or {}).items():
        if not isinstance(code, str) or isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise UserError(f"scenario argument 'weights': {code!r}: {weight!r} is not a number "
                            f"(weights={{'D4': 2}} gives direction D4 the weight 2)")
    names.check_name(name, "scenario")
    path = resolve(base)
    data = read_yaml(path)
    extends, ed, meth = display(path), {}, {}
    if "extends" in data:                      # a scenario: start from its changes
        extends, ed, meth = data["extends"], data.get("edition", {}), data.get("methodology", {})
    base_meth = load_params(path, check_inputs=False).methodology
    shortcuts = _shortcuts(base_meth, weights, missing, treatment, normalisation, aggregation)
    try:
        meth = merge(merge(meth, shortcuts, "methodology"), methodology or {}, "methodology")
        ed = merge(ed, edition or {}, "edition")
    except UserError as exc:
        raise UserError(f"scenario {name!r} of {extends}: {exc}") from None
    return Scenario(extends, name, description, ed, meth)


def _check_types(function: str, **arguments: tuple[object, type | tuple[type, ...]]) -> None:
    """One message naming the first argument of ``function`` of the wrong type (None: not given)."""
    for argument, (value, wanted) in arguments.items():
        wanted = wanted if isinstance(wanted, tuple) else (wanted,)
        if value is not None and (not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted)):
            kinds = " or ".join(t.__name__ for t in wanted)
            raise UserError(f"{function} argument {argument!r}: expected {kinds}, got {type(value).__name__} ({value!r:.80})")


def _shortcuts(meth: Any, weights: dict[str, float] | None, missing: str | None, treatment: dict | str | None,
               normalisation: dict | str | None, aggregation: dict[str, dict | str] | None) -> dict:
    """The shortcut arguments of ``scenario`` as a scenario file's ``methodology:`` block."""
    out: dict[str, Any] = {}
    indicators = set(meth.indicator_codes())
    for code, weight in (weights or {}).items():
        if code not in indicators and not any(a.code == code for a in meth.aggregates):
            raise UserError(f"weights: no indicator or aggregate with code {code!r}")
        out.setdefault("indicators" if code in indicators else "aggregates", {})[code] = {"weight": float(weight)}
    for key, choice in (("missing", missing), ("treatment", treatment), ("normalisation", normalisation)):
        if choice is None or choice == "nominal":
            continue
        for kind in meth.kinds:
            out.setdefault("kinds", {}).setdefault(kind, {})[key] = copy.deepcopy(choice)
        for ind in meth.indicators:
            if getattr(ind, key) is not None:
                out.setdefault("indicators", {}).setdefault(ind.code, {})[key] = copy.deepcopy(choice)
        if key != "missing":
            out.setdefault("scoring", {})[key] = copy.deepcopy(choice)
    for level, choice in (aggregation or {}).items():
        if choice == "nominal":
            continue
        if level not in meth.scoring.aggregation:
            raise UserError(f"aggregation: no level {level!r} (levels: {', '.join(meth.scoring.aggregation)})")
        config = {"method": choice} if isinstance(choice, str) else copy.deepcopy(choice)
        out.setdefault("scoring", {}).setdefault("aggregation", {})[level] = config
    return out


def _file_state(path: Path) -> tuple:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


_CACHE: dict[tuple, Any] = {}


def _cached(key: tuple, make: Any) -> Any:
    """``make()`` once per key (a few entries: the inputs and bounds of recent editions)."""
    if key not in _CACHE:
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = make()
    return _CACHE[key]


def _inputs(params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The edition's validated indicator values and roster, read once per state of its
    files and of its indicator definitions."""
    meth = params.methodology
    key = ("inputs", tuple(_file_state(p) for p in params.input_paths.values()),
           repr([(i.code, i.kind, i.derive) for i in meth.indicators]),
           repr(sorted((k, v.min, v.max, v.unit_en) for k, v in meth.kinds.items())))

    def load() -> tuple[pd.DataFrame, pd.DataFrame]:
        data = inputs.load(params)
        return data.values[meth.indicator_codes()], data.cities
    return _cached(key, load)


def _bounds(params: Params, values: pd.DataFrame, cities: pd.DataFrame) -> Bounds:
    """Goalpost bounds (from the base edition's inputs when the edition names one)."""
    base = params.edition.base_edition
    files: tuple = ()
    if base:
        files = tuple(_file_state(p) for p in [resolve(base), *load_params(base, check_inputs=False).input_paths.values()])
    return _cached(("bounds", files, id(values)), lambda: inputs.goalpost_bounds(params, values, cities))
