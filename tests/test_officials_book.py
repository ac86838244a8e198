"""The officials' downloads (issue 22, item 1): the Excel book of a run and of the series
opened with openpyxl, and the CSV for Excel read as text. Layout: place, city, IQ and rank
interval first; panes frozen below the header and right of the city; an autofilter over
the table; sheet names of at most 31 characters fitted by whole words; the synthetic notice
on every sheet; landscape printing one page wide with the header rows repeated and a footer;
the publisher and the edition's date as document properties; numbers stored as numbers with
two decimals shown. Built from the published demo (cheap: the writers read a run folder)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from iqlib.config.params import load_params, load_series
from iqlib.io.downloads import Book, Sheet, fit_sheet_name, fit_sheet_names, unique_sheet_name, write_book
from iqlib.publishing.filenames import book_name, excel_csv_name, run_stem, series_stem
from iqlib.publishing.officials_book import RunBook, SeriesBook, direction_sheet_names, group_sheet_names
from iqlib.publishing.series import series_params
from iqlib.publishing.site import load_run

RUN = ROOT / "outputs" / "2019" / "base"
SERIES = ROOT / "outputs" / "series" / "iq_v1"
NOTICE = "Синтетические демонстрационные данные — не официальные значения"
PUBLISHER = "IQ городов — открытый набор инструментов (демонстрационные данные)"
EDITION_DATE = dt.datetime(2026, 12, 4)


# ----------------------------------------------------------------------------- the short-name rule
def test_a_sheet_name_is_shortened_by_whole_words_at_a_phrase_boundary():
    assert fit_sheet_name("Рейтинг") == "Рейтинг"                                   # fits: as it is
    assert fit_sheet_name("Официальные данные и этот расчёт") == "Официальные данные"  # 32 → before «и»
    assert fit_sheet_name("Крупные города (250 тыс. – 1 млн)") == "Крупные города"   # never a cut bracket
    assert fit_sheet_name("Административные центры и города-пилоты (до 100 тыс.)") == "Административные центры"
    assert fit_sheet_name("Группа 2 — 250 тыс. – 1 млн") == "Группа 2 — 250 тыс. – 1 млн"   # 27: fits
    assert fit_sheet_name("Итоги: группы/регионы [все]") == "Итоги группы регионы все"    # Excel's forbidden characters
    assert fit_sheet_name("Аааааааааа Бббббббббб Ввввввввв Гггг") == "Аааааааааа Бббббббббб Ввввввввв"  # 31: 3 words
    assert fit_sheet_name("Аааааааааа Бббббббббб Вввввввввв Гггг") == "Аааааааааа Бббббббббб"  # 32: 2 words
    assert fit_sheet_name("Ж" * 40) == "Ж" * 31          # a single word longer than a sheet name: nothing better exists


def test_sibling_names_first_lose_the_words_they_share():
    names = ["D1 Городское управление", "D5 Интеллектуальные системы общественной безопасности",
             "D6 Интеллектуальные системы экологической безопасности", "D8 Интеллектуальные системы социальных услуг",
             "D9 Экономическое состояние и инвестиционный климат", "D10 Инфраструктура сетей связи"]
    assert fit_sheet_names(names, keep=1) == ["D1 Городское управление", "D5 Общественной безопасности",
                                              "D6 Экологической безопасности", "D8 Социальных услуг",
                                              "D9 Экономическое состояние", "D10 Инфраструктура сетей связи"]


def test_a_sheet_name_already_taken_gets_a_number_excel_compares_without_case():
    assert unique_sheet_name("Рейтинг", ["Методика"]) == "Рейтинг"
    assert unique_sheet_name("Рейтинг", ["рейтинг"]) == "Рейтинг 2"
    assert unique_sheet_name("Рейтинг", ["Рейтинг", "Рейтинг 2"]) == "Рейтинг 3"
    long = "Аааааааааа Бббббббббб Вввввввввв"[:31]
    assert unique_sheet_name(long, [long]) == "Аааааааааа Бббббббббб 2"


def test_file_names_carry_the_index_edition_and_scenario_and_never_repeat_across_editions():
    seen: dict[str, str] = {}
    for man in sorted((ROOT / "outputs").glob("*/*/manifest.json")):
        data = json.loads(man.read_text(encoding="utf-8"))
        if "series" in data:
            continue
        p = load_params(data["params"]["path"], check_inputs=False)
        stem = run_stem(p)
        assert stem == f"iq-{data['edition']}-{data['scenario']}"
        names = [book_name(p), *(excel_csv_name(stem, t) for t in ("scores", "regions", "normalised"))]
        for name in names:
            assert name not in seen, (name, man, seen.get(name))
            seen[name] = str(man)
    assert {"iq-2019-base.xlsx", "iq-2020-base.xlsx", "iq-2019-reference-bounds.xlsx"} <= set(seen)
    s = load_series("params/series/iq_v1.yaml")
    assert series_stem(series_params(s), 2018, 2021) == "iq-series-2018-2021"


def test_a_small_book_is_laid_out_and_byte_identical_when_written_again(tmp_path):
    frame = pd.DataFrame({"Место": [1, 2], "Город": ["Казань", "=HYPERLINK(1)"], "IQ": [71.567, 3.0],
                          "Код города": ["kazan", "x"]})
    book = Book(title="Книга", creator="Издатель", created=EDITION_DATE, footer="IQ & Co, 2019", page_words="Стр. &P")
    sheets = [Sheet("Лист", frame, title="Заголовок", notice="=Внимание", frozen_columns=2, printed_columns=3)]
    a = write_book(sheets, tmp_path / "a.xlsx", book)
    assert write_book(sheets, tmp_path / "b.xlsx", book).read_bytes() == a.read_bytes()
    wb = load_workbook(a)
    ws = wb["Лист"]
    assert [ws.cell(1, 1).value, ws.cell(2, 1).value] == ["Заголовок", "'=Внимание"]    # the notice is no formula
    assert [c.value for c in ws[3]] == ["Место", "Город", "IQ", "Код города"]
    assert ws.freeze_panes == "C4" and ws.auto_filter.ref == "A3:D5"
    assert ws.print_title_rows == "$1:$3" and ws.print_area == "'Лист'!$A$1:$C$5"     # the code stays off paper
    assert ws["C4"].value == 71.567 and ws["C4"].number_format == "0.00" and ws["A4"].number_format == "0"
    assert ws["B5"].value == "'=HYPERLINK(1)"
    assert ws.oddFooter.left.text == "IQ && Co, 2019" and ws.oddFooter.right.text == "Стр. &P"
    assert wb.properties.creator == "Издатель" and wb.properties.created == EDITION_DATE
    assert wb.properties.modified == EDITION_DATE


# ----------------------------------------------------------------------------- the 2019 book
@pytest.fixture(scope="module")
def book_2019(tmp_path_factory) -> tuple[Path, RunBook]:
    out = tmp_path_factory.mktemp("officials") / "downloads"
    run = load_run(RUN)
    book = RunBook(run.folder, run.params)
    book.write_book(out)
    book.write_excel(out)
    return out, book


@pytest.fixture(scope="module")
def wb_2019(book_2019):
    """The 2019 book as openpyxl reads it (once: reading takes about a second)."""
    return load_workbook(book_2019[0] / "iq-2019-base.xlsx")


RANKING_SHEETS = 1 + 4 + 10 + 1        # overall, the groups, the directions, the indicators


def expected_names(book: RunBook) -> list[str]:
    p = book.p
    return ["Рейтинг", *group_sheet_names(p), *direction_sheet_names(p, book.directions),
            "Показатели", "Итоги по группам", "Регионы", "Интервалы мест", "Официальные данные", "Методика", "Манифест"]


def words_of(text: str) -> set[str]:
    return {w.strip("().,:«»") for w in text.split()}


@pytest.mark.slow
def test_the_2019_book_has_every_sheet_named_by_its_rule(book_2019, wb_2019):
    out, book = book_2019
    wb = wb_2019
    names = expected_names(book)
    assert wb.sheetnames == names
    assert names[1:5] == ["Группа 1 — от 1 млн", "Группа 2 — 250 тыс. – 1 млн", "Группа 3 — 100–250 тыс.",
                          "Группа 4 — до 100 тыс."]
    assert "D5 Общественной безопасности" in names and "D9 Экономическое состояние" in names
    assert len({n.casefold() for n in names}) == len(names)
    for ws in wb:
        assert len(ws.title) <= 31
        title = ws.cell(1, 1).value                     # the full name is the title row: no word of the tab is cut
        tab_words = words_of(ws.title) - {"—", "Группа", "1", "2", "3", "4"}
        assert tab_words <= words_of(title) | {w.capitalize() for w in words_of(title)}, (ws.title, title)


@pytest.mark.slow
def test_the_2019_book_has_the_officials_layout_on_every_sheet(book_2019, wb_2019):
    out, book = book_2019
    wb = wb_2019
    assert wb.properties.title == "IQ городов — 2019 (демонстрационный расчёт на синтетических данных): таблицы"
    assert wb.properties.creator == PUBLISHER
    assert wb.properties.created == EDITION_DATE and wb.properties.modified == EDITION_DATE
    for i, ws in enumerate(wb):
        assert ws.cell(2, 1).value == NOTICE, ws.title               # the synthetic notice on every sheet
        last = get_column_letter(ws.max_column)
        assert ws.auto_filter.ref == f"A3:{last}{ws.max_row}", ws.title
        assert ws.print_title_rows == "$1:$3"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddFooter.left.text == "IQ городов, издание 2019, базовый расчёт"
        assert ws.oddFooter.right.text == "Страница &P из &N"
        assert ws.row_dimensions[3].height > 15 and all(c.alignment.wrap_text for c in ws[3])
        widths = [ws.column_dimensions[get_column_letter(j)].width for j in range(1, ws.max_column + 1)]
        assert max(widths) <= 30, ws.title
        headers = [c.value for c in ws[3]]
        if i < RANKING_SHEETS:
            place = "Место среди всех городов" if i == 0 else "Место в группе"
            interval = "Интервал места среди всех" if i == 0 else "Интервал места в группе"
            assert headers[:5] == [place, "Город", "IQ городов", interval, "Субъект РФ"], ws.title
            assert ws.freeze_panes == "C4" and headers[-1] == "Код города"
            assert ws.print_area.endswith(f"$A$1:${get_column_letter(ws.max_column - 1)}${ws.max_row}")
    overall = wb["Рейтинг"]
    headers = [c.value for c in overall[3]]
    assert headers[5:8] == ["Группа", "Место в группе", "D1 Городское управление"]   # then the directions
    assert [c.value for c in overall[4]][:5] == [1, "Москва", 89.65, "1–4", "г. Москва"]
    assert wb["Группа 1 — от 1 млн"]["D4"].value == "1"                                # Moscow: 1–1 in its group
    assert [c.value for c in wb["Регионы"][3]][:4] == ["Место", "Субъект РФ", "Городов", "IQ городов"]
    assert wb["Официальные данные"].freeze_panes == "C4"
    assert [c.value for c in wb["Официальные данные"][3]][:3] == ["Место (официально)", "Город", "Балл (официально)"]


@pytest.mark.slow
def test_the_2019_book_holds_the_runs_numbers_as_numbers_with_two_decimals(book_2019, wb_2019):
    out, book = book_2019
    wb = wb_2019
    scores = pd.read_csv(RUN / "results" / "scores.csv").set_index("city_ru")
    normalised = pd.read_csv(RUN / "results" / "normalised.csv").set_index("city_id")
    for ws in wb:
        for row in ws.iter_rows(min_row=4):
            for cell in row:
                if isinstance(cell.value, float):
                    assert cell.number_format == "0.00", (ws.title, cell.coordinate)
                elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    assert cell.number_format in ("0", "0.00"), (ws.title, cell.coordinate)
                elif isinstance(cell.value, str):
                    assert not re.fullmatch(r"-?\d+[.,]\d+", cell.value), (ws.title, cell.coordinate, cell.value)
    overall = pd.DataFrame(wb["Рейтинг"].values).iloc[2:]
    overall = overall.rename(columns=overall.iloc[0]).iloc[1:].set_index("Город")
    assert len(overall) == len(scores)
    assert overall["IQ городов"].astype(float).equals(scores["IQ"].reindex(overall.index).astype(float))
    d5 = pd.DataFrame(wb["D5 Общественной безопасности"].values).iloc[2:]
    d5 = d5.rename(columns=d5.iloc[0]).iloc[1:].set_index("Код города")
    kids = [c for c in d5.columns if re.match(r"I\d\d ", str(c))]
    assert kids and len(d5) == len(normalised)
    code = kids[0].split()[0]
    assert (d5[kids[0]].astype(float) - normalised[code].reindex(d5.index)).abs().max() < 1e-12
    assert set(d5["Город"]) == set(scores.index)


@pytest.mark.slow
def test_every_csv_for_excel_of_2019_has_city_names_two_decimals_and_russian_headers(book_2019):
    out, book = book_2019
    files = sorted((out / "excel").glob("*.csv"))
    assert [f.name for f in files] == sorted(f"iq-2019-base-{t}.csv" for t in book.excel_tables())
    assert len(files) == 12
    for f in files:
        raw = f.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), f.name
        table = pd.read_csv(f, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert all(re.search("[а-яё]", h, re.I) for h in table.columns if not re.fullmatch(r"[A-Z]+\d*", h)), f.name
        if "Код города" in table.columns:
            assert table.columns[-1] == "Код города" and "Город" in table.columns and "Субъект РФ" in table.columns
            assert (table["Город"] != "").all(), f.name
        cells = table.to_numpy().ravel()
        assert not [c for c in cells if re.fullmatch(r"-?\d+\.\d+", c)], f.name            # no decimal point
        bad = [c for c in cells if re.fullmatch(r"-?\d+,\d+", c) and not re.fullmatch(r"-?\d+,\d\d", c)]
        assert not bad, (f.name, bad[:5])                                                   # two decimals throughout
    regions = (out / "excel" / "iq-2019-base-regions.csv").read_text(encoding="utf-8-sig")
    assert "12;Костромская область;1;52,60;Кострома" in regions                          # 52.6 is written 52,60
    normalised = pd.read_csv(out / "excel" / "iq-2019-base-normalised.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert normalised.columns[:3].tolist() == ["Город", "Субъект РФ", "I01 Наличие цифровой платформы вовлечения граждан "
                                                                        "в решение вопросов городского развития"]
    assert normalised.iloc[0, :4].tolist() == ["Москва", "г. Москва", "10,00", "12,00"]
    scores = pd.read_csv(out / "excel" / "iq-2019-base-scores.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert scores.columns[:4].tolist() == ["Место в группе", "Город", "IQ городов", "Субъект РФ"]


# ----------------------------------------------------------------------------- the series
@pytest.fixture(scope="module")
def series_book(tmp_path_factory) -> tuple[Path, SeriesBook]:
    out = tmp_path_factory.mktemp("officials-series") / "downloads"
    s = load_series("params/series/iq_v1.yaml")
    book = SeriesBook(SERIES, "IQ городов по годам", s.synthetic, series_params(s))
    book.write_book(out)
    book.write_excel(out)
    return out, book


@pytest.mark.slow
def test_the_series_book_has_the_officials_layout(series_book):
    out, book = series_book
    wb = load_workbook(out / "iq-series-2018-2021.xlsx")
    assert wb.sheetnames == ["Средний IQ по годам", "Средний IQ по группам и годам", "Города по годам",
                             "Изменения по изданиям", "Лидеры роста и падения", "Регионы по годам", "Издания ряда"]
    assert wb.properties.title == "IQ городов по годам" and wb.properties.creator == PUBLISHER
    assert wb.properties.created == EDITION_DATE
    for ws in wb:
        assert len(ws.title) <= 31 and ws.cell(2, 1).value == NOTICE
        assert ws.auto_filter.ref == f"A3:{get_column_letter(ws.max_column)}{ws.max_row}"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1 and ws.print_title_rows == "$1:$3"
        assert ws.oddFooter.left.text == "IQ городов, издания 2018–2021" and ws.oddFooter.right.text == "Страница &P из &N"
    cities = wb["Города по годам"]
    assert cities.freeze_panes == "C4"
    assert [c.value for c in cities[3]][:7] == ["Место в группе 2021", "Город", "IQ 2021", "Субъект РФ", "Группа 2021",
                                                "IQ 2018", "Место в группе 2018"]
    panel = pd.read_csv(SERIES / "results" / "panel.csv")
    moscow = panel[panel["city_id"] == "moskva"].set_index("year")
    row = [c.value for c in cities[4]]
    assert row[:3] == [1, "Москва", moscow.at[2021, "score"]] and row[5] == moscow.at[2018, "score"]
    assert cities["C4"].number_format == "0.00" and cities["A4"].number_format == "0"
    assert [c.value for c in cities[3]][-1] == "Код города"
    assert cities.max_row - 3 == panel["city_id"].nunique()


@pytest.mark.slow
def test_the_series_csv_for_excel_has_russian_headers_decimal_commas_and_city_names(series_book):
    out, book = series_book
    files = sorted((out / "excel").glob("*.csv"))
    assert {f.name for f in files} == {f"iq-series-2018-2021-{t}.csv" for t in SeriesBook.TABLES}
    for f in files:
        table = pd.read_csv(f, sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        assert all(re.search("[а-яё]", h, re.I) or h.startswith("IQ") for h in table.columns), f.name
        cells = table.to_numpy().ravel()
        assert not [c for c in cells if re.fullmatch(r"-?\d+\.\d+", c)], f.name
        assert not [c for c in cells if re.fullmatch(r"-?\d+,\d+", c) and not re.fullmatch(r"-?\d+,\d\d", c)], f.name
        if "Код города" in table.columns:
            assert (table["Город"] != "").all() and (table["Субъект РФ"] != "").all()
    panel = (out / "excel" / "iq-series-2018-2021-panel.csv").read_bytes().decode("utf-8-sig")
    assert panel.startswith("Город;Субъект РФ;Год;Группа;Место;Балл (этот расчёт);Балл, фикс. границы;Код города\r\n"
                            "Москва;г. Москва;2018;Крупнейшие города (от 1 млн);1;81,19;63,02;moskva\r\n")


@pytest.mark.slow
def test_the_2019_book_is_the_same_bytes_when_written_again(book_2019, tmp_path):
    out, book = book_2019
    again = book.write_book(tmp_path)
    assert again.read_bytes() == (out / "iq-2019-base.xlsx").read_bytes()


# ----------------------------------------------------------------------------- every published book
@pytest.mark.slow
@pytest.mark.parametrize("key", ["2018/base", "2019/base", "2019/reference-bounds", "2020/base", "2021/base"])
def test_every_published_runs_book_on_the_site_has_the_layout_and_the_runs_scores(demo_site, key):
    """The book the site offers for each published run: its sheets named by the rule, the
    notice, frozen panes, the filter and the print setup on every sheet, the edition's
    publisher and date, and the overall ranking's IQ equal to scores.csv."""
    run = load_run(ROOT / "outputs" / key)
    book = RunBook(run.folder, run.params)
    wb = load_workbook(demo_site / key / "downloads" / book_name(run.params), read_only=False)
    assert wb.sheetnames == expected_names(book)
    publication = run.params.edition.publication
    assert wb.properties.creator == PUBLISHER and publication is not None
    assert wb.properties.created.date() == publication.date_published
    for i, ws in enumerate(wb):
        assert len(ws.title) <= 31 and ws.cell(2, 1).value == NOTICE, ws.title
        assert ws.auto_filter.ref == f"A3:{get_column_letter(ws.max_column)}{ws.max_row}", ws.title
        assert ws.print_title_rows == "$1:$3" and ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        if i < RANKING_SHEETS:
            assert ws.freeze_panes == "C4" and [c.value for c in ws[3]][1:3] == ["Город", "IQ городов"], ws.title
    overall = pd.DataFrame(wb["Рейтинг"].values).iloc[2:]
    overall = overall.rename(columns=overall.iloc[0]).iloc[1:].set_index("Код города")
    scores = pd.read_csv(run.folder / "results" / "scores.csv", index_col="city_id")
    assert sorted(overall.index) == sorted(scores.index)
    assert (overall["IQ городов"].astype(float) - scores["IQ"].reindex(overall.index)).abs().max() == 0


def test_every_sheet_declares_all_its_rows_so_a_streaming_reader_sees_them(tmp_path):
    """The rows after the first go in as XML after openpyxl has written the sheet; the sheet's
    dimension must then cover them, or readers that trust it (openpyxl's read-only mode,
    hence pandas.read_excel with openpyxl) stop at the first rows. It once stayed A1:I4 over 9 rows."""
    frame = pd.DataFrame({"city": [f"Город {k}" for k in range(25)], "score": [k / 3 for k in range(25)]})
    path = write_book([Sheet("Рейтинг", frame, title="Заголовок")], tmp_path / "book.xlsx", Book())
    streamed = load_workbook(path, read_only=True)
    ws = streamed.worksheets[0]
    assert ws.calculate_dimension() == "A1:B27"                 # title, header, 25 rows
    assert len(list(ws.iter_rows(values_only=True))) == 27
    streamed.close()
    assert len(pd.read_excel(path, engine="openpyxl", skiprows=1)) == 25


def test_a_column_is_as_wide_as_its_longest_value_as_shown():
    """Widths come from the values as the sheet shows them: numbers with the column's
    decimals, empty cells not counted, only the first values sampled."""
    from iqlib.io.downloads import _widest

    rows = [[1234.5, "Москва", None], [None, "Санкт-Петербург", None], [7.25, None, None]]
    assert _widest(rows, 0, 2) == len("1234.50") and _widest(rows, 0, 0) == len("1234")
    assert _widest(rows, 1, None) == len("Санкт-Петербург") and _widest(rows, 2, None) == 0
    assert _widest(rows, 1, None, sample=1) == len("Москва")
