"""Inputs cannot shadow results (issue 23, item 2): a declared roster column, a framework code or
the regions column that takes a name the results use is one message naming the params file and
the key (exit 2, from ``iq validate`` and ``iq run`` alike, nothing written); a regions column
that is not in the roster fails in ``iq validate``, not in stage 05; a city with a blank region is
counted in the regional table as «регион не указан» (the tile map leaves it off, the table lists it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT

from iqlib import cli
from iqlib.config.params import load_params
from iqlib.config.reserved import reserved_names


def fixture_edition(tmp_path: Path, column: str | None = None, value=lambda city: "x", declared: str = "",
                    methodology: str = "", region=lambda city, region: region, uncertainty: bool = True) -> Path:
    """A copy of the mini fixture edition in ``tmp_path``: an extra roster column ``column``
    (its value per city) declared as ``declared``, the regions as ``region`` gives them, and,
    with ``methodology``, a scenario extending it that overrides the methodology."""
    lines = []
    for line in (FIXTURE / "cities.csv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            lines.append(line)
            continue
        cells = line.split(",")
        if line.startswith("city_id,"):
            lines.append(line + (f",{column}" if column else ""))
            continue
        cells[2] = region(cells[0], cells[2])
        lines.append(",".join(cells) + (f",{value(cells[0])}" if column else ""))
    (tmp_path / "cities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = (FIXTURE / "edition.yaml").read_text(encoding="utf-8").replace("tests/fixtures/mini/cities.csv",
                                                                          str(tmp_path / "cities.csv"))
    if not uncertainty:
        head, _, tail = text.partition("uncertainty:\n")
        text = head + tail[tail.index("publication:"):]
    if declared:
        text += f"roster_columns: [{declared}]\n"
    edition = tmp_path / "edition.yaml"
    edition.write_text(text, encoding="utf-8")
    if not methodology:
        return edition
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"extends: {edition}\nscenario: shadow\nmethodology:\n{methodology}", encoding="utf-8")
    return scenario


def refused(tmp_path: Path, capsys, path: Path) -> str:
    """``iq validate`` and ``iq run`` both end in the same one message, exit 2, nothing written."""
    messages = []
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "run")]):
        code = cli.main(command)
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("error: ") and "Traceback" not in err and err.count("\n") == 1, err
        messages.append(err)
    assert messages[0] == messages[1]
    assert not (tmp_path / "run").exists()
    return messages[0]


# ----------------------------------------------------------------------------- the bug
def test_a_declared_column_named_like_the_overall_rank_is_refused_not_overwritten(tmp_path, capsys):
    """The bug: a declared ``rank_overall`` (ranked within) was overwritten by the computed overall
    rank in scores.csv and a meaningless ``rank_in_rank_overall`` column appeared."""
    path = fixture_edition(tmp_path, "rank_overall", lambda city: "7",
                           "{name: rank_overall, type: integer, rank_and_summarise: true}")
    err = refused(tmp_path, capsys, path)
    assert err == (f"error: {path}: key 'roster_columns.0.name': 'rank_overall' is a name the results use "
                   f"(results/scores.csv: the overall rank); name the declared column otherwise\n")


@pytest.mark.parametrize("name,use", [
    ("rank_in_group", "results/scores.csv: the rank in the population group"),
    ("rank_in_okrug", "results/scores.csv names its ranks rank_in_<column>"),
    ("cities", "results/regions.csv: the regional table; results/group_summary.csv and summary_<column>.csv: "
               "the group summaries"),
    ("mean", "results/group_summary.csv and summary_<column>.csv: the group summaries"),
    ("lat", "a column of the roster, in results/cities.csv and scores.csv"),
])
def test_a_declared_column_may_not_take_a_result_name(tmp_path, name, use):
    path = fixture_edition(tmp_path, name, declared=f"{{name: {name}, type: text}}")
    with pytest.raises(Exception) as exc:
        load_params(path)
    assert str(exc.value) == (f"{path}: key 'roster_columns.0.name': {name!r} is a name the results use ({use}); "
                              f"name the declared column otherwise")


def test_a_framework_code_may_not_take_a_result_name_or_a_declared_column(tmp_path, capsys):
    meth = (ROOT / "params/methodology/iq_v1.yaml").read_text(encoding="utf-8")
    assert meth.count("D10\n") == 2                    # the direction's code and its indicator's parent
    (tmp_path / "meth.yaml").write_text(meth.replace("D10\n", "group\n"), encoding="utf-8")
    path = fixture_edition(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("params/methodology/iq_v1.yaml", str(tmp_path / "meth.yaml")),
                    encoding="utf-8")
    err = refused(tmp_path, capsys, path)
    assert err == (f"error: {tmp_path / 'meth.yaml'}: key 'aggregates.group.code': 'group' is a name the results use "
                   f"(a column of the roster, in results/cities.csv and scores.csv); give it another code\n")
    (tmp_path / "meth.yaml").write_text(meth.replace("D10\n", "okrug\n"), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8") + "roster_columns: [{name: okrug, type: text}]\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"key 'roster_columns.0.name': 'okrug' is a name the results use \(the code "
                                        r"of direction okrug, a column of results/scores.csv and aggregates.csv\)"):
        load_params(path)


def test_the_reserved_names_are_every_column_the_results_write(tmp_path):
    """The one list covers every column name of every results table of a real run beside the
    framework's codes (checked against the published demo run's tables)."""
    params = load_params(ROOT / "params/editions/2019.yaml")
    reserved = reserved_names(params.edition, params.methodology)
    codes = set(params.methodology.indicator_codes()) | {a.code for a in params.methodology.aggregates}
    results = ROOT / "outputs/2019/base/results"
    for name in ("scores", "aggregates", "normalised", "values", "regions", "group_summary", "cities", "published_ties"):
        header = (results / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        assert set(header) <= set(reserved), (name, set(header) - set(reserved))
    assert codes <= set(reserved) and "IQ_full" in reserved and "rank_overall" in reserved


# ----------------------------------------------------------------------------- the regions column
def test_a_regions_column_that_is_not_a_roster_column_fails_in_validate(tmp_path, capsys):
    path = fixture_edition(tmp_path, methodology="  regions: {column: okrug}\n")
    err = refused(tmp_path, capsys, path)
    meth = f"params/methodology/iq_v1.yaml with the overrides of {path}"
    assert err == (f"error: {meth}: key 'regions.column': 'okrug' is not a column of the roster; expected region_ru or "
                   f"a column declared in the edition's roster_columns (declared: none)\n")
    path = fixture_edition(tmp_path, methodology="  regions: {column: rank_overall}\n")
    assert "'rank_overall' is a name the results use (results/scores.csv: the overall rank)" in refused(tmp_path, capsys, path)


def test_a_regions_column_the_roster_file_lacks_names_the_columns_it_has(tmp_path, capsys):
    path = fixture_edition(tmp_path, methodology="  regions: {column: oktmo}\n")   # a roster column, not in this file
    err = refused(tmp_path, capsys, path)
    assert err == (f"error: params/methodology/iq_v1.yaml with the overrides of {path}: key 'regions.column': 'oktmo' is "
                   f"not a column of the roster {tmp_path / 'cities.csv'} (its columns: city_id, city_ru, region_ru, "
                   f"population, regional_capital, pilot, group_computed, group_official, group)\n")
