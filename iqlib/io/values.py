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
from iqlib.core.errors import ProblemsError
from iqlib.io import derive
from iqlib.io.codes import look_alike_hint
from iqlib.io.tables import LONG_COLUMNS, Table, check_texts, duplicates, not_a_number, read_table, require_columns, to_number, widen


def load_values(params: Params, cities: pd.DataFrame) -> pd.DataFrame:
    """Indicator values, one row per roster city and one column per indicator (float,
    NaN where the cell is empty), in roster order. Derived indicators are computed from
    their raw fields (``iqlib.io.derive``); presence and sub-criteria cells accept
    1/0, yes/no, да/нет."""
    table = read_table(params.input_paths["values"])
    problems: list[str] = []
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
        problems.append(f"{display(table.path)}: column(s) {', '.join(both)} are given both directly and as the "
                        f"raw fields they are derived from; keep one")
    derived = [i for i in meth.indicators if i.code not in direct]
    raw_fields = {f: t for i in derived for f, t in derive.fields_of(i).items()
                  if f not in cities.columns or f in df.columns}
    expected = direct + [f for f in raw_fields if f not in direct]
    optional = ["city_ru"]
    unknown = [c for c in df.columns if c not in ["city_id", *optional, *expected]]
    if unknown:
        problems.append(f"{display(table.path)}: unknown column(s): {', '.join(unknown)} "
                        f"(not indicators or raw fields of methodology {meth.id})")
    absent = [c for c in expected if c not in df.columns]
    if absent:
        problems.append(f"{display(table.path)}: column(s) missing: {', '.join(absent)}")
    duplicates(table, "city_id", problems)
    known = df["city_id"].isin(cities["city_id"])
    for row in np.flatnonzero(~known.to_numpy()):
        problems.append(f"{table.where(row, 'city_id')}: unknown city {df['city_id'].iloc[row]!r} "
                        f"(not in {display(params.input_paths['cities'])}"
                        f"{look_alike_hint(df['city_id'].iloc[row], cities['city_id'])})")
    for city in cities.loc[~cities["city_id"].isin(df["city_id"]), "city_id"]:
        problems.append(f"{display(table.path)}: no row for city {city!r} of the roster")

    kinds = {i.code: meth.kinds[i.kind] for i in meth.indicators}
    raw_cols: dict[str, pd.Series] = {}
    for code in (c for c in expected if c in df.columns):
        text = df[code]
        yesno = raw_fields.get(code) == "yesno" or (code in kinds and kinds[code].max == 1 and kinds[code].min == 0)
        if yesno:
            num, bad = derive.parse_yesno(text)
            num = num.where(~bad, to_number(text))
            bad = bad & num.isna()
            for row in np.flatnonzero(bad.to_numpy()):
                problems.append(f"{table.where(row, code)}: {text.iloc[row]!r} is not recognised "
                                f"(expected 1/0, yes/no, да/нет)")
        else:
            num = to_number(text)
            for row in np.flatnonzero((num.isna() & (text != "")).to_numpy()):
                problems.append(f"{table.where(row, code)}: {not_a_number(text.iloc[row])}")
        rng = (kinds[code].min, kinds[code].max, kinds[code].unit_en) if code in kinds else (0.0, None, "count")
        problems += _out_of_range(table, code, text, num, *rng)
        raw_cols[code] = num.astype("float64")
    if problems:
        raise ProblemsError(f"{display(table.path)}: the indicator values have errors", problems)
    raw = pd.DataFrame({k: v.to_numpy() for k, v in raw_cols.items()},
                       index=pd.Index(df["city_id"].to_numpy(), name="city_id"))
    raw = raw.loc[cities["city_id"].to_numpy()]
    values = derive.derive(raw, cities, meth, given=set(direct))
    _check_derived(values, meth, params)
    return values[codes]


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


def _out_of_range(table: Table, code: str, text: pd.Series, num: pd.Series,
                  low: float | None, high: float | None, unit: str) -> list[str]:
    bad = _outside(num, low, high)
    return [f"{table.where(row, code)}: {text.iloc[row]!r} is outside {_range(low, high)} ({unit})"
            for row in np.flatnonzero(bad)]


def _outside(num: pd.Series, low: float | None, high: float | None) -> np.ndarray:
    """Mask of values below ``low`` or above ``high`` (either bound may be absent)."""
    x = num.to_numpy(dtype="float64")
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
    problems = []
    for ind in meth.indicators:
        if ind.derive is None:
            continue
        kind = meth.kinds[ind.kind]
        col = values[ind.code]
        for city in col.index[_outside(col, kind.min, kind.max)]:  # a kind may have neither bound
            problems.append(f"derived indicator {ind.code} for city {city!r}: {col[city]:g} is outside "
                            f"{_range(kind.min, kind.max)} ({kind.unit_en})")
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
