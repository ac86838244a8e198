"""``iq optimise-weights EDITION --level LEVEL``: the weights of one level optimised to a target
importance (``analysis.optimise``), written as a scenario file ready for ``iq run`` and
``iq compare`` and a table of the weights and correlations.

Written to ``--out``: ``<name>.yaml`` (the scenario: it ``extends`` the edition, keeps the
changes of a scenario file given as EDITION and sets the level's weights) and ``<name>.csv``
(``code, weight_nominal, weight_optimised, correlation_nominal, correlation_optimised``), both
replaced if they exist. Everything is checked before anything is written: bad targets, level,
name or folder are one ``UserError`` and nothing is written.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from iqlib.analysis.optimise import Optimised, optimise_weights
from iqlib.config.names import check_out
from iqlib.config.params import Params
from iqlib.config.paths import display, resolve
from iqlib.core.errors import UserError
from iqlib.presentation.text import level_name, number
from iqlib.presentation.words import word
from iqlib.scenarios import scenario


@dataclass(frozen=True)
class Written:
    scenario: Path
    table: Path
    result: Optimised


def parse_targets(items: Sequence[str] | None) -> dict[str, float]:
    """``["D4=2", "D1=0.5"]`` → ``{"D4": 2.0, "D1": 0.5}`` (a decimal comma is accepted); a
    malformed item or a code given twice is a ``UserError``."""
    out: dict[str, float] = {}
    for item in items or []:
        code, sep, value = item.partition("=")
        code, value = code.strip(), value.strip()
        try:
            number_ = float(value.replace(",", "."))
        except ValueError:
            number_ = None
        if not sep or not code or number_ is None:
            raise UserError(f"--target {item!r}: expected CODE=VALUE, e.g. --target D4=2 (D4 twice as important)")
        if code in out:
            raise UserError(f"--target {code} is given twice")
        out[code] = number_
    return out


def check_folder(out: str | Path) -> Path:
    """The output folder: an existing writable folder, or one that can be made (its nearest
    existing parent a writable folder), never inside the project's sources, a run, a site or
    ``outputs/`` (``config.names.check_out``, as every command's ``--out``); else a ``UserError``."""
    check_out(out, "iq optimise-weights")
    folder = resolve(out)
    if folder.exists():
        if not folder.is_dir():
            raise UserError(f"--out {out}: not a folder")
        if not os.access(folder, os.W_OK):
            raise UserError(f"--out {out}: the folder is not writable")
        return folder
    parent = folder.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise UserError(f"--out {out}: cannot make the folder ({display(parent)} is not a writable folder)")
    return folder


def description(params: Params, result: Optimised, targets: dict[str, float]) -> str:
    """The scenario's description in the edition's language (catalogue section ``optimise``)."""
    lang = params.language
    if targets:
        shown = "; ".join(word(lang, "optimise.target", code=code, value=_value(targets.get(code, 1.0), lang))
                          for code in result.weights.index)
    else:
        shown = word(lang, "optimise.equal")
    return word(lang, "optimise.description", level=level_name(params, result.level),
                correlation=word(lang, f"optimise.correlation.{result.correlation}"), targets=shown)


def _value(value: float, language: str) -> str:
    return number(value, 0 if value == math.floor(value) else 2, language)


def optimise(params_file: str | Path, level: str, targets: dict[str, float] | None = None,
             correlation: str = "pearson", out: str | Path = ".", name: str | None = None) -> Written:
    """Optimise the weights of ``level`` of ``params_file`` (an edition or a scenario file) and
    write the scenario and the table to ``out`` (see the module docstring)."""
    folder = check_folder(out)
    name = name or f"optimised-{level}"
    base = scenario(params_file, name)          # the file's own changes, under the new name (checked here)
    params = base.params
    result = optimise_weights(base.result().normalised, params.methodology.framework, level, targets, correlation)
    new = scenario(params_file, name, description(params, result, targets or {}),
                   weights={c: float(w) for c, w in result.weights.items()})
    new.params  # noqa: B018 — the scenario is validated before anything is written
    folder.mkdir(parents=True, exist_ok=True)
    table = folder / f"{name}.csv"
    tmp = table.with_suffix(".csv.tmp")
    tmp.write_text(result.table().to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    try:
        path = new.save(folder, overwrite=True)
    except BaseException:
        tmp.unlink()
        raise
    tmp.replace(table)
    return Written(path, table, result)
