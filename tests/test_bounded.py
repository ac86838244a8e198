"""Validation bounded and linear (issue 23, item 4): every message lists at most ten
problems and gives the total (a file with ten thousand bad columns or cells is a short
message), an over-long cell or name is named by file, line and column with a short
preview, duplicates found by hashing keep their lines, and the size of a file, its
columns and its cells are bounded (``config.limits``). No timing here: the scaling is
measured by bench/validate_scale.py."""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import FIXTURE, iq_here

from iqlib.config import limits
from iqlib.config.params import load_params
from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import Problems, ProblemsError, first_of
from iqlib.io import tables

EDITION = read_yaml(FIXTURE / "edition.yaml")
WIDE = pd.read_csv(FIXTURE / "values.csv", comment="#", dtype=str, keep_default_na=False)
LONG = WIDE.melt(id_vars="city_id", var_name="indicator", value_name="value")


def edition_with(tmp_path: Path, values: pd.DataFrame | None = None, cities: pd.DataFrame | None = None,
                 name: str = "values.csv") -> Path:
    """The mini edition with its values (and roster) replaced by these frames, written as CSV."""
    data = copy.deepcopy(EDITION)
    data.pop("uncertainty")
    data["inputs"] = {"cities": str(FIXTURE / "cities.csv"), "values": str(FIXTURE / "values.csv")}
    for key, frame, file in (("values", values, name), ("cities", cities, "cities.csv")):
        if frame is not None:
            frame.to_csv(tmp_path / file, index=False)
            data["inputs"][key] = str(tmp_path / file)
    path = tmp_path / "edition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def refused(edition: Path) -> str:
    """``iq validate`` refusing the edition: exit 2, one message, no traceback."""
    result = iq_here("validate", str(edition))
    assert result.returncode == 2 and result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert result.stdout == ""
    return result.stderr


# --- the message: at most ten problems, the total, the count of each kind

def test_problems_format_ten_of_a_kind_and_count_the_rest():
    made = []

    def message(row: int) -> str:
        made.append(row)
        return f"line {row + 2}: not a number"
    problems = Problems()
    problems.rows("not a number", [row for row in range(10_000)], message)
    assert made == list(range(10))                                   # ten messages formatted, not ten thousand
    assert problems.total == 10_000 and problems.counts == {"not a number": 10_000}
    text = str(ProblemsError("values.csv: errors", problems))
    assert text == ("values.csv: errors: 10 000 problem(s)\n"
                    + "".join(f"  - line {row + 2}: not a number\n" for row in range(10))
                    + "  ... and 9 990 more (in all, by kind: not a number: 10 000)")


def test_one_kind_does_not_hide_the_others_and_the_order_is_kept():
    problems = Problems()
    problems.append("file: unknown column(s): X")
    problems.rows("roster city without a row", list(range(30)), lambda i: f"no row for city {i}")
    problems.rows("not a number", [4, 7], lambda row: f"line {row}: not a number")
    text = str(ProblemsError("t", problems))
    listed = [line.removeprefix("  - ") for line in text.splitlines()[1:-1]]
    # the first of each kind in turn, until ten, shown in the order found
    assert listed == ["file: unknown column(s): X", *[f"no row for city {i}" for i in range(7)],
                      "line 4: not a number", "line 7: not a number"]
    assert text.splitlines()[0] == "t: 33 problem(s)"
    assert text.splitlines()[-1] == "  ... and 23 more (in all, by kind: roster city without a row: 30; not a number: 2)"


def test_a_list_of_names_gives_the_first_ten_and_the_total():
    assert first_of(["a", "b"]) == "a, b"
    assert first_of([f"X{i}" for i in range(10_000)]) == ", ".join(f"X{i}" for i in range(10)) + \
        " and 9 990 more (10 000 in all)"


def with_columns(tmp_path: Path, names: list[str]) -> Path:
    """The mini edition with these columns (all 1) added to its values file."""
    edition = edition_with(tmp_path, WIDE)
    lines = (tmp_path / "values.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + "," + ",".join(names)] + [line + ",1" * len(names) for line in lines[1:]]
    (tmp_path / "values.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return edition


def test_ten_thousand_unknown_columns_are_one_short_message(tmp_path):
    err = refused(with_columns(tmp_path, [f"X{i:05d}" for i in range(10_000)]))
    assert len(err) < 400, err
    assert "values.csv: header: 10 048 columns, at most 1 000 allowed (the first: 'city_id', 'I01', " in err
    assert "and 10 038 more (10 048 in all)" in err


def test_nine_hundred_unknown_columns_are_named_ten_and_counted(tmp_path):
    err = refused(with_columns(tmp_path, [f"X{i:03d}" for i in range(900)]))
    assert len(err) < 400, err
    assert "1 problem(s)" in err
    assert "unknown column(s): X000, X001, X002, X003, X004, X005, X006, X007, X008, X009 and 890 more (900 in all) " \
           "(not indicators or raw fields of methodology iq_v1)" in err


def test_every_cell_bad_is_ten_messages_and_the_count_of_each_kind(tmp_path):
    """Every value of a long file neither a number nor yes/no: 564 bad cells, the first of
    each kind listed, the total and the count of each kind given."""
    meth = load_params(FIXTURE / "edition.yaml").methodology
    yesno = sum(meth.kinds[i.kind].min == 0 and meth.kinds[i.kind].max == 1 for i in meth.indicators)
    assert 0 < yesno < 47
    err = refused(edition_with(tmp_path, LONG.assign(value="много")))
    lines = err.splitlines()
    assert lines[0].endswith("the indicator values have errors: 564 problem(s)")
    assert lines[1] == f"  - {tmp_path}/values.csv: line 2, column I01: 'много' is not recognised (expected 1/0, " \
                       f"yes/no, да/нет)"
    assert any(line.endswith("'много' is not a number") for line in lines[1:11])
    assert len(lines) == 12 and lines[-1] == (f"  ... and 554 more (in all, by kind: not yes or no: {12 * yesno}; "
                                              f"not a number: {12 * (47 - yesno)})")


# --- over-long cells and names: file, line, column, a short preview, the length

def test_an_over_long_cell_is_named_with_a_short_preview(tmp_path):
    values = WIDE.copy()
    values.loc[2, "I05"] = "7" * 1_000_000
    err = refused(edition_with(tmp_path, values))
    assert len(err) < 400, err[:1000]
    assert err == (f"error: {tmp_path}/values.csv: cells too long: 1 problem(s)\n"
                   f"  - {tmp_path}/values.csv: line 4, column I05: '{'7' * 40}'…: 1 000 000 characters, "
                   f"at most 10 000 allowed in any cell\n")


def test_an_over_long_city_name_is_named_with_a_short_preview(tmp_path):
    cities = pd.read_csv(FIXTURE / "cities.csv", comment="#", dtype=str, keep_default_na=False)
    cities.loc[1, "city_ru"] = "Я" * 5_000_000                      # 10 MB in UTF-8
    err = refused(edition_with(tmp_path, cities=cities))
    assert len(err) < 400, err[:1000]
    assert f"cities.csv: line 3, column city_ru: '{'Я' * 40}'…: 5 000 000 characters, at most 10 000 allowed" in err
    cities.loc[1, "city_ru"] = "Я" * 5_000                           # under the cell bound, over a name's
    err = refused(edition_with(tmp_path, cities=cities))
    assert f"cities.csv: line 3, column city_ru: a city's name '{'Я' * 40}'…: 5000 characters, at most 120 allowed" in err


def test_many_over_long_names_are_ten_and_a_total(tmp_path):
    cities = pd.read_csv(FIXTURE / "cities.csv", comment="#", dtype=str, keep_default_na=False)
    cities["region_ru"] = "Р" * (limits.NAME + 1)
    err = refused(edition_with(tmp_path, cities=cities))
    assert "the city roster has errors: 12 problem(s)" in err
    assert [line.split(": ", 2)[1] for line in err.splitlines()[1:11]] == [f"line {2 + i}, column region_ru"
                                                                           for i in range(10)]
    assert "... and 2 more (in all, by kind: a region's name: too long or with a control character: 12)" in err


# --- duplicates by hashing: every one counted, the first ten listed with their lines

def test_duplicate_pairs_of_a_long_file_are_listed_with_their_lines(tmp_path):
    long = pd.concat([LONG, LONG.iloc[:25]], ignore_index=True)      # the first 25 pairs again, at the end
    err = refused(edition_with(tmp_path, long))
    assert "25 problem(s)" in err
    for i in range(10):                                             # file line = 2 + row; first at line 2 + i
        assert (f"values.csv: line {2 + len(LONG) + i}: duplicate pair city {LONG['city_id'][i]!r}, indicator "
                f"{LONG['indicator'][i]!r} (first at line {2 + i})") in err
    assert "... and 15 more (in all, by kind: duplicate (city, indicator) pair: 25)" in err


def test_duplicate_cities_of_a_wide_file_are_listed_with_their_lines(tmp_path):
    wide = pd.concat([WIDE, WIDE, WIDE.iloc[:1]], ignore_index=True)  # 12 cities twice, the first three times
    err = refused(edition_with(tmp_path, wide))
    assert "13 problem(s)" in err
    assert "values.csv: line 14, column city_id: duplicate city_id 'moskva' (first at line 2)" in err
    assert "values.csv: line 26, column city_id: duplicate city_id 'moskva' (first at line 2)" not in err   # 11th
    assert "... and 3 more (in all, by kind: duplicate city_id: 13)" in err


def test_a_long_file_widens_to_the_wide_file_with_the_line_of_every_cell(tmp_path):
    shuffled = LONG.sample(frac=1, random_state=0).reset_index(drop=True)
    shuffled.to_csv(tmp_path / "long.csv", index=False)
    table = tables.widen(tables.read_table(tmp_path / "long.csv"), problems := Problems())
    assert not problems
    wide = table.frame.set_index("city_id")
    assert sorted(wide.columns) == sorted(WIDE.columns[1:])
    assert wide.loc[WIDE["city_id"], WIDE.columns[1:]].to_numpy().tolist() == WIDE.iloc[:, 1:].to_numpy().tolist()
    for row in (0, 17, 300, len(shuffled) - 1):
        city, code = shuffled.loc[row, ["city_id", "indicator"]]
        at = table.frame.index[table.frame["city_id"] == city][0]
        assert table.where(at, code) == f"{tmp_path / 'long.csv'}: line {row + 2}, column {code}"
    first = shuffled.groupby("city_id", sort=False).head(1)
    assert [table.line(i, "city_id") for i in range(len(table.frame))] == (first.index + 2).tolist()


# --- the size of a file

def test_a_file_over_the_size_bound_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "FILE_MB", 1)
    long = pd.concat([LONG] * 200, ignore_index=True)               # about 2 MB of text
    err = refused(edition_with(tmp_path, long))
    assert err == f"error: {tmp_path}/values.csv: the file is 2 MB, at most 1 MB allowed " \
                  f"(an input table of every city and indicator is a few MB)\n"


def test_a_workbook_that_unpacks_to_more_than_the_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "UNPACKED_MB", 1)
    path = tmp_path / "values.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:   # 3 MB of spaces: a few kB packed
        book.writestr("xl/worksheets/sheet1.xml", " " * 3 * 2**20)
    assert path.stat().st_size < 20_000
    with pytest.raises(Exception) as info:
        tables.read_table(path)
    assert str(info.value) == f"{path}: the workbook unpacks to 3 MB, at most 1 MB allowed " \
                              f"(a workbook of a million rows unpacks to about 150 MB)"


def test_look_alike_codes_are_found_by_hashing_ten_listed_and_counted():
    from iqlib.io import codes

    latin = [f"city{i}" for i in range(25)]
    cyrillic = [code.replace("c", "с") for code in latin]            # a Cyrillic 'с' first: one alphabet each
    mixed = [f"mоskva{i}" for i in range(3)]                         # a Cyrillic 'о' among Latin letters
    table = tables.Table(pd.DataFrame({"city_id": latin + ["", "../x"] + cyrillic + mixed + latin[:1]}), Path("r.csv"), 2)
    problems = Problems()
    codes.check_codes(table, problems)
    assert problems.counts == {"city_id not a code": 1,
                               "city_id differs from another only by look-alike letters or case": 25,
                               "city_id mixes Latin and Cyrillic letters": 3}
    assert problems[1].startswith("r.csv: line 29, column city_id: city_id 'сity0' differs from 'city0' (line 2) only by "
                                  "look-alike Cyrillic and Latin letters (position 1: Cyrillic 'с' (U+0441) where it has "
                                  "Latin 'c' (U+0063))")
    assert problems[-1].startswith("r.csv: line 56, column city_id: city_id 'mоskva2' mixes Latin and Cyrillic letters")
    assert len(problems) == 1 + 10 + 3 and problems.total == 29


def test_a_params_file_with_an_error_in_every_entry_lists_ten_and_the_total(tmp_path):
    from iqlib.core.errors import UserError

    methodology = read_yaml(FIXTURE.parents[2] / "params" / "methodology" / "iq_v1.yaml")
    for indicator in methodology["indicators"]:
        indicator["weight"] = "abc"
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(methodology, allow_unicode=True), encoding="utf-8")
    data = copy.deepcopy(EDITION)
    data["methodology"] = str(tmp_path / "m.yaml")
    data["inputs"] = {"cities": str(FIXTURE / "cities.csv"), "values": str(FIXTURE / "values.csv")}
    (tmp_path / "e.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_params(tmp_path / "e.yaml")
    message = str(info.value)
    assert message.count("(got 'abc')") == 10 and message.endswith("(got 'abc') and 37 more (47 in all)")
    assert "key 'indicators.I01.weight': " in message and "indicators.I11.weight" not in message


def test_a_long_file_of_too_many_indicators_or_cells_is_refused_before_widening(tmp_path, monkeypatch):
    many = pd.DataFrame({"city_id": "moskva", "indicator": [f"X{i:04d}" for i in range(1_001)], "value": "1"})
    err = refused(edition_with(tmp_path, many))
    assert err == (f"error: {tmp_path}/values.csv: 1 001 different indicators in column indicator, at most 1 000 "
                   f"allowed (the first: {', '.join(repr(f'X{i:04d}') for i in range(10))} and 991 more (1 001 in all))\n")
    monkeypatch.setattr(tables, "CELLS", 500)                          # 12 cities × 47 indicators = 564
    err = refused(edition_with(tmp_path, LONG))
    assert err == f"error: {tmp_path}/values.csv: 12 cities × 47 indicators make 564 cells, at most 500 allowed\n"
