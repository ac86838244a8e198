"""Tables that fit and charts a reader can use on any screen (issue 21, items 3 and 5):
the charts' geometry by hand (label placement, ticks, counts, text size against the
viewBox), which scores get «*», and, in Debian's Chromium at 390 and 1366 px, every page
type: no sideways scroll, the group table's place, city and index in view, chart text of
11 px or more, and the PNG, SVG and CSV downloads of every chart."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, built_once, chromium, iq

from iqlib.analysis import marks
from iqlib.presentation import figures, svg
from iqlib.presentation import site as pages

pytestmark = pytest.mark.xdist_group("site")     # one worker: the built sites and browsers shared

WIDTHS = (390, 1366)


# ----------------------------------------------------------------------------- the charts by hand
def _texts(chart: str, cls: str = "") -> list[tuple[float, float, str]]:
    """(x, y, text) of the chart's <text> elements (of class ``cls`` when given)."""
    attribute = f'class="{cls}" ' if cls else ""
    pattern = rf'<text {attribute}x="([\d.-]+)" y="([\d.-]+)"[^>]*>([^<]*)<'
    return [(float(x), float(y), t) for x, y, t in re.findall(pattern, chart)]


def test_labels_are_spread_apart_around_where_they_want_to_be():
    assert svg.spread([10.0, 50.0], 14) == [10.0, 50.0]                   # apart already: unmoved
    # two labels on one spot (40,67 of two lines): a block of two centred on it, the third pushed along
    assert svg.spread([100.0, 100.0, 90.0], 14) == pytest.approx([96.6667, 110.6667, 82.6667], abs=1e-3)
    assert svg.spread([0.0, 0.0], 14, low=0.0) == [0.0, 14.0]            # kept inside the range
    assert svg.spread([95.0, 96.0], 14, high=100.0) == [86.0, 100.0]


def test_the_series_chart_writes_end_labels_apart_and_draws_the_official_line_on_top():
    """The demo's 2019 figures: 43,21 (fixed goalposts) and 40,67 twice (the official figure and
    this calculation): as end labels they would print on top of each other."""
    chart = svg.lines([("Официально", [2018, 2019], [None, 40.67]), ("Мин–макс", [2018, 2019], [34.47, 40.67]),
                       ("Фиксированные", [2018, 2019], [29.44, 43.21])], "t", "Средний IQ", "нет данных", "ru",
                      official=0)
    ends = _texts(chart, "end")
    assert sorted(t for _, _, t in ends) == ["40,67", "40,67", "43,21"]
    ys = sorted(y for _, y, _ in ends)
    assert min(b - a for a, b in zip(ys, ys[1:])) >= svg.FONT_SIZE      # a line of text apart at least
    # the official line is drawn last (on top), dashed, with square marks; the others solid with dots
    polylines = re.findall(r"<polyline [^>]*>", chart)
    assert len(polylines) == 2 and "stroke-dasharray" not in polylines[0]
    official = chart.index("Официально, 2019: 40,67")
    assert official > chart.index("Мин–макс, 2019: 40,67") and official > chart.index("Фиксированные, 2019: 43,21")
    assert re.search(r'<rect [^>]*><title>Официально, 2019: 40,67</title></rect>', chart)
    assert re.search(r'<circle [^>]*><title>Мин–макс, 2019: 40,67</title></circle>', chart)


@pytest.mark.slow            # the whole stage chain or a published run: make test, not make check
def test_the_notebook_series_chart_keeps_its_labels_apart_and_the_official_line_on_top():
    """The same figures in the series notebook's chart (matplotlib): 40,67 was printed under 43,21."""
    from itertools import combinations

    from iqlib.presentation import charts

    years = [2018, 2019, 2020, 2021]
    fig = charts.series_lines([("Официально", years, [None, 40.67, 44.17, 52.6]),
                               ("Мин–макс", years, [34.47, 40.67, 44.17, 52.6]),
                               ("Фиксированные", years, [29.44, 43.21, 47.98, 64.7])], "t", "IQ", "ru", official=0)
    ax = fig.axes[0]
    fig.canvas.draw()
    for year in years:
        boxes = [t.get_window_extent() for t in ax.texts if t.xy[0] == year]
        assert len(boxes) == (2 if year == 2018 else 3)
        assert not any(a.overlaps(b) for a, b in combinations(boxes, 2)), year
    official, *others = ax.get_lines()
    assert official.get_linestyle() == "--" and official.get_marker() == "s"
    assert all(official.get_zorder() > o.get_zorder() for o in others)


def test_rank_axes_never_print_two_ranks_on_top_of_each_other():
    """The robustness chart of a group of 93 printed 90 and 93 into «9093»."""
    assert svg.rank_ticks(93, 184) == [1, 20, 40, 60, 80, 93]
    assert svg.rank_ticks(91, 184) == [1, 20, 40, 60, 80, 91]             # 80 and 91: 22 px apart, enough
    assert svg.rank_ticks(89, 184) == [1, 20, 40, 60, 89]                 # 80 gives way to 89 (19 px: too close)
    assert svg.rank_ticks(15, 200) == [1, 5, 10, 15]
    chart = svg.rank_intervals([(f"Город {i}", i, max(1, i - 3), min(93, i + 3)) for i in range(1, 94)], "t")
    ticks = [(x, t) for x, _, t in _texts(chart) if t.isdigit()]
    assert [t for _, t in ticks] == ["1", "20", "40", "60", "80", "93"]
    for (a, la), (b, lb) in zip(ticks, ticks[1:]):                       # apart by more than half of both widths
        assert b - a > (svg.text_width(la) + svg.text_width(lb)) / 2


def test_a_bar_chart_draws_as_many_rows_as_it_is_given_and_marks_a_missing_value():
    regions = [f"Регион {i}" for i in range(10)]
    chart = svg.grouped_bars(regions, [("IQ", [90.0 - i for i in range(9)] + [None])], 120, "t", "ru", "нет данных")
    assert [t for _, _, t in _texts(chart) if t.startswith("Регион")] == regions
    assert chart.count('fill="url(#hatch)"') == 1 and "нет данных" in chart
    assert "90,00" in chart and "82,00" in chart                          # values written at the bars' ends


def test_a_histogram_counts_values_in_round_bins():
    # nice_ticks(35, 10): steps of 5 up to 35; 20 starts a bin; the largest value falls in the last
    assert svg.bins([5, 12, 19.9, 20, 35]) == [(0.0, 5.0, 0), (5.0, 10.0, 1), (10.0, 15.0, 1), (15.0, 20.0, 1),
                                               (20.0, 25.0, 1), (25.0, 30.0, 0), (30.0, 35.0, 1)]
    chart = svg.histogram([5, 12, 19.9, 20, 35], "t", "IQ", "ru", ("медиана", 19.9))
    assert "медиана: 19,90" in chart
    base = max(float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)"', chart))
    counts = [t for _, y, t in _texts(chart) if y < base and t.isdigit()]
    assert counts == ["1"] * 5                                            # a count over each filled bin, none over 0
    assert [t for _, y, t in _texts(chart) if y > base][:-1] == ["0", "5", "10", "15", "20", "25", "30", "35"]


def _samples() -> dict[str, str]:
    long = "Административные центры и города-пилоты (до 100 тыс.)"
    return {
        "bars": svg.grouped_bars([f"D{i} Интеллектуальные системы общественной безопасности" for i in range(10)],
                                 [("Петропавловск-Камчатский", [5.0] * 10), ("Медиана группы", [4.0] * 10)], 12, "t",
                                 "ru", "нет данных"),
        "intervals": svg.rank_intervals([("Петропавловск-Камчатский", 1, 1, 3)] * 3, "t"),
        "sobol": svg.sobol_bars([("Агрегирование: направления", 0.1, 0.0, 0.2, 0.3, 0.2, 0.4)], "t", ("Sᵢ", "STᵢ")),
        "scatter": svg.scatter([("А", 10.0, 20.0, 0)], ["Крупнейшие города (от 1 млн)", long], ("IQ, А", "IQ, Б"), "t"),
        "lines": svg.lines([("Этот расчёт (фиксированные границы)", [2018, 2019, 2020, 2021, 2022, 2023],
                             [29.44, 43.21, 47.98, 64.7, None, None])], "t", "IQ", "нет данных", "ru",
                           ("Цель: +30 % к 2018 г. к 2024 г.", 2024, 44.81)),
        "histogram": svg.histogram([1.0, 50.0, 99.0], "t", "IQ", "ru", ("медиана", 50.0)),
        "slopes": svg.rank_slopes([(f"Петропавловск-Камчатский {i}", i, 96 - i) for i in range(1, 96)], ("А", "Б"), "t"),
    }


def test_chart_text_stays_eleven_pixels_on_a_phone():
    """One text size in every chart, and a viewBox narrow enough that a chart shrunk to a
    phone's 358 px keeps it at 11 px; a chart that cannot be that narrow (95 long names on
    both sides of a slope chart) has a min-width that keeps it there, and scrolls in its box."""
    assert svg.FIT == 390
    for name, chart in _samples().items():
        sizes = {float(s) for s in re.findall(r'font-size="([\d.]+)"', chart)}
        assert sizes == {svg.FONT_SIZE}, name
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', chart).group(1))
        shown = svg.PHONE
        floor = re.search(r"min-width:(\d+)px", chart)
        if floor:
            shown = max(shown, float(floor.group(1)))
        assert svg.FONT_SIZE * shown / width >= svg.MIN_TEXT - 1e-9, name
        cap = float(re.search(r"max-width:(\d+)px", chart).group(1))
        assert svg.FONT_SIZE * cap / width <= 16, name                  # readable, not huge, on a large screen
        assert (floor is not None) == (name == "slopes"), name
        # no text starting at x runs past the right edge (its width estimated from above)
        for tag, t in re.findall(r"(<text [^>]*>)([^<]*)<", chart):
            if "text-anchor" not in tag and "rotate" not in tag:
                x = float(re.search(r' x="([\d.-]+)"', tag).group(1))
                assert x + svg.text_width(t) <= width + 1, (name, t)


def test_a_legend_wraps_a_long_name_inside_the_chart():
    parts, height = svg.legend([("#000", "Административные центры и города-пилоты (до 100 тыс.)")], svg.WIDTH)
    lines = re.findall(r">([^<]+)</text>", "".join(parts))
    assert len(lines) == 2 and all(svg.text_width(t) + 16 <= svg.WIDTH for t in lines)
    assert height == 2 * svg.LINE + 4


def test_a_figure_carries_its_table_and_download_name():
    fig = figures.figure("<svg></svg>", figures.stem("2019/base", "group", "krupneyshie"), ["IQ, от — до", "Городов"],
                         [("0–10", 3)], "ru", "Подпись")
    assert fig["stem"] == "2019-base-group-krupneyshie" and fig["summary"] == "Данные графика"
    html = pages._ENV.from_string('{% from "chart.html" import figure %}{{ figure(chart) }}').render(chart=fig)
    assert '<figure class="chart-figure" data-download="2019-base-group-krupneyshie"' in html
    assert '<th scope="col">IQ, от — до</th><th scope="col" class="num">Городов</th>' in html
    assert '<tr><th scope="row">0–10</th><td class="num">3</td></tr>' in html
    assert "<figcaption>Подпись</figcaption>" in html and "chart-download" not in html   # buttons: only by script


# ----------------------------------------------------------------------------- «*» by hand
def test_a_score_is_marked_only_above_the_share_of_estimated_values():
    missing = pd.DataFrame({"city_id": ["a", "a", "b", "x"], "indicator": ["I1", "I3", "I1", "I1"]})
    cities = pd.Index(["a", "b", "c"])
    shares = marks.imputed_shares(missing, cities, {"IQ": ["I1", "I2", "I3", "I4", "I5"], "D1": ["I1", "I2"],
                                                    "D2": ["I3", "I4", "I5"], "D3": []})
    assert shares.loc["a"].tolist() == [0.4, 0.5, pytest.approx(1 / 3), 0.0]     # 2 of 5, 1 of 2, 1 of 3
    assert shares.loc["b"].tolist() == [0.2, 0.5, 0.0, 0.0] and shares.loc["c"].sum() == 0
    marked = marks.marked(shares, 0.2)
    assert marked["IQ"].tolist() == [True, False, False]                 # 20 % exactly is not «more than»


def test_the_published_editions_mark_few_scores():
    """Before: «*» on 181 of 191 cities of 2018 (any imputed value). Now: the index of a
    city is marked when more than 20 % of its indicator values were estimated."""
    from iqlib.publishing.site import SiteRun, load_run

    run = load_run(ROOT / "outputs/2018/base")
    site = SiteRun(run, [run], Path("unused"))
    assert site.meth.report.imputed_mark_share == 0.2                     # the default of the methodology
    counts = site._marks()[site.code]
    assert int(counts.sum()) == 3 and len(counts) == 191


def test_the_edition_page_draws_the_ten_regions_its_heading_counts():
    from iqlib.publishing.site import SiteRun, load_run

    run = load_run(ROOT / "outputs/2019/base")
    regions = SiteRun(run, [run], Path("unused"))._regions()
    assert regions is not None and len(regions["rows"]) == 10 and len(regions["chart"]["rows"]) == 10
    drawn = re.findall(r'<text x="0" y="[\d.]+">([^<]+)</text>', regions["chart"]["svg"])
    assert drawn == [r["region"] for r in regions["rows"]]
    assert regions["chart"]["caption"].startswith("Первые 10 субъектов РФ")


# ----------------------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def browser():
    driver = chromium("1366,900", "--hide-scrollbars")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def mini_site(published_mini, tmp_path_factory) -> Path:
    """The site of the published fixture run in Russian, as tests/test_site.py builds it
    (shared: built once per session)."""
    def build(folder: Path) -> None:
        result = iq("site", "--out", str(folder / "site"), "--language", "ru",
                    env={"IQ_PROJECT_ROOT": str(published_mini)}, cwd=published_mini)
        assert result.returncode == 0, result.stderr

    return built_once(tmp_path_factory, "site-ru", build) / "site"


@pytest.fixture(scope="module")
def demo_pages(tmp_path_factory) -> dict[str, Path]:
    """Pages of the demo's published 2019 run, whose groups are large (95 cities, long
    names): the edition, every group, a city, the method and robustness pages, its
    comparison with the fixed-goalposts scenario, and a series page from the demo's
    national averages."""
    out = built_once(tmp_path_factory, "layout-demo-pages", _demo_pages)       # once per session, not per worker
    return {"edition": out / "2019/base/index.html", "group": out / "2019/base/group-krupnye.html",
            "group-small": out / "2019/base/group-krupneyshie.html", "city": min((out / "2019/base/city").glob("*.html")),
            "method": out / "2019/base/method.html", "robustness": out / "2019/base/robustness.html",
            "comparison": out / "comparison/index.html", "series": out / "series/index.html",
            "wrapped": out / "wrapped.html"}


def _demo_pages(out: Path) -> None:
    from iqlib.publishing.compare import compare_runs
    from iqlib.publishing.site import SiteRun, load_run

    (out / "assets").mkdir()
    for name, content in pages.ASSETS.values():
        (out / "assets" / name).write_text(content, encoding="utf-8")
    run = load_run(ROOT / "outputs/2019/base")
    site = SiteRun(run, [run], out / "2019" / "base")
    site.edition_page()
    for g in run.params.group_codes:
        site.group_page(g)
    site.city_page(run.scores.index[0])
    site.method_page()
    site.robustness_page()
    compare_runs(ROOT / "outputs/2019/base", ROOT / "outputs/2019/reference-bounds", out / "comparison", language="ru")
    years = [2018, 2019, 2020, 2021, 2022, 2023]
    lines = [("Официально", years, [None, 40.67, 44.17, 52.6, 55.0, 61.0]),
             ("Этот расчёт (мин–макс в группе)", years, [34.47, 40.67, 44.17, 52.6, None, None]),
             ("Этот расчёт (фиксированные границы)", years, [29.44, 43.21, 47.98, 64.7, None, None])]
    target = ("Цель: +30 % к 2018 г. к 2024 г.", 2024, 44.81)
    chart = svg.lines(lines, "Средний IQ всех городов по годам", "Средний IQ", "нет данных", "ru", target, official=0)
    rows = [[str(y), *(("—" if v is None else f"{v:.2f}".replace(".", ",")) for _, _, vs in lines for v in [vs[k]])]
            for k, y in enumerate(years)]
    figure = figures.figure(chart, "series-average", ["Год", *(n for n, _, _ in lines)], rows, "ru")
    row = {"year": 2019, "cities": 203, "official": "40,67", "average": "40,67", "official_growth": "—",
           "growth": "18,00", "fixed": "43,21", "growth_fixed": "46,77", "method": "iq_v1"}
    (out / "series").mkdir()
    (out / "series" / "index.html").write_text(pages.render(
        "series", "ru", "../", section="series", standalone=True, title="Ряд", heading="Ряд", synthetic=True,
        rows=[row], groups=[], chart=figure, conflicts=[], csvs=[], methods=["iq_v1"], base_year=2018, regions=None),
        encoding="utf-8")
    chart = svg.histogram([1.0, 2.0, 3.0], "Гистограмма", "IQ", "ru")    # a chart in a box of its own, as a city page has
    (out / "wrapped.html").write_text(
        f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>т</title>'
        f'<link rel="stylesheet" href="assets/{pages.ASSETS["css"][0]}"></head><body><main>'
        f'<figure class="chart-figure" data-download="wrapped"><div class="scroll">{chart}</div>'
        f'<details class="chart-data"><summary>Данные графика</summary><table><tr><th scope="col">IQ</th>'
        f'<th scope="col">Городов</th></tr><tr><th scope="row">0–5</th><td>3</td></tr></table></details></figure>'
        f'</main><script src="assets/{pages.ASSETS["js"][0]}"></script></body></html>', encoding="utf-8")


def _open(browser, page: Path, width: int):
    browser.set_window_size(width, 900)
    browser.get(page.as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    assert browser.execute_script("return document.documentElement.clientWidth") == width
    return browser


OVERFLOW = """var vw = document.documentElement.clientWidth, bad = [];
document.querySelectorAll('body *').forEach(function (e) {
  var r = e.getBoundingClientRect();
  if (r.width === 0 || (r.right <= vw + 0.5 && r.left >= -0.5)) { return; }
  for (var a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    var o = getComputedStyle(a).overflowX;
    if (o === 'auto' || o === 'scroll' || o === 'hidden') { return; }      /* it scrolls in its own box */
  }
  bad.push(e.tagName + '.' + e.className + ' ends at ' + Math.round(r.right));
});
return [document.documentElement.scrollWidth, bad.slice(0, 5)];"""


@pytest.mark.e2e
@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(mini_site, demo_pages, browser, width):
    run = mini_site / "2019" / "mini"
    every = [mini_site / "index.html", run / "index.html", next(run.glob("group-*.html")), next(run.glob("city/*.html")),
             run / "method.html", run / "robustness.html", run / "notebooks/04_rank.html",
             run / "notebooks/04_rank-code.html", run / "notebooks/01_load.html", mini_site / "404.html",
             *demo_pages.values()]
    for page in every:
        scroll, bad = _open(browser, page, width).execute_script(OVERFLOW)
        assert scroll <= width and not bad, (page, width, scroll, bad)


@pytest.mark.e2e
@pytest.mark.parametrize("width", WIDTHS)
def test_the_group_table_keeps_place_city_and_index_in_view(demo_pages, browser, width):
    from selenium.webdriver.common.by import By

    _open(browser, demo_pages["group"], width)
    box = browser.find_element(By.CSS_SELECTOR, ".table-box")
    assert box.size["height"] <= 0.8 * 900 + 1            # its scrollbar is on screen without scrolling past the rows

    def spots() -> list[list[float]]:
        return browser.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('#ranking tbody tr:nth-child(-n+20)'), function (r) {"
            "  return ['.c-rank', '.c-city', '.c-index'].map(function (c) { var b = r.querySelector(c).getBoundingClientRect();"
            "    return [b.left, b.right]; }); });")
    first = spots()
    assert len(first) == 20
    for row in first:
        for left, right in row:
            assert 0 <= left and right <= width, (width, row)
    browser.execute_script("arguments[0].scrollLeft = 400; arguments[0].scrollTop = 300", box)
    if width >= 1366:                                     # a laptop: the whole table fits, D1–D10 included
        assert browser.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", box)
        assert browser.execute_script("return arguments[0].scrollLeft", box) == 0
    else:                                                 # a phone: the directions scroll sideways
        assert browser.execute_script("return arguments[0].scrollLeft", box) > 0
    rank, city = browser.execute_script(
        "var r = document.querySelector('#ranking tbody tr'); return [r.querySelector('.c-rank').getBoundingClientRect().left,"
        " r.querySelector('.c-city').getBoundingClientRect().left]")
    assert rank == pytest.approx(first[0][0][0], abs=1) and city == pytest.approx(first[0][1][0], abs=1)   # sticky
    header = browser.execute_script("return document.querySelector('#ranking thead th').getBoundingClientRect().top")
    assert header == pytest.approx(box.rect["y"] - browser.execute_script("return scrollY") + 1, abs=2)     # on top
    # sorting still works on the reordered columns: the index is the third
    browser.execute_script("arguments[0].scrollLeft = 0; arguments[0].scrollTop = 0", box)
    browser.find_elements(By.CSS_SELECTOR, "#ranking th button")[2].click()
    values = [float(v) for v in browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#ranking tbody tr td.c-index'),"
        " function (c) { return c.getAttribute('data-value'); }).filter(function (v) { return v !== ''; })")]
    assert values == sorted(values) and len(values) > 50


@pytest.mark.e2e
@pytest.mark.parametrize("width", WIDTHS)
def test_chart_text_is_at_least_eleven_pixels(mini_site, demo_pages, browser, width):
    run = mini_site / "2019" / "mini"
    measured = 0
    for page in [run / "index.html", next(run.glob("city/*.html")), next(run.glob("group-*.html")), run / "robustness.html",
                 demo_pages["edition"], demo_pages["group"], demo_pages["robustness"], demo_pages["comparison"],
                 demo_pages["series"]]:
        sizes = _open(browser, page, width).execute_script(
            "var out = []; document.querySelectorAll('svg.chart').forEach(function (s) {"
            "  var k = s.getBoundingClientRect().width / s.viewBox.baseVal.width;"
            "  s.querySelectorAll('text').forEach(function (t) { if (t.textContent.trim())"
            "    out.push(parseFloat(getComputedStyle(t).fontSize) * k); }); }); return out;")
        assert sizes, page
        measured += len(sizes)
        assert min(sizes) >= 11 - 0.01, (page, width, min(sizes))
        assert max(sizes) <= 16 + 0.01, (page, width, max(sizes))
    assert measured > 500


@pytest.mark.e2e
def test_every_chart_downloads_as_png_svg_and_csv(demo_pages, browser):
    from selenium.webdriver.common.by import By

    for page in (demo_pages["group"], demo_pages["series"], demo_pages["robustness"], demo_pages["wrapped"]):
        _open(browser, page, 1366)
        figures_here = browser.find_elements(By.CSS_SELECTOR, "figure.chart-figure")
        assert figures_here and all(len(f.find_elements(By.CSS_SELECTOR, ".chart-download button")) == 3
                                    for f in figures_here)
        browser.execute_script(
            "window.__got = []; URL.createObjectURL = function (b) { window.__got.push(b); return 'blob:test'; };"
            "HTMLAnchorElement.prototype.click = function () { window.__got.push(this.download); };")
        for button in figures_here[0].find_elements(By.CSS_SELECTOR, ".chart-download button"):
            button.click()
        got = browser.execute_async_script(
            "var done = arguments[0], wait = function () {"
            "  if (window.__got.length < 6) { return setTimeout(wait, 50); }"
            "  Promise.all(window.__got.filter(function (g) { return typeof g !== 'string'; }).map(function (b) {"
            "    return b.arrayBuffer().then(function (a) { var s = '', u = new Uint8Array(a);"
            "      for (var i = 0; i < u.length; i++) { s += String.fromCharCode(u[i]); }"
            "      return [b.type, btoa(s)]; }); })).then(function (blobs) {"
            "    done([window.__got.filter(function (g) { return typeof g === 'string'; }), blobs]); }); };"
            "wait();")
        names, blobs = got
        stem = figures_here[0].get_attribute("data-download")
        assert sorted(names) == sorted(f"{stem}.{k}" for k in ("png", "svg", "csv")), page
        data = {kind: base64.b64decode(raw) for kind, raw in blobs}
        assert set(data) == {"image/png", "image/svg+xml", "text/csv;charset=utf-8"}
        assert data["image/png"].startswith(b"\x89PNG\r\n\x1a\n") and len(data["image/png"]) > 5000
        width = int.from_bytes(data["image/png"][16:20], "big")
        view = float(browser.execute_script("return arguments[0].querySelector('svg').viewBox.baseVal.width", figures_here[0]))
        assert width == round(2 * view)                                    # drawn at 2×
        root = ET.fromstring(data["image/svg+xml"])
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("width") == f"{view:g}"
        csv = data["text/csv;charset=utf-8"]
        assert csv.startswith(b"\xef\xbb\xbf")                            # UTF-8 with BOM for Excel
        lines = csv[3:].decode("utf-8").split("\r\n")
        table = figures_here[0].find_element(By.CSS_SELECTOR, "details table")
        assert len([ln for ln in lines if ln]) == len(table.find_elements(By.TAG_NAME, "tr"))
        assert all(";" in ln for ln in lines if ln) and not re.search(r"\d\.\d", csv.decode("utf-8"))


@pytest.mark.e2e
def test_without_javascript_a_figure_keeps_its_picture_and_table(demo_pages):
    for page in demo_pages.values():
        html = page.read_text(encoding="utf-8")
        assert "chart-download" not in html                                # buttons come only with the script
        for fig in re.findall(r'<figure class="chart-figure".*?</figure>', html, re.S):
            assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in fig and "<title>" in fig
            # its numbers as a table: folded under the chart, or shown beside it (the passport's directions)
            assert '<details class="chart-data"><summary>Данные графика</summary>' in fig or re.search(r"</svg>.*<table", fig, re.S)
            assert not re.search(r"<th(?![^>]*scope=)[ >]", fig)           # every header cell has its scope
    group = demo_pages["group"].read_text(encoding="utf-8")
    assert "chart-figure" in group                                        # a chart on each group page
    # every column is explained under the table, by its own header's words
    headers = re.findall(r'<th scope="col"[^>]*><button[^>]*>([^<]+)</button></th>', group)
    assert headers[:4] == ["Место", "Город", "IQ", "Интервал"] and headers[-1] == "D10"
    notes = re.findall(r"<li>([^<]*)", group.split('<ul class="columns">')[1])
    for header in headers:
        assert any(n.startswith(f"{header} — ") for n in notes), header
    assert "Интервал — интервал места из анализа неопределённости" in group
    assert re.search(r"<p>\* — балл опирается на оценённые значения: у города больше 20 % значений", group)
