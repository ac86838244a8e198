"""Auditable publication: iq verify, tampering, interrupted runs, safety of outputs."""

import hashlib
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

from conftest import FIXTURE_EDITION, iq, make_project_copy
from iqlib import run as run_module
from iqlib.stages import escape_formulas


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A project copy with the fixture edition published in outputs/2019/mini."""
    root = make_project_copy(tmp_path_factory.mktemp("verify") / "iq")
    result = iq("run", FIXTURE_EDITION, "--publish", env={"IQ_PROJECT_ROOT": str(root)})
    assert result.returncode == 0, result.stderr
    return root


def verify(project: Path, *args: str):
    return iq("verify", *args, env={"IQ_PROJECT_ROOT": str(project)}, cwd=project)


@pytest.fixture
def copy(project):
    """A copy of the published run beside it, to tamper with."""
    dest = project / "outputs" / "2019" / "tampered"
    shutil.copytree(project / "outputs" / "2019" / "mini", dest)
    yield dest
    shutil.rmtree(dest)


def test_published_run_is_reproduced(project):
    result = verify(project, "outputs/2019/mini")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-2] == "reproduced"
    assert "0 changed" in result.stdout
    n = len(list((project / "outputs/2019/mini").rglob("*.*"))) - 2  # all but manifest and checksums
    assert f"re-run: {n} files compared, {n} identical" in result.stdout


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
def test_one_changed_byte_in_a_published_file_is_named(project, copy, name):
    flip_byte(copy / name, -200 if name.endswith(".png") else -10)
    result = verify(project, "outputs/2019/tampered", "--quick")
    assert result.returncode == 1
    assert f"tampered: {name} (sha256 differs from checksums.sha256)" in result.stdout


@pytest.mark.parametrize("name", ["tests/fixtures/mini/values.csv", "tests/fixtures/mini/edition.yaml",
                                  "params/methodology/iq_v1.yaml", "notebooks/02_normalise.ipynb"])
def test_a_changed_input_params_or_notebook_is_named(project, name):
    path = project / name
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n")
        result = verify(project, "outputs/2019/mini", "--quick")
        assert result.returncode == 1
        assert f"input changed since the run: {name} (sha256 differs from manifest.json)" in result.stdout
    finally:
        path.write_bytes(original)


def test_full_verify_shows_the_first_differing_cells(project, copy):
    scores = copy / "results" / "scores.csv"
    text = scores.read_text(encoding="utf-8").splitlines()
    cells = text[1].split(",")
    iq_col = text[0].split(",").index("IQ")
    published, cells[iq_col] = cells[iq_col], "99.99"
    text[1] = ",".join(cells)
    scores.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = verify(project, "outputs/2019/tampered")
    assert result.returncode == 1
    assert "tampered: results/scores.csv" in result.stdout
    assert (f"differs from the re-run: results/scores.csv: line 2 (city_id {cells[0]}), column IQ: "
            f"published '99.99', re-run '{published}'") in result.stdout


def test_notebook_not_executed_by_papermill_is_refused(project, copy):
    path = copy / "notebooks" / "03_weight.ipynb"
    nb = nbformat.read(path, as_version=4)
    del nb.metadata["papermill"]
    nbformat.write(nb, path)
    path = copy / "notebooks" / "04_rank.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    code[3].execution_count, code[4].execution_count = code[4].execution_count, code[3].execution_count
    nbformat.write(nb, path)
    result = verify(project, "outputs/2019/tampered", "--quick")
    assert result.returncode == 1
    assert "not executed by papermill: notebooks/03_weight.ipynb (no papermill metadata)" in result.stdout
    assert "not executed top to bottom: notebooks/04_rank.ipynb" in result.stdout


def test_missing_and_unexpected_files(project, copy):
    (copy / "figures" / "distribution.png").unlink()
    (copy / "results" / "extra.csv").write_text("a\n1\n")
    result = verify(project, "outputs/2019/tampered", "--quick")
    assert "missing: figures/distribution.png (listed in checksums.sha256)" in result.stdout
    assert "unexpected file: results/extra.csv (not in checksums.sha256)" in result.stdout


def test_usage_errors_exit_2(project):
    for args, message in [(["outputs/2019/nothing"], "no such folder"), (["params"], "not a run folder")]:
        result = verify(project, *args)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_kill_9_mid_stage_publishes_nothing_and_the_next_run_recovers(project):
    published = project / "outputs" / "2019" / "mini"
    before = digest(published)
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
    time.sleep(3)
    assert digest(published) == before  # the published run is intact
    staging = published.parent / f".staging-mini-{proc.pid}"
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert str(staging) not in ps, "a stage process outlived iq run"
    again = iq("run", FIXTURE_EDITION, "--publish", "--force", env={"IQ_PROJECT_ROOT": str(project)}, cwd=project)
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in published.parent.iterdir()) == ["mini"]  # stale staging cleaned up
    assert {k: v for k, v in digest(published).items() if k not in {"manifest.json", "checksums.sha256"}} == \
        {k: v for k, v in before.items() if k not in {"manifest.json", "checksums.sha256"}}


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


def test_writes_outside_the_run_folder_are_refused(tmp_path):
    from iqlib import stages

    stages.open_run(FIXTURE_EDITION, str(tmp_path / "run"))
    with pytest.raises(RuntimeError, match="outside the run folder"):
        stages.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "elsewhere.csv")
    stages.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "run" / "results" / "ok.csv")
    stages._RUN.clear()


def test_out_inside_the_project_sources_is_refused():
    result = iq("run", FIXTURE_EDITION, "--out", "params/run")
    assert result.returncode == 2 and "inside the project's params/ folder" in result.stderr


def test_stream_outputs_split_by_the_kernel_are_merged():
    from nbformat.v4 import new_output

    outs = [new_output("stream", name="stdout", text="a\n"), new_output("stream", name="stdout", text="\n"),
            new_output("stream", name="stderr", text="w\n"), new_output("stream", name="stdout", text="b")]
    merged = run_module.coalesce_streams(outs)
    assert [(o["name"], o["text"]) for o in merged] == [("stdout", "a\n\n"), ("stderr", "w\n"), ("stdout", "b")]
