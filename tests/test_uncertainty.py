"""The uncertainty model: every combination of a large product of alternatives gives
exactly the pipeline's scores (``engine.compute``) whatever the order the combinations are
drawn in and however the replications are grouped (slow; the fast guard over every
registered method is tests/test_model_pipeline.py); only the combinations drawn are
prepared; ranks and rank intervals checked against their definitions (counting ranks, the
defining property of the inverted-cdf percentile) and against a tiny case worked out by
hand. No timings here: bench/uncertainty.py."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from iqlib.analysis import uncertainty
from iqlib.analysis.uncertainty import Uncertainty
from iqlib.config.methodology import Methodology
from iqlib.core import engine, treat

# 16 units in two groups, 12 indicators in two pillars (9 and 3: numpy adds 8 or more terms
# pairwise, in an order that depends on the memory layout), the index; a few cells missing.
# A: the JRC rule fails; winsorising 1 point is not enough (log), 2 points are.
# B: winsorising 1 point is enough. C–L: the rule passes.
A = [11.58, 0.05, 1.65, 0.51, 0.58, 0.77, 0.09, 0.76, 0.35, 53.93, 1.31, 0.65, 0.71, 0.45, 0.28, 0.63]
B = [1.0, 2.0, 3.0, 2.5, 1.5, 2.2, 1.8, 2.9, 3.1, 2.4, 1.7, 2.6, 2.1, 1.9, 2.3, 40.0]


def framework():
    inds = [{"code": c, "parent": "P1" if c in "ABCDEFGHI" else "P2", "name_ru": c, "name_en": c, "kind": "value",
             "unit": "u", "polarity": -1 if c == "E" else 1} for c in "ABCDEFGHIJKL"]
    return Methodology.model_validate({
        "id": "t", "title_ru": "t", "title_en": "t", "sources": [],
        "status": {"confirmed_ru": [], "confirmed_en": [], "reconstructed_ru": [], "reconstructed_en": []},
        "kinds": {"value": {"unit_ru": "u", "unit_en": "u", "missing": "group_mean"}},
        "levels": ["indicator", "pillar", "index"],
        "scoring": {"treatment": {"method": "none"},
                    "normalisation": {"method": "minmax", "within": "group", "lower": 0, "upper": 10},
                    "aggregation": {lv: {"method": "weighted_mean"} for lv in ["pillar", "index"]}},
        "aggregates": [{"code": "IDX", "level": "index", "name_ru": "i", "name_en": "i"},
                       {"code": "P1", "level": "pillar", "parent": "IDX", "name_ru": "p", "name_en": "p", "weight": 2},
                       {"code": "P2", "level": "pillar", "parent": "IDX", "name_ru": "p", "name_en": "p"}],
        "indicators": inds}).framework


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(15)
    ids = pd.Index([f"u{i:02d}" for i in range(16)], name="city_id")
    values = pd.DataFrame({"A": A, "B": B, **{c: rng.uniform(1, 9, 16) for c in "CDEFGHIJKL"}}, index=ids)
    values.loc[["u03", "u11"], "C"] = np.nan
    values.loc["u06", "D"] = np.nan
    cities = pd.DataFrame({"city_id": ids, "city_ru": ids, "group": ["g1", "g2"] * 8})
    return values, cities


WINMAX = [0, 1, 2, 3]  # drawn in this order and reversed: each JRC run reused for the next where it may be
INPUTS = {
    "imputation": ["nominal", "group_median"],
    "treatment": ["nominal", {"method": "jrc", "winmax": 2, "within": "group"},
                  *({"method": "jrc", "winmax": k} for k in WINMAX)],
    "normalisation": ["nominal", {"method": "zscore", "within": "all", "mean": 10, "sd": 1},
                      {"method": "pctrank", "within": "group", "scale": 10}],
    "aggregation": {"pillar": ["nominal", {"method": "geometric_mean", "nonpositive": "shift", "shift": 1}],
                    "index": ["nominal", {"method": "weighted_sum"}]},
}


def test_the_fixture_exercises_the_jrc_rule_as_described(data):
    values, _ = data
    runs = {k: treat.jrc(values["A"].to_numpy(), treat.JRCTreatment(method="jrc", winmax=k))[1] for k in range(4)}
    assert [(runs[k]["action"], runs[k]["points"]) for k in range(4)] == [
        ("log", 16), ("log", 16), ("winsorised", 2), ("winsorised", 2)]
    b = treat.jrc(values["B"].to_numpy(), treat.JRCTreatment(method="jrc", winmax=1))[1]
    assert (b["action"], b["points"]) == ("winsorised", 1)
    assert not any(treat.fails(values[c].to_numpy(), treat.JRCTreatment(method="jrc")) for c in "CDEFGHIJKL")


_REFERENCE: dict[str, np.ndarray] = {}   # the pipeline's index per method combination (the data are the module's)


def reference(values, cities, fw, model, key) -> np.ndarray:
    """The index of one combination (alternative numbers ``key``) by the pipeline itself
    (computed once per combination of methods: the four orderings below share them)."""
    chosen = dict(zip([n for n, _ in model.discrete], model._chosen(key)))
    memo = repr(sorted(chosen.items()))
    if memo not in _REFERENCE:
        _REFERENCE[memo] = _pipeline(values, cities, fw, chosen)
    return _REFERENCE[memo]


def _pipeline(values, cities, fw, chosen: dict) -> np.ndarray:
    codes = fw.indicator_codes()
    alt = replace(
        fw,
        missing={c: chosen["imputation"] or fw.missing[c] for c in codes},
        treatment={c: chosen["treatment"] or fw.treatment[c] for c in codes},
        normalisation={c: chosen["normalisation"] or fw.normalisation[c] for c in codes},
        aggregation={lv: chosen[f"aggregation.{lv}"] or fw.aggregation[lv] for lv in fw.levels[1:]})
    return engine.compute(values, cities, alt).scores[fw.index_code].to_numpy()


def rows_for(model, keys) -> np.ndarray:
    """A sample matrix drawing each combination of ``keys`` once, no weight noise."""
    U = np.full((len(keys), model.columns), 0.5)
    for r, key in enumerate(keys):
        for (_, inp), k in zip(model.discrete, key):
            if inp is not None:
                U[r, inp.start] = (k + 0.5) / len(inp.alternatives)
    return U


@pytest.mark.slow                 # 4 × 288 pipeline runs: in make test, not in the fast loop
@pytest.mark.parametrize("order", [1, -1], ids=["winmax-ascending", "winmax-descending"])
@pytest.mark.parametrize("stack", [0, 10_000], ids=["one-by-one", "stacked"])
def test_every_combination_gives_exactly_the_pipeline_scores(data, monkeypatch, order, stack):
    values, cities = data
    fw = framework()
    spec = {**INPUTS, "treatment": INPUTS["treatment"][:2] + INPUTS["treatment"][2:][::order]}
    model = uncertainty.Model(values, cities, fw, Uncertainty.model_validate({"replications": 10, **spec}))
    monkeypatch.setattr(uncertainty, "STACK", stack)
    keys = model.combinations()
    assert len(keys) == 2 * 6 * 3 * 2 * 2
    scores = model.scores(rows_for(model, keys))
    for r, key in enumerate(keys):
        assert np.array_equal(scores[r], reference(values, cities, fw, model, key)), model._chosen(key)
    assert np.array_equal(model.nominal_scores, engine.compute(values, cities, fw).scores["IDX"].to_numpy())
    # winmax 0: A and B log-transformed; 1: A log, B winsorised; 2 and 3: both winsorised (2 and 1 points)
    by = {model._chosen(k)[1].winmax: r for r, k in enumerate(keys)
          if k[0] == k[2] == k[3] == k[4] == 0 and k[1] > 1}
    assert not np.array_equal(scores[by[0]], scores[by[1]]) and not np.array_equal(scores[by[1]], scores[by[2]])
    assert np.array_equal(scores[by[2]], scores[by[3]])


def test_only_the_combinations_drawn_are_prepared(data):
    values, cities = data
    model = uncertainty.Model(values, cities, framework(), Uncertainty.model_validate({"replications": 10, **INPUTS}))
    keys = model.combinations()
    drawn = [keys[1], keys[-2], keys[-1]]   # nominal but the index aggregation; two differing in it only
    model.scores(rows_for(model, drawn))
    parts = {model._key(k)[:3] for k in drawn}
    assert set(model._prepared) == parts | {("nominal",) * 3} and len(parts) == 2   # of 36 parts in all
    assert set(model._imputed) == {"nominal", "group_median"}


def test_scores_do_not_depend_on_how_the_replications_are_grouped(data):
    values, cities = data
    fw = framework()
    u = Uncertainty.model_validate({"replications": 300, "weights": {"indicator": 0.4, "pillar": 0.3}, **INPUTS})
    U = uncertainty.sample(uncertainty.Model(values, cities, fw, u), 300, 4)
    together = uncertainty.Model(values, cities, fw, u).scores(U)
    one_by_one = np.vstack([uncertainty.Model(values, cities, fw, u).scores(U[r:r + 1]) for r in range(0, 300, 7)])
    assert np.array_equal(together[::7], one_by_one)     # a fresh model per replication: the same scores


def brute_force_ranks(S: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """1 + the number of cities (of the same group) with a strictly higher score: the
    "min" ranking, by counting (the scores here have no near-ties for the tolerance to matter)."""
    higher = S[:, None, :] > S[:, :, None]                  # [r, i, j]: city j above city i
    if groups is not None:
        higher &= groups[None, :] == groups[:, None]
    return 1.0 + higher.sum(axis=2)


def test_ranks_and_intervals_of_a_sample_satisfy_their_definitions(data):
    """Each replication's ranks are the counting ranks of its scores; the interval ends are
    observed ranks with the defining property of the 'inverted_cdf' percentile: at least p
    of the replications rank the city there or better, fewer than p strictly better."""
    values, cities = data
    u = Uncertainty.model_validate({"replications": 300, "weights": {"indicator": 0.4, "pillar": 0.3}, **INPUTS})
    model = uncertainty.Model(values, cities, framework(), u)
    table = uncertainty.analyse(model, cities, seed=4)
    S = model.scores(uncertainty.sample(model, 300, 4))
    groups = cities.set_index("city_id").loc[values.index, "group"].to_numpy()
    in_group, overall = model.ranks(S)
    assert np.array_equal(in_group, brute_force_ranks(S, groups)) and np.array_equal(overall, brute_force_ranks(S))
    assert len({tuple(r) for r in in_group}) > 50                     # the sample does move the ranks
    for scope, ranks in [("in_group", in_group), ("overall", overall)]:
        for column, p in [(f"median_{scope}", 0.5), (f"p5_{scope}", 0.05), (f"p95_{scope}", 0.95)]:
            q = table[column].to_numpy(dtype=float)
            assert all(q[i] in ranks[:, i] for i in range(len(q)))      # an observed rank
            assert ((ranks <= q).mean(axis=0) >= p).all() and ((ranks < q).mean(axis=0) < p).all(), column
        nominal = table[f"rank_{scope}"].to_numpy(dtype=float)
        outside = (nominal < table[f"p5_{scope}"]) | (nominal > table[f"p95_{scope}"])
        assert table[f"outside_{scope}"].tolist() == outside.tolist()
    assert table["p95_in_group"].max() <= 8 and table["p95_overall"].max() <= 16   # 8 units a group
    # the nominal ranks are the counting ranks of the pipeline's scores
    nominal_scores = engine.compute(values, cities, framework()).scores["IDX"].to_numpy()
    assert table["rank_in_group"].tolist() == brute_force_ranks(nominal_scores[None, :], groups)[0].tolist()
    assert table["rank_overall"].tolist() == brute_force_ranks(nominal_scores[None, :])[0].tolist()


def tiny_methodology():
    """Two indicators, X under P1 (weight 2) and Y under P2 (weight 1), one index."""
    inds = [{"code": c, "parent": p, "name_ru": c, "name_en": c, "kind": "value", "unit": "u", "polarity": 1}
            for c, p in [("X", "P1"), ("Y", "P2")]]
    return Methodology.model_validate({
        "id": "t", "title_ru": "t", "title_en": "t", "sources": [],
        "status": {"confirmed_ru": [], "confirmed_en": [], "reconstructed_ru": [], "reconstructed_en": []},
        "kinds": {"value": {"unit_ru": "u", "unit_en": "u", "missing": "exclude"}},
        "levels": ["indicator", "pillar", "index"],
        "scoring": {"treatment": {"method": "none"}, "normalisation": {"method": "minmax", "within": "group"},
                    "aggregation": {lv: {"method": "weighted_mean"} for lv in ["pillar", "index"]}},
        "aggregates": [{"code": "IDX", "level": "index", "name_ru": "i", "name_en": "i"},
                       {"code": "P1", "level": "pillar", "parent": "IDX", "name_ru": "p", "name_en": "p", "weight": 2},
                       {"code": "P2", "level": "pillar", "parent": "IDX", "name_ru": "p", "name_en": "p"}],
        "indicators": inds})


def test_a_tiny_case_worked_out_by_hand():
    """Three cities, one group. Min–max: X = 10, 6, 0 → 1, 0.6, 0; Y = 0, 5, 10 → 0, 0.5, 1.
    Nominal index (P1:P2 = 2:1): a = 2/3, b = (1.2 + 0.5)/3 = 0.567, c = 1/3 → ranks 1, 2, 3.
    Equal weights: a = 0.5, b = 0.55, c = 0.5 → b 1, a and c tied at 2.
    Seed 1 draws equal weights in 20 of the 40 replications (u ≥ 0.5 picks the second of two).
    So a ranks 1 twenty times and 2 twenty times: sorted 1×20, 2×20; the inverted_cdf
    percentile p is the ⌈40p⌉-th: p5 the 2nd (1), median the 20th (1), p95 the 38th (2).
    b: 2×20 and 1×20 → the same 1, 1, 2. c: 3×20 and 2×20 → 2, 2, 3. Every nominal rank
    lies in its interval."""
    ids = pd.Index(["a", "b", "c"], name="city_id")
    values = pd.DataFrame({"X": [10.0, 6.0, 0.0], "Y": [0.0, 5.0, 10.0]}, index=ids)
    cities = pd.DataFrame({"city_id": ids, "city_ru": ids, "group": "g"})
    u = Uncertainty.model_validate({"replications": 40, "aggregation": {
        "index": ["nominal", {"method": "weighted_mean", "weights": "equal"}]}})
    model = uncertainty.Model(values, cities, tiny_methodology().framework, u)
    assert model.nominal_scores == pytest.approx([2 / 3, 1.7 / 3, 1 / 3], rel=1e-15)
    U = uncertainty.sample(model, 40, 1)
    assert (U[:, 0] >= 0.5).sum() == 20
    in_group, _ = model.ranks(model.scores(U))
    assert {tuple(r) for r in in_group} == {(1.0, 2.0, 3.0), (2.0, 1.0, 2.0)}
    table = uncertainty.analyse(model, cities, seed=1)
    for scope in ["in_group", "overall"]:                   # one group: the same
        assert table[f"rank_{scope}"].tolist() == [1, 2, 3]
        assert table[f"p5_{scope}"].tolist() == [1, 1, 2]
        assert table[f"median_{scope}"].tolist() == [1, 1, 2]
        assert table[f"p95_{scope}"].tolist() == [2, 2, 3]
        assert not table[f"outside_{scope}"].any()


def test_intervals_with_and_without_missing_ranks_are_inverted_cdf_percentiles():
    ranks = np.array([[1, 2, np.nan, 4], [2, 1, np.nan, np.nan], [3, 3, np.nan, 1], [4, 4, np.nan, 2.0]])
    out = uncertainty.intervals(ranks, np.array([1, 4, np.nan, 3.0]), (25.0, 75.0))
    # the ⌈n·p⌉-th smallest of the n ranks present. Column 0: 1 2 3 4 → median the 2nd (2),
    # p25 the 1st (1), p75 the 3rd (3); column 1: 2 1 3 4, the same; column 2: never ranked →
    # missing; column 3: 1 2 4 (one missing, n = 3) → median the 2nd (2), p25 the 1st (1),
    # p75 the 3rd (4). Nominal 4 lies above column 1's [1, 3]; a missing nominal is not outside.
    assert out["median"][[0, 1, 3]].tolist() == [2, 2, 2] and out["low"][[0, 1, 3]].tolist() == [1, 1, 1]
    assert out["high"][[0, 1, 3]].tolist() == [3, 3, 4]
    assert np.isnan(out["median"][2]) and np.isnan(out["low"][2]) and np.isnan(out["high"][2])
    assert out["outside"].tolist() == [False, True, False, False]
