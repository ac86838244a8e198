"""Every confirmed published figure of 2018–2021 (data/reference/) is reproduced by its demo
edition through the code path a run takes: place in group, score to two decimals, the
national average and the group sizes. The demo values are synthetic and calibrated to these
figures (iqlib/io/calibrate.py); this test recomputes each one from the committed files."""

from functools import cache

import pandas as pd
import pytest
from conftest import ROOT

from iqlib import stages
from iqlib.config.params import load_params
from iqlib.core import engine
from iqlib.core.errors import UserError
from iqlib.io import calibrate, inputs, reference

YEARS = (2018, 2019, 2020, 2021)
PUBLISHED = ROOT / "data" / "reference" / "published_results.csv"
AVERAGES = ROOT / "data" / "reference" / "published_averages.csv"
# group sizes published for each data year (0 where a size is not published)
SIZES = {2018: {"krupneyshie": 15, "krupnye": 63, "bolshie": 93, "lt100k": 20},
         2020: {"krupneyshie": 16, "krupnye": 65, "bolshie": 92, "lt100k": 30},
         2021: {"krupnye": 63, "bolshie": 94}}


@cache
def _computed(year):
    params = load_params(ROOT / "params" / "editions" / f"{year}.yaml")
    data = inputs.load(params)
    fw = params.methodology.framework
    result = engine.compute(data.values[params.methodology.indicator_codes()], data.cities, fw)
    scores = stages.published_scores(params, data.cities, result.scores)
    published = reference.read_published(params, data.cities)
    return params, data.cities, scores, published, fw.index_code


@pytest.mark.slow   # four demo editions computed in full (a second each): `make test`, not the fast loop
def test_every_published_figure_is_reproduced():
    checked, failed = 0, []
    for year in YEARS:
        params, cities, scores, published, code = _computed(year)
        table = reference.official_table(published, scores, code)
        for r in table.itertuples():
            checked += 1
            if not r.rank_matches:
                failed.append(f"{year} {r.city_ru}: place {r.rank}, published {r.official_rank}")
            if pd.notna(r.official_score):
                checked += 1
                if f"{r.score:.2f}" != f"{r.official_score:.2f}":
                    failed.append(f"{year} {r.city_ru}: score {r.score:.2f}, published {r.official_score:.2f}")
        average = reference.national_average(published, scores, code, 2).iloc[0]
        if published.average is not None:
            checked += 1
            if f"{average['average']:.2f}" != f"{published.average:.2f}":
                failed.append(f"{year}: average {average['average']:.2f}, published {published.average:.2f}")
        for group, n in SIZES.get(year, {}).items():
            checked += 1
            if (cities["group"] == group).sum() != n:
                failed.append(f"{year} {group}: {(cities['group'] == group).sum()} cities, published {n}")
    # every row of 2018–2021 in the reference file (a place), every score in it, 3 averages, 10 group sizes
    ref = pd.read_csv(PUBLISHED)
    ref = ref[ref["data_year"].isin(YEARS)]
    expected = len(ref) + ref["score"].notna().sum() + 3 + 10
    print(f"published figures reproduced: {checked - len(failed)} of {expected}")
    assert checked == expected == 134      # 70 places, 51 scores, 3 averages, 10 group sizes
    assert failed == []


@pytest.mark.slow
def test_the_headline_facts():
    _, _, scores, _, _ = _computed(2018)
    top = scores[scores["rank_in_group"] == 1].set_index("group")
    assert top.at["bolshie", "city_ru"] == "Реутов" and f"{top.at['bolshie', 'IQ']:.2f}" == "71.35"
    assert top.at["krupneyshie", "city_ru"] == "Москва" and top.at["lt100k", "city_ru"] == "Дубна"
    for year in (2019, 2020, 2021):          # Moscow leads the largest cities every year
        _, _, scores, _, _ = _computed(year)
        first = scores[(scores["group"] == "krupneyshie") & (scores["rank_in_group"] == 1)]
        assert first["city_ru"].tolist() == ["Москва"]


def test_targets_by_hand():
    """Places fixed by publication, the others in their own order and fitted between the
    published scores around them; the average reached by bending the free scores."""
    natural = pd.Series({"a": 80.0, "b": 70.0, "c": 60.0, "d": 50.0, "e": 10.0})
    groups = pd.Series("g", index=natural.index)
    pins = pd.DataFrame({"city_id": ["e", "a"], "group": ["g", "g"], "rank": [1, 4], "score": [90.0, float("nan")]})
    published = reference.Published(pins, None, "", None, pd.DataFrame())
    t = calibrate.targets(natural, groups, published, None, 120, 2)
    order = t.sort_values(ascending=False).index.tolist()
    assert order == ["e", "b", "c", "a", "d"]          # e first, a fourth, the rest as before
    assert t["e"] == 90.0                               # the published score
    # the free scores are the natural pool (80, 70, 60, 50) in the free places: b 80, c 70, a 60, d 50
    assert t[["b", "c", "a", "d"]].tolist() == [80.0, 70.0, 60.0, 50.0]
    # a published score below the free ones squeezes them under it (keeping their order)
    pins2 = pd.DataFrame({"city_id": ["e"], "group": ["g"], "rank": [2], "score": [30.0]})
    t2 = calibrate.targets(natural, groups, reference.Published(pins2, None, "", None, pd.DataFrame()), None, 120, 2)
    assert t2["e"] == 30.0 and t2.drop("e").sort_values().index.tolist() == ["d", "c", "b", "a"]
    assert t2["a"] > 30.0 and (t2.drop(["a", "e"]) < 30.0).all()
    # an average: all five mean 40.00 exactly (on the published decimals), order unchanged
    t3 = calibrate.targets(natural, groups, published, 40.0, 120, 2)
    assert round(t3.mean(), 2) == 40.0 and t3["e"] == 90.0
    assert t3.sort_values(ascending=False).index.tolist() == order


def test_a_published_city_missing_from_the_roster_is_named(tmp_path):
    bad = tmp_path / "published.csv"
    bad.write_text("data_year,group,rank,city,score,flag,source\n2020,krupnye,1,Атлантида,50,C,x\n", encoding="utf-8")
    params = load_params(ROOT / "params" / "editions" / "2020.yaml")
    cities, _ = inputs.load_cities(params)
    edition = params.edition.model_copy(update={"inputs": params.edition.inputs.model_copy(
        update={"published_results": str(bad)})})
    params = params.__class__(edition, params.methodology, params.edition_path, params.methodology_path, params.files)
    with pytest.raises(UserError, match=r"published.csv: line 2, column city: 'Атлантида' is not in the roster"):
        reference.read_published(params, cities)
