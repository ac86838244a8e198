"""Input tables read as text, as the user wrote them: CSV (any accepted encoding, separated by
, ; or tab) or the first sheet of an XLSX workbook, leading ``#`` lines skipped, with the file
line of every cell for messages; long tables (city, indicator, value) widened; numbers as
people type them. Line numbers are those a person sees in a text editor (the header is line 1
after any leading ``#`` comment lines).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.config.limits import HEADER, MULTILINE, ONE_LINE, text_problem
from iqlib.config.paths import display, file_problem
from iqlib.core.errors import UserError
from iqlib.io.encoding import decode


@dataclass
class Table:
    """An input table read as text, with the file line (or sheet row) of each cell."""

    frame: pd.DataFrame
    path: Path
    first_line: int  # file line of the first data row
    lines: dict | None = None  # (row, column) -> line, for long-format files
    encoding: str = "utf-8"

    def where(self, row: int | np.integer, column: str | None = None) -> str:
        col = f", column {column}" if column else ""
        line = (self.lines or {}).get((row, column), self.first_line + row)
        return f"{display(self.path)}: line {line}{col}"


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
    """First sheet of a workbook; leading rows whose first cell starts with # are skipped."""
    try:
        raw = pd.read_excel(path, sheet_name=0, header=None, dtype=str, engine="openpyxl").fillna("")
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
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


def read_table(path: Path) -> Table:
    """Read an input table as text (validation sees what the user wrote): CSV in UTF-8
    (BOM or not) or Windows-1251, separated by , ; or tab, or the first sheet of an XLSX
    workbook. Leading rows starting with # are comments (e.g. the synthetic-data notice)."""
    if problem := file_problem(path):   # params checked it, but a file can go between validation and reading
        raise UserError(f"{display(path)}: {problem}")
    reader = _read_xlsx if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv
    frame, first, encoding = reader(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    bad_headers = [f"column {i + 1} ({preview(c)}): {problem}" for i, c in enumerate(frame.columns)
                   if (problem := text_problem(c, HEADER)) is not None]
    if bad_headers:
        raise UserError(f"{display(path)}: header: " + "; ".join(bad_headers))
    twice = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if twice:
        raise UserError(f"{display(path)}: column(s) {', '.join(repr(c) for c in twice)} given twice in the header "
                        f"(after trimming spaces)")
    frame = frame.apply(lambda col: col.str.strip().str.replace("\u00a0", " "))
    return Table(frame, path, first, encoding=encoding)


def preview(text: str, n: int = 40) -> str:
    """A text as a message shows it: quoted, invisible characters escaped, at most ``n``
    characters (a megabyte-long value is not repeated back)."""
    return repr(text[:n]) + ("…" if len(text) > n else "")


def check_texts(table: Table, column: str, limit: int, what: str, problems: list[str], multiline: bool = False) -> None:
    """A problem for every cell of ``column`` longer than ``limit`` characters or holding a
    control or bidirectional-override character (tab and line breaks allowed when
    ``multiline``), naming file, line, column, the length and the allowed one
    (``config.limits``); ``what`` says what the column holds (a city's name)."""
    if column not in table.frame:
        return
    text = table.frame[column].astype(str)
    bad = (text.str.len() > limit) | text.str.contains(MULTILINE if multiline else ONE_LINE, regex=True)
    for row in np.flatnonzero(bad.to_numpy()):
        value = text.iloc[row]
        problems.append(f"{table.where(row, column)}: {what} {preview(value)}: {text_problem(value, limit, multiline)}")


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
    return f"{text!r} is not a finite number" if infinite[0] else f"{text!r} is not a number"


LONG_COLUMNS = ["city_id", "indicator", "value"]
LONG_OPTIONAL = ["source", "comment"]


def widen(table: Table, problems: list[str]) -> Table:
    """A long table (city_id, indicator, value[, source, comment]) as a wide one, keeping
    the line of every cell; a (city, indicator) pair given twice is a problem."""
    df = table.frame
    unknown = [c for c in df.columns if c not in LONG_COLUMNS + LONG_OPTIONAL]
    if unknown:
        problems.append(f"{display(table.path)}: unknown column(s) in a long-format file: {', '.join(unknown)} "
                        f"(expected {', '.join(LONG_COLUMNS + LONG_OPTIONAL)})")
    first_seen: dict = {}
    for i, (city, code) in enumerate(zip(df["city_id"], df["indicator"])):
        if (city, code) in first_seen:
            problems.append(f"{display(table.path)}: line {table.first_line + i}: duplicate pair city {city!r}, "
                            f"indicator {code!r} (first at line {first_seen[(city, code)]})")
        else:
            first_seen[(city, code)] = table.first_line + i
    keep = ~df.duplicated(["city_id", "indicator"], keep="first")
    cities = list(dict.fromkeys(df["city_id"]))
    codes = list(dict.fromkeys(df["indicator"]))
    wide = df[keep].pivot(index="city_id", columns="indicator", values="value").reindex(index=cities, columns=codes)
    wide = wide.fillna("").reset_index()
    row_of = {c: r for r, c in enumerate(cities)}
    lines = {(row_of[c], i): ln for (c, i), ln in first_seen.items()}
    lines.update({(r, "city_id"): first_seen[next(k for k in first_seen if k[0] == c)] for c, r in row_of.items()})
    return Table(wide, table.path, table.first_line, lines, table.encoding)


def require_columns(table: Table, required: list[str]) -> None:
    """One error naming every required column the table lacks (nothing else can be checked)."""
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        raise UserError(f"{display(table.path)}: required column(s) missing: {', '.join(missing)}")


def duplicates(table: Table, column: str, problems: list[str]) -> None:
    """A problem for each repeated value of ``column`` after its first, with the first's line
    (for a roster, a city listed under two official groups is said so)."""
    col = table.frame[column]
    groups = table.frame.get("group_official")
    for row in np.flatnonzero(col.duplicated(keep="first").to_numpy()):
        first = int(np.flatnonzero((col == col.iloc[row]).to_numpy())[0])
        two = groups is not None and groups.iloc[row] != groups.iloc[first]
        what = (f"city {col.iloc[row]!r} is in two groups ({groups.iloc[first]} and {groups.iloc[row]})"
                if two else f"duplicate {column} {col.iloc[row]!r}")
        problems.append(f"{table.where(row, column)}: {what} (first at line {table.first_line + first})")
