"""What readers see: numbers in the edition's language, the notebooks' tables, formulas,
and the pages' stylesheets and charts made smaller without changing how they look."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from iqlib.config.params import load_params
from iqlib.io.runfolder import _compact_svg
from iqlib.presentation import tables
from iqlib.presentation.text import THIN, number
from iqlib.publishing.notebook_html import _formulas, _used_css


@pytest.fixture(scope="module")
def ru():
    return load_params("params/editions/2019.yaml", check_inputs=False)


def test_numbers_use_a_minus_sign_and_never_a_negative_zero():
    assert number(-1.5) == "\u22121,50"
    assert number(-1234.5, 1, "en") == "\u22121,234.5"
    assert number(-0.001) == "0,00"             # rounds to zero: no sign
    assert number(-0.004, 3) == "\u22120,004"
    assert number(1234567.891) == f"1{THIN}234{THIN}567,89"
    assert number(float("nan")) == "—"


def test_a_notebook_table_is_text_for_nbval_and_russian_html_for_readers(ru):
    frame = pd.DataFrame({"group": ["krupneyshie", "all"], "city_ru": ["Казань", None], "IQ": [71.574, -2.0],
                          "cities": [12, 1234], "outside_in_group": [True, False], "input": ["weights.direction", "imputation"]})
    shown = tables.show(frame, ru)
    text = ("      group city_ru    IQ  cities  outside_in_group             input\n"   # what nbval compares:
            "krupneyshie  Казань 71.57      12              True weights.direction\n"   # codes, decimal point,
            "        all       — -2.00    1234             False        imputation")    # columns right-aligned
    assert repr(shown) == text
    page = shown._repr_html_()
    headers = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", page)
    assert headers == ["Группа", "Город", "IQ городов", "Городов", "Место вне интервала", "Решение методики"]
    first, second = re.findall(r"<tr>(.*?)</tr>", page)[1:]
    assert re.findall(r"<td[^>]*>(.*?)</td>", first) == [
        "Крупнейшие города (от 1 млн)", "Казань", "71,57", "12", "да", "Веса: направления"]
    assert re.findall(r"<td[^>]*>(.*?)</td>", second) == [
        "Все города", "—", "\u22122,00", f"1{THIN}234", "нет", "Правило пропусков"]
    assert "<pre>" not in page and "krupneyshie" not in page and "71.57" not in page   # the page holds no code


def test_a_readers_table_has_no_code_flag_as_a_number_or_slug(ru):
    """The reader's form leaves out the city code beside the name, says yes/no for the
    roster's 1/0 flags, names kinds by their unit, the accounting's sum row and every
    group column by its name; the text form nbval compares keeps the codes."""
    frame = pd.DataFrame({"city_id": ["moskva", "TOTAL"], "city_ru": ["Москва", None], "pilot": [0, 1],
                          "regional_capital": [1, 0], "group_official": ["krupneyshie", None],
                          "kind": ["density_per_km2", "presence"], "indicator": ["I01", "TOTAL"]})
    shown = tables.show(frame, ru)
    assert "moskva" in repr(shown) and "density_per_km2" in repr(shown) and "TOTAL" in repr(shown)
    page = shown._repr_html_()
    assert re.findall(r"<th(?: [^>]*)?>(.*?)</th>", page) == [
        "Город", "Пилотный город", "Административный центр субъекта", "Группа в официальном списке", "Вид показателя",
        "Показатель"]
    first, second = re.findall(r"<tr>(.*?)</tr>", page)[1:]
    assert re.findall(r"<td[^>]*>(.*?)</td>", first) == [
        "Москва", "нет", "да", "Крупнейшие города (от 1 млн)", "на 1 км² городских земель", "I01"]
    assert re.findall(r"<td[^>]*>(.*?)</td>", second) == ["—", "да", "нет", "—", "наличие (1 — есть, 0 — нет)", "Итого"]


def test_a_notebook_table_in_english_and_with_its_own_decimals(ru):
    en = type(ru)(ru.edition.model_copy(update={"language": "en"}), ru.methodology, ru.edition_path, ru.methodology_path,
                  ru.files)
    frame = pd.DataFrame({"group": ["krupnye"], "mean": [55.123], "p_index": [0.0004], "share_pct": [1234.5],
                          "missing_rule": ["group_mean"]})
    shown = tables.show(frame, en, decimals=3, column_decimals={"share_pct": 1})
    assert repr(shown) == ("  group   mean  p_index share_pct missing_rule\n"    # pandas' widths: a float
                           "krupnye 55.123    0.000    1234.5   group_mean")    # column may get a space more
    page = shown._repr_html_()
    assert re.findall(r"<th(?: [^>]*)?>(.*?)</th>", page) == ["Group", "Mean", "p (index)", "Share of the index, %",
                                                             "Missing-data rule"]
    assert re.findall(r"<td[^>]*>(.*?)</td>", page) == [
        "Large cities (250 000 – 999 999)", "55.123", "&lt; 0.001", "1,234.5", "mean of the city&#x27;s group"]
    assert "<pre>" not in page


def test_an_empty_table_says_none_in_the_editions_language(ru):
    empty = tables.show(pd.DataFrame({"city_id": []}), ru)
    assert repr(empty) == "Нет."
    assert empty._repr_html_() == "<p>Нет.</p>"


def test_the_stylesheet_keeps_only_what_the_page_uses():
    css = (":root{--a:red;--b:var(--a);--unused:blue;--c:1px}"
           ".used{color:var(--b)}.gone{color:var(--unused)}.used .gone,.used>p{margin:var(--c)}"
           "p{padding:0}.x:not(.gone){top:0}@media print{.gone{display:none}.used{display:block}}"
           "@media screen{.gone{top:1px}}")
    out = _used_css(css, {"used", "x"})
    assert out == (":root{--a:red;--b:var(--a);--c:1px}.used{color:var(--b)}.used>p{margin:var(--c)}"
                   "p{padding:0}.x:not(.gone){top:0}@media print{.used{display:block}}")


def test_a_compact_svg_keeps_its_drawing_and_its_text():
    svg = ('<svg>\n  <g id="patch_1">\n    <path d="M 0.123456 1 L 2 3" style="fill: #fff"/>\n  </g>\n'
           '  <g id="text_1">\n    <text x="1.23456">0.12345</text>\n  </g>\n'
           '  <g id="legend_1">\n    <path d="M 0 0"/>\n    <path d="M 1 1"/>\n  </g>\n</svg>\n')
    assert _compact_svg(svg) == ('<svg><path d="M 0.12 1 L 2 3" style="fill: #fff"/><text x="1.23">0.12345</text>'
                                 '<g id="legend_1"><path d="M 0 0"/><path d="M 1 1"/></g></svg>\n')


def test_formulas_are_drawn_without_mathjax():
    out = _formulas("Индекс $S_i$ стоит $5, а $$ST_i$$ — отдельно; $\\nosuchcommand$ остаётся")
    inline, display = re.findall(r'<svg role="img" aria-label="([^"]*)"', out)
    assert (inline, display) == ("S_i", "ST_i")
    assert "стоит $5, а" in out and '<div class="formula"><svg' in out
    assert "$\\nosuchcommand$ остаётся" in out
    assert re.search(r"<tspan[^>]*>S</tspan><tspan[^>]*font-size: 9.1px[^>]*>i</tspan>", out)
    assert " id=" not in out


def test_every_node_below_the_index_gets_its_own_colour():
    from iqlib.presentation.charts import palette

    ten, fourteen = palette(10), palette(14)
    assert fourteen[:10] == ten and len(set(fourteen)) == 14      # the first ten unchanged, then lighter
    assert all(0 <= c <= 1 for colour in fourteen for c in colour)


def test_a_dollar_in_a_city_name_is_drawn_as_text(ru):
    from iqlib.presentation import charts

    charts.setup_matplotlib()
    scores = pd.DataFrame({"city_id": ["a", "b"], "city_ru": [r"$\foo{", "Б$1$"], "region_ru": ["x", "y"],
                           "group": ["krupnye", "krupnye"], "IQ": [50.0, 40.0], "rank_in_group": [1, 2],
                           **{f"D{i}": [5.0, 4.0] for i in range(1, 11)}})
    fig = charts.leaderboard(scores, ru, "krupnye")
    fig.canvas.draw()                              # mathtext would fail on '\foo{'
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels == [r"1. $\foo{", "2. Б$1$"]
