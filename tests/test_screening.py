"""Screening by data availability (scoring.screening) against hand-computed cases and
COINr's documented semantics of Screen(): availability = 1 − missing/k, a unit is dropped
when availability < dat_thresh (strict: a unit exactly at the threshold is kept)."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURE_EDITION

from iqlib import stages
from iqlib.config.params import load_params
from iqlib.core import engine, screen
from iqlib.core.aggregate import Aggregation
from iqlib.core.errors import MethodError
from iqlib.core.framework import Framework
from iqlib.core.normalise import MinMax
from iqlib.core.screen import Screening
from iqlib.core.treat import NoTreatment
from iqlib.io.runfolder import RunFolder
from iqlib.publishing import site

NAN = np.nan

# four units, two indicators; u2 has half its data, u4 none
VALUES = pd.DataFrame({"A": [1.0, 3.0, 5.0, NAN], "B": [1.0, NAN, 5.0, NAN]},
                      index=pd.Index(["u1", "u2", "u3", "u4"], name="city_id"))
CITIES = pd.DataFrame({"city_id": ["u1", "u2", "u3", "u4"], "group": ["g"] * 4})


def framework(screening: Screening | None, missing: str = "group_mean") -> Framework:
    return Framework(levels=("indicator", "index"), codes={"indicator": ("A", "B"), "index": ("X",)},
                     parent={"A": "X", "B": "X"}, weight={"A": 1.0, "B": 1.0, "X": 1.0},
                     polarity={"A": 1.0, "B": 1.0}, missing={"A": missing, "B": missing},
                     treatment={"A": NoTreatment(), "B": NoTreatment()},
                     normalisation={c: MinMax(method="minmax", within="all") for c in "AB"},
                     aggregation={"index": Aggregation(method="weighted_mean")}, screening=screening)


def test_availability_and_the_strict_threshold_of_coinr():
    # COINr's vignette case: 4 indicators, dat_thresh 0.75 keeps a unit with 3 of 4 (0.75 is not < 0.75)
    x = pd.DataFrame([[1, 2, 3, 4], [1, NAN, 3, 4], [NAN, NAN, 3, 4], [NAN, NAN, NAN, NAN]],
                     index=["full", "three", "two", "none"], dtype=float)
    table = screen.availability(x, Screening(threshold=0.75))
    assert table["availability"].tolist() == [1.0, 0.75, 0.5, 0.0]
    assert table["missing"].tolist() == [0, 1, 2, 4]
    assert table["screened"].tolist() == [False, False, True, True]
    kept, screened = screen.screen(x, Screening(threshold=0.75))
    assert kept.index.tolist() == ["full", "three"]
    assert screened[["city_id", "availability"]].values.tolist() == [["two", 0.5], ["none", 0.0]]
    assert screened["rule"].tolist() == ["missing (byNA)"] * 2
    # just above 0.75: the unit with 3 of 4 goes too
    assert screen.availability(x, Screening(threshold=0.76))["screened"].tolist() == [False, True, True, True]


def test_zeros_rule_counts_non_zero_among_the_available_values():
    # COINr's Non_Zero = 1 − zeros/(k − missing): (0, 0, 0, 7) → 0.25; (0, NaN, NaN, NaN) → 0;
    # nothing available → undefined, counted as below the threshold
    x = pd.DataFrame([[0, 0, 0, 7], [0, NAN, NAN, NAN], [NAN] * 4, [1, 2, 3, 4]], index=list("abcd"), dtype=float)
    t = screen.availability(x, Screening(rule="zeros", threshold=0.0, nonzero_threshold=0.25))
    assert t["nonzero_share"].tolist()[:2] == [0.25, 0.0] and np.isnan(t["nonzero_share"].iloc[2])
    assert t["screened"].tolist() == [False, True, True, False]       # 0.25 is kept at 0.25
    both = screen.availability(x, Screening(rule="missing_or_zeros", threshold=0.5, nonzero_threshold=0.3))
    assert both["screened"].tolist() == [True, True, True, False]


def test_indicators_are_screened_by_their_availability_over_the_units():
    t = screen.availability(VALUES, Screening(by="indicators", threshold=0.6))
    assert t[["indicator", "availability", "screened"]].values.tolist() == [["A", 0.75, False], ["B", 0.5, True]]
    kept, screened = screen.screen(VALUES, Screening(by="indicators", threshold=0.6))
    assert kept.columns.tolist() == ["A"] and screened["indicator"].tolist() == ["B"]


def test_screened_units_are_dropped_before_imputation_and_normalisation():
    # threshold 0.5 before imputation: u2 (0.5) kept, u4 (0) dropped; B of u2 = mean of the kept (1, 5) = 3;
    # min–max over u1..u3: A (1, 3, 5) and B (1, 3, 5) → (0, 0.5, 1)
    p = engine.prepare(VALUES, CITIES, framework(Screening(threshold=0.5)))
    assert p.normalised.index.tolist() == ["u1", "u2", "u3"]
    assert p.imputed.loc["u2", "B"] == 3.0
    assert p.normalised["A"].tolist() == [0.0, 0.5, 1.0] and p.normalised["B"].tolist() == [0.0, 0.5, 1.0]
    assert p.screened["city_id"].tolist() == ["u4"]
    # 0.6: u2 goes as well, min–max over u1 and u3 only
    p = engine.prepare(VALUES, CITIES, framework(Screening(threshold=0.6)))
    assert p.normalised.index.tolist() == ["u1", "u3"] and p.normalised["A"].tolist() == [0.0, 1.0]


def test_after_imputation_the_imputed_values_count_as_available():
    # group_mean fills u4 (A = mean(1, 3, 5) = 3, B = mean(1, 5) = 3): nobody is below 0.5
    p = engine.prepare(VALUES, CITIES, framework(Screening(threshold=0.5, when="after_imputation")))
    assert p.normalised.index.tolist() == ["u1", "u2", "u3", "u4"] and p.screened.empty
    assert p.normalised["A"].tolist() == [0.0, 0.5, 1.0, 0.5]
    # with exclude the gaps stay: u4 (0) is screened after imputation, u2 (0.5) kept
    p = engine.prepare(VALUES, CITIES, framework(Screening(threshold=0.5, when="after_imputation"), "exclude"))
    assert p.normalised.index.tolist() == ["u1", "u2", "u3"] and p.screened["when"].tolist() == ["after_imputation"]


def test_screening_that_leaves_nothing_is_an_error():
    with pytest.raises(MethodError, match=r"leaves no unit to score"):
        engine.prepare(VALUES.loc[["u2", "u4"]], CITIES, framework(Screening(threshold=1.0)))
    with pytest.raises(MethodError, match=r"screening \(threshold 0.9\) leaves no indicator to score"):
        engine.prepare(VALUES, CITIES, framework(Screening(by="indicators", threshold=0.9)))


def scenario(tmp_path, body: str):
    path = tmp_path / "screened.yaml"
    path.write_text(f"extends: {FIXTURE_EDITION}\nscenario: screened\nmethodology:\n  scoring:\n{body}",
                    encoding="utf-8")
    return load_params(path)


@pytest.mark.slow            # the whole stage chain or a published run: make test, not make check
def test_screened_cities_are_listed_and_not_ranked(tmp_path):
    """Every city of the mini fixture misses 2 of 47 values (availability 45/47 = 0.957…) but
    Санкт-Петербург, Серпухов, Электросталь, Реутов and Анадырь: 0.96 screens seven cities."""
    params = scenario(tmp_path, "    screening: {by: units, threshold: 0.96}\n")
    run = RunFolder(tmp_path / "run")
    stages.load(params, run)
    stages.normalise(params, run)
    screened = run.read_csv("screened.csv")
    assert sorted(screened["city_id"]) == ["dubna", "ivanteevka", "kaluga", "kazan", "khimki", "moskva", "tyumen"]
    assert (screened["availability"] == 1 - 2 / 47).all() and (screened["threshold"] == 0.96).all()
    assert set(run.read_csv("normalised.csv")["city_id"]).isdisjoint(screened["city_id"])
    stages.weight(params, run)
    stages.rank(params, run)
    scores = run.read_csv("scores.csv", index=True)
    assert len(scores) == 12                                       # nobody silently missing
    out = scores.loc[screened["city_id"]]
    assert out["IQ"].isna().all() and out["rank_in_group"].isna().all() and out["rank_overall"].isna().all()
    assert scores.drop(index=screened["city_id"])["rank_overall"].notna().all()
    summary = stages.summarise(params, run).set_index("group")
    assert summary.loc["krupnye", ["cities", "not_ranked", "leader"]].tolist() == [3, 3, "—"]
    assert summary.loc["all", ["cities", "not_ranked"]].tolist() == [12, 7]
    robust = stages.robustness(params, run)
    assert sorted(robust.uncertainty["city_id"]) == sorted(set(scores.index) - set(screened["city_id"]))

    # the site: a screened city keeps its page and its group says why it has no rank
    folder = tmp_path / "run"
    (folder / "manifest.json").write_text(json.dumps({"params": {"path": str(tmp_path / "screened.yaml")}}),
                                          encoding="utf-8")
    r = site.load_run(folder)
    assert r.intervals is not None and r.intervals.loc["moskva"].isna().all()
    pages = site.SiteRun(r, [r], tmp_path / "site" / "2019" / "screened")
    pages.city_page("moskva")
    pages.group_page("krupnye")
    group = (tmp_path / "site" / "2019" / "screened" / "group-krupnye.html").read_text(encoding="utf-8")
    assert "3 cities whose data availability is below the methodology&#39;s screening threshold (0.96" in group


def test_without_screening_nothing_changes(tmp_path):
    params = load_params(FIXTURE_EDITION)
    run = RunFolder(tmp_path / "run")
    stages.load(params, run)
    out = stages.normalise(params, run)
    assert out.prepared.screened.empty and not (run.results / "screened.csv").exists()


@pytest.mark.slow            # the whole stage chain: make test, not make check
def test_units_screened_after_imputation_keep_their_screening_in_the_uncertainty_analysis(tmp_path):
    """Units screened after imputation in an edition with an uncertainty analysis (refused
    before the model shared the pipeline's steps): the replications impute over every unit,
    then leave out the nominally screened ones; the analysis ranks exactly the ranked cities
    and its nominal ranks are the published ones (robustness checks that, or raises)."""
    params = scenario(tmp_path, "    screening: {by: units, threshold: 0.96, when: after_imputation}\n")
    assert params.edition.uncertainty is not None
    run = RunFolder(tmp_path / "run")
    for stage in (stages.load, stages.normalise, stages.weight, stages.rank):
        stage(params, run)
    screened = set(run.read_csv("screened.csv")["city_id"])
    assert screened and (run.read_csv("screened.csv")["when"] == "after_imputation").all()
    scores = run.read_csv("scores.csv", index=True)
    assert scores.loc[sorted(screened), "rank_in_group"].isna().all()
    robust = stages.robustness(params, run).uncertainty.set_index("city_id")
    assert set(robust.index) == set(scores.index) - screened
    ranked = scores.drop(index=sorted(screened))
    assert (robust.loc[ranked.index, "rank_in_group"] == ranked["rank_in_group"]).all()
