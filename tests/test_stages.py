"""Stage functions run on their own: a missing earlier output names the stage to run."""

from pathlib import Path

import pytest
from conftest import FIXTURE_EDITION

from iqlib import stages
from iqlib.config.params import load_params
from iqlib.core.errors import MissingStageOutput, UserError


@pytest.fixture
def run(tmp_path, monkeypatch) -> Path:
    """A fresh run folder (results/ empty), the one this process may write to."""
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(stages, "_RUN", [tmp_path.resolve()])
    return tmp_path


def test_stage_without_its_predecessor_names_the_stage_and_file(run):
    params = load_params(FIXTURE_EDITION)
    with pytest.raises(MissingStageOutput) as err:
        stages.normalise(params, run)
    assert str(err.value) == "run 01_load first (results/cities.csv is missing)"
    assert isinstance(err.value, UserError)  # the CLI prints it without a traceback
    with pytest.raises(MissingStageOutput, match=r"^run 02_normalise first \(results/normalised\.csv is missing\)$"):
        stages.weight(params, run)
    assert not any((run / "results").iterdir())


def test_written_by_matches_the_files_the_stages_write(run):
    """The docstring's list (read into WRITTEN_BY) is what 01 and 02 really write."""
    params = load_params(FIXTURE_EDITION)
    stages.load(params, run)
    first = {p.name for p in (run / "results").iterdir()}
    stages.normalise(params, run)
    second = {p.name for p in (run / "results").iterdir()} - first
    listed = {stage: {f for f, s in stages.WRITTEN_BY.items() if s == stage} for stage in stages.STAGES}
    assert first == listed["01_load"] == {"cities.csv", "values.csv", "group_disagreements.csv", "missing.csv",
                                          "accounting.csv", "warnings.csv"}
    assert second == listed["02_normalise"]
    assert stages.WRITTEN_BY["scores.csv"] == "04_rank"
    assert stages.WRITTEN_BY["group_summary.csv"] == "05_report"
    assert set(stages.WRITTEN_BY.values()) == set(stages.STAGES)
