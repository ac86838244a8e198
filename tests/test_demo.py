"""The synthetic demo data of the three editions: reproducible from seeds, labelled
synthetic, realistic in shape, and the rosters in the published groups."""

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from iqlib import demo, engine, inputs
from iqlib.params import load_params

EDITIONS = {year: ROOT / "params" / "editions" / f"{year}.yaml" for year in (2018, 2019, 2020)}


@pytest.mark.parametrize("year", EDITIONS)
def test_committed_demo_values_regenerate_byte_for_byte(tmp_path, year):
    params = load_params(EDITIONS[year])
    cities, _ = inputs.load_cities(params)
    frame = demo.generate(cities, params.methodology, params.edition.seed, params.edition.data_year)
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
    ref = pd.read_csv(ROOT.parent / "shared" / "reference" / "iq2018_roster.csv") \
        if (ROOT.parent / "shared").is_dir() else None
    roster = pd.read_csv(ROOT / "data/demo/2018/cities.csv", comment="#")
    if ref is not None:
        assert roster["city_ru"].tolist() == ref["city_ru"].tolist()
        assert roster["group_official"].tolist() == ref["group_2018"].tolist()
    later = pd.read_csv(ROOT / "data/demo/2020/cities.csv", comment="#")
    assert set(roster["city_id"]) < set(later["city_id"])


def test_group_overrides_are_reported():
    _, disagree = inputs.load_cities(load_params(EDITIONS[2020]))
    assert set(disagree["city_id"]) == {"krasnodar", "taganrog", "syktyvkar", "komsomolsk-na-amure"}


def test_missingness_trend_and_sub_criteria():
    means, shares = {}, {}
    for year, path in EDITIONS.items():
        params = load_params(path)
        data = inputs.load(params)
        v, cities = data["values"], data["cities"]
        share = v.isna().mean().mean()
        assert 0.03 <= share <= 0.08, (year, share)
        small = cities.set_index("city_id").loc[v.index, "population"] < 100_000
        assert v[small.to_numpy()].isna().mean().mean() > v[~small.to_numpy()].isna().mean().mean()
        res = engine.compute(v, cities, params.methodology, engine.base_bounds(v, cities))
        means[year] = v["I05"].mean()
        shares[year] = v["I01"].dropna()
    # cities digitalise: shares rise year on year; presence from sub-criteria earns partial credit
    assert means[2018] < means[2019] < means[2020]
    assert ((shares[2019] > 0) & (shares[2019] < 1)).any()
    raw = pd.read_csv(ROOT / "data/demo/2019/values.csv", comment="#", dtype=str, keep_default_na=False)
    assert set(raw["I01_1"]) <= {"да", "нет", ""} and "I01" not in raw.columns


def test_latent_maturity_is_stable_across_editions_and_correlates_indicators():
    params = load_params(EDITIONS[2019])
    cities, _ = inputs.load_cities(params)
    pd.testing.assert_series_equal(pd.Series(demo.maturity(cities)), pd.Series(demo.maturity(cities)))
    a = demo.generate(cities, params.methodology, 1, 2019)
    b = demo.generate(cities, params.methodology, 1, 2019)
    pd.testing.assert_frame_equal(a, b)
    values = a.set_index("city_id")
    shares = [i.code for i in params.methodology.indicators if i.kind == "share"]
    corr = values[shares].astype(float).corr().to_numpy()
    assert corr[np.triu_indices_from(corr, 1)].mean() > 0.1
