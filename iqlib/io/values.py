"""The indicator values (wide or long, CSV or XLSX): one row per roster city and one column
per indicator, derived indicators computed, every cell checked against its kind's range; and
the tables that account for them (missing values and their rule, every cell read, used or
missing; the warnings are ``io.suspicious``'s). Every problem is collected and reported together."""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.config.limits import SOURCE, TEXT
from iqlib.config.methodology import Methodology
from iqlib.config.params import Params
from iqlib.config.paths import display
from iqlib.core.errors import Problems, ProblemsError, first_of
from iqlib.io import derive
from iqlib.io.codes import look_alike_hint
from iqlib.io.tables import (
    LONG_COLUMNS,
    Table,
    check_texts,
    column_name,
    duplicates,
    each,
    not_a_number,
    preview,
    read_table,
    require_columns,
    to_number,
    widen,
)


def load_values(params: Params, cities: pd.DataFrame) -> pd.DataFrame:
    """Indicator values, one row per roster city and one column per indicator (float,
    NaN where the cell is empty), in roster order. Derived indicators are computed from
    their raw fields (``iqlib.io.derive``); presence and sub-criteria cells accept
    1/0, yes/no, да/нет. Every check is vectorised (linear in the cells) and every kind
    of problem is reported with its first ten cells and its count."""
    table = read_table(params.input_paths["values"])
    problems = Problems()
    if "indicator" in table.frame.columns:
        require_columns(table, LONG_COLUMNS)
        check_texts(table, "source", SOURCE, "a source", problems, multiline=True)
        check_texts(table, "comment", TEXT, "a comment", problems, multiline=True)
        table = widen(table, problems)
    require_columns(table, ["city_id"])
    df = table.frame
    meth = params.methodology
    codes = meth.indicator_codes()
    df = df.rename(columns=_header_codes(df.columns, meth))
    # a derived indicator may be given directly, or as the raw fields it is derived from
    direct = [i.code for i in meth.indicators if i.derive is None or i.code in df.columns]
    both = [i.code for i in meth.indicators if i.derive is not None and i.code in df.columns
            and any(f in df.columns for f in derive.fields_of(i) if f not in cities.columns)]
    if both:
        problems.append(f"{display(table.path)}: column(s) {first_of(both)} are given both directly and as the "
                        f"raw fields they are derived from; keep one")
    derived = [i for i in meth.indicators if i.code not in direct]
    raw_fields = {f: t for i in derived for f, t in derive.fields_of(i).items()
                  if f not in cities.columns or f in df.columns}
    expected = direct + [f for f in raw_fields if f not in direct]
    optional = ["city_ru"]
    unknown = [c for c in df.columns if c not in ["city_id", *optional, *expected]]
    if unknown:
        problems.append(f"{display(table.path)}: unknown column(s): {first_of([column_name(c) for c in unknown])} "
                        f"(not indicators or raw fields of methodology {meth.id})")
    absent = [c for c in expected if c not in df.columns]
    if absent:
        problems.append(f"{display(table.path)}: column(s) missing: {first_of(absent)}")
    duplicates(table, "city_id", problems)
    ids = df["city_id"]
    each(problems, "unknown city", ~ids.isin(cities["city_id"]).to_numpy(),
         lambda row: f"{table.where(row, 'city_id')}: unknown city {preview(ids.iloc[row])} "
                     f"(not in {display(params.input_paths['cities'])}{look_alike_hint(ids.iloc[row], cities['city_id'])})")
    absent_cities = cities["city_id"][~cities["city_id"].isin(ids)]
    each(problems, "roster city without a row", np.arange(len(absent_cities)),
         lambda i: f"{display(table.path)}: no row for city {absent_cities.iloc[i]!r} of the roster")

    kinds = {i.code: meth.kinds[i.kind] for i in meth.indicators}
    present = [c for c in expected if c in df.columns]
    number, yes, unrecognised, empty = _parse(df[present])
    raw_cols: dict[str, np.ndarray] = {}
    for j, code in enumerate(present):
        text = df[code]
        yesno = raw_fields.get(code) == "yesno" or (code in kinds and kinds[code].max == 1 and kinds[code].min == 0)
        if yesno:
            num = np.where(unrecognised[:, j], number[:, j], yes[:, j])
            each(problems, "not yes or no", unrecognised[:, j] & np.isnan(num),
                 lambda row, code=code, text=text: f"{table.where(row, code)}: {preview(text.iloc[row])} is not "
                                                   f"recognised (expected 1/0, yes/no, да/нет)")
        else:
            num = number[:, j]
            each(problems, "not a number", np.isnan(num) & ~empty[:, j],
                 lambda row, code=code, text=text: f"{table.where(row, code)}: {not_a_number(text.iloc[row])}")
        rng = (kinds[code].min, kinds[code].max, kinds[code].unit_en) if code in kinds else (0.0, None, "count")
        _out_of_range(table, code, text, num, *rng, problems)
        raw_cols[code] = num
    if problems:
        raise ProblemsError(f"{display(table.path)}: the indicator values have errors", problems)
    raw = pd.DataFrame(raw_cols,
                       index=pd.Index(df["city_id"].to_numpy(), name="city_id"))
    raw = raw.loc[cities["city_id"].to_numpy()]
    values = derive.derive(raw, cities, meth, given=set(direct))
    _check_derived(values, meth, params)
    return values[codes]


def _parse(text: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every cell of ``text`` read at once (one pass over all cells, not a pass per column):
    as a number (``to_number``), as yes/no (``derive.parse_yesno``), whether it is neither
    yes/no nor empty, and whether it is empty; each an array of the frame's shape."""
    shape = text.shape
    flat = pd.Series(text.to_numpy(dtype=object).ravel(), dtype=str)
    yes, unrecognised = derive.parse_yesno(flat)
    return (to_number(flat).to_numpy(dtype="float64").reshape(shape), yes.to_numpy(dtype="float64").reshape(shape),
            unrecognised.to_numpy(dtype=bool).reshape(shape), (flat == "").to_numpy(dtype=bool).reshape(shape))


def _header_codes(columns: pd.Index, meth: Methodology) -> dict[str, str]:
    """Template headers carry the Russian name after the code ("I02 Количество …"): map
    each such header to its code."""
    known = set(meth.indicator_codes()) | set(derive.fields(meth)) | {"city_id", "city_ru"}
    out = {}
    for col in columns:
        token = str(col).split(" ", 1)[0]
        if col not in known and token in known:
            out[col] = token
    return out


def _out_of_range(table: Table, code: str, text: pd.Series, num: np.ndarray,
                  low: float | None, high: float | None, unit: str, problems: Problems) -> None:
    each(problems, "outside the range of its kind", _outside(num, low, high),
         lambda row: f"{table.where(row, code)}: {preview(text.iloc[row])} is outside {_range(low, high)} ({unit})")


def _outside(num: pd.Series | np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    """Mask of values below ``low`` or above ``high`` (either bound may be absent)."""
    x = np.asarray(num, dtype="float64")
    bad = np.zeros(len(x), dtype=bool)
    if low is not None:
        bad |= x < low
    if high is not None:
        bad |= x > high
    return bad


def _range(low: float | None, high: float | None) -> str:
    return (f"[{_fmt(low)}" if low is not None else "(−∞") + ", " + \
        (f"{_fmt(high)}]" if high is not None else "∞)")


def _check_derived(values: pd.DataFrame, meth: Methodology, params: Params) -> None:
    problems = Problems()
    for ind in meth.indicators:
        if ind.derive is None:
            continue
        kind = meth.kinds[ind.kind]
        col = values[ind.code]
        each(problems, "derived value outside its range", _outside(col, kind.min, kind.max),  # a kind may have neither bound
             lambda row, ind=ind, kind=kind, col=col: f"derived indicator {ind.code} for city {col.index[row]!r}: "
                                                      f"{col.iloc[row]:g} is outside {_range(kind.min, kind.max)} "
                                                      f"({kind.unit_en})")
    if problems:
        raise ProblemsError(f"{display(params.input_paths['values'])}: derived indicators out of range", problems)


def _fmt(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def missing_table(values: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Every missing value (city, indicator, kind) and the rule that will treat it: the
    indicator's own ``missing`` if set, else its kind's (``missing_rule``, as imputation)."""
    meth = params.methodology
    kinds = {i.code: i.kind for i in meth.indicators}
    stacked = values.isna().stack()
    pairs = stacked[stacked].index.to_frame(index=False, name=["city_id", "indicator"])
    pairs["kind"] = pairs["indicator"].map(kinds)
    pairs["missing_rule"] = pairs["indicator"].map(meth.missing_rule)
    return pairs


def accounting(values: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    """Every indicator cell of every roster city accounted for: read and used, rejected
    (always 0 in a run: any rejected value stops it), missing, and of the missing ones how
    many a rule will fill and how many stay missing. The totals reconcile or this raises."""
    n = len(values)
    present = values.notna().sum()
    rule = missing.groupby("indicator")["missing_rule"].agg(lambda t: (t != "exclude").sum()) \
        if len(missing) else pd.Series(dtype=int)
    table = pd.DataFrame({"indicator": values.columns, "cities": n, "read": present.to_numpy(),
                          "rejected": 0, "missing": (n - present).to_numpy()})
    table["used"] = table["read"] - table["rejected"]
    table["to_impute"] = table["indicator"].map(rule).fillna(0).astype(int)
    table["left_missing"] = table["missing"] - table["to_impute"]
    table = table[["indicator", "cities", "read", "used", "rejected", "missing", "to_impute", "left_missing"]]
    total = table.drop(columns="indicator").sum()
    table = pd.concat([table, pd.DataFrame([{"indicator": "TOTAL", **total.to_dict()}])], ignore_index=True)
    if not ((table["read"] + table["missing"] == table["cities"]).all()
            and (table["used"] + table["rejected"] == table["read"]).all()
            and (table["to_impute"] + table["left_missing"] == table["missing"]).all()
            and total["missing"] == len(missing)):
        raise RuntimeError("the input accounting does not reconcile")
    return table
