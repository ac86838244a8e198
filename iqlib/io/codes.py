"""City codes a reader can tell apart: a code names a file and a link, so two codes that
differ only by a Cyrillic/Latin look-alike letter or by case, or one code mixing the two
alphabets, are refused."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from iqlib.io.tables import Table, each, first_rows

# Cyrillic letters that look like Latin ones: a city code typed with one of them is a
# different code that nobody can tell apart on a page or in a spreadsheet
LOOK_ALIKE = str.maketrans("аеосрхукмтнвіјѕАВЕКМНОРСТХУІЈЅ", "aeocpxykmthbijsABEKMHOPCTXYIJS")


def _is_latin(c: str) -> bool:
    return "a" <= c.lower() <= "z"


def _is_cyrillic(c: str) -> bool:
    return "\u0400" <= c <= "\u04ff"


def _letter(c: str) -> str:
    return f"{'Cyrillic' if _is_cyrillic(c) else 'Latin' if _is_latin(c) else 'character'} {c!r} (U+{ord(c):04X})"


CITY_CODE = re.compile(r"\w[\w.-]*")  # letters of any alphabet, digits, _ . - (it names city/<city_id>.html)
MAX_CODE_LENGTH = 100


def _same_code(code: str) -> str:
    """What a reader sees of a code: look-alike letters and case do not count."""
    return code.translate(LOOK_ALIKE).casefold()


def check_codes(table: Table, problems: list[str]) -> None:
    """A city code is a name for a file and a link: letters, digits, '-', '_', '.', at most
    100 characters. Two codes that differ only by a Cyrillic/Latin look-alike letter ('kazan'
    and 'kаzan' with a Cyrillic 'а') or by case are refused, and so is a code that mixes the
    two alphabets: a keyboard-layout slip that would make two cities of one, or a city
    without values (and two pages of one name on a case-insensitive disk). Codes compared
    by hashing what a reader sees of them (linear in the rows); each kind of problem is
    reported with its first ten rows and its count."""
    col = table.frame["city_id"]
    given = (col != "").to_numpy()
    valid = given & col.str.fullmatch(CITY_CODE.pattern).fillna(False).to_numpy(dtype=bool) & \
        (col.str.len() <= MAX_CODE_LENGTH).to_numpy()
    each(problems, "city_id not a code", given & ~valid,
         lambda row: f"{table.where(row, 'city_id')}: city_id {col.iloc[row][:MAX_CODE_LENGTH]!r}"
                     f"{'…' if len(col.iloc[row]) > MAX_CODE_LENGTH else ''} is not a code: use at most "
                     f"{MAX_CODE_LENGTH} letters, digits, '-', '_' and '.', starting with a letter or digit "
                     f"(no spaces, slashes or invisible characters; it names the page city/<city_id>.html)")
    rows = np.flatnonzero(valid)
    seen = col.iloc[rows].str.translate(LOOK_ALIKE).str.casefold()
    first = rows[first_rows(pd.factorize(seen)[0])]                 # the first valid row with the same look
    text = col.to_numpy(dtype=object)
    other = np.zeros(len(col), dtype=bool)
    other[rows] = text[first] != text[rows]
    first_at = np.arange(len(col))
    first_at[rows] = first
    each(problems, "city_id differs from another only by look-alike letters or case", other,
         lambda row: _look_alike(table, row, int(first_at[row])))
    # mixing alphabets: only codes holding a Cyrillic letter can, and each of those is checked letter by letter
    cyrillic = valid & ~other & col.str.contains("[\u0400-\u04ff]", regex=True).fillna(False).to_numpy(dtype=bool)
    mixed = np.zeros(len(col), dtype=bool)
    mixed[cyrillic] = [any(map(_is_latin, code)) for code in text[cyrillic]]
    each(problems, "city_id mixes Latin and Cyrillic letters", mixed,
         lambda row: f"{table.where(row, 'city_id')}: city_id {col.iloc[row]!r} mixes Latin and Cyrillic letters "
                     f"({', '.join(f'{_letter(c)} at position {k + 1}' for k, c in enumerate(col.iloc[row]) if _is_cyrillic(c))}"
                     f"; the other letters Latin); type each code in one alphabet")


def _look_alike(table: Table, row: int, j: int) -> str:
    """The message for the code of ``row`` that a reader cannot tell from the code of row ``j``."""
    code, other = table.frame["city_id"].iloc[row], table.frame["city_id"].iloc[j]
    diff = [(k, a, b) for k, (a, b) in enumerate(zip(code, other)) if a != b]
    case = all(a.casefold() == b.casefold() for _, a, b in diff)
    where = "; ".join(f"position {k + 1}: {_letter(a)} where it has {_letter(b)}" for k, a, b in diff)
    how = "case" if case else "look-alike Cyrillic and Latin letters" + \
        ("" if all(a.casefold() != b.casefold() for _, a, b in diff) else " and case")
    return (f"{table.where(row, 'city_id')}: city_id {code!r} differs from {other!r} "
            f"(line {table.line(j, 'city_id')}) only by {how} ({where}); "
            f"{'use one spelling for one city' if case else 'type each code in one alphabet'}")


def look_alike_hint(code: str, known: pd.Series) -> str:
    """' (looks like 'kazan' …)' when ``code`` is a known code typed with look-alike letters."""
    key = _same_code(code)
    match = [k for k in known if k != code and _same_code(k) == key]
    return f"; it looks like {match[0]!r} typed with look-alike letters or another case" if match else ""
