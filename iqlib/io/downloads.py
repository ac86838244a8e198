"""Files for people who open them in Excel: CSV in UTF-8 with a BOM, ``;``-separated with
a decimal comma (what Russian Excel reads without an import wizard), and XLSX workbooks.

Both escape text that a spreadsheet would run as a formula, and both are byte-identical
for the same tables: the workbook's document properties carry a given date (the edition's,
or a fixed one) and the zip members are written in a fixed order with a fixed timestamp.

A workbook is a list of ``Sheet`` s laid out for a reader who lives in Excel (``write_book``):
an optional title row and notice row above a bold, wrapped header row; panes frozen below the
header and right of the columns that name a row; an autofilter over the table; numbers as
numbers with a number format; column widths from the content, at most ``MAX_WIDTH`` for a
wrapped column; landscape printing one page wide with the header rows repeated and a footer.
Sheet names hold at most 31 characters: ``fit_sheet_names`` shortens by whole words (rule in
its docstring), never cutting one.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from iqlib.io.runfolder import escape_formulas

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

FIXED_TIME = dt.datetime(2000, 1, 1)  # what a workbook without a date of its own says about when it was made
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
SHEET_LIMIT = 31                      # Excel's longest sheet name
MAX_WIDTH = 30                        # the widest column of numbers (its header wraps), in characters
TEXT_WIDTH = 28                       # the widest text column (a longer text is cut off on screen, whole in the cell)
HEADER_SIZE = 9                       # the header row's font size (the body's is Excel's 11)
FORBIDDEN = "[]:*?/\\"


def write_excel_csv(frame: pd.DataFrame, path: Path, decimals: int | None = 2) -> Path:
    """``frame`` as UTF-8 with BOM, ``;`` between fields, floats with a decimal comma and
    ``decimals`` places (None: up to six, without trailing zeros), formula-like text escaped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = escape_formulas(frame)
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda x: "" if pd.isna(x) else _decimal(x, decimals))
    out.to_csv(path, index=False, sep=";", encoding="utf-8-sig", lineterminator="\r\n")
    return path


def _decimal(x: float, decimals: int | None) -> str:
    text = f"{x:.{6 if decimals is None else decimals}f}"
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    if re.fullmatch(r"-0(\.0*)?", text):
        text = text[1:]
    return text.replace(".", ",")


# --------------------------------------------------------------------------- sheet names
def _clean(name: str) -> str:
    """A sheet name without the characters Excel refuses (``[]:*?/\\``) or an apostrophe at either end."""
    text = "".join(" " if ch in FORBIDDEN else ch for ch in str(name))
    return re.sub(r"\s+", " ", text).strip().strip("'").strip()


def _is_link(word: str) -> bool:
    """A word a name should not end on: a short lower-case word (a conjunction or preposition:
    'и', 'в', 'для', 'and', 'of') or a dash."""
    return word in ("—", "–", "-") or (len(word) <= 3 and word.isalpha() and word.islower())


def _tidy(words: list[str]) -> str:
    """Words joined, without a trailing link word, dash, comma or unclosed bracket."""
    words = list(words)
    while words:
        text = " ".join(words)
        if text.count("(") > text.count(")"):           # an unclosed bracket: drop it and what follows
            words = words[:max(i for i, w in enumerate(words) if "(" in w)]
        elif _is_link(words[-1]):
            words.pop()
        else:
            break
    return " ".join(words).rstrip(",;—–- ")


def fit_sheet_name(name: str, limit: int = SHEET_LIMIT, keep: int = 0) -> str:
    """``name`` shortened to ``limit`` characters by whole words, never a cut word:

    1. the name as it is, when it fits (Excel's forbidden characters become spaces);
    2. else the longest run of its first words that ends before a phrase boundary (a bracket,
       a dash, a comma, or a short link word such as 'и', 'для') and fits;
    3. else the longest run of its first words that fits;
    trailing link words, dashes and commas are dropped. ``keep`` first words (a code, 'D5')
    stay even when nothing else fits."""
    clean = _clean(name)
    if len(clean) <= limit:
        return clean
    words = clean.split(" ")
    fitting = [k for k in range(len(words) - 1, keep, -1) if 0 < len(_tidy(words[:k])) <= limit
               and len(_tidy(words[:k]).split(" ")) > keep]
    boundary = [k for k in fitting if words[k].startswith("(") or _is_link(words[k]) or words[k - 1].endswith(",")]
    if boundary or fitting:
        return _tidy(words[:(boundary or fitting)[0]])
    head = " ".join(words[:keep]) if keep else words[0]
    return head[:limit] if len(head) > limit else head   # one word longer than a sheet name: nothing better exists


def fit_sheet_names(names: list[str], limit: int = SHEET_LIMIT, keep: int = 0) -> list[str]:
    """Sheet names for a set of siblings (the directions of a framework): a name that does
    not fit first loses the words it shares at its start with another sibling (after its
    ``keep`` first words: 'D5 Интеллектуальные системы общественной безопасности' beside
    'D6 Интеллектуальные системы …' becomes 'D5 Общественной безопасности'), then goes
    through ``fit_sheet_name``."""
    split = [_clean(n).split(" ") for n in names]
    out = []
    for i, words in enumerate(split):
        if len(" ".join(words)) <= limit:
            out.append(" ".join(words))
            continue
        head, rest = words[:keep], words[keep:]
        shared = 0
        for j, other in enumerate(split):
            if j != i:
                o = other[keep:]
                n = 0
                while n < min(len(rest), len(o)) - 1 and rest[n] == o[n]:
                    n += 1
                shared = max(shared, n)
        rest = rest[shared:]
        if shared and rest:
            rest = [rest[0][:1].upper() + rest[0][1:], *rest[1:]]
        out.append(fit_sheet_name(" ".join(head + rest), limit, keep))
    return out


def unique_sheet_name(name: str, taken: list[str], limit: int = SHEET_LIMIT) -> str:
    """``name``, or ``name`` with ' 2', ' 3' … (whole words dropped to make room) when a sheet
    already has it; Excel compares sheet names without case."""
    used = {t.casefold() for t in taken}
    if name.casefold() not in used:
        return name
    n = 2
    while True:
        suffix = f" {n}"
        candidate = fit_sheet_name(name, limit - len(suffix)) + suffix
        if candidate.casefold() not in used:
            return candidate
        n += 1


# --------------------------------------------------------------------------- workbooks
@dataclass
class Sheet:
    """One sheet of a book: its table (headers in the reader's words), the name on its tab
    (at most 31 characters: ``fit_sheet_name``), a title row and a notice row above the table
    (each optional), the number of first columns that stay in view (place and city: 2) and
    the decimals of its float columns (a column not named: the book's)."""

    name: str
    frame: pd.DataFrame
    title: str | None = None
    notice: str | None = None
    frozen_columns: int = 0
    decimals: dict[str, int] = field(default_factory=dict)
    printed_columns: int | None = None   # the first columns printed (None: all; the city's code last stays off paper)

    @property
    def header_row(self) -> int:
        """The row of the table's header (1 when there is neither title nor notice)."""
        return 1 + (self.title is not None) + (self.notice is not None)


@dataclass
class Book:
    """A workbook's document properties and page footer: its title, author (the publisher),
    the date it says it was made (the edition's, for the same bytes on every build), and the
    footer's left part (the index and the edition; the right part counts the pages with
    ``page_words``, 'Страница &P из &N')."""

    title: str = ""
    creator: str = "iqlib"
    created: dt.datetime = FIXED_TIME
    footer: str = ""
    page_words: str = "&P / &N"
    decimals: int = 2


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, decimals: int = 2, book: Book | None = None,
                   notice: str | None = None) -> Path:
    """One sheet per table (names fitted to Excel's 31 characters by whole words): the layout
    of ``write_book`` with the header row frozen and nothing else in view, ``notice`` (the
    synthetic-data notice) above every table."""
    taken: list[str] = []
    out = []
    for title, frame in sheets.items():
        name = unique_sheet_name(fit_sheet_name(title), taken)
        taken.append(name)
        out.append(Sheet(name, frame, notice=notice))
    return write_book(out, path, book or Book(decimals=decimals))


def write_book(sheets: list[Sheet], path: Path, book: Book) -> Path:
    """The sheets laid out for reading, filtering and printing (module docstring), saved
    byte-stable: the same sheets and book give the same bytes."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: list[str] = []
    rows: dict[str, tuple[str, str]] = {}
    for k, sheet in enumerate(sheets, 1):
        name = unique_sheet_name(_clean(sheet.name)[:SHEET_LIMIT] or "1", taken)
        taken.append(name)
        rows[f"xl/worksheets/sheet{k}.xml"] = _lay_out(wb.create_sheet(name), sheet, book)
    wb.properties.title = book.title or None
    wb.properties.creator = book.creator
    wb.properties.lastModifiedBy = book.creator
    wb.properties.created = wb.properties.modified = book.created
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_zip(buffer.getvalue(), book.created, rows))
    return path


def _number_format(decimals: int) -> str:
    return "0." + "0" * decimals if decimals else "0"


def _lay_out(ws: Worksheet, sheet: Sheet, book: Book) -> tuple[str, str]:
    """Fill one worksheet with ``sheet`` (see the module docstring for the layout). The
    first data row goes through openpyxl (it carries each column's style); the others are
    returned as the worksheet's XML (``_rows_xml``) with the sheet's full range, for
    ``_stable_zip`` to put in: openpyxl's cell objects and writer take seconds for a
    book of fifty thousand cells, the XML a tenth of that."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    frame = escape_formulas(sheet.frame)
    ncols = max(1, len(frame.columns))
    last = get_column_letter(ncols)
    row = 1
    if sheet.title is not None:
        ws.cell(row=row, column=1, value=_text(sheet.title)).font = Font(name="Calibri", bold=True, size=12)
        row += 1
    if sheet.notice is not None:
        ws.cell(row=row, column=1, value=_text(sheet.notice)).font = Font(name="Calibri", bold=True, color="9C0006")
        for j in range(1, ncols + 1):
            ws.cell(row=row, column=j).fill = PatternFill("solid", fgColor="FFC7CE")
        row += 1
    header = sheet.header_row
    thin = Side(style="thin", color="808080")
    for j, column in enumerate(frame.columns, 1):
        cell = ws.cell(row=header, column=j, value=str(column))
        cell.font = Font(name="Calibri", bold=True, size=HEADER_SIZE)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.border = Border(bottom=thin)
    data = [[_cell(v) for v in values] for values in frame.itertuples(index=False)]
    if data:
        ws.append(data[0])
    nrows = len(frame)
    lines = 1
    centre, indented = Alignment(horizontal="center"), Alignment(indent=1)
    for j, (column, kind) in enumerate(zip(frame.columns, frame.dtypes), 1):
        letter = get_column_letter(j)
        is_float = pd.api.types.is_float_dtype(kind)
        is_number = pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind)
        decimals = sheet.decimals.get(str(column), book.decimals)
        content = _widest(data, j - 1, decimals if is_float else None)
        title = str(column)
        longest_word = max((len(w) for w in title.split()), default=0) * HEADER_SIZE / 11
        width = min(max(6, content + 2, math.ceil(longest_word) + 2), MAX_WIDTH if is_number else TEXT_WIDTH)
        ws.column_dimensions[letter].width = width
        lines = max(lines, min(8, math.ceil(len(title) * HEADER_SIZE / 11 / max(1, width - 2)) + 1))
        cells = (c for (c,) in ws.iter_rows(min_row=header + 1, max_row=header + min(nrows, 1), min_col=j, max_col=j))
        if is_number:
            fmt = _number_format(decimals) if is_float else "0"
            for cell in cells:
                cell.number_format = fmt
        elif 0 < content <= 8:                               # short text (an interval '3–7', yes/no): centred
            for cell in cells:
                cell.alignment = centre
        elif j > 1:                                           # other text: a space after the number before it
            for cell in cells:
                cell.alignment = indented
    ws.row_dimensions[header].height = 12 * lines + 2
    ws.freeze_panes = f"{get_column_letter(sheet.frozen_columns + 1)}{header + 1}"
    ws.auto_filter.ref = f"A{header}:{last}{header + max(nrows, 1)}"
    ws.print_title_rows = f"1:{header}"
    printed = min(ncols, sheet.printed_columns or ncols)
    ws.print_area = f"A1:{get_column_letter(printed)}{header + max(nrows, 1)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.5, 0.6
    ws.page_margins.header, ws.page_margins.footer = 0.2, 0.3
    if book.footer:
        ws.oddFooter.left.text = _footer_text(book.footer)
        ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = book.page_words
    ws.oddFooter.right.size = 8
    styles = [ws.cell(row=header + 1, column=j).style_id for j in range(1, ncols + 1)] if data else []
    return _rows_xml(data[1:], header + 2, styles), f"A1:{last}{header + max(nrows, 1)}"


def _widest(rows: list[list[object]], j: int, decimals: int | None, sample: int = 2000) -> int:
    """The longest of the first ``sample`` values of column ``j`` as shown: numbers with
    ``decimals`` places (None: as written); empty cells do not count."""
    kept = itertools.islice((row[j] for row in rows if row[j] is not None), sample)
    if decimals is None:
        return max(map(len, map(str, kept)), default=0)
    return max((len(f"{v:.{decimals}f}") for v in kept), default=0)


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(text: str) -> str:
    text = _ILLEGAL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _rows_xml(rows: list[list[object]], first: int, styles: list[int]) -> str:
    """SpreadsheetML rows from ``first`` on: numbers as numbers, text inline (escaped), each
    cell with its column's style; an empty value is an empty cell."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(j) for j in range(1, len(styles) + 1)]
    out = []
    for i, values in enumerate(rows, first):
        cells = []
        for letter, style, v in zip(letters, styles, values):
            ref = f'r="{letter}{i}" s="{style}"'
            if v is None:
                continue
            if isinstance(v, bool):
                cells.append(f'<c {ref} t="b"><v>{int(v)}</v></c>')
            elif isinstance(v, (int, float)):
                if isinstance(v, float) and not math.isfinite(v):
                    continue
                cells.append(f"<c {ref}><v>{v!r}</v></c>")
            else:
                text = _xml_text(str(v))
                space = ' xml:space="preserve"' if text != text.strip() else ""
                cells.append(f'<c {ref} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        out.append(f'<row r="{i}">{"".join(cells)}</row>')
    return "".join(out)


def _text(text: str) -> str:
    """A title or notice as a cell holds it: escaped like a table's text."""
    return str(escape_formulas(pd.DataFrame({"t": [text]}))["t"].iloc[0])


def _footer_text(text: str) -> str:
    """Footer text with '&' doubled (Excel reads '&X' as a field code)."""
    return text.replace("&", "&&")


def _cell(value: object) -> object:
    """A value openpyxl can store: missing values as empty cells, numpy scalars as Python."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return _ILLEGAL.sub("", value) or None           # control characters a workbook cannot hold; '' is empty
    return value.item() if hasattr(value, "item") else value


def _stable_zip(data: bytes, created: dt.datetime = FIXED_TIME, rows: dict[str, tuple[str, str]] | None = None) -> bytes:
    """The same zip with every member's timestamp fixed, members in name order, and the
    document's modification time (which openpyxl sets to the moment of saving) set to
    ``created``; a worksheet named in ``rows`` gets the XML of its further rows at the end
    of its data and its full range as its dimension."""
    out = io.BytesIO()
    fixed = created.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            content = src.read(name)
            if rows and name in rows:
                more, ref = rows[name]
                content = re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), content, count=1)
                if more:
                    content = content.replace(b"</sheetData>", more.encode("utf-8") + b"</sheetData>", 1)
            if name == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + fixed + rb"\g<2>",
                                 content)
            dst.writestr(info, content)
    return out.getvalue()
