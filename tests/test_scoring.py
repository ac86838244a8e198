"""Scoring arithmetic against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from iqlib import scoring

NAN = np.nan


def test_polarity_multiplies_lower_is_better_by_minus_one():
    values = pd.DataFrame({"A": [1.0, 2.0], "B": [10.0, 30.0]})
    out = scoring.apply_polarity(values, pd.Series({"A": 1, "B": -1}))
    assert out["A"].tolist() == [1.0, 2.0]
    assert out["B"].tolist() == [-10.0, -30.0]


def test_minmax_within_group_by_hand():
    # group g1: 2, 4, 6 -> 0, 6, 12 ; group g2: 10, 20 -> 0, 12
    values = pd.DataFrame({"A": [2.0, 4.0, 6.0, 10.0, 20.0]})
    groups = pd.Series(["g1", "g1", "g1", "g2", "g2"])
    out = scoring.minmax(values, groups, 0, 12)
    assert out["A"].tolist() == [0.0, 6.0, 12.0, 0.0, 12.0]


def test_minmax_over_all_cities_differs_from_within_group():
    values = pd.DataFrame({"A": [2.0, 4.0, 6.0, 10.0, 20.0]})
    out = scoring.minmax(values, None, 0, 12)
    assert out["A"].tolist() == pytest.approx([0.0, 4 / 3, 8 / 3, 16 / 3, 12.0])


def test_minmax_lower_is_better_after_polarity():
    # crimes 100, 150, 200 (lower is better): 100 -> 12, 150 -> 6, 200 -> 0
    values = pd.DataFrame({"I12": [100.0, 150.0, 200.0]})
    oriented = scoring.apply_polarity(values, pd.Series({"I12": -1}))
    out = scoring.minmax(oriented, pd.Series(["g"] * 3), 0, 12)
    assert out["I12"].tolist() == [12.0, 6.0, 0.0]


@pytest.mark.parametrize("rule,expected", [("midpoint", 6.0), ("lower", 0.0), ("upper", 12.0)])
def test_constant_indicator_within_group(rule, expected):
    values = pd.DataFrame({"A": [5.0, 5.0, NAN, 1.0, 3.0]})
    groups = pd.Series(["g1", "g1", "g1", "g2", "g2"])
    out = scoring.minmax(values, groups, 0, 12, constant=rule)
    assert out["A"].iloc[:2].tolist() == [expected, expected]
    assert np.isnan(out["A"].iloc[2])  # missing stays missing
    assert out["A"].iloc[3:].tolist() == [0.0, 12.0]


def test_missing_value_is_excluded_from_minmax_and_mean():
    values = pd.DataFrame({"A": [0.0, NAN, 10.0], "B": [4.0, 8.0, 6.0]})
    norm = scoring.minmax(values, pd.Series(["g"] * 3), 0, 12)
    assert norm["A"].iloc[[0, 2]].tolist() == [0.0, 12.0]
    mean = scoring.weighted_mean(norm, pd.Series({"A": "D", "B": "D"}), pd.Series({"A": 1.0, "B": 1.0}))
    # city 2: only B available (12.0) -> the mean is 12, not 6
    assert mean["D"].tolist() == [0.0, 12.0, (12.0 + 6.0) / 2]


def test_presence_missing_counts_as_absent():
    values = pd.DataFrame({"P": [1.0, NAN], "S": [50.0, NAN]})
    out = scoring.fill_missing(values, pd.Series({"P": "zero", "S": "exclude"}))
    assert out["P"].tolist() == [1.0, 0.0]
    assert np.isnan(out["S"].iloc[1])


def test_weighted_mean_renormalises_weights_and_empty_parent_is_nan():
    values = pd.DataFrame({"A": [3.0, NAN], "B": [9.0, NAN], "C": [6.0, 2.0]})
    members = pd.Series({"A": "D1", "B": "D1", "C": "D2"})
    out = scoring.weighted_mean(values, members, pd.Series({"A": 1.0, "B": 2.0, "C": 1.0}))
    assert out.loc[0, "D1"] == pytest.approx((3 * 1 + 9 * 2) / 3)
    assert np.isnan(out.loc[1, "D1"])
    assert out["D2"].tolist() == [6.0, 2.0]


def test_weighted_sum():
    values = pd.DataFrame({"D1": [12.0, 1.0], "D2": [6.0, 2.0]})
    out = scoring.weighted_sum(values, pd.Series({"D1": 1.0, "D2": 0.5}))
    assert out.tolist() == [15.0, 2.0]


def test_rank_within_group_ties_min_and_descending():
    score = pd.Series([50.0, 70.0, 70.0, 10.0, 30.0, 20.0])
    groups = pd.Series(["a", "a", "a", "a", "b", "b"])
    assert scoring.rank_within(score, groups).tolist() == [3, 1, 1, 4, 1, 2]


def test_rank_uses_full_precision_not_published_rounding():
    score = pd.Series([80.004, 80.001])
    assert scoring.round_half_up(score, 2).tolist() == [80.0, 80.0]
    assert scoring.rank_within(score, pd.Series(["g", "g"])).tolist() == [1, 2]


@pytest.mark.parametrize("value,expected", [(2.675, 2.68), (0.125, 0.13), (1.005, 1.01), (-1.005, -1.01),
                                            (84.644999, 84.64), (120.0, 120.0)])
def test_round_half_up_on_printed_value(value, expected):
    assert scoring.round_half_up(pd.Series([value]), 2).iloc[0] == expected


def test_round_half_up_keeps_nan():
    assert np.isnan(scoring.round_half_up(pd.Series([NAN]), 2).iloc[0])
