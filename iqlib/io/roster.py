"""The city roster (``cities.csv``): every city with its population, flags, declared extra
columns and population group (from the edition's thresholds, or its official group), and the
cities whose official group differs from the one their population gives. Every problem is
collected and reported together."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.config.edition import RosterColumn
from iqlib.config.limits import NAME
from iqlib.config.params import Params
from iqlib.config.paths import display
from iqlib.core.errors import Problems, ProblemsError, UserError, first_of
from iqlib.io.codes import check_codes
from iqlib.io.tables import Table, check_texts, column_name, duplicates, each, preview, read_table, require_columns, to_number

CITY_COLUMNS = ["city_id", "city_ru", "region_ru", "population", "regional_capital", "pilot"]
OPTIONAL_CITY_COLUMNS = ["oktmo", "group_official", "list_order_2018", "lat", "lon"]
COORDINATES = {"lat": (-90.0, 90.0, "a latitude"), "lon": (-180.0, 180.0, "a longitude")}
FLAGS = ["regional_capital", "pilot"]
MAX_POPULATION = 10**10  # more than the world's: a typo (and beyond it int64 would overflow)


def assign_groups(population: pd.Series, params: Params) -> pd.Series:
    """Population group of each city from the edition's thresholds (≥ min_population)."""
    groups = params.edition.groups
    mins = np.array([g.min_population for g in groups])
    # thresholds decrease; the group is the first whose minimum the city reaches
    idx = (population.to_numpy()[:, None] >= mins[None, :]).argmax(axis=1)
    return pd.Series(np.array([g.code for g in groups], dtype=object)[idx], index=population.index, name="group")


def load_cities(params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roster with its population group, and a table of cities whose official group
    (column ``group_official``) differs from the one their population gives."""
    table = read_table(params.input_paths["cities"])
    require_columns(table, CITY_COLUMNS)
    df, problems = table.frame, Problems()
    declared = {c.name: c for c in params.edition.roster_columns}
    unknown = [c for c in df.columns if c not in CITY_COLUMNS + OPTIONAL_CITY_COLUMNS and c not in declared]
    if unknown:
        problems.append(f"{display(table.path)}: unknown column(s): {first_of([column_name(c) for c in unknown])} "
                        f"(expected {', '.join(CITY_COLUMNS + OPTIONAL_CITY_COLUMNS)}; declare an extra column in "
                        f"the edition, e.g. roster_columns: [{{name: {column_name(unknown[0])}, type: text}}])")
    absent = [c for c in declared if c not in df.columns]
    if absent:
        problems.append(f"{display(table.path)}: column(s) {first_of(absent)} declared in the edition's "
                        f"roster_columns are missing")
    extra = {name: _roster_column(table, col, problems) for name, col in declared.items() if name in df.columns}
    each(problems, "empty city_id", (df["city_id"] == "").to_numpy(), lambda row: f"{table.where(row, 'city_id')}: empty city_id")
    duplicates(table, "city_id", problems)
    check_codes(table, problems)
    check_texts(table, "city_ru", NAME, "a city's name", problems)
    check_texts(table, "region_ru", NAME, "a region's name", problems)
    population = to_number(df["population"])
    bad = population.isna() | (population <= 0) | (population % 1 != 0)
    each(problems, "population not a positive whole number", bad.to_numpy(),
         lambda row: f"{table.where(row, 'population')}: {preview(df['population'].iloc[row])} "
                     f"is not a positive whole number")
    limit = f"{MAX_POPULATION:_}".replace("_", " ")
    each(problems, "population too large", (population > MAX_POPULATION).to_numpy(),
         lambda row: f"{table.where(row, 'population')}: {preview(df['population'].iloc[row])} is more than "
                     f"{limit} (more people than on Earth)")
    if "oktmo" in df:
        bad_code = (df["oktmo"] != "") & ~df["oktmo"].str.fullmatch(r"\d{8}|\d{11}")
        each(problems, "not an OKTMO code", bad_code.to_numpy(),
             lambda row: f"{table.where(row, 'oktmo')}: {preview(df['oktmo'].iloc[row])} is not an OKTMO code "
                         f"(8 or 11 digits)")
    for flag in FLAGS:
        each(problems, "flag not 0 or 1", ~df[flag].isin(["0", "1"]).to_numpy(),
             lambda row, flag=flag: f"{table.where(row, flag)}: {preview(df[flag].iloc[row])} is not 0 or 1")
    coordinates = _coordinates(table, problems)
    codes = params.group_codes
    if "group_official" in df:
        wrong = (df["group_official"] != "") & ~df["group_official"].isin(codes)
        each(problems, "unknown group", wrong.to_numpy(),
             lambda row: f"{table.where(row, 'group_official')}: unknown group "
                         f"{preview(df['group_official'].iloc[row])} (expected one of {', '.join(codes)})")
    if problems:
        raise ProblemsError(f"{display(table.path)}: the city roster has errors", problems)

    cities = df[CITY_COLUMNS + (["oktmo"] if "oktmo" in df else [])].copy()
    cities["population"] = population.astype("int64")
    for flag in FLAGS:
        cities[flag] = cities[flag].astype("int64")
    cities["group_computed"] = assign_groups(cities["population"], params)
    official = df["group_official"] if "group_official" in df else pd.Series("", index=df.index)
    cities["group_official"] = official
    cities["group"] = official.where(official != "", cities["group_computed"])
    if coordinates is not None:
        cities["lat"], cities["lon"] = coordinates["lat"], coordinates["lon"]
    for name, column in extra.items():
        cities[name] = column

    for g in params.edition.groups:
        if g.eligible_if_any:
            members = cities["group"] == g.code
            eligible = cities[g.eligible_if_any].eq(1).any(axis=1)
            each(problems, "city not eligible for its group", (members & ~eligible).to_numpy(),
                 lambda row, g=g: f"{table.where(row)}: city {cities['city_id'].iloc[row]!r} is in group "
                                  f"{g.code} but has none of the flags {', '.join(g.eligible_if_any)} set to 1")
    if problems:
        raise ProblemsError(f"{display(table.path)}: the city roster has errors", problems)
    _check_regions_column(params, table, cities)
    disagree = cities.loc[(official != "") & (official != cities["group_computed"]),
                          ["city_id", "city_ru", "population", "group_computed", "group_official"]]
    return cities.reset_index(drop=True), disagree.reset_index(drop=True)


def _coordinates(table: Table, problems: list[str]) -> pd.DataFrame | None:
    """The optional columns ``lat`` and ``lon`` (decimal degrees, decimal point or comma) as
    numbers, or None when the roster has neither. Both columns or neither; in a row, both
    values or neither (a city without coordinates is left off the map); each within its range."""
    df = table.frame
    present = [c for c in COORDINATES if c in df]
    if not present:
        return None
    if len(present) == 1:
        other = next(c for c in COORDINATES if c not in df)
        problems.append(f"{display(table.path)}: column {present[0]} without column {other} "
                        f"(coordinates need both lat and lon, or neither)")
        return None
    out = {}
    for name, (low, high, what) in COORDINATES.items():
        text = df[name]
        value = to_number(text)
        bad = (text != "") & value.isna()
        each(problems, "coordinate not a number", bad.to_numpy(),
             lambda row, name=name, text=text, what=what: f"{table.where(row, name)}: {preview(text.iloc[row])} is not "
                                                          f"a number ({what} in decimal degrees)")
        outside = value.notna() & ((value < low) | (value > high))
        each(problems, "coordinate out of range", outside.to_numpy(),
             lambda row, name=name, text=text, what=what, low=low, high=high:
                 f"{table.where(row, name)}: {preview(text.iloc[row])} is not {what} "
                 f"(decimal degrees from {low:g} to {high:g})")
        out[name] = value.where(~outside)
    one = (df["lat"] == "") != (df["lon"] == "")

    def message(row: int) -> str:
        empty = "lat" if df["lat"].iloc[row] == "" else "lon"
        return (f"{table.where(row, empty)}: empty while {'lon' if empty == 'lat' else 'lat'} is given "
                f"(give both coordinates of the city, or neither)")
    each(problems, "one coordinate of two", one.to_numpy(), message)
    return pd.DataFrame(out)


def _roster_column(table: Table, cfg: RosterColumn, problems: list[str]) -> pd.Series:
    """A declared roster column, typed (text, integer or number), every value present and,
    when the edition lists them, one of its ``values``."""
    text = table.frame[cfg.name]
    if cfg.type == "text":
        column: pd.Series = text.astype(object)
        bad = text == ""
        what = "is empty (every city needs a value)"
        check_texts(table, cfg.name, NAME, f"a value of {cfg.name}", problems)
    else:
        column = to_number(text)
        bad = column.isna() | ((column % 1 != 0) if cfg.type == "integer" else False)
        what = f"is not {'a whole number' if cfg.type == 'integer' else 'a number'}"
        if cfg.type == "integer":
            column = column.where(~bad, 0).astype("int64")
    each(problems, f"a value of {cfg.name} {what}", bad.to_numpy(),
         lambda row: f"{table.where(row, cfg.name)}: {preview(text.iloc[row])} {what}")
    if cfg.values is not None:
        allowed = [str(v) for v in cfg.values] if cfg.type == "text" else [float(v) for v in cfg.values]
        outside = ~bad & ~column.isin(allowed)
        shown = first_of([str(v) for v in cfg.values])
        each(problems, f"a value of {cfg.name} not declared", outside.to_numpy(),
             lambda row: f"{table.where(row, cfg.name)}: {preview(text.iloc[row])} is not one of the values declared "
                         f"for {cfg.name} in the edition's roster_columns ({shown})")
    return column


def _check_regions_column(params: Params, table: Table, cities: pd.DataFrame) -> None:
    """The methodology's ``regions.column`` is a column of this roster (say, an optional one
    the file lacks): one message naming the methodology file, the key and the columns there are."""
    rule = params.methodology.regions
    if rule is not None and rule.column not in cities.columns:
        where = display(params.methodology_path)
        if params.extends is not None:   # as load_params names a methodology a scenario may override
            where = f"{where} with the overrides of {display(params.edition_path)}"
        raise UserError(f"{where}: key 'regions.column': {rule.column!r} is not a column of "
                        f"the roster {display(table.path)} (its columns: {', '.join(cities.columns)})")
