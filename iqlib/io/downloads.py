"""Files for people who open them in Excel: CSV in UTF-8 with a BOM, ``;``-separated with
a decimal comma (what Russian Excel reads without an import wizard), and XLSX workbooks.

Both escape text that a spreadsheet would run as a formula, and both are byte-identical
for the same tables: the workbook's document properties carry a fixed date and the zip
members are written in a fixed order with a fixed timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from iqlib.io.runfolder import escape_formulas

FIXED_TIME = dt.datetime(2000, 1, 1)  # what the workbook says about when it was made
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


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
    return "0" if text in ("-0", "") else text.replace(".", ",")


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path, decimals: int = 2) -> Path:
    """One sheet per table (sheet names cut to Excel's 31 characters): a bold frozen header
    row, column widths from the content, floats shown with ``decimals`` places."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    number_format = "0." + "0" * decimals if decimals else "0"
    for title, frame in sheets.items():
        ws = wb.create_sheet(_sheet_title(title, wb.sheetnames))
        frame = escape_formulas(frame)
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        for j, column in enumerate(frame.columns, 1):
            letter = get_column_letter(j)
            texts = [str(column)] + [str(v) for v in frame[column].head(500)]
            ws.column_dimensions[letter].width = min(60, max(8, max(len(t) for t in texts) + 2))
            if pd.api.types.is_float_dtype(frame[column]):
                for cell in ws[letter][1:]:
                    cell.number_format = number_format
        ws.freeze_panes = "A2"
    wb.properties.creator = "iqlib"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_zip(buffer.getvalue()))
    return path


def _sheet_title(title: str, taken: list[str]) -> str:
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31]
    name, n = clean, 2
    while name in taken:
        name = f"{clean[:28]}~{n}"
        n += 1
    return name


def _cell(value: object) -> object:
    """A value openpyxl can store: missing values as empty cells, numpy scalars as Python."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def _stable_zip(data: bytes) -> bytes:
    """The same zip with every member's timestamp fixed, members in name order, and the
    document's modification time (which openpyxl sets to the moment of saving) fixed too."""
    out = io.BytesIO()
    fixed = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist()):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            content = src.read(name)
            if name == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + fixed + rb"\g<2>",
                                 content)
            dst.writestr(info, content)
    return out.getvalue()
