"""Stage functions run on their own: a missing earlier output names the stage to run."""


import pandas as pd
import pytest
from conftest import FIXTURE_EDITION

from iqlib import stages
from iqlib.config.params import load_params
from iqlib.core.errors import UserError
from iqlib.io.runfolder import WRITTEN_BY, MissingStageOutput, RunFolder


@pytest.fixture
def run(tmp_path) -> RunFolder:
    """A fresh run folder (results/ empty)."""
    return RunFolder(tmp_path)


def test_stage_without_its_predecessor_names_the_stage_and_file(run):
    params = load_params(FIXTURE_EDITION)
    with pytest.raises(MissingStageOutput) as err:
        stages.normalise(params, run)
    assert str(err.value) == "run 01_load first (results/cities.csv is missing)"
    assert isinstance(err.value, UserError)  # the CLI prints it without a traceback
    with pytest.raises(MissingStageOutput, match=r"^run 02_normalise first \(results/normalised\.csv is missing\)$"):
        stages.weight(params, run)
    assert not any(run.results.iterdir())


def test_written_by_matches_the_files_the_stages_write(run):
    """The docstring's list (read into WRITTEN_BY) is what 01 and 02 really write."""
    params = load_params(FIXTURE_EDITION)
    stages.load(params, run)
    first = {p.name for p in run.results.iterdir()}
    stages.normalise(params, run)
    second = {p.name for p in run.results.iterdir()} - first
    listed = {stage: {f for f, s in WRITTEN_BY.items() if s == stage} for stage in stages.STAGES}
    assert first == listed["01_load"] == {"cities.csv", "values.csv", "group_disagreements.csv", "missing.csv",
                                          "accounting.csv", "warnings.csv"}
    assert second == listed["02_normalise"] - {"screened.csv"}  # screened.csv only with scoring.screening
    assert WRITTEN_BY["scores.csv"] == "04_rank"
    assert WRITTEN_BY["group_summary.csv"] == "05_report"
    assert set(WRITTEN_BY.values()) == set(stages.STAGES)


def test_a_run_folder_refuses_to_write_outside_itself(tmp_path):
    run = RunFolder(tmp_path / "run")
    with pytest.raises(RuntimeError, match="outside the run folder"):
        run.write_csv("../../escaped.csv", pd.DataFrame({"a": [1]}))
    with pytest.raises(RuntimeError, match="outside the run folder"):
        run.write_text("../../index.html", "x")
    assert not (tmp_path / "escaped.csv").exists() and not (tmp_path / "index.html").exists()
    assert run.write_csv("ok.csv", pd.DataFrame({"a": ["=1+1", "x"]})).read_text(encoding="utf-8") == "a\n'=1+1\nx\n"


def test_a_single_zero_weight_is_legitimate_but_noted(tmp_path):
    """A node weighted 0 is switched off, not an error; the weight stage says so (issue 15)."""
    scenario = tmp_path / "zero.yaml"
    scenario.write_text(f"extends: {FIXTURE_EDITION}\nscenario: zero-weight\nmethodology:\n"
                        "  indicators:\n    I05: {weight: 0}\n", encoding="utf-8")
    params = load_params(scenario)
    folder = RunFolder(tmp_path / "run")
    stages.load(params, folder)
    stages.normalise(params, folder)
    with pytest.warns(UserWarning, match=r"weight 0: I05 count\(s\) for nothing in the index"):
        out = stages.weight(params, folder)
    weights = out.aggregated.weights.set_index("child")["weight"]
    assert weights["I05"] == 0 and weights.drop("I05").gt(0).all()
