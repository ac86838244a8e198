"""Nothing published can carry an attack (issue 22, item 4, first part): a header of a CSV
for Excel or of a workbook is never a live formula, and a link target that comes from data
is a link only when it is an absolute http(s) address."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from iqlib.io.downloads import write_excel_csv, write_workbook
from iqlib.io.runfolder import FORMULA_START, escape_formulas, unescape_formulas
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


# --- a hostile project, run, compared and published as a site; every file it writes scanned

FORMULA = '=HYPERLINK("http://x","y")'
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
CLOSE = "</script><!--<script>"                       # ends, or hides the end of, a script holding JSON
MARKUP = '<font color="red">R</font><para>&nbsp;</para>'   # reportlab's markup
AMP = "A & B < C \"q\" 's'"
MATH = "$\\frac{1}{$ и $x^2$"                          # matplotlib's mathtext
LONG = "Д" * 120                                       # a name at its bound (config.limits.NAME)
MIXED = "Москва Αθήνα 北京 القاهرة"
JS_URL, DATA_URL = "javascript:alert(1)", "data:text/html,<script>alert(1)</script>"
# the roster's names (one city each) and regions (several cities each)
CITY_NAMES = {"moskva": FORMULA, "kazan": "+1", "sankt-peterburg": "-1+1", "khimki": "@SUM(1)", "tyumen": SCRIPT,
              "kaluga": IMG, "reutov": CLOSE, "serpukhov": MARKUP, "elektrostal": AMP, "dubna": LONG,
              "ivanteevka": MIXED, "anadyr": JS_URL}
REGIONS = {"moskva": MATH, "kazan": "@SUM(1)", "sankt-peterburg": SCRIPT, "khimki": FORMULA, "tyumen": "-1+1",
           "kaluga": IMG, "reutov": FORMULA, "serpukhov": FORMULA, "elektrostal": CLOSE, "dubna": MARKUP,
           "ivanteevka": AMP, "anadyr": DATA_URL}
GROUP_NAMES = {"krupneyshie": FORMULA + " " + SCRIPT, "krupnye": IMG + " +1", "bolshie": CLOSE + " " + AMP,
               "lt100k": "@SUM(1) " + MARKUP}
OKRUG = {"moskva": "@SUM(1)", "kazan": SCRIPT, "sankt-peterburg": "@SUM(1)"}   # a declared column's values
TITLE = FORMULA + " " + SCRIPT + " " + IMG + " " + CLOSE
SERIES_TITLE = "@SUM(1) " + SCRIPT + " " + CLOSE + " & series"
DESCRIPTION = "\t=1+1\n" + SCRIPT + "\r=2+2 " + MARKUP + " " + MATH
HOSTILE_SOURCES = [JS_URL, DATA_URL, " JaVaScRiPt:alert(1)", "\t=1+1 " + SCRIPT, "//evil.example/x"]


def make_hostile_project(root: Path) -> Path:
    """A project copy whose edition (``tests/fixtures/hostile/edition.yaml``, written here
    from the mini fixture) has hostile names, labels, titles, a description, a declared
    column, official figures and sources everywhere a text of the user reaches a file."""
    import yaml
    from conftest import FIXTURE, make_project_copy

    make_project_copy(root)
    here = root / "tests" / "fixtures" / "hostile"
    here.mkdir()
    roster = pd.read_csv(FIXTURE / "cities.csv", comment="#", dtype=str, keep_default_na=False)
    roster["city_ru"] = roster["city_id"].map(CITY_NAMES)
    roster["region_ru"] = roster["city_id"].map(REGIONS)
    roster["okrug"] = roster["city_id"].map(OKRUG).fillna(MIXED)
    roster.to_csv(here / "cities.csv", index=False)
    shutil.copy(FIXTURE / "values.csv", here / "values.csv")
    meth = yaml.safe_load((root / "params" / "methodology" / "iq_v1.yaml").read_text(encoding="utf-8"))
    meth["title_ru"] = meth["title_en"] = TITLE
    meth["sources"] = HOSTILE_SOURCES
    for node in meth["aggregates"][1:4]:               # D1–D3: names and chart labels
        node.update(name_ru=TITLE, name_en=TITLE, short_ru=FORMULA, short_en=SCRIPT)
    for node in meth["indicators"][:5]:
        node.update(name_ru=TITLE + " " + MATH, name_en=IMG, note=DESCRIPTION)
    meth["kinds"]["presence"].update(unit_ru=MARKUP, unit_en=AMP)
    (here / "methodology.yaml").write_text(yaml.safe_dump(meth, allow_unicode=True), encoding="utf-8")
    pd.DataFrame({"data_year": 2019, "group": ["krupneyshie", "krupneyshie", "krupnye", "bolshie"], "rank": [1, 2, 1, 2],
                  "city": [FORMULA, "+1", "@SUM(1)", MARKUP], "score": [80.5, 60, "", 40], "flag": ["C", "C", "L", "I"],
                  "source": [JS_URL, DATA_URL, 'https://example.org/"><script>alert(1)</script>', "=1+1"]}
                 ).to_csv(here / "published.csv", index=False)
    pd.DataFrame({"data_year": [2019], "national_average": [50.5], "change_vs_2018_base_pct": [3],
                  "source": [DATA_URL]}).to_csv(here / "averages.csv", index=False)
    pd.DataFrame({"id": ["c1"], "data_years": ["2019"], "fact_a": [FORMULA], "source_a": [JS_URL], "fact_b": [SCRIPT],
                  "source_b": ["@SUM(1)"], "conflict_ru": [DESCRIPTION], "conflict_en": [IMG], "resolution_ru": [CLOSE],
                  "resolution_en": [MARKUP]}).to_csv(here / "conflicts.csv", index=False)
    edition = yaml.safe_load((FIXTURE / "edition.yaml").read_text(encoding="utf-8"))
    edition.update(
        scenario="hostile", language="ru", title_ru=TITLE, title_en=TITLE, description=DESCRIPTION,
        methodology="tests/fixtures/hostile/methodology.yaml",
        inputs={"cities": "tests/fixtures/hostile/cities.csv", "values": "tests/fixtures/hostile/values.csv",
                "published_results": "tests/fixtures/hostile/published.csv",
                "published_averages": "tests/fixtures/hostile/averages.csv",
                "published_conflicts": "tests/fixtures/hostile/conflicts.csv"},
        roster_columns=[{"name": "okrug", "type": "text", "name_ru": FORMULA + SCRIPT, "name_en": IMG,
                         "rank_and_summarise": True}],
        uncertainty={"replications": 20, "weights": {"indicator": 0.25, "direction": 0.5},
                     "sensitivity": {"samples": 64, "bootstrap": 20}})
    for group in edition["groups"]:
        group["name_ru"] = group["name_en"] = GROUP_NAMES[group["code"]]
    edition["publication"].update(
        publisher_ru=SCRIPT + " " + FORMULA, publisher_en=IMG, contact='https://example.org/c?a=1&b="><script>',
        citation_ru=FORMULA + " {publisher}. {title}. {year}. {url} " + CLOSE,
        base_url='https://example.org/iq--x/"<x>&y')
    (here / "edition.yaml").write_text(yaml.safe_dump(edition, allow_unicode=True), encoding="utf-8")
    # a second hostile edition (data year 2020, the same roster and values) and a series of the two
    edition.update(edition=2020, data_year=2020)
    (here / "edition_2020.yaml").write_text(yaml.safe_dump(edition, allow_unicode=True), encoding="utf-8")
    pd.DataFrame({"data_year": [2019, 2020], "national_average": [50.5, 51.5], "change_vs_2018_base_pct": [3, 5],
                  "source": [DATA_URL, FORMULA]}).to_csv(here / "series_averages.csv", index=False)
    pd.DataFrame({"id": ["c1"], "data_years": ["2019;2020"], "fact_a": [FORMULA], "source_a": [JS_URL], "fact_b": [SCRIPT],
                  "source_b": ["@SUM(1)"], "conflict_ru": [DESCRIPTION], "conflict_en": [IMG], "resolution_ru": [CLOSE],
                  "resolution_en": [MARKUP]}).to_csv(here / "series_conflicts.csv", index=False)
    fixed = {"presence": 1, "share": 100, "percent": 100, "rate_per_10k": 1000, "density_per_km2": 100000}
    goalposts = {"scenario": "hostile-goalposts", "methodology": {"kinds": {
        kind: {"normalisation": {"method": "goalposts", "within": "all", "lower": 0, "upper": upper, "scale": 12}}
        for kind, upper in fixed.items()}}}
    (here / "goalposts.yaml").write_text(yaml.safe_dump(goalposts, allow_unicode=True), encoding="utf-8")
    series = {"series": "hostile", "title_ru": SERIES_TITLE, "title_en": SERIES_TITLE, "language": "ru", "synthetic": True,
              "editions": [{"params": "tests/fixtures/hostile/edition.yaml", "run": "outputs/2019/hostile"},
                           {"params": "tests/fixtures/hostile/edition_2020.yaml", "run": "outputs/2020/hostile"}],
              "base_year": 2019, "goalposts": "tests/fixtures/hostile/goalposts.yaml",
              "official_averages": "tests/fixtures/hostile/series_averages.csv",
              "conflicts": "tests/fixtures/hostile/series_conflicts.csv"}
    (here / "series.yaml").write_text(yaml.safe_dump(series, allow_unicode=True), encoding="utf-8")
    return root


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` (a CSV field or a text cell) as a formula:
    it starts with = + - @, or tab or carriage return, and is not a number (-1,5 and
    +3.25e2 are numbers)."""
    if not text.startswith(FORMULA_START):
        return False
    return re.fullmatch(r"[-+]?(\d[\d\s]*)?[.,]?\d+([eE][-+]?\d+)?%?", text.strip()) is None


def csv_rows(path: Path) -> list[list[str]]:
    """Every row of a CSV file (header included), split on its separator (; or ,)."""
    text = path.read_text(encoding="utf-8-sig")
    first = next((line for line in text.split("\n") if not line.startswith("#")), "")     # a template's notice first
    return list(csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","))


SCHEMES_ALLOWED = ("http", "https", "mailto")     # and relative addresses and #fragments
URL_ATTRIBUTES = ("href", "src", "xlink:href", "action", "formaction", "poster", "data", "srcset")


def link_problem(value: str) -> str | None:
    """Why a link target is not allowed: a scheme other than http(s) or mailto (relative
    addresses and fragments are the site's own links)."""
    target = re.sub(r"[\x00-\x20]", "", value)               # browsers drop these before reading a scheme
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", target)
    if scheme and scheme.group(1).lower() not in SCHEMES_ALLOWED:
        return f"scheme {scheme.group(1)!r}"
    if target.startswith("//") or target.startswith("\\\\"):
        return "protocol-relative address"
    return None


def page_problems(document, where: str, scripts: set[str]) -> list[str]:
    """What a parsed page (html5lib's etree) holds that no page of the site's own makes:
    a script other than ``scripts`` (its src's name with the hash taken out, or
    'json:<id>'), an on* attribute, a link whose scheme is not http(s) or mailto (a PNG
    inside an SVG chart, as matplotlib draws a heatmap, is the chart's own), an element of
    markup that only data could have brought (<font>, <para>, <img src=x>)."""
    problems = []
    for el in document.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.rsplit("}", 1)[-1]
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                problems.append(f"{where}: <{tag} {local}=…>")
            raster = tag == "image" and value.startswith("data:image/png;base64,")   # matplotlib's heatmap in an SVG
            if local.lower() in URL_ATTRIBUTES and not raster and (p := link_problem(value)):
                problems.append(f"{where}: <{tag} {local}={value[:60]!r}>: {p}")
        if tag == "script":
            kind = el.get("type", "")
            src = el.get("src")
            key = re.sub(r"\.[0-9a-f]{10}\.js$", ".js", src.rsplit("/", 1)[-1]) if src else \
                f"json:{el.get('id')}" if kind == "application/json" else f"inline:{(el.text or '')[:40]!r}"
            if key not in scripts:
                problems.append(f"{where}: script {key}")
        if tag in ("font", "para", "img") and (tag != "img" or el.get("src") == "x"):
            problems.append(f"{where}: injected <{tag}>")
    return problems


def pdf_literal(raw: bytes) -> bytes:
    """A PDF literal string's bytes (its escapes undone)."""
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:                                           # backslash
            nxt = raw[i + 1:i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
            if octal:
                out.append(int(octal.group(), 8) & 0xFF)
                i += 1 + len(octal.group())
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> tuple[dict[str, str], list[str]]:
    """The document information (Title, Author) and every string the page draws (one per
    Tj, decoded through its font's ToUnicode map) of a one-page PDF made by reportlab:
    enough to see what a reader of the passport sees, without a PDF library."""
    import zlib

    objects = {int(m[1]): m[2] for m in re.finditer(rb"(\d+) 0 obj\n(.*?)endobj", data, re.S)}

    def stream(n: int) -> bytes:
        body = re.search(rb"stream\r?\n(.*)endstream", objects[n], re.S)[1]
        return zlib.decompress(body) if b"FlateDecode" in objects[n] else body

    def text(raw: bytes) -> str:
        value = pdf_literal(raw)
        return value[2:].decode("utf-16-be") if value.startswith(b"\xfe\xff") else value.decode("latin-1")

    info_ref = int(re.search(rb"/Info (\d+) 0 R", data)[1])
    info = {k.decode(): text(v) for k, v in re.findall(rb"/(Title|Author) \(((?:\\.|[^\\)])*)\)", objects[info_ref], re.S)}
    fonts = {}
    for name, ref in re.findall(rb"/(F\d+\+\d+) (\d+) 0 R", data):
        cmap = stream(int(re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)])[1]))
        fonts[name.decode()] = {int(a, 16): bytes.fromhex(b.decode()).decode("utf-16-be")
                                for a, b in re.findall(rb"<([0-9a-fA-F]{2})> <([0-9a-fA-F]{4,})>", cmap)}
    page = int(re.search(rb"/Contents (\d+) 0 R", data)[1])
    drawn, font = [], {}
    for m in re.finditer(rb"/(F\d+\+\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", stream(page), re.S):
        if m[1]:
            font = fonts[m[1].decode()]
        else:
            drawn.append("".join(font[b] for b in pdf_literal(m[2])))
    return info, drawn


def test_unescape_gives_back_exactly_what_was_escaped():
    """The run's stages read back what they wrote: a city called =HYPERLINK(…) stays that
    name in every later stage and page, and so does one that starts with apostrophes."""
    names = [FORMULA, "+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "'=1", "''+1", "'", "'quoted'", "Москва", "-", None]
    frame = pd.DataFrame({"city_ru": names, "n": range(len(names)), "'=h": 1})
    escaped = escape_formulas(frame)
    assert escaped["city_ru"].tolist()[:8] == ["'" + n for n in names[:8]]
    assert escaped["city_ru"].tolist()[8:12] == ["'", "'quoted'", "Москва", "'-"] and pd.isna(escaped["city_ru"].iloc[12])
    assert list(escaped.columns) == ["city_ru", "n", "''=h"]
    back = unescape_formulas(escaped)
    assert back["city_ru"].tolist()[:12] == names[:12] and pd.isna(back["city_ru"].iloc[12])
    assert list(back.columns) == list(frame.columns) and back["n"].tolist() == list(range(len(names)))


@pytest.fixture(scope="session")
def hostile(tmp_path_factory) -> Path:
    """The hostile project run and published (iq run --publish), compared with itself (iq
    compare), its fill-in templates written (iq template) and built as a site (iq site):
    made once per test session."""
    from conftest import built_once, iq, iq_here

    def build(folder: Path) -> None:
        root = make_hostile_project(folder / "iq")
        with ThreadPoolExecutor(2) as pool:                # the two hostile editions at once (the series reads both)
            results = list(pool.map(lambda edition: iq("run", f"tests/fixtures/hostile/{edition}", "--publish", cwd=root,
                                                        env={"IQ_PROJECT_ROOT": str(root)}),
                                    ["edition.yaml", "edition_2020.yaml"]))
        for result in results:
            assert result.returncode == 0, result.stderr
        result = iq_here("series", "tests/fixtures/hostile/series.yaml", "--publish", project=root)
        assert result.returncode == 0, result.stderr
        for args in (["compare", "outputs/2019/hostile", "outputs/2019/hostile", "--out", str(folder / "compare")],
                     ["template", "tests/fixtures/hostile/edition.yaml", "--out", str(folder / "templates")],
                     ["site", "--outputs", "outputs", "--out", str(folder / "site")]):
            result = iq_here(*args, project=root)
            assert result.returncode == 0, result.stderr

    return built_once(tmp_path_factory, "hostile", build)


def written(folder: Path, *suffixes: str) -> list[Path]:
    """Every file with one of ``suffixes`` that the hostile project's commands wrote: the
    run folder, the comparison, the templates and the site (whatever files they hold)."""
    roots = [folder / "iq" / "outputs", folder / "compare", folder / "site", folder / "templates"]
    return sorted(p for root in roots for p in root.rglob("*") if p.suffix in suffixes)


@pytest.mark.e2e
def test_no_csv_field_or_header_reads_as_a_formula(hostile):
    files = written(hostile, ".csv")
    assert len(files) > 60
    bad, escaped = [], 0
    for path in files:
        for line, row in enumerate(csv_rows(path), 1):
            bad += [f"{path.relative_to(hostile)}: line {line}: {f[:40]!r}" for f in row if formula_like(f)]
            escaped += sum(f == "'" + FORMULA for f in row)
    assert not bad, "\n".join(bad[:20])
    assert escaped >= 10                           # the hostile names are there, escaped


@pytest.mark.e2e
def test_no_workbook_cell_or_header_is_a_formula(hostile):
    files = written(hostile, ".xlsx")
    assert len(files) >= 3                         # the site's download, the comparison's, the template
    bad, escaped = [], 0
    for path in files:
        for ws in load_workbook(path):
            for row in ws.iter_rows():
                for cell in row:
                    where = f"{path.relative_to(hostile)}: {ws.title}!{cell.coordinate}"
                    if cell.data_type == "f":
                        # only the auditor's workbook holds formulas, only the writer's: no text from data
                        ok = path.name.endswith("-audit.xlsx") and not any(
                            marker in str(cell.value) for marker in ("HYPERLINK", "SUM(1)", "alert", "script", "img"))
                        if not ok:
                            bad.append(f"{where}: formula {str(cell.value)[:40]!r}")
                    elif isinstance(cell.value, str) and formula_like(cell.value):
                        bad.append(f"{where}: {cell.value[:40]!r}")
                    escaped += cell.value == "'" + FORMULA
    assert not bad, "\n".join(bad[:20])
    assert escaped >= 2


OWN_SCRIPTS = {"site.js", "home.js", "json:city-index"}   # the site's script, the finder's, the finder's index


def html_outputs(notebook: Path) -> list[str]:
    """Every HTML or Markdown output of an executed notebook (Markdown passes HTML through)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return ["".join(data[kind]) if isinstance(data[kind], list) else data[kind]
            for cell in cells for out in cell.get("outputs", []) for data in [out.get("data", {})]
            for kind in ("text/html", "text/markdown") if kind in data]


@pytest.mark.e2e
def test_the_hostile_series_is_built_and_its_page_shows_its_title_escaped(hostile):
    import html

    folder = hostile / "site" / "series" / "hostile"
    assert list((folder / "downloads").glob("iq-series-*.xlsx"))
    assert html.escape(SERIES_TITLE, quote=False) in (folder / "index.html").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_no_page_chart_or_notebook_output_carries_an_element_a_handler_or_a_link_from_data(hostile):
    import html5lib

    pages = written(hostile, ".html", ".svg")
    notebooks = written(hostile, ".ipynb")
    assert len(pages) > 40 and len(notebooks) == 11                  # two runs' five and the series'
    parsed = [(str(p.relative_to(hostile)), p.read_text(encoding="utf-8")) for p in pages]
    parsed += [(f"{p.relative_to(hostile)} output {i}", html) for p in notebooks for i, html in enumerate(html_outputs(p))]
    bad, text = [], []
    for where, html in parsed:
        document = html5lib.parse(html, namespaceHTMLElements=False)
        bad += page_problems(document, where, OWN_SCRIPTS)
        text.append("".join(document.itertext()))
    assert not bad, "\n".join(bad[:20])
    shown = "\n".join(text)
    for name in [FORMULA, SCRIPT, IMG, CLOSE, MARKUP, AMP, MATH, LONG, MIXED, JS_URL, DATA_URL]:
        assert name in shown, name                  # every hostile name is on a page, as written (not double-escaped)
    city = html5lib.parse((hostile / "site" / "2019" / "hostile" / "city" / "moskva.html").read_text(encoding="utf-8"),
                          namespaceHTMLElements=False)
    assert "".join(city.find(".//h1").itertext()).strip() == FORMULA


@pytest.mark.e2e
def test_a_link_from_data_is_a_link_only_when_http_and_the_official_table_shows_the_rest_as_text(hostile):
    import html5lib

    page = hostile / "site" / "2019" / "hostile" / "index.html"
    document = html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)
    targets = [a.get("href") for a in document.iter("a")]
    assert 'https://example.org/"><script>alert(1)</script>' in targets        # http(s): a link, its text escaped
    assert not any(t and (t.startswith(("javascript", "data", "=")) or t.strip() == "") for t in targets)


@pytest.mark.e2e
def test_json_parses_and_the_finders_index_holds_the_names_exactly(hostile):
    import html5lib

    for path in written(hostile, ".json"):
        json.loads(path.read_text(encoding="utf-8"))
    home = html5lib.parse((hostile / "site" / "index.html").read_text(encoding="utf-8"), namespaceHTMLElements=False)
    scripts = [s for s in home.iter("script")]
    index = [s for s in scripts if s.get("type") == "application/json"]
    assert len(index) == 1 and {e["n"] for e in json.loads(index[0].text)} == set(CITY_NAMES.values())
    # nothing after the index was swallowed into it: the page's own script and footer follow it
    assert scripts[-1].get("src", "").startswith("assets/site.") and home.find(".//footer") is not None
    assert "<" not in index[0].text and "&" not in index[0].text     # < > & as JSON escapes


@pytest.mark.e2e
def test_every_passport_pdf_draws_the_names_as_written(hostile):
    """reportlab draws text, it does not read markup: <font>, <para> and &nbsp; are shown,
    never applied; a 120-character name without spaces is wrapped, not cut off the page."""
    folder = hostile / "site" / "2019" / "hostile" / "city"
    for city, name in CITY_NAMES.items():
        data = (folder / f"{city}.pdf").read_bytes()
        assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
        info, drawn = pdf_text(data)
        assert info["Title"].endswith(": " + name) and info["Author"] == TITLE
        heading = "".join(drawn[:4] if name == LONG else drawn[:1])
        if name == MIXED:          # DejaVu Sans has no Chinese: those two characters are drawn as missing glyphs
            assert heading == name.replace("北京", "\x00\x00")
        else:
            assert heading == name
    assert [len(s) for s in pdf_text((folder / "dubna.pdf").read_bytes())[1][:4]] == [32, 32, 32, 24]


@pytest.mark.e2e
def test_the_sitemap_is_well_formed_xml(hostile):
    import xml.etree.ElementTree as ET

    root = ET.parse(hostile / "site" / "sitemap.xml").getroot()
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert locs and all(loc.startswith('https://example.org/iq--x/"<x>&y/') for loc in locs)


@pytest.mark.slow
def test_the_published_site_has_no_link_but_http_or_relative_no_handler_and_no_formula(demo_site):
    """Done when (issue 22): no page of the published runs' site has a link whose scheme is
    not http(s) (or mailto, or a relative one), no on* handler, and no CSV field of it reads
    as a formula (a quick scan of the attributes as the templates write them)."""
    import html as html_text

    bad, links = [], 0
    for path in sorted(p for p in demo_site.rglob("*") if p.suffix in (".html", ".svg", ".csv")):
        where = path.relative_to(demo_site)
        if path.suffix == ".csv":
            bad += [f"{where}: line {i}: {f[:40]!r}" for i, row in enumerate(csv_rows(path), 1) for f in row
                    if formula_like(f)]
            continue
        page = path.read_text(encoding="utf-8")
        for m in re.finditer(r'\s(href|src|xlink:href|action|formaction|srcset)="([^"]*)"', page):
            value = html_text.unescape(m[2])
            links += 1
            if not value.startswith("data:image/png;base64,") and (problem := link_problem(value)):
                bad.append(f"{where}: {m[1]}={value[:60]!r}: {problem}")
        bad += [f"{where}: handler {m[0][:40]!r}" for m in re.finditer(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", page)]
    assert links > 10_000 and not bad, "\n".join(bad[:20])


@pytest.mark.parametrize("text, formula", [
    ("=1+1", True), ("+1+1", True), ("-1+1", True), ("@SUM(1)", True), ("\t=1", True), ("\r=1", True),
    ("-cmd", True), ("-", True), ("-1", False), ("-1,25", False), ("+3.5e2", False), ("-12 345,6", False),
    ("'=1+1", False), ("Москва", False), (" =1", False), ("", False)])
def test_the_scan_knows_a_formula_from_a_number(text, formula):
    assert formula_like(text) is formula


@pytest.mark.parametrize("target, problem", [
    ("https://a.example/x", None), ("http://a.example", None), ("mailto:a@b.ru", None), ("city/moskva.html", None),
    ("../index.html", None), ("#main", None), ("/iq/index.html", None), ("?q=1", None),
    ("javascript:alert(1)", "scheme 'javascript'"), (" JaVa\tScRiPt:alert(1)", "scheme 'JaVaScRiPt'"),
    ("data:text/html,x", "scheme 'data'"), ("vbscript:x", "scheme 'vbscript'"), ("file:///etc/passwd", "scheme 'file'"),
    ("//evil.example/x", "protocol-relative address")])
def test_the_scan_knows_a_link_the_site_may_have(target, problem):
    assert link_problem(target) == problem
