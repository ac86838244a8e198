"""Fixed-format text tables (what nbval compares) and the summary tables the notebooks
show, in the edition's group order."""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass, field
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from iqlib.analysis import diagnostics, summaries, ties, uncertainty
from iqlib.config.params import Params
from iqlib.core.registry import describe
from iqlib.presentation.method_words import method_names, method_words
from iqlib.presentation.method_words import value_words as option_words
from iqlib.presentation.text import column_label, entry, flag_words, input_name, level_word, number, section, text
from iqlib.presentation.words import word


def table_or_none(frame: pd.DataFrame, params: Params, decimals: int = 2,
                  column_decimals: dict[str, int] | None = None) -> str:
    """``text_table`` of a frame, or "None." in the edition's language when it is empty."""
    return text_table(frame, decimals, column_decimals) if len(frame) else text(params, "none")


def text_table(frame: pd.DataFrame, decimals: int = 2, column_decimals: dict | None = None) -> str:
    """A DataFrame as fixed-format text (what nbval compares): floats to ``decimals``,
    or to ``column_decimals[column]`` for the columns named there."""
    formatters = {c: (lambda x, d=d: "—" if pd.isna(x) else f"{x:.{d}f}") for c, d in (column_decimals or {}).items()}
    return frame.to_string(index=False, float_format=lambda x: f"{x:.{decimals}f}", na_rep="—",
                           formatters=formatters)


# the roster's yes/no columns, 1 or 0 in the files (io.roster.FLAGS: presentation does not import io)
FLAG_COLUMNS = frozenset({"regional_capital", "pilot"})
# code columns a reader's table leaves out when the column of the name they stand for is there
READER_HIDDEN = {"city_id": "city_ru"}


@dataclass(frozen=True)
class Table:
    """A table as a notebook shows it: its text form is the fixed-format text nbval
    compares (the output's text/plain, codes and decimal points as the files hold them);
    its HTML form is for readers — headers, group names, kinds, rules and flags in the
    edition's language, numbers with its decimal mark, yes/no in words, no code column
    beside the city's name (``READER_HIDDEN``). The text form stays in the notebook file,
    not on the page: a page a reader sees holds no code."""

    frame: pd.DataFrame
    params: Params
    decimals: int = 2
    column_decimals: dict[str, int] = field(default_factory=dict)
    more: int = 0                   # rows left out (``show`` shows at most SHOW_ROWS)

    def __repr__(self) -> str:
        shown = table_or_none(self.frame, self.params, self.decimals, self.column_decimals)
        return f"{shown}\n{self._more()}" if self.more else shown

    def _more(self) -> str:
        language = self.params.language
        return entry(language, "scale.more_rows").format(shown=number(len(self.frame), 0, language),
                                                         total=number(len(self.frame) + self.more, 0, language))

    def _repr_html_(self) -> str:
        if not len(self.frame):
            return f"<p>{escape(text(self.params, 'none'))}</p>"
        cols = [c for c in self.frame.columns if not (c in READER_HIDDEN and READER_HIDDEN[c] in self.frame.columns)]
        numeric = [pd.api.types.is_numeric_dtype(self.frame[c]) and not pd.api.types.is_bool_dtype(self.frame[c])
                   for c in cols]
        head = "".join(f'<th scope="col"{" class=num" if n else ""}>{escape(column_label(self.params, c))}</th>'
                       for c, n in zip(cols, numeric))
        rows = []
        for values in self.frame[cols].itertuples(index=False):
            cells = "".join(f'<td{" class=num" if n else ""}>{escape(self._cell(c, v))}</td>'
                            for c, v, n in zip(cols, values, numeric))
            rows.append(f"<tr>{cells}</tr>")
        more = f"<p>{escape(self._more())}</p>" if self.more else ""
        return (f'<div style="overflow-x:auto"><table class="iq-table"><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>{more}')

    def _cell(self, column: str, value: object) -> str:
        """One value as a reader of the edition's language reads it."""
        p = self.params
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return "—"
        if isinstance(value, (bool, np.bool_)) or (column in FLAG_COLUMNS and value in (0, 1)):
            return value_words(p, column, bool(value))
        if isinstance(value, numbers.Real):
            x = float(value)
            if isinstance(value, numbers.Integral) or column in self._whole:
                return number(round(x), 0, p.language)
            decimals = self.column_decimals.get(column, self.decimals)
            if column.startswith("p_") and 0 <= x < 10 ** -decimals:     # a p-value below what is shown
                return f"< {number(10 ** -decimals, decimals, p.language)}"
            return number(x, decimals, p.language)
        return value_words(p, column, str(value))

    @functools.cached_property
    def _whole(self) -> set[str]:
        """Float columns holding whole numbers only (shown without decimals; found once per table)."""
        return {c for c in self.frame.columns if pd.api.types.is_float_dtype(self.frame[c])
                and self.frame[c].dropna().map(float.is_integer).all() and self.frame[c].notna().any()
                and c not in self.column_decimals}


SHOW_ROWS = 200  # a notebook shows at most this many rows of a table (every demo table is shorter):
# a table that grows with the cities (ties, warnings) would make a notebook of megabytes for thousands of cities


def show(frame: pd.DataFrame, params: Params, decimals: int = 2, column_decimals: dict[str, int] | None = None) -> Table:
    """What a notebook cell ends with to show a table (see ``Table``): its first ``SHOW_ROWS``
    rows, and how many more there are (every row is in the run's results files)."""
    more = max(0, len(frame) - SHOW_ROWS)
    return Table(frame.reset_index(drop=True).head(SHOW_ROWS), params, decimals, column_decimals or {}, more)


# --------------------------------------------------------------------------- 01 load
def coverage(values: pd.DataFrame, cities: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Cities per group and share of indicator values present (``summaries.coverage``)."""
    return summaries.coverage(values, cities, params.group_codes)


def coverage_by_city(values: pd.DataFrame, cities: pd.DataFrame, lowest: int = 10) -> pd.DataFrame:
    """The cities with the fewest indicator values present (``summaries.coverage_by_city``)."""
    return summaries.coverage_by_city(values, cities, lowest)


# --------------------------------------------------------------------------- 02 normalise
def methods_table(params: Params, in_words: bool = False) -> pd.DataFrame:
    """Which method each indicator gets: missing rule, treatment, normalisation (as in the
    YAML, or ``in_words`` for readers, with the kind's unit and the polarity in words)."""
    meth = params.methodology
    if not in_words:
        return pd.DataFrame([{"indicator": i.code, "kind": i.kind, "polarity": i.polarity,
                              "missing": meth.missing_rule(i.code), "treatment": describe(meth.treatment_of(i.code)),
                              "normalisation": describe(meth.normalisation_of(i.code))} for i in meth.indicators])
    better = {1: word(params.language, "cells.higher_is_better"), -1: word(params.language, "cells.lower_is_better")}
    return pd.DataFrame([{"indicator": f"{i.code} {params.name(i.code)}", "kind": params.local(meth.kinds[i.kind], "unit"),
                          "polarity": better[i.polarity],
                          "missing": method_words(params, "imputation", meth.missing_rule(i.code)),
                          "treatment": method_words(params, "treatment", meth.treatment_of(i.code)),
                          "normalisation": method_words(params, "normalisation", meth.normalisation_of(i.code))}
                         for i in meth.indicators])


def method_choices(params: Params) -> pd.DataFrame:
    """Distinct (missing-data rule, treatment, normalisation) choices in words, with the
    indicators that get them."""
    meth = params.methodology
    rows: dict[tuple, list[str]] = {}
    for code in meth.indicator_codes():
        key = (method_words(params, "imputation", meth.missing_rule(code)),
               method_words(params, "treatment", meth.treatment_of(code)),
               method_words(params, "normalisation", meth.normalisation_of(code)))
        rows.setdefault(key, []).append(code)
    return pd.DataFrame([{"missing": k[0], "treatment": k[1], "normalisation": k[2], "indicator": ", ".join(v)}
                         for k, v in rows.items()])


def known_methods(params: Params, family: str, names: tuple[str, ...], titled: bool = False) -> str:
    """The registered methods of a family in words: 'взвешенное среднее, взвешенная
    сумма, …' (their names in the YAML are the code's: the page a reader sees shows none);
    ``titled``: after the family's name ('Агрегирование: …')."""
    known = method_names(params.language, family)
    listed = ", ".join(known[n] for n in names)
    return f"{word(params.language, f'methods.families.{family}')}: {listed}" if titled else listed


def with_city_names(frame: pd.DataFrame, cities: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (indexed by city_id, or with a city_id column) with the city's name in
    place of its code, as readers know it."""
    if "city_id" not in frame.columns:
        frame = frame.rename_axis("city_id").reset_index()
    names = cities.set_index("city_id")["city_ru"].reindex(frame["city_id"]).to_numpy()
    out = frame.drop(columns=["city_id"])
    out.insert(frame.columns.get_loc("city_id"), "city_ru", names)
    return out


# --------------------------------------------------------------------------- 03 weight
def aggregation_table(params: Params) -> pd.DataFrame:
    """The aggregation method of each level."""
    meth = params.methodology
    rows = []
    for level in meth.levels[1:]:
        cfg = meth.scoring.aggregation[level]
        rows.append({"level": level, "nodes": len(meth.level_codes(level)), "method": cfg.method,
                     "p": cfg.p, "weights": cfg.weights, "nonpositive": cfg.nonpositive,
                     "min_coverage": cfg.min_coverage, "missing": cfg.missing})
    return pd.DataFrame(rows)


def weights_table(params: Params) -> pd.DataFrame:
    """Aggregates with their nominal weight, children and share of the index."""
    meth = params.methodology
    shares = diagnostics.nominal_shares(meth.framework)
    rows = [{"code": a.code, "level": a.level, "name": params.name(a.code), "children": len(meth.children(a.code)),
             "weight": a.weight, "share_pct": 100 * shares[a.code]} for a in meth.aggregates if a.parent]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- 04 rank
def unstable(table: pd.DataFrame, params: Params, widest: int = 3) -> pd.DataFrame:
    """Per group, the cities whose nominal rank lies outside their interval, and the
    ``widest`` intervals (``summaries.unstable`` with the edition's interval)."""
    if not len(table) or params.edition.uncertainty is None:
        return table
    lo, hi = uncertainty.interval_columns(params.edition.uncertainty.interval)
    return summaries.unstable(table, lo, hi, params.group_codes, widest)


def value_words(params: Params, column: str, value: str | bool | np.bool_) -> str:
    """A text or yes/no value of a table in the edition's language, by its column: group
    names, levels, uncertain inputs, audit flags, rules and methods in words; any other
    text as it is. The one translation the notebooks' tables and the downloads share."""
    lang = params.language
    if isinstance(value, (bool, np.bool_)):
        return word(lang, f"cells.{'yes' if value else 'no'}")
    if column.startswith("group") and value in params.group_codes:      # group, group_from, group_official …
        return params.group_name(value)
    if column == "kind" and value in params.methodology.kinds:
        return params.local(params.methodology.kinds[value], "unit") or value
    if column == "indicator" and value == "TOTAL":                       # the accounting's sum row
        return word(lang, "cells.total")
    if column in ("status", "direction") and value in section(lang, "status"):
        return section(lang, "status")[value]
    if (column == "group" or column in params.summarised_columns) and value == "all":
        return word(lang, "cells.all_cities")
    if column == "level":
        return level_word(params, value)
    if column in ("input", "moved_most_by"):
        return input_name(params, value)
    if column == "flags":
        return flag_words(params, value)
    if column in ("missing", "rule", "missing_rule") and value in method_names(lang, "imputation"):
        return method_words(params, "imputation", value)
    if column == "method" and value in method_names(lang, "aggregation"):
        return method_words(params, "aggregation", value)
    if column == "weights" and value in method_names(lang, "weights"):
        return method_words(params, "weights", value)
    if column == "flag" and value in section(lang, "flags"):
        return section(lang, "flags")[value]
    if column == "nonpositive":
        return option_words("nonpositive", value, lang)
    return value


def in_words(frame: pd.DataFrame, params: Params) -> pd.DataFrame:
    """A results table for readers: its yes/no and text values through ``value_words``
    (numbers untouched; headers are ``column_label``'s)."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_bool_dtype(series) or series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(lambda v, c=column: value_words(params, c, v)
                                     if isinstance(v, (str, bool, np.bool_)) else v)
    return out


def official(official: Any, params: Params) -> list[Table | str]:
    """What the report shows of ``stages.official``: the national averages, each published
    city beside this calculation, and the year's conflicts among published facts; a line
    saying so when the edition names no official figures."""
    if official is None:
        return [text(params, "no_official")]
    return [show(official.average.drop(columns=["source"]), params),
            show(official.cities.drop(columns=["city_id", "source"]), params),
            show(official.conflicts[["conflict", "resolution"]], params)]


def robustness_inputs(params: Params, inputs: pd.DataFrame) -> pd.DataFrame:
    """The uncertainty analysis' inputs (``uncertainty.inputs_table``) with each setting in
    words: the noise of a weight level, each alternative of a method choice."""
    u = params.edition.uncertainty
    if u is None or not len(inputs):
        return inputs
    settings = []
    for name, alt, setting in zip(inputs["input"], inputs["alternative"], inputs["setting"]):
        family, _, level = name.partition(".")
        if family == "weights":
            n = setting.rsplit(", ", 1)[-1].split()[0]
            settings.append(word(params.language, "inputs.weights_setting", noise=number(u.weights[level], 2, params.language),
                                 n=n))
        else:
            options = u.aggregation_alternatives(level) if family == "aggregation" else getattr(u, family)
            choice = options[int(alt)]
            settings.append(method_words(params, family, choice))
    return inputs.assign(setting=settings)


def tie_bands(table: pd.DataFrame, params: Params) -> pd.DataFrame:
    """The tie bands of ``results/ties.csv`` (``ties.band_rows``) for readers: the group,
    the places («4–6») and the cities in the edition's order; groups in the edition's order."""
    rows = ties.band_rows(table)
    order = {g: k for k, g in enumerate(params.group_codes)}
    rows = rows.assign(at=rows["group"].map(order)).sort_values(["at", "first"], kind="stable")
    return pd.DataFrame({"group": rows["group"], "tie_places": [f"{a}–{b}" for a, b in zip(rows["first"], rows["last"])],
                         "tie_cities": [", ".join(n) for n in rows["names"]]})


def moved_most(table: pd.DataFrame) -> pd.DataFrame:
    """Per group, how many cities each input moves most (``summaries.moved_most``)."""
    return summaries.moved_most(table)
