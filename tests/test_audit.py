"""The statistical audit on hand-computed fixtures."""

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from iqlib.analysis import audit
from iqlib.config.params import load_params
from iqlib.core import aggregate, engine
from iqlib.io import inputs


def test_cronbach_alpha_by_hand():
    same = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 2, 3, 4]})
    assert audit.cronbach_alpha(same) == pytest.approx(1.0)          # 2·(1 − 2v/4v)
    orthogonal = pd.DataFrame({"a": [1.0, -1, 1, -1], "b": [1.0, 1, -1, -1]})
    assert audit.cronbach_alpha(orthogonal) == pytest.approx(0.0)    # var(a+b) = var a + var b
    # k = 3: sample variances 1, 1, 1; sums (1, 2, 6) have variance 7 → 3/2·(1 − 3/7)
    frame = pd.DataFrame({"a": [0.0, 1, 2], "b": [0.0, 1, 2], "c": [1.0, 0, 2]})
    assert audit.cronbach_alpha(frame) == pytest.approx(1.5 * (1 - 3 / 7))
    # a row with a missing value is left out: the k = 3 frame plus a row (5, NaN, 3) → 3/2·(1 − 3/7)
    with_gap = pd.concat([frame, pd.DataFrame({"a": [5.0], "b": [np.nan], "c": [3.0]})], ignore_index=True)
    assert audit.cronbach_alpha(with_gap) == pytest.approx(1.5 * (1 - 3 / 7))
    # k = 4, d = (NaN, 1, 2): complete rows 2 and 3 only, a = b = d = (1, 2), c = (0, 2);
    # sample variances ½, ½, 2, ½ (sum 7/2); sums (3, 8) have variance 25/2 → 4/3·(1 − 7/25) = 0.96
    # (pairwise variances over the 3 rows would give 4/3·(1 − 3.5/13) ≈ 0.974 instead)
    assert audit.cronbach_alpha(frame.assign(d=[np.nan, 1, 2])) == pytest.approx(0.96)
    # fewer than two complete rows: undefined
    assert np.isnan(audit.cronbach_alpha(frame.assign(d=[np.nan, np.nan, 2])))


def test_correlation_flags_on_a_hand_made_framework():
    meth = load_params(ROOT / "params/editions/2019.yaml").methodology.framework
    n = 30
    rng = np.random.default_rng(1)
    base = np.linspace(0, 12, n)
    normalised = pd.DataFrame({c: rng.uniform(0, 12, n) for c in meth.indicator_codes()})
    normalised["I01"] = base                      # D1 follows I01 closely
    normalised["I02"] = base + rng.normal(0, 0.01, n)  # collinear with I01
    normalised["I05"] = 12 - base                  # negative
    scores = aggregate.aggregate_all(normalised, meth).scores
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
    res = engine.compute(data.values, data.cities, p.methodology.framework)
    table = audit.consistency(res.normalised, res.scores, p.methodology.framework).set_index("aggregate")
    assert list(table.index) == [f"D{i}" for i in range(1, 11)] + ["IQ"]
    assert table.loc["D10", "children"] == 1 and np.isnan(table.loc["D10", "cronbach_alpha"])
    assert table.loc["IQ", "children"] == 10
    # a correlation matrix of k varying children has trace k, so its largest eigenvalue is ≥ 1:
    # PC1 share in [1/k, 1], at least one eigenvalue above 1 and at most k − 1
    multi = table[table["children"] > 1]
    assert multi["pc1_share"].notna().all()
    assert ((multi["pc1_share"] >= 1 / multi["children"]) & (multi["pc1_share"] <= 1 + 1e-12)).all()
    assert ((multi["eigenvalues_above_1"] >= 1) & (multi["eigenvalues_above_1"] <= multi["children"] - 1)).all()
    # alpha of the index recomputed by hand from the direction scores (no city lacks a direction)
    d = res.scores[[f"D{i}" for i in range(1, 11)]].to_numpy()
    alpha = 10 / 9 * (1 - d.var(axis=0, ddof=1).sum() / d.sum(axis=1).var(ddof=1))
    assert table.loc["IQ", "cronbach_alpha"] == pytest.approx(alpha, rel=1e-12)
    assert alpha == pytest.approx(0.855496, abs=1e-6)                     # golden value
    # D9 has two children: PC1 share (1 + |r|)/2 with r their correlation over complete rows
    kids = p.methodology.children("D9")
    assert len(kids) == 2
    r = res.normalised[kids].dropna().corr().iloc[0, 1]
    assert table.loc["D9", "pc1_share"] == pytest.approx((1 + abs(r)) / 2, rel=1e-12)


class Framework:
    """A hand-made two-level framework: what ``audit.consistency`` reads of a methodology."""

    levels = ["indicator", "direction", "index"]
    tree = {"direction": {"P": ["A1", "A2"], "Q": ["B1", "B2"], "N": ["C1", "C2"], "S": ["S1"]},
            "index": {"IQ": ["P", "Q", "R"]}}

    def level_codes(self, level):
        return list(self.tree[level])

    def children(self, code):
        return next(kids[code] for kids in self.tree.values() if code in kids)


def test_consistency_on_a_hand_made_framework():
    # u = (1, 1, −1, −1) and v = (1, −1, 1, −1) are centred, orthogonal, of equal norm, so
    # corr(u, 3u + 4v) = 3/5 and corr(u, −3u + 4v) = −3/5 exactly. With two children of
    # correlation r the eigenvalues are 1 ± |r|: PC1 share (1 + |r|)/2, one eigenvalue above 1.
    u, v = np.array([1.0, 1, -1, -1]), np.array([1.0, -1, 1, -1])
    normalised = pd.DataFrame({
        "A1": [1.0, 2, 3, 4, 10], "A2": [1.0, 2, 3, 4, 10],    # identical children
        "B1": [*u, 0.0], "B2": [*(3 * u + 4 * v), np.nan],     # r = 0.6; the 5th city is left out
        "C1": [*u, 0.0], "C2": [*(-3 * u + 4 * v), 0.0],       # r = −0.6 on the first four; see below
        "S1": [1.0, 2, 3, 4, 5]})
    normalised.loc[4, "C1"] = np.nan                           # C: the 5th city left out as well
    scores = pd.DataFrame({"P": [*u, 3.0], "Q": [*(3 * u + 4 * v), np.nan], "R": [6.0] * 5})
    table = audit.consistency(normalised, scores, Framework()).set_index("aggregate")
    assert list(table.index) == ["P", "Q", "N", "S", "IQ"]
    assert table["children"].tolist() == [2, 2, 2, 1, 3]
    assert table["level"].tolist() == ["direction"] * 4 + ["index"]
    # P: corr matrix all ones, eigenvalues (0, 2): share 1; α = 2·(1 − 2v/4v) = 1
    assert table.loc["P", "pc1_share"] == pytest.approx(1.0)
    assert table.loc["P", "eigenvalues_above_1"] == 1
    assert table.loc["P", "cronbach_alpha"] == pytest.approx(1.0)
    # Q: r = 0.6 → eigenvalues 1.6, 0.4: share 0.8. var B1 = 4/3, var B2 = 100/3, B1 + B2 =
    # (8, 0, 0, −8) has variance 128/3 → α = 2·(1 − 104/128) = 0.375
    assert table.loc["Q", "pc1_share"] == pytest.approx(0.8)
    assert table.loc["Q", "eigenvalues_above_1"] == 1
    assert table.loc["Q", "cronbach_alpha"] == pytest.approx(0.375)
    # N: r = −0.6 → the same eigenvalues, share (1 + |r|)/2 = 0.8; C1 + C2 = −2u + 4v =
    # (2, −6, 6, −2), variance 80/3 → α = 2·(1 − 104/80) = −0.6
    assert table.loc["N", "pc1_share"] == pytest.approx(0.8)
    assert table.loc["N", "eigenvalues_above_1"] == 1
    assert table.loc["N", "cronbach_alpha"] == pytest.approx(-0.6)
    # S: one child: no alpha, no PCA
    assert np.isnan(table.loc["S", "cronbach_alpha"]) and np.isnan(table.loc["S", "pc1_share"])
    assert table.loc["S", "eigenvalues_above_1"] == 0
    # IQ: R is constant: left out of the PCA (P, Q: r = 0.6 → share 0.8) but counted in α (k = 3):
    # variances 4/3, 100/3, 0; P + Q + R = 4u + 4v + 6 = (14, 6, 6, −2), variance 128/3 →
    # α = 3/2·(1 − 104/128) = 0.28125
    assert table.loc["IQ", "pc1_share"] == pytest.approx(0.8)
    assert table.loc["IQ", "eigenvalues_above_1"] == 1
    assert table.loc["IQ", "cronbach_alpha"] == pytest.approx(0.28125)
