"""Weight optimisation (``iq optimise-weights``, ``analysis.optimise``): COINr's
``get_opt_weights`` ("balance") objective, on COINr's own ASEM example against COINr's
results (tests/fixtures/coinr_asem, made by bench/coinr_optimise.R with COINr 1.1.14), the
correlations against an independent recomputation, and the command's files and errors."""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import ROOT
from scipy.stats import spearmanr

import iqlib
from iqlib import cli
from iqlib.analysis import optimise
from iqlib.config.methodology import Methodology
from iqlib.config.params import load_params
from iqlib.core import aggregate
from iqlib.core.errors import UserError
from iqlib.core.framework import Framework

ASEM = ROOT / "tests" / "fixtures" / "coinr_asem"
LEVELS = {1: "indicator", 2: "pillar", 3: "subindex", 4: "index"}
MINI = "tests/fixtures/mini/edition.yaml"


@functools.cache
def asem() -> tuple[Framework, pd.DataFrame]:
    """COINr's ASEM example in the project's terms: its framework (iMeta: 49 indicators, 8
    pillars, 2 sub-indices, the index; weights; arithmetic means, as build_example_coin) as a
    methodology, and the coin's normalised data (what COINr's Aggregate() aggregates)."""
    meta = pd.read_csv(ASEM / "iMeta.csv")
    meta = meta[meta["Type"].isin(["Indicator", "Aggregate"])]
    indicators = [{"code": r.iCode, "parent": r.Parent, "name_ru": r.iCode, "name_en": r.iCode, "kind": "value",
                   "unit": "u", "polarity": 1, "weight": float(r.Weight)} for r in meta[meta.Level == 1].itertuples()]
    aggregates = [{"code": r.iCode, "level": LEVELS[r.Level], **({"parent": r.Parent} if isinstance(r.Parent, str) else {}),
                   "name_ru": r.iCode, "name_en": r.iCode, "weight": float(r.Weight)}
                  for r in meta[meta.Level > 1].sort_values("Level", ascending=False, kind="stable").itertuples()]
    meth = Methodology.model_validate({
        "id": "asem", "title_ru": "ASEM", "title_en": "ASEM", "sources": [],
        "status": {"confirmed_ru": [], "confirmed_en": [], "reconstructed_ru": [], "reconstructed_en": []},
        "kinds": {"value": {"unit_ru": "u", "unit_en": "u", "missing": "exclude"}},
        "levels": list(LEVELS.values()),
        "scoring": {"normalisation": {"method": "minmax", "within": "all", "lower": 0, "upper": 100},
                    "aggregation": {lv: {"method": "weighted_mean"} for lv in ["pillar", "subindex", "index"]}},
        "aggregates": aggregates, "indicators": indicators})
    fw = meth.framework
    return fw, pd.read_csv(ASEM / "normalised.csv").set_index("uCode")[fw.indicator_codes()]


def coinr_cases() -> list[str]:
    return pd.read_csv(ASEM / "objectives.csv")["case"].tolist()


def coinr(case: str) -> tuple[str, pd.DataFrame, float]:
    """The level, COINr's rows (code, target as COINr matched it, its weight and correlation) and objective."""
    rows = pd.read_csv(ASEM / "cases.csv")
    rows = rows[rows["case"] == case].set_index("code")
    objective = pd.read_csv(ASEM / "objectives.csv").set_index("case").loc[case, "objective"]
    return LEVELS[int(rows["level"].iloc[0])], rows, float(objective)


def reaggregated(fw: Framework, normalised: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """The index with ``weights`` replacing some nodes' weights, through the whole aggregation."""
    changed = dataclasses.replace(fw, weight={**fw.weight, **weights.to_dict()})
    return aggregate.aggregate_all(normalised, changed).scores[fw.index_code]


def test_the_converted_example_aggregates_as_coinr_does():
    """The conversion is faithful: every pillar, sub-index and index score equals COINr's."""
    fw, normalised = asem()
    ours = aggregate.aggregate_all(normalised, fw).scores
    theirs = pd.read_csv(ASEM / "aggregated.csv").set_index("uCode")
    assert list(ours.index) == list(theirs.index) and len(ours) == 51
    np.testing.assert_allclose(ours[theirs.columns].to_numpy(), theirs.to_numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", coinr_cases())
def test_the_objective_is_coinrs_at_coinrs_weights(case):
    """At COINr's optimised weights, our correlations and objective are COINr's own (the same
    definition, the targets matched by code as COINr's objective actually matched them)."""
    fw, normalised = asem()
    level, rows, objective = coinr(case)
    problem = optimise.Problem(normalised, fw, level)
    corr = problem.correlations(rows.loc[problem.codes, "coinr_weight"].to_numpy())
    np.testing.assert_allclose(corr, rows.loc[problem.codes, "coinr_correlation"], rtol=0, atol=1e-12)
    targets = optimise.targets_of(fw, level, rows["target"].to_dict())
    assert optimise.objective(targets.to_numpy(), corr) == pytest.approx(objective, abs=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("case", coinr_cases())
def test_the_optimum_is_at_least_as_good_as_coinrs_and_its_correlations_are_true(case):
    fw, normalised = asem()
    level, rows, coinr_objective = coinr(case)
    result = optimise.optimise_weights(normalised, fw, level, rows["target"].to_dict())
    assert result.objective <= coinr_objective
    assert result.objective < result.objective_nominal
    assert result.converged
    w = result.weights
    assert (w >= 0).all() and result.shares.sum() == pytest.approx(1.0, abs=1e-12)
    assert w.sum() == pytest.approx(fw.nominal_weights[w.index].sum(), abs=1e-6)   # the methodology's scale
    # independently: the index through the whole aggregation with these weights, numpy's Pearson
    index = reaggregated(fw, normalised, w).to_numpy()
    level_scores = aggregate.aggregate_all(normalised, fw).scores[w.index] if level != "indicator" else normalised[w.index]
    expected = [np.corrcoef(level_scores[c].to_numpy(), index)[0, 1] for c in w.index]
    np.testing.assert_allclose(result.correlations, expected, rtol=0, atol=1e-12)
    shares = np.array(expected) / np.sum(expected)
    # the mean squared gap (the log is a loose check where the targets are met to rounding: −47)
    assert math.exp(result.objective) == pytest.approx(np.mean((result.targets.to_numpy() - shares) ** 2), rel=1e-6, abs=1e-18)
    nominal = reaggregated(fw, normalised, fw.nominal_weights[w.index]).to_numpy()
    np.testing.assert_allclose(result.correlations_nominal,
                               [np.corrcoef(level_scores[c].to_numpy(), nominal)[0, 1] for c in w.index], atol=1e-12)


def test_coinr_stops_early_and_the_optimum_moves_well_beyond():
    """What the reference shows in numbers: COINr's defaults (reltol 0.1) stop after 3–15
    evaluations; equal targets at the sub-index level can be met exactly (two sub-indices
    correlating equally with the index), COINr's result is far from that."""
    fw, normalised = asem()
    result = optimise.optimise_weights(normalised, fw, "subindex")
    assert pd.read_csv(ASEM / "objectives.csv")["function_evaluations"].max() <= 15
    assert result.correlations["Conn"] == pytest.approx(result.correlations["Sust"], abs=1e-6)
    assert result.gap < 1e-6 < math.sqrt(math.exp(coinr("subindex_equal")[2]))


def test_spearman_correlations_are_scipys():
    fw, normalised = asem()
    result = optimise.optimise_weights(normalised, fw, "subindex", {"Sust": 2}, "spearman")
    index = reaggregated(fw, normalised, result.weights)
    subindices = aggregate.aggregate_all(normalised, fw).scores
    for code in ["Conn", "Sust"]:
        assert result.correlations[code] == pytest.approx(spearmanr(subindices[code], index).statistic, abs=1e-12)
    assert result.objective < result.objective_nominal and (result.weights >= 0).all()


def test_the_objective_by_hand():
    # shares 0.6/0.8 = 0.75 and 0.25 against 0.5 and 0.5: mean squared gap 0.0625
    assert optimise.objective(np.array([0.5, 0.5]), np.array([0.6, 0.2])) == pytest.approx(math.log(0.0625))
    assert optimise.objective(np.array([0.5, 0.5]), np.array([0.4, 0.4])) == float("-inf")   # met exactly
    assert optimise.objective(np.array([0.5, 0.5]), np.array([0.4, -0.5])) == float("inf")   # shares undefined
    assert optimise.objective(np.array([0.5, 0.5]), np.array([0.4, np.nan])) == float("inf")


def test_correlations_with_missing_values_use_the_units_with_both():
    x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 1.0], [4.0, 5.0], [6.0, 3.0]])
    y = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    got = optimise.correlations(x, y, "pearson")
    assert got[0] == pytest.approx(np.corrcoef(x[:, 0], y)[0, 1])
    keep = ~np.isnan(x[:, 1])
    assert got[1] == pytest.approx(np.corrcoef(x[keep, 1], y[keep])[0, 1])
    assert optimise.correlations(x, y, "spearman")[1] == pytest.approx(spearmanr(x[keep, 1], y[keep]).statistic)
    assert np.isnan(optimise.correlations(np.ones((5, 1)), y, "pearson")[0])   # a constant: undefined


def test_the_fast_reaggregation_is_aggregate_all_to_the_last_bit():
    """``Problem.index`` runs ``aggregate_all``'s arithmetic level by level; with other weights
    and other means it gives the same floats as ``aggregate_all`` with the weights set."""
    fw, normalised = asem()
    geometric = fw.with_aggregation({lv: aggregate.Aggregation(method=m) for lv, m in
                                     [("pillar", "weighted_mean"), ("subindex", "geometric_mean"), ("index", "weighted_sum")]})
    rng = np.random.default_rng(3)
    for framework in (fw, geometric):
        for level in ["indicator", "pillar", "subindex"]:
            problem = optimise.Problem(normalised, framework, level)
            assert problem.steps is not None
            w = rng.uniform(0.1, 2.0, len(problem.codes))
            expected = reaggregated(framework, normalised, pd.Series(w, index=problem.codes))
            assert np.array_equal(problem.index(w), expected.to_numpy())


@pytest.mark.slow
def test_the_fixture_edition_matches_what_a_run_of_the_scenario_computes(tmp_path):
    """``iq optimise-weights`` on the fixture edition: the scenario it writes, computed as
    ``iq run`` computes it, has the correlations the table reports; the files are the same
    bytes when made again."""
    out = tmp_path / "opt"
    assert cli.main(["optimise-weights", MINI, "--level", "direction", "--target", "D4=2", "--out", str(out)]) == 0
    table = pd.read_csv(out / "optimised-direction.csv")
    assert list(table.columns) == ["code", "weight_nominal", "weight_optimised", "correlation_nominal",
                                   "correlation_optimised"]
    assert table["code"].tolist() == [f"D{i}" for i in range(1, 11)]
    assert (table["weight_optimised"] >= 0).all()
    assert table["weight_optimised"].sum() == pytest.approx(table["weight_nominal"].sum(), abs=1e-6)
    path = out / "optimised-direction.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["extends"] == MINI and data["scenario"] == "optimised-direction"
    assert {c: v["weight"] for c, v in data["methodology"]["aggregates"].items()} == \
        dict(zip(table["code"], table["weight_optimised"]))
    assert "D4 — 2" in data["description"]
    params = load_params(path)           # what iq run reads
    assert params.methodology.node("D4").weight == table.set_index("code").loc["D4", "weight_optimised"]
    computed = iqlib.scenario(path).result().aggregates
    index = computed["IQ"].to_numpy()
    expected = [np.corrcoef(computed[c].to_numpy(), index)[0, 1] for c in table["code"]]
    np.testing.assert_allclose(table["correlation_optimised"], expected, rtol=0, atol=1e-12)
    base = iqlib.scenario(MINI).result().aggregates
    np.testing.assert_allclose(table["correlation_nominal"],
                               [np.corrcoef(base[c].to_numpy(), base["IQ"].to_numpy())[0, 1] for c in table["code"]],
                               rtol=0, atol=1e-12)
    first = (path.read_bytes(), (out / "optimised-direction.csv").read_bytes())
    assert cli.main(["optimise-weights", MINI, "--level", "direction", "--target", "D4=2", "--out", str(out)]) == 0
    assert (path.read_bytes(), (out / "optimised-direction.csv").read_bytes()) == first


@pytest.mark.parametrize("args,message", [
    (["--level", "direction", "--target", "D4=-1"], "target D4=-1.0: a target is a number ≥ 0"),
    (["--level", "direction", "--target", "D99=2"], "target D99: not in the framework"),
    (["--level", "direction", "--target", "I01=2"], "target I01: a node of level 'indicator'"),
    (["--level", "direction"] + [a for i in range(1, 11) for a in ("--target", f"D{i}=0")], "every target at level"),
    (["--level", "direction", "--target", "D4"], "--target 'D4': expected CODE=VALUE"),
    (["--level", "direction", "--target", "D4=x"], "--target 'D4=x': expected CODE=VALUE"),
    (["--level", "direction", "--target", "D4=1", "--target", "D4=2"], "--target D4 is given twice"),
    (["--level", "direction", "--target", "D4=nan"], "a target is a number ≥ 0"),
    (["--level", "pillar"], "no level 'pillar' in the framework"),
    (["--level", "index"], "level 'index' is the index"),
    (["--level", "direction", "--name", "Bad Name"], "scenario"),
])
def test_bad_arguments_are_one_message_and_nothing_is_written(tmp_path, capsys, args, message):
    out = tmp_path / "opt"
    assert cli.main(["optimise-weights", MINI, *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_bad_out_folder_is_one_message(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    for out, message in [(blocker, "not a folder"), (blocker / "sub", "cannot make the folder")]:
        assert cli.main(["optimise-weights", MINI, "--level", "direction", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1
    assert blocker.read_text(encoding="utf-8") == "x"


@pytest.mark.parametrize("out, message", [("outputs/2019/base/optimised", "inside the run folder outputs/2019/base"),
                                          ("params/scenarios", "inside the project's params/ folder")])
def test_out_inside_a_run_or_the_sources_is_refused_as_by_every_command(capsys, out, message):
    assert cli.main(["optimise-weights", MINI, "--level", "direction", "--out", str(ROOT / out)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (ROOT / "outputs/2019/base/optimised").exists()


def test_a_level_whose_weights_a_rule_sets_is_refused():
    fw, normalised = asem()
    pca = fw.with_aggregation({**fw.aggregation, "index": aggregate.Aggregation(method="weighted_mean", weights="pca")})
    with pytest.raises(UserError, match="set by the rule 'pca'"):
        optimise.optimise_weights(normalised, pca, "subindex")
