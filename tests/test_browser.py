"""Every page type of the site as a reader's browser and a screen reader see it: axe-core
(tests/package.json, installed by ``make browser``) run in Debian's Chromium finds no serious
or critical violation; every page has its language, a skip link, a visible focus, scoped table
headers, a meta description and the publisher's footer; every chart has an accessible name
and its numbers as a table. Plus the site's sitemap.xml and robots.txt.

One browser for the module; the fixture's site is the one tests/test_site.py builds (once per
session); the comparison and series pages are made once here with the current code."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT, built_once, chromium
from test_site import site  # noqa: F401  (the fixture: the site of the published fixture run, built once)

from iqlib.config.params import load_params
from iqlib.presentation import framing
from iqlib.presentation import site as pages
from iqlib.publishing import series
from iqlib.publishing.compare import Where, compare_runs
from iqlib.publishing.site import frame_series

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("site")]    # one worker: the built sites and browsers shared

AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
BASE_URL = "https://example.org/iq-mini/"          # tests/fixtures/mini/edition.yaml's publication.base_url
WIDE, PHONE = 1366, 390


@pytest.fixture(scope="module")
def extra(published_mini, tmp_path_factory) -> Path:
    """The page types the fixture's site has not: a comparison (the fixture run with itself,
    as the site makes a scenario's) and the series page (of the published demo editions,
    framed as the site frames it), each with the fixture edition's footer; made once per
    session (the xdist workers share it)."""
    def build(out: Path) -> None:
        params = load_params(published_mini / "tests/fixtures/mini/edition.yaml", check_inputs=False)
        params.edition = params.edition.model_copy(update={"language": "ru"})
        footer = framing.footer(params, "IQ городов")
        run = published_mini / "outputs" / "2019" / "mini"
        with framing.using(footer):
            compare_runs(run, run, out / "run" / "comparison", force=True, language="ru",
                         where=Where([("../../index.html", "Главная")], "../city/{}.html"))
        folder = out / "series" / "iq_v1"
        for assets in (out / "assets", folder / "assets"):
            assets.mkdir(parents=True)
            for name, content in pages.ASSETS.values():
                (assets / name).write_text(content, encoding="utf-8")
        (folder / "index.html").write_text(series.page(series.compute(ROOT / "params/series/iq_v1.yaml"), folder),
                                           encoding="utf-8")
        frame_series(folder / "index.html", "ru", footer)

    return built_once(tmp_path_factory, "browser-extra", build)


@pytest.fixture(scope="module")
def browser():
    if not AXE.is_file():
        pytest.skip("axe-core is not installed in tests/node_modules (make browser runs npm ci in tests/)")
    driver = chromium(f"{WIDE},1000")
    driver.set_script_timeout(120)
    yield driver
    driver.quit()


def page_types(site: Path, extra: Path) -> dict[str, Path]:  # noqa: F811
    run = site / "2019" / "mini"
    city = max(run.glob("city/*.html"))
    return {"home": site / "index.html", "edition": run / "index.html", "group": min(run.glob("group-*.html")),
            "city": city, "method": run / "method.html", "robustness": run / "robustness.html",
            "comparison": extra / "run" / "comparison" / "index.html", "series": extra / "series" / "iq_v1" / "index.html",
            **{f"notebook {name}": run / "notebooks" / f"{name}.html"       # with and without code (the code's
               for name in ("01_load", "01_load-code", "04_rank", "04_rank-code", "05_report-code")},  # colours vary)
            "404": site / "404.html"}


def run_axe(browser) -> list[dict]:
    """axe-core's violations of the page in the browser (every rule axe runs by default:
    WCAG 2.x A and AA and best practices)."""
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)),"
        " e => done(JSON.stringify({error: String(e)})));")
    result = json.loads(found)
    assert not isinstance(result, dict), result
    return result


def test_no_page_type_has_a_serious_or_critical_accessibility_violation(site, extra, browser, record_property):  # noqa: F811
    started, problems, counted = time.perf_counter(), {}, {}
    for kind, page in page_types(site, extra).items():
        browser.get(page.as_uri())
        violations = run_axe(browser)
        counted[kind] = len(violations)
        bad = [f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])}× e.g. {v['nodes'][0]['target']}"
               for v in violations if v["impact"] in ("serious", "critical")]
        if bad:
            problems[kind] = bad
    record_property("note", f"axe-core on {len(counted)} page types in {time.perf_counter() - started:.1f} s")
    assert problems == {}


def test_every_page_type_has_its_language_a_skip_link_a_description_and_the_footer(site, extra, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    for kind, page in page_types(site, extra).items():
        browser.get(page.as_uri())
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ru", kind
        description = browser.find_element(By.CSS_SELECTOR, 'meta[name="description"]').get_attribute("content")
        assert len(description) > 40 and "{" not in description, (kind, description)
        first = browser.find_element(By.CSS_SELECTOR, "body a")
        assert first.get_attribute("class") == "skip-link" and first.get_attribute("href").endswith("#main"), kind
        assert browser.find_elements(By.ID, "main"), kind
        footer = browser.find_element(By.CSS_SELECTOR, "footer.site-footer")
        text = footer.text
        for label in ("Издатель", "Дата публикации", "01.12.2026", "Лицензия", "CC BY 4.0", "Связь", "Как цитировать"):
            assert label in text, (kind, label)
        assert "IQ городов — тестовое издание" in text, kind
        assert "Данные демонстрационные (синтетические)" in text, kind          # the fixture edition is synthetic
        licence = footer.find_element(By.CSS_SELECTOR, 'a[rel="license"]').get_attribute("href")
        assert licence == "https://creativecommons.org/licenses/by/4.0/", kind
        assert BASE_URL in text, kind                                           # the suggested citation's address


def test_every_table_header_has_a_scope(site, extra, browser):  # noqa: F811
    for kind, page in page_types(site, extra).items():
        browser.get(page.as_uri())
        missing = browser.execute_script(
            "return [...document.querySelectorAll('th')].filter(th => !['col', 'row', 'colgroup', 'rowgroup']"
            ".includes(th.getAttribute('scope'))).map(th => th.textContent.trim()).slice(0, 5);")
        assert missing == [], kind


def test_every_chart_has_an_accessible_name_and_its_numbers_as_a_table(site, extra, browser):  # noqa: F811
    from selenium.webdriver.common.by import By

    charts = 0
    for kind, page in page_types(site, extra).items():
        browser.get(page.as_uri())
        for chart in browser.find_elements(By.CSS_SELECTOR, "svg.chart"):     # its table folded below it or shown beside it
            charts += 1
            assert chart.get_attribute("role") == "img", kind
            assert len(chart.accessible_name) > 5, kind
            table = browser.execute_script(
                "const f = arguments[0].closest('figure.chart-figure');"
                "return f && f.querySelector('table') ? f.querySelectorAll('table tbody tr').length : 0;", chart)
            assert table > 0, f"{kind}: the chart «{chart.accessible_name}» has no table of its numbers"
    assert charts >= 4


def test_the_keyboard_reaches_the_skip_link_first_and_sees_where_it_is(site, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get((site / "2019" / "mini" / "index.html").as_uri())
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip-link" and focused.text == "Перейти к содержанию"
    box = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width];", focused)
    assert box[0] >= 0 and box[1] >= 0 and box[2] > 50                       # shown when focused, hidden otherwise
    outline = browser.execute_script("const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];",
                                     focused)
    assert outline[0] != "none" and outline[1] != "0px"                       # focus visible
    focused.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("class") != "skip-link"


@pytest.mark.parametrize("width", [PHONE, WIDE])
def test_the_footer_and_the_404_page_fit_the_screen(site, browser, width, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.set_window_size(width, 900)
    try:
        for page in (site / "404.html", site / "2019" / "mini" / "method.html"):
            browser.get(page.as_uri())
            inner = browser.execute_script("return window.innerWidth")
            right = browser.execute_script(
                "return Math.max(...[...document.querySelectorAll('footer.site-footer *')]"
                ".map(e => e.getBoundingClientRect().right))")
            assert right <= inner, (page.name, width, right, inner)
            footer = browser.find_element(By.CSS_SELECTOR, "footer.site-footer")
            assert footer.is_displayed() and footer.size["height"] > 50
    finally:
        browser.set_window_size(WIDE, 1000)


def test_the_404_page_leads_home_from_any_address(site):  # noqa: F811
    page = (site / "404.html").read_text(encoding="utf-8")
    assert '<a href="/iq-mini/index.html">Перейти на главную страницу</a>' in page   # the site's path, not ../
    assert "<style>" in page and 'rel="stylesheet"' not in page       # styled wherever the host serves it
    assert "Страница не найдена" in page
    assert (site / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"          # an icon file (ICO header)


def test_the_sitemap_lists_every_page_once_and_robots_point_at_it(site):  # noqa: F811
    text = (site / "sitemap.xml").read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))                     # valid XML
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = [u.find(f"{ns}loc").text for u in root.iter(f"{ns}url")]
    assert len(locs) == len(set(locs))
    pages_ = {p.relative_to(site).as_posix() for p in site.rglob("*.html")} - {"404.html"}
    assert {loc.removeprefix(BASE_URL) for loc in locs} == pages_
    assert all(loc.startswith(BASE_URL) for loc in locs)
    assert {u.find(f"{ns}lastmod").text for u in root.iter(f"{ns}url")} == {"2026-12-01"}
    assert "placeholder address" in text                           # example.org is a documentation host
    assert (site / "robots.txt").read_text(encoding="utf-8") == f"User-agent: *\nAllow: /\nSitemap: {BASE_URL}sitemap.xml\n"
    assert re.search(r"index\.html</loc>", text)
