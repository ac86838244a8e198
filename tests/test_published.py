"""The published runs under outputs/: complete, consistent, and re-executable under
``pytest --nbval-lax`` with the same printed results (on a copy, never in place)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import ROOT
from iqlib.stages import STAGES

PUBLISHED = sorted(p.parent for p in (ROOT / "outputs").glob("*/*/manifest.json"))
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def nbval(*paths: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
                           "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE), *map(str, paths)],
                          cwd=paths[0].parent, env=env, capture_output=True, text=True, timeout=900)


def test_the_2019_demo_run_is_published():
    assert ROOT / "outputs" / "2019" / "base" in PUBLISHED


@pytest.mark.parametrize("run", PUBLISHED, ids=lambda p: p.relative_to(ROOT / "outputs").as_posix())
def test_published_run_is_complete(run):
    man = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    for stage in STAGES:
        assert (run / "notebooks" / f"{stage}.ipynb").is_file()
        assert (run / "html" / f"{stage}.html").is_file()
    assert (run / "index.html").is_file()
    assert list((run / "figures").glob("leaderboard_*.png"))
    scores = pd.read_csv(run / "results" / "scores.csv", dtype={"city_id": str})
    roster = pd.read_csv(ROOT / man["inputs"]["cities"]["path"], comment="#", dtype=str)
    assert sorted(scores["city_id"]) == sorted(roster["city_id"])
    assert scores["IQ"].between(0, 120).all()
    # source notebooks marked for nbval actually are
    for stage in STAGES:
        nb = nbformat.read(run / "notebooks" / f"{stage}.ipynb", as_version=4)
        assert any("# NBVAL_CHECK_OUTPUT" in c.source for c in nb.cells if c.cell_type == "code"), stage


@pytest.mark.parametrize("run", PUBLISHED, ids=lambda p: p.relative_to(ROOT / "outputs").as_posix())
def test_published_notebooks_reexecute_under_nbval(run, tmp_path):
    copy = tmp_path / run.name
    shutil.copytree(run, copy)
    result = nbval(*sorted((copy / "notebooks").glob("*.ipynb")))
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.splitlines()[-1]
    # re-execution rewrote every result table with the same bytes
    for table in sorted((run / "results").glob("*.csv")):
        assert (copy / "results" / table.name).read_bytes() == table.read_bytes(), table.name


def test_nbval_catches_a_changed_published_result(tmp_path):
    run = ROOT / "outputs" / "2019" / "base"
    copy = tmp_path / "base"
    shutil.copytree(run, copy)
    nb_path = copy / "notebooks" / "04_rank.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "rank_in_group\"] <= 5" in c.source)
    text = cell.outputs[0]["text"]
    first_score = text.splitlines()[1].split()[-1]
    cell.outputs[0]["text"] = text.replace(first_score, "119.99", 1)
    nbformat.write(nb, nb_path)
    result = nbval(nb_path)
    assert result.returncode != 0
    assert "119.99" in result.stdout


@pytest.mark.parametrize("run", PUBLISHED, ids=lambda p: p.relative_to(ROOT / "outputs").as_posix())
def test_iq_verify_reproduces_the_published_run(run):
    from conftest import iq

    result = iq("verify", run.relative_to(ROOT).as_posix())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\nreproduced\n" in result.stdout
