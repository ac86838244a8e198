"""Auditable publication: iq verify, tampering, interrupted runs, safety of outputs."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import FIXTURE_EDITION, iq, iq_here

from iqlib.io.hashing import RECORDS, hash_tree
from iqlib.io.runfolder import escape_formulas
from iqlib.publishing import run as run_module


def digest(folder: Path) -> dict[str, str]:
    return hash_tree(folder, skip=set())


@pytest.fixture
def project(published_mini) -> Path:
    """The shared project with the fixture edition published in outputs/2019/mini (read only)."""
    return published_mini


def verify(project: Path, *args: str):
    """``iq verify`` of a run of ``project`` that re-runs nothing (--quick, --against), in this process."""
    assert "--quick" in args or "--against" in args or not (project / args[0] / "manifest.json").is_file()
    return iq_here("verify", *args, project=project)


@pytest.fixture
def copy(own_project):
    """A copy of the published run beside it, to tamper with (in a private project copy)."""
    dest = own_project / "outputs" / "2019" / "tampered"
    shutil.copytree(own_project / "outputs" / "2019" / "mini", dest)
    return dest


def test_quick_verify_does_not_claim_a_reproduction(project):
    result = verify(project, "outputs/2019/mini", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-2] == "checks passed (not re-run)"
    assert "reproduced" not in result.stdout


def test_sha256sum_accepts_the_checksums_file(project):
    out = subprocess.run(["sha256sum", "-c", "--quiet", "checksums.sha256"], cwd=project / "outputs/2019/mini",
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def flip_byte(path: Path, offset: int = -10) -> None:
    data = bytearray(path.read_bytes())
    data[offset] = ord("7") if data[offset] != ord("7") else ord("8")
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", ["results/scores.csv", "notebooks/04_rank.ipynb", "figures/distribution.png",
                                  "index.html"])
def test_one_changed_byte_in_a_published_file_is_named(own_project, copy, name):
    flip_byte(copy / name, -200 if name.endswith(".png") else -10)
    result = verify(own_project, "outputs/2019/tampered", "--quick")
    assert result.returncode == 1
    assert f"tampered: {name} (sha256 differs from checksums.sha256)" in result.stdout


@pytest.mark.parametrize("name", ["tests/fixtures/mini/values.csv", "tests/fixtures/mini/edition.yaml",
                                  "params/methodology/iq_v1.yaml", "notebooks/02_normalise.ipynb"])
def test_a_changed_input_params_or_notebook_is_named(own_project, name):
    path = own_project / name
    path.write_bytes(path.read_bytes() + b"\n")
    result = verify(own_project, "outputs/2019/mini", "--quick")
    assert result.returncode == 1
    assert f"input changed since the run: {name} (sha256 differs from manifest.json)" in result.stdout
    if name.startswith("notebooks/"):  # a stage notebook is code: the content hash says so too
        assert "note: code differs" in result.stdout


def test_full_verify_shows_the_first_differing_cells(own_project, copy):
    scores = copy / "results" / "scores.csv"
    text = scores.read_text(encoding="utf-8").splitlines()
    cells = text[1].split(",")
    iq_col = text[0].split(",").index("IQ")
    published, cells[iq_col] = cells[iq_col], "99.99"
    text[1] = ",".join(cells)
    scores.write_text("\n".join(text) + "\n", encoding="utf-8")
    # compared against the untouched run as the re-run (what a full verify does after re-running)
    result = verify(own_project, "outputs/2019/tampered", "--against", "outputs/2019/mini")
    assert result.returncode == 1
    assert "tampered: results/scores.csv" in result.stdout
    assert (f"differs from the re-run: results/scores.csv: line 2 (city_id {cells[0]}), column IQ: "
            f"published '99.99', re-run '{published}' (an exact value)") in result.stdout
    assert "\nNOT reproduced: " in result.stdout


def test_tolerance_class_cells_within_the_tolerance_are_reproduced_within_tolerance(own_project, copy):
    """A correlation changed in its last digits (as another CPU's BLAS would) is within tolerance;
    the same change to a published score is not; a change beyond the tolerance is not."""
    rerun = own_project / "outputs" / "2019" / "rerun"
    shutil.copytree(copy, rerun)
    table = rerun / "results" / "effective_weights.csv"
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    r = float(frame.at[0, "corr_with_index"])
    frame.at[0, "corr_with_index"] = repr(r * (1 + 3e-16) if r * (1 + 3e-16) != r else r + 2e-16)
    frame.to_csv(table, index=False, lineterminator="\n")
    result = verify(own_project, "outputs/2019/tampered", "--against", "outputs/2019/rerun")
    assert result.returncode == 0, result.stdout
    assert "reproduced within tolerance" in result.stdout
    assert "within tolerance: results/effective_weights.csv: 1 cells differ, largest relative difference" \
        in result.stdout
    assert "ranks and published values are identical" in result.stdout
    frame.at[0, "corr_with_index"] = repr(r + 1e-9)
    frame.to_csv(table, index=False, lineterminator="\n")
    result = verify(own_project, "outputs/2019/tampered", "--against", "outputs/2019/rerun")
    assert result.returncode == 1 and "column corr_with_index" in result.stdout
    assert "(beyond the tolerance)" in result.stdout


def test_notebook_not_executed_by_papermill_is_refused(own_project, copy):
    path = copy / "notebooks" / "03_weight.ipynb"
    nb = nbformat.read(path, as_version=4)
    del nb.metadata["papermill"]
    nbformat.write(nb, path)
    path = copy / "notebooks" / "04_rank.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[3].execution_count, code[4].execution_count = code[4].execution_count, code[3].execution_count
    nbformat.write(nb, path)
    result = verify(own_project, "outputs/2019/tampered", "--quick")
    assert result.returncode == 1
    assert "not executed by papermill: notebooks/03_weight.ipynb (no papermill metadata)" in result.stdout
    assert "not executed top to bottom: notebooks/04_rank.ipynb" in result.stdout


def test_missing_and_unexpected_files(own_project, copy):
    (copy / "figures" / "distribution.png").unlink()
    (copy / "results" / "extra.csv").write_text("a\n1\n")
    result = verify(own_project, "outputs/2019/tampered", "--quick")
    assert "missing: figures/distribution.png (listed in checksums.sha256)" in result.stdout
    assert "unexpected file: results/extra.csv (not in checksums.sha256)" in result.stdout


def test_usage_errors_exit_2(project):
    for args, message in [(["outputs/2019/nothing"], "no such folder"), (["params"], "not a run folder"),
                          (["outputs/2019/mini", "--against", "outputs/2019/nothing"], "no such folder"),
                          (["outputs/2019/mini", "--quick", "--against", "outputs"], "--quick re-runs nothing")]:
        result = verify(project, *args)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_kill_9_mid_stage_publishes_nothing_and_the_next_run_recovers(own_project, tmp_path):
    project = own_project
    published = project / "outputs" / "2019" / "mini"
    before = digest(published)
    first = shutil.copytree(published, tmp_path / "first-run")
    env = {**os.environ, "PYTHONHASHSEED": "0", "IQ_PROJECT_ROOT": str(project)}
    proc = subprocess.Popen([sys.executable, "-m", "iqlib.cli", "run", FIXTURE_EDITION, "--publish", "--force"],
                            cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    marker = None
    while time.time() < deadline and marker is None:
        marker = next(iter(published.parent.glob(f".staging-mini-{proc.pid}/notebooks/02_normalise.ipynb")), None)
        time.sleep(0.05)
    assert marker is not None, "the run never reached stage 02"
    os.kill(proc.pid, signal.SIGKILL)  # in the middle of stage 02
    proc.wait()
    staging = published.parent / f".staging-mini-{proc.pid}"
    deadline = time.time() + 10  # the stage process and its kernel die with iq run (PR_SET_PDEATHSIG)
    while str(staging) in (ps := subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout) \
            and time.time() < deadline:
        time.sleep(0.1)
    assert str(staging) not in ps, "a stage process outlived iq run"
    assert digest(published) == before  # the published run is intact
    again = iq("run", FIXTURE_EDITION, "--publish", "--force", env={"IQ_PROJECT_ROOT": str(project)}, cwd=project)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in published.parent.iterdir()) == ["mini"]  # stale staging cleaned up
    assert hash_tree(published) == {k: v for k, v in before.items() if k not in RECORDS}
    # the recovered run is a second, independent run on this machine: iq verify holds it to the
    # first (kept aside) byte for byte
    result = verify(project, "outputs/2019/mini", "--against", str(first))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-2] == "reproduced exactly"
    assert "0 changed" in result.stdout
    n = len(list(published.rglob("*.*"))) - 2  # all but manifest and checksums
    assert f"re-run: {n} files compared, {n} identical" in result.stdout
    assert "code: same content as the run" in result.stdout and "note: code differs" not in result.stdout
    assert "published on" not in result.stdout  # same machine: nothing to say


def test_recover_puts_back_a_run_swapped_out_by_a_killed_process(tmp_path):
    dest = tmp_path / "base"
    old = tmp_path / ".old-base-999999"  # no such process
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    stale = tmp_path / ".staging-base-999998"
    stale.mkdir()
    run_module.recover(dest)
    assert (dest / "manifest.json").is_file() and not old.exists() and not stale.exists()


def test_formula_like_text_is_escaped_in_csv_output():
    frame = pd.DataFrame({"city_ru": ["=HYPERLINK(\"x\")", "+7", "-1", "@A1", "Москва"], "IQ": [-1.5, 2, 3, 4, 5]})
    out = escape_formulas(frame)
    assert out["city_ru"].tolist() == ["'=HYPERLINK(\"x\")", "'+7", "'-1", "'@A1", "Москва"]
    assert out["IQ"].tolist() == [-1.5, 2, 3, 4, 5]


def test_out_inside_the_project_sources_is_refused():
    result = iq_here("run", FIXTURE_EDITION, "--out", "params/run")     # refused before anything runs
    assert result.returncode == 2 and "inside the project's params/ folder" in result.stderr


def test_stream_outputs_split_by_the_kernel_are_merged():
    from nbformat.v4 import new_output

    outs = [new_output("stream", name="stdout", text="a\n"), new_output("stream", name="stdout", text="\n"),
            new_output("stream", name="stderr", text="w\n"), new_output("stream", name="stdout", text="b")]
    merged = run_module.coalesce_streams(outs)
    assert [(o["name"], o["text"]) for o in merged] == [("stdout", "a\n\n"), ("stderr", "w\n"), ("stdout", "b")]


def test_other_code_is_a_note_not_a_problem():
    """A run made by other code (a refactor, a comment) is noted, not refused: whether it
    reproduces is what the re-run decides."""
    from iqlib.publishing import verify as verify_module
    from iqlib.publishing.manifest import code_digest, package_versions

    man = {"code": {"content_sha256": "0" * 64, "git_commit": "abc1234"},
           "environment": {"packages": package_versions()}}
    report = verify_module.Report()
    verify_module.check_versions(man, report)
    assert report.ok and report.problems == []
    assert report.notes == [f"code differs: iqlib/, notebooks/ or the dependency pins changed since the run (made at "
                            f"git commit abc1234; content sha256 000000000000, here {code_digest()[:12]})"]


def test_a_page_the_rerun_makes_differently_is_a_problem(published_mini, tmp_path):
    """What fails verify is a published file the re-run makes differently, a page as much as a table."""
    rerun = shutil.copytree(published_mini / "outputs" / "2019" / "mini", tmp_path / "mini")
    page = rerun / "html" / "03_weight.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<p>new</p></body>"), encoding="utf-8")
    result = verify(published_mini, "outputs/2019/mini", "--against", str(rerun))
    assert result.returncode == 1 and "differs from the re-run: html/03_weight.html: the text differs" in result.stdout
    assert "\nNOT reproduced: 1 problem(s)\n" in result.stdout
