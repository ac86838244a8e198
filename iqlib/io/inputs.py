"""An edition's input files, read and validated: ``load`` gives the roster and the values
with the tables that account for every cell; ``goalpost_bounds`` reads the base edition's
inputs when goalposts come from another edition.

Every problem in a file is collected and reported together (file, line, column, value,
what was expected); nothing is silently dropped: each row is used or reported. The work is
done by ``encoding`` (the text of a CSV file), ``tables`` (reading CSV and XLSX as text),
``codes`` (look-alike city codes), ``roster`` (the cities) and ``values`` (the indicators).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from iqlib.config.params import Params, load_params
from iqlib.config.paths import display, resolve
from iqlib.core import engine
from iqlib.core.errors import MethodError, ProblemsError, UserError
from iqlib.core.normalise import Bounds
from iqlib.io import suspicious
from iqlib.io.reference import read_published
from iqlib.io.roster import load_cities
from iqlib.io.tables import Table, read_table, to_number
from iqlib.io.values import accounting, load_values, missing_table

# also importable from here, as before the reading was split by job
__all__ = ["InputData", "Table", "goalpost_bounds", "load", "load_cities", "load_values", "read_table", "to_number"]


@dataclass(frozen=True)
class InputData:
    """An edition's inputs, validated: the roster (one row per city, with its group), the
    values (cities × indicators), the tables that account for every cell, and the warnings
    about suspicious but legal inputs (``io.suspicious``: the run goes on)."""

    cities: pd.DataFrame
    values: pd.DataFrame
    group_disagreements: pd.DataFrame
    missing: pd.DataFrame
    accounting: pd.DataFrame
    warnings: pd.DataFrame


def load(params: Params) -> InputData:
    """All inputs of an edition, validated: roster, values, group disagreements, missing,
    warnings."""
    with _hint_blank_rows(params, "cities"):
        cities, disagree = load_cities(params)
    by = params.methodology.scoring.imputation.by
    if by not in cities.columns:
        raise UserError(f"{display(params.methodology_path)}: key 'scoring.imputation.by': the roster has no "
                        f"column {by!r} (it has {', '.join(cities.columns)}; an extra column is declared in the "
                        f"edition's roster_columns)")
    with _hint_blank_rows(params, "values"):
        values = load_values(params, cities)
    read_published(params, cities)  # pre-flight: the official figures the rank stage reads (texts bounded, roster matched)
    if params.methodology.scoring.screening is not None:  # pre-flight: screening must leave something to score
        try:
            engine.screened_and_imputed(values, cities, params.methodology.framework)
        except MethodError as exc:
            overrides = f" with the overrides of {display(params.edition_path)}" if params.extends else ""
            raise UserError(f"{display(params.methodology_path)}{overrides}: key 'scoring.screening': {exc}") from None
    missing = missing_table(values, params)
    return InputData(cities, values, disagree, missing, accounting(values, missing),
                     suspicious.warnings(params, cities, values))


@contextmanager
def _hint_blank_rows(params: Params, name: str) -> Iterator[None]:
    """An XLSX input that fails validation with rows after a blank row (not read: a sheet's
    data ends at its first blank row) says so under its problems."""
    try:
        yield
    except ProblemsError as exc:
        hint = suspicious.blank_row_hint(params.input_paths[name])
        if hint is None:
            raise
        raise ProblemsError(exc.title, [*exc.problems, hint]) from None


def goalpost_bounds(params: Params, values: pd.DataFrame, cities: pd.DataFrame) -> Bounds:
    """Goalpost bounds from the base edition's inputs (from ``values`` and ``cities``, this
    edition's, when none is named)."""
    if params.edition.base_edition:
        base = load(load_params(resolve(params.edition.base_edition)))
        values, cities = base.values, base.cities
    return engine.base_bounds(values, cities)
