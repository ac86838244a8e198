"""City codes a reader can tell apart: a code names a file and a link, so two codes that
differ only by a Cyrillic/Latin look-alike letter or by case, or one code mixing the two
alphabets, are refused."""

from __future__ import annotations

import re

import pandas as pd

from iqlib.io.tables import Table

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
    without values (and two pages of one name on a case-insensitive disk)."""
    col = table.frame["city_id"]
    first: dict[str, int] = {}
    for row, code in enumerate(col):
        if not code:
            continue
        if not CITY_CODE.fullmatch(code) or len(code) > MAX_CODE_LENGTH:
            problems.append(f"{table.where(row, 'city_id')}: city_id {code[:MAX_CODE_LENGTH]!r}"
                            f"{'…' if len(code) > MAX_CODE_LENGTH else ''} is not a code: use at most "
                            f"{MAX_CODE_LENGTH} letters, digits, '-', '_' and '.', starting with a letter or digit "
                            f"(no spaces, slashes or invisible characters; it names the page city/<city_id>.html)")
            continue
        j = first.setdefault(_same_code(code), row)
        if j != row and col.iloc[j] != code:
            other = col.iloc[j]
            diff = [(k, a, b) for k, (a, b) in enumerate(zip(code, other)) if a != b]
            case = all(a.casefold() == b.casefold() for _, a, b in diff)
            where = "; ".join(f"position {k + 1}: {_letter(a)} where it has {_letter(b)}" for k, a, b in diff)
            how = "case" if case else "look-alike Cyrillic and Latin letters" + \
                ("" if all(a.casefold() != b.casefold() for _, a, b in diff) else " and case")
            problems.append(f"{table.where(row, 'city_id')}: city_id {code!r} differs from {other!r} "
                            f"(line {table.first_line + j}) only by {how} ({where}); "
                            f"{'use one spelling for one city' if case else 'type each code in one alphabet'}")
        elif any(map(_is_latin, code)) and any(map(_is_cyrillic, code)):
            cyr = [f"{_letter(c)} at position {k + 1}" for k, c in enumerate(code) if _is_cyrillic(c)]
            problems.append(f"{table.where(row, 'city_id')}: city_id {code!r} mixes Latin and Cyrillic letters "
                            f"({', '.join(cyr)}; the other letters Latin); type each code in one alphabet")


def look_alike_hint(code: str, known: pd.Series) -> str:
    """' (looks like 'kazan' …)' when ``code`` is a known code typed with look-alike letters."""
    key = _same_code(code)
    match = [k for k in known if k != code and _same_code(k) == key]
    return f"; it looks like {match[0]!r} typed with look-alike letters or another case" if match else ""
