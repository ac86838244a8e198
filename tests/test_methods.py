"""Every method against hand-computed values and values documented for COINr."""

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from iqlib.core import aggregate, impute, normalise, ranking, treat, weighting
from iqlib.core.aggregate import Aggregation
from iqlib.core.errors import UserError
from iqlib.core.normalise import (
    Borda,
    Bounds,
    DistToTarget,
    FractionOfMax,
    Goalposts,
    Logistic,
    MinMax,
    PercentRank,
    Rank,
    ZScore,
)
from iqlib.core.treat import JRCTreatment, NoTreatment
from iqlib.io import derive

NAN = np.nan


def norm(cfg, values, polarity=1, groups=None, bounds=None):
    frame = pd.DataFrame({"A": values})
    g = pd.Series(groups if groups is not None else ["g"] * len(values))
    return normalise.normalise(frame, pd.Series({"A": float(polarity)}), {"A": cfg}, g, bounds)["A"].tolist()


# ----------------------------------------------------------------------------- treatment
def test_skew_and_kurtosis_match_coinr():
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    assert treat.skew(x) == pytest.approx(3.063241, abs=1e-6)
    assert treat.kurt(x) == pytest.approx(9.741391, abs=1e-6)


def test_winsorise_replaces_the_outlier_by_the_next_largest():
    x = np.array([*range(1, 11), 100], dtype=float)
    out, labels = treat.winsorise(x, JRCTreatment(method="jrc", winmax=5))
    assert out.tolist() == [*range(1, 11), 10]
    assert labels.tolist() == [""] * 10 + ["winhi"]


def test_winsorise_low_outliers_when_skew_is_negative():
    x = -np.array([*range(1, 11), 100], dtype=float)
    out, labels = treat.winsorise(x, JRCTreatment(method="jrc"))
    assert out[-1] == -10 and labels[-1] == "winlo"


def test_log_when_winsorising_up_to_winmax_is_not_enough():
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    out, row, labels = treat.treat_vector(x, JRCTreatment(method="jrc", winmax=0))
    assert row["action"] == "log"
    expected = np.log(x - 1 + 0.01 * 99)  # log(x − min + 0.01·(max − min)) of the ORIGINAL values
    assert out == pytest.approx(expected)
    assert set(labels) == {"log"}


def test_untreated_when_the_rule_passes_and_thresholds_are_configurable():
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    out, row, _ = treat.treat_vector(x, JRCTreatment(method="jrc", skew=3.5))
    assert row["action"] == "none" and out.tolist() == x.tolist()
    out, row, _ = treat.treat_vector(x, NoTreatment())
    assert row["action"] == "none"


def test_treatment_table_and_points():
    values = pd.DataFrame({"A": [*range(1, 11), 100.0], "B": np.arange(11.0)}, index=[f"c{i}" for i in range(11)])
    cfg = {"A": JRCTreatment(method="jrc"), "B": JRCTreatment(method="jrc")}
    out, table, points = treat.treat(values, cfg, pd.Series("g", index=values.index))
    assert out.loc["c10", "A"] == 10 and out["B"].tolist() == values["B"].tolist()
    assert table.set_index("indicator").loc["A", "action"] == "winsorised"
    assert table.set_index("indicator").loc["B", "action"] == "none"
    assert points.to_dict("records") == [{"city_id": "c10", "indicator": "A", "original": 100.0,
                                          "treated": 10.0, "label": "winhi"}]


# ----------------------------------------------------------------------------- normalisation
def test_minmax_within_group_and_overall():
    assert norm(MinMax(method="minmax", upper=12), [2, 4, 6, 10, 20], groups=list("aaabb")) == [0, 6, 12, 0, 12]
    assert norm(MinMax(method="minmax", within="all", upper=12), [2, 4, 6, 10, 20]) == \
        pytest.approx([0, 4 / 3, 8 / 3, 16 / 3, 12])


def test_minmax_polarity_and_constant():
    assert norm(MinMax(method="minmax", upper=12), [100, 150, 200], polarity=-1) == [12, 6, 0]
    out = norm(MinMax(method="minmax", upper=12, constant="lower"), [5, 5, NAN])
    assert out[:2] == [0, 0] and np.isnan(out[2])


def test_zscore_sample_sd():
    # mean 4, sample sd 2 → (2, 4, 6) ↦ (−1, 0, 1); with mean 10, sd 2 → (8, 10, 12)
    assert norm(ZScore(method="zscore"), [2, 4, 6]) == pytest.approx([-1, 0, 1])
    assert norm(ZScore(method="zscore", mean=10, sd=2), [2, 4, 6]) == pytest.approx([8, 10, 12])
    assert norm(ZScore(method="zscore"), [2, 4, 6], polarity=-1) == pytest.approx([1, 0, -1])


def test_goalposts_coinr_values():
    cfg = Goalposts(method="goalposts", lower=0, upper=10, scale=1)
    assert norm(cfg, [1.0]) == pytest.approx([0.1])
    assert norm(cfg, [1.0], polarity=-1) == pytest.approx([0.9])
    assert norm(cfg, [-5.0, 15.0]) == [0, 1]  # truncated to the posts
    assert norm(Goalposts(method="goalposts", lower=0, upper=10, truncate=False), [15.0]) == [1.5]


def test_goalposts_from_the_base_editions_group_maximum():
    bounds = Bounds(pd.DataFrame({"A": [50.0, 200.0]}, index=["a", "b"]), pd.Series({"A": 200.0}))
    cfg = Goalposts(method="goalposts", lower=0, upper="base_group_max", scale=12)
    assert norm(cfg, [25, 100, 250], groups=["a", "b", "b"], bounds=bounds) == [6, 6, 12]
    cfg = Goalposts(method="goalposts", lower=0, upper="base_max", scale=12)
    assert norm(cfg, [50, 100], bounds=bounds) == [3, 6]


def test_distance_to_target_coinr_values():
    assert norm(DistToTarget(method="dist2target", target=10, cap=False), [0, 5, 11]) == pytest.approx([0, 0.5, 1.1])
    assert norm(DistToTarget(method="dist2target", target=10), [0, 5, 11]) == pytest.approx([0, 0.5, 1])
    # polarity −1: (max − x)/(max − target), target 2 with max 10: x = 10 → 0, 6 → 0.5, 2 → 1
    assert norm(DistToTarget(method="dist2target", target=2), [10, 6, 2], polarity=-1) == pytest.approx([0, 0.5, 1])


def test_rank_based_methods_ties_min():
    x = [3, 1, 3, 7]
    assert norm(Rank(method="rank"), x) == [2, 1, 2, 4]
    assert norm(PercentRank(method="pctrank"), x) == pytest.approx([1 / 3, 0, 1 / 3, 1])
    assert norm(Borda(method="borda"), x) == [1, 0, 1, 3]
    assert norm(Rank(method="rank"), x, polarity=-1) == [2, 4, 2, 1]


def test_fraction_of_max():
    assert norm(FractionOfMax(method="fracmax"), [2, 5, 10]) == pytest.approx([0.2, 0.5, 1])
    assert norm(FractionOfMax(method="fracmax"), [2, 5, 10], polarity=-1) == pytest.approx([1, 0.4, 0.2])
    with pytest.raises(UserError, match="fracmax needs positive values"):
        norm(FractionOfMax(method="fracmax"), [0, 5], polarity=-1)


# ----------------------------------------------------------------------------- missing data
def test_imputation_rules_by_group_and_table():
    values = pd.DataFrame({"Z": [NAN, 1.0, 1.0, 1.0], "M": [NAN, 2.0, 4.0, 9.0], "D": [1.0, NAN, 3.0, 8.0],
                           "N": [NAN, 2.0, 4.0, 9.0], "E": [NAN, 1.0, 2.0, 3.0]}, index=list("wxyz"))
    rules = pd.Series({"Z": "zero", "M": "group_mean", "D": "group_median", "N": "group_min", "E": "exclude"})
    by = pd.Series(["a", "a", "a", "b"], index=list("wxyz"))
    out, table = impute.impute(values, rules, by)
    assert out.loc["w", "Z"] == 0 and out.loc["w", "M"] == 3 and out.loc["x", "D"] == 2
    assert out.loc["w", "N"] == 2 and np.isnan(out.loc["w", "E"])
    rows = {(r.city_id, r.indicator): (r.rule, r.value) for r in table.itertuples()}
    assert rows[("w", "M")] == ("group_mean", 3.0) and rows[("x", "D")] == ("group_median", 2.0)
    assert rows[("w", "E")][0] == "exclude" and np.isnan(rows[("w", "E")][1])
    assert len(table) == 5


# ----------------------------------------------------------------------------- aggregation
def agg(cfg, values: dict, weights: dict):
    frame = pd.DataFrame(values)
    parents = pd.Series({c: "P" for c in frame.columns})
    scores, coverage = aggregate.aggregate(frame, parents, pd.Series(weights, dtype=float), cfg)
    return scores["P"].tolist(), coverage["P"].tolist()


def test_documented_means():
    v = {"a": [1.0], "b": [2.0], "c": [3.0]}
    assert agg(Aggregation(method="geometric_mean"), v, {"a": 1, "b": 1, "c": 2})[0] == \
        pytest.approx([(1 * 2 * 3 ** 2) ** (1 / 4)])
    assert agg(Aggregation(method="harmonic_mean"), v, {"a": 2, "b": 1, "c": 1})[0] == \
        pytest.approx([4 / (2 / 1 + 1 / 2 + 1 / 3)])
    assert agg(Aggregation(method="generalised_mean", p=2), v, {"a": 1, "b": 1, "c": 1})[0] == \
        pytest.approx([((1 + 4 + 9) / 3) ** 0.5])
    assert agg(Aggregation(method="generalised_mean", p=0), v, {"a": 1, "b": 1, "c": 2})[0] == \
        pytest.approx([(1 * 2 * 3 ** 2) ** (1 / 4)])
    assert agg(Aggregation(method="weighted_mean"), v, {"a": 1, "b": 1, "c": 2})[0] == [2.25]
    assert agg(Aggregation(method="weighted_sum"), v, {"a": 1, "b": 1, "c": 2})[0] == [9.0]


def test_missing_children_renormalise_and_coverage():
    v = {"a": [3.0, NAN], "b": [9.0, NAN], "c": [6.0, 2.0]}
    w = {"a": 1, "b": 2, "c": 1}
    scores, cov = agg(Aggregation(method="weighted_mean"), v, w)
    assert scores == pytest.approx([(3 + 18 + 6) / 4, 2.0]) and cov == [1.0, 0.25]
    scores, _ = agg(Aggregation(method="weighted_sum"), v, w)
    assert scores == pytest.approx([27.0, 2.0 * 4])  # scaled to the full weight
    scores, _ = agg(Aggregation(method="weighted_mean", min_coverage=0.5, missing="missing"), v, w)
    assert scores[0] == 6.75 and np.isnan(scores[1])
    scores, _ = agg(Aggregation(method="weighted_mean", min_coverage=0.5), v, w)
    assert scores == [6.75, 0.0]


def test_zero_and_negative_rules():
    v = {"a": [0.0], "b": [4.0]}
    w = {"a": 1, "b": 1}
    assert agg(Aggregation(method="geometric_mean"), v, w)[0] == [0.0]
    assert agg(Aggregation(method="harmonic_mean"), v, w)[0] == [0.0]
    assert agg(Aggregation(method="geometric_mean", nonpositive="skip"), v, w)[0] == [4.0]
    assert agg(Aggregation(method="geometric_mean", nonpositive="shift", shift=1), v, w)[0] == \
        pytest.approx([np.sqrt(1 * 5) - 1])
    with pytest.raises(UserError, match="negative values in a"):
        agg(Aggregation(method="geometric_mean"), {"a": [-1.0], "b": [4.0]}, w)


def test_generalised_mean_needs_p():
    with pytest.raises(ValueError, match="needs an exponent p"):
        Aggregation(method="generalised_mean")


def test_pca_weights_sign_rule_and_negative_loadings():
    rng = np.random.default_rng(0)
    f = rng.normal(size=200)
    values = pd.DataFrame({"a": f + 0.1 * rng.normal(size=200), "b": f + 0.1 * rng.normal(size=200),
                           "c": -0.3 * f + rng.normal(size=200)})
    w, table = weighting.pca_weights(values, pd.Series({"a": "P", "b": "P", "c": "P"}))
    assert w["a"] == pytest.approx(w["b"], rel=0.1) and w["a"] + w["b"] == pytest.approx(1.0)
    assert w["c"] == 0.0
    row = table.set_index("child").loc["c"]
    assert row["loading"] < 0 and row["note"] == "negative loading: weight 0"


# ----------------------------------------------------------------------------- derived indicators
def test_ratio_and_subcriteria():
    from iqlib.config.methodology import Ratio, Subcriteria

    class Ind:
        def __init__(self, code, d):
            self.code, self.derive = code, d

    class Meth:
        indicators = [Ind("R", Ratio(numerator="crimes", denominator="population", scale=10_000)),
                      Ind("S", Subcriteria(subcriteria=["s1", "s2", "s3", "s4"])),
                      Ind("Y", Subcriteria(subcriteria=["s1", "s2"], rule="any")),
                      Ind("L", Subcriteria(subcriteria=["s1", "s2"], rule="all"))]
    raw = pd.DataFrame({"crimes": [120.0, 5.0], "s1": [1.0, 0.0], "s2": [1.0, NAN], "s3": [0.0, NAN],
                        "s4": [1.0, NAN]}, index=["x", "y"])
    cities = pd.DataFrame({"city_id": ["x", "y"], "population": [100_000, 0]})
    out = derive.derive(raw, cities, Meth())
    assert out.loc["x", "R"] == 12.0 and np.isnan(out.loc["y", "R"])  # zero denominator → missing
    assert out.loc["x", "S"] == 0.75 and out.loc["y", "S"] == 0.0     # share of answered sub-criteria
    assert out["Y"].tolist() == [1.0, 0.0] and out["L"].tolist() == [1.0, 0.0]
    assert derive.fields(Meth()) == {"crimes": "number", "population": "number", "s1": "yesno", "s2": "yesno",
                                     "s3": "yesno", "s4": "yesno"}


def test_yes_no_parsing():
    value, bad = derive.parse_yesno(pd.Series(["да", "Нет", "yes", "0", "", "maybe"]))
    assert value.tolist()[:4] == [1, 0, 1, 0] and np.isnan(value[4]) and bad.tolist() == [False] * 5 + [True]


# ----------------------------------------------------------------------------- ranking
def test_rank_within_group_and_overall_ties_min():
    score = pd.Series([50.0, 70.0, 70.0, 10.0, 30.0, 20.0])
    groups = pd.Series(list("aaaabb"))
    assert ranking.rank_within(score, groups).tolist() == [3, 1, 1, 4, 1, 2]
    assert ranking.rank_overall(score).tolist() == [3, 1, 1, 6, 4, 5]


def test_rank_on_full_precision_and_rounding_half_up():
    score = pd.Series([80.004, 80.001])
    assert ranking.round_half_up(score, 2).tolist() == [80.0, 80.0]
    assert ranking.rank_within(score, pd.Series(["g", "g"])).tolist() == [1, 2]
    assert ranking.round_half_up(pd.Series([2.675, 0.125, -1.005]), 2).tolist() == [2.68, 0.13, -1.01]


def test_half_way_values_round_up_as_in_a_spreadsheet():
    # (9.165 + 1.725)/2 = 1089/200 = 5.445 exactly, but in floats it lands just below: 5.444999999999999
    d8 = (9.165 + 1.725) / 2
    assert repr(d8) == "5.444999999999999" and repr(1089 / 200) == "5.445"
    values = pd.Series([d8, 1089 / 200, 2.675, 1.005, -2.675, -d8, 0.125, 5.444999999999, 1.0049999999])
    # on the 15-significant-digit form: 5.44500000000000 → 5.45; 2.67500000000000 → 2.68; the last two
    # really lie below the half (their 15-digit forms are 5.44499999999900 and 1.00499999990000)
    assert ranking.round_half_up(values, 2).tolist() == [5.45, 5.45, 2.68, 1.01, -2.68, -5.45, 0.13, 5.44, 1.0]
    assert ranking.round_half_up(pd.Series([104.9999999999999, 0.0, np.nan]), 2).tolist()[:2] == [105.0, 0.0]


def test_values_equal_in_exact_arithmetic_share_a_rank():
    # 114/300 summed in two orders: the floats differ in the last bit, the cities must tie (COINr ties them)
    a = sum([0.1, 0.2, 0.08])                 # 0.38000000000000006
    b = sum([0.08, 0.2, 0.1])                 # 0.37999999999999995
    assert a != b and abs(a - b) < 2e-16
    score = pd.Series([a, b, 0.5, 0.38 - 1e-9], index=["x", "y", "z", "w"])
    assert ranking.rank_within(score, pd.Series(["g"] * 4, index=score.index)).tolist() == [2, 2, 1, 4]
    assert ranking.rank_overall(score).tolist() == [2, 2, 1, 4]
    # values that really differ (here by 1e-9) never tie, however close they are printed
    assert ranking.rank_overall(pd.Series([1.0, 1.0 + 1e-9])).tolist() == [2, 1]


def test_fragile_values_are_listed():
    groups = pd.Series(["g", "g", "g"], index=["a", "b", "c"])
    published = pd.DataFrame({"IQ": [10.0, 10.0 * (1 + 3e-12), 7.123456]}, index=groups.index)
    published["D1"] = [2.0, 5.445, float("1.004999999999995")]
    table = ranking.fragile(published, "IQ", groups, 2)
    # 5.445 is robustly half-way (its 15-digit form is exact); 1.004999999999995 sits on the 15-digit
    # rounding step, where two units in the last place decide between 1.00 and 1.01
    assert ranking.near_rounding_boundary(5.445, 2) is False
    bound = table[table["why"] == "rounding boundary"]
    ties = table[table["why"].str.startswith("near tie")]
    assert list(zip(bound["city_id"], bound["value"])) == [("c", "D1")]
    # 10 and 10·(1 + 3e-12) differ by 3e-12 relative: not tied, but within reach of the tolerance
    assert ranking.rank_overall(published["IQ"]).tolist() == [2, 1, 3]
    assert sorted(ties["why"].str.split(":").str[0].unique()) == ["near tie (all)", "near tie (g)"]
    assert set(ties["city_id"]) == {"b"} and set(ties["other"]) == {"a"}


def test_logistic_of_the_z_score():
    # (1, 2, 3): mean 2, sample sd 1, z = (−1, 0, 1) → 1/(1 + e), 1/2, 1/(1 + e⁻¹)
    e = np.e
    assert norm(Logistic(method="logistic"), [1, 2, 3]) == pytest.approx([1 / (1 + e), 0.5, 1 / (1 + 1 / e)], rel=1e-15)
    # polarity −1 mirrors it; slope 2 and scale 12: 12/(1 + e^(−2z))
    assert norm(Logistic(method="logistic"), [1, 2, 3], polarity=-1) == pytest.approx([1 / (1 + 1 / e), 0.5, 1 / (1 + e)])
    assert norm(Logistic(method="logistic", slope=2, scale=12), [1, 2, 3]) == pytest.approx(
        [12 / (1 + e ** 2), 6, 12 / (1 + e ** -2)])
    # a constant scope gets the middle of the scale; a missing value stays missing
    assert norm(Logistic(method="logistic", scale=12), [5, 5, NAN])[:2] == [6, 6]
    assert np.isnan(norm(Logistic(method="logistic", scale=12), [5, 5, NAN])[2])


def test_goalposts_from_the_group_maximum_need_a_group_scope():
    with pytest.raises(ValidationError, match="base_group_max takes the maximum of the city's group: set within: group"):
        Goalposts(method="goalposts", lower=0, upper="base_group_max", within="all")
    assert Goalposts(method="goalposts", lower=0, upper="base_max", within="all").upper == "base_max"
