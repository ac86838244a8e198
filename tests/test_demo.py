"""The synthetic demo data: reproducible from its seed, and labelled synthetic."""

import numpy as np
import pandas as pd

from conftest import ROOT
from iqlib import demo, inputs
from iqlib.params import load_params

EDITION = ROOT / "params" / "editions" / "2019.yaml"


def test_committed_demo_values_regenerate_byte_for_byte(tmp_path):
    params = load_params(EDITION)
    cities, _ = inputs.load_cities(params)
    frame = demo.generate(cities, params.methodology, params.edition.seed)
    out = tmp_path / "values.csv"
    demo.write_values(frame, out, params.edition.seed, params.methodology)
    assert out.read_bytes() == params.input_paths["values"].read_bytes()


def test_every_demo_file_says_what_it_is():
    assert (ROOT / "data/demo/2019/values.csv").read_text(encoding="utf-8").startswith("# SYNTHETIC DEMO DATA")
    assert "for demonstration" in (ROOT / "data/demo/2019/cities.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "synthetic" in (ROOT / "data/README.md").read_text(encoding="utf-8").lower()
    assert load_params(EDITION).edition.synthetic is True


def test_demo_roster_is_the_published_2018_list():
    roster = pd.read_csv(ROOT / "data/demo/2019/cities.csv", comment="#")
    assert len(roster) == 191 and roster["city_id"].is_unique
    assert roster["group_official"].value_counts().to_dict() == {
        "bolshie": 93, "krupnye": 63, "lt100k": 20, "krupneyshie": 15}
    params = load_params(EDITION)
    cities, disagreements = inputs.load_cities(params)
    assert disagreements.empty  # populations agree with the published groups


def test_generator_is_seeded_and_plausible():
    params = load_params(EDITION)
    cities, _ = inputs.load_cities(params)
    a = demo.generate(cities, params.methodology, 1)
    b = demo.generate(cities, params.methodology, 1)
    c = demo.generate(cities, params.methodology, 2)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    values = a.set_index("city_id")
    kinds = {i.code: i.kind for i in params.methodology.indicators}
    presence = [k for k, v in kinds.items() if v == "presence"]
    shares = [k for k, v in kinds.items() if v in ("share", "percent")]
    assert set(np.unique(values[presence].stack().dropna())) <= {0.0, 1.0}
    assert values[shares].stack().dropna().between(0, 100).all()

    assert 0.01 < values.isna().mean().mean() < 0.08
    # latent maturity makes indicators correlate positively on average
    corr = values[shares].corr().to_numpy()
    assert corr[np.triu_indices_from(corr, 1)].mean() > 0.1
