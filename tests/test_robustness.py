"""Uncertainty and sensitivity analysis: estimators against analytic indices, the
vectorised model against a per-replication loop, degenerate cases, determinism, errors."""

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import FIXTURE_EDITION, ROOT, iq

from iqlib.analysis import sensitivity, uncertainty
from iqlib.analysis.uncertainty import Uncertainty
from iqlib.config.params import load_params
from iqlib.core import aggregate, engine, ranking
from iqlib.core.aggregate import Aggregation
from iqlib.core.errors import UserError
from iqlib.io import inputs


@pytest.fixture(scope="module")
def mini():
    params = load_params(FIXTURE_EDITION)
    data = inputs.load(params)
    return params.methodology, data.values, data.cities


def model_of(mini, **spec) -> uncertainty.Model:
    meth, values, cities = mini
    return uncertainty.Model(values, cities, meth.framework, Uncertainty.model_validate(spec))


# ----------------------------------------------------------------------------- plain references
# Written with plain Python and numpy, independently of iqlib.aggregate, to check it against.
def plain_mean(xs: list, ws: list, method: str, total_w: float) -> float:
    """One parent of one city: xs, ws the available children's values and weights."""
    sw = sum(ws)
    if method == "weighted_mean":
        return sum(w * x for w, x in zip(ws, xs)) / sw
    if method == "weighted_sum":
        return sum(w * x for w, x in zip(ws, xs)) * total_w / sw
    if 0.0 in xs:                                   # geometric and harmonic means: a 0 gives 0
        return 0.0
    if method == "geometric_mean":
        return float(np.exp(sum(w * np.log(x) for w, x in zip(ws, xs)) / sw))
    if method == "harmonic_mean":
        return sw / sum(w / x for w, x in zip(ws, xs))
    raise ValueError(method)


def plain_combine(x: np.ndarray, w: np.ndarray, parents: list[list[int]], method: str,
                  shift: float = 0.0) -> np.ndarray:
    """(replications, cities, parents) by loops; w is (replications, children); ``shift``
    is added before and taken off after (nonpositive: shift)."""
    out = np.full((len(w), len(x), len(parents)), np.nan)
    for r, i, k in np.ndindex(out.shape):
        avail = [j for j in parents[k] if not np.isnan(x[i, j])]
        assert avail, "every parent has a child in these cases"
        out[r, i, k] = plain_mean([x[i, j] + shift for j in avail], [w[r, j] for j in avail], method,
                                  sum(w[r, j] for j in parents[k])) - shift
    return out


def plain_index(normalised: pd.DataFrame, meth) -> pd.Series:
    """The iq_v1 index: every weight 1, a direction the mean of its available indicators
    (0 when none is available), the index the sum of the ten directions."""
    assert all(n.weight == 1 for n in [*meth.indicators, *meth.aggregates])
    directions = {}
    for d in meth.level_codes("direction"):
        kids = [i.code for i in meth.indicators if i.parent == d]
        directions[d] = normalised[kids].mean(axis=1, skipna=True).fillna(0.0)
    return pd.DataFrame(directions).sum(axis=1)


def plain_pctrank(values: pd.DataFrame, groups: pd.Series, meth, scale: float = 12.0) -> pd.DataFrame:
    """Presence missing = 0, other kinds left missing; then per group and indicator
    scale·(rank − 1)/(n − 1) of polarity·x (ties share the lowest rank; n = 1 → scale/2)."""
    out = pd.DataFrame(index=values.index, columns=values.columns, dtype=float)
    for ind in meth.indicators:
        x = values[ind.code].astype(float)
        if ind.kind == "presence":
            x = x.fillna(0.0)
        for g in groups.unique():
            o = (x * ind.polarity)[groups == g].dropna()
            n = len(o)
            ranks = o.rank(method="min")
            out.loc[o.index, ind.code] = scale * (ranks - 1) / (n - 1) if n > 1 else scale / 2
    return out


def golden_index() -> pd.Series:
    """The fixture's published index (two decimals), computed and checked once by hand."""
    return pd.read_csv(ROOT / "tests/fixtures/mini/scores.golden.csv").set_index("city_id")["IQ"]


# ----------------------------------------------------------------------------- estimators
def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_estimators_reproduce_the_ishigami_indices():
    a, b = 7.0, 0.1
    V = a ** 2 / 8 + b * np.pi ** 4 / 5 + b ** 2 * np.pi ** 8 / 18 + 0.5
    V1, V2, V13 = 0.5 * (1 + b * np.pi ** 4 / 5) ** 2, a ** 2 / 8, b ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    expected_first = np.array([V1, V2, 0]) / V                 # 0.3139, 0.4424, 0
    expected_total = np.array([V1 + V13, V2, V13]) / V         # 0.5576, 0.4424, 0.2437
    N = 2 ** 13
    A, B = sensitivity.design(3, N, seed=7)
    f = ishigami(-np.pi + 2 * np.pi * sensitivity.stacked(A, B, [(0, 1), (1, 1), (2, 1)]))
    table = sensitivity.table(*sensitivity.split(f, N), ["x1", "x2", "x3"], 200, 0.95, seed=1)
    np.testing.assert_allclose(table["Si"], expected_first, atol=0.02)
    np.testing.assert_allclose(table["STi"], expected_total, atol=0.02)
    assert ((table["Si_low"] <= expected_first + 0.01) & (expected_first - 0.01 <= table["Si_high"])).all()
    assert ((table["STi_low"] <= expected_total) & (expected_total <= table["STi_high"])).all()


def test_estimators_on_a_linear_model_with_a_grouped_input():
    # f = 1·x1 + 2·(x2 + x3) + 0·x4, x uniform: V_i ∝ a_i², so S = ST = (1, 8, 0)/9 when
    # x2 and x3 form one input (two columns moving together)
    N = 2 ** 12
    A, B = sensitivity.design(4, N, seed=3)
    x = sensitivity.stacked(A, B, [(0, 1), (1, 2), (3, 1)])
    f = x[:, 0] + 2 * (x[:, 1] + x[:, 2]) + 0 * x[:, 3]
    first, total = sensitivity.indices(*sensitivity.split(f, N))
    np.testing.assert_allclose(first, [1 / 9, 8 / 9, 0], atol=0.01)
    np.testing.assert_allclose(total, [1 / 9, 8 / 9, 0], atol=0.01)
    assert total[2] == 0                                        # x4 never changes f: exactly 0


def test_an_output_that_does_not_vary_has_zero_indices():
    f = np.full(5 * 64, 3.0)
    first, total = sensitivity.indices(*sensitivity.split(f, 64))
    assert first.tolist() == [0, 0, 0] and total.tolist() == [0, 0, 0]


def test_convergence_table_halves_down_to_64_rows():
    N = 256
    A, B = sensitivity.design(2, N, seed=5)
    f = sensitivity.stacked(A, B, [(0, 1), (1, 1)]) @ np.array([1.0, 3.0])
    conv = sensitivity.convergence(*sensitivity.split(f, N), ["a", "b"], 100, 0.9, seed=2)
    assert conv["samples"].tolist() == [64, 64, 128, 128, 256, 256]
    assert conv["evaluations"].tolist() == [256, 256, 512, 512, 1024, 1024]
    width = conv.pivot(index="samples", columns="input", values="STi_width")
    assert width.loc[256, "b"] < width.loc[64, "b"]


def test_design_ab_matrices_take_one_input_from_b():
    A, B = sensitivity.design(3, 64, seed=1)
    rows = sensitivity.stacked(A, B, [(0, 2), (2, 1)])
    assert rows.shape == (4 * 64, 3)
    ab1 = rows[128:192]
    assert (ab1[:, :2] == B[:, :2]).all() and (ab1[:, 2] == A[:, 2]).all()
    assert 0.4 < A.mean() < 0.6 and not np.array_equal(A, B)


# ----------------------------------------------------------------------------- vectorised model
@pytest.mark.parametrize("method", ["weighted_mean", "weighted_sum", "geometric_mean", "harmonic_mean"])
def test_a_batch_equals_one_replication_at_a_time(method):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 12, size=(9, 6))
    x[[1, 4], [2, 5]] = np.nan
    x[3, 0] = 0.0
    children = [f"I{i}" for i in range(6)]
    parent_of = pd.Series({c: "D1" if i < 4 else "D2" for i, c in enumerate(children)})
    cfg = Aggregation(method=method, nonpositive="shift" if method == "harmonic_mean" else "zero")
    w = rng.uniform(0.5, 1.5, size=(5, 6))
    members = aggregate.Members(children, parent_of)
    batch, _ = aggregate.combine(x, w[:, None, :], cfg, members)
    frame = pd.DataFrame(x, columns=children)
    for r in range(5):
        one, _ = aggregate.aggregate(frame, parent_of, pd.Series(w[r], index=children), cfg)
        assert np.array_equal(batch[r], one.to_numpy()), r
    # and both against the plain formulas (harmonic: on x + 1, then − 1; geometric: the 0 gives 0)
    expected = plain_combine(x, w, [[0, 1, 2, 3], [4, 5]], method, 1.0 if method == "harmonic_mean" else 0.0)
    np.testing.assert_allclose(batch, expected, rtol=1e-12)
    if method == "geometric_mean":
        assert (batch[:, 3, 0] == 0).all() and (batch[:, 3, 1] > 0).all()


@pytest.mark.parametrize("method", ["weighted_mean", "weighted_sum", "geometric_mean", "harmonic_mean"])
def test_a_batch_with_its_own_weights_gives_the_hand_computed_means(method):
    # 3 cities, 4 children, parents P = (c0, c1) and Q = (c2, c3), city 1 lacks c1;
    # replication 0 weighs all children 1, replication 1 weighs them 1, 3, 2, ½
    x = np.array([[1.0, 2, 4, 8], [3, np.nan, 6, 2], [12, 6, 1, 3]])
    w = np.array([[1.0, 1, 1, 1], [1, 3, 2, 0.5]])
    expected = plain_combine(x, w, [[0, 1], [2, 3]], method)
    by_hand = {  # (replication, city, parent): value
        "weighted_mean": {(0, 0, 0): 1.5, (1, 0, 1): 12 / 2.5, (1, 1, 0): 3.0, (1, 2, 0): 30 / 4},
        "weighted_sum": {(0, 0, 0): 3.0, (1, 0, 1): 12.0, (1, 1, 0): 3 * 4 / 1, (1, 2, 0): 30.0},
        "geometric_mean": {(0, 0, 0): 2 ** 0.5, (1, 0, 1): 2 ** 2.2, (1, 1, 0): 3.0,
                           (1, 2, 0): 12 ** 0.25 * 6 ** 0.75},
        "harmonic_mean": {(0, 0, 0): 4 / 3, (1, 0, 1): 2.5 / (2 / 4 + 0.5 / 8), (1, 1, 0): 3.0,
                          (1, 2, 0): 4 / (1 / 12 + 3 / 6)},
    }[method]
    for key, value in by_hand.items():
        assert expected[key] == pytest.approx(value, rel=1e-12), key
    children = ["c0", "c1", "c2", "c3"]
    members = aggregate.Members(children, pd.Series({"c0": "P", "c1": "P", "c2": "Q", "c3": "Q"}))
    out, coverage = aggregate.combine(x, w[:, None, :], Aggregation(method=method), members)
    assert out.shape == (2, 3, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    # coverage: the share of P's weight city 1 has: 1/2, then 1/4
    assert coverage[:, 1, 0].tolist() == [0.5, 0.25] and (coverage[:, [0, 2], :] == 1).all()


def test_nominal_replication_is_bit_identical_to_the_nominal_run(mini):
    meth, values, cities = mini
    result = engine.compute(values, cities, meth.framework)
    model = model_of(mini, weights={"indicator": 0.25}, normalisation=["nominal", {"method": "zscore"}])
    assert np.array_equal(model.nominal_scores, result.scores[meth.index_code].to_numpy())
    assert model.nominal_in_group.tolist() == result.rank_in_group.astype(float).tolist()
    # independently: the plain mean per direction and sum of directions of the normalised
    # values, and the fixture's golden index (two decimals)
    plain = plain_index(result.normalised, meth)
    np.testing.assert_allclose(model.nominal_scores, plain.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(model.nominal_scores, golden_index()[values.index].to_numpy(),
                               rtol=0, atol=0.005 + 1e-9)


def test_zero_noise_replications_give_the_plain_index(mini):
    meth, values, cities = mini
    model = model_of(mini, weights={"indicator": 0.0, "direction": 0.0}, replications=20)
    U = uncertainty.sample(model, 20, seed=5)
    scores = model.scores(U)                                    # a batch, weights (20, 1, children)
    plain = plain_index(engine.compute(values, cities, meth.framework).normalised, meth).to_numpy()
    assert scores.shape == (20, len(values))
    for r in range(len(U)):
        np.testing.assert_allclose(scores[r], plain, rtol=1e-12)
    np.testing.assert_allclose(model.nominal_scores, plain, rtol=1e-12)


def test_discrete_alternatives_give_exactly_the_scores_of_that_method(mini):
    meth, values, cities = mini
    alt = {"method": "pctrank", "within": "group", "scale": 12}
    model = model_of(mini, normalisation=["nominal", alt], replications=40)
    U = uncertainty.sample(model, 40, seed=3)
    scores = model.scores(U)
    norm = Uncertainty.model_validate({"normalisation": [alt]}).normalisation[0]
    expected = {0: engine.compute(values, cities, meth.framework).scores[meth.index_code].to_numpy(),
                1: engine.compute(values, cities, meth.model_copy(update={"scoring": meth.scoring.model_copy(
                    update={"normalisation": norm})}).framework).scores[meth.index_code].to_numpy()}
    picked = (U[:, 0] * 2).astype(int)
    assert set(picked) == {0, 1}
    for r in range(len(U)):
        assert np.array_equal(scores[r], expected[picked[r]])
    # independently: the nominal index against the golden one; the pctrank alternative
    # recomputed from the raw values (plain ranks per group, plain means and sum)
    groups = cities.set_index("city_id").loc[values.index, "group"]
    np.testing.assert_allclose(expected[0], golden_index()[values.index].to_numpy(), rtol=0, atol=0.005 + 1e-9)
    plain = plain_index(plain_pctrank(values[meth.indicator_codes()], groups, meth), meth).to_numpy()
    np.testing.assert_allclose(expected[1], plain, rtol=1e-12)
    assert not np.allclose(expected[0], expected[1])


def test_zero_weight_noise_collapses_every_interval_to_the_nominal_rank(mini):
    meth, values, cities = mini
    model = model_of(mini, weights={"indicator": 0.0, "direction": 0.0}, replications=200)
    table = uncertainty.analyse(model, cities, seed=11)
    for scope in ["in_group", "overall"]:
        for col in [f"median_{scope}", f"p5_{scope}", f"p95_{scope}"]:
            assert table[col].tolist() == table[f"rank_{scope}"].tolist()
        assert not table[f"outside_{scope}"].any()


def test_weight_noise_moves_ranks_and_intervals_contain_most_replications(mini):
    meth, values, cities = mini
    model = model_of(mini, weights={"indicator": 0.9, "direction": 0.9}, replications=1000)
    table = uncertainty.analyse(model, cities, seed=11)
    width = table["p95_in_group"] - table["p5_in_group"]
    assert width.max() >= 1                                      # noise of ±90 % moves some city
    assert (table["p5_in_group"] <= table["median_in_group"]).all()
    assert (table["median_in_group"] <= table["p95_in_group"]).all()
    assert table["p95_in_group"].max() <= 3                      # 3 cities per group in the fixture


def test_an_input_that_does_not_vary_has_zero_sensitivity(mini):
    meth, values, cities = mini
    model = model_of(mini, normalisation=["nominal"], sensitivity={"samples": 64, "bootstrap": 50})
    out = sensitivity.analyse(model, seed=1)
    sens = out["sensitivity"]
    assert (sens[["Si", "STi"]] == 0).all().all()
    assert out["moved_most_by"].isna().all()


def test_only_the_varied_inputs_have_sensitivity(mini):
    # in the 12-city fixture only heavy direction-weight noise reorders cities within groups
    meth, values, cities = mini
    model = model_of(mini, weights={"indicator": 0.0, "direction": 0.9}, normalisation=["nominal"],
                     aggregation={"index": ["nominal", {"method": "geometric_mean", "nonpositive": "shift"}]},
                     sensitivity={"samples": 128, "bootstrap": 50})
    sens = sensitivity.analyse(model, seed=1)["sensitivity"]
    top = sens[sens["output"] == "mean_abs_rank_shift"].set_index("input")
    for fixed in ["weights.indicator", "normalisation"]:
        assert top.loc[fixed, ["Si", "STi", "STi_low", "STi_high"]].tolist() == [0, 0, 0, 0]
    assert top.loc["weights.direction", "STi"] > 0.5
    assert top.loc["weights.direction", "STi_low"] <= top.loc["weights.direction", "STi"]


def test_same_seed_same_results_and_another_seed_differs(mini):
    meth, values, cities = mini
    spec = {"weights": {"indicator": 0.5, "direction": 0.5}, "replications": 300,
            "sensitivity": {"samples": 64, "bootstrap": 50}}
    runs = [(uncertainty.analyse(model_of(mini, **spec), cities, seed=s),
             sensitivity.analyse(model_of(mini, **spec), seed=s)["sensitivity"]) for s in (4, 4, 5)]
    as_bytes = [(u.to_csv().encode(), s.to_csv().encode()) for u, s in runs]
    assert as_bytes[0] == as_bytes[1]
    assert as_bytes[0][1] != as_bytes[2][1]


def test_batches_do_not_change_the_results(mini):
    meth, values, cities = mini
    spec = {"weights": {"indicator": 0.5}, "normalisation": ["nominal", {"method": "rank"}], "replications": 101}
    U = uncertainty.sample(model_of(mini, **spec), 101, seed=2)
    whole = model_of(mini, **spec, batch=1000).scores(U)
    pieces = model_of(mini, **spec, batch=7).scores(U)
    assert np.array_equal(whole, pieces)


# ----------------------------------------------------------------------------- linked alternatives
GEO = {"method": "geometric_mean", "nonpositive": "shift", "shift": 1}
PCTRANK = {"method": "pctrank", "within": "group", "scale": 12}


@pytest.mark.parametrize("aggregation, normalisation, inputs, columns, combinations", [
    # per level: two levels × two alternatives each = 2 × 2 = 4 combinations, one column each
    ({"direction": ["nominal", GEO], "index": ["nominal", GEO]}, None,
     ["aggregation.direction", "aggregation.index"], 2, 4),
    # linked: one draw for both levels = 2 combinations, one column
    ({"levels": "all", "alternatives": ["nominal", GEO]}, None, ["aggregation.direction+index"], 1, 2),
    ({"levels": ["index", "direction"], "alternatives": ["nominal", GEO, {"method": "harmonic_mean"}]}, None,
     ["aggregation.direction+index"], 1, 3),
    ({"levels": ["index"], "alternatives": ["nominal", GEO]}, None, ["aggregation.index"], 1, 2),
    # with a normalisation alternative: per level 2 × 2 × 2 = 8, linked 2 × 2 = 4
    ({"direction": ["nominal", GEO], "index": ["nominal", GEO]}, ["nominal", PCTRANK],
     ["normalisation", "aggregation.direction", "aggregation.index"], 3, 8),
    ({"levels": "all", "alternatives": ["nominal", GEO]}, ["nominal", PCTRANK],
     ["normalisation", "aggregation.direction+index"], 2, 4),
])
def test_linked_aggregation_counts_one_draw(mini, aggregation, normalisation, inputs, columns, combinations):
    spec = {"aggregation": aggregation, **({"normalisation": normalisation} if normalisation else {})}
    model = model_of(mini, **spec)
    assert [i.name for i in model.inputs] == inputs and model.columns == columns
    assert model.check() == combinations == len(set(model.combinations()))
    drawn = {tuple(k) for k in model.choices(uncertainty.sample(model, 400, seed=1))}
    assert drawn == set(model.combinations())   # 400 replications draw every combination, and only those


@pytest.mark.slow            # a stage chain or nbconvert: make test, not make check
def test_a_linked_draw_uses_one_method_at_every_level(mini):
    """Every replication of a linked draw aggregates both levels with the same method and
    its index is exactly that of the nominal run with that method at both levels; the
    per-level draw also gives the two mixed combinations."""
    meth, values, cities = mini
    geo = Aggregation.model_validate(GEO)

    def index_with(direction, index) -> np.ndarray:
        agg = {"direction": direction or meth.scoring.aggregation["direction"],
               "index": index or meth.scoring.aggregation["index"]}
        return engine.compute(values, cities, meth.framework.with_aggregation(agg)).scores[meth.index_code].to_numpy()

    linked = model_of(mini, aggregation={"levels": "all", "alternatives": ["nominal", GEO]}, replications=60)
    U = uncertainty.sample(linked, 60, seed=3)
    keys, scores = linked.choices(U), linked.scores(U)
    level = [n for n, _ in linked.discrete].index
    assert (keys[:, level("aggregation.direction")] == keys[:, level("aggregation.index")]).all()
    picked = np.minimum((U[:, 0] * 2).astype(int), 1)
    assert set(picked) == {0, 1} and (keys[:, level("aggregation.index")] == picked).all()
    expected = {0: index_with(None, None), 1: index_with(geo, geo)}
    for r in range(len(U)):
        assert np.array_equal(scores[r], expected[picked[r]])
    # per level, the same sample's first two columns draw the levels separately: mixed combinations too
    separate = model_of(mini, aggregation={"direction": ["nominal", GEO], "index": ["nominal", GEO]})
    U2 = uncertainty.sample(separate, 60, seed=3)
    both = np.minimum((U2[:, :2] * 2).astype(int), 1)
    assert {tuple(b) for b in both} == {(0, 0), (0, 1), (1, 0), (1, 1)}
    scores2 = separate.scores(U2)
    for r in range(len(U2)):
        d, i = both[r]
        assert np.array_equal(scores2[r], index_with(geo if d else None, geo if i else None))
    assert not np.allclose(index_with(geo, None), index_with(geo, geo))


def test_a_linked_draw_is_one_input_of_the_sensitivity_analysis(mini):
    model = model_of(mini, weights={"direction": 0.5}, aggregation={"levels": "all", "alternatives": ["nominal", GEO]},
                     sensitivity={"samples": 64, "bootstrap": 20})
    sens = sensitivity.analyse(model, seed=1)["sensitivity"]
    assert list(sens.loc[sens["output"] == "mean_abs_rank_shift", "input"]) == \
        ["weights.direction", "aggregation.direction+index"]
    table = uncertainty.inputs_table(model.inputs)
    assert table.loc[table["input"] == "aggregation.direction+index", "alternative"].tolist() == [0, 1]


def test_a_linked_draw_in_an_edition_validates_and_is_named_in_words(tmp_path):
    from iqlib.presentation import tables, text

    edition = tmp_path / "e.yaml"
    data = yaml.safe_load(open(FIXTURE_EDITION, encoding="utf-8"))
    data["uncertainty"] = {"replications": 50, "aggregation": {"levels": "all", "alternatives": ["nominal", GEO]}}
    edition.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    params = load_params(edition)
    d = inputs.load(params)
    assert params.edition.uncertainty is not None
    model = uncertainty.Model(d.values, d.cities, params.methodology.framework, params.edition.uncertainty)
    assert model.check() == 2
    assert text.input_name(params, "aggregation.direction+index") == \
        "Aggregation: directions, index (one draw for all)"
    words = tables.robustness_inputs(params, uncertainty.inputs_table(model.inputs))
    assert len(words) == 2 and words["setting"].iloc[1] != words["setting"].iloc[0]


# ----------------------------------------------------------------------------- errors
def test_a_combination_that_cannot_be_computed_is_named(mini):
    model = model_of(mini, normalisation=["nominal", {"method": "zscore"}],
                     aggregation={"direction": ["nominal", {"method": "geometric_mean"}]})
    with pytest.raises(UserError) as err:
        model.scores(np.full((1, model.columns), 0.99))       # the last alternatives: zscore, geometric
    assert str(err.value).startswith("uncertainty: the combination normalisation=zscore(within=group, "
                                     "mean=0.0, sd=1.0), aggregation.direction=geometric_mean(")
    assert "negative values in" in str(err.value)


@pytest.mark.parametrize("change, message", [
    ({"weights": {"pillar": 0.2}}, "key 'uncertainty.weights.pillar': not a level with weights"),
    ({"aggregation": {"indicator": ["nominal"]}}, "key 'uncertainty.aggregation.indicator': not an aggregating"),
    ({"weights": {"indicator": 1.5}}, "the noise factor must be in [0, 1), not 1.5"),
    ({"normalisation": ["nominal", {"method": "zscor"}]}, "uncertainty.normalisation.1"),
    ({"sensitivity": {"samples": 1000}}, "samples must be a power of two"),
    ({"replications": 100}, "name at least one uncertain input"),
    ({"aggregation": {"levels": ["direction", "pillar"], "alternatives": ["nominal"]}},
     "key 'uncertainty.aggregation.levels': 'pillar' is not an aggregating level; levels: direction, index (or 'all')"),
    ({"aggregation": {"levels": "all", "alternatives": []}}, "key 'uncertainty.aggregation.alternatives': List should "
                                                             "have at least 1 item"),
    ({"aggregation": {"levels": ["index", "index"], "alternatives": ["nominal"]}}, "name each level once"),
    ({"aggregation": {"levels": "all", "alternatives": ["nominal"], "index": ["nominal"]}},
     "unknown key 'uncertainty.aggregation.index'"),
])
def test_bad_uncertainty_params_name_the_key(tmp_path, change, message):
    edition = tmp_path / "e.yaml"
    data = yaml.safe_load(open(FIXTURE_EDITION, encoding="utf-8"))
    data["uncertainty"] = change
    edition.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_params(edition)
    assert message in str(err.value)


def test_replication_ranks_match_a_hand_ranking():
    # the row-wise ranks of the replications (uncertainty.min_ranks, now ranking.tie_ranks):
    # ascending, ties share the lowest rank, a missing key gets no rank
    key = np.array([[3.0, 1.0, 3.0, 2.0, np.nan], [5.0, 5.0, 5.0, 5.0, 5.0]])
    assert np.array_equal(ranking.tie_ranks(key), [[3, 1, 3, 2, np.nan], [1, 1, 1, 1, 1]], equal_nan=True)
    # the model keys a missing score +inf (last, never tied with a finite value), then blanks its rank
    assert ranking.tie_ranks(np.array([[3.0, 1.0, 3.0, 2.0, np.inf]])).tolist() == [[3, 1, 3, 2, 5]]
    # values within the tie tolerance share a rank; the tie is anchored at its first value (no chaining)
    near = np.array([[1.0, 1 + 0.6e-12, 1 + 1.2e-12, 2.0]])
    assert ranking.tie_ranks(near).tolist() == [[1, 1, 3, 4]]


def test_a_city_without_an_index_stays_unranked_and_the_rest_are_analysed(mini):
    meth, values, cities = mini
    strict = meth.scoring.aggregation["index"].model_copy(update={"min_coverage": 1.0, "missing": "missing"})
    meth = meth.model_copy(update={"scoring": meth.scoring.model_copy(
        update={"aggregation": {**meth.scoring.aggregation, "index": strict}})})
    values = values.copy()
    gap = values.index[0]
    values.loc[gap] = np.nan          # only presence indicators (missing = 0) left: directions of rates → no index
    direction = meth.scoring.aggregation["direction"].model_copy(update={"missing": "missing"})
    meth = meth.model_copy(update={"scoring": meth.scoring.model_copy(
        update={"aggregation": {"direction": direction, "index": strict}})})
    u = Uncertainty.model_validate({"weights": {"indicator": 0.3}, "replications": 50,
                                    "sensitivity": {"samples": 64, "bootstrap": 20}})
    model = uncertainty.Model(values, cities, meth.framework, u)
    table = uncertainty.analyse(model, cities, seed=1).set_index("city_id")
    assert table.loc[gap, ["rank_in_group", "median_in_group", "p5_in_group"]].isna().all()
    unranked = table["rank_in_group"].isna()
    assert unranked.sum() < len(table) - 3                      # most cities keep an index
    assert (table["p95_in_group"].isna() == unranked).all()    # weight noise cannot fill a gap
    out = sensitivity.analyse(model, seed=1)
    assert not set(table.index[unranked]) & set(out["sensitivity"]["output"])
    assert out["sensitivity"][["Si", "STi"]].notna().all().all()


@pytest.mark.e2e
def test_iq_run_refuses_a_combination_that_cannot_be_computed_before_any_stage(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        "extends: tests/fixtures/mini/edition.yaml\nscenario: bad-combination\nedition:\n  uncertainty:\n"
        "    replications: 100\n    normalisation: [nominal, {method: zscore}]\n"
        "    aggregation: {direction: [nominal, {method: harmonic_mean}]}\n", encoding="utf-8")
    out = tmp_path / "run"
    result = iq("run", str(scenario), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "uncertainty: the combination normalisation=zscore(within=group, mean=0.0, sd=1.0), " \
           "aggregation.direction=harmonic_mean(" in result.stderr
    assert "Traceback" not in result.stderr and "01_load" not in result.stdout
    assert not out.exists()
