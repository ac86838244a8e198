"""Property tests (hypothesis) of the nominal computation on random cities."""

import numpy as np
import pandas as pd
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from iqlib.config.params import load_params
from iqlib.core import engine, normalise
from iqlib.core.normalise import MinMax
from iqlib.io import demo

METHODOLOGY = load_params(ROOT / "params" / "editions" / "2019.yaml").methodology
METH = METHODOLOGY.framework
CODES = METH.indicator_codes()
GROUPS = ["krupneyshie", "krupnye", "bolshie", "lt100k"]


def random_edition(seed: int, n: int, missing: float):
    return demo.random_edition(METHODOLOGY, GROUPS, n, seed, missing)


editions = st.builds(random_edition, st.integers(0, 2**32 - 1), st.integers(8, 40), st.sampled_from([0.0, 0.05]))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=30),
       st.floats(-50, 50), st.floats(1, 100))
def test_minmax_stays_within_bounds(xs, lower, width):
    cfg = MinMax(method="minmax", lower=lower, upper=lower + width)
    out = normalise.normalise(pd.DataFrame({"A": xs}), pd.Series({"A": 1.0}), {"A": cfg},
                              pd.Series(["g"] * len(xs)))["A"]
    assert ((out >= lower - 1e-9) & (out <= lower + width + 1e-9)).all()


@settings(max_examples=25, deadline=None)
@given(editions, st.data())
def test_score_never_falls_when_a_higher_is_better_indicator_rises(edition, data):
    values, cities = edition
    city = data.draw(st.sampled_from(list(values.index)))
    code = data.draw(st.sampled_from([c for c in CODES if METHODOLOGY.node(c).polarity == 1]))
    before = engine.compute(values, cities, METH).scores[METH.index_code][city]
    raised = values.copy()
    current = raised.at[city, code]
    step = data.draw(st.floats(0.01, 50))
    limit = METHODOLOGY.kinds[METHODOLOGY.node(code).kind].max
    raised.at[city, code] = min((0 if np.isnan(current) else current) + step, limit if limit else np.inf)
    after = engine.compute(raised, cities, METH).scores[METH.index_code][city]
    assert after >= before - 1e-9


@settings(max_examples=20, deadline=None)
@given(editions, st.randoms(use_true_random=False))
def test_permuting_cities_changes_no_score(edition, rnd):
    values, cities = edition
    order = list(values.index)
    rnd.shuffle(order)
    a = engine.compute(values, cities, METH)
    b = engine.compute(values.loc[order], cities.set_index("city_id").loc[order].reset_index(), METH)
    pd.testing.assert_frame_equal(a.scores, b.scores.loc[a.scores.index])
    pd.testing.assert_series_equal(a.rank_in_group, b.rank_in_group.loc[a.rank_in_group.index])


@settings(max_examples=20, deadline=None)
@given(editions, st.data())
def test_identical_cities_get_identical_scores_and_ranks(edition, data):
    values, cities = edition
    first = data.draw(st.sampled_from(list(values.index)))
    group = cities.set_index("city_id").loc[first, "group"]
    twin = data.draw(st.sampled_from([c for c in cities.loc[cities["group"] == group, "city_id"] if c != first]))
    values.loc[twin] = values.loc[first].to_numpy()
    result = engine.compute(values, cities, METH)
    assert result.scores.loc[first].equals(result.scores.loc[twin])
    assert result.rank_in_group[first] == result.rank_in_group[twin]
