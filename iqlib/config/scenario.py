"""A scenario: a file that ``extends`` an edition and overrides only what differs from it and
its methodology. ``merge`` applies overrides; ``extend`` reads the edition a scenario file
extends and gives the edition data it describes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from iqlib.config.edition import Edition
from iqlib.config.errors import validated
from iqlib.config.limits import Text
from iqlib.config.names import FolderName
from iqlib.config.paths import display, file_problem, resolve
from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import UserError
from iqlib.core.registry import Strict

TITLES = tuple(f.removeprefix("title_") for f in Edition.model_fields if f.startswith("title_"))  # ru, en


class Scenario(Strict):
    """A variation: the edition it extends and only what differs."""

    extends: str
    scenario: FolderName = Field(description="names its run folder and files (config.names)")
    description: Text = ""
    edition: dict = Field(default_factory=dict)
    methodology: dict = Field(default_factory=dict)


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


@dataclass(frozen=True)
class Extended:
    """A scenario file resolved against the edition it extends."""

    edition: dict                     # the edition's data with the scenario's overrides
    methodology: dict                 # the scenario's overrides of the methodology
    base_path: Path                   # the edition file it extends
    inherited_title: tuple[str, ...]  # languages whose title the scenario left to its edition
    where: str                        # how messages name it: the scenario file (extending the edition file)


def extend(data: dict, where: str) -> Extended:
    """The scenario given as the data of its file (named ``where`` in messages) applied to the
    edition it extends; that edition must exist and not be a scenario itself."""
    scenario = validated(Scenario, data, where)
    base_path = resolve(scenario.extends)
    if problem := file_problem(base_path):
        raise UserError(f"{where}: key 'extends': {problem}: {scenario.extends}")
    base = read_yaml(base_path)
    if "extends" in base:
        raise UserError(f"{where}: key 'extends': {scenario.extends} is itself a scenario; "
                        f"extend an edition")
    try:
        edition = merge(base, {**scenario.edition, "scenario": scenario.scenario,
                               "description": scenario.description})
    except UserError as exc:
        raise UserError(f"{where}: edition {exc}") from None
    inherited = tuple(lang for lang in TITLES if f"title_{lang}" not in scenario.edition)
    return Extended(edition, scenario.methodology, base_path, inherited, f"{where} (extending {display(base_path)})")
