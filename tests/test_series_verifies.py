"""A series verifies every run it reads (issue 23, item 1): each run checked as ``iq verify
--quick`` checks it and matched to the params beside it; a swapped pair, a tampered run, a
folder that is not a run, a duplicate year, runs with different group sets and an official-
averages file of the wrong shape are each one message naming the series file, the key and
the file, before anything is computed or written.

The checks are called directly (``series.check``: no scoring, about 0,1 s a run); one test
runs ``iq series`` as a reader would and requires exit 2, no traceback and nothing written.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, iq

from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import UserError
from iqlib.publishing import series, series_checks

SERIES = ROOT / "params" / "series" / "iq_v1.yaml"


def _series(tmp_path: Path, editions: list[tuple[str, str]], **changes) -> Path:
    """A copy of the demo series with these (params, run) editions, written to tmp_path."""
    data = {**read_yaml(SERIES), "editions": [{"params": p, "run": r} for p, r in editions], **changes}
    path = tmp_path / "series.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _copy_run(tmp_path: Path, year: int) -> Path:
    dest = tmp_path / f"run{year}"
    shutil.copytree(ROOT / "outputs" / str(year) / "base", dest)
    return dest


def _message(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        series.check(path)
    return str(caught.value)


def test_the_published_series_passes_every_check():
    s, runs, methods, official = series.check(SERIES)
    assert [r.year for r in runs] == [2018, 2019, 2020, 2021] and methods["year"].tolist() == [2018, 2019, 2020, 2021]
    assert {r.groups for r in runs} == {("krupneyshie", "krupnye", "bolshie", "lt100k")}   # one group set
    assert [r.key for r in runs] == [f"editions[{i}].run" for i in range(4)]
    assert official.set_index("data_year").at[2019, "national_average"] == 40.67
    assert official["data_year"].tolist() == [2019, 2020, 2021, 2022, 2023] and str(official["data_year"].dtype) == "int64"


def test_a_swapped_params_run_pair_is_refused(tmp_path):
    """Before: 2018's params scored 2019's run against 2018's goalposts and published it under
    2018 (a growth of −32 % instead of +47 %)."""
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2019/base"),
                              ("params/editions/2019.yaml", "outputs/2018/base")])
    message = _message(path)
    assert message.startswith(f"{path}: key 'editions[0].run': outputs/2019/base was not made from "
                              f"params/editions/2018.yaml (key 'editions[0].params'); pair each run with its own params")
    assert "  - edition 2019 in the run, 2018 in the params" in message
    assert "  - data year 2019 in the run, 2018 in the params" in message
    assert "  - input 'values' data/demo/2018/values.csv is not the one the run read" in message
    assert "Traceback" not in message


def test_a_run_whose_params_file_or_inputs_differ_is_refused(tmp_path):
    """Same edition and year, but another params content: the files are compared by sha256."""
    params = tmp_path / "2019.yaml"
    params.write_text((ROOT / "params/editions/2019.yaml").read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"), (str(params), "outputs/2019/base")])
    message = _message(path)
    assert f"key 'editions[1].run': outputs/2019/base was not made from {params}" in message
    assert f"1 problem(s)\n  - params file {params} is not the one the run read (sha256 differs from its manifest)" in message


def test_a_run_whose_manifest_was_edited_fails_as_verify_quick_does(tmp_path):
    """Before: a run whose manifest was edited (its year changed) was published in the series
    as that other year."""
    run = _copy_run(tmp_path, 2019)
    man = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    man["params"]["resolved"]["edition"]["data_year"] = 2017
    (run / "manifest.json").write_text(json.dumps(man, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"), ("params/editions/2019.yaml", str(run))])
    message = _message(path)
    assert message.startswith(f"{path}: key 'editions[1].run': {run} fails iq verify --quick: 1 problem(s)\n"
                              f"  - tampered: manifest.json (sha256 differs from checksums.sha256)")
    (run / "results" / "scores.csv").write_text("city_id\n", encoding="utf-8")      # and a result replaced
    (run / "notes.txt").write_text("x", encoding="utf-8")
    message = _message(path)
    assert "3 problem(s)" in message and "  - tampered: results/scores.csv" in message
    assert "  - unexpected file: notes.txt (not in checksums.sha256)" in message


def test_a_run_whose_notebook_was_not_executed_fails(tmp_path):
    run = _copy_run(tmp_path, 2019)
    book = run / "notebooks" / "01_load.ipynb"
    nb = json.loads(book.read_text(encoding="utf-8"))
    del nb["metadata"]["papermill"]
    book.write_text(json.dumps(nb), encoding="utf-8")
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"), ("params/editions/2019.yaml", str(run))])
    message = _message(path)
    assert "fails iq verify --quick: 2 problem(s)" in message
    assert "  - not executed by papermill: notebooks/01_load.ipynb (no papermill metadata)" in message


@pytest.mark.parametrize(("make", "says"), [
    (lambda tmp: "outputs/series/iq_v1", "outputs/series/iq_v1: a series folder (iq series), not a run"),
    (lambda tmp: str((tmp / "empty").mkdir() or tmp / "empty"), "empty: not a run folder (no manifest.json)"),
    (lambda tmp: str((tmp / "f.csv").write_text("a\n") and tmp / "f.csv"), "f.csv: not a run folder (a file, not a folder)"),
    (lambda tmp: str(tmp / "nowhere"), "nowhere: no such folder"),
    (lambda tmp: str((tmp / "j").mkdir() or (tmp / "j" / "manifest.json").write_text("[1]") and tmp / "j"),
     "j: not a run folder (its manifest.json is not a run's manifest)"),
    (lambda tmp: str((tmp / "b").mkdir() or (tmp / "b" / "manifest.json").write_text("{") and tmp / "b"),
     "b/manifest.json: not valid JSON (Expecting property name"),
])
def test_a_folder_that_is_not_a_run_is_one_message(tmp_path, make, says):
    """Before: a series folder given as a run ended in a KeyError traceback."""
    run = make(tmp_path)
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"), ("params/editions/2019.yaml", run)])
    message = _message(path)
    assert message.startswith(f"{path}: key 'editions[1].run': {run}") and says in message
    assert message.count("\n") == 0 and "KeyError" not in message


def test_a_hand_made_manifest_lacking_entries_is_not_a_run(tmp_path):
    run = _copy_run(tmp_path, 2019)
    man = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    del man["outputs"]
    (run / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"), ("params/editions/2019.yaml", str(run))])
    assert _message(path) == f"{path}: key 'editions[1].run': {run}: not a run folder (its manifest.json lacks outputs)"


def test_a_duplicate_year_names_both_keys(tmp_path):
    run = _copy_run(tmp_path, 2019)                      # a verified copy of the same run: same year
    path = _series(tmp_path, [("params/editions/2019.yaml", "outputs/2019/base"), ("params/editions/2018.yaml",
                                                                                    "outputs/2018/base"),
                              ("params/editions/2019.yaml", str(run))])
    assert _message(path) == (f"{path}: key 'editions[2].run': {run} is of data year 2019 like outputs/2019/base "
                              f"(key 'editions[0].run'); a series has one run per data year")


def test_runs_with_different_group_sets_name_the_runs_and_the_groups():
    """Refused: group averages and movers compare the same groups across years (docs: the series)."""
    def run(i: int, groups: tuple[str, ...]) -> series_checks.CheckedRun:
        return series_checks.CheckedRun(f"editions[{i}].run", f"outputs/{2018 + i}/base", {}, None, 2018 + i, groups)
    same = [run(0, ("a", "b")), run(1, ("b", "a"))]
    series_checks.check_groups("s.yaml", same)           # the same set in another order is one group set
    with pytest.raises(UserError) as caught:
        series_checks.check_groups("s.yaml", [*same, run(2, ("a", "c"))])
    assert str(caught.value) == (
        "s.yaml: the runs have different group sets; group averages and movers compare the same groups across the "
        "years, so every edition of a series needs the same groups: 3 problem(s)\n"
        "  - outputs/2018/base (editions[0].run): a, b\n"
        "  - outputs/2020/base (editions[2].run): a, c\n"
        "  - outputs/2020/base against outputs/2018/base: only in outputs/2020/base: c; not in outputs/2020/base: b")


@pytest.mark.parametrize(("csv", "problems"), [
    ("data_year,national_average\n2019,40.67\n",
     ["required column(s) missing: change_vs_2018_base_pct"]),
    ("data_year,national_average,change_vs_2018_base_pct\n2019,сорок,18\n2020,44.17,много\n",
     ["line 2, column national_average: 'сорок' is not a number",
      "line 3, column change_vs_2018_base_pct: 'много' is not a number"]),
    ("data_year,national_average,change_vs_2018_base_pct\n2019.5,40.67,18\n,44.17,\n",
     ["line 2, column data_year: '2019.5' is not a year (a whole number)", "line 3, column data_year: no year"]),
    ("data_year,national_average,change_vs_2018_base_pct\n2019,40.67,18\n2020,44.17,\n2019,41,\n",
     ["line 4, column data_year: year 2019 again (first at line 2)"]),
])
def test_an_official_averages_file_of_the_wrong_shape_names_file_line_and_column(tmp_path, csv, problems):
    """Before: a KeyError or ValueError traceback from pandas."""
    official = tmp_path / "averages.csv"
    official.write_text(csv, encoding="utf-8")
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"),
                              ("params/editions/2019.yaml", "outputs/2019/base")], official_averages=str(official))
    message = _message(path)
    assert message.startswith(f"{path}: key 'official_averages': ")
    for p in problems:
        assert f"{official}: {p}" in message
    assert "Traceback" not in message


def test_params_that_do_not_load_and_a_conflicts_file_without_its_columns_name_the_key(tmp_path):
    broken = tmp_path / "2019.yaml"
    broken.write_text("edition: [\n", encoding="utf-8")
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"), (str(broken), "outputs/2019/base")])
    assert _message(path).startswith(f"{path}: key 'editions[1].params': {broken}")
    conflicts = tmp_path / "conflicts.csv"
    conflicts.write_text("id,conflict_ru\nc1,текст\n", encoding="utf-8")
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2018/base"),
                              ("params/editions/2019.yaml", "outputs/2019/base")], conflicts=str(conflicts))
    assert _message(path) == (f"{path}: key 'conflicts': {conflicts}: required column(s) missing: conflict_en, "
                              f"resolution_ru, resolution_en")


@pytest.mark.slow
def test_iq_series_ends_in_one_message_and_writes_nothing(tmp_path):
    """The command a reader runs: exit 2, one message, no traceback, no folder (not even half)."""
    path = _series(tmp_path, [("params/editions/2018.yaml", "outputs/2019/base"),
                              ("params/editions/2019.yaml", "outputs/2018/base")])
    out = tmp_path / "out" / "series"
    result = iq("series", str(path), "--out", str(out))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "was not made from params/editions/2018.yaml" in result.stderr
    assert not out.exists() and not (tmp_path / "out").exists()
