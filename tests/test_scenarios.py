"""Scenarios in memory (``iqlib.scenario``): the same numbers as ``iq run`` of the same
scenario file, written as a scenario file the schema accepts."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import ROOT

import iqlib
from iqlib.analysis.compare import compare
from iqlib.config.params import load_params
from iqlib.core import aggregate, engine
from iqlib.core.errors import UserError
from iqlib.io import inputs
from iqlib.presentation.titles import run_title
from iqlib.scenarios import scenario

GROUPS = ["krupneyshie", "krupnye", "bolshie", "lt100k"]


def as_published(scores: pd.DataFrame) -> str:
    buffer = io.StringIO()
    scores.to_csv(buffer, index=False, float_format="%.2f", lineterminator="\n")
    return buffer.getvalue()


@pytest.mark.parametrize("params,run", [("params/editions/2019.yaml", "2019/base"),
                                        ("params/scenarios/reference_bounds.yaml", "2019/reference-bounds")])
def test_an_unchanged_scenario_gives_the_published_scores_byte_for_byte(params, run):
    published = (ROOT / "outputs" / run / "results" / "scores.csv").read_text(encoding="utf-8")
    assert as_published(iqlib.scenario(params).compute()) == published


def test_doubling_d4_moves_what_the_issue_measured():
    """Issue 13: the D4 × 2 scenario moves cities within their group (on the demo data of
    issue 21: 133 of 203, by up to 9 places), and Екатеринбург leaves the top 3 of the
    largest cities (2nd → 4th) while Казань rises to 2nd."""
    base = scenario("params/editions/2019.yaml").compute()
    d4 = scenario("params/editions/2019.yaml", "d4-double", weights={"D4": 2}).compute()
    result = compare(base, d4, GROUPS, ["IQ"])
    overall = result.summary.set_index("group").loc["all"]
    assert (overall["moved"], overall["max_abs_shift"], overall["compared"]) == (133, 9, 203)
    top3 = d4[(d4["group"] == "krupneyshie") & (d4["rank_in_group"] <= 3)]["city_ru"].tolist()
    assert top3 == ["Москва", "Казань", "Санкт-Петербург"]
    assert base[(base["group"] == "krupneyshie") & (base["rank_in_group"] <= 3)]["city_ru"].tolist() == \
        ["Москва", "Екатеринбург", "Казань"]
    kazan = d4.set_index("city_ru").loc["Казань"]
    # IQ = Σ w·D over the ten directions, D4 counted twice (published D values are rounded)
    b = base.set_index("city_ru").loc["Казань"]
    assert kazan["IQ"] == pytest.approx(b["IQ"] + b["D4"], abs=0.011)


def test_a_method_shortcut_replaces_the_choice_of_every_indicator():
    cfg = {"method": "pctrank", "within": "group", "scale": 12}
    s = scenario("params/editions/2019.yaml", normalisation=cfg)
    assert {s.params.methodology.normalisation_of(c).method for c in s.params.methodology.indicator_codes()} == \
        {"pctrank"}
    # the same as the core with that normalisation for every indicator
    params = load_params("params/editions/2019.yaml")
    data = inputs.load(params)
    fw = params.methodology.framework
    prepared = engine.prepare(data.values, data.cities, fw, inputs.goalpost_bounds(params, data.values, data.cities),
                              normalisation=s.params.methodology.scoring.normalisation)
    expected = aggregate.aggregate_all(prepared.normalised, fw).scores["IQ"]
    got = s.result().aggregates["IQ"]
    assert got.equals(expected.loc[got.index])


def test_a_scenario_is_saved_as_a_file_the_schema_and_iq_run_accept(tmp_path):
    s = scenario("params/editions/2019.yaml", "d4-double", "D4 вдвое", weights={"D4": 2, "I12": 0.5},
                 aggregation={"index": {"method": "geometric_mean", "nonpositive": "shift", "shift": 1}})
    assert s.file_data() == {
        "extends": "params/editions/2019.yaml", "scenario": "d4-double", "description": "D4 вдвое",
        "methodology": {"aggregates": {"D4": {"weight": 2.0}}, "indicators": {"I12": {"weight": 0.5}},
                        "scoring": {"aggregation": {"index": {"method": "geometric_mean", "nonpositive": "shift",
                                                              "shift": 1}}}}}
    path = s.save(tmp_path)
    assert path == tmp_path / "d4-double.yaml"
    loaded = load_params(path)
    assert loaded.methodology.node("D4").weight == 2.0 and loaded.extends == ROOT / "params/editions/2019.yaml"
    assert as_published(scenario(path).compute()) == as_published(s.compute())
    with pytest.raises(UserError, match="exists"):
        s.save(tmp_path)


def test_a_scenario_of_a_scenario_keeps_its_changes():
    s = scenario("params/scenarios/reference_bounds.yaml", "rb-d4", weights={"D4": 2})
    assert s.extends == "params/editions/2019.yaml"
    meth = s.params.methodology
    assert meth.normalisation_of("I05").method == "goalposts" and meth.node("D4").weight == 2.0


def test_a_scenarios_title_names_it_and_its_base():
    s = scenario("params/editions/2019.yaml", "d4-double", weights={"D4": 2})
    assert run_title(s.params) == ("IQ городов — 2019 (демонстрационный расчёт на синтетических данных) — "
                              "сценарий «d4-double» на основе издания 2019")


@pytest.mark.parametrize("kwargs,message", [
    ({"weights": {"D11": 2}}, "weights: no indicator or aggregate with code 'D11'"),
    ({"aggregation": {"pillar": "geometric_mean"}}, "aggregation: no level 'pillar'"),
    ({"normalisation": {"method": "minmaxx"}}, "minmaxx"),
    ({"weights": {"D4": -1}}, "weight"),
    # arguments of the wrong type: one message naming the argument (a ValueError traceback before)
    ({"weights": {"D1": "abc"}}, "scenario argument 'weights': 'D1': 'abc' is not a number"),
    ({"weights": {"D1": True}}, "scenario argument 'weights': 'D1': True is not a number"),
    ({"weights": [("D1", 2)]}, "scenario argument 'weights': expected dict, got list"),
    ({"missing": 3}, "scenario argument 'missing': expected str, got int"),
    ({"normalisation": 1.5}, "scenario argument 'normalisation': expected dict or str, got float"),
    ({"aggregation": "geometric_mean"}, "scenario argument 'aggregation': expected dict, got str"),
    ({"edition": ["title_ru"]}, "scenario argument 'edition': expected dict, got list"),
])
def test_mistakes_are_one_message_naming_the_key(kwargs, message):
    with pytest.raises(UserError, match=message):
        scenario("params/editions/2019.yaml", "bad", **kwargs).compute()


def test_a_bad_scenario_name_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(UserError, match="scenario"):
        scenario("params/editions/2019.yaml", "Плохое имя", weights={"D4": 2}).save(tmp_path)
    assert not list(tmp_path.iterdir())
