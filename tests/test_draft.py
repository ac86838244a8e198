"""``iq run --draft`` of a scenario: no robustness analysis and no notebook pages, marked
as a draft everywhere, never published or verified, and compared with its base run. And
the run folder itself: an unwritable one is one message; a text cell stays text."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
from conftest import FIXTURE_EDITION, iq

from iqlib import cli


@pytest.mark.e2e
def test_a_scenario_draft_is_marked_unpublishable_and_compared_with_its_base(own_project):
    env = {"IQ_PROJECT_ROOT": str(own_project)}
    result = iq("run", "tests/fixtures/mini/nonlinear.yaml", "--draft", env=env)
    assert result.returncode == 0, result.stderr
    run = own_project / "runs" / "2019" / "nonlinear-draft"
    assert "Run folder: runs/2019/nonlinear-draft" in result.stdout
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["draft"] is True and manifest["params"]["resolved"]["edition"]["uncertainty"] is None
    assert not (run / "html").exists() and not (run / "results" / "uncertainty.csv").exists()
    figures = sorted(p.name for p in (run / "figures").iterdir())
    assert figures and all(name.endswith("__2019-nonlinear.png") for name in figures), figures   # PNG only
    cells = nbformat.read(run / "notebooks" / "01_load.ipynb", as_version=4).cells
    banner = next(c for c in cells if "print(banner(params))" in c.source).outputs[0]["text"]
    assert "DRAFT: no robustness analysis" in banner and "A scenario of the edition 2019:" in banner
    assert ".yaml" not in banner and "iq run" not in banner and "scenario «nonlinear»" in banner    # no file, no command
    index = (run / "index.html").read_text(encoding="utf-8")
    assert "DRAFT — " in index and 'href="html/' not in index
    link = "../comparisons/2019-mini__2019-nonlinear-draft/index.html"
    assert f'href="{link}"' in index and (run / link).resolve().is_file()
    summary = pd.read_csv(run.parent / "comparisons" / "2019-mini__2019-nonlinear-draft" / "summary.csv")
    assert summary.set_index("group").at["all", "compared"] == 12

    verify = iq("verify", str(run), env=env)
    assert verify.returncode == 2 and "is a draft" in verify.stderr and "Traceback" not in verify.stderr


def test_a_draft_is_never_published(capsys):
    assert cli.main(["run", FIXTURE_EDITION, "--draft", "--publish"]) == 2   # the CLI, in-process
    assert capsys.readouterr().err.strip() == "error: a draft is never published: run without --draft to publish"
    assert cli.main(["run", FIXTURE_EDITION, "--draft", "--out", "outputs/2019/sneaky"]) == 2
    assert "a draft is never written under outputs/" in capsys.readouterr().err


def test_an_unwritable_run_folder_is_one_message(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert cli.main(["run", FIXTURE_EDITION, "--out", str(blocker / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write the run folder") and "choose a writable --out" in err
    assert "Traceback" not in err


def test_a_city_called_na_stays_a_name(tmp_path):
    from iqlib.io.runfolder import RunFolder

    run = RunFolder(tmp_path)
    run.write_csv("cities.csv", pd.DataFrame({"city_id": ["na", "none"], "city_ru": ["NA", "None"],
                                              "population": [1000, None]}))
    back = run.read_csv("cities.csv")
    assert back["city_ru"].tolist() == ["NA", "None"] and pd.isna(back.at[1, "population"])
