"""Back-test: ``iq run`` on the 12-city fixture edition against a golden file and a plain
re-implementation of the method; publishing rules. (Byte-identical re-runs: test_verify.)"""

import hashlib
import json
import subprocess
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURE, FIXTURE_EDITION, iq

from iqlib.config.params import load_params
from iqlib.io.hashing import hash_tree
from iqlib.stages import STAGES


def reference_scores(edition: Path) -> pd.DataFrame:
    """The documented method written out with plain loops, independent of iqlib's normalise,
    aggregate and ranking."""
    params = load_params(edition)
    meth = params.methodology
    cities = pd.read_csv(FIXTURE / "cities.csv", comment="#").set_index("city_id")
    # the group: the official one where the roster names it, else the first threshold reached
    thresholds = [(g.min_population, g.code) for g in params.edition.groups]
    group = {c: row.group_official if isinstance(row.group_official, str)
             else next(code for floor, code in thresholds if row.population >= floor)
             for c, row in cities.iterrows()}
    values = pd.read_csv(FIXTURE / "values.csv", comment="#").set_index("city_id")
    score = {c: {} for c in cities.index}
    for ind in meth.indicators:
        kind = meth.kinds[ind.kind]
        for g in set(group.values()):
            members = [c for c in cities.index if group[c] == g]
            x = {}
            for c in members:
                v = values.loc[c, ind.code]
                if np.isnan(v) and kind.missing == "zero":
                    v = 0.0
                x[c] = v * ind.polarity
            present = [v for v in x.values() if not np.isnan(v)]
            lo, hi = min(present), max(present)
            for c in members:
                if np.isnan(x[c]):
                    continue
                score[c][ind.code] = 6.0 if hi == lo else 12.0 * (x[c] - lo) / (hi - lo)
    rows = []
    for c in cities.index:
        row = {"city_id": c, "group": group[c]}
        directions = meth.level_codes("direction")
        for d in directions:
            got = [score[c][i.code] for i in meth.indicators if i.parent == d and i.code in score[c]]
            row[d] = sum(got) / len(got) if got else 0.0
        row["IQ"] = sum(row[d] for d in directions)
        rows.append(row)
    ref = pd.DataFrame(rows)
    ref["rank_in_group"] = [1 + sum((ref["group"] == r.group) & (ref["IQ"] > r.IQ)) for r in ref.itertuples()]
    ref["rank_overall"] = [1 + sum(ref["IQ"] > r.IQ) for r in ref.itertuples()]
    return ref.set_index("city_id")


def published_scores(run: Path) -> pd.DataFrame:
    return pd.read_csv(run / "results" / "scores.csv").set_index("city_id")


def test_scores_match_golden_file(published_mini):
    produced = (published_mini / "outputs/2019/mini/results/scores.csv").read_bytes()
    assert produced == (FIXTURE / "scores.golden.csv").read_bytes()


def test_run_matches_plain_reimplementation(published_mini):
    scores = published_scores(published_mini / "outputs/2019/mini")
    ref = reference_scores(FIXTURE / "edition.yaml").loc[scores.index]
    cols = [f"D{i}" for i in range(1, 11)] + ["IQ"]
    assert np.abs(scores[cols].to_numpy() - ref[cols].to_numpy()).max() <= 0.005 + 1e-9
    assert scores["rank_in_group"].tolist() == ref["rank_in_group"].tolist()
    assert scores["rank_overall"].tolist() == ref["rank_overall"].tolist()
    assert scores["group"].tolist() == ref["group"].tolist()
    # khimki (249 000) and reutov (107 000) follow the official list, kaluga its population
    assert scores.loc[["khimki", "kaluga", "reutov"], "group"].tolist() == ["krupnye", "krupnye", "bolshie"]


def test_run_hand_checked_facts(published_mini):
    golden = published_scores(published_mini / "outputs/2019/mini")
    # identical inputs -> identical scores and a shared rank (ties "min"), listed by city code
    assert golden.loc["dubna", "IQ"] == golden.loc["ivanteevka", "IQ"]
    assert golden.loc["dubna", "rank_in_group"] == golden.loc["ivanteevka", "rank_in_group"] == 2
    assert list(golden.index[-2:]) == ["dubna", "ivanteevka"]
    # tyumen has no I17 (D10's only indicator): the direction scores 0
    assert golden.loc["tyumen", "D10"] == 0.0
    # khimki alone has I17 in its group: constant within group -> midpoint 6
    assert golden.loc["khimki", "D10"] == 6.0
    # the IQ is the sum of its directions (to rounding) and never above 120
    dirs = golden[[f"D{i}" for i in range(1, 11)]].sum(axis=1)
    assert (abs(dirs - golden["IQ"]) <= 0.05).all() and (golden["IQ"] <= 120).all()


def _digest(folder: Path) -> dict[str, str]:
    return hash_tree(folder)  # every file but the run's records of itself (manifest, checksums)


def test_publish_says_where_the_run_is(published_mini):
    said = (published_mini.parent / "iq-run.stdout").read_text(encoding="utf-8")
    assert "Run folder: outputs/2019/mini" in said and "Index page: outputs/2019/mini/index.html" in said


def test_run_folder_layout(published_mini):
    run = published_mini / "outputs/2019/mini"
    for stage in STAGES:
        nb = nbformat.read(run / "notebooks" / f"{stage}.ipynb", as_version=4)
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), stage
        assert nb.metadata.papermill.parameters == {"params_file": FIXTURE_EDITION, "run_dir": ".."}
        assert (run / "html" / f"{stage}.html").stat().st_size > 10_000
    figures = sorted(p.name for p in (run / "figures").glob("*.png"))
    assert figures == ["distribution.png", "indicator_profile.png", "leaderboard_bolshie.png",
                       "leaderboard_krupneyshie.png", "leaderboard_krupnye.png", "leaderboard_lt100k.png"]
    index = (run / "index.html").read_text(encoding="utf-8")
    for link in ["html/01_load.html", "notebooks/05_report.ipynb", "results/scores.csv", "manifest.json",
                 "figures/leaderboard_lt100k.png", "Synthetic demonstration data"]:
        assert link in index
    assert not any(p.name.startswith(".staging") for p in run.parent.iterdir())


def test_rank_stage_writes_the_uncertainty_and_sensitivity_results(published_mini):
    res = published_mini / "outputs/2019/mini/results"
    scores = pd.read_csv(res / "scores.csv").set_index("city_id")
    unc = pd.read_csv(res / "uncertainty.csv").set_index("city_id")
    assert list(unc.index) == list(scores.index)               # same order: group, rank, city
    assert (unc["rank_in_group"] == scores["rank_in_group"]).all()
    assert (unc["rank_overall"] == scores["rank_overall"]).all()
    assert ((unc["p5_in_group"] <= unc["median_in_group"]) & (unc["median_in_group"] <= unc["p95_in_group"])).all()
    assert unc["outside_in_group"].dtype == bool
    sens = pd.read_csv(res / "sensitivity.csv")
    top = sens[sens["output"] == "mean_abs_rank_shift"]
    assert top["input"].tolist() == ["weights.indicator", "weights.direction", "normalisation"]
    assert set(sens["output"]) == {"mean_abs_rank_shift", *scores.index}
    conv = pd.read_csv(res / "sensitivity_convergence.csv")
    assert conv["samples"].unique().tolist() == [64]
    inputs_ = pd.read_csv(res / "uncertainty_inputs.csv")
    assert inputs_["setting"].tolist()[-2:] == ["nominal", "pctrank(within=group, scale=12.0)"]


def test_manifest_records_inputs_and_outputs(published_mini):
    run = published_mini / "outputs/2019/mini"
    man = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert man["edition"] == 2019 and man["scenario"] == "mini" and man["synthetic"] is True
    values = FIXTURE / "values.csv"
    assert man["inputs"]["values"] == {"path": "tests/fixtures/mini/values.csv", "bytes": values.stat().st_size,
                                       "sha256": hashlib.sha256(values.read_bytes()).hexdigest()}
    assert man["params"]["resolved"]["edition"]["seed"] == 7
    assert man["params"]["resolved"]["methodology"]["scoring"]["normalisation"]["upper"] == 12
    assert [f["path"] for f in man["params"]["files"]] == [FIXTURE_EDITION, "params/methodology/iq_v1.yaml"]
    assert man["environment"]["PYTHONHASHSEED"] == "0"
    assert man["environment"]["packages"]["papermill"]
    assert man["outputs"] == _digest(run)
    sums = dict(line.split("  ")[::-1] for line in (run / "checksums.sha256").read_text().splitlines())
    assert sums["results/scores.csv"] == man["outputs"]["results/scores.csv"]
    assert sums["manifest.json"] == hashlib.sha256((run / "manifest.json").read_bytes()).hexdigest()


def test_no_absolute_paths_in_outputs(published_mini):
    run = published_mini / "outputs/2019/mini"
    home = str(Path(__file__).resolve().parents[1])
    for p in list((run / "notebooks").glob("*.ipynb")) + list((run / "results").glob("*.csv")):
        text = p.read_text(encoding="utf-8")
        assert home not in text and str(run) not in text, p.name


def test_publish_refuses_overwrite_and_failed_run_leaves_published_intact(own_project):
    project = own_project
    env = {"IQ_PROJECT_ROOT": str(project)}
    published = project / "outputs" / "2019" / "mini"
    before = _digest(published)

    again = iq("run", FIXTURE_EDITION, "--publish", env=env)
    assert again.returncode == 2
    assert "outputs/2019/mini holds a published run; pass --force to replace it" in again.stderr

    # break stage 2 (after stage 1 succeeded): the chain stops there, names stage and cell, publishes nothing
    nb_path = project / "notebooks" / "02_normalise.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell('raise RuntimeError("deliberate failure")'))
    nbformat.write(nb, nb_path)
    broken = iq("run", FIXTURE_EDITION, "--publish", "--force", env=env)
    assert broken.returncode == 1
    assert "stage 02_normalise failed in cell In [4] (starting 'raise RuntimeError" in broken.stderr
    assert "runs/failed/2019-mini-02_normalise.ipynb" in broken.stderr
    assert (project / "runs" / "failed" / "2019-mini-02_normalise.ipynb").is_file()
    assert "RuntimeError: deliberate failure" in broken.stderr
    assert "nothing was published" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert _digest(published) == before
    assert sorted(p.name for p in published.parent.iterdir()) == ["mini"]


@pytest.mark.e2e
def test_a_stage_over_its_timeout_is_killed_and_named(tmp_path):
    scenario = tmp_path / "slow.yaml"
    scenario.write_text(f"extends: {FIXTURE_EDITION}\nscenario: slow\nedition:\n  stage_timeout_seconds: 1\n",
                        encoding="utf-8")
    out = tmp_path / "run"
    result = iq("run", str(scenario), "--out", str(out))
    assert result.returncode == 1, result.stderr
    assert "stage 01_load did not finish within 1 s (stage_timeout_seconds in" in result.stderr
    assert "nothing was published" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".staging-*"))
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(tmp_path) not in ps, "a stage process outlived its timeout"
