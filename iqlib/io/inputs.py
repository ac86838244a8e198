"""Read and validate an edition's input files.

Every problem in a file is collected and reported together (file, line, column,
value, what was expected); nothing is silently dropped: each row is used or reported.
Line numbers are those a person sees in a text editor (the header is line 1 after any
leading ``#`` comment lines).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.config.edition import RosterColumn
from iqlib.config.methodology import Methodology
from iqlib.config.params import Params, load_params
from iqlib.config.paths import display, file_problem, read_bytes, resolve
from iqlib.core import engine, roster
from iqlib.core.errors import MethodError, ProblemsError, UserError
from iqlib.core.normalise import Bounds
from iqlib.io import derive

CITY_COLUMNS = ["city_id", "city_ru", "region_ru", "population", "regional_capital", "pilot"]
OPTIONAL_CITY_COLUMNS = ["oktmo", "group_official", "list_order_2018"]
FLAGS = ["regional_capital", "pilot"]
MAX_POPULATION = 10**10  # more than the world's: a typo (and beyond it int64 would overflow)


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


def decode(path: Path) -> tuple[str, str]:
    """Text of a CSV file: UTF-8 (with or without BOM), else Windows-1251 (what Excel in
    Russian saves as "CSV"); anything else is one clear error."""
    data = read_bytes(path)
    if data.startswith(b"PK\x03\x04"):
        raise UserError(f"{display(path)}: the file is a ZIP archive (an XLSX workbook?), not CSV text; "
                        f"give a workbook a name ending in .xlsx")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"{display(path)}: the text is UTF-16 (Excel's \"Unicode text\"), not UTF-8 or "
                        f"Windows-1251; save the file as UTF-8 CSV")
    if b"\x00" in data:
        raise UserError(f"{display(path)}: the file holds NUL bytes (first at byte {data.index(0)}): it is binary, "
                        f"not CSV text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if data.startswith(b"\xef\xbb\xbf"):
        raise UserError(f"{display(path)}: the file starts with a UTF-8 byte-order mark but is not UTF-8 (byte "
                        f"{first_bad}): it mixes encodings; save it again as UTF-8 CSV")
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise UserError(f"{display(path)}: undecodable text (not UTF-8 at byte {first_bad}, not Windows-1251); "
                        f"save the file as UTF-8 CSV") from None
    if _looks_like_koi8(text):
        raise UserError(f"{display(path)}: the text looks like KOI8-R, not Windows-1251 (read as Windows-1251 its "
                        f"Russian words come out as capitals: {_sample(text)!r}); save the file as UTF-8 CSV")
    return text, "cp1251"


def _looks_like_koi8(text: str) -> bool:
    """KOI8-R read as Windows-1251 swaps the cases of Cyrillic letters: Russian text, mostly
    lowercase, comes out mostly in capitals ('мОСКВА'), and reads right as KOI8-R."""
    def lower_share(t: str) -> float:
        letters = [c for c in t if "А" <= c <= "я" or c in "Ёё"]
        return sum(c.islower() for c in letters) / len(letters) if len(letters) >= 20 else 1.0
    return lower_share(text) < 0.3 and lower_share(text.encode("cp1251").decode("koi8_r", "replace")) > 0.7


def _sample(text: str) -> str:
    return next((w for w in text.split() if sum("А" <= c <= "я" for c in w) >= 4), text[:20])[:30]


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
    twice = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if twice:
        raise UserError(f"{display(path)}: column(s) {', '.join(repr(c) for c in twice)} given twice in the header "
                        f"(after trimming spaces)")
    frame = frame.apply(lambda col: col.str.strip().str.replace("\u00a0", " "))
    return Table(frame, path, first, encoding=encoding)


def to_number(text: pd.Series) -> pd.Series:
    """Numbers as people type them: decimal comma (12,5), spaces as thousands separators
    (1 234 567); anything else that is not a number becomes NaN, and so do infinite values
    ('inf', 'Infinity', '1e400'): no indicator or population is infinite."""
    cleaned = text.str.replace(r"(?<=\d)[ \u202f](?=\d{3}\b)", "", regex=True)
    comma = cleaned.str.fullmatch(r"[-+]?\d+,\d+")
    cleaned = cleaned.where(~comma, cleaned.str.replace(",", ".", regex=False))
    number = pd.to_numeric(cleaned, errors="coerce")
    return number.where(~np.isinf(number.to_numpy(dtype="float64")))


def _not_a_number(text: str) -> str:
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


def _require_columns(table: Table, required: list[str]) -> None:
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        raise UserError(f"{display(table.path)}: required column(s) missing: {', '.join(missing)}")


def _duplicates(table: Table, column: str, problems: list[str]) -> None:
    col = table.frame[column]
    groups = table.frame.get("group_official")
    for row in np.flatnonzero(col.duplicated(keep="first").to_numpy()):
        first = int(np.flatnonzero((col == col.iloc[row]).to_numpy())[0])
        two = groups is not None and groups.iloc[row] != groups.iloc[first]
        what = (f"city {col.iloc[row]!r} is in two groups ({groups.iloc[first]} and {groups.iloc[row]})"
                if two else f"duplicate {column} {col.iloc[row]!r}")
        problems.append(f"{table.where(row, column)}: {what} (first at line {table.first_line + first})")


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


def _look_alikes(table: Table, problems: list[str]) -> None:
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


def assign_groups(population: pd.Series, params: Params) -> pd.Series:
    """Population group of each city from the edition's thresholds (≥ min_population)."""
    groups = params.edition.groups
    mins = np.array([g.min_population for g in groups])
    # thresholds decrease; the group is the first whose minimum the city reaches
    idx = (population.to_numpy()[:, None] >= mins[None, :]).argmax(axis=1)
    return pd.Series([groups[i].code for i in idx], index=population.index, name="group")


def load_cities(params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roster with its population group, and a table of cities whose official group
    (column ``group_official``) differs from the one their population gives."""
    table = read_table(params.input_paths["cities"])
    _require_columns(table, CITY_COLUMNS)
    df, problems = table.frame, []
    declared = {c.name: c for c in params.edition.roster_columns}
    unknown = [c for c in df.columns if c not in CITY_COLUMNS + OPTIONAL_CITY_COLUMNS and c not in declared]
    if unknown:
        problems.append(f"{display(table.path)}: unknown column(s): {', '.join(unknown)} "
                        f"(expected {', '.join(CITY_COLUMNS + OPTIONAL_CITY_COLUMNS)}; declare an extra column in "
                        f"the edition, e.g. roster_columns: [{{name: {unknown[0]}, type: text}}])")
    absent = [c for c in declared if c not in df.columns]
    if absent:
        problems.append(f"{display(table.path)}: column(s) {', '.join(absent)} declared in the edition's "
                        f"roster_columns are missing")
    extra = {name: _roster_column(table, col, problems) for name, col in declared.items() if name in df.columns}
    for row in np.flatnonzero((df["city_id"] == "").to_numpy()):
        problems.append(f"{table.where(row, 'city_id')}: empty city_id")
    _duplicates(table, "city_id", problems)
    _look_alikes(table, problems)
    population = to_number(df["population"])
    bad = population.isna() | (population <= 0) | (population % 1 != 0)
    for row in np.flatnonzero(bad.to_numpy()):
        problems.append(f"{table.where(row, 'population')}: {df['population'].iloc[row]!r} "
                        f"is not a positive whole number")
    for row in np.flatnonzero((population > MAX_POPULATION).to_numpy()):
        limit = f"{MAX_POPULATION:_}".replace("_", " ")
        problems.append(f"{table.where(row, 'population')}: {df['population'].iloc[row]!r} is more than "
                        f"{limit} (more people than on Earth)")
    if "oktmo" in df:
        bad_code = (df["oktmo"] != "") & ~df["oktmo"].str.fullmatch(r"\d{8}|\d{11}")
        for row in np.flatnonzero(bad_code.to_numpy()):
            problems.append(f"{table.where(row, 'oktmo')}: {df['oktmo'].iloc[row]!r} is not an OKTMO code "
                            f"(8 or 11 digits)")
    for flag in FLAGS:
        for row in np.flatnonzero(~df[flag].isin(["0", "1"]).to_numpy()):
            problems.append(f"{table.where(row, flag)}: {df[flag].iloc[row]!r} is not 0 or 1")
    codes = params.group_codes
    if "group_official" in df:
        wrong = (df["group_official"] != "") & ~df["group_official"].isin(codes)
        for row in np.flatnonzero(wrong.to_numpy()):
            problems.append(f"{table.where(row, 'group_official')}: unknown group "
                            f"{df['group_official'].iloc[row]!r} (expected one of {', '.join(codes)})")
    if problems:
        raise ProblemsError(f"{display(table.path)}: the city roster has errors", problems)

    cities = df[CITY_COLUMNS + (["oktmo"] if "oktmo" in df else [])].copy()
    cities["population"] = population.astype("int64")
    for flag in FLAGS:
        cities[flag] = cities[flag].astype("int64")
    cities["group_computed"] = assign_groups(cities["population"], params)
    official = df["group_official"] if "group_official" in df else pd.Series("", index=df.index)
    cities["group_official"] = official
    cities["group"] = official.where(official != "", cities["group_computed"])
    for name, column in extra.items():
        cities[name] = column

    for g in params.edition.groups:
        if g.eligible_if_any:
            members = cities["group"] == g.code
            eligible = cities[g.eligible_if_any].eq(1).any(axis=1)
            for row in np.flatnonzero((members & ~eligible).to_numpy()):
                problems.append(f"{table.where(row)}: city {cities['city_id'].iloc[row]!r} is in group "
                                f"{g.code} but has none of the flags {', '.join(g.eligible_if_any)} set to 1")
    if problems:
        raise ProblemsError(f"{display(table.path)}: the city roster has errors", problems)
    disagree = cities.loc[(official != "") & (official != cities["group_computed"]),
                          ["city_id", "city_ru", "population", "group_computed", "group_official"]]
    return cities.reset_index(drop=True), disagree.reset_index(drop=True)


def _roster_column(table: Table, cfg: RosterColumn, problems: list[str]) -> pd.Series:
    """A declared roster column, typed (text, integer or number), every value present and,
    when the edition lists them, one of its ``values``."""
    text = table.frame[cfg.name]
    if cfg.type == "text":
        column: pd.Series = text.astype(object)
        bad = text == ""
        what = "is empty (every city needs a value)"
    else:
        column = to_number(text)
        bad = column.isna() | ((column % 1 != 0) if cfg.type == "integer" else False)
        what = f"is not {'a whole number' if cfg.type == 'integer' else 'a number'}"
        if cfg.type == "integer":
            column = column.where(~bad, 0).astype("int64")
    for row in np.flatnonzero(bad.to_numpy()):
        problems.append(f"{table.where(row, cfg.name)}: {text.iloc[row]!r} {what}")
    if cfg.values is not None:
        allowed = [str(v) for v in cfg.values] if cfg.type == "text" else [float(v) for v in cfg.values]
        outside = ~bad & ~column.isin(allowed)
        shown = ", ".join(str(v) for v in cfg.values)
        for row in np.flatnonzero(outside.to_numpy()):
            problems.append(f"{table.where(row, cfg.name)}: {text.iloc[row]!r} is not one of the values declared for "
                            f"{cfg.name} in the edition's roster_columns ({shown})")
    return column


def load_values(params: Params, cities: pd.DataFrame) -> pd.DataFrame:
    """Indicator values, one row per roster city and one column per indicator (float,
    NaN where the cell is empty), in roster order. Derived indicators are computed from
    their raw fields (``iqlib.io.derive``); presence and sub-criteria cells accept
    1/0, yes/no, да/нет."""
    table = read_table(params.input_paths["values"])
    problems: list[str] = []
    if "indicator" in table.frame.columns:
        _require_columns(table, LONG_COLUMNS)
        table = widen(table, problems)
    _require_columns(table, ["city_id"])
    df = table.frame
    meth = params.methodology
    codes = meth.indicator_codes()
    df = df.rename(columns=_header_codes(df.columns, meth))
    # a derived indicator may be given directly, or as the raw fields it is derived from
    direct = [i.code for i in meth.indicators if i.derive is None or i.code in df.columns]
    both = [i.code for i in meth.indicators if i.derive is not None and i.code in df.columns
            and any(f in df.columns for f in derive.fields_of(i) if f not in cities.columns)]
    if both:
        problems.append(f"{display(table.path)}: column(s) {', '.join(both)} are given both directly and as the "
                        f"raw fields they are derived from; keep one")
    derived = [i for i in meth.indicators if i.code not in direct]
    raw_fields = {f: t for i in derived for f, t in derive.fields_of(i).items()
                  if f not in cities.columns or f in df.columns}
    expected = direct + [f for f in raw_fields if f not in direct]
    optional = ["city_ru"]
    unknown = [c for c in df.columns if c not in ["city_id", *optional, *expected]]
    if unknown:
        problems.append(f"{display(table.path)}: unknown column(s): {', '.join(unknown)} "
                        f"(not indicators or raw fields of methodology {meth.id})")
    absent = [c for c in expected if c not in df.columns]
    if absent:
        problems.append(f"{display(table.path)}: column(s) missing: {', '.join(absent)}")
    _duplicates(table, "city_id", problems)
    known = df["city_id"].isin(cities["city_id"])
    for row in np.flatnonzero(~known.to_numpy()):
        problems.append(f"{table.where(row, 'city_id')}: unknown city {df['city_id'].iloc[row]!r} "
                        f"(not in {display(params.input_paths['cities'])}"
                        f"{look_alike_hint(df['city_id'].iloc[row], cities['city_id'])})")
    for city in cities.loc[~cities["city_id"].isin(df["city_id"]), "city_id"]:
        problems.append(f"{display(table.path)}: no row for city {city!r} of the roster")

    kinds = {i.code: meth.kinds[i.kind] for i in meth.indicators}
    raw_cols: dict[str, pd.Series] = {}
    for code in (c for c in expected if c in df.columns):
        text = df[code]
        yesno = raw_fields.get(code) == "yesno" or (code in kinds and kinds[code].max == 1 and kinds[code].min == 0)
        if yesno:
            num, bad = derive.parse_yesno(text)
            num = num.where(~bad, to_number(text))
            bad = bad & num.isna()
            for row in np.flatnonzero(bad.to_numpy()):
                problems.append(f"{table.where(row, code)}: {text.iloc[row]!r} is not recognised "
                                f"(expected 1/0, yes/no, да/нет)")
        else:
            num = to_number(text)
            for row in np.flatnonzero((num.isna() & (text != "")).to_numpy()):
                problems.append(f"{table.where(row, code)}: {_not_a_number(text.iloc[row])}")
        rng = (kinds[code].min, kinds[code].max, kinds[code].unit_en) if code in kinds else (0.0, None, "count")
        problems += _out_of_range(table, code, text, num, *rng)
        raw_cols[code] = num.astype("float64")
    if problems:
        raise ProblemsError(f"{display(table.path)}: the indicator values have errors", problems)
    raw = pd.DataFrame({k: v.to_numpy() for k, v in raw_cols.items()},
                       index=pd.Index(df["city_id"].to_numpy(), name="city_id"))
    raw = raw.loc[cities["city_id"].to_numpy()]
    values = derive.derive(raw, cities, meth, given=set(direct))
    _check_derived(values, meth, params)
    return values[codes]


def _header_codes(columns: pd.Index, meth: Methodology) -> dict[str, str]:
    """Template headers carry the Russian name after the code ("I02 Количество …"): map
    each such header to its code."""
    known = set(meth.indicator_codes()) | set(derive.fields(meth)) | {"city_id", "city_ru"}
    out = {}
    for col in columns:
        token = str(col).split(" ", 1)[0]
        if col not in known and token in known:
            out[col] = token
    return out


def _out_of_range(table: Table, code: str, text: pd.Series, num: pd.Series,
                  low: float | None, high: float | None, unit: str) -> list[str]:
    bad = _outside(num, low, high)
    return [f"{table.where(row, code)}: {text.iloc[row]!r} is outside {_range(low, high)} ({unit})"
            for row in np.flatnonzero(bad)]


def _outside(num: pd.Series, low: float | None, high: float | None) -> np.ndarray:
    """Mask of values below ``low`` or above ``high`` (either bound may be absent)."""
    x = num.to_numpy(dtype="float64")
    bad = np.zeros(len(x), dtype=bool)
    if low is not None:
        bad |= x < low
    if high is not None:
        bad |= x > high
    return bad


def _range(low: float | None, high: float | None) -> str:
    return (f"[{_fmt(low)}" if low is not None else "(−∞") + ", " + \
        (f"{_fmt(high)}]" if high is not None else "∞)")


def _check_derived(values: pd.DataFrame, meth: Methodology, params: Params) -> None:
    problems = []
    for ind in meth.indicators:
        if ind.derive is None:
            continue
        kind = meth.kinds[ind.kind]
        col = values[ind.code]
        for city in col.index[_outside(col, kind.min, kind.max)]:  # a kind may have neither bound
            problems.append(f"derived indicator {ind.code} for city {city!r}: {col[city]:g} is outside "
                            f"{_range(kind.min, kind.max)} ({kind.unit_en})")
    if problems:
        raise ProblemsError(f"{display(params.input_paths['values'])}: derived indicators out of range", problems)


def _fmt(x: float | None) -> str:
    return "" if x is None else (str(int(x)) if float(x).is_integer() else str(x))


def missing_table(values: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Every missing value (city, indicator, kind) and the rule that will treat it: the
    indicator's own ``missing`` if set, else its kind's (``missing_rule``, as imputation)."""
    meth = params.methodology
    kinds = {i.code: i.kind for i in meth.indicators}
    stacked = values.isna().stack()
    pairs = stacked[stacked].index.to_frame(index=False, name=["city_id", "indicator"])
    pairs["kind"] = pairs["indicator"].map(kinds)
    pairs["treatment"] = pairs["indicator"].map(meth.missing_rule)
    return pairs


def warnings_table(values: pd.DataFrame, cities: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Suspicious but valid values: above ``warn_above_group_median`` × the group median
    (set per kind in the methodology)."""
    meth = params.methodology
    factor = {i.code: meth.kinds[i.kind].warn_above_group_median for i in meth.indicators}
    codes = [c for c in meth.indicator_codes() if factor[c]]
    limit = pd.Series({c: factor[c] for c in codes}, dtype=float)
    median = values[codes].groupby(roster.column(cities, values.index).to_numpy()).transform("median")
    high = (values[codes] > median * limit) & (median > 0)
    row, col = np.nonzero(high.to_numpy())
    return pd.DataFrame({"city_id": values.index[row], "indicator": np.array(codes, dtype=object)[col],
                         "value": values[codes].to_numpy()[row, col], "group_median": median.to_numpy()[row, col],
                         "warning": [f"above {limit.iloc[j]:g} × the group median" for j in col]})


def accounting(values: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    """Every indicator cell of every roster city accounted for: read and used, rejected
    (always 0 in a run: any rejected value stops it), missing, and of the missing ones how
    many a rule will fill and how many stay missing. The totals reconcile or this raises."""
    n = len(values)
    present = values.notna().sum()
    rule = missing.groupby("indicator")["treatment"].agg(lambda t: (t != "exclude").sum()) \
        if len(missing) else pd.Series(dtype=int)
    table = pd.DataFrame({"indicator": values.columns, "cities": n, "read": present.to_numpy(),
                          "rejected": 0, "missing": (n - present).to_numpy()})
    table["used"] = table["read"] - table["rejected"]
    table["to_impute"] = table["indicator"].map(rule).fillna(0).astype(int)
    table["left_missing"] = table["missing"] - table["to_impute"]
    table = table[["indicator", "cities", "read", "used", "rejected", "missing", "to_impute", "left_missing"]]
    total = table.drop(columns="indicator").sum()
    table = pd.concat([table, pd.DataFrame([{"indicator": "TOTAL", **total.to_dict()}])], ignore_index=True)
    if not ((table["read"] + table["missing"] == table["cities"]).all()
            and (table["used"] + table["rejected"] == table["read"]).all()
            and (table["to_impute"] + table["left_missing"] == table["missing"]).all()
            and total["missing"] == len(missing)):
        raise RuntimeError("the input accounting does not reconcile")
    return table


@dataclass(frozen=True)
class InputData:
    """An edition's inputs, validated: the roster (one row per city, with its group), the
    values (cities × indicators), and the tables that account for every cell."""

    cities: pd.DataFrame
    values: pd.DataFrame
    group_disagreements: pd.DataFrame
    missing: pd.DataFrame
    accounting: pd.DataFrame
    warnings: pd.DataFrame


def load(params: Params) -> InputData:
    """All inputs of an edition, validated: roster, values, group disagreements, missing."""
    cities, disagree = load_cities(params)
    by = params.methodology.scoring.imputation.by
    if by not in cities.columns:
        raise UserError(f"{display(params.methodology_path)}: key 'scoring.imputation.by': the roster has no "
                        f"column {by!r} (it has {', '.join(cities.columns)}; an extra column is declared in the "
                        f"edition's roster_columns)")
    values = load_values(params, cities)
    if params.methodology.scoring.screening is not None:  # pre-flight: screening must leave something to score
        try:
            engine.screened_and_imputed(values, cities, params.methodology.framework)
        except MethodError as exc:
            overrides = f" with the overrides of {display(params.edition_path)}" if params.extends else ""
            raise UserError(f"{display(params.methodology_path)}{overrides}: key 'scoring.screening': {exc}") from None
    missing = missing_table(values, params)
    return InputData(cities, values, disagree, missing, accounting(values, missing),
                     warnings_table(values, cities, params))


def goalpost_bounds(params: Params, values: pd.DataFrame, cities: pd.DataFrame) -> Bounds:
    """Goalpost bounds from the base edition's inputs (from ``values`` and ``cities``, this
    edition's, when none is named)."""
    if params.edition.base_edition:
        base = load(load_params(resolve(params.edition.base_edition)))
        values, cities = base.values, base.cities
    return engine.base_bounds(values, cities)
