"""The site's home page for readers, rendered from the published runs and series in
``outputs/`` (in-process, about a quarter of a second): the headline against the series'
results (hand-checked), the leaders, the list of every city, and the city finder's
JavaScript itself in Debian's Chromium (typing «Реут» finds Реутов)."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib
import pandas as pd
import pytest
from conftest import ROOT, chromium

from iqlib.presentation import site as pages
from iqlib.publishing import home, site

pytestmark = pytest.mark.xdist_group("site")     # one worker: the built sites and browsers shared

OUTPUTS = ROOT / "outputs"
NEWEST = "2021/base"


@pytest.fixture(scope="module")
def runs() -> list[site.Run]:
    return site.published_runs(OUTPUTS)


@pytest.fixture(scope="module")
def context(runs) -> dict:
    return home.context(runs, OUTPUTS, "ru", {"2019/reference-bounds": "2019/reference-bounds/comparison/index.html"}, [])


@pytest.fixture(scope="module")
def page(runs, tmp_path_factory) -> Path:
    """The home page alone with its assets (its links lead into a site not built here)."""
    folder = tmp_path_factory.mktemp("home")
    (folder / "assets").mkdir()
    for name, content in pages.ASSETS.values():
        (folder / "assets" / name).write_text(content, encoding="utf-8")
    (folder / "index.html").write_text(home.render(runs, OUTPUTS, "ru", {}, []), encoding="utf-8")
    return folder / "index.html"


# ----------------------------------------------------------------------------- the finder's key
@pytest.mark.parametrize(("name", "key"), [("Реутов", "реутов"), ("ЁЛКИ", "елки"), ("Ёлки", "елки"), ("елки", "елки"),
                                           ("Ростов-на-Дону", "ростов на дону"), ("Нижний  Новгород", "нижний новгород"),
                                           ("Петропавловск‑Камчатский", "петропавловск камчатский")])
def test_the_finder_key_ignores_case_yo_and_dashes(name, key):
    assert home.finder_key(name) == key


# ----------------------------------------------------------------------------- the headline
def test_the_headline_is_the_newest_edition_beside_the_official_figures(context):
    # outputs/series/iq_v1/results/averages.csv, 2021: average 52.60 (official 52.60), growth 52.60 %
    # against 2018's 34.47 (52.60 / 34.47 = 1.5260), no official growth published, fixed scale
    # 64.70 against 29.44 (= 2.1977: +119.77 %)
    h = context["headline"]
    assert (h["edition"], h["cities"], h["base"]) == (2021, 203, 2018)
    assert (h["average"], h["official"]) == ("52,60", "52,60")
    assert h["growth"] == "+52,60\u00a0%" and h["growth_fixed"] == "+123,43\u00a0%"
    assert h["growth_official"] == "не опубликован" and not h["official_growth_known"]
    # the +30 % of params/series/iq_v1.yaml has no source in data/reference: said so, not compared
    assert "не подтверждена" in h["target"] and "+30 % к 2018 г. к 2024 г." in h["target"]


def test_the_averages_match_the_series_results(context):
    averages = pd.read_csv(OUTPUTS / "series/iq_v1/results/averages.csv")
    row = averages[averages["year"] == 2021].iloc[0]
    assert context["headline"]["average"] == f"{row['average']:.2f}".replace(".", ",")
    assert 100 * (row["average"] / averages.loc[averages["year"] == 2018, "average"].iloc[0] - 1) == pytest.approx(
        row["growth_pct"], abs=0.005)


def test_each_group_has_its_leader_and_top_three(context):
    leaders = {g["name"]: [(c["rank"], c["name"], c["score"]) for c in g["top"]] for g in context["leaders"]}
    assert [v[0] for v in leaders.values()] == [(1, "Москва", "117,16"), (1, "Тюмень", "100,75"),
                                                (1, "Ханты-Мансийск", "91,85"), (1, "Саров", "87,70")]
    assert leaders["Крупнейшие города (от 1 млн)"] == [(1, "Москва", "117,16"), (2, "Санкт-Петербург", "98,13"),
                                                       (3, "Нижний Новгород", "88,26")]
    scores = pd.read_csv(OUTPUTS / NEWEST / "results/scores.csv")
    moscow = scores.loc[scores["city_ru"] == "Москва", "city_id"].iloc[0]
    assert context["leaders"][0]["top"][0]["href"] == f"{NEWEST}/city/{moscow}.html"


def test_the_trend_is_the_series_by_year_with_gaps_as_dashes(context):
    rows = {r["year"]: (r["official"], r["calc"]) for r in context["trend"]["rows"]}
    assert rows == {2018: ("—", "34,47"), 2019: ("40,67", "40,67"), 2020: ("44,17", "44,17"),
                    2021: ("52,60", "52,60"), 2022: ("55,00", "—"), 2023: ("61,00", "—")}
    chart = context["trend"]["chart"]
    assert chart.startswith('<svg') and 'role="img"' in chart and "<title>Средний IQ всех городов по годам</title>" in chart
    # one value label per year, the calculation's where it has one: 34,47 … 52,60 then the official 55,00 and 61,00
    labels = re.findall(r'font-weight="bold">([^<]+)<', chart)
    assert labels == ["34,47", "40,67", "44,17", "52,60", "55,00", "61,00"]
    # text of 14 units on a 420-unit viewBox: at least 11 px when the chart is 358 px wide (a phone)
    assert 'viewBox="0 0 420 ' in chart and 'font-size="14"' in chart and 14 * 358 / 420 >= 11


# ----------------------------------------------------------------------------- the page
def test_the_page_is_valid_html5_and_never_links_to_itself(page):
    text = page.read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)
    refs = re.findall(r'(?:href|src)="([^"]+)"', text)
    assert "index.html" not in refs and "" not in refs
    assert all(not r.startswith(("http:", "https:", "/", "..")) for r in refs), refs
    assert {f"#{a}" for a in ("finder", "leaders", "trend", "editions", "method", "data", "audit")} <= set(refs)
    assert all(f'id="{r[1:]}"' in text for r in refs if r.startswith("#"))


def test_the_no_script_list_has_every_city_of_the_newest_edition(page, context):
    text = page.read_text(encoding="utf-8")
    block = re.search(r'<details id="city-list">(.*?)</details>', text, re.S)
    assert block
    # without a script the finder's form stays hidden and this list is what the reader gets
    assert re.search(r'<form class="finder" role="search" hidden ', text)
    listed = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', block.group(1))
    scores = pd.read_csv(OUTPUTS / NEWEST / "results/scores.csv")
    assert {(f"{NEWEST}/city/{c}.html", n) for c, n in zip(scores["city_id"], scores["city_ru"])} <= set(listed)
    # and the cities of older editions only, each linked to the newest edition it is in; alphabetical, ё as е
    newest_page: dict[str, str] = {}
    for year in (2021, 2020, 2019, 2018):
        for c in pd.read_csv(OUTPUTS / f"{year}/base/results/scores.csv")["city_id"]:
            newest_page.setdefault(c, f"{year}/base/city/{c}.html")
    assert sorted(h for h, _ in listed) == sorted(newest_page.values())
    assert len(newest_page) > len(scores)                  # 2018 and 2020 had cities 2021 has not
    reutov = next(c for c in context["cities"] if c["n"] == "Реутов")   # outputs/2021/base/results/scores.csv
    assert reutov == {"n": "Реутов", "k": "реутов", "h": f"{NEWEST}/city/reutov.html",
                      "d": "Московская область; Большие города (100–250 тыс.); IQ\u00a091,80, место в группе 2 из 94 (2021\u00a0г.)"}
    keys = [home.finder_key(n) for _, n in listed]
    assert keys == sorted(keys) and len(listed) == len(context["cities"])


# ----------------------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def browser():
    driver = chromium("1366,900")
    yield driver
    driver.quit()


def load(browser, page: Path, width: int = 1366):
    browser.set_window_size(width, 900)
    browser.get(page.as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    return browser


@pytest.mark.e2e
def test_the_finder_script_normalises_and_matches_as_specified(page, browser):
    load(browser, page)
    normalise = "return window.iqFinder.normalise(arguments[0])"
    assert [browser.execute_script(normalise, s) for s in ("ЁЛКИ", "елки", "  Ростов–на-Дону ", "РЕУТ")] == \
        ["елки", "елки", "ростов на дону", "реут"]
    entries = [{"n": n, "k": home.finder_key(n)} for n in ("Реутов", "Ёлкино", "Бутово", "Ростов-на-Дону", "Елец")]
    match = "return window.iqFinder.match(arguments[0], arguments[1]).map(function (e) { return e.n; })"
    assert browser.execute_script(match, entries, "реут") == ["Реутов"]
    assert browser.execute_script(match, entries, "ЁЛКИ") == ["Ёлкино"] == browser.execute_script(match, entries, "елки")
    assert browser.execute_script(match, entries, "ут") == ["Бутово", "Реутов"]          # a part in the middle of a name
    assert browser.execute_script(match, entries, "ов на") == ["Ростов-на-Дону"]         # a dash typed as a space
    assert browser.execute_script(match, entries, "ел") == ["Елец", "Ёлкино"]            # names starting with it first
    assert browser.execute_script(match, entries, "   ") == []
    # the page's own index holds the keys the script would make of every name
    pairs = browser.execute_script("return JSON.parse(document.getElementById('city-index').textContent)"
                                   ".map(function (e) { return [e.k, window.iqFinder.normalise(e.n)]; })")
    assert len(pairs) > 200 and all(k == n for k, n in pairs)


@pytest.mark.e2e
def test_typing_reut_finds_reutov_and_the_keyboard_reaches_it(page, browser, runs):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    load(browser, page)
    box = browser.find_element(By.ID, "city-query")
    label = browser.find_element(By.CSS_SELECTOR, "label[for=city-query]")
    assert box.is_displayed() and label.text == "Название города или его часть"
    box.send_keys("Реут")
    links = browser.find_elements(By.CSS_SELECTOR, "#city-results a")
    newest = next(r for r in runs if r.key == NEWEST)
    reutov = newest.scores.index[newest.scores["city_ru"] == "Реутов"][0]
    assert [a.text for a in links] == ["Реутов"]
    assert links[0].get_attribute("href").endswith(f"{NEWEST}/city/{reutov}.html")
    assert browser.find_element(By.ID, "city-status").text == "Найдено городов: 1"
    box.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element == links[0]
    box.clear()
    box.send_keys("ёжикщ")
    assert browser.find_elements(By.CSS_SELECTOR, "#city-results a") == []
    assert browser.find_element(By.ID, "city-status").text == "ничего не найдено"


@pytest.mark.e2e
@pytest.mark.parametrize("width", [390, 1366])
def test_the_page_never_scrolls_sideways_and_the_chart_stays_legible(page, browser, width):
    load(browser, page, width)
    for details in browser.find_elements("css selector", "details"):
        browser.execute_script("arguments[0].open = true", details)
    scroll, client = browser.execute_script("return [document.documentElement.scrollWidth, "
                                            "document.documentElement.clientWidth]")
    assert scroll <= client, (width, scroll, client)
    shown = browser.execute_script("return document.querySelector('svg.home-chart').getBoundingClientRect().width")
    assert 14 * shown / 420 >= 11, f"the trend chart's words are {14 * shown / 420:.1f} px at {width} px"


# ----------------------------------------------------------------------------- the trend chart
def test_the_trend_chart_places_points_ticks_and_gaps_as_computed_by_hand():
    from iqlib.presentation.home_chart import national_trend

    chart = national_trend([("A", [2018, 2019, 2020, 2021], [None, 40.0, None, 61.0]),
                            ("B", [2018, 2019, 2020, 2021], [34.47, 40.0, 45.0, None])], "T", "ru")
    # axis 0–80 in steps of 20 (61 / 5 = 12.2 → step 20); top = 8 + 2 legend rows × 20 + 14 = 62,
    # plot 190 high: y(v) = 252 − v / 80 × 190; x(year) = 76 + (year − 2018) / 3 × 298
    assert re.findall(r'text-anchor="end">([^<]+)<', chart) == ["0", "20", "40", "60", "80"]
    assert '<circle cx="76.0" cy="170.1" r="4"' in chart                      # B, 2018: 34.47
    assert '<rect x="169.8" y="151.5" width="11" height="11"' in chart         # A, 2019: 40 (a square of 11 around 175.3, 157)
    assert '<circle cx="274.7" cy="145.1" r="4"' in chart                      # B, 2020: 45
    # A has no 2020 value: no line joins 2019 to 2021 across the gap; B's line runs 2018–2020
    assert re.findall(r'<polyline points="([^"]+)"', chart) == ["76.0,170.1 175.3,157.0 274.7,145.1"]
    assert re.findall(r'font-weight="bold">([^<]+)<', chart) == ["34,47", "40,00", "45,00", "61,00"]
    assert 'viewBox="0 0 420 282"' in chart and "<title>T</title>" in chart
