"""Bounds on every text of the params and input files that reaches a page, a chart or a
downloaded table: its length, and no control or bidirectional-override character. Every
bound is here, once; the params schema (annotated types ``Name``, ``Title`` …) and the
input readers (``io.tables.check_texts``) apply them, and data/README.md lists them.

Why: a name is printed in headings, table cells, chart labels, file metadata and PDF
lines; a megabyte-long one breaks every layout, and an invisible character (NUL, a carriage
return, a right-to-left override that shows ``exe.txt`` as ``txt.exe``) makes a page or a
spreadsheet show something other than what the file says.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

CODE = 64           # a code: group, indicator, direction, level, kind, roster column (scenario, series: names.LENGTH)
NAME = 120          # a name: city, region, group, a roster column's name and values, a unit, a short name, a publisher
LABEL = 300         # an indicator's or a direction's full name (a descriptive phrase: 147 characters at most today)
TITLE = 300         # a title: edition, scenario, series, methodology
TEXT = 2_000        # a description, a note, a statement of the method's status, a citation, a fact or conflict
SOURCE = 2_048      # a source: a text, an address or both (as long as an address may be)
URL = 2_048         # an address (http:// or https://, or an e-mail address)
HEADER = 500        # a column header of an input table (the template's carry code, name, unit and rule)

# the size of an input table (roster, values, official figures), checked when it is read, before any
# other check: validation time and memory grow with the file, and a message quotes its cells
CELL = 10_000       # any cell: above every bound of a text a column may hold (the longest, a source, 2 048)
COLUMNS = 1_000     # columns of a table (a values file in wide format with every raw field: about 200), and
                    # different indicators of a long-format values file
CELLS = 50_000_000  # cities × indicators of a long-format values file once widened (a million rows: 1 000 000)
FILE_MB = 256       # megabytes of a file (a long-format values file of a million rows: about 40 MB)
UNPACKED_MB = 1_024  # megabytes an XLSX workbook unpacks to (a million rows of four columns: about 150 MB)
PREVIEW = 40        # characters of a cell a message quotes (an over-long cell is never echoed whole)

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# one line (names, titles, codes, headers): no C0 or C1 control character, no DEL, no bidi override
ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f" + BIDI + "]")
# a text (descriptions, notes, sources): tab and line breaks allowed
MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI + "]")


def text_problem(text: str, limit: int, multiline: bool = False) -> str | None:
    """Why ``text`` is refused (its length and the allowed one, or the control character
    and its position), or None when it is acceptable. Tab and line breaks are allowed only
    in a ``multiline`` text."""
    if len(text) > limit:
        return f"{len(text)} characters, at most {limit} allowed"
    found = (MULTILINE if multiline else ONE_LINE).search(text)
    if found:
        char = found.group()
        name = unicodedata.name(char, "a control character")
        allowed = "" if not multiline else "; only tab and line breaks are allowed"
        return (f"invisible control character U+{ord(char):04X} ({name}) at position {found.start() + 1}"
                f"{allowed}; remove it")
    return None


def _bounded(limit: int, multiline: bool = False) -> AfterValidator:
    def check(text: str) -> str:
        if (problem := text_problem(text, limit, multiline)) is not None:
            raise ValueError(problem)
        return text
    return AfterValidator(check)


Code = Annotated[str, _bounded(CODE)]
Name = Annotated[str, _bounded(NAME)]
Label = Annotated[str, _bounded(LABEL)]
Title = Annotated[str, _bounded(TITLE)]
Text = Annotated[str, _bounded(TEXT, multiline=True)]
Source = Annotated[str, _bounded(SOURCE, multiline=True)]
Url = Annotated[str, _bounded(URL)]
