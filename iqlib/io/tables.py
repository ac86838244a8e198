"""Input tables read as text, as the user wrote them: CSV (any accepted encoding, separated by
, ; or tab) or the first sheet of an XLSX workbook, leading ``#`` lines skipped, with the file
line of every cell for messages; long tables (city, indicator, value) widened; numbers as
people type them. Line numbers are those a person sees in a text editor (the header is line 1
after any leading ``#`` comment lines).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.config.limits import CELL, CELLS, COLUMNS, FILE_MB, HEADER, MULTILINE, ONE_LINE, PREVIEW, UNPACKED_MB, text_problem
from iqlib.config.paths import display, file_problem
from iqlib.core.errors import Problems, ProblemsError, UserError, count, first_of
from iqlib.io.encoding import decode


@dataclass
class Table:
    """An input table read as text, with the file line (or sheet row) of each cell."""

    frame: pd.DataFrame
    path: Path
    first_line: int  # file line of the first data row
    lines: dict[str, np.ndarray] | None = None  # column -> file line of each row, for long-format files widened
    encoding: str = "utf-8"

    def where(self, row: int | np.integer, column: str | None = None) -> str:
        """'file: line N, column C' of a cell (of a row when ``column`` is None)."""
        col = f", column {column}" if column else ""
        return f"{display(self.path)}: line {self.line(row, column)}{col}"

    def line(self, row: int | np.integer, column: str | None = None) -> int:
        """The file line of a cell: of its own row, or for a widened long file the line that
        gave it (a cell no line gave: the line of the city's first row)."""
        if not self.lines:
            return self.first_line + int(row)
        line = int(self.lines[column][row]) if column is not None and column in self.lines else 0
        return line or int(self.lines["city_id"][row])


def each(problems: list[str], kind: str, rows: np.ndarray, message: Callable[..., str]) -> None:
    """Problems of ``kind`` at ``rows`` (a boolean mask or positions): through
    ``Problems.rows`` (the first ten of a kind formatted, the rest counted) or, for a plain
    list, one message per row."""
    if isinstance(problems, Problems):
        problems.rows(kind, rows, message)
        return
    at = np.asarray(rows)
    problems.extend(message(int(r)) for r in (np.flatnonzero(at) if at.dtype == bool else at))


def _separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: (counts[sep], sep == ","))


def _read_csv(path: Path) -> tuple[pd.DataFrame, int, str]:
    text, encoding = decode(path)
    lines = text.splitlines()
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        skip += 1
    if skip >= len(lines) or not lines[skip].strip():
        raise UserError(f"{display(path)}: the file is empty (no header row)")
    try:
        frame = pd.read_csv(io.StringIO("\n".join(lines[skip:])), dtype=str, keep_default_na=False,
                            sep=_separator(lines[skip]))
    except pd.errors.ParserError as exc:
        raise UserError(f"{display(path)}: cannot parse as CSV: {exc}") from None
    return frame, skip + 2, encoding


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, int, str]:
    """First sheet of a workbook; leading rows whose first cell starts with # are skipped.
    Read with calamine (Rust: about 20 times faster than openpyxl, which takes half a
    minute for 200 000 rows; the same text of every cell, as pandas converts both); a
    workbook that unpacks to more than ``limits.UNPACKED_MB`` is refused before reading."""
    check_unpacked(path)
    try:
        raw = pd.read_excel(path, sheet_name=0, header=None, dtype=str, engine="calamine").fillna("")
    except Exception as exc:  # noqa: BLE001 - a bad file raises many kinds
        unknown = re.search(r"[Uu]nsupported cell error value '([^']*)'", str(exc))
        if unknown:       # an error calamine does not know (#SPILL!, #CALC!: Excel 365) fails the whole sheet
            raise UserError(f"{display(path)}: a cell holds the error {unknown.group(1)}, which cannot be read: "
                            "replace it with a value (or empty the cell) and save the file") from None
        raise UserError(f"{display(path)}: cannot read as an XLSX workbook ({type(exc).__name__})") from None
    skip = 0
    while skip < len(raw) and str(raw.iat[skip, 0]).startswith("#"):
        skip += 1
    if skip >= len(raw):
        raise UserError(f"{display(path)}: the file is empty (no header row)")
    frame = raw.iloc[skip + 1:].reset_index(drop=True)
    frame.columns = [str(c) for c in raw.iloc[skip]]
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    blank = np.flatnonzero((frame.astype(str).apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy())
    if len(blank):   # the data block ends at its first blank row: notes under it are not data (io.suspicious warns)
        frame = frame.iloc[:blank[0]]
    return frame.astype(str), skip + 2, "xlsx"


def check_unpacked(path: Path) -> None:
    """A workbook is a ZIP archive: the sizes its directory gives for its parts, added up,
    are bounded (a small file may unpack to gigabytes). Not a ZIP archive: the reader says so."""
    try:
        with zipfile.ZipFile(path) as book:
            unpacked = sum(part.file_size for part in book.infolist())
    except (zipfile.BadZipFile, OSError):
        return
    if unpacked > UNPACKED_MB * 2**20:
        raise UserError(f"{display(path)}: the workbook unpacks to {unpacked / 2**20:.0f} MB, at most {UNPACKED_MB} MB "
                        f"allowed (a workbook of a million rows unpacks to about 150 MB)")


def read_table(path: Path) -> Table:
    """Read an input table as text (validation sees what the user wrote): CSV in UTF-8
    (BOM or not) or Windows-1251, separated by , ; or tab, or the first sheet of an XLSX
    workbook. Leading rows starting with # are comments (e.g. the synthetic-data notice).
    The file's size, its number of columns and the length of every cell are bounded
    (``config.limits``): beyond them, one message before any other check."""
    if problem := file_problem(path):   # params checked it, but a file can go between validation and reading
        raise UserError(f"{display(path)}: {problem}")
    if (size := path.stat().st_size) > FILE_MB * 2**20:
        raise UserError(f"{display(path)}: the file is {size / 2**20:.0f} MB, at most {FILE_MB} MB allowed "
                        f"(an input table of every city and indicator is a few MB)")
    reader = _read_xlsx if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv
    frame, first, encoding = reader(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame.columns) > COLUMNS:
        raise UserError(f"{display(path)}: header: {count(len(frame.columns))} columns, at most {count(COLUMNS)} "
                        f"allowed (the first: {first_of([preview(c) for c in frame.columns])})")
    bad_headers = [f"column {i + 1} ({preview(c)}): {problem}" for i, c in enumerate(frame.columns)
                   if (problem := text_problem(c, HEADER)) is not None]
    if bad_headers:
        raise UserError(f"{display(path)}: header: " + first_of(bad_headers, sep="; "))
    twice = sorted(set(frame.columns[frame.columns.duplicated()]))
    if twice:
        raise UserError(f"{display(path)}: column(s) {first_of([preview(c) for c in twice])} given twice in the "
                        f"header (after trimming spaces)")
    frame, too_long = _clean(frame)
    table = Table(frame, path, first, encoding=encoding)
    if too_long.any():
        _too_long(table, too_long)
    return table


def _clean(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Every cell trimmed, no-break spaces made spaces, and a mask of the cells longer than
    ``limits.CELL``: all cells at once, as one column (the cost is per cell, whatever the
    table's shape: a file of a thousand columns is not a thousand calls)."""
    shape = frame.shape
    flat = pd.Series(frame.to_numpy(dtype=object).ravel(), dtype=str)
    flat = flat.str.strip().str.replace("\u00a0", " ", regex=False)
    too_long = (flat.str.len() > CELL).to_numpy().reshape(shape)
    clean = pd.DataFrame(flat.to_numpy().reshape(shape), columns=frame.columns, index=frame.index).astype(str)
    return clean, too_long


def _too_long(table: Table, too_long: np.ndarray) -> None:
    """One message naming the first ten cells longer than ``limits.CELL`` (line, column,
    their beginning and length) and how many there are."""
    problems = Problems()
    for j in np.flatnonzero(too_long.any(axis=0)):
        column, text = table.frame.columns[j], table.frame.iloc[:, j]
        each(problems, "cell too long", too_long[:, j],
             lambda row, column=column, text=text: f"{table.where(row, column)}: {preview(text.iloc[row])}: "
                                                   f"{count(len(text.iloc[row]))} characters, at most {count(CELL)} "
                                                   f"allowed in any cell")
    raise ProblemsError(f"{display(table.path)}: cells too long", problems)


def preview(text: str, n: int = PREVIEW) -> str:
    """A text as a message shows it: quoted, invisible characters escaped, at most ``n``
    characters (a megabyte-long value is not repeated back)."""
    return repr(text[:n]) + ("…" if len(text) > n else "")


def column_name(column: str) -> str:
    """A column's name in a message: as written, or its beginning and '…' when it is long
    (a header holds no control character: ``read_table`` refused it)."""
    return column if len(column) <= PREVIEW else column[:PREVIEW] + "…"


def check_texts(table: Table, column: str, limit: int, what: str, problems: list[str], multiline: bool = False) -> None:
    """A problem for every cell of ``column`` longer than ``limit`` characters or holding a
    control or bidirectional-override character (tab and line breaks allowed when
    ``multiline``), naming file, line, column, the length and the allowed one
    (``config.limits``); ``what`` says what the column holds (a city's name)."""
    if column not in table.frame:
        return
    text = table.frame[column].astype(str)
    bad = (text.str.len() > limit) | text.str.contains(MULTILINE if multiline else ONE_LINE, regex=True)
    each(problems, f"{what}: too long or with a control character", bad.to_numpy(),
         lambda row: f"{table.where(row, column)}: {what} {preview(text.iloc[row])}: "
                     f"{text_problem(text.iloc[row], limit, multiline)}")


def to_number(text: pd.Series) -> pd.Series:
    """Numbers as people type them: decimal comma (12,5), spaces as thousands separators
    (1 234 567); anything else that is not a number becomes NaN, and so do infinite values
    ('inf', 'Infinity', '1e400'): no indicator or population is infinite."""
    cleaned = text.str.replace(r"(?<=\d)[ \u202f](?=\d{3}\b)", "", regex=True)
    comma = cleaned.str.fullmatch(r"[-+]?\d+,\d+")
    cleaned = cleaned.where(~comma, cleaned.str.replace(",", ".", regex=False))
    number = pd.to_numeric(cleaned, errors="coerce")
    return number.where(~np.isinf(number.to_numpy(dtype="float64")))


def not_a_number(text: str) -> str:
    """Why a cell is not a number ('…' is not a number / not a finite number)."""
    infinite = np.isinf(pd.to_numeric(pd.Series([text.replace(",", ".")]), errors="coerce").to_numpy(dtype="float64"))
    return f"{preview(text)} is not a finite number" if infinite[0] else f"{preview(text)} is not a number"


LONG_COLUMNS = ["city_id", "indicator", "value"]
LONG_OPTIONAL = ["source", "comment"]


def widen(table: Table, problems: list[str]) -> Table:
    """A long table (city_id, indicator, value[, source, comment]) as a wide one, keeping
    the line of every cell; a (city, indicator) pair given twice is a problem (pairs
    matched by hashing: linear in the rows)."""
    df = table.frame
    unknown = [c for c in df.columns if c not in LONG_COLUMNS + LONG_OPTIONAL]
    if unknown:
        problems.append(f"{display(table.path)}: unknown column(s) in a long-format file: "
                        f"{first_of([column_name(c) for c in unknown])} (expected {', '.join(LONG_COLUMNS + LONG_OPTIONAL)})")
    city, cities = _factorize(df["city_id"])          # numbered in order of first appearance
    code, codes = _factorize(df["indicator"])
    if len(codes) > COLUMNS:
        raise UserError(f"{display(table.path)}: {count(len(codes))} different indicators in column indicator, at most "
                        f"{count(COLUMNS)} allowed (the first: {first_of([preview(c) for c in codes])})")
    if len(cities) * len(codes) > CELLS:
        raise UserError(f"{display(table.path)}: {count(len(cities))} cities × {count(len(codes))} indicators make "
                        f"{count(len(cities) * len(codes))} cells, at most {count(CELLS)} allowed")
    line = table.first_line + np.arange(len(df))
    pair = city.astype(np.int64) * max(len(codes), 1) + code
    first = first_rows(pair)
    twice = first != np.arange(len(df))
    city_text, code_text = df["city_id"], df["indicator"]
    each(problems, "duplicate (city, indicator) pair", twice,
         lambda row: f"{display(table.path)}: line {line[row]}: duplicate pair city {preview(city_text.iloc[row])}, "
                     f"indicator {preview(code_text.iloc[row])} (first at line {line[first[row]]})")
    keep = ~twice
    cells = np.full((len(cities), len(codes)), "", dtype=object)
    cells[city[keep], code[keep]] = df["value"].to_numpy(dtype=object)[keep]
    lines = np.zeros((len(cities), len(codes)), dtype=np.int64)
    lines[city[keep], code[keep]] = line[keep]
    wide = pd.DataFrame(cells, columns=pd.Index(codes, dtype=object), dtype=object)
    wide.insert(0, "city_id", cities)
    by_column = {c: lines[:, j] for j, c in enumerate(codes)}
    by_column["city_id"] = line[np.unique(city, return_index=True)[1]]   # the line of the city's first row
    return Table(wide, table.path, table.first_line, by_column, table.encoding)


def _factorize(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's number among the distinct values (by hashing, in order of first
    appearance) and those values."""
    numbers, uniques = pd.factorize(text)
    return numbers.astype(np.int64), np.asarray(uniques, dtype=object)


def first_rows(keys: np.ndarray) -> np.ndarray:
    """For each row, the position of the first row with the same key (itself when it is the first)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    _, inverse = np.unique(keys, return_inverse=True)
    first = np.full(inverse.max() + 1, len(keys), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(keys)))
    return first[inverse]


def require_columns(table: Table, required: list[str]) -> None:
    """One error naming every required column the table lacks (nothing else can be checked)."""
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        raise UserError(f"{display(table.path)}: required column(s) missing: {', '.join(missing)}")


def duplicates(table: Table, column: str, problems: list[str]) -> None:
    """A problem for each repeated value of ``column`` after its first, with the first's line
    (for a roster, a city listed under two official groups is said so); values matched by
    hashing, linear in the rows."""
    col = table.frame[column]
    first = first_rows(_factorize(col)[0])
    groups = table.frame.get("group_official")

    def message(row: int) -> str:
        one = int(first[row])
        two = groups is not None and groups.iloc[row] != groups.iloc[one]
        what = (f"city {preview(col.iloc[row])} is in two groups ({groups.iloc[one][:PREVIEW]} and "
                f"{groups.iloc[row][:PREVIEW]})" if two else f"duplicate {column} {preview(col.iloc[row])}")
        return f"{table.where(row, column)}: {what} (first at line {table.line(one, column)})"
    each(problems, f"duplicate {column}", first != np.arange(len(col)), message)
