"""The XLSX scan of ``io.suspicious`` (calamine for the cells, the sheet's XML for the
formulas): the same warnings as the openpyxl scan it replaced on workbooks of every kind
the warnings are about, and the formula cases read from hand-written sheet XML (shared
formulas, cells without an address, prefixed namespaces, a sheet that is not the first part)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from iqlib.io import suspicious


# --------------------------------------------------------------------------- the scan it replaced
def _reference(path: Path) -> list[dict]:
    """The previous scan (openpyxl, read twice: formulas, then cached values), kept here as the
    reference. Its read-only mode trusts a sheet's ``<dimension>`` element, which a writer may
    leave stale (the published series workbook says A1:I4 over 9 rows): the reference resets it,
    so that it sees every row, as calamine does."""
    def load(data_only: bool) -> openpyxl.Workbook:
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
        book.worksheets[0].reset_dimensions()
        return book

    def kind(v: object) -> int:
        if v is None:
            return suspicious.EMPTY
        if isinstance(v, str):
            return suspicious.EMPTY if not v.strip() else suspicious.FORMULA if v.startswith("=") else suspicious.TEXT
        return suspicious.VALUE
    book = load(False)
    rows = list(book.worksheets[0].iter_rows(values_only=True))    # ragged once the dimension is reset: padded
    book.close()
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype=object)
    cached_book = load(True)
    cached = list(cached_book.worksheets[0].iter_rows(values_only=True))
    cached_book.close()
    k = grid.map(kind).to_numpy(dtype=np.int8)
    comment = (k[:, 0] == suspicious.TEXT) & grid[0].map(lambda v: str(v).startswith("#")).to_numpy(dtype=bool)
    skip = int(np.argmin(comment)) if not comment.all() else len(comment)
    header = ["" if v is None else str(v).strip() for v in grid.iloc[skip]]
    named = np.array([bool(h) for h in header])
    body, grid = k[skip + 1:], grid.iloc[skip + 1:]
    filled = body != suspicious.EMPTY
    first = skip + 2
    blank = np.flatnonzero(~filled[:, named].any(axis=1))
    end = int(blank[0]) if len(blank) else len(body)
    out: list[dict] = []
    after = np.flatnonzero(filled[end:].any(axis=1))
    if len(after):
        out.append({"code": "content_after_data", "line": first + end + int(after[0]), "count": len(after)})
    for i in np.flatnonzero(~named):
        rows = np.flatnonzero(filled[:end, i])
        if len(rows):
            out.append({"code": "content_without_header", "line": first + int(rows[0]), "count": len(rows)})
    for a, b in zip(*np.nonzero((body[:end] == suspicious.FORMULA) & named)):
        row = first + int(a)
        value = cached[row - 1][b] if b < len(cached[row - 1]) else None
        if value is None or str(value) == "":
            out.append({"code": "formula_no_value", "line": row, "value": str(grid.iat[a, b])})
    for c in np.flatnonzero(named):
        rows = np.flatnonzero(body[:end, c] == suspicious.TEXT)
        found = suspicious._mixed(grid.iloc[rows, c].astype(str).str.strip()) if len(rows) else None
        if found is not None:
            out.append({"code": "decimal_mixed", "line": first + int(rows[found[0]]), "value": found[1], "count": found[2]})
    return out


def _scan(path: Path) -> list[dict]:
    keep = {"content_after_data": ["line", "count"], "content_without_header": ["line", "count"],
            "formula_no_value": ["line", "value"], "decimal_mixed": ["line", "value", "count"]}
    rows = []
    for part in suspicious.sheet_warnings(path, "values"):
        for r in part.to_dict("records"):
            rows.append({"code": r["code"], **{k: r[k] for k in keep[r["code"]]}})
    return rows


def _book(tmp_path: Path, name: str, edit) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["# a comment row"])
    ws.append(["city_id", "I01", "I02"])
    for i in range(12):
        ws.append([f"c{i:02d}", float(i) + 0.5, i])
    edit(ws)
    path = tmp_path / f"{name}.xlsx"
    book.save(path)
    return path


def _formulas_and_notes(ws):
    ws["B5"], ws["C7"] = "=B4*2", "=SUM(C3:C6)"          # openpyxl calculates nothing: no cached value
    ws["A17"] = "notes under the blank row"
    ws["E9"] = "a cell without a header"


def _decimal_marks(ws):
    ws["B6"], ws["B8"], ws["B9"] = "20,9", "30.4", "12.5"   # numbers typed as text, both marks


def _everything(ws):
    _formulas_and_notes(ws)
    _decimal_marks(ws)
    ws["C3"] = 7                                          # a whole number in a float column


@pytest.mark.parametrize("edit", [_formulas_and_notes, _decimal_marks, _everything, lambda ws: None],
                         ids=["formulas-notes", "decimal-marks", "everything", "clean"])
def test_the_scan_finds_what_the_openpyxl_scan_found(tmp_path, edit):
    path = _book(tmp_path, "v", edit)
    assert _scan(path) == _reference(path)


ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = sorted(p for pattern in ("data/**/*.xlsx", "tests/fixtures/**/*.xlsx", "outputs/**/*.xlsx")
                   for p in ROOT.glob(pattern) if zipfile.is_zipfile(p))


def test_every_workbook_of_the_project_gives_the_warnings_of_the_openpyxl_scan():
    """The template, the test fixtures and the published workbooks (tables, not inputs, but
    sheets of every shape: titles above the header, notes under the data, wide headers)."""
    names = {p.relative_to(ROOT).as_posix() for p in WORKBOOKS}
    assert {"data/templates/iq_v1_2020_values.xlsx", "tests/fixtures/messy/values_long.xlsx"} <= names
    found = {p.relative_to(ROOT).as_posix(): _scan(p) for p in WORKBOOKS}
    assert found == {p.relative_to(ROOT).as_posix(): _reference(p) for p in WORKBOOKS}
    assert any(found.values())                          # some of them do warn: the comparison compares something


def test_formulas_without_a_value_name_their_cell_and_text(tmp_path):
    path = _book(tmp_path, "v", _formulas_and_notes)
    found = pd.concat([p for p in suspicious.sheet_warnings(path, "values") if p["code"].iloc[0] == "formula_no_value"])
    assert found[["line", "column", "subject", "value"]].values.tolist() == [[5, "I01", "B5", "=B4*2"],
                                                                            [7, "I02", "C7", "=SUM(C3:C6)"]]


def test_an_array_formula_counts_as_a_formula_and_text_starting_with_equals_does_not(tmp_path):
    def edit(ws):
        ws["B4"] = ArrayFormula("B4:B4", "=SUM(C3:C4)")
        ws["C5"] = "=not a formula"
        ws["C5"].data_type = "s"                          # a text that starts with '=' (Excel: '=…)
    path = _book(tmp_path, "v", edit)
    assert _scan(path) == [{"code": "formula_no_value", "line": 4, "value": "=SUM(C3:C4)"}]
    grid, kind, _ = suspicious._sheet(path)
    assert kind[4, 2] == suspicious.TEXT and grid[4, 2] == "=not a formula"


SHEET = b'''<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>city_id</x:t></x:is></x:c>
<x:c r="B1" t="inlineStr"><x:is><x:t>I01</x:t></x:is></x:c></x:row>
<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>
<x:c r="B2"><x:f t="shared" ref="B2:B5" si="0">C2*2</x:f><x:v>4</x:v></x:c></x:row>
<x:row r="3"><x:c r="A3" t="inlineStr"><x:is><x:t>b</x:t></x:is></x:c><x:c r="B3"><x:f t="shared" si="0"/></x:c></x:row>
<x:row><x:c t="inlineStr"><x:is><x:t>c</x:t></x:is></x:c><x:c t="str"><x:f t="shared" si="0"/><x:v>hi</x:v></x:c></x:row>
<x:row r="7"><x:c r="A7" t="inlineStr"><x:is><x:t>d</x:t></x:is></x:c><x:c r="B7"><x:f>C7+1</x:f><x:v></x:v></x:c></x:row>
</x:sheetData></x:worksheet>'''


def _handwritten(tmp_path: Path, sheet: bytes) -> Path:
    """A workbook whose first sheet is the part ``xl/worksheets/data.xml`` (relationship rId7),
    after another sheet part that is not the first sheet."""
    ns = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
        '"/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships {ns}><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="Data" sheetId="2" r:id="rId7"/><sheet name="Other" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships {ns}><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="/xl/worksheets/data.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1"><f>1+1</f></c></row></sheetData></worksheet>',
    }
    path = tmp_path / "hand.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        for name, text in parts.items():
            book.writestr(name, text)
        book.writestr("xl/worksheets/data.xml", sheet)
    return path


def test_formulas_from_hand_written_sheet_xml(tmp_path):
    path = _handwritten(tmp_path, SHEET)
    # shared formula translated to each cell; a cell without an address follows the one before;
    # a row without a number follows the row before; an empty <v> is no value; the other sheet is not read
    assert suspicious._sheet_xml(path)[0] == {(1, 1): ("=C2*2", True), (2, 1): ("=C3*2", False),
                                          (3, 1): ("=C4*2", True), (6, 1): ("=C7+1", False)}
    found = pd.concat([p for p in suspicious.sheet_warnings(path, "values") if p["code"].iloc[0] == "formula_no_value"])
    assert found[["line", "subject", "value"]].values.tolist() == [[3, "B3", "=C3*2"]]     # B7 is after the blank row 5


def test_a_sheet_without_formulas_is_not_parsed(tmp_path, monkeypatch):
    path = _handwritten(tmp_path, SHEET.replace(b"<x:f t=\"shared\" ref=\"B2:B5\" si=\"0\">C2*2</x:f>", b"")
                        .replace(b"<x:f t=\"shared\" si=\"0\"/>", b"").replace(b"<x:f>C7+1</x:f>", b""))

    def never(stream):
        raise AssertionError("parsed a sheet without a formula")
    monkeypatch.setattr(suspicious, "_formula_cells", never)
    assert suspicious._sheet_xml(path)[0] == {}


@pytest.mark.parametrize("formula", [b"C2*2)", b'"abc'], ids=["unbalanced", "open-quote"])
def test_a_shared_formula_openpyxl_cannot_translate_is_shown_as_written(tmp_path, formula):
    """A hand-made or damaged workbook (Excel writes no such formula): openpyxl's reader
    raised on it (IndexError, TokenizerError); the scan shows its first cell's text."""
    path = _handwritten(tmp_path, SHEET.replace(b"C2*2</x:f>", formula + b"</x:f>"))
    with pytest.raises(Exception):                        # noqa: B017 - what the openpyxl scan did
        _reference(path)
    text = "=" + formula.decode()
    assert suspicious._sheet_xml(path)[0] == {(1, 1): (text, True), (2, 1): (text, False), (3, 1): (text, True),
                                          (6, 1): ("=C7+1", False)}
    found = pd.concat([p for p in suspicious.sheet_warnings(path, "values") if p["code"].iloc[0] == "formula_no_value"])
    assert found[["line", "subject", "value"]].values.tolist() == [[3, "B3", text]]


ERRORS = b'''<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>city_id</t></is></c><c r="B1" t="inlineStr"><is><t>I01</t></is></c>
<c r="C1" t="inlineStr"><is><t>I02</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="C2"><v>3</v></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><t>b</t></is></c><c r="B3"><v>1.5</v></c><c r="C3" t='e'><v>#N/A</v></c></row>
<row r="4"><c r="A4" t="inlineStr"><is><t>c</t></is></c><c r="B4"><v>2</v></c><c r="C4" t="e"><v>#VALUE!</v></c></row>
</sheetData></worksheet>'''


def test_error_cells_are_read_as_missing_and_each_is_a_warning(tmp_path):
    """An error value (#DIV/0! from a formula, #N/A pasted as a value) is read as an empty
    cell, i.e. a missing value the method imputes: each is named with its cell, and a
    message shows it as the reader's Excel does (#ДЕЛ/0!, #Н/Д)."""
    from iqlib.io.tables import read_table

    path = _handwritten(tmp_path, ERRORS)
    table = read_table(path).frame
    assert table["I01"].tolist() == ["", "1.5", "2"] and table["I02"].tolist() == ["3", "", ""]    # read as empty
    found = pd.concat([p for p in suspicious.sheet_warnings(path, "values") if p["code"].iloc[0] == "cell_error"])
    assert found[["line", "column", "subject", "value"]].values.tolist() == [
        [2, "I01", "B2", "#DIV/0!"], [3, "I02", "C3", "#N/A"], [4, "I02", "C4", "#VALUE!"]]
    assert suspicious._sheet_xml(path)[0] == {(1, 1): ("=1/0", True)}          # a formula with a value: no formula warning
    assert not [p for p in suspicious.sheet_warnings(path, "values") if p["code"].iloc[0] == "formula_no_value"]
    # a sheet with error cells but no formula is read too; one with neither is not parsed
    no_formula = _handwritten(tmp_path, ERRORS.replace(b"<f>1/0</f>", b""))
    assert len(pd.concat(suspicious.sheet_warnings(no_formula, "values"))) == 3
    from iqlib.presentation import input_warnings
    from iqlib.presentation.words import words
    ru = words("ru", "warnings.excel_errors")
    assert ru["#DIV/0!"] == "#ДЕЛ/0!" and ru["#N/A"] == "#Н/Д" and words("en", "warnings.excel_errors")["#N/A"] == "#N/A"
    assert input_warnings.AS_WRITTEN >= {"cell_error"}


def test_an_error_calamine_does_not_know_is_named_in_one_message(tmp_path):
    """#SPILL! (Excel 365's dynamic arrays) makes calamine refuse the whole sheet: the
    message names the error and what to do, not the reader's exception."""
    from iqlib.core.errors import UserError
    from iqlib.io.tables import read_table

    path = _handwritten(tmp_path, ERRORS.replace(b"#VALUE!", b"#SPILL!"))
    with pytest.raises(UserError, match=r"hand\.xlsx: a cell holds the error #SPILL!, which cannot be read: replace it"):
        read_table(path)
