"""Inputs cannot shadow results (issue 23, item 2): a declared roster column, a framework code or
the regions column that takes a name the results use is one message naming the params file and
the key (exit 2, from ``iq validate`` and ``iq run`` alike, nothing written); a regions column
that is not in the roster fails in ``iq validate``, not in stage 05; a city with a blank region is
counted in the regional table as «регион не указан» (the tile map leaves it off, the table lists it)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURE, ROOT

from iqlib import cli, stages
from iqlib.analysis import summaries
from iqlib.config.params import load_params
from iqlib.config.reserved import reserved_names
from iqlib.io.runfolder import RunFolder
from iqlib.presentation.words import word
from iqlib.publishing import maps as home_maps

NOT_GIVEN_EN = "region not given"    # the fixture edition's language is English


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


def test_a_declared_column_as_the_regions_column_makes_the_regional_table(tmp_path):
    """A declared roster column that is not ranked within is not in scores.csv: stage 05 takes
    it from the roster (it used to fail there with a KeyError)."""
    okrug = {"moskva": "ЦФО", "khimki": "ЦФО", "kazan": "ПФО"}
    path = fixture_edition(tmp_path, "okrug", lambda city: okrug.get(city, "другой"), "{name: okrug, type: text}",
                           methodology="  regions: {column: okrug, min_cities: 3}\n")
    params = load_params(path)
    run = RunFolder(tmp_path / "run")
    scores = pd.read_csv(FIXTURE / "scores.golden.csv")
    run.write_csv("scores.csv", scores)
    run.write_csv("cities.csv", pd.read_csv(tmp_path / "cities.csv", comment="#"))
    table = stages.regions(params, run).set_index("region")
    assert table["cities"].to_dict() == {"другой": 9, "ЦФО": 2, "ПФО": 1}
    iq = scores.set_index("city_id")["IQ"]
    assert table.at["ЦФО", "IQ"] == round((iq["moskva"] + iq["khimki"]) / 2 + 1e-9, 2)
    assert table.at["другой", "rank"] == 1 and table["rank"].isna().sum() == 2      # fewer than 3 cities: not ranked


# ----------------------------------------------------------------------------- a blank region
@pytest.mark.slow
def test_cities_with_a_blank_region_are_counted_as_region_not_given(tmp_path):
    """One city with an empty region and one with spaces: the regional table of a run counts
    every city (its city counts sum to the roster's 12), the two as one unranked row «region
    not given» listed last; the tile map leaves that row off the map but lists it in its table."""
    blank = {"kazan": "", "khimki": "   "}
    path = fixture_edition(tmp_path, region=lambda city, region: blank.get(city, region), uncertainty=False)
    params = load_params(path)
    run = RunFolder(tmp_path / "run")
    for stage in (stages.load, stages.normalise, stages.weight, stages.rank):
        stage(params, run)
    table = stages.regions(params, run)
    cities = run.read_csv("cities.csv")
    assert table["cities"].sum() == len(cities) == 12
    last = table.iloc[-1]
    assert last["region"] == NOT_GIVEN_EN == word("en", "shadow.region_not_given") and last["cities"] == 2
    assert pd.isna(last["rank"]) and table["rank"].iloc[:-1].tolist() == list(range(1, len(table)))
    scores = run.read_csv("scores.csv").set_index("city_id")
    assert last["IQ"] == round((scores.at["kazan", "IQ"] + scores.at["khimki", "IQ"]) / 2 + 1e-9, 2)
    assert last["best_city"] == "Казань"                     # 51.58 before Химки's 37.20
    written = (tmp_path / "run/results/regions.csv").read_text(encoding="utf-8").splitlines()
    assert written[1].startswith("1,") and written[-1] == f",{NOT_GIVEN_EN},2,{last['IQ']:.2f},Казань"

    tile = home_maps.maps(run.read_csv("regions.csv"), run.read_csv("scores.csv"), cities, "ru", 2019)["tile"]
    assert tile["unplaced"] == "" and NOT_GIVEN_EN not in tile["svg"]
    assert tile["rows"][-1] == {"region": NOT_GIVEN_EN, "cities": 2, "value": f"{last['IQ']:.2f}".replace(".", ",")}
    assert sum(r["cities"] for r in tile["rows"]) == 12


def test_the_regional_table_in_russian_and_a_missing_region():
    scores = pd.DataFrame({"city_id": ["a", "b", "c"], "city_ru": ["А", "Б", "В"], "region_ru": ["Край", None, " "],
                           "IQ": [10.0, 30.0, 20.0], "rank_in_group": [3, 1, 2]})
    label = word("ru", "shadow.region_not_given")
    table = summaries.regions(scores, "IQ", 2, "region_ru", "mean", 1, label)
    assert label == "регион не указан"
    assert table["rank"].iloc[0] == 1 and pd.isna(table["rank"].iloc[1])          # not a region: never ranked
    assert table.drop(columns="rank").to_dict("list") == {"region": ["Край", label], "cities": [1, 2],
                                                          "IQ": [10.0, 25.0], "best_city": ["А", "Б"]}


def test_the_published_demo_has_no_blank_region_and_its_regional_tables_are_unchanged():
    runs = sorted(p for p in (ROOT / "outputs").glob("*/*/results/regions.csv") if (p.parents[1] / "notebooks").is_dir()
                  and (p.parent / "cities.csv").is_file())                  # the edition runs, not the series
    assert len(runs) == 5
    for path in runs:
        results = path.parent
        assert not pd.read_csv(results / "cities.csv")["region_ru"].isna().any(), results
        manifest = json.loads((results.parent / "manifest.json").read_text(encoding="utf-8"))
        params = load_params(ROOT / manifest["params"]["path"])
        rule, meth = params.methodology.regions, params.methodology
        table = summaries.regions(pd.read_csv(results / "scores.csv"), meth.index_code, meth.scoring.decimals,
                                  rule.column, rule.statistic, rule.min_cities, word("ru", "shadow.region_not_given"))
        out = io.StringIO()
        table.to_csv(out, index=False, float_format=f"%.{meth.scoring.decimals}f", lineterminator="\n")
        assert out.getvalue() == path.read_text(encoding="utf-8"), path
