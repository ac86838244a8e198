"""Nothing published can carry an attack (issue 22, item 4, first part): a header of a CSV
for Excel or of a workbook is never a live formula, and a link target that comes from data
is a link only when it is an absolute http(s) address."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from iqlib.io.downloads import write_excel_csv, write_workbook
from iqlib.io.runfolder import escape_formulas
from iqlib.presentation.site import web_link

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "Доля, %"]


def frame() -> pd.DataFrame:
    return pd.DataFrame([["=1+1", 1.5, "Москва", 1, 2, 3]], columns=HOSTILE)


def test_headers_are_escaped_like_cells():
    out = escape_formulas(frame())
    assert list(out.columns) == [f"'{c}" for c in HOSTILE[:5]] + ["Доля, %"]
    assert out.iloc[0, 0] == "'=1+1" and out.iloc[0, 2] == "Москва"


def test_a_csv_for_excel_has_no_formula_in_its_header(tmp_path):
    text = write_excel_csv(frame(), tmp_path / "t.csv").read_text(encoding="utf-8-sig")
    header = text.splitlines()[0].split(";")
    assert header[0] == "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"" and header[-1] == "Доля, %"
    assert all(not h.lstrip('"').startswith(("=", "+", "-", "@", "\t")) for h in header)


def test_a_workbook_has_no_formula_in_its_header(tmp_path):
    ws = load_workbook(write_workbook({"Лист": frame()}, tmp_path / "t.xlsx"))["Лист"]
    cells = list(ws[1]) + list(ws[2])
    assert all(c.data_type != "f" for c in cells)                      # no cell is a formula
    assert ws["A1"].value == "'" + HOSTILE[0] and ws["F1"].value == "Доля, %" and ws["A2"].value == "'=1+1"


@pytest.mark.parametrize("url, shown", [
    ("https://minstroyrf.gov.ru/iq", "https://minstroyrf.gov.ru/iq"),
    ("  HTTP://example.org/a?b=1 ", "HTTP://example.org/a?b=1"),
    ("javascript:alert(1)", None), (" JaVaScRiPt:alert(1)", None), ("java\tscript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None), ("vbscript:x", None), ("file:///etc/passwd", None),
    ("//evil.example/x", None), ("../../index.html", None), ("https:", None), ("https://", None),
    ("https://a.example/\u0000x", None), ("https://a.example/ x", None), (None, None), (float("nan"), None),
])
def test_a_link_from_data_is_a_link_only_when_it_is_http_or_https(url, shown):
    assert web_link(url) == shown
