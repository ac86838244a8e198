"""The synthetic demo data of the four editions: reproducible from seeds, labelled
synthetic, realistic in shape, and the rosters in the published groups."""

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from iqlib.config.params import load_params
from iqlib.core import engine
from iqlib.io import calibrate, demo, inputs

EDITIONS = {year: ROOT / "params" / "editions" / f"{year}.yaml" for year in (2018, 2019, 2020, 2021)}
REFERENCE_ROSTER = ROOT / "tests" / "fixtures" / "reference" / "iq2018_roster.csv"
SHARED_ROSTER = ROOT.parent / "shared" / "reference" / "iq2018_roster.csv"


@pytest.mark.slow
@pytest.mark.parametrize("year", EDITIONS)
def test_committed_demo_values_regenerate_byte_for_byte(tmp_path, year):
    params = load_params(EDITIONS[year])
    cities, _ = inputs.load_cities(params)
    frame = calibrate.demo_values(params, cities)     # what `iq demo-data` writes: calibrated
    out = tmp_path / "values.csv"
    demo.write_values(frame, out, params.edition.seed, params.methodology)
    assert out.read_bytes() == params.input_paths["values"].read_bytes()


@pytest.mark.parametrize("year", EDITIONS)
def test_every_demo_file_says_what_it_is(year):
    folder = ROOT / "data" / "demo" / str(year)
    assert (folder / "values.csv").read_text(encoding="utf-8").startswith("# SYNTHETIC DEMO DATA")
    assert "for demonstration" in (folder / "cities.csv").read_text(encoding="utf-8").splitlines()[0]
    assert load_params(EDITIONS[year]).edition.synthetic is True
    assert "synthetic" in (ROOT / "data/README.md").read_text(encoding="utf-8").lower()


def test_rosters_hold_the_published_cities_and_group_sizes():
    sizes = {}
    for year, path in EDITIONS.items():
        cities, _ = inputs.load_cities(load_params(path))
        assert cities["city_id"].is_unique
        sizes[year] = cities["group"].value_counts().reindex(["krupneyshie", "krupnye", "bolshie", "lt100k"]).tolist()
    assert sizes[2018] == [15, 63, 93, 20]
    assert sum(sizes[2019]) == 203
    assert sizes[2020] == [16, 65, 92, 30]
    assert sizes[2021] == [16, 63, 94, 30]                 # 63 and 94 published; 16 and 30 reconstructed
    # the published 2018 list (city and group, in list order), committed as a fixture so that
    # this check runs in every clone; a copy of two columns of ../shared/reference
    ref = pd.read_csv(REFERENCE_ROSTER, comment="#")
    assert list(ref.columns) == ["city_ru", "group_2018"] and len(ref) == 191
    assert ref["group_2018"].value_counts()[["krupneyshie", "krupnye", "bolshie", "lt100k"]].tolist() == \
        [15, 63, 93, 20]
    roster = pd.read_csv(ROOT / "data/demo/2018/cities.csv", comment="#")
    assert roster["city_ru"].tolist() == ref["city_ru"].tolist()
    assert roster["group_official"].tolist() == ref["group_2018"].tolist()
    later = pd.read_csv(ROOT / "data/demo/2020/cities.csv", comment="#")
    assert set(roster["city_id"]) < set(later["city_id"])


@pytest.mark.skipif(not SHARED_ROSTER.is_file(), reason="no ../shared/reference next to this clone")
def test_committed_reference_roster_equals_the_shared_one():
    shared = pd.read_csv(SHARED_ROSTER, comment="#")[["city_ru", "group_2018"]]
    pd.testing.assert_frame_equal(pd.read_csv(REFERENCE_ROSTER, comment="#"), shared)


def test_group_overrides_are_reported():
    _, disagree = inputs.load_cities(load_params(EDITIONS[2020]))
    assert set(disagree["city_id"]) == {"krasnodar", "taganrog", "syktyvkar", "komsomolsk-na-amure"}


@pytest.mark.slow   # reads the four demo editions in full: `make test`, not the fast loop
def test_missingness_trend_and_sub_criteria():
    means, shares = {}, {}
    for year, path in EDITIONS.items():
        params = load_params(path)
        data = inputs.load(params)
        v, cities = data.values, data.cities
        share = v.isna().mean().mean()
        assert 0.03 <= share <= 0.08, (year, share)
        small = cities.set_index("city_id").loc[v.index, "population"] < 100_000
        assert v[small.to_numpy()].isna().mean().mean() > v[~small.to_numpy()].isna().mean().mean()
        res = engine.compute(v, cities, params.methodology.framework, engine.base_bounds(v, cities))
        index = res.scores[params.methodology.index_code]
        assert index.notna().all() and index.between(0, 120).all()  # every demo city gets an index
        means[year] = v["I05"].mean()
        shares[year] = v["I01"].dropna()
    # cities digitalise: shares rise year on year; presence from sub-criteria earns partial credit
    assert means[2018] < means[2019] < means[2020] < means[2021]
    assert ((shares[2019] > 0) & (shares[2019] < 1)).any()
    raw = pd.read_csv(ROOT / "data/demo/2019/values.csv", comment="#", dtype=str, keep_default_na=False)
    assert set(raw["I01_1"]) <= {"да", "нет", ""} and "I01" not in raw.columns


def test_latent_maturity_is_stable_across_editions_and_correlates_indicators():
    # maturity depends only on a city's code, population and capital status (panel seed),
    # never on the edition or on the rest of the roster: a city keeps it from year to year
    rosters = {year: inputs.load_cities(load_params(path))[0] for year, path in EDITIONS.items()}
    mat = {year: pd.Series(demo.maturity(c), index=c["city_id"]) for year, c in rosters.items()}
    for a, b in [(2018, 2019), (2018, 2020), (2019, 2020), (2020, 2021)]:
        common = mat[a].index.intersection(mat[b].index)
        assert len(common) >= 191, (a, b)                  # the 191 cities of 2018 are in every edition
        assert (mat[a][common] == mat[b][common]).all(), (a, b)
    reordered = rosters[2020].iloc[::-1].iloc[::2]         # another order, half the cities
    assert (pd.Series(demo.maturity(reordered), index=reordered["city_id"]) ==
            mat[2020][reordered["city_id"]]).all()
    # a city's own profile: cities differ, and what the size and capital effects leave is the
    # city's own N(0, 0.8) draw (203 draws with these seeds: mean −0.01, sd 0.89)
    cities = rosters[2019]
    m = mat[2019]
    assert m.nunique() == len(cities) and m.std() > 0.5
    own = m.to_numpy() - (0.5 * np.log(cities["population"].to_numpy() / 250_000)
                          + 0.3 * cities["regional_capital"].to_numpy())
    assert abs(own.mean()) < 0.2 and 0.6 < own.std(ddof=1) < 1.0
    assert np.corrcoef(m, np.log(cities["population"].to_numpy()))[0, 1] > 0.3   # larger cities ahead

    # values: the same seed gives the same frame, another seed other noise
    params = load_params(EDITIONS[2019])
    a = demo.generate(cities, params.methodology, 1, 2019)
    b = demo.generate(cities, params.methodology, 1, 2019)
    pd.testing.assert_frame_equal(a, b)
    c = demo.generate(cities, params.methodology, 2, 2019)
    assert list(c.columns) == list(a.columns) and c["city_id"].tolist() == a["city_id"].tolist()
    numeric = [i.code for i in params.methodology.indicators if i.code in a.columns and i.kind != "presence"]
    for code in numeric:
        both = a[code].notna() & c[code].notna()
        assert (a.loc[both, code] != c.loc[both, code]).mean() > 0.5, code
    assert not a[numeric].isna().equals(c[numeric].isna())   # other values left missing
    values = a.set_index("city_id")
    shares = [i.code for i in params.methodology.indicators if i.kind == "share"]
    corr = values[shares].astype(float).corr().to_numpy()
    assert corr[np.triu_indices_from(corr, 1)].mean() > 0.1
