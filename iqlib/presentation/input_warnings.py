"""The warnings about an edition's inputs (``io.suspicious``) in words: each row's message
in the edition's language (catalogue section ``warnings``), the lines ``iq validate`` and
``iq run`` print, and the list the edition page shows. At most ``CAP`` warnings of a kind
are printed or listed, then how many more (``results/warnings.csv`` holds them all)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from iqlib.config.params import Params
from iqlib.presentation.text import column_label, decimal_marks, number
from iqlib.presentation.words import word, words

CAP = 10          # warnings of one kind printed or listed before "… and N more"
PREVIEW = 40      # characters of a cell's text in a message
AS_WRITTEN = {"decimal_mixed", "formula_no_value", "cell_error"}      # codes whose value is a cell's text, shown as written
BY_LETTER = {"content_without_header"}                  # codes whose column is a sheet's letter (no header)
GROUP_SUBJECTS = {"group_empty", "group_one_city", "group_small", "indicator_missing_in_group"}


def with_messages(table: pd.DataFrame, params: Params, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``table`` (``io.suspicious.COLUMNS``) with the column ``warning``: each row in words, in
    the edition's language; ``names`` gives a city's name by its code (a page shows no code)."""
    out = table.copy()
    known = {**{n.code: params.local(n, "name") for n in params.methodology.nodes()}, **(names or {})}
    groups = {g: params.group_name(g) for g in params.group_codes}
    columns = {c: _column_words(c, params) for c in table["column"].dropna().unique()}
    out["warning"] = [message({**row, "column": _letter_words(row["column"], params) if row["code"] in BY_LETTER
                               else columns.get(row["column"], row["column"])}, params, known, groups)
                      for row in table.to_dict("records")]
    return out


def _column_words(column: str, params: Params) -> str:
    """A file's column as a message names it: an indicator's code as it is (I05), another
    by its label when it has one (population → Население)."""
    return column if column in params.methodology.indicator_codes() else column_label(params, column)


def _letter_words(letter: str, params: Params) -> str:
    """A sheet's column letter by its number ('AX' → '№ 50'): a page shows no Latin letters."""
    number = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(str(letter).upper())))
    return str(word(params.language, "warnings.column_number", number=number))


def message(row: Mapping[str, object], params: Params, names: Mapping[str, str], groups: Mapping[str, str]) -> str:
    """One warning (a row of the table) in words: ``warnings.<code>`` with its fields;
    ``names`` and ``groups`` give the names of cities and nodes, and of groups, by code."""
    lang = params.language
    count, of = _int(row.get("count")), _int(row.get("of"))
    subject = _text(row.get("subject"))
    value = _text(row.get("value")) if row["code"] in AS_WRITTEN else _value(row.get("value"), lang)
    if row["code"] == "cell_error":       # #DIV/0! as the reader's Excel shows it (#ДЕЛ/0!); another as written
        value = words(lang, "warnings.excel_errors").get(value, value)
    fields = {"subject": subject, "column": _text(row.get("column")), "line": _text(row.get("line")),
              "value": value[:PREVIEW] + ("…" if len(value) > PREVIEW else ""),
              "reference": _value(row.get("reference"), lang), "count": count, "of": of,
              "other": (of - count) if of is not None and count is not None else "",
              "threshold": _value(row.get("threshold"), lang),
              "name": groups.get(subject, subject) if row["code"] in GROUP_SUBJECTS else names.get(subject, subject),
              "file_kind": word(lang, f"warnings.inputs.{row['file_kind']}")}
    return str(word(lang, f"warnings.{row['code']}", **fields))


def lines(table: pd.DataFrame, cap: int = CAP) -> list[str]:
    """What ``iq validate`` and ``iq run`` print: a line per warning (where, then the message
    of ``with_messages``), at most ``cap`` of a kind, then how many more there are."""
    out = []
    for code, rows in _by_code(table):
        for row in rows.head(cap).to_dict("records"):
            where = str(row["file"]) + (f": line {row['line']}" if pd.notna(row["line"]) else "") + \
                (f", column {row['column']}" if isinstance(row["column"], str) and row["column"] else "")
            out.append(f"  warning: {where}: {row['warning']}")
        if len(rows) > cap:
            out.append(f"  … and {len(rows) - cap} more warning(s) {code} (every one in results/warnings.csv)")
    return out


def listed(table: pd.DataFrame, params: Params, cap: int = CAP) -> list[str]:
    """The messages a page lists: at most ``cap`` of a kind, then "… and N more"."""
    out = []
    for _, rows in _by_code(table):
        out += list(rows["warning"].head(cap))
        if len(rows) > cap:
            out.append(str(word(params.language, "warnings.more", count=len(rows) - cap)))
    return out


def _by_code(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The table's rows by code, the codes in the table's order."""
    return [(code, table[table["code"] == code]) for code in dict.fromkeys(table["code"])]


def _text(x: object) -> str:
    """A cell as text: '' when empty, a whole number without '.0' (as read back from a CSV file)."""
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return ""
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _int(x: object) -> int | None:
    return None if x is None or x is pd.NA or (isinstance(x, float) and x != x) else int(x)  # type: ignore[call-overload]


def _value(x: object, language: str) -> str:
    """A figure as readers write it, without trailing zeros ('19 009,9', '0,5', '10'); a
    text that is not a number, as it is."""
    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return ""
    try:
        x = float(x)  # type: ignore[arg-type]   # a figure (read back from results/warnings.csv, maybe as text)
    except ValueError:
        return str(x)
    if x.is_integer():
        return number(x, 0, language)
    text = number(x, 6, language)
    mark = decimal_marks(".", language)
    return text.rstrip("0").rstrip(mark) if mark in text else text
