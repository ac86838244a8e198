"""The published summaries (``analysis.summaries``) against hand-computed tables."""

from __future__ import annotations

import pandas as pd

from iqlib.analysis import summaries

SCORES = pd.DataFrame({
    "city_id": ["a", "b", "c", "d", "e", "f"], "city_ru": ["А", "Б", "В", "Г", "Д", "Е"],
    "region_ru": ["Край 1", "Край 1", "Область 2", "Область 2", "Республика 3", "Республика 3"],
    "IQ": [80.0, 70.01, 75.0, 75.0, 90.0, 10.0], "rank_in_group": [1, 2, 1, 2, 1, pd.NA]})


def test_the_regional_table_by_hand():
    table = summaries.regions(SCORES, "IQ", 2, "region_ru", "mean", 1, "—")   # every region with a ranked city ranked
    assert table.to_dict("list") == {
        "rank": [1, 2, 3], "region": ["Республика 3", "Край 1", "Область 2"], "cities": [1, 2, 2],
        "IQ": [90.0, 75.01, 75.0],                 # (80 + 70.01)/2 = 75.005 → 75.01, half away from zero
        "best_city": ["Д", "А", "В"]}              # Е is unranked: not counted; В and Г tie: by code
    table = summaries.regions(SCORES, "IQ", 2, "region_ru", "mean", 2, "—")
    assert table["region"].tolist() == ["Край 1", "Область 2", "Республика 3"]
    assert table["rank"].tolist()[:2] == [1, 2] and pd.isna(table["rank"].iloc[2])   # one city: listed, not ranked
    median = summaries.regions(SCORES, "IQ", 1, "region_ru", "median", 1, "—")
    assert median["IQ"].tolist() == [90.0, 75.0, 75.0]   # median of (80, 70.01) = 75.005 → 75.0 at one decimal


def test_the_group_summary_by_hand():
    scores = SCORES.assign(group=["x", "x", "x", "y", "y", "y"])
    table = summaries.group_summary(scores, "IQ", 2, ["x", "y"]).set_index("group")
    assert table.loc["x"].to_dict() == {"cities": 3, "mean": 75.0, "median": 75.0, "min": 70.01, "max": 80.0,
                                        "leader": "А"}     # (80 + 70.01 + 75)/3 = 75.003…
    assert table.loc["y"].to_dict() == {"cities": 3, "mean": 58.33, "median": 75.0, "min": 10.0, "max": 90.0,
                                        "leader": "Д"}     # 175/3 = 58.333…
    assert table.loc["all", "leader"] == "Д" and table.loc["all", "mean"] == 66.67   # 400.01/6 = 66.668…
    assert "not_ranked" not in table.columns                # every city has an index


def test_a_declared_group_without_cities_gets_an_empty_row_and_unranked_cities_are_counted():
    scores = pd.DataFrame({"city_id": ["a", "b", "c"], "city_ru": ["А", "Б", "В"], "group": ["big", "big", "big"],
                           "IQ": [50.0, 40.0, None]})
    summary = summaries.group_summary(scores, "IQ", 2, ["big", "huge"]).set_index("group")
    assert summary.at["big", "cities"] == 3 and summary.at["big", "not_ranked"] == 1
    assert summary.at["big", "leader"] == "А" and summary.at["big", "mean"] == 45.0
    assert summary.at["huge", "cities"] == 0 and summary.at["huge", "leader"] == "—"
    assert pd.isna(summary.at["huge", "mean"]) and summary.at["all", "mean"] == 45.0


def test_a_roster_column_summary_uses_the_given_labels_in_order():
    scores = SCORES.assign(capital=["yes", "no", "no", "no", "yes", "no"])
    table = summaries.group_summary(scores, "IQ", 2, ["yes", "no"], by="capital")
    assert table["capital"].tolist() == ["yes", "no", "all"]
    assert table["cities"].tolist() == [2, 4, 6] and table["leader"].tolist() == ["Д", "В", "Д"]   # В and Г tie at 75: by code
    assert table["mean"].tolist() == [85.0, 57.5, 66.67]   # (80+90)/2; (70.01+75+75+10)/4 = 57.5025 → 57.5


def test_a_city_is_measured_against_its_groups_median_and_leader():
    scores = pd.DataFrame({"group": ["x", "x", "x", "y"], "rank_in_group": [2, 1, pd.NA, 1],
                           "D1": [1.0, 3.0, 8.0, 5.0], "D2": [0.0, 2.0, 4.0, 7.0]})
    medians, leaders = summaries.direction_profiles(scores, ["D1", "D2"])
    assert medians.loc["x"].tolist() == [3.0, 2.0] and medians.loc["y"].tolist() == [5.0, 7.0]  # the unranked city counts
    assert leaders.loc["x"].tolist() == [3.0, 2.0] and leaders.loc["y"].tolist() == [5.0, 7.0]  # rank 1, not the highest


def test_strengths_and_weaknesses_by_hand():
    deltas = pd.Series({"D1": 1.0, "D2": -2.0, "D3": float("nan"), "D4": 3.0, "D5": 1.0, "D6": 0.5, "D7": -0.1})
    up, down = summaries.strengths_and_weaknesses(deltas)
    assert up.to_dict() == {"D4": 3.0, "D5": 1.0, "D1": 1.0}     # largest first; D1 and D5 tie: the later first
    assert list(up.index) == ["D4", "D5", "D1"]
    assert list(down.index) == ["D2", "D7"]                         # only below the median; D3 (no data) is neither
    up, down = summaries.strengths_and_weaknesses(pd.Series({"D1": -1.0, "D2": -3.0}), n=1)
    assert up.empty and list(down.index) == ["D2"]


# --- the summaries the notebooks show, on hand-made frames
NAN = float("nan")
ROSTER = pd.DataFrame({"city_id": ["a", "b", "c", "d"], "group": ["big", "big", "small", "small"]})
VALUES = pd.DataFrame({"I1": [1.0, NAN, 3.0, NAN], "I2": [1.0, 2.0, NAN, NAN]},
                      index=pd.Index(["a", "b", "c", "d"], name="city_id"))


def test_coverage_by_group_and_by_city():
    # big: a has 2 of 2, b 1 of 2 → 75 %; small: c 1 of 2, d 0 of 2 → 25 %; 'empty' has no city
    out = summaries.coverage(VALUES, ROSTER, ["small", "big", "empty"])
    assert out["group"].tolist() == ["small", "big", "empty"]
    assert out["cities"].tolist()[:2] == [2, 2] and pd.isna(out["cities"].iloc[2])
    assert out["data_present_pct"].tolist()[:2] == [25.0, 75.0]
    worst = summaries.coverage_by_city(VALUES, ROSTER, lowest=3)
    assert worst["city_id"].tolist() == ["d", "b", "c"]           # 0, then 1 and 1 by city_id
    assert worst["present_pct"].tolist() == [0.0, 50.0, 50.0] and (worst["of"] == 2).all()


def test_unstable_lists_the_outside_ranks_then_the_widest_intervals():
    table = pd.DataFrame({"city_id": ["a", "b", "c", "d"], "city_ru": ["А", "Б", "В", "Г"],
                          "group": ["big", "big", "small", "small"], "rank_in_group": [1, 2, 1, 2],
                          "median_in_group": [1, 2, 2, 1], "p5": [1, 1, 1, 1], "p95": [1, 2, 2, 2],
                          "outside_in_group": [False, False, False, True]})
    out = summaries.unstable(table, "p5", "p95", ["big", "small"], widest=1)
    # big: the widest is b (width 1); small: d is outside its interval, c the widest (ties by rank)
    assert out["city_ru"].tolist() == ["Б", "Г", "В"] and out["width"].tolist() == [1, 1, 1]


def test_moved_most_counts_cities_per_input_and_group():
    table = pd.DataFrame({"group": ["big", "big", "big", "small"],
                          "moved_most_by": ["weights", "normalisation", "weights", "normalisation"]})
    out = summaries.moved_most(table)
    assert out.values.tolist() == [["big", "weights", 2], ["big", "normalisation", 1], ["small", "normalisation", 1]]
    assert summaries.moved_most(table.drop(columns="moved_most_by")).empty


def test_indicator_profile_is_the_mean_by_group_in_the_given_orders():
    groups = ROSTER.set_index("city_id")["group"]
    out = summaries.indicator_profile(VALUES, groups, ["I2", "I1"], ["small", "big", "empty"])
    assert out.columns.tolist() == ["I2", "I1"] and out.index.tolist() == ["small", "big", "empty"]
    assert out.loc["big"].tolist() == [1.5, 1.0] and pd.isna(out.loc["small", "I2"]) and out.loc["small", "I1"] == 3.0
    assert out.loc["empty"].isna().all()
