"""Suspicious but legal inputs: every warning about an edition's inputs, in one table.

A warning never stops a run: the input is valid, but a reader of the ranking should know
(a group of two cities, an indicator nobody reported, a formula Excel never calculated).
``warnings`` computes them all, vectorised over the roster and the values (the XLSX scan
is calamine's, plus the sheet's XML when it holds formulas, and only for XLSX inputs); ``presentation.input_warnings``
puts each into words. The table's columns are stable (``COLUMNS``), and so are the codes
(``CODES``, in the order the table lists them); docs/methods.md, "Warnings about the
inputs", gives each code, its threshold and the reason for it.

| column | holds |
|---|---|
| ``code`` | the kind of warning, a stable English identifier (``CODES``) |
| ``file_kind`` | the file it is about: ``cities``, ``values``, ``edition`` or ``methodology`` |
| ``file`` | that file, as ``display`` writes paths (relative to the project) |
| ``line`` | the file's line or the sheet's row, when the warning is about one (else blank) |
| ``column`` | the file's column (its header), when it is about one |
| ``subject`` | what it is about: a group, city or indicator code, a cell (``C7``), the edition |
| ``value`` | the value in question: a figure, or a cell's text |
| ``reference`` | the figure it is compared with (a group median) |
| ``count`` | how many cities, cells or rows |
| ``of`` | out of how many |
| ``threshold`` | the threshold it crossed |
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from iqlib.config.params import Params
from iqlib.config.paths import display
from iqlib.core import roster
from iqlib.io.encoding import decode
from iqlib.io.tables import check_unpacked, read_table

COLUMNS = ["code", "file_kind", "file", "line", "column", "subject", "value", "reference", "count", "of", "threshold"]
CODES = ("group_empty", "groups_mostly_empty", "group_one_city", "group_small", "edition_small", "city_all_missing",
         "indicator_all_missing", "indicator_mostly_missing", "indicator_missing_in_group", "indicator_constant",
         "decimal_mixed", "formula_no_value", "cell_error", "content_after_data", "content_without_header", "weight_zero",
         "above_group_median")

SMALL_GROUP = 5          # fewer cities in a group: its places say little (docs/methods.md gives the reasons)
SMALL_EDITION = 10       # fewer cities in an edition: overall places, averages and the statistical audit say little
MOSTLY_MISSING = 1 / 3   # an indicator missing for more than this share of the cities (JRC practice: two thirds present)
MOSTLY_EMPTY = 1 / 2     # more than this share of the declared groups without a city (and at least two)

_COMMA = r"[-+]?\d+,\d+"     # a decimal comma, as tables.to_number reads it
_POINT = r"[-+]?\d+\.\d+"    # a decimal point
_POINT_ANYWHERE = re.compile(r"\d\.\d")
_COMMA_ANYWHERE = re.compile(r'"\s*[-+]?\d+,\d+\s*"|(?:^|[;\t])\s*[-+]?\d+,\d+\s*(?=[;\t\r\n]|$)', re.M)


def warnings(params: Params, cities: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Every warning about the inputs of ``params`` (the roster and values as ``inputs.load``
    validated them), one row each, in the order of ``CODES``; columns ``COLUMNS``."""
    parts = [_groups(params, cities), _edition(params, cities), _missing(params, cities, values),
             _constant(params, values)]
    for name in ("cities", "values"):
        path = params.input_paths[name]
        parts += sheet_warnings(path, name) if _is_xlsx(path) else [_decimals(path, name)]
    parts += [_zero_weights(params), above_group_median(params, cities, values)]
    table = pd.concat([p for p in parts if len(p)] or [pd.DataFrame(columns=COLUMNS)], ignore_index=True)
    table = table.reindex(columns=COLUMNS)
    for name in ("line", "count", "of"):
        table[name] = table[name].astype("Int64")
    for name in ("reference", "threshold"):
        table[name] = table[name].astype("float64")
    table["value"] = table["value"].astype(object)
    order = table["code"].map({c: i for i, c in enumerate(CODES)})
    return table.iloc[np.argsort(order.to_numpy(), kind="stable")].reset_index(drop=True)


def _rows(code: str, input: str, file: str, **columns: object) -> pd.DataFrame:
    """Warnings of one code: ``columns`` are scalars or equal-length arrays."""
    size = max([len(v) for v in columns.values() if isinstance(v, (list, np.ndarray, pd.Series, pd.Index))] or [1])
    frame = pd.DataFrame({k: (v.to_numpy() if isinstance(v, (pd.Series, pd.Index)) else v) for k, v in columns.items()},
                         index=range(size))
    frame.insert(0, "file", file)
    frame.insert(0, "file_kind", input)
    frame.insert(0, "code", code)
    return frame


# --------------------------------------------------------------------------- the roster
def _groups(params: Params, cities: pd.DataFrame) -> pd.DataFrame:
    """Declared groups without a city, with one, with fewer than ``SMALL_GROUP``; one more
    warning when most of the declared groups are empty."""
    declared = params.group_codes
    counts = cities["group"].value_counts().reindex(declared, fill_value=0)
    edition = display(params.edition_path)
    empty, one = counts[counts == 0], counts[counts == 1]
    small = counts[(counts > 1) & (counts < SMALL_GROUP)]
    parts = [_rows("group_empty", "edition", edition, subject=empty.index, count=0) if len(empty) else None]
    if len(empty) >= 2 and len(empty) > MOSTLY_EMPTY * len(declared):
        parts.append(_rows("groups_mostly_empty", "edition", edition, count=len(empty), of=len(declared),
                           threshold=MOSTLY_EMPTY))
    if len(one):
        parts.append(_rows("group_one_city", "cities", display(params.input_paths["cities"]), subject=one.index,
                           count=1))
    if len(small):
        parts.append(_rows("group_small", "cities", display(params.input_paths["cities"]), subject=small.index,
                           count=small.to_numpy(), threshold=SMALL_GROUP))
    return _concat(parts)


def _edition(params: Params, cities: pd.DataFrame) -> pd.DataFrame:
    """An edition of fewer than ``SMALL_EDITION`` cities."""
    if len(cities) >= SMALL_EDITION:
        return pd.DataFrame()
    return _rows("edition_small", "cities", display(params.input_paths["cities"]), subject=str(params.edition.edition),
                 count=len(cities), threshold=SMALL_EDITION)


# --------------------------------------------------------------------------- the values
def _missing(params: Params, cities: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Cities without a single value; indicators missing for every city, for more than
    ``MOSTLY_MISSING`` of them, or for every city of a group (of two cities or more)."""
    file = display(params.input_paths["values"])
    absent = values.isna()
    n = len(values)
    parts = []
    city = absent.all(axis=1).to_numpy() if values.shape[1] else np.zeros(n, dtype=bool)
    if city.any():
        parts.append(_rows("city_all_missing", "values", file, subject=values.index[city], count=values.shape[1],
                           of=values.shape[1]))
    missing = absent.sum()
    every = missing == n
    if n and every.any():
        parts.append(_rows("indicator_all_missing", "values", file, column=missing.index[every],
                           subject=missing.index[every], count=n, of=n))
    most = ~every & (missing > MOSTLY_MISSING * n)
    if most.any():
        parts.append(_rows("indicator_mostly_missing", "values", file, column=missing.index[most],
                           subject=missing.index[most], count=missing[most].to_numpy(), of=n,
                           threshold=MOSTLY_MISSING))
    groups = roster.column(cities, values.index)
    sizes = groups.value_counts()
    by_group = absent.groupby(groups.to_numpy()).all()
    by_group = by_group.loc[by_group.index.isin(sizes.index[sizes >= 2]), ~every.to_numpy()]
    order = [g for g in params.group_codes if g in by_group.index]
    by_group = by_group.loc[order]
    row, col = np.nonzero(by_group.to_numpy())
    if len(row):
        parts.append(_rows("indicator_missing_in_group", "values", file, column=by_group.columns[col],
                           subject=by_group.index[row], count=sizes.reindex(by_group.index[row]).to_numpy(),
                           of=sizes.reindex(by_group.index[row]).to_numpy()))
    return _concat(parts)


def _constant(params: Params, values: pd.DataFrame) -> pd.DataFrame:
    """Indicators with one and the same value in every city that has one (two or more):
    they tell no city from another, and min–max of a constant divides by zero."""
    present = values.notna().sum()
    same = (values.max() == values.min()) & (present >= 2)
    if not same.any():
        return pd.DataFrame()
    return _rows("indicator_constant", "values", display(params.input_paths["values"]), column=same.index[same],
                 subject=same.index[same], value=values.max()[same].to_numpy(), count=present[same].to_numpy(),
                 of=len(values))


def _zero_weights(params: Params) -> pd.DataFrame:
    """Nodes of weight 0: they count for nothing in the index (legitimate, but said)."""
    fw = params.methodology.framework
    zero = [c for c, w in fw.weight.items() if w == 0 and c != fw.index_code]
    if not zero:
        return pd.DataFrame()
    return _rows("weight_zero", "methodology", display(params.methodology_path), subject=zero, value=0.0)


def above_group_median(params: Params, cities: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Values above ``warn_above_group_median`` × their group's median (set per kind in the
    methodology): subject the city, column the indicator, reference the median, threshold
    the factor."""
    meth = params.methodology
    factor = {i.code: meth.kinds[i.kind].warn_above_group_median for i in meth.indicators}
    codes = [c for c in meth.indicator_codes() if factor[c]]
    if not codes:
        return pd.DataFrame()
    limit = pd.Series({c: factor[c] for c in codes}, dtype=float)
    median = values[codes].groupby(roster.column(cities, values.index).to_numpy()).transform("median")
    high = (values[codes] > median * limit) & (median > 0)
    row, col = np.nonzero(high.to_numpy())
    if not len(row):
        return pd.DataFrame()
    return _rows("above_group_median", "values", display(params.input_paths["values"]),
                 column=np.array(codes, dtype=object)[col], subject=values.index[row],
                 value=values[codes].to_numpy()[row, col], reference=median.to_numpy()[row, col],
                 threshold=limit.to_numpy()[col])


# --------------------------------------------------------------------------- the files as written
def _decimals(path: Path, input: str) -> pd.DataFrame:
    """Columns of a CSV file whose fractional numbers are written with a decimal comma in
    some cells and a decimal point in others (1,500 may then be a thousand and a half,
    read as one and a half): the minority form's count and first cell. The file's text is
    searched first (a decimal comma is quoted in a comma-separated file, between separators
    in the others): without both marks, nothing more is read."""
    text, _ = decode(path)
    if not (_POINT_ANYWHERE.search(text) and _COMMA_ANYWHERE.search(text)):
        return pd.DataFrame()
    table = read_table(path)
    rows = []
    for column in table.frame.columns:
        found = _mixed(table.frame[column])
        if found is not None:
            row, text, count, of = found
            line = table.line(row, column)
            rows.append({"column": column, "line": line, "subject": column, "value": text,
                         "count": count, "of": of})
    return _rows("decimal_mixed", input, display(path), **pd.DataFrame(rows).to_dict("series")) if rows \
        else pd.DataFrame()


def _mixed(text: pd.Series) -> tuple[int, str, int, int] | None:
    """(row, text, count, of) of the first cell of the less common decimal mark of a column
    using both, or None. One regular expression over the column joined (C speed); the cells
    are matched one by one only when both marks occur."""
    joined = "\n".join(text.tolist())
    if "," not in joined or "." not in joined or not re.search(rf"(?m)^{_COMMA}$", joined) \
            or not re.search(rf"(?m)^{_POINT}$", joined):
        return None
    comma, point = text.str.fullmatch(_COMMA).to_numpy(), text.str.fullmatch(_POINT).to_numpy()
    if not comma.any() or not point.any():      # a match across a cell's own line breaks
        return None
    fewer = comma if comma.sum() <= point.sum() else point
    row = int(np.flatnonzero(fewer)[0])
    return row, str(text.iloc[row]), int(fewer.sum()), int(comma.sum() + point.sum())


def _is_xlsx(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm")


def sheet_warnings(path: Path, input: str) -> list[pd.DataFrame]:
    """What the first sheet of a workbook holds that ``tables.read_table`` does not read as
    data, or reads as other than it shows: formulas without a calculated value (read as
    empty), error values such as #DIV/0! (read as empty), rows after the data block (it
    ends at its first blank row), cells in columns without a header, and decimal marks
    mixed among numbers typed as text. Header and comment rows as ``tables`` finds them;
    lines are sheet rows.

    The cells come from calamine (the reader ``tables`` uses), the formulas and error
    cells from the sheet's XML part, read only when it holds one (``_sheet_xml``): one pass
    over a 200 000-row sheet instead of two of openpyxl's, cell by cell."""
    grid, kind, formulas = _sheet(path)
    if not kind.size:
        return []
    comment = (kind[:, 0] == TEXT) & np.array([str(v).startswith("#") for v in grid[:, 0]], dtype=bool)
    skip = int(np.argmin(comment)) if not comment.all() else len(comment)
    if skip >= len(grid):
        return []
    header = [_text(v).strip() for v in grid[skip]]
    named = np.array([bool(h) for h in header])
    body, cells = kind[skip + 1:], grid[skip + 1:]
    filled = (body != EMPTY) & (body != ERROR)                  # as ``tables`` reads them: an error cell is empty
    first_line = skip + 2                                       # the sheet row of the body's first row
    blank = np.flatnonzero(~filled[:, named].any(axis=1)) if named.any() else np.arange(len(body))
    end = int(blank[0]) if len(blank) else len(body)
    file = display(path)
    out: list[pd.DataFrame] = []
    after = np.flatnonzero(filled[end:].any(axis=1))
    if len(after):
        out.append(_rows("content_after_data", input, file, line=first_line + end + int(after[0]),
                         subject=str(first_line + end), count=len(after)))
    block = filled[:end]
    for j in np.flatnonzero(block[:, ~named].any(axis=0) if (~named).any() else []):
        i = int(np.flatnonzero(~named)[j])
        rows = np.flatnonzero(block[:, i])
        letter = _letter(i)
        out.append(_rows("content_without_header", input, file, line=first_line + int(rows[0]), column=letter,
                         subject=f"{letter}{first_line + int(rows[0])}", count=len(rows)))
    r, c = np.nonzero((body[:end] == FORMULA) & named)
    if len(r):
        out.append(_uncalculated(path, input, formulas, [(first_line + int(a), int(b)) for a, b in zip(r, c)], header))
    r, c = np.nonzero((body[:end] == ERROR) & named)
    if len(r):
        lines = [first_line + int(a) for a in r]
        out.append(_rows("cell_error", input, file, line=lines, column=[header[int(b)] for b in c],
                         subject=[f"{_letter(int(b))}{n}" for n, b in zip(lines, c)],
                         value=[str(cells[int(a), int(b)]) for a, b in zip(r, c)]))
    for k in np.flatnonzero(named):
        rows = np.flatnonzero(body[:end, k] == TEXT)
        found = _mixed(pd.Series(cells[rows, k], dtype=object).astype(str).str.strip()) if len(rows) else None
        if found is not None:
            first, value, count, of = found
            out.append(_rows("decimal_mixed", input, file, line=first_line + int(rows[first]), column=header[k],
                             subject=header[k], value=value, count=count, of=of))
    return [o for o in out if len(o)]


EMPTY, VALUE, TEXT, FORMULA, ERROR = 0, 1, 2, 3, 4
Cells = dict[tuple[int, int], tuple[str, bool]]     # formula cells: (row, column) → (formula, has a value)


def _sheet(path: Path) -> tuple[np.ndarray, np.ndarray, Cells]:
    """The first sheet from A1 as cells (an object array, calamine's values: '' where
    empty; an error cell's text, #DIV/0!, where calamine gives '' for it), their kinds
    (``EMPTY``, ``VALUE``, ``TEXT``; ``FORMULA`` where the sheet's XML has a formula
    whatever value it holds, ``ERROR`` where its value is an error), both as large as the
    cells or the formulas reach, and the formulas (``_sheet_xml``)."""
    from python_calamine import CalamineWorkbook

    check_unpacked(path)
    book = CalamineWorkbook.from_path(str(path))
    try:
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    finally:
        book.close()
    formulas, errors = _sheet_xml(path)
    height = max([len(rows), *(r + 1 for r, _ in [*formulas, *errors])])
    width = max([max((len(r) for r in rows), default=0), *(c + 1 for _, c in [*formulas, *errors])])
    grid = np.full((height, width), "", dtype=object)
    for i, row in enumerate(rows):                  # rows of Python objects: one slice assignment each
        grid[i, :len(row)] = row
    flat = pd.Series(grid.ravel(), dtype=object)
    is_text = flat.map(type).eq(str).to_numpy()
    blank = np.zeros(len(flat), dtype=bool)
    blank[is_text] = flat[is_text].str.strip().eq("").to_numpy()
    kind = np.where(blank, EMPTY, np.where(is_text, TEXT, VALUE)).astype(np.int8).reshape(grid.shape)
    kind[flat.isna().to_numpy().reshape(grid.shape)] = EMPTY
    for (r, c), _ in formulas.items():
        kind[r, c] = FORMULA
    for (r, c), text in errors.items():
        kind[r, c] = ERROR
        grid[r, c] = text
    return grid, kind, formulas


_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_ERROR_TYPE = (b' t="e"', b" t='e'")    # a cell of type error, as writers write it (a byte search: 4x faster than a regex)
_REF = re.compile(r"([A-Z]+)(\d+)")


def _first_sheet_part(book: zipfile.ZipFile) -> str | None:
    """The ZIP member of the workbook's first sheet (the first ``<sheet>`` of
    xl/workbook.xml, through its relationship), or None when the workbook does not say."""
    def local(tag: str) -> str:
        return tag.rpartition("}")[2]
    try:
        workbook = ET.fromstring(book.read("xl/workbook.xml"))
        rels = ET.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return None
    first = next((e for e in workbook.iter() if local(e.tag) == "sheet"), None)
    rid = next((v for k, v in (first.attrib.items() if first is not None else []) if local(k) == "id"), None)
    target = next((e.get("Target") for e in rels.iter() if local(e.tag) == "Relationship" and e.get("Id") == rid), None)
    if not target:
        return None
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _sheet_xml(path: Path) -> tuple[Cells, dict[tuple[int, int], str]]:
    """The first sheet's formula cells, (row, column) from 0 → (the formula as Excel shows
    it, '=…'; whether it holds a calculated value), and its error cells → their value
    (#DIV/0!, #N/A: calamine reads them as empty). The sheet's part is searched for a
    formula tag or an error type first (a sheet of data has neither: nothing more is done);
    else one streaming pass over its cells. Shared formulas are translated to each cell
    (openpyxl's ``Translator``, as openpyxl shows them); array formulas count as formulas."""
    try:
        with zipfile.ZipFile(path) as book:
            part = _first_sheet_part(book)
            if part is None or part not in book.namelist():
                return {}, {}
            with book.open(part) as stream:
                tail, found = b"", False
                while chunk := stream.read(1 << 20):
                    window = tail + chunk
                    if any(mark in window for mark in _ERROR_TYPE) or _FORMULA_TAG.search(window):
                        found = True
                        break
                    tail = chunk[-64:]
            if not found:
                return {}, {}
            with book.open(part) as stream:
                return _formula_cells(stream)
    except (zipfile.BadZipFile, OSError, ET.ParseError, ValueError):
        return {}, {}


def _formula_cells(stream: IO[bytes]) -> tuple[Cells, dict[tuple[int, int], str]]:
    """One ``iterparse`` pass over a sheet's XML: every cell with an ``<f>`` child, and every
    cell of type error (``t="e"``) with its value (see ``_sheet_xml``)."""
    found: Cells = {}
    errors: dict[tuple[int, int], str] = {}
    shared: dict[str, tuple[str, Any]] = {}
    columns: dict[str, int] = {}
    row, col = -1, -1
    parent = None
    for event, el in ET.iterparse(stream, events=("start", "end")):
        tag = el.tag.rpartition("}")[2]
        if event == "start":
            if tag == "sheetData":
                parent = el
            elif tag == "row":
                r = el.get("r")
                row, col = (int(r) - 1 if r else row + 1), -1
            elif tag == "c":
                ref = el.get("r")
                m = _REF.fullmatch(ref) if ref else None
                if m:
                    letters = m.group(1)
                    if letters not in columns:
                        columns[letters] = _column(letters)
                    col, row = columns[letters], int(m.group(2)) - 1
                else:
                    col += 1
            continue
        if tag == "c":
            f = v = None
            for child in el:
                name = child.tag.rpartition("}")[2]
                if name == "f":
                    f = child
                elif name == "v":
                    v = child
            if f is not None:
                text = "=" + (f.text or "")
                if f.get("t") == "shared":
                    si = f.get("si", "")
                    if f.text:
                        shared[si] = (text, _translator(text, f"{_letter(col)}{row + 1}"))
                    elif si in shared:
                        text = _translated(*shared[si], f"{_letter(col)}{row + 1}")
                found[(row, col)] = (text, v is not None and bool(v.text))
            if el.get("t") == "e":
                errors[(row, col)] = (v.text or "").strip() if v is not None else ""
            el.clear()
        elif tag == "row" and parent is not None:
            parent.clear()                      # rows read: memory stays one row
    return found, errors


def _translator(formula: str, origin: str) -> Any:
    """openpyxl's ``Translator`` of a shared formula (its text at ``origin``), or None when
    it cannot parse it (a workbook made by hand or damaged: Excel writes none)."""
    from openpyxl.formula.translate import Translator
    try:
        return Translator(formula, origin=origin)
    except Exception:  # noqa: BLE001 - the tokenizer raises several kinds on a malformed formula
        return None


def _translated(formula: str, translator: Any, cell: str) -> str:
    """A shared formula as Excel shows it at ``cell`` (as openpyxl shows it); one that
    cannot be translated is shown as written at its first cell: a warning's text, never an error."""
    if translator is None:
        return formula
    try:
        return str(translator.translate_formula(cell))
    except Exception:  # noqa: BLE001 - as above
        return formula


def _column(letters: str) -> int:
    """A column's letters (A, Z, AA…) → its index from 0."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _letter(index: int) -> str:
    """A column index from 0 → its letters."""
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


def _text(value: object) -> str:
    """A cell as text, as ``tables`` reads it: a whole number without '.0', nothing as ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _uncalculated(path: Path, input: str, formulas: Cells, cells: list[tuple[int, int]],
                  header: list[str]) -> pd.DataFrame:
    """The formula cells (sheet row, column index) that hold no calculated value: a
    workbook written by a program that does not calculate (openpyxl, a script) and never
    opened and saved in Excel or LibreOffice. ``tables`` reads them as empty cells."""
    empty = [(r, c) for r, c in cells if not formulas.get((r - 1, c), ("", True))[1]]
    if not empty:
        return pd.DataFrame()
    return _rows("formula_no_value", input, display(path), line=[r for r, _ in empty],
                 column=[header[i] for _, i in empty], subject=[f"{_letter(i)}{r}" for r, i in empty],
                 value=[formulas[(r - 1, i)][0] for r, i in empty])


def _concat(parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    kept = [p for p in parts if p is not None and len(p)]
    return pd.concat(kept, ignore_index=True) if kept else pd.DataFrame()


def blank_row_hint(path: Path) -> str | None:
    """For an input that failed validation: when its sheet has rows after the blank row that
    ends its data block (they were not read), a sentence saying so, else None."""
    if not _is_xlsx(path):
        return None
    try:
        found = [p for p in sheet_warnings(path, "") if p["code"].iloc[0] == "content_after_data"]
    except Exception:  # noqa: BLE001 - only a hint to an error already found: never a second error
        return None
    if not found:
        return None
    row = found[0].iloc[0]
    return (f"{display(path)}: line {row['line']}: {row['count']} row(s) after the blank row at line {row['subject']} "
            f"were not read (a sheet's data ends at its first blank row); remove the blank row if they are data")
