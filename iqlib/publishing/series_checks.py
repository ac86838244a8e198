"""What ``iq series`` checks before it computes anything: every run it reads and the
official averages it shows beside them.

A series puts published runs on one line, so a wrong run there publishes another year's
figures under the wrong year. Each run is therefore checked as ``iq verify --quick`` checks
it (checksums, manifest, executed notebooks, inputs: ``verify.quick_checks``) and matched to
the params given beside it (edition, scenario, data year, params file, methodology id and
file, every input file, by the same sha256 the manifest records); the data years must be
distinct and the group sets the same; the official-averages file must have its columns, a
whole year on every line, numbers where numbers go and each year once. Each failure is one
``UserError`` naming the series file, its key and the file at fault, raised before the
expensive scoring against fixed goalposts and before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.config.params import Params, Series, load_params
from iqlib.config.paths import display, resolve
from iqlib.core.errors import ProblemsError, UserError
from iqlib.io.hashing import sha256
from iqlib.io.tables import not_a_number, read_table, require_columns, to_number
from iqlib.publishing import verify

AVERAGE_COLUMNS = ["data_year", "national_average", "change_vs_2018_base_pct"]
CONFLICT_COLUMNS = ["conflict_ru", "conflict_en", "resolution_ru", "resolution_en"]    # what the series page shows
NUMBER_COLUMNS = AVERAGE_COLUMNS[1:]
SHOWN = 10          # problems listed in one message (the total is always given)


@dataclass(frozen=True)
class CheckedRun:
    """A run of the series that passed its checks, with the params it was matched to."""

    key: str            # editions[i].run
    run: str            # as written in the series file
    manifest: dict
    params: Params
    year: int
    groups: tuple[str, ...]


def run_manifest(where: str, key: str, value: str) -> dict:
    """The manifest of the run folder ``value`` (series key ``key``), or one message saying
    why it is not a run: no such folder, a file, a folder without a manifest, a series."""
    run = resolve(value)
    head = f"{where}: key {key!r}: {value}"
    if not run.exists():
        raise UserError(f"{head}: no such folder")
    if not run.is_dir():
        raise UserError(f"{head}: not a run folder (a file, not a folder)")
    try:
        man = verify.run_manifest(run)
    except UserError as exc:
        reason = str(exc).removeprefix(display(run) + ": ")
        if reason.startswith("a series folder"):
            reason += "; list the runs it reads instead"
        raise UserError(f"{head}: {reason}") from None
    if man.get("draft"):
        raise UserError(f"{head}: a draft run (iq run --draft) cannot enter a series; run it without --draft")
    return man


def check_integrity(where: str, key: str, value: str, man: dict) -> None:
    """The run as ``iq verify --quick`` checks it; its problems are one message."""
    report = verify.quick_checks(resolve(value), man)
    if report.problems:
        raise ProblemsError(f"{where}: key {key!r}: {value} fails iq verify --quick", report.problems, cap=SHOWN)


def _hash(path: Path) -> str | None:
    return sha256(path) if path.is_file() else None


def mismatches(man: dict, params: Params) -> list[str]:
    """How a run's manifest differs from the params it is said to be made from (empty: the
    run was made from them): edition, scenario, data year, params file, methodology id and
    file, and every input file, compared by the sha256 the manifest records."""
    edition = params.edition
    resolved = man["params"]["resolved"].get("edition", {})
    pairs = [("edition", man.get("edition"), edition.edition), ("scenario", man.get("scenario"), edition.scenario),
             ("data year", resolved.get("data_year"), edition.data_year),
             ("methodology", man["methodology"].get("id"), params.methodology.id)]
    out = [f"{what} {ran!r} in the run, {given!r} in the params" for what, ran, given in pairs if ran != given]
    files = [("params file", man["params"].get("sha256"), params.edition_path),
             ("methodology file", man["methodology"].get("sha256"), params.methodology_path)]
    recorded = man.get("inputs", {})
    files += [(f"input {k!r}", recorded.get(k, {}).get("sha256"), p) for k, p in params.input_paths.items()]
    out += [f"{what} {display(path)} is not the one the run read (sha256 differs from its manifest)"
            for what, ran, path in files if ran != _hash(path)]
    extra = sorted(set(recorded) - set(params.input_paths))
    if extra:
        out.append(f"the run read input(s) the params do not name: {', '.join(extra)}")
    return out


def check_runs(s: Series, series_file: str | Path) -> list[CheckedRun]:
    """Every run of the series checked, matched to its params, one per data year and with
    one group set; the first failure is one ``UserError`` (nothing is computed or written)."""
    where = display(resolve(series_file))
    checked: list[CheckedRun] = []
    for i, e in enumerate(s.editions):
        key = f"editions[{i}].run"
        man = run_manifest(where, key, e.run)
        try:
            params = load_params(e.params, check_inputs=False)
        except UserError as exc:
            raise UserError(f"{where}: key 'editions[{i}].params': {exc}") from None
        try:
            check_integrity(where, key, e.run, man)
            wrong = mismatches(man, params)
        except (KeyError, TypeError, AttributeError) as exc:     # entries of a hand-made manifest that lack a key
            raise UserError(f"{where}: key {key!r}: {e.run}: not a run folder (its manifest.json is malformed: "
                            f"{type(exc).__name__} {exc})") from None
        if wrong:
            raise ProblemsError(f"{where}: key {key!r}: {e.run} was not made from {e.params} (key 'editions[{i}].params'); "
                                f"pair each run with its own params", wrong, cap=SHOWN)
        groups = tuple(g.code for g in params.edition.groups)
        checked.append(CheckedRun(key, e.run, man, params, int(params.edition.data_year), groups))
    first_of: dict[int, CheckedRun] = {}
    for c in checked:
        if c.year in first_of:
            raise UserError(f"{where}: key {c.key!r}: {c.run} is of data year {c.year} like {first_of[c.year].run} "
                            f"(key {first_of[c.year].key!r}); a series has one run per data year")
        first_of[c.year] = c
    check_groups(where, checked)
    return checked


def check_groups(where: str, checked: list[CheckedRun]) -> None:
    """Every run with the same group codes: group averages, places and movers are compared
    group by group across the years, which means nothing when the groups differ."""
    first = checked[0]
    differ = [c for c in checked[1:] if set(c.groups) != set(first.groups)]
    if not differ:
        return
    lines = [f"{c.run} ({c.key}): {', '.join(c.groups)}" for c in [first, *differ]]
    for c in differ:
        only_here, only_first = sorted(set(c.groups) - set(first.groups)), sorted(set(first.groups) - set(c.groups))
        lines.append(f"{c.run} against {first.run}: "
                     + "; ".join(part for part in (f"only in {c.run}: {', '.join(only_here)}" if only_here else "",
                                                   f"not in {c.run}: {', '.join(only_first)}" if only_first else "")
                                 if part))
    raise ProblemsError(f"{where}: the runs have different group sets; group averages and movers compare the same "
                        f"groups across the years, so every edition of a series needs the same groups", lines, cap=SHOWN)


def official_averages(series_file: str | Path, value: str) -> pd.DataFrame:
    """The series' official averages (key ``official_averages``) as numbers: ``data_year``
    (int), ``national_average`` and ``change_vs_2018_base_pct`` (float, NaN where blank).
    Missing columns, a year that is not a whole number, a value that is not a number and a
    year given twice are one message naming the file, line and column."""
    where = f"{display(resolve(series_file))}: key 'official_averages'"
    try:
        table = read_table(resolve(value))
        require_columns(table, AVERAGE_COLUMNS)
    except UserError as exc:
        raise UserError(f"{where}: {exc}") from None
    frame = table.frame
    problems: list[str] = []
    year_text = frame["data_year"]
    whole = year_text.str.fullmatch(r"[+-]?\d{1,6}")
    for row in np.flatnonzero(~whole.to_numpy(dtype=bool)):
        shown = year_text.iloc[row]
        problems.append(f"{table.where(row, 'data_year')}: {shown!r} is not a year (a whole number)" if shown
                        else f"{table.where(row, 'data_year')}: no year")
    years = pd.to_numeric(year_text.where(whole), errors="coerce")
    twice = years.duplicated(keep="first") & years.notna()
    first_row = {y: r for r, y in reversed(list(enumerate(years))) if not pd.isna(y)}
    for row in np.flatnonzero(twice.to_numpy()):
        problems.append(f"{table.where(row, 'data_year')}: year {int(years.iloc[row])} again "
                        f"(first at line {table.first_line + first_row[years.iloc[row]]})")
    numbers = {}
    for column in NUMBER_COLUMNS:
        numbers[column] = to_number(frame[column])
        bad = numbers[column].isna() & (frame[column] != "")
        problems += [f"{table.where(row, column)}: {not_a_number(frame[column].iloc[row])}" for row in np.flatnonzero(bad)]
    if problems:
        raise ProblemsError(f"{where}: {display(table.path)} is not a table of official averages", problems, cap=SHOWN)
    out = pd.DataFrame({"data_year": years.astype("int64"), **{c: numbers[c].astype("float64") for c in NUMBER_COLUMNS}})
    return out


def check_conflicts(series_file: str | Path, value: str) -> None:
    """The series' conflicts file (key ``conflicts``) has the columns its page shows."""
    try:
        require_columns(read_table(resolve(value)), CONFLICT_COLUMNS)
    except UserError as exc:
        raise UserError(f"{display(resolve(series_file))}: key 'conflicts': {exc}") from None
