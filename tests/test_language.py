"""Russian only on the reader's pages: the site built from the published runs is scanned,
page by page, for what a Russian reader should never see — a Latin word (a slug, a code, a
key of the YAML, an English word), a decimal point, a repository path or file name — in its
visible text, its ``alt``, ``title``, ``aria-label`` and ``placeholder`` attributes, the
text of its inline SVG charts, and in every chart written to ``figures/`` (the PNG figures
are the same matplotlib figures saved as SVG beside them, so their labels are scanned there).

Allowed: the formats and the index's name (``ALLOWED``); the framework's own codes and the
Latin inside its Russian names («Wi-Fi», «4G»: data of the methodology, like the city names);
single Latin letters and «ST» as mathematical symbols (p, r, N, Sᵢ, STᵢ); URLs and e-mail
addresses inside a ``<footer>``. Pages with code (``notebooks/*-code.html``, ``series-code``)
may show Python only inside their code cells (``.jp-InputArea``, skipped); their outputs and
text are scanned like any other page.

The site of every published run is built once per session (conftest's ``demo_site``) and
scanned on a part that holds every page type (an edition, a scenario with its comparison, the
series; each with its notebook pages) and on the site's own top-level pages, to keep
``make test`` short; ``IQ_LANGUAGE_OUTPUTS=<folder>`` scans every run of another outputs folder instead (e.g.
runs re-made by the current code before they are published)."""

from __future__ import annotations

import html
import json
import os
import re
from pathlib import Path

import pytest
from conftest import ROOT, built_once

from iqlib.config.params import load_params

pytestmark = pytest.mark.xdist_group("site")     # one worker: the built sites and browsers shared

ALLOWED = frozenset({"IQ", "PDF", "CSV", "XLSX", "SVG", "PNG", "JSON", "ST", "URL"})   # URL: as ГОСТ Р 7.0.100 cites an address
# the names of sources and licences, cited as their owners write them (under a map, in the footer)
PROPER_NAMES = re.compile(r"Natural Earth|world-atlas|GeoNames|Creative Commons|CC BY(?:-SA)? \d\.\d|\bISC\b")
SUBSET = ("2019/base", "2019/reference-bounds", "series/iq_v1")      # every page type of the site
ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
SKIPPED = {"script", "style", "metadata", "template", "code"}     # <code>: a command shown verbatim (iq verify …)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LATIN = re.compile(r"[\w./-]*[A-Za-z][\w./-]*")
CYRILLIC = re.compile("[а-яА-ЯёЁ]+")
DECIMAL = re.compile(r"(?<![\d.,])\d+\.\d+(?![\d.])")        # 1.0, 0.125; not a date (04.12.2026)
PATH = re.compile(r"(?:^|[\s(«\"'`])(?:outputs|params|runs|data|notebooks|results|figures|docs|iqlib|tests)/\S*"
                  r"|[\w-]+\.(?:ya?ml|csv|ipynb|py|md|json|xlsx|html)\b")
ADDRESS = re.compile(r"(?:https?://|mailto:|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ENGLISH = frozenset("""a an and are as at be by for from in is it its of on or the to with without not no yes true false
none null all total base scenario edition group groups city cities rule method methods rank score scores value values
missing exclude zero out in up down entered left data results figures series average change""".split())


TOKEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[!?][^>]*>"
                   r"|<(/?)([A-Za-z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|([^<]+)", re.S)
ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def visible(page: str, code_page: bool) -> tuple[str, str]:
    """The text a reader sees on a page or in an SVG, outside and inside its ``<footer>``:
    text nodes outside script, style and SVG metadata (and, on a page with code, outside its
    code cells), and the attributes that are read out or shown on hover. A tokenizer by
    regular expressions (the pages are the site's own, valid HTML5): a few times faster than
    ``html.parser`` on the 400 pages of the site."""
    out: tuple[list[str], list[str]] = ([], [])
    stack: list[tuple[str, bool, bool]] = []            # tag, skipped, in a footer
    for m in TOKEN.finditer(page):
        closing, tag, attrs, data = m.groups()
        skipped, footer = stack[-1][1:] if stack else (False, False)
        if data is not None:
            if not skipped and not data.isspace():
                out[footer].append(html.unescape(data))
            continue
        if tag is None:                                  # comment, doctype, processing instruction
            continue
        tag = tag.lower()
        if closing:
            for i in range(len(stack) - 1, -1, -1):      # tolerant of unclosed <p>, <li>
                if stack[i][0] == tag:
                    del stack[i:]
                    break
            continue
        found = {a.lower(): html.unescape(next(v for v in vals if v is not None)) for a, *vals in ATTRIBUTE.findall(attrs)}
        skipped = skipped or tag in SKIPPED or (code_page and "jp-InputArea" in found.get("class", "").split())
        footer = footer or tag == "footer"
        if not skipped:
            out[footer].extend(found[a] for a in ATTRIBUTES if found.get(a))
            if tag == "meta" and found.get("name") == "description":
                out[footer].append(found.get("content", ""))
        if tag not in VOID and not attrs.rstrip().endswith("/"):
            stack.append((tag, skipped, footer))
    return "\n".join(out[0]), "\n".join(out[1])


def offences(text: str, allowed: frozenset[str], footer: bool = False) -> list[str]:
    """What a Russian reader should not see in ``text``, each as 'kind: word'."""
    text = PROPER_NAMES.sub(" ", text)
    found = [] if footer else [f"address: {m.group(0)}" for m in ADDRESS.finditer(text)]
    text = ADDRESS.sub(" ", text)
    found += ["path: " + m.group(0).strip(" («\"'") for m in PATH.finditer(text)]
    found += [f"decimal point: {m.group(0)}" for m in DECIMAL.finditer(text)]
    tokens = [part for token in LATIN.findall(text)          # z-оценка: a symbol joined to a Russian word
              for part in (token.split("-") if CYRILLIC.search(token) else [token])]
    for token in tokens:
        word = re.sub("[ᵢⱼₖₙ₀-₉]", "", token).strip("./-")       # Sᵢ, STᵢ: a symbol and its index
        symbol = re.sub(r"^\d+", "", word)                       # 2u: a coefficient and a symbol
        if not word or CYRILLIC.fullmatch(word) or word in allowed or (len(symbol) == 1 and symbol.isascii()):
            continue
        if PATH.search(f" {word}") or re.fullmatch(r"[\d.,]*", word):
            continue
        kind = "English word" if word.lower() in ENGLISH else "Latin word"
        found.append(f"{kind}: {word}")
    return found


def scan_file(path: Path, allowed: frozenset[str]) -> list[str]:
    """Every offence of one page or SVG file (its code cells skipped on a page with code)."""
    text, footer = visible(path.read_text(encoding="utf-8"), code_page=path.stem.endswith("-code"))
    return offences(text, allowed) + offences(footer, allowed, footer=True)


def framework_words(outputs: Path) -> frozenset[str]:
    """The codes of every framework the runs use (D1, I01 …) and the Latin words inside
    their Russian names (Wi-Fi, 4G): data of the methodology, not words of the code."""
    found: set[str] = set()
    for manifest in outputs.glob("*/*/manifest.json"):
        man = json.loads(manifest.read_text(encoding="utf-8"))
        if "params" not in man or "edition" not in man:
            continue
        meth = load_params(man["params"]["path"], check_inputs=False).methodology
        for node in [*meth.aggregates, *meth.indicators]:
            found.add(node.code)
            found |= {t.strip("./-") for t in LATIN.findall(getattr(node, "name_ru", "") or "")}
    return frozenset(found)


# --------------------------------------------------------------------------- the scanner
def test_the_scanner_finds_every_kind_of_offence_and_passes_russian_text(tmp_path):
    page = ("<html><head><title>Рейтинг</title></head><body><h1>Москва: 71,35 балла</h1>"
            "<p>Группа krupneyshie, правило exclude, балл 1.0; файл outputs/2019/base и scores.csv</p>"
            '<img src="figures/leaderboard_krupnye.png" alt="leaderboard_krupnye">'
            '<svg role="img" aria-label="Рейтинг"><title>Рейтинг группы</title><text>D1 Управление</text></svg>'
            '<button title="Sort by column">▲</button><p>IQ городов, PDF, 04.12.2026, Sᵢ и p ≥ 0,05, z-оценка, 2u, Wi-Fi</p>'
            '<div class="jp-InputArea"><pre>tables.show(frame)</pre></div>'
            '<footer>Почта: press@minstroy.gov.ru, сайт https://minstroyrf.gov.ru/iq</footer>'
            "<p>см. https://example.org</p></body></html>")
    (tmp_path / "05_report-code.html").write_text(page, encoding="utf-8")
    (tmp_path / "05_report.html").write_text(page, encoding="utf-8")
    allowed = ALLOWED | {"D1", "Wi-Fi"}
    code = scan_file(tmp_path / "05_report-code.html", allowed)
    assert code == ["address: https://example.org", "path: outputs/2019/base", "path: scores.csv", "decimal point: 1.0",
                    "Latin word: krupneyshie", "English word: exclude", "Latin word: leaderboard_krupnye",
                    "Latin word: Sort", "English word: by", "Latin word: column"]
    # on a page without code, the code cell is a reader's text too
    assert scan_file(tmp_path / "05_report.html", allowed) == [*code, "Latin word: tables.show", "Latin word: frame"]
    assert "Latin word: Wi-Fi" in scan_file(tmp_path / "05_report.html", allowed - {"Wi-Fi"})
    # the names of sources and licences pass as cited; a word next to them does not
    assert offences("Контур: Natural Earth (world-atlas, ISC), лицензия CC BY 4.0; GeoNames", ALLOWED) == []
    assert offences("Natural Earth boundaries", ALLOWED) == ["Latin word: boundaries"]


def test_the_notebooks_prose_is_russian_only():
    """The markdown cells of the stage and series notebooks are the text of their pages for
    readers (and of the pages with code): no YAML key, file, path, command or English word."""
    import nbformat

    found = {}
    for book in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if book.stem == "whatif":                        # the methodologist's explorer: never a page
            continue
        cells = nbformat.read(book, as_version=4).cells
        prose = "\n".join(re.sub(r"<[^>]+>", " ", c.source) for c in cells if c.cell_type == "markdown")
        bad = offences(prose, ALLOWED)
        if bad:
            found[book.name] = bad
    assert found == {}


# --------------------------------------------------------------------------- the site
@pytest.fixture(scope="module")
def site(tmp_path_factory, request) -> tuple[Path, frozenset[str], tuple[str, ...] | None]:
    """The site of the published runs (conftest's ``demo_site``, scanned on ``SUBSET`` and
    the site's own top-level pages), or of every run of ``IQ_LANGUAGE_OUTPUTS`` (scanned
    whole), with its allowed words and the part to scan (None: all)."""
    from iqlib.publishing.site import build

    chosen = os.environ.get("IQ_LANGUAGE_OUTPUTS")
    if not chosen:
        return request.getfixturevalue("demo_site"), ALLOWED | framework_words(ROOT / "outputs"), SUBSET
    outputs = Path(chosen).resolve()
    folder = built_once(tmp_path_factory, f"language-site-{abs(hash(str(outputs)))}",
                        lambda folder: build(outputs, folder / "site", log=lambda _: None))
    return folder / "site", ALLOWED | framework_words(outputs), None


def scanned(root: Path, pattern: str, part: tuple[str, ...] | None) -> list[Path]:
    """The files of ``root`` matching ``pattern`` that lie in ``part`` (a run's folder) or
    outside every run (the home page, 404, the API); all of them when ``part`` is None."""
    def inside(path: Path) -> bool:
        rel = path.relative_to(root).as_posix()
        in_a_run = re.match(r"(\d{4}/[^/]+|series/[^/]+)/", rel)
        return part is None or not in_a_run or in_a_run.group(1) in part

    return sorted(p for p in root.rglob(pattern) if inside(p))


@pytest.mark.slow
def test_the_site_has_every_page_type(site):
    root, _, _ = site
    pages = {p.relative_to(root).as_posix() for p in root.rglob("*.html")}
    for expected in ("index.html", "2019/base/index.html", "2019/base/method.html", "2019/base/robustness.html",
                     "2019/base/group-krupneyshie.html", "2019/base/city/moskva.html",
                     "2019/base/notebooks/01_load.html", "2019/base/notebooks/05_report-code.html",
                     "2019/reference-bounds/method.html", "2019/reference-bounds/comparison/index.html",
                     "series/iq_v1/index.html", "series/iq_v1/html/series.html", "series/iq_v1/html/series-code.html"):
        assert expected in pages
    assert list(root.glob("2019/base/figures/*.svg")) and list(root.glob("series/iq_v1/figures/*.svg"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["pages", "figures"])
def test_reader_pages_and_charts_are_russian_only(site, kind):
    """Every page (text, attributes, inline SVG) or every chart SVG of the site: no Latin
    word but the allowed ones, no decimal point, no repository path; the failure names each
    page and its offending words."""
    root, allowed, part = site
    files = scanned(root, "*.html" if kind == "pages" else "figures/*.svg", part)
    assert files
    found = {}
    for path in files:
        bad = scan_file(path, allowed)
        if bad:
            found[path.relative_to(root).as_posix()] = sorted(set(bad), key=bad.index)
    report = "\n".join(f"{page}: {'; '.join(words[:12])}{' …' if len(words) > 12 else ''}"
                       for page, words in list(found.items())[:40])
    assert not found, f"{len(found)} of {len(files)} {kind} show what a Russian reader should not see:\n{report}"
