"""The uncertainty model and the pipeline are one implementation: for every registered
method of every family, every normalisation scope (the population group, all cities, a
declared roster column), imputation by a roster column, screening before and after
imputation (units and indicators) and goalposts from a base edition, the model's scores
for a combination equal ``engine.compute``'s with the same choices (to 1e-12) and give
the same ranks. Fast (a small synthetic roster): part of ``make check``.

The registries are iterated, so a method registered later is covered without editing
this file; a method whose options have required fields needs an entry in ``EXAMPLES``
(the test says so)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURE

from iqlib import stages
from iqlib.analysis import uncertainty
from iqlib.analysis.uncertainty import Uncertainty
from iqlib.config.params import Methodology
from iqlib.core import engine
from iqlib.core.aggregate import AGGREGATIONS
from iqlib.core.framework import Framework
from iqlib.core.impute import IMPUTATIONS
from iqlib.core.normalise import NORMALISATIONS
from iqlib.core.screen import Screening
from iqlib.core.treat import TREATMENTS
from iqlib.core.weighting import WEIGHTS

CODES = [f"I{i}" for i in range(1, 9)]
ROSTER_COLUMN = "zone"   # a declared roster column: crosses the population groups
SCOPES = ["group", "all", ROSTER_COLUMN]

# options a method needs beyond ``method`` and ``within`` (a method not named here must
# build from its defaults: a new method with required options fails below until it is added)
EXAMPLES: dict[str, list[dict]] = {
    "goalposts": [{"lower": 0.0, "upper": 60.0, "scale": 10.0}, {"lower": 0.0, "upper": "base_max"},
                  {"lower": 0.0, "upper": "base_group_max", "truncate": False}],
    "dist2target": [{"target": 30.0}],
    "minmax": [{"lower": 1.0, "upper": 10.0}],
    "zscore": [{"mean": 10.0, "sd": 2.0}],
    "generalised_mean": [{"p": 2.0}, {"p": -1.0}, {"p": 0.0}],
    "jrc": [{"winmax": 0}, {"winmax": 1}, {"winmax": 3}, {"winmax": 1, "within": "group"}],
}


def methodology(normalisation: dict | None = None) -> Methodology:
    """8 indicators in two pillars (5 and 3) under one index; I8 lower is better."""
    inds = [{"code": c, "parent": "P1" if i < 5 else "P2", "name_ru": c, "name_en": c, "kind": "value",
             "unit": "u", "polarity": -1 if c == "I8" else 1} for i, c in enumerate(CODES)]
    return Methodology.model_validate({
        "id": "t", "title_ru": "t", "title_en": "t", "sources": [],
        "status": {"confirmed_ru": [], "confirmed_en": [], "reconstructed_ru": [], "reconstructed_en": []},
        "kinds": {"value": {"unit_ru": "u", "unit_en": "u", "missing": "group_mean"}},
        "levels": ["indicator", "pillar", "index"],
        "scoring": {"treatment": {"method": "none"},
                    "normalisation": normalisation or {"method": "minmax", "within": ROSTER_COLUMN,
                                                       "lower": 1, "upper": 10},
                    "aggregation": {lv: {"method": "weighted_mean"} for lv in ["pillar", "index"]}},
        "aggregates": [{"code": "IDX", "level": "index", "name_ru": "i", "name_en": "i"},
                       {"code": "P1", "level": "pillar", "parent": "IDX", "name_ru": "p", "name_en": "p", "weight": 2},
                       {"code": "P2", "level": "pillar", "parent": "IDX", "name_ru": "p", "name_en": "p"}],
        "indicators": inds})


FW = methodology().framework


def roster_and_values() -> tuple[pd.DataFrame, pd.DataFrame]:
    """12 cities in two population groups and three zones; positive values, a few missing.
    c01: the JRC rule fails on I1 (winsorising 1 point is not enough, 3 are); c10: zero in
    I2–I6 (screened by the zeros rule whatever the imputation); c11: three values missing
    (screened by availability 5/8 < 0.7); I7: seven zeros of 12 (screened by the zeros
    rule); I8: three missing (availability 9/12 < 0.8)."""
    rng = np.random.default_rng(20)
    ids = pd.Index([f"c{i:02d}" for i in range(12)], name="city_id")
    values = pd.DataFrame(np.round(rng.uniform(2, 50, (12, 8)), 1), index=ids, columns=CODES)
    values["I1"] = [3.1, 95.0, 2.2, 4.5, 1.9, 2.8, 3.3, 2.4, 60.0, 2.6, 3.0, 2.1]
    values.loc["c10", ["I2", "I3", "I4", "I5", "I6"]] = 0.0
    values.loc[["c00", "c02", "c03", "c05", "c06", "c08", "c09"], "I7"] = 0.0
    values.loc["c11", ["I2", "I5", "I8"]] = np.nan
    values.loc[["c03", "c07"], "I8"] = np.nan
    values.loc["c04", "I4"] = np.nan
    cities = pd.DataFrame({"city_id": ids, "city_ru": ids, "group": ["g1", "g2"] * 6,
                           ROSTER_COLUMN: ["north", "north", "south", "south", "east", "east"] * 2})
    return values, cities


VALUES, CITIES = roster_and_values()
BOUNDS = engine.base_bounds(VALUES * 1.25 + 1.0, CITIES)   # a base edition's goalposts (group and overall maxima)

SCREENINGS = {
    "none": None,
    "units-before": Screening(by="units", rule="missing", threshold=0.7),
    "units-after": Screening(by="units", rule="zeros", threshold=0.0, nonzero_threshold=0.5, when="after_imputation"),
    "indicators-before": Screening(by="indicators", rule="missing", threshold=0.8),
    "indicators-after": Screening(by="indicators", rule="zeros", threshold=0.0, nonzero_threshold=0.5,
                                  when="after_imputation"),
}


def options(registry, name: str, **fixed) -> list:
    """Every example of a registered method's options (its defaults when it needs none)."""
    cls = registry.config(name)
    if cls is None:
        return [name]
    out = []
    for extra in EXAMPLES.get(name, [{}]):
        kwargs = {**fixed, **extra}
        if name == "goalposts" and kwargs.get("upper") == "base_group_max" and kwargs.get("within") != "group":
            continue   # refused by the options model: the group's maximum needs within: group
        try:
            out.append(cls(**{registry.key: name, **kwargs}))
        except ValueError as exc:
            pytest.fail(f"{registry.family} {name!r}: add an example of its options to EXAMPLES ({exc})")
    return out


def aggregations() -> list[dict]:
    """Every registered aggregation (with every example of its options) under every weights rule."""
    out = []
    for name in AGGREGATIONS.names:
        for extra in EXAMPLES.get(name, [{}]):
            out += [{"method": name, "weights": w, **extra} for w in WEIGHTS.names]
    return out


def with_choices(fw: Framework, chosen: dict) -> Framework:
    """The framework with a combination's methods, as a methodology naming them would compile."""
    codes = fw.indicator_codes()
    return replace(fw, missing={c: chosen["imputation"] or fw.missing[c] for c in codes},
                   treatment={c: chosen["treatment"] or fw.treatment[c] for c in codes},
                   normalisation={c: chosen["normalisation"] or fw.normalisation[c] for c in codes},
                   aggregation={lv: chosen[f"aggregation.{lv}"] or fw.aggregation[lv] for lv in fw.levels[1:]})


def rows_for(model: uncertainty.Model, keys: list[tuple[int, ...]]) -> np.ndarray:
    """A sample matrix drawing each combination of ``keys`` once (no weight noise is declared)."""
    U = np.full((len(keys), model.columns), 0.5)
    for r, key in enumerate(keys):
        for (_, inp), k in zip(model.discrete, key):
            if inp is not None:
                U[r, inp.start] = (k + 0.5) / len(inp.alternatives)
    return U


def as_float(ranks: pd.Series) -> np.ndarray:
    return ranks.astype("Float64").to_numpy(float, na_value=np.nan)


def assert_model_is_the_pipeline(fw: Framework, spec: dict, values: pd.DataFrame = VALUES,
                                 cities: pd.DataFrame = CITIES) -> int:
    """Every combination of ``spec``'s alternatives: the model's scores and ranks are the
    pipeline's with the same choices. Returns how many combinations were compared."""
    model = uncertainty.Model(values, cities, fw, Uncertainty.model_validate({"replications": 10, **spec}), BOUNDS)
    keys = model.combinations()
    scores = model.scores(rows_for(model, keys))
    in_group, overall = model.ranks(scores)
    names = [n for n, _ in model.discrete]
    pipeline: dict[str, engine.Result] = {}   # a combination drawn twice is computed once
    for r, key in enumerate(keys):
        chosen = dict(zip(names, model._chosen(key)))
        memo = repr(sorted(chosen.items()))
        if memo not in pipeline:
            pipeline[memo] = engine.compute(values, cities, with_choices(fw, chosen), BOUNDS)
        result = pipeline[memo]
        expected = result.scores[fw.index_code]
        assert list(expected.index) == list(model.values.index), chosen
        np.testing.assert_allclose(scores[r], expected.to_numpy(), rtol=0, atol=1e-12, err_msg=str(chosen))
        assert np.array_equal(in_group[r], as_float(result.rank_in_group), equal_nan=True), chosen
        assert np.array_equal(overall[r], as_float(result.rank_overall), equal_nan=True), chosen
    nominal = engine.compute(values, cities, fw, BOUNDS)
    np.testing.assert_allclose(model.nominal_scores, nominal.scores[fw.index_code].to_numpy(), rtol=0, atol=1e-12)
    assert np.array_equal(model.nominal_in_group, as_float(nominal.rank_in_group), equal_nan=True)
    return len(keys)


def test_the_fixture_screens_the_same_whatever_the_imputation():
    """What each screening mode leaves out does not depend on the imputation rule (the
    model holds the nominal screening in every replication: here it is the pipeline's)."""
    expected = {"none": set(), "units-before": {"c11"}, "units-after": {"c10"}, "indicators-before": {"I8"},
                "indicators-after": {"I7"}}
    for mode, cfg in SCREENINGS.items():
        for rule in IMPUTATIONS.names:
            screened = engine.screened_and_imputed(VALUES, CITIES, replace(FW, screening=cfg), rule)[2]
            left_out = set(screened.iloc[:, 0]) if len(screened) else set()
            assert left_out == expected[mode], (mode, rule)


@pytest.mark.parametrize("mode,by", [("none", "group"), *((mode, ROSTER_COLUMN) for mode in SCREENINGS)])
def test_every_imputation_rule_by_any_column_under_every_screening(mode, by):
    fw = replace(FW, screening=SCREENINGS[mode], imputation_by=by)
    n = assert_model_is_the_pipeline(fw, {"imputation": ["nominal", *IMPUTATIONS.names]})
    assert n == 1 + len(IMPUTATIONS.names)


@pytest.mark.parametrize("mode,scopes", [("none", SCOPES), ("units-after", [ROSTER_COLUMN])],
                         ids=["every-scope", "units-screened-after-imputation"])
def test_every_normalisation_in_every_scope_with_a_base_editions_goalposts(mode, scopes):
    alternatives = [cfg for name in NORMALISATIONS.names for scope in scopes
                    for cfg in options(NORMALISATIONS, name, within=scope)]
    assert {a.method for a in alternatives} == set(NORMALISATIONS.names)
    assert {a.within for a in alternatives} == set(scopes)
    if "group" in scopes:
        assert {"base_max", "base_group_max"} <= {getattr(a, "upper", None) for a in alternatives}
    fw = replace(FW, screening=SCREENINGS[mode])
    n = assert_model_is_the_pipeline(fw, {"normalisation": ["nominal", *alternatives]})
    assert n == 1 + len(alternatives)


@pytest.mark.parametrize("nominal,stack", [("group", uncertainty.STACK), (ROSTER_COLUMN, 0)],
                         ids=["stacked", "one-by-one"])
def test_every_treatment_with_normalisations_sharing_columns(nominal, stack, monkeypatch):
    """Treatments × normalisations: a column a treatment leaves unchanged is normalised once
    for all treatments, and each JRC run is reused for other winmax where the rule allows;
    the combinations aggregated together (drawn by few replications) or one by one."""
    monkeypatch.setattr(uncertainty, "STACK", stack)
    treatments = [cfg for name in TREATMENTS.names for cfg in options(TREATMENTS, name)]
    assert {t.method for t in treatments} == set(TREATMENTS.names)
    fw = methodology({"method": "zscore", "within": nominal}).framework
    spec = {"treatment": ["nominal", *treatments, *treatments[::-1]],
            "normalisation": ["nominal", {"method": "minmax", "within": ROSTER_COLUMN},
                              {"method": "pctrank", "within": "all"}]}
    assert assert_model_is_the_pipeline(fw, spec) == (1 + 2 * len(treatments)) * 3


def test_every_aggregation_and_weights_rule_per_level_and_linked():
    alternatives = aggregations()
    assert {a["method"] for a in alternatives} == set(AGGREGATIONS.names)
    assert {a["weights"] for a in alternatives} == set(WEIGHTS.names)
    per_level = {"pillar": ["nominal", *alternatives]}
    assert assert_model_is_the_pipeline(FW, {"aggregation": per_level}) == 1 + len(alternatives)
    assert assert_model_is_the_pipeline(FW, {"aggregation": {"levels": "all", "alternatives": alternatives}}) == \
        len(alternatives)


# ----------------------------------------------------------------------------- the roster-scope defect
def test_a_normalisation_within_a_roster_column_is_scoped_by_it_in_the_model():
    """Regression: the model normalised ``within: <roster column>`` over all cities (nominal
    and as an alternative), while the pipeline scopes it by the column. Hand-checked on I2,
    zone north (c00, c01, c06, c07): min–max [1, 10] over those four cities only."""
    fw = FW   # nominal: minmax [1, 10] within the zone
    u = Uncertainty.model_validate({"replications": 10, "normalisation": [
        "nominal", {"method": "minmax", "within": "group", "lower": 1, "upper": 10}]})
    model = uncertainty.Model(VALUES, CITIES, fw, u)
    nominal = engine.compute(VALUES, CITIES, fw)
    north = VALUES.loc[["c00", "c01", "c06", "c07"], "I2"]
    lo, hi = north.min(), north.max()
    expected = 1 + (VALUES.at["c06", "I2"] - lo) / (hi - lo) * 9
    assert nominal.normalised.at["c06", "I2"] == pytest.approx(expected, rel=1e-15)
    np.testing.assert_allclose(model.nominal_scores, nominal.scores["IDX"].to_numpy(), rtol=0, atol=1e-12)
    # and as an alternative: the zone's scope against a nominal within the group
    fw_group = methodology({"method": "minmax", "within": "group", "lower": 1, "upper": 10}).framework
    u = Uncertainty.model_validate({"replications": 10, "normalisation": [
        "nominal", {"method": "minmax", "within": ROSTER_COLUMN, "lower": 1, "upper": 10}]})
    model = uncertainty.Model(VALUES, CITIES, fw_group, u)
    scores = model.scores(rows_for(model, model.combinations()))   # nominal, then the zone's scope
    np.testing.assert_allclose(scores[1], nominal.scores["IDX"].to_numpy(), rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- an edition, through the stages
MOSCOW_AREA = {"moskva", "khimki", "reutov", "serpukhov", "elektrostal", "dubna", "ivanteevka"}
BY_REGION = "{method: minmax, within: macro_region, lower: 0, upper: 12, constant: midpoint}"


def roster_column_edition(tmp_path) -> Path:
    """The fixture edition with a declared roster column ``macro_region``, every indicator
    normalised within it, and an uncertainty block whose replications cannot change
    anything: no weight noise, and the only alternative is the nominal method itself."""
    out = []
    for line in (FIXTURE / "cities.csv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            out.append(line)
        elif line.startswith("city_id,"):
            out.append(line + ",macro_region")
        else:
            out.append(line + "," + ("moscow_area" if line.split(",")[0] in MOSCOW_AREA else "other"))
    (tmp_path / "cities.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    text = (FIXTURE / "edition.yaml").read_text(encoding="utf-8").replace("tests/fixtures/mini/cities.csv",
                                                                         str(tmp_path / "cities.csv"))
    text = text[:text.index("uncertainty:")] + (
        "uncertainty:\n  replications: 60\n  weights: {indicator: 0.0, direction: 0.0}\n"
        f"  normalisation: [nominal, {BY_REGION}]\n"
        "roster_columns: [{name: macro_region, type: text, values: [moscow_area, other]}]\n")
    (tmp_path / "edition.yaml").write_text(text, encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"extends: {tmp_path / 'edition.yaml'}\nscenario: by-macro-region\n"
                        f"methodology:\n  scoring:\n    normalisation: {BY_REGION}\n", encoding="utf-8")
    return scenario


def test_an_edition_normalised_within_a_roster_column_gets_intervals_equal_to_its_nominal_ranks(tmp_path):
    """Replications that cannot change anything leave every city's interval at its nominal
    rank. (Before the model used the pipeline's normalisation, the rank stage stopped: 'the
    nominal ranks differ from the published ones'.)"""
    params, run = stages.open_run(str(roster_column_edition(tmp_path)), str(tmp_path / "run"))
    assert {cfg.within for cfg in params.methodology.framework.normalisation.values()} == {"macro_region"}
    stages.load(params, run)
    stages.normalise(params, run)
    stages.weight(params, run)
    stages.rank(params, run)
    table = stages.robustness(params, run).uncertainty
    assert len(table) == 12 and table["rank_in_group"].notna().all()
    for scope in ["in_group", "overall"]:
        nominal = table[f"rank_{scope}"].tolist()
        assert table[f"median_{scope}"].tolist() == nominal
        assert table[f"p5_{scope}"].tolist() == nominal and table[f"p95_{scope}"].tolist() == nominal
        assert not table[f"outside_{scope}"].any()
    # and the nominal ranks are those of the normalisation within the column (not over all cities)
    scores = run.read_csv("scores.csv", index=True)
    for scope in ["in_group", "overall"]:
        assert table.set_index("city_id")[f"rank_{scope}"].to_dict() == scores[f"rank_{scope}"].to_dict()
