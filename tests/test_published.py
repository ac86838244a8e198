"""The published runs under outputs/: complete, consistent, and re-executable under
``pytest --nbval-lax`` with the same printed results (on a copy, never in place); that one
re-execution is also what ``iq verify --against`` checks under the reproducibility contract."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import ROOT, iq

from iqlib.config.params import load_params
from iqlib.publishing.contract import tolerance_files
from iqlib.publishing.series import is_series
from iqlib.stages import STAGES

pytestmark = pytest.mark.e2e  # checks of the published runs: `make test`, not the fast loop

PUBLISHED = sorted(p.parent for p in (ROOT / "outputs").glob("*/*/manifest.json") if not is_series(p.parent))
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def nbval(*paths: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:hypothesispytest",
                           "--nbval-lax",
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
def test_published_run_reexecutes_under_nbval_and_verifies(run, tmp_path):
    """One re-execution per published run: nbval re-runs the executed notebooks on a copy and
    compares their checked outputs; the tables and charts that re-execution writes are then
    compared with the published ones by ``iq verify --against`` under the contract."""
    copy = tmp_path / run.name
    shutil.copytree(run, copy)
    remade = sorted([*(copy / "results").glob("*.csv"), *(copy / "figures").glob("*.png")])
    for path in remade:  # every table and chart must be re-made by the re-execution
        path.unlink()
    result = nbval(*sorted((copy / "notebooks").glob("*.ipynb")))
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout.splitlines()[-1]
    assert all(path.is_file() for path in remade), [p.name for p in remade if not p.is_file()]
    verify = iq("verify", run.relative_to(ROOT).as_posix(), "--against", str(copy))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "\nreproduced exactly\n" in verify.stdout or "\nreproduced within tolerance\n" in verify.stdout, \
        verify.stdout
    # the exact class: published values, ranks and every table outside the tolerance class, byte for byte
    meth = load_params(json.loads((run / "manifest.json").read_text(encoding="utf-8"))["params"]["path"]).methodology
    tolerant = tolerance_files(meth.framework)
    for table in sorted((run / "results").glob("*.csv")):
        if f"results/{table.name}" not in tolerant:
            assert (copy / "results" / table.name).read_bytes() == table.read_bytes(), table.name
    assert (copy / "results" / "scores.csv").read_bytes() == (run / "results" / "scores.csv").read_bytes()


def test_nbval_catches_a_changed_published_result(published_mini, tmp_path):
    run = published_mini / "outputs" / "2019" / "mini"  # the smallest published run: the rank stage in seconds
    copy = tmp_path / "mini"
    shutil.copytree(run, copy)
    nb_path = copy / "notebooks" / "04_rank.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "rank_in_group\"] <= 5" in c.source)
    shown = cell.outputs[0]["data"]                # tables.show: text/plain is the fixed-format text
    text = shown["text/plain"]
    first_score = text.splitlines()[1].split()[-1]
    shown["text/plain"] = text.replace(first_score, "119.99", 1)
    nbformat.write(nb, nb_path)
    result = nbval(nb_path)
    assert result.returncode != 0
    assert "119.99" in result.stdout


@pytest.mark.parametrize("run", PUBLISHED, ids=lambda p: p.relative_to(ROOT / "outputs").as_posix())
def test_published_run_passes_the_quick_checks_with_its_code(run):
    """Checksums, papermill execution, inputs, and the code content hash recorded in the manifest
    is the code of this checkout (a re-publish was not forgotten)."""
    result = iq("verify", run.relative_to(ROOT).as_posix(), "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-2] == "checks passed (not re-run)"
    assert "code: same content as the run" in result.stdout, result.stdout
    man = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert man["machine"]["numpy_simd"]["baseline"] and man["machine"]["blas"]
