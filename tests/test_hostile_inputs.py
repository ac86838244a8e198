"""Bounds on every text of the params and input files that reaches a page or a table
(issue 22, item 4): a name, label, title, description, source or address at its bound is
accepted, one character over is refused with one message naming the file, the key or the
line and column, the length and the allowed one (exit 2, no traceback, nothing written);
so is a control or bidirectional-override character. The bounds are ``config.limits``."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE, ROOT

from iqlib import cli
from iqlib.config import limits
from iqlib.config.params import params_from
from iqlib.config.series import load_series
from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import UserError
from iqlib.io import inputs

EDITION = read_yaml(FIXTURE / "edition.yaml")
METHODOLOGY = read_yaml(ROOT / "params" / "methodology" / "iq_v1.yaml")


def test_the_bounds_are_the_documented_ones():
    """One place, the numbers the docs give (data/README.md lists them)."""
    assert (limits.CODE, limits.NAME, limits.LABEL, limits.TITLE, limits.TEXT, limits.SOURCE, limits.URL,
            limits.HEADER) == (64, 120, 300, 300, 2000, 2048, 2048, 500)
    doc = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for bound in ("| 64 |", "| 120 |", "| 300 |", "| 2 000 |", "| 2 048 |", "| 500 |"):
        assert bound in doc


@pytest.mark.parametrize("limit", [limits.CODE, limits.NAME, limits.LABEL, limits.TEXT, limits.URL, limits.HEADER])
def test_a_text_at_its_bound_passes_and_one_over_is_refused(limit):
    assert limits.text_problem("Ж" * limit, limit) is None
    assert limits.text_problem("Ж" * (limit + 1), limit) == f"{limit + 1} characters, at most {limit} allowed"


@pytest.mark.parametrize("char, name", [("\x00", "U+0000"), ("\x1b", "U+001B"), ("\r", "U+000D"), ("\x7f", "U+007F"),
                                        ("\x85", "U+0085"), ("\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
                                        ("\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
                                        ("\u202a", "U+202A (LEFT-TO-RIGHT EMBEDDING)")])
def test_control_and_bidi_characters_are_refused_in_a_name(char, name):
    problem = limits.text_problem(f"Казань{char}exe.txt", limits.NAME)
    assert problem is not None and name in problem and "at position 7" in problem


def test_a_text_may_hold_tab_and_line_breaks_a_name_may_not():
    assert limits.text_problem("строка\tодна\r\nи другая", limits.TEXT, multiline=True) is None
    assert "U+0009" in limits.text_problem("Казань\tТатарстан", limits.NAME)
    assert "U+0000" in limits.text_problem("строка\x00", limits.TEXT, multiline=True)
    # letters of every script, emoji, typographic quotes and spaces are not control characters
    assert limits.text_problem("Москва Αθήνα 北京 القاهرة ‘«»’ — 😀\u00a0\u202f", limits.NAME) is None


def edition_error(change, path: Path = FIXTURE / "edition.yaml") -> str:
    data = copy.deepcopy(EDITION)
    change(data)
    with pytest.raises(UserError) as info:
        params_from(data, path)
    return str(info.value)


def edition_ok(change) -> None:
    data = copy.deepcopy(EDITION)
    change(data)
    params_from(data, FIXTURE / "edition.yaml")


def _set(path: str, value):
    """A change setting ``path`` (dots; list items by position) of the edition data."""
    def change(data: dict) -> None:
        node, keys = data, path.split(".")
        for key in keys[:-1]:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        node[int(keys[-1]) if isinstance(node, list) else keys[-1]] = value
    return change


@pytest.mark.parametrize("path, key, limit", [
    ("title_ru", "title_ru", limits.TITLE), ("title_en", "title_en", limits.TITLE),
    ("description", "description", limits.TEXT),
    ("groups.1.name_ru", "groups.krupnye.name_ru", limits.NAME),
    ("groups.0.name_en", "groups.krupneyshie.name_en", limits.NAME),
    ("publication.publisher_ru", "publication.publisher_ru", limits.NAME),
    ("publication.licence.name", "publication.licence.name", limits.NAME),
    ("publication.citation_ru", "publication.citation_ru", limits.TEXT),
])
def test_an_edition_text_at_its_bound_passes_one_over_names_file_and_key(path, key, limit):
    edition_ok(_set(path, "Я" * limit))
    message = edition_error(_set(path, "Я" * (limit + 1)))
    assert message == f"tests/fixtures/mini/edition.yaml: key '{key}': {limit + 1} characters, at most {limit} allowed"


@pytest.mark.parametrize("path, key", [("publication.contact", "publication.contact"),
                                       ("publication.base_url", "publication.base_url"),
                                       ("publication.licence.url", "publication.licence.url")])
def test_an_address_at_its_bound_passes_one_over_is_refused(path, key):
    base = "https://example.org/"
    edition_ok(_set(path, base + "a" * (limits.URL - len(base))))
    message = edition_error(_set(path, base + "a" * (limits.URL - len(base) + 1)))
    assert f"key '{key}': {limits.URL + 1} characters, at most {limits.URL} allowed" in message


def test_a_declared_column_its_name_label_and_values_are_bounded():
    def column(**fields):
        return _set("roster_columns", [{"name": "okrug", **fields}])
    edition_ok(column(name_ru="Я" * limits.NAME, values=["Ж" * limits.NAME, 3]))
    assert edition_error(column(name_ru="Я" * (limits.NAME + 1))).endswith(
        "key 'roster_columns.0.name_ru': 121 characters, at most 120 allowed")
    assert edition_error(column(values=["a", "Ж" * (limits.NAME + 1)])).endswith(
        "key 'roster_columns.0.values': value 2: 121 characters, at most 120 allowed")
    name = "a" * (limits.CODE + 1)
    assert edition_error(_set("roster_columns", [{"name": name}])).endswith(
        "key 'roster_columns.0.name': 65 characters, at most 64 allowed")


def test_a_control_character_in_a_title_or_group_name_is_named_with_its_key():
    assert edition_error(_set("title_ru", "Итоги\u202eгода")).endswith(
        "key 'title_ru': invisible control character U+202E (RIGHT-TO-LEFT OVERRIDE) at position 6; remove it")
    assert "key 'groups.krupnye.name_ru': invisible control character U+0000 (a control character) at position 1" \
        in edition_error(_set("groups.1.name_ru", "\x00Крупные"))
    edition_ok(_set("description", "Строка первая.\n\tСтрока вторая."))      # a text may have lines and tabs


def methodology_error(tmp_path: Path, change) -> str:
    data = copy.deepcopy(METHODOLOGY)
    change(data)
    meth = tmp_path / "meth.yaml"
    meth.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError) as info:
        params_from({**EDITION, "methodology": str(meth)}, FIXTURE / "edition.yaml")
    return str(info.value)


@pytest.mark.parametrize("where, key, limit", [
    (("indicators", 4, "name_ru"), "indicators.I05.name_ru", limits.LABEL),
    (("aggregates", 1, "name_en"), "aggregates.D1.name_en", limits.LABEL),
    (("aggregates", 1, "short_ru"), "aggregates.D1.short_ru", limits.NAME),
    (("indicators", 0, "note"), "indicators.I01.note", limits.TEXT),
    (("title_ru",), "title_ru", limits.TITLE),
    (("sources", 0), "sources", limits.SOURCE),
    (("status", "confirmed_ru", 0), "status.confirmed_ru", limits.TEXT),
])
def test_a_methodology_text_at_its_bound_passes_one_over_names_file_and_key(tmp_path, where, key, limit):
    def setter(value):
        def change(data: dict) -> None:
            node = data
            for part in where[:-1]:
                node = node[part]
            node[where[-1]] = value
        return change
    assert METHODOLOGY["indicators"][4]["code"] == "I05" and METHODOLOGY["aggregates"][1]["code"] == "D1"
    data = copy.deepcopy(METHODOLOGY)
    setter("Я" * limit)(data)
    (tmp_path / "ok.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    params_from({**EDITION, "methodology": str(tmp_path / "ok.yaml")}, FIXTURE / "edition.yaml")
    message = methodology_error(tmp_path, setter("Я" * (limit + 1)))
    assert message.startswith(f"{tmp_path / 'meth.yaml'}: key '{key}") and \
        message.endswith(f": {limit + 1} characters, at most {limit} allowed")


def test_a_series_title_is_bounded(tmp_path):
    data = read_yaml(ROOT / "params" / "series" / "iq_v1.yaml")
    path = tmp_path / "series.yaml"
    path.write_text(yaml.safe_dump({**data, "title_ru": "Я" * limits.TITLE}, allow_unicode=True), encoding="utf-8")
    load_series(path)
    path.write_text(yaml.safe_dump({**data, "title_ru": "Я" * (limits.TITLE + 1)}, allow_unicode=True),
                    encoding="utf-8")
    with pytest.raises(UserError, match=r"series.yaml: key 'title_ru': 301 characters, at most 300 allowed$"):
        load_series(path)


def test_a_scenario_description_is_bounded_in_the_scenario_file(tmp_path):
    scenario = {"extends": "tests/fixtures/mini/edition.yaml", "scenario": "long", "description": "Я" * limits.TEXT}
    params_from(scenario, tmp_path / "s.yaml")
    with pytest.raises(UserError, match=r"s.yaml: key 'description': 2001 characters, at most 2000 allowed$"):
        params_from({**scenario, "description": "Я" * (limits.TEXT + 1)}, tmp_path / "s.yaml")


# --- the input files: file, line, column, the value's beginning, its length and the allowed one

def roster_with(tmp_path: Path, edit, extra: dict | None = None) -> Path:
    """The mini edition with its roster edited by ``edit(lines)`` (a list of CSV lines)."""
    lines = (FIXTURE / "cities.csv").read_text(encoding="utf-8").splitlines()
    edit(lines)
    (tmp_path / "cities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = {**copy.deepcopy(EDITION), **(extra or {})}
    data["inputs"]["cities"] = str(tmp_path / "cities.csv")
    path = tmp_path / "edition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def set_cell(line: int, column: int, value: str):
    """Set field ``column`` (0-based) of file line ``line`` (1-based, the # comment included)."""
    def edit(lines: list[str]) -> None:
        fields = lines[line - 1].split(",")
        fields[column] = value
        lines[line - 1] = ",".join(fields)
    return edit


def run_error(edition: Path, tmp_path: Path, capsys) -> str:
    """``iq run`` (in process) refusing the edition: exit 2, one message, nothing written."""
    out = tmp_path / "run"
    code = cli.main(["run", str(edition), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err, err
    assert not out.exists()
    return err


@pytest.mark.parametrize("column, index, what", [("city_ru", 1, "a city's name"), ("region_ru", 2, "a region's name")])
def test_a_roster_name_at_its_bound_passes_one_over_names_file_line_and_column(tmp_path, capsys, column, index, what):
    from iqlib.config.params import load_params

    inputs.load(load_params(roster_with(tmp_path, set_cell(4, index, "Я" * limits.NAME))))
    err = run_error(roster_with(tmp_path, set_cell(4, index, "Я" * (limits.NAME + 1))), tmp_path, capsys)
    assert f"cities.csv: line 4, column {column}: {what} '{'Я' * 40}'…: 121 characters, at most 120 allowed" in err


def test_a_control_character_in_a_city_name_is_named(tmp_path, capsys):
    err = run_error(roster_with(tmp_path, set_cell(3, 1, "Моск\u202eва")), tmp_path, capsys)
    assert "cities.csv: line 3, column city_ru: a city's name 'Моск\\u202eва': invisible control character U+202E " \
           "(RIGHT-TO-LEFT OVERRIDE) at position 5; remove it" in err


def test_a_declared_columns_values_and_any_header_are_bounded(tmp_path, capsys):
    def add(value: str):
        def edit(lines: list[str]) -> None:
            lines[1] += ",okrug"
            for i in range(2, len(lines)):
                lines[i] += "," + (value if i == 2 else "Центр")
        return edit
    declared = {"roster_columns": [{"name": "okrug", "type": "text"}]}
    err = run_error(roster_with(tmp_path, add("Ж" * (limits.NAME + 1)), declared), tmp_path, capsys)
    assert "cities.csv: line 3, column okrug: a value of okrug 'ЖЖ" in err and "121 characters, at most 120" in err

    def header(name: str):
        def edit(lines: list[str]) -> None:
            lines[1] += "," + name
            for i in range(2, len(lines)):
                lines[i] += ",1"
        return edit
    err = run_error(roster_with(tmp_path, header("h" * (limits.HEADER + 1))), tmp_path, capsys)
    assert f"cities.csv: header: column 8 ('{'h' * 40}'…): 501 characters, at most 500 allowed" in err
    err = run_error(roster_with(tmp_path, header("h" * limits.HEADER)), tmp_path, capsys)
    assert "header:" not in err and "unknown column(s): hhhh" in err          # at the bound: read, then refused as unknown


def test_a_source_of_the_official_figures_is_bounded(tmp_path, capsys):
    from iqlib.config.params import load_params

    def edition_with(source: str) -> Path:
        published = tmp_path / "published.csv"
        published.write_text("data_year,group,rank,city,score,flag,source\n"
                             f"2019,krupneyshie,1,Москва,80,C,\"{source}\"\n", encoding="utf-8")
        data = copy.deepcopy(EDITION)
        data["inputs"]["published_results"] = str(published)
        for key in ("cities", "values"):
            data["inputs"][key] = str(FIXTURE / f"{key}.csv")
        path = tmp_path / "edition.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return path
    ok = "https://example.org/" + "a" * (limits.SOURCE - 20)
    inputs.load(load_params(edition_with(ok)))
    err = run_error(edition_with(ok + "a"), tmp_path, capsys)
    assert "published.csv: line 2, column source: a source 'https://example.org/aaaa" in err
    assert "2049 characters, at most 2048 allowed" in err


def test_a_conflict_text_read_by_iq_series_is_bounded(tmp_path):
    import pandas as pd

    from iqlib.io import reference
    from iqlib.publishing import series

    conflicts = pd.read_csv(ROOT / "data" / "reference" / "conflicts.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "conflicts.csv"
    conflicts.assign(conflict_ru="Ж" * limits.TEXT).to_csv(path, index=False)
    reference.check_file_texts(path)
    conflicts.assign(conflict_ru="Ж" * (limits.TEXT + 1)).to_csv(path, index=False)
    data = read_yaml(ROOT / "params" / "series" / "iq_v1.yaml")
    (tmp_path / "series.yaml").write_text(yaml.safe_dump({**data, "conflicts": str(path)}, allow_unicode=True),
                                          encoding="utf-8")
    with pytest.raises(UserError) as info:
        series.compute(tmp_path / "series.yaml")
    assert "conflicts.csv: line 2, column conflict_ru: a text 'ЖЖЖ" in str(info.value)
    assert "2001 characters, at most 2000 allowed" in str(info.value)


def test_a_long_values_files_source_and_comment_are_bounded(tmp_path, capsys):
    import pandas as pd

    wide = pd.read_csv(FIXTURE / "values.csv", comment="#", dtype=str, keep_default_na=False)
    long = wide.melt(id_vars="city_id", var_name="indicator", value_name="value")
    long["source"], long["comment"] = "https://example.org/" + "a" * (limits.SOURCE - 20), "Ж" * limits.TEXT
    path = tmp_path / "values.csv"
    data = copy.deepcopy(EDITION)
    data["inputs"] = {"cities": str(FIXTURE / "cities.csv"), "values": str(path)}
    edition = tmp_path / "edition.yaml"
    edition.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    long.to_csv(path, index=False)
    from iqlib.config.params import load_params

    inputs.load(load_params(edition))
    long.loc[5, "comment"] = "Ж" * (limits.TEXT + 1)
    long.loc[7, "source"] += "a"
    long.loc[8, "source"] = "https://example.org/\u202egpj.exe"
    long.to_csv(path, index=False)
    err = run_error(edition, tmp_path, capsys)
    assert "values.csv: line 7, column comment: a comment 'ЖЖЖ" in err and "2001 characters, at most 2000" in err
    assert "values.csv: line 9, column source: a source 'https://example.org/aaa" in err and "2049 characters" in err
    assert "values.csv: line 10, column source: a source 'https://example.org/\\u202egpj.exe': invisible control " \
           "character U+202E (RIGHT-TO-LEFT OVERRIDE) at position 21" in err
