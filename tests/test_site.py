"""The publication site, built from the published fixture run and checked as a reader's
browser sees it: Debian's chromium, headless, driven by selenium (installed by ``make
browser``; without chromium the browser tests are skipped with the reason)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import html5lib
import pandas as pd
import pytest
from conftest import built_once, chromium, iq

from iqlib.io.downloads import write_workbook

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("site")]    # one worker: the built sites and browsers shared


@pytest.fixture(scope="module")
def site(published_mini, tmp_path_factory) -> Path:
    """The site of the published fixture run in Russian (the fixture edition itself is in
    English: ``--language ru`` makes every page Russian, as the demo editions are)."""
    def build(folder: Path) -> None:       # once per session, shared by the xdist workers
        result = iq("site", "--out", str(folder / "site"), "--language", "ru",
                    env={"IQ_PROJECT_ROOT": str(published_mini)}, cwd=published_mini)
        assert result.returncode == 0, result.stderr
        assert "Site: " in result.stdout

    return built_once(tmp_path_factory, "site-ru", build) / "site"


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_the_site_has_every_page_of_the_run(site):
    run = site / "2019" / "mini"
    names = {p.relative_to(run).as_posix() for p in run.rglob("*.html")}
    assert {"index.html", "method.html", "robustness.html"} <= names
    cities = pd.read_csv(site / "2019/mini/downloads/data/scores.csv", dtype={"city_id": str})
    assert {f"city/{c}.html" for c in cities["city_id"]} <= names
    assert {f"group-{g}.html" for g in cities["group"]} <= names
    assert {f"notebooks/0{i}_{s}{suffix}.html" for i, s in enumerate(["load", "normalise", "weight", "rank", "report"], 1)
            for suffix in ("", "-code")} <= names


def test_every_page_is_valid_html5_in_russian_and_links_only_inside_the_site(site):
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        tree = parser.parse(text)  # raises on any parse error, e.g. a <p> inside a <table>
        assert tree.get("lang") == "ru", page
        text = re.sub(r'<footer class="site-footer">.*?</footer>', "", text, flags=re.S)  # the publisher's links
        assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text, page
        for ref in re.findall(r'(?:href|src)="([^"#?]+)', text):
            if ref.startswith(("mailto:", "data:")):
                continue
            if page.name == "404.html":    # served at any address: its links start at the site's path (base_url)
                assert ref.startswith("/iq-mini/"), ref
                ref = str(site / ref.removeprefix("/iq-mini/"))
            assert (page.parent / ref).resolve().is_file(), f"{page.relative_to(site)}: broken link {ref}"


def test_numbers_are_written_the_russian_way_and_names_are_russian(site):
    run = site / "2019" / "mini"
    edition = (run / "index.html").read_text(encoding="utf-8")
    assert re.search(r">\d+,\d\d<", edition) and not re.search(r">\d+\.\d\d<", edition)  # decimal comma
    group = next(run.glob("group-*.html")).read_text(encoding="utf-8")
    assert "krupneyshie" not in re.sub(r'href="[^"]*"', "", group)  # no slug shown, only in links
    assert "Место" in group and "Город" in group


def test_a_direction_without_data_is_shown_as_a_gap_not_as_a_zero(site):
    """Тюмень has no value of I17, D10's only indicator: its D10 is 0 in the sum, and the
    pages say it is missing instead of showing 0,00 or calling it a weakness."""
    run = site / "2019" / "mini"
    group = next(p for p in run.glob("group-*.html") if "city/tyumen.html" in p.read_text(encoding="utf-8"))
    row = re.search(r'<tr data-search="тюмень[^"]*">(.*?)</tr>', group.read_text(encoding="utf-8"), re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[-1] == "—" and 'title="нет данных: у направления нет ни одного значения' in row
    assert "«—» в столбце направления" in group.read_text(encoding="utf-8")
    city = (run / "city" / "tyumen.html").read_text(encoding="utf-8")
    d10 = re.search(r"<tr><t[dh][^>]*>D10 [^<]*</t[dh]><td class=\"num\">([^<]*)", city).group(1)
    assert d10 == "нет данных"
    weaknesses = city.split("Слабые стороны", 1)[1].split("</ul>", 1)[0]
    assert "D10" not in weaknesses


def test_notebook_pages_lead_back_to_the_run_and_say_the_data_are_synthetic(site):
    page = (site / "2019" / "mini" / "notebooks" / "04_rank.html").read_text(encoding="utf-8")
    header = page.split('<header class="iq-header">', 1)[1].split("</header>", 1)[0]
    assert 'href="../index.html"' in header and 'href="../../../index.html"' in header
    assert "Синтетические демонстрационные данные" in header
    assert "S<sub>i</sub>" in page and "$S" not in page    # subscripts as text; formulas: test_presentation
    # a table's text form (what nbval compares) stays in the notebook; the page shows its HTML form only
    assert "The same table as text" not in page and "<table" in page


def test_downloads_open_in_russian_excel(site, published_mini):
    run = site / "2019" / "mini" / "downloads"
    raw = (run / "excel" / "iq-2019-mini-scores.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                      # UTF-8 with BOM
    header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8")
    assert header.startswith("Место в группе;Город;")            # ';' and Russian headers, place and city first
    assert header.endswith(";Код города")                        # the code last
    first = raw[3:].split(b"\r\n")[1].decode("utf-8").split(";")
    assert re.fullmatch(r"\d+,\d\d", first[2])                   # the index, published with two decimals
    uncertainty = (run / "excel" / "iq-2019-mini-uncertainty.csv").read_bytes().decode("utf-8-sig")
    assert "True" not in uncertainty and "False" not in uncertainty and ";нет;" in uncertainty
    methods = (run / "excel" / "iq-2019-mini-methods.csv").read_bytes().decode("utf-8-sig")
    assert "мин–макс" in methods and "minmax(" not in methods
    assert not (run / "tables.xlsx").exists() and not (run / "excel" / "scores.csv").exists()
    book = pd.read_excel(run / "iq-2019-mini.xlsx", sheet_name=None)
    assert any(name.startswith("D1 ") for name in book) and "Методика" in book and "Манифест" in book
    edition = (site / "2019" / "mini" / "index.html").read_text(encoding="utf-8")
    assert 'href="downloads/iq-2019-mini.xlsx"' in edition and 'href="downloads/excel/iq-2019-mini-scores.csv"' in edition
    # the machine-readable copy is the run's own file, byte for byte
    assert (run / "data" / "scores.csv").read_bytes() == \
        (published_mini / "outputs/2019/mini/results/scores.csv").read_bytes()


def test_a_workbook_is_byte_identical_when_written_again(tmp_path):
    import time

    frame = pd.DataFrame({"Город": ["Казань", "=HYPERLINK(1)"], "IQ": [71.567, 3.0]})
    a = write_workbook({"Группа": frame}, tmp_path / "a.xlsx")
    time.sleep(1.1)                  # openpyxl stamps the saving time to the second: it must not show
    b = write_workbook({"Группа": frame}, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    back = pd.read_excel(a)
    assert back["Город"].tolist() == ["Казань", "'=HYPERLINK(1)"]  # no formula from a city name


# ----------------------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def browser():
    driver = chromium("1280,1600")
    yield driver
    driver.quit()


def load(browser, page: Path):
    browser.get(page.as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    return browser


def test_every_kind_of_page_loads_without_a_console_error(site, browser):
    run = site / "2019" / "mini"
    for page in [site / "index.html", run / "index.html", next(run.glob("group-*.html")), next(run.glob("city/*.html")),
                 run / "method.html", run / "robustness.html", run / "notebooks/04_rank.html"]:
        load(browser, page)
        assert browser.find_element("tag name", "h1").text or page.name.startswith("0"), page


def test_a_group_table_sorts_and_filters(site, browser):
    from selenium.webdriver.common.by import By

    page = max(site.glob("2019/mini/group-*.html"), key=lambda p: p.read_text(encoding="utf-8").count("<tr data-search"))
    load(browser, page)
    rows = lambda: browser.find_elements(By.CSS_SELECTOR, "#ranking tbody tr")  # noqa: E731
    visible = lambda: [r for r in rows() if r.is_displayed()]  # noqa: E731
    n = len(rows())
    assert n >= 2
    ranks = lambda: [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows()]  # noqa: E731
    assert ranks() == sorted(ranks(), key=lambda t: int(t) if t.isdigit() else 10**6)  # published order
    header = browser.find_elements(By.CSS_SELECTOR, "#ranking th button")
    header[2].click()   # the index (third: place, city, index stay in view), ascending
    scores = [float(r.find_elements(By.TAG_NAME, "td")[2].get_attribute("data-value")) for r in rows()]
    assert scores == sorted(scores)
    header[2].click()   # descending
    scores = [float(r.find_elements(By.TAG_NAME, "td")[2].get_attribute("data-value")) for r in rows()]
    assert scores == sorted(scores, reverse=True)
    first = rows()[0].find_elements(By.TAG_NAME, "td")[1].text.rstrip("*")
    browser.find_element(By.ID, "filter").send_keys(first[:4].lower())
    shown = visible()
    assert 1 <= len(shown) < n and all(first[:4].lower() in r.text.lower() for r in shown)


def test_a_city_page_shows_its_ten_directions(site, browser, tmp_path):
    from selenium.webdriver.common.by import By

    page = next((site / "2019/mini/city").glob("*.html"))
    load(browser, page)
    tables = browser.find_elements(By.TAG_NAME, "table")
    directions = tables[0].find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.find_elements(By.CSS_SELECTOR, "th, td")[0].text.split()[0] for r in directions] == [f"D{i}" for i in range(1, 11)]
    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart")
    assert chart.size["width"] > 300 and chart.size["height"] > 200
    shot = tmp_path / "city.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


# ----------------------------------------------------------------------------- one page system
ROOT = Path(__file__).resolve().parents[1]
STYLESHEET = (ROOT / "iqlib/presentation/static/site.css").read_text(encoding="utf-8")


def test_every_page_uses_the_one_stylesheet(site, published_mini):
    """The site's stylesheet, the run's index.html and the notebook pages all come from
    presentation/static/site.css: copied, inlined, or cut to the rules naming a class."""
    css = list((site / "assets").glob("site.*.css"))
    assert len(css) == 1 and css[0].read_text(encoding="utf-8") == STYLESHEET
    index = (published_mini / "outputs/2019/mini/index.html").read_text(encoding="utf-8")
    assert f"<style>\n{STYLESHEET}</style>" in index and "<script" not in index
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(index)
    assert 'href="html/04_rank.html"' in index and 'href="results/scores.csv"' in index
    notebook = (site / "2019/mini/notebooks/04_rank.html").read_text(encoding="utf-8")
    link = re.search(r'href="\.\./\.\./\.\./assets/(nb\.[0-9a-f]+\.css)"', notebook).group(1)
    nb_css = (site / "assets" / link).read_text(encoding="utf-8")
    assert ".iq-header nav{display:flex" in nb_css and ".iq-synthetic{" in nb_css   # our chrome, from the file
    assert "max-width:72em" not in nb_css              # the site's rules for bare elements stay out
    assert "<style" not in notebook                      # one linked stylesheet per notebook page
