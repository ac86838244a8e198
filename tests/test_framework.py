"""The framework tree and scenarios: any depth, validated, overridable in YAML."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT

from iqlib.config.params import Methodology, load_params
from iqlib.core import aggregate, engine
from iqlib.core.errors import UserError

IQ = yaml.safe_load((ROOT / "params/methodology/iq_v1.yaml").read_text(encoding="utf-8"))


def deep_methodology() -> dict:
    """indicator → pillar → sub-index → index, four indicators."""
    m = {k: IQ[k] for k in ["id", "title_ru", "title_en", "status", "sources", "kinds"]}
    m["levels"] = ["indicator", "pillar", "subindex", "index"]
    m["scoring"] = {"normalisation": {"method": "minmax", "within": "all", "lower": 0, "upper": 1},
                    "aggregation": {"pillar": {"method": "weighted_mean"},
                                    "subindex": {"method": "geometric_mean"},
                                    "index": {"method": "weighted_mean", "weights": "equal"}}}
    m["aggregates"] = [{"code": "X", "level": "index", "name_ru": "X", "name_en": "X"},
                       {"code": "S1", "level": "subindex", "parent": "X", "name_ru": "s", "name_en": "s"},
                       {"code": "S2", "level": "subindex", "parent": "X", "name_ru": "s", "name_en": "s", "weight": 3},
                       {"code": "P1", "level": "pillar", "parent": "S1", "name_ru": "p", "name_en": "p"},
                       {"code": "P2", "level": "pillar", "parent": "S1", "name_ru": "p", "name_en": "p"},
                       {"code": "P3", "level": "pillar", "parent": "S2", "name_ru": "p", "name_en": "p"}]
    ind = {"name_ru": "i", "name_en": "i", "kind": "share", "unit": "%", "polarity": 1}
    m["indicators"] = [{"code": "A", "parent": "P1", **ind}, {"code": "B", "parent": "P1", "weight": 3, **ind},
                       {"code": "C", "parent": "P2", **ind}, {"code": "D", "parent": "P3", **ind, "polarity": -1}]
    return m


def test_a_four_level_tree_aggregates_by_hand():
    meth = Methodology.model_validate(deep_methodology())
    assert meth.framework.aggregate_codes() == ["P1", "P2", "P3", "S1", "S2", "X"]
    values = pd.DataFrame({"A": [0, 100.0], "B": [100, 0.0], "C": [50, 100.0], "D": [0, 100.0]},
                          index=pd.Index(["u", "v"], name="city_id"))
    cities = pd.DataFrame({"city_id": ["u", "v"], "group": ["g", "g"]})
    res = engine.compute(values, cities, meth.framework)
    s = res.scores
    # normalised over all: A u0 v1, B u1 v0, C u0 v1, D (polarity −1) u1 v0
    assert s.loc["u", "P1"] == 0.75 and s.loc["v", "P1"] == 0.25        # weights 1 and 3
    assert s.loc["u", "S1"] == 0.0                                      # geometric mean with a zero
    assert s.loc["v", "S1"] == pytest.approx(np.sqrt(0.25 * 1.0))
    assert s.loc["u", "X"] == pytest.approx((0.0 + 1.0) / 2)              # equal weights at the top
    assert s.loc["v", "X"] == pytest.approx((0.5 + 0.0) / 2)
    assert res.rank_overall.tolist() == [1, 2]


def edit(change) -> dict:
    m = deep_methodology()
    change(m)
    return m


@pytest.mark.parametrize("change,message", [
    (lambda m: m["aggregates"][1].update(code="P1"), "duplicate node code(s): P1"),
    (lambda m: m["indicators"][0].update(parent="S1"), "A: parent S1 is on level 'subindex', not on the level above ('pillar')"),
    (lambda m: m["aggregates"][3].update(parent="X"), "P1: parent X is on level 'index', not on the level above ('subindex')"),
    (lambda m: m["aggregates"][3].update(parent="Q9"), "P1: parent 'Q9' is not an aggregate of the framework"),
    (lambda m: m["aggregates"].append({"code": "P4", "level": "pillar", "parent": "S2", "name_ru": "p", "name_en": "p"}),
     "aggregate(s) without children: P4"),
    (lambda m: m["aggregates"].append({"code": "Y", "level": "index", "name_ru": "y", "name_en": "y"}),
     "level 'index' (the index) must hold exactly one aggregate, not 2"),
    (lambda m: m["aggregates"][1].update(level="region"), "aggregate S1: level 'region' is not one of"),
    (lambda m: m["scoring"]["aggregation"].pop("subindex"), "scoring.aggregation has no method for level(s): subindex"),
    (lambda m: m["indicators"][1].update(weight=-2), "key 'indicators.B.weight': Input should be greater than or equal to 0"),
    (lambda m: m["indicators"][1].update(kind="ratio"), "indicator B: kind 'ratio' is not among the kinds"),
])
def test_framework_mistakes_name_the_code(change, message):
    from iqlib.config.errors import validated as _validated

    with pytest.raises(UserError) as err:
        _validated(Methodology, edit(change), "m.yaml")
    assert message in str(err.value)


def scenario(tmp_path: Path, body: dict) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({"extends": "params/editions/2019.yaml", "scenario": "test", **body},
                                   allow_unicode=True), encoding="utf-8")
    return path


def test_scenario_overrides_only_what_it_names(tmp_path):
    path = scenario(tmp_path, {"edition": {"language": "en"}, "methodology": {
        "kinds": {"share": {"normalisation": {"method": "zscore", "within": "all"}}},
        "indicators": {"I12": {"missing": "group_median", "weight": 2}},
        "aggregates": {"D4": {"weight": 0.5}},
        "scoring": {"treatment": {"method": "jrc", "winmax": 3}}}})
    p = load_params(path)
    m = p.methodology
    assert p.edition.scenario == "test" and p.edition.language == "en" and p.edition.seed == 2019
    assert m.normalisation_of("I05").method == "zscore"              # a share
    assert m.normalisation_of("I02").method == "minmax"              # a rate: untouched
    assert m.normalisation_of("I02").upper == 12
    assert m.missing_rule("I12") == "group_median" and m.node("I12").weight == 2
    assert m.missing_rule("I02") == "exclude"
    assert m.node("D4").weight == 0.5 and m.node("D3").weight == 1
    assert m.treatment_of("I01").winmax == 3 and m.treatment_of("I01").kurt == 3.5
    assert [f.name for f in p.files] == ["scenario.yaml", "2019.yaml", "iq_v1.yaml"]


@pytest.mark.parametrize("body,message", [
    ({"methodology": {"kinds": {"share": {"normalisation": {"method": "minimax"}}}}},
     "key 'kinds.share.normalisation': Input tag 'minimax' found using 'method' does not match"),
    ({"methodology": {"indicators": {"I99": {"weight": 2}}}}, "methodology key 'indicators.I99': no indicator with code 'I99'"),
    ({"methodology": {"scoring": {"normalisation": {"method": "zscore", "lower": 0}}}},
     "unknown key 'scoring.normalisation.lower'"),
    ({"methodology": {"scoring": {"aggregation": {"index": {"method": "generalised_mean"}}}}},
     "key 'scoring.aggregation.index': generalised_mean needs an exponent p"),
    ({"methodology": {"aggregates": {"D3": {"weight": -1}}}}, "key 'aggregates.D3.weight'"),
    ({"colour": "red"}, "unknown key 'colour'"),
    # pydantic's union-member tags ('minmax', 'choice', 'float', …) never show in the key path
    ({"methodology": {"scoring": {"normalisation": {"method": "minmax", "lower": 5, "upper": 1}}}},
     "key 'scoring.normalisation': upper (1.0) must be greater than lower (5.0)"),
    ({"edition": {"uncertainty": {"normalisation": ["nominal", {"method": "minmax", "lower": 2, "upper": 1}]}}},
     "key 'uncertainty.normalisation.1': upper (1.0) must be greater than lower (2.0)"),
    ({"edition": {"uncertainty": {"treatment": ["nominal", {"method": "jrc", "skew": -1}]}}},
     "key 'uncertainty.treatment.1.skew': Input should be greater than 0"),
    ({"methodology": {"scoring": {"normalisation": {"method": "goalposts", "lower": 0, "upper": None}}}},
     "key 'scoring.normalisation.upper': Input should be a valid number (got None); "
     "key 'scoring.normalisation.upper': Input should be 'base_group_max' or 'base_max'"),
    ({"methodology": {"scoring": {"normalisation": {"method": "goalposts", "upper": 3}}}},
     "missing key 'scoring.normalisation.lower'"),
    ({"methodology": {"indicators": {"I05": {"derive": {"numerator": "x"}}}}},
     "missing key 'indicators.I05.derive.denominator'"),
])
def test_bad_scenario_choices_are_clear_errors(tmp_path, body, message):
    with pytest.raises(UserError) as err:
        load_params(scenario(tmp_path, body))
    assert message in str(err.value)
    assert "scenario.yaml" in str(err.value)


def test_scenario_must_extend_an_existing_edition(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("extends: params/editions/1999.yaml\nscenario: x\n", encoding="utf-8")
    with pytest.raises(UserError, match="key 'extends': file not found: params/editions/1999.yaml"):
        load_params(path)


def test_reference_bounds_scenario_scores_against_fixed_posts():
    p = load_params(ROOT / "params/scenarios/reference_bounds.yaml")
    m = p.methodology
    assert p.edition.scenario == "reference-bounds"
    assert {m.normalisation_of(c).method for c in m.indicator_codes()} == {"goalposts"}
    assert m.normalisation_of("I05").upper == 100 and m.normalisation_of("I01").upper == 1
    assert m.normalisation_of("I02").upper == "base_group_max"
    values = pd.DataFrame({"I05": [50.0], "I24": [25.0], "I02": [300.0]}, index=["c"])
    from iqlib.core import normalise

    bounds = normalise.Bounds(pd.DataFrame({"I02": [600.0]}, index=["krupnye"]), pd.Series({"I02": 600.0}))

    out = normalise.normalise(values, pd.Series({"I05": 1.0, "I24": -1.0, "I02": 1.0}),
                              {c: m.normalisation_of(c) for c in values.columns}, pd.Series(["krupnye"], index=["c"]),
                              bounds)
    assert out.loc["c"].tolist() == [6.0, 9.0, 6.0]  # 12·50/100; 12·(100−25)/100; 12·300/600


def test_leave_one_out_and_effective_weights_on_the_fixture():
    from iqlib.analysis import diagnostics
    from iqlib.io import inputs

    p = load_params(ROOT / "tests/fixtures/mini/edition.yaml")
    data = inputs.load(p)
    fw = p.methodology.framework
    res = engine.compute(data.values, data.cities, fw, engine.base_bounds(data.values, data.cities))
    groups = data.cities.set_index("city_id")["group"]
    summary, shifts = diagnostics.leave_one_out(res.normalised, groups, fw, ["D10", "I17"])
    # D10 has one indicator (I17): dropping either is the same change
    assert shifts["D10"].tolist() == shifts["I17"].tolist()
    without = aggregate.aggregate_all(res.normalised, fw, drop=frozenset({"D10"})).scores["IQ"]
    assert without.to_numpy() == pytest.approx((res.scores["IQ"] - res.scores["D10"]).to_numpy())
    eff = diagnostics.effective_weights(res.normalised, res.scores, fw)
    directions = eff[eff["level"] == "direction"]
    assert directions["nominal_share"].tolist() == [0.1] * 10
    assert directions["variance_share"].sum() == pytest.approx(1.0)
    assert eff[eff["level"] == "indicator"]["nominal_share"].sum() == pytest.approx(1.0)


def test_imputation_group_column_must_exist(tmp_path):
    from iqlib.io import inputs

    path = scenario(tmp_path, {"methodology": {"scoring": {"imputation": {"by": "federal_district"}}}})
    with pytest.raises(UserError, match="key 'scoring.imputation.by': the roster has no column 'federal_district'"):
        inputs.load(load_params(path))


def test_pca_weights_scenario_runs_end_to_end(tmp_path):
    from iqlib.io import inputs

    path = scenario(tmp_path, {"methodology": {"scoring": {"aggregation": {
        "direction": {"method": "weighted_mean", "weights": "pca"}}}}})
    p = load_params(path)
    data = inputs.load(p)
    res = engine.compute(data.values, data.cities, p.methodology.framework)
    weights = res.aggregated.weights
    w = weights[weights["level"] == "direction"].groupby("parent")["weight"].sum()
    assert w.to_numpy() == pytest.approx(np.ones(10))  # PCA weights sum to 1 within each direction
    assert res.scores["IQ"].between(0, 120).all()
