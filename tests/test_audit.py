"""The statistical audit on hand-computed fixtures."""

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from iqlib import aggregate, audit, engine, inputs
from iqlib.params import load_params


def test_cronbach_alpha_by_hand():
    same = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 2, 3, 4]})
    assert audit.cronbach_alpha(same) == pytest.approx(1.0)          # 2·(1 − 2v/4v)
    orthogonal = pd.DataFrame({"a": [1.0, -1, 1, -1], "b": [1.0, 1, -1, -1]})
    assert audit.cronbach_alpha(orthogonal) == pytest.approx(0.0)    # var(a+b) = var a + var b
    # k = 3: sample variances 1, 1, 1; sums (1, 2, 6) have variance 7 → 3/2·(1 − 3/7)
    frame = pd.DataFrame({"a": [0.0, 1, 2], "b": [0.0, 1, 2], "c": [1.0, 0, 2]})
    assert audit.cronbach_alpha(frame) == pytest.approx(1.5 * (1 - 3 / 7))
    assert audit.cronbach_alpha(frame.assign(d=[np.nan, 1, 2])) == pytest.approx(
        audit.cronbach_alpha(frame.assign(d=[np.nan, 1, 2]).dropna()))


def test_correlation_flags_on_a_hand_made_framework():
    meth = load_params(ROOT / "params/editions/2019.yaml").methodology
    n = 30
    rng = np.random.default_rng(1)
    base = np.linspace(0, 12, n)
    normalised = pd.DataFrame({c: rng.uniform(0, 12, n) for c in meth.indicator_codes()})
    normalised["I01"] = base                      # D1 follows I01 closely
    normalised["I02"] = base + rng.normal(0, 0.01, n)  # collinear with I01
    normalised["I05"] = 12 - base                  # negative
    scores = aggregate.aggregate_all(normalised, meth)["scores"]
    corr = audit.correlations(normalised, scores, meth).set_index("indicator")
    assert "negative" in corr.loc["I05", "flags"]
    assert corr.loc["I01", "r_parent"] > 0.5 and "negative" not in corr.loc["I01", "flags"]
    pairs = audit.collinear_pairs(normalised, meth)
    assert pairs[["parent", "a", "b"]].values.tolist()[0] == ["D1", "I01", "I02"]


def test_distribution_flags_the_jrc_rule():
    values = pd.DataFrame({"A": [*range(1, 11), 30.0, 100.0], "B": np.arange(12.0)})
    table = audit.distribution(values).set_index("indicator")
    assert table.loc["A", "skew"] == pytest.approx(3.063241, abs=1e-6) and bool(table.loc["A", "jrc_flag"])
    assert not bool(table.loc["B", "jrc_flag"])


def test_consistency_table_on_the_fixture():
    p = load_params(ROOT / "tests/fixtures/mini/edition.yaml")
    data = inputs.load(p)
    res = engine.compute(data["values"], data["cities"], p.methodology)
    table = audit.consistency(res.normalised, res.scores, p.methodology).set_index("aggregate")
    assert list(table.index) == [f"D{i}" for i in range(1, 11)] + ["IQ"]
    assert table.loc["D10", "children"] == 1 and np.isnan(table.loc["D10", "cronbach_alpha"])
    assert table.loc["IQ", "children"] == 10
    shares = table["pc1_share"].dropna()
    assert ((shares > 0) & (shares <= 1)).all()
