"""The published runs under outputs/: complete, consistent, and reproduced by the current code
under the reproducibility contract. Each run is re-made once per session (``iq run`` of its
params into a temporary folder) and compared file by file with ``iq verify --against``: a
published file that the current code would make differently is a failure; a different code
hash alone (a refactor, a comment) is only a note, as in ``iq verify``. The nbval recipe of the
README is checked on the published fixture run."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import ROOT, iq, iq_here

from iqlib.config.params import load_params
from iqlib.io.hashing import RECORDS, files
from iqlib.publishing.contract import tolerance_files
from iqlib.publishing.series import is_series
from iqlib.stages import STAGES

pytestmark = pytest.mark.e2e  # checks of the published runs: `make test`, not the fast loop

PUBLISHED = sorted(p.parent for p in (ROOT / "outputs").glob("*/*/manifest.json") if not is_series(p.parent))
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"


def nbval(*paths: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The README's nbval command (``pytest --nbval-lax``) on executed notebooks, in a process
    of its own."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    cwd = cwd or paths[0].parent
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:hypothesispytest",
                           "--rootdir", str(cwd), "-rf", "--nbval-lax",
                           "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE), *map(str, paths)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


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
    assert man["machine"]["numpy_simd"]["baseline"] and man["machine"]["blas"]  # where it was made
    # source notebooks marked for nbval actually are (by the cell tag, hidden from the reader)
    for stage in STAGES:
        nb = nbformat.read(run / "notebooks" / f"{stage}.ipynb", as_version=4)
        assert any("nbval-check-output" in c.metadata.get("tags", []) for c in nb.cells if c.cell_type == "code"), stage


def same_comparison(published: Path, remade: Path, run: Path, rerun: Path) -> None:
    """A scenario's published comparison with its base run, re-made beside the re-run: every
    file byte for byte, the page too but for the two places that say where the runs are."""
    names = sorted(p.relative_to(published).as_posix() for p in published.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(remade).as_posix() for p in remade.rglob("*") if p.is_file())
    for name in names:
        if name != "index.html":
            assert (remade / name).read_bytes() == (published / name).read_bytes(), name
    edition, scenario = published.name.split("__")[0].split("-", 1)   # <edition>-<scenario> of the base run
    base = ROOT / "outputs" / edition / scenario / "index.html"
    page = (remade / "index.html").read_text(encoding="utf-8")
    page = page.replace(f'href="{os.path.relpath(base, remade)}"', f'href="{os.path.relpath(base, published)}"')
    page = page.replace(f"({rerun})", f"({run.relative_to(ROOT).as_posix()})")
    assert page == (published / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("run", PUBLISHED, ids=lambda p: p.relative_to(ROOT / "outputs").as_posix())
def test_published_run_reproduces_under_the_contract(run, tmp_path, record_property):
    """The run re-made by the current code (one ``iq run`` of its params) and every published
    file compared with it by ``iq verify --against``: integrity, inputs, then each file under
    the contract. A code hash that differs from the manifest's is a note (shown at the end of
    the session), not a failure: the re-made files are what counts."""
    man = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    rerun = tmp_path / run.name
    made = iq("run", man["params"]["path"], "--out", str(rerun))
    assert made.returncode == 0, made.stdout + made.stderr
    verify = iq_here("verify", run.relative_to(ROOT).as_posix(), "--against", str(rerun))
    out = verify.stdout
    assert verify.returncode == 0, out + verify.stderr
    assert "\nreproduced exactly\n" in out or "\nreproduced within tolerance\n" in out, out
    published = sorted(set(files(run)) - RECORDS)
    assert f"  checksums: {len(published) + 1} files checked\n" in out, out        # and manifest.json
    assert ", 0 changed\n" in out and "  notebooks: 5 checked" in out, out
    assert re.search(rf"\n  re-run: {len(published)} files compared, \d+ identical\n", out), out
    assert sorted(set(files(rerun)) - RECORDS) == published          # nothing more, nothing less
    # the exact class: published values, ranks, every table outside the tolerance class, the
    # charts, byte for byte (iq verify's own comparison, checked again here independently)
    tolerant = tolerance_files(load_params(man["params"]["path"]).methodology.framework)
    for name in published:
        if name.startswith("results/") and name not in tolerant or name.startswith("figures/"):
            assert (rerun / name).read_bytes() == (run / name).read_bytes(), name
    assert (rerun / "results" / "scores.csv").read_bytes() == (run / "results" / "scores.csv").read_bytes()
    comparisons = sorted((run.parent / "comparisons").glob(f"*__{man['edition']}-{run.name}"))
    for published_comparison in comparisons:     # a scenario's comparison with its base
        same_comparison(published_comparison, rerun.parent / "comparisons" / published_comparison.name, run, rerun)
    code = [line.strip() for line in out.splitlines() if line.startswith("  note: code differs")]
    assert code or "  code: same content as the run" in out, out
    for line in code:
        record_property("note", f"{run.relative_to(ROOT).as_posix()}: {line.removeprefix('note: ')}; it reproduces "
                                f"under the contract, so no re-publish is due for it (README: Publishing on purpose)")


def test_nbval_reexecutes_a_published_run_and_catches_a_changed_result(published_mini, tmp_path):
    """The README's audit recipe on the published fixture run: nbval re-executes a copy of its
    notebooks with the same printed results and re-makes every table and chart (which ``iq
    verify --against`` holds to the contract); in the same session a copy whose rank table was
    edited fails, naming the edited value."""
    run = published_mini / "outputs" / "2019" / "mini"
    good, bad = tmp_path / "good" / "mini", tmp_path / "bad" / "mini"
    shutil.copytree(run, good)
    shutil.copytree(run, bad)
    remade = sorted([*(good / "results").glob("*.csv"), *(good / "figures").glob("*.png")])
    for path in remade:  # every table and chart must be re-made by the re-execution
        path.unlink()
    nb_path = bad / "notebooks" / "04_rank.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "rank_in_group\"] <= 5" in c.source)
    shown = cell.outputs[0]["data"]                # tables.show: text/plain is the fixed-format text
    text = shown["text/plain"]
    first_score = text.splitlines()[1].split()[-1]
    shown["text/plain"] = text.replace(first_score, "119.99", 1)
    nbformat.write(nb, nb_path)
    books = [p.relative_to(tmp_path) for p in sorted((good / "notebooks").glob("*.ipynb"))]
    result = nbval(*books, nb_path.relative_to(tmp_path), cwd=tmp_path)
    summary = result.stdout.splitlines()[-1]
    assert result.returncode == 1 and re.search(r"\b1 failed, \d+ passed\b", summary), result.stdout[-3000:]
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 1 and failed[0].startswith("FAILED bad/mini/notebooks/04_rank.ipynb::Cell "), \
        result.stdout[-5000:]
    assert "119.99" in result.stdout
    assert all(path.is_file() for path in remade), [p.name for p in remade if not p.is_file()]
    verify = iq_here("verify", "outputs/2019/mini", "--against", str(good), project=published_mini)
    assert verify.returncode == 0 and "\nreproduced exactly\n" in verify.stdout, verify.stdout + verify.stderr
