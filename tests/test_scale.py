"""Scale (issue 24): the robustness analysis in chunks gives the same bits as all at once.

The uncertainty replications and Sobol evaluations are scored a batch at a time, ranked a
chunk of rows at a time and kept as small integers; percentiles and per-city indices are
read a block of cities at a time. Every test here compares the chunked computation with the
whole-array one on a small case, element for element (no tolerance), with chunks made tiny.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURE_EDITION

from iqlib.analysis import sensitivity, uncertainty
from iqlib.analysis.uncertainty import Uncertainty
from iqlib.config.params import load_params
from iqlib.core import ranking
from iqlib.io import inputs

SPEC = {"weights": {"indicator": 0.5, "direction": 0.25}, "replications": 80,
        "normalisation": ["nominal", {"method": "rank"}],
        "aggregation": {"index": ["nominal", {"method": "geometric_mean", "nonpositive": "shift", "shift": 1}]},
        "sensitivity": {"samples": 64, "bootstrap": 30}}


@pytest.fixture(scope="module")
def mini():
    params = load_params(FIXTURE_EDITION)
    data = inputs.load(params)
    return params.methodology, data.values, data.cities


def model_of(mini) -> uncertainty.Model:
    meth, values, cities = mini
    return uncertainty.Model(values, cities, meth.framework, Uncertainty.model_validate(SPEC))


def reference_ranks(key: np.ndarray, rtol: float = ranking.TIE_RTOL) -> np.ndarray:
    """The anchor rule value by value, in plain Python: a sorted value joins the tie of its
    group's first value when equal or within rtol of it (both finite)."""
    out = np.full(key.shape, np.nan)
    for r, row in enumerate(key):
        order = sorted(range(len(row)), key=lambda j: (np.isnan(row[j]), row[j] if not np.isnan(row[j]) else 0))
        anchor, rank = None, 0
        for pos, j in enumerate(order):
            v = row[j]
            same = anchor is not None and (v == anchor or (np.isfinite(v) and np.isfinite(anchor)
                                                          and abs(v - anchor) <= rtol * max(abs(v), abs(anchor))))
            if not same:
                anchor, rank = v, pos + 1
            out[r, j] = rank
        out[r, np.isnan(row)] = np.nan
    return out


def test_vectorised_tie_ranks_follow_the_anchor_rule_on_chains_nan_and_infinities():
    rng = np.random.default_rng(3)
    eps = ranking.TIE_RTOL
    rows = []
    for _ in range(300):
        base = rng.choice([-3.0, -1e-3, 0.0, 0.38, 7.0])
        # chains of values each within rtol of the one before but not of the first: the rule's hard case
        steps = rng.choice([0.0, 0.4, 0.7, 0.99, 1.01, 2.0, 50.0], size=12) * eps * max(abs(base), 1e-300)
        row = base + np.cumsum(steps)
        row[rng.uniform(size=12) < 0.1] = np.nan
        row[rng.uniform(size=12) < 0.05] = np.inf
        rows.append(rng.permutation(row))
    key = np.array(rows)
    got = ranking.tie_ranks(key)
    assert np.array_equal(got, reference_ranks(key), equal_nan=True)
    # a chain: 1, 1+0.9e-12, 1+1.8e-12 → the third is beyond the first's tolerance: ranks 1, 1, 3
    assert ranking.tie_ranks(np.array([1.0, 1 + 0.9 * eps, 1 + 1.8 * eps])).tolist() == [1.0, 1.0, 3.0]


@pytest.mark.slow
def test_chunked_scores_ranks_and_analysis_equal_the_whole_arrays(mini, monkeypatch):
    model = model_of(mini)
    U = uncertainty.sample(model, SPEC["replications"], seed=5)
    whole_scores = model.scores(U)
    whole = uncertainty.analyse(model_of(mini), mini[2], seed=5)
    whole_sens = sensitivity.analyse(model_of(mini), seed=5)
    monkeypatch.setattr(uncertainty, "ELEMENTS", 3 * len(mini[1]) + 1)   # batches and rank chunks of a few rows
    monkeypatch.setattr(sensitivity, "BLOCK", 64 * 6 * 3)                # blocks of 3 cities (and one of 2 + 1 joined)
    small = model_of(mini)
    assert small.batch < 5
    parts = list(small.parts(U))
    assert len(parts) > 30 and sorted(np.concatenate([rows for rows, _ in parts]).tolist()) == list(range(len(U)))
    assert np.array_equal(small.scores(U), whole_scores, equal_nan=True)
    in_group, overall = small.ranks(whole_scores)
    for rows, g, o in small.rank_parts(U):
        assert np.array_equal(g, in_group[rows], equal_nan=True) and np.array_equal(o, overall[rows], equal_nan=True)
    chunked = uncertainty.analyse(model_of(mini), mini[2], seed=5)
    assert chunked.to_csv() == whole.to_csv()
    chunked_sens = sensitivity.analyse(model_of(mini), seed=5)
    for name in ["sensitivity", "convergence"]:
        assert chunked_sens[name].to_csv() == whole_sens[name].to_csv()
    assert chunked_sens["moved_most_by"].equals(whole_sens["moved_most_by"])


def test_compact_ranks_give_the_same_percentiles_block_by_block(monkeypatch):
    rng = np.random.default_rng(7)
    ranks = rng.integers(1, 40, size=(101, 23)).astype(float)
    ranks[rng.uniform(size=ranks.shape) < 0.02] = np.nan
    ranks[:, 4] = np.nan                                                 # a city never ranked
    nominal = rng.integers(1, 40, size=23).astype(float)
    whole = uncertainty.intervals(ranks, nominal, (5.0, 95.0))
    monkeypatch.setattr(uncertainty, "ELEMENTS", 101 * 4)               # blocks of 4 cities
    small = uncertainty.intervals(uncertainty.compact(ranks, np.uint16), nominal, (5.0, 95.0))
    for name in whole:
        assert np.array_equal(whole[name], small[name], equal_nan=True), name
    assert np.isnan(small["median"][4])


@pytest.mark.parametrize("cities", [2, 7, 9, 10])
def test_per_city_indices_block_by_block_equal_all_cities_at_once(cities, monkeypatch):
    rng = np.random.default_rng(cities)
    N, k = 64, 3
    shift = np.abs(rng.integers(0, 30, size=((k + 2) * N, cities)) - rng.integers(0, 30, size=cities)).astype(float)
    shift[rng.uniform(size=shift.shape) < 0.002] = np.nan
    first, total = sensitivity.indices(*sensitivity.split(shift, N))
    dtype = sensitivity.shift_dtype(cities)
    packed = np.where(np.isnan(shift), np.iinfo(dtype).max, shift).astype(dtype)
    monkeypatch.setattr(sensitivity, "BLOCK", len(shift) * 3)           # blocks of 3: 9 cities → 3 + 3 + 3, 10 → 3 + 3 + 4
    f2, t2 = sensitivity.city_indices(packed, N)
    assert np.array_equal(first, f2, equal_nan=True) and np.array_equal(total, t2, equal_nan=True)


@pytest.mark.slow
def test_a_leaderboard_of_a_large_group_shows_its_first_cities_and_says_so(monkeypatch):
    from iqlib.presentation import charts

    params = load_params("params/editions/2019.yaml", check_inputs=False)
    charts.setup_matplotlib()
    monkeypatch.setattr(charts, "LEADERBOARD_ALL", 12)                  # small charts: the rule, not its size
    monkeypatch.setattr(charts, "LEADERBOARD_TOP", 8)
    n = charts.LEADERBOARD_ALL + 1
    scores = pd.DataFrame({"city_id": [f"c{i:03d}" for i in range(n)], "city_ru": [f"Город {i}" for i in range(n)],
                           "region_ru": "x", "group": "krupnye", "IQ": np.linspace(90, 10, n),
                           "rank_in_group": np.arange(1, n + 1), **{f"D{i}": 5.0 for i in range(1, 11)}})
    fig = charts.leaderboard(scores, params, "krupnye")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == charts.LEADERBOARD_TOP and labels[0] == "1. Город 0" and labels[-1] == "8. Город 7"
    assert f"показаны первые 8 городов группы; всего в группе: {n};" in fig.axes[0].get_xlabel()
    small = charts.leaderboard(scores.iloc[:charts.LEADERBOARD_ALL], params, "krupnye")   # every city, no note
    assert len(small.axes[0].get_yticklabels()) == charts.LEADERBOARD_ALL
    assert "показаны" not in small.axes[0].get_xlabel()


@pytest.mark.parametrize("decimals", [0, 2, 3])
def test_the_cheap_rounding_filter_keeps_every_value_the_exact_test_flags(decimals):
    rng = np.random.default_rng(decimals)
    halves = (rng.integers(-10 ** 6, 10 ** 6, 3000) + 0.5) / 10 ** decimals
    near = halves + rng.integers(-6, 7, 3000) * np.spacing(np.abs(halves))     # a few ulps from a half step
    x = np.concatenate([near, rng.uniform(-1000, 1000, 3000), [0.0, np.nan, 5.445, 2.675, 1e17]])
    flagged = np.array([ranking.near_rounding_boundary(float(v), decimals) for v in x])
    kept = ranking._maybe_near_boundary(x, decimals)
    assert flagged.sum() > 100 and not (flagged & ~kept).any()
    assert kept[3000:6000].sum() < 5                                          # and it does filter: few values at random


def test_a_long_table_shows_its_first_rows_and_how_many_more():
    from iqlib.presentation import tables

    params = load_params("params/editions/2019.yaml", check_inputs=False)
    frame = pd.DataFrame({"city_id": [f"c{i}" for i in range(tables.SHOW_ROWS + 1234)], "IQ": 1.5})
    shown = tables.show(frame, params)
    assert len(shown.frame) == tables.SHOW_ROWS and shown.more == 1234
    note = "показаны первые 200 строк; всего строк: 1\u202f434; полностью — в файле результатов этого запуска"
    assert repr(shown).splitlines()[-1] == note and shown._repr_html_().endswith(f"<p>{note}</p>")
    short = tables.show(frame.head(3), params)
    assert short.more == 0 and repr(short) == tables.text_table(frame.head(3)) and "ещё" not in short._repr_html_()
