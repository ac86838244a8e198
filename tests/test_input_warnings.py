"""Suspicious but legal inputs: each is a warning (code, subject, message in the edition's
language) in ``iq validate`` and ``iq run``, in results/warnings.csv, in notebook 01 and on
the edition page, and the run goes on. Every input is built by hand from the mini fixture
(12 cities, 3 per group: every mini run warns of its four small groups)."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import FIXTURE, built_once, iq, iq_here

from iqlib.config.params import load_params
from iqlib.io import inputs, suspicious
from iqlib.presentation import input_warnings
from iqlib.stages import warnings_in_words

EDITION = yaml.safe_load((FIXTURE / "edition.yaml").read_text(encoding="utf-8"))
CITIES = (FIXTURE / "cities.csv").read_text(encoding="utf-8").splitlines()    # line 1: a # comment; 2: the header
VALUES = (FIXTURE / "values.csv").read_text(encoding="utf-8").splitlines()
HEADER = VALUES[1].split(",")


def edition(tmp_path: Path, cities: list[str] | None = None, values: list[str] | Path | None = None,
            change=None, name: str = "edition.yaml") -> Path:
    """The mini edition in Russian, with its roster and values replaced when given (lines of
    CSV text, or a file), and its data changed by ``change(data)``."""
    data = copy.deepcopy(EDITION)
    data["language"] = "ru"
    if cities is not None:
        (tmp_path / "cities.csv").write_text("\n".join(cities) + "\n", encoding="utf-8")
        data["inputs"]["cities"] = str(tmp_path / "cities.csv")
    if isinstance(values, Path):
        data["inputs"]["values"] = str(values)
    elif values is not None:
        (tmp_path / "values.csv").write_text("\n".join(values) + "\n", encoding="utf-8")
        data["inputs"]["values"] = str(tmp_path / "values.csv")
    if change is not None:
        change(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def validated(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[pd.DataFrame, str]:
    """``iq validate`` (in this process): it succeeds (exit 0, nothing on stderr); the warnings
    it printed, as the table in words it printed them from, and its output."""
    from iqlib import stages

    seen = []

    def spy(data, params):
        seen.append(warnings_in_words(data, params))
        return seen[-1]
    monkeypatch.setattr(stages, "warnings_in_words", spy)
    result = iq_here("validate", str(path))
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert len(seen) == 1
    return seen[0], result.stdout


def only(table: pd.DataFrame, code: str) -> pd.DataFrame:
    return table[table["code"] == code].reset_index(drop=True)


def set_values(lines: list[str], column: str, value_of) -> list[str]:
    """The values file with ``column`` of each data line set to ``value_of(i, old)`` (i: 0 for
    the first city)."""
    out, j = list(lines[:2]), HEADER.index(column)
    for i, line in enumerate(lines[2:]):
        cells = line.split(",")
        cells[j] = value_of(i, cells[j])
        out.append(",".join(cells))
    return out


# --------------------------------------------------------------------------- groups and the edition
def test_a_declared_group_without_a_city(tmp_path, monkeypatch):
    def add(data):
        data["groups"].insert(0, {"code": "megapolis", "name_ru": "Мегаполисы", "name_en": "Megacities",
                                  "min_population": 20_000_000})
    path = edition(tmp_path, change=add)
    table, out = validated(path, monkeypatch)
    w = only(table, "group_empty")
    assert w[["subject", "count", "file_kind"]].values.tolist() == [["megapolis", 0, "edition"]]
    assert w["warning"][0] == ("В группе «Мегаполисы» нет ни одного города: группа объявлена в параметрах издания, "
                               "но пуста.")
    assert f"  warning: {path}: {w['warning'][0]}\n" in out


def test_thousands_of_declared_groups_almost_all_empty_are_one_more_warning_and_ten_lines(tmp_path, monkeypatch):
    def add(data):
        data["groups"][:0] = [{"code": f"g{i:04d}", "name_ru": f"Группа {i}", "name_en": f"Group {i}",
                               "min_population": 100_000_000 - i} for i in range(1500)]
    path = edition(tmp_path, change=add)
    table, out = validated(path, monkeypatch)
    assert len(only(table, "group_empty")) == 1500
    summary = only(table, "groups_mostly_empty")
    assert summary[["count", "of"]].values.tolist() == [[1500, 1504]]
    assert summary["warning"][0] == ("Пусты 1500 из 1504 объявленных групп (больше половины): проверьте пороги групп "
                                     "в параметрах издания.")
    assert out.count("В группе «Группа") == 10
    assert "  … and 1490 more warning(s) group_empty (every one in results/warnings.csv)\n" in out
    assert summary["warning"][0] in out


def test_a_group_of_one_city_and_groups_of_fewer_than_five(tmp_path, monkeypatch):
    cities = [line.replace(",krupneyshie", ",krupnye") if line.startswith(("kazan,", "sankt-peterburg,")) else line
              for line in CITIES]
    path = edition(tmp_path, cities=cities)
    table, out = validated(path, monkeypatch)
    one = only(table, "group_one_city")
    assert one[["subject", "count"]].values.tolist() == [["krupneyshie", 1]]
    assert one["warning"][0] == ("В группе «Крупнейшие города (от 1 млн)» один город: место 1 из 1 ничего не говорит, "
                                 "а при нормировании внутри группы его баллы не зависят от его значений.")
    small = only(table, "group_small")      # krupnye now has 5 cities: not small
    assert small[["subject", "count", "threshold"]].values.tolist() == [["bolshie", 3, 5.0], ["lt100k", 3, 5.0]]
    assert small["warning"][0] == ("В группе «Большие города (100–250 тыс.)» городов: 3, меньше 5: места в группе "
                                   "показаны, но сравнение в такой маленькой группе мало что говорит.")
    assert one["warning"][0] in out and small["warning"][1] in out


def test_an_edition_of_a_single_city(tmp_path, monkeypatch):
    cities = CITIES[:3]                                  # moskva only
    values = VALUES[:3]
    path = edition(tmp_path, cities=cities, values=values)
    table, out = validated(path, monkeypatch)
    w = only(table, "edition_small")
    assert w[["subject", "count", "threshold"]].values.tolist() == [["2019", 1, 10.0]]
    assert w["warning"][0] == ("В издании городов: 1, меньше 10: общие места, средние и статистические проверки "
                               "показателей ненадёжны.")
    assert only(table, "group_empty")["subject"].tolist() == ["krupnye", "bolshie", "lt100k"]
    assert only(table, "groups_mostly_empty")[["count", "of"]].values.tolist() == [[3, 4]]
    assert only(table, "group_one_city")["subject"].tolist() == ["krupneyshie"]
    assert only(table, "indicator_constant").empty      # one value is not "the same for every city"
    assert w["warning"][0] in out


# --------------------------------------------------------------------------- values
def test_a_values_column_mixing_decimal_separators(tmp_path, monkeypatch):
    values = set_values(VALUES, "I05", lambda i, old: '"' + old.replace(".", ",") + '"' if i == 4 else old)
    path = edition(tmp_path, values=values)
    table, out = validated(path, monkeypatch)
    w = only(table, "decimal_mixed")
    assert w[["column", "line", "value", "count", "of"]].values.tolist() == [["I05", 7, "20,9", 1, 12]]
    assert w["warning"][0] == ("Файл «значения показателей», столбец I05: дробные числа записаны то с запятой, то с "
                               "точкой (1 из 12 записаны иначе, чем остальные; первое такое — в строке 7). "
                               "Проверьте, не отделяет ли запятая тысячи: «1,500» прочитано как полтора.")
    assert f"  warning: {tmp_path / 'values.csv'}: line 7, column I05: {w['warning'][0]}\n" in out


def test_decimal_marks_in_a_semicolon_file_and_a_file_with_points_only(tmp_path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("city_id;I05;I07\nmoskva;58,2;1,5\nkazan;40.1;2,5\nanadyr;12,25;3\n", encoding="utf-8")
    w = suspicious._decimals(mixed, "values")
    assert w[["code", "column", "line", "value", "count", "of"]].values.tolist() == [
        ["decimal_mixed", "I05", 3, "40.1", 1, 3]]                  # I07: commas only, not mixed
    points = tmp_path / "points.csv"
    points.write_text("city_id,I05,I07\nmoskva,58.2,1\nkazan,40.1,2\n", encoding="utf-8")
    assert suspicious._decimals(points, "values").empty


def test_an_indicator_missing_for_every_city_for_most_and_for_a_group(tmp_path, monkeypatch):
    values = set_values(VALUES, "I07", lambda i, old: "")
    values = set_values(values, "I09", lambda i, old: "" if i in (0, 3, 6, 9, 10) else old)  # 5 of 12: over a third
    values = set_values(values, "I11", lambda i, old: "" if i in (3, 4, 5) else old)   # every city of krupnye
    path = edition(tmp_path, values=values)
    table, out = validated(path, monkeypatch)
    every = only(table, "indicator_all_missing")
    assert every[["subject", "count", "of"]].values.tolist() == [["I07", 12, 12]]
    assert every["warning"][0].startswith("Показатель I07 «") and \
        every["warning"][0].endswith("» не указан ни у одного города: он ничего не вносит в индекс.")
    most = only(table, "indicator_mostly_missing")
    assert most[["subject", "count", "of"]].values.tolist() == [["I09", 5, 12]]
    assert "» не указан у 5 городов из 12 (больше трети): его нормирование опирается на меньшинство городов." \
        in most["warning"][0]
    group = only(table, "indicator_missing_in_group")
    assert group[["column", "subject", "count"]].values.tolist() == [["I11", "krupnye", 3]]
    assert group["warning"][0] == ("Показатель I11 не указан ни у одного из городов группы «Крупные города "
                                   "(250 тыс. – 1 млн)» (3): в этой группе он не участвует.")
    assert all(m in out for m in (every["warning"][0], most["warning"][0], group["warning"][0]))


def test_a_city_without_a_single_value(tmp_path, monkeypatch):
    values = list(VALUES)
    cells = values[4].split(",")                     # sankt-peterburg
    values[4] = ",".join([cells[0]] + [""] * (len(cells) - 1))
    path = edition(tmp_path, values=values)
    table, out = validated(path, monkeypatch)
    w = only(table, "city_all_missing")
    assert w[["subject", "count"]].values.tolist() == [["sankt-peterburg", 47]]
    assert w["warning"][0] == ("У города «Санкт-Петербург» нет ни одного значения показателей: его баллы получены "
                               "только по правилам учёта пропусков.")
    assert w["warning"][0] in out


def test_a_constant_indicator(tmp_path, monkeypatch):
    values = set_values(VALUES, "I07", lambda i, old: "40.5")
    path = edition(tmp_path, values=values)
    table, out = validated(path, monkeypatch)
    w = only(table, "indicator_constant")
    assert w[["subject", "value", "count"]].values.tolist() == [["I07", 40.5, 12]]
    assert w["warning"][0].startswith("Показатель I07 «") and \
        w["warning"][0].endswith("» одинаков у всех городов, где он указан (40,5): он не различает города.")
    assert w["warning"][0] in out


def test_a_value_far_above_its_group_median(tmp_path, monkeypatch):
    values = set_values(VALUES, "I41", lambda i, old: "9999999" if i == 0 else old)
    path = edition(tmp_path, values=values)
    table, out = validated(path, monkeypatch)
    w = only(table, "above_group_median")
    assert w[["subject", "column", "value", "threshold"]].values.tolist() == [["moskva", "I41", 9999999.0, 10.0]]
    i41 = [float(VALUES[k].split(",")[HEADER.index("I41")]) for k in (3, 4)]     # kazan, sankt-peterburg
    assert w["reference"][0] == sorted([9999999.0, *i41])[1] == 35778.3
    assert w["warning"][0] == ("Город «Москва», показатель I41: значение 9\u202f999\u202f999 больше 10 медиан группы "
                               "(35\u202f778,3); проверьте его.")
    assert w["warning"][0] in out


def test_a_weight_of_zero_is_in_the_same_list(tmp_path, monkeypatch):
    base = edition(tmp_path)
    scenario = tmp_path / "zero.yaml"
    scenario.write_text(yaml.safe_dump({"extends": str(base), "scenario": "zero",
                                        "methodology": {"aggregates": {"D4": {"weight": 0}}}}), encoding="utf-8")
    table, out = validated(scenario, monkeypatch)
    w = only(table, "weight_zero")
    assert w[["subject", "file_kind"]].values.tolist() == [["D4", "methodology"]]
    assert w["warning"][0].startswith("Вес D4 «") and w["warning"][0].endswith("» равен нулю: это звено ничего не "
                                                                               "вносит в индекс.")
    assert w["warning"][0] in out


# --------------------------------------------------------------------------- XLSX sheets
def sheet(tmp_path: Path, edit) -> Path:
    """The mini values as an XLSX workbook written by openpyxl (which calculates nothing),
    numbers as numbers, then changed by ``edit(sheet)``."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    for line in VALUES[2:]:
        ws.append([cell if i == 0 or cell == "" else float(cell) for i, cell in enumerate(line.split(","))])
    edit(ws)
    path = tmp_path / "values.xlsx"
    book.save(path)
    return path


def test_an_xlsx_formula_without_a_calculated_value(tmp_path, monkeypatch):
    path = edition(tmp_path, values=sheet(tmp_path, lambda ws: ws.__setitem__("F3", "=F2*2")))
    assert ws_header("F") == "I05"
    table, out = validated(path, monkeypatch)
    w = only(table, "formula_no_value")
    assert w[["line", "column", "subject", "value"]].values.tolist() == [[3, "I05", "F3", "=F2*2"]]
    assert w["warning"][0] == ("Файл «значения показателей», строка 3, столбец I05: формула без вычисленного значения, "
                               "прочитана как пустая ячейка. Откройте файл в табличном редакторе и сохраните его, чтобы "
                               "значения формул записались.")
    params = load_params(path)
    assert pd.isna(inputs.load(params).values.loc["kazan", "I05"])        # read as empty, as the warning says
    assert f"line 3, column I05: {w['warning'][0]}" in out


def test_numbers_typed_as_text_in_a_sheet_with_both_decimal_marks(tmp_path, monkeypatch):
    def as_text(ws):
        ws["F4"], ws["F5"], ws["F6"] = "20,9", "30.4", "12.5"
    path = edition(tmp_path, values=sheet(tmp_path, as_text))
    table, out = validated(path, monkeypatch)
    w = only(table, "decimal_mixed")
    assert w[["line", "column", "value", "count", "of"]].values.tolist() == [[4, "I05", "20,9", 1, 3]]
    assert w["warning"][0] in out


def ws_header(letter: str) -> str:
    return HEADER[openpyxl.utils.column_index_from_string(letter) - 1]


def test_content_after_the_data_block_of_a_sheet_is_not_read_and_said(tmp_path, monkeypatch, mini):
    def notes(ws):
        ws.append([])
        ws.append(["Примечание: данные за 2019 год, предварительные"])
        ws.append(["Источник: опрос городов", None, "см. письмо"])
    path = edition(tmp_path, values=sheet(tmp_path, notes))
    table, out = validated(path, monkeypatch)
    w = only(table, "content_after_data")
    assert w[["line", "subject", "count"]].values.tolist() == [[15, "14", 2]]
    assert w["warning"][0] == ("Файл «значения показателей»: после пустой строки 14 есть ещё заполненные строки (2, "
                               "первая — строка 15). Данные листа кончаются первой пустой строкой: эти строки не "
                               "прочитаны.")
    pd.testing.assert_frame_equal(inputs.load(load_params(path)).values, mini.values)     # the notes are not data
    assert w["warning"][0] in out


def test_cells_in_a_column_without_a_header_are_said(tmp_path, monkeypatch):
    path = edition(tmp_path, values=sheet(tmp_path, lambda ws: ws.cell(row=4, column=50, value="уточнить")))
    table, out = validated(path, monkeypatch)
    w = only(table, "content_without_header")
    assert w[["line", "column", "count"]].values.tolist() == [[4, "AX", 1]]
    assert w["warning"][0] == ("Файл «значения показателей»: в столбце № 50 нет заголовка, но заполнено ячеек: 1 (первая "
                               "— в строке 4). Столбец без заголовка не читается.")
    assert w["warning"][0] in out


def test_a_blank_row_inside_the_data_is_named_in_the_error(tmp_path):
    def gap(ws):
        ws.insert_rows(8)
    path = edition(tmp_path, values=sheet(tmp_path, gap))
    result = iq_here("validate", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no row for city 'reutov' of the roster" in result.stderr
    assert (f"{tmp_path / 'values.xlsx'}: line 9: 6 row(s) after the blank row at line 8 were not read (a sheet's data "
            f"ends at its first blank row); remove the blank row if they are data") in result.stderr


# --------------------------------------------------------------------------- the table, the run, the page
@pytest.fixture(scope="module")
def mini() -> inputs.InputData:
    return inputs.load(load_params(FIXTURE / "edition.yaml"))


def test_the_table_has_its_documented_columns_and_the_mini_edition_only_its_small_groups(mini):
    assert list(mini.warnings.columns) == suspicious.COLUMNS
    assert mini.warnings["code"].tolist() == ["group_small"] * 4
    assert mini.warnings["subject"].tolist() == ["krupneyshie", "krupnye", "bolshie", "lt100k"]


def test_every_code_has_its_words_in_every_language():
    from iqlib.presentation.words import catalogue, languages
    for lang in languages():
        assert {k.removeprefix("warnings.") for k in catalogue(lang) if k.startswith("warnings.")} >= set(suspicious.CODES)


def test_every_message_is_russian_only_as_a_page_shows_it():
    """One row of every code, in words: no Latin word but the framework's codes (a page
    lists these; tests/test_language.py's scanner)."""
    from test_language import ALLOWED, offences

    params = load_params(edition(Path(tempfile.mkdtemp())))
    rows = [{"code": code, "file_kind": "values", "file": "data/x.xlsx", "line": 7, "column": "I05", "subject": "moskva",
             "value": 1.5, "reference": 2.5, "count": 3, "of": 12, "threshold": 5.0} for code in suspicious.CODES]
    rows[suspicious.CODES.index("content_without_header")].update(column="AX", subject="AX7")
    rows[suspicious.CODES.index("formula_no_value")].update(value="=SUM(B2:B7)", subject="F7")
    rows[suspicious.CODES.index("cell_error")].update(value="#DIV/0!", subject="F7")
    for code in ("group_empty", "group_one_city", "group_small", "indicator_missing_in_group"):
        rows[suspicious.CODES.index(code)]["subject"] = "krupnye"
    for code in ("indicator_all_missing", "indicator_mostly_missing", "indicator_constant", "decimal_mixed"):
        rows[suspicious.CODES.index(code)]["subject"] = "I05"
    rows[suspicious.CODES.index("weight_zero")]["subject"] = "D4"
    rows[suspicious.CODES.index("edition_small")]["subject"] = "2019"
    rows[suspicious.CODES.index("content_after_data")]["subject"] = "6"
    table = input_warnings.with_messages(pd.DataFrame(rows, columns=suspicious.COLUMNS), params, {"moskva": "Москва"})
    assert len(set(table["warning"])) == len(suspicious.CODES)
    found = {w: offences(w, ALLOWED | {"I05", "D4"}) for w in table["warning"]}
    assert {w: bad for w, bad in found.items() if bad} == {}


@pytest.mark.e2e
def test_the_run_prints_its_warnings_writes_them_and_the_notebook_shows_them(published_mini):
    said = (published_mini.parent / "iq-run.stdout").read_text(encoding="utf-8")
    small = "Group “Largest cities (1 million and more)” has 3 cities, fewer than 5: places in the group are shown"
    assert f"  warning: tests/fixtures/mini/cities.csv: {small}" in said     # printed, and the run published
    table = pd.read_csv(published_mini / "outputs/2019/mini/results/warnings.csv", keep_default_na=False)
    assert list(table.columns) == [*suspicious.COLUMNS, "warning"]
    assert table["code"].tolist() == ["group_small"] * 4
    assert table["subject"].tolist() == ["krupneyshie", "krupnye", "bolshie", "lt100k"]
    assert table["warning"][0].startswith(small)
    notebook = (published_mini / "outputs/2019/mini/notebooks/01_load.ipynb").read_text(encoding="utf-8")
    assert small in notebook


@pytest.mark.e2e
def test_the_edition_page_lists_the_warnings_in_russian_with_the_table(published_mini, tmp_path_factory):
    def build(folder: Path) -> None:        # the same site as tests/test_layout.py's (built once a session)
        result = iq("site", "--out", str(folder / "site"), "--language", "ru",
                    env={"IQ_PROJECT_ROOT": str(published_mini)}, cwd=published_mini)
        assert result.returncode == 0, result.stderr

    page = (built_once(tmp_path_factory, "site-ru", build) / "site/2019/mini/index.html").read_text(encoding="utf-8")
    assert '<h2 id="warnings">Предупреждения о данных</h2>' in page
    assert '<a href="downloads/data/warnings.csv">таблица предупреждений (CSV)</a>' in page
    assert "<li>В группе «Крупнейшие города (от 1 млн)» городов: 3, меньше 5: места в группе показаны" in page
    assert page.count("<li>В группе «") == 4
