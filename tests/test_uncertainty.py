"""The uncertainty model's lazy, array-based preparation gives exactly the scores, ranks
and intervals of the pipeline run with each combination's methods (``engine.compute``,
what the model called per combination before), whatever the order the combinations are
drawn in and however the replications are grouped. No timings here: bench/uncertainty.py."""

from dataclasses import replace

import numpy as np
import pytest

from iqlib.analysis import uncertainty
from iqlib.analysis.uncertainty import Uncertainty
from iqlib.config.methodology import Methodology
from iqlib.core import engine, ranking, treat

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
    import pandas as pd
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


def test_ranks_and_intervals_equal_those_of_the_scores_one_replication_at_a_time(data):
    values, cities = data
    fw = framework()
    u = Uncertainty.model_validate({"replications": 300, "weights": {"indicator": 0.4, "pillar": 0.3}, **INPUTS})
    model = uncertainty.Model(values, cities, fw, u)
    table = uncertainty.analyse(model, cities, seed=4)
    U = uncertainty.sample(model, 300, 4)
    one_by_one = np.vstack([uncertainty.Model(values, cities, fw, u).scores(U[r:r + 1]) for r in range(0, 300, 7)])
    assert np.array_equal(model.scores(U)[::7], one_by_one)     # a fresh model per replication: the same scores
    in_group, overall = model.ranks(model.scores(U))
    groups = cities.set_index("city_id").loc[values.index, "group"].to_numpy()
    for scope, ranks, nominal in [("in_group", in_group, model.nominal_in_group),
                                  ("overall", overall, model.nominal_overall)]:
        key = -model.scores(U)
        expected = ranking.tie_ranks(key) if scope == "overall" else ranking.tie_ranks_within(key, groups)
        assert np.array_equal(ranks, expected)
        q = np.nanquantile(ranks, [0.5, 0.05, 0.95], axis=0, method="inverted_cdf")
        assert table[f"median_{scope}"].tolist() == q[0].tolist()
        assert table[f"p5_{scope}"].tolist() == q[1].tolist() and table[f"p95_{scope}"].tolist() == q[2].tolist()
        assert (table[f"p5_{scope}"] <= table[f"median_{scope}"]).all()
        assert (table[f"median_{scope}"] <= table[f"p95_{scope}"]).all()
        assert table[f"rank_{scope}"].tolist() == nominal.tolist()
    assert table["p95_in_group"].max() <= 8 and table["p95_overall"].max() <= 16   # 8 units a group


def test_intervals_with_and_without_missing_ranks_are_numpy_inverted_cdf_percentiles():
    ranks = np.array([[1, 2, np.nan, 4], [2, 1, np.nan, np.nan], [3, 3, np.nan, 1], [4, 4, np.nan, 2.0]])
    out = uncertainty.intervals(ranks, np.array([1, 4, np.nan, 3.0]), (25.0, 75.0))
    # column 0: 1 2 3 4 → median 2, p25 1, p75 3; column 3: 1 2 4 (one missing) → 2, 1, 4
    assert out["median"][[0, 3]].tolist() == [2, 2] and out["low"][[0, 3]].tolist() == [1, 1]
    assert out["high"][[0, 3]].tolist() == [3, 4] and np.isnan(out["median"][2])
    q = np.nanquantile(ranks[:, [0, 1, 3]], [0.5, 0.25, 0.75], axis=0, method="inverted_cdf")
    assert np.array_equal(np.vstack([out["median"], out["low"], out["high"]])[:, [0, 1, 3]], q)
    assert out["outside"].tolist() == [False, True, False, False]
