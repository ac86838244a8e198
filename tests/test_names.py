"""Names and paths (issue 23, item 5): scenario, series and comparison names checked once
(``iqlib/config/names.py``) for length, characters, reserved names and case collisions, by every
command and the API; ``--out`` never inside a run, ``outputs/`` or a site; a non-run argument and
an API argument of the wrong type are one message. Each refusal: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from conftest import FIXTURE_EDITION, ROOT, iq_here

import iqlib
from iqlib.config import names
from iqlib.config.names import FOLDERS, LENGTH, check_name, check_out
from iqlib.core.errors import UserError
from iqlib.io.hashing import MANIFEST
from iqlib.presentation.figures import stem
from iqlib.publishing.filenames import excel_csv_name, run_stem
from iqlib.scenarios import Scenario

EDITION = "params/editions/2019.yaml"
LONG = "a" * (LENGTH + 1)


def tree(folder: Path) -> set[str]:
    """Every file and folder under ``folder``, relative: what a refused command must leave as it was."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


# ------------------------------------------------------------------------------------------- the rules
@pytest.mark.parametrize("name,message", [
    (LONG, f"scenario name {LONG!r} is 41 characters long, at most 40 allowed"),
    ("x" * 1_000_000, "scenario name 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (1000000 characters) is "
                      "1000000 characters long"),
    ("Base", "scenario name 'Base': only small Latin letters, digits, _ and -, starting with a letter or a digit"),
    ("d4 double", "only small Latin letters"),
    ("-x", "only small Latin letters"),
    (".hidden", "only small Latin letters"),
    ("", "only small Latin letters"),
    ("2019-a__2019-b", "scenario name '2019-a__2019-b': '__' separates the two runs in the name of a comparison"),
    ("results", "scenario name 'results' is the name of a folder of the project: a folder of every run"),
    ("comparisons", "is the name of a folder of the project: the comparisons beside the runs"),
    ("api", "is the name of a folder of the project: a folder of the site"),
    ("outputs", "is the name of a folder of the project: the published runs"),
    ("con", "scenario name 'con' names a device on Windows"),
    ("lpt1", "names a device on Windows"),
    ("base-draft", "scenario name 'base-draft': a name ending in -draft is the folder of a draft"),
    ("base_draft", "a name ending in -draft is the folder of a draft"),
])
def test_a_name_breaking_a_rule_is_one_message_naming_it_and_the_rule(name, message):
    with pytest.raises(UserError) as err:
        check_name(name, "scenario")
    assert str(err.value).startswith(message[:60]) or message in str(err.value)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300       # one line, never the whole name


@pytest.mark.parametrize("name", ["base", "reference-bounds", "d4_double", "whatif-1", "iq_v1", "a" * LENGTH, "2019"])
def test_names_in_use_pass(name):
    assert check_name(name, "scenario") == name


def test_the_longest_file_named_after_a_name_stays_well_under_255_bytes():
    # every code at its maximum (limits.CODE = 64), the name at LENGTH: the file names the project builds from them
    code = "c" * 64
    run = SimpleNamespace(params=SimpleNamespace(methodology=SimpleNamespace(index_code=code),
                                                 edition=SimpleNamespace(edition=2019, scenario="s" * LENGTH)))
    longest = {
        "CSV for Excel": excel_csv_name(run_stem(run), f"summary_{code}"),
        "comparison chart": stem("comparison", 2019, "a" * LENGTH, 2019, "b" * LENGTH) + f"-{code}.svg",
        "comparison folder": f".staging-2019-{'a' * LENGTH}__2019-{'b' * LENGTH}",
        "run staging": f".staging-{'s' * LENGTH}-{4_194_304}",
        "figure": f"leaderboard_{code}__2019-{'s' * LENGTH}.svg",
    }
    sizes = {what: len(name.encode()) for what, name in longest.items()}
    assert sizes == {"CSV for Excel": 187, "comparison chart": 171, "comparison folder": 101, "run staging": 57,
                     "figure": 127}
    assert max(sizes.values()) <= 255 - 64          # well under: a quarter of the room left


def test_every_folder_the_project_writes_is_a_reserved_name():
    """The folders of the project and of every published run and series (outputs/, committed):
    no scenario or series may take one of their names."""
    written = {"outputs", "runs", "site", *names.SOURCES}
    for manifest in ROOT.glob("outputs/**/" + MANIFEST):
        folder = manifest.parent
        written |= {p.name for p in folder.rglob("*") if p.is_dir()}
        written |= {p.name for p in folder.parent.iterdir() if p.is_dir() and not (p / MANIFEST).is_file()}
    for comparison in ROOT.glob("outputs/*/comparisons/*"):
        written |= {p.name for p in comparison.rglob("*") if p.is_dir()}
    written |= {p.name for p in (ROOT / "params").iterdir() if p.is_dir()}
    written |= {p.name for p in (ROOT / "data").iterdir() if p.is_dir()}
    written -= {"2018", "2019", "2020", "2021"}       # editions: numbers, never a name
    assert {"results", "figures", "html", "notebooks", "comparisons", "series", "downloads", "excel"} <= written
    assert written <= set(FOLDERS)
    for name in written:
        assert names.name_problem(name) is not None


def test_the_models_take_the_one_check():
    from iqlib.config.edition import Edition
    from iqlib.config.scenario import Scenario
    from iqlib.config.series import Series

    for model, field in ((Edition, "scenario"), (Scenario, "scenario"), (Series, "series")):
        assert model.model_fields[field].metadata[0].func is names._valid
    assert MANIFEST == names.MANIFEST


# ---------------------------------------------------- every entry point: long, reserved, case collision
def test_the_api_refuses_a_long_a_reserved_and_a_colliding_name_writing_nothing(tmp_path):
    (tmp_path / "Whatif.yaml").write_text("kept\n", encoding="utf-8")
    before = tree(tmp_path)
    for name, message in ((LONG, "is 41 characters long"), ("results", "is the name of a folder of the project")):
        with pytest.raises(UserError, match=f"^scenario name {name!r} {message}"):
            iqlib.scenario(EDITION, name, weights={"D4": 2})
    with pytest.raises(UserError, match=r"^scenario name 'whatif': .*Whatif.yaml exists and differs from whatif.yaml only "
                                        r"in case"):
        iqlib.scenario(EDITION, "whatif", weights={"D4": 2}).save(tmp_path)
    with pytest.raises(UserError, match=f"^scenario name {LONG!r} is 41 characters long"):     # a Scenario built directly
        Scenario(EDITION, LONG).save(tmp_path / "new" / "folder")
    assert tree(tmp_path) == before                # no file, no empty folder


@pytest.mark.slow            # the explorer's widgets and base ranking: about 3 s
def test_the_explorer_saves_through_the_same_check(tmp_path):
    from iqlib.explorer import Explorer

    explorer = Explorer(FIXTURE_EDITION, folder=tmp_path / "scenarios")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "Mine.yaml").write_text("kept\n", encoding="utf-8")
    before = tree(tmp_path)
    for name, message in ((LONG, "is 41 characters long"), ("results", "is the name of a folder of the project"),
                          ("mine", "Mine.yaml exists and differs from mine.yaml only in case"),
                          ("mini", "&#x27;mini&#x27; is the name of the run of the edition it extends")):
        explorer.name.value = name
        assert explorer.save() is None and message in explorer.status.value, explorer.status.value
    assert tree(tmp_path) == before


def test_save_refuses_the_editions_own_run_and_a_name_another_scenario_file_declares(tmp_path):
    with pytest.raises(UserError, match="'base' is the name of the run of the edition it extends .*runs/2019/base"):
        iqlib.scenario(EDITION, "base", weights={"D4": 2}).save(tmp_path)
    (tmp_path / "other.yaml").write_text(f"extends: {EDITION}\nscenario: d4-double\n", encoding="utf-8")
    with pytest.raises(UserError, match="other.yaml already declares scenario 'd4-double' of edition 2019"):
        iqlib.scenario(EDITION, "d4_double", weights={"D4": 2}).save(tmp_path)
    assert tree(tmp_path) == {"other.yaml"}
    path = iqlib.scenario("params/editions/2020.yaml", "d4_double", weights={"D4": 2}).save(tmp_path)   # another edition
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["scenario"] == "d4_double"


def _scenario_file(folder: Path, name: str) -> Path:
    path = folder / "scenario.yaml"
    path.write_text(f"extends: {FIXTURE_EDITION}\nscenario: {name}\n", encoding="utf-8")
    return path


def test_iq_run_refuses_a_long_a_reserved_and_a_colliding_name_writing_nothing(tmp_path):
    for name, message in ((LONG, f"key 'scenario': {LONG!r} is 41 characters long"),
                          ("results", "key 'scenario': 'results' is the name of a folder of the project"),
                          ("mini", "key 'scenario': 'mini' is the name of the run of the edition it extends")):
        path = _scenario_file(tmp_path, name)
        result = iq_here("run", str(path), "--out", str(tmp_path / "run"))
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
        assert tree(tmp_path) == {"scenario.yaml"}
    (tmp_path / "run").mkdir()
    result = iq_here("run", FIXTURE_EDITION, "--out", str(tmp_path / "Run"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"run folder {tmp_path / 'Run'}: {tmp_path / 'run'} exists and differs from it only in case" in result.stderr
    assert tree(tmp_path) == {"scenario.yaml", "run"}


def _series_file(folder: Path, name: str) -> Path:
    data = yaml.safe_load((ROOT / "params/series/iq_v1.yaml").read_text(encoding="utf-8"))
    path = folder / "series.yaml"
    path.write_text(yaml.safe_dump({**data, "series": name}, allow_unicode=True), encoding="utf-8")
    return path


def test_iq_series_refuses_a_long_a_reserved_and_a_colliding_name_writing_nothing(tmp_path):
    for name, message in ((LONG, f"key 'series': {LONG!r} is 41 characters long"),
                          ("results", "key 'series': 'results' is the name of a folder of the project")):
        result = iq_here("series", str(_series_file(tmp_path, name)), "--out", str(tmp_path / "out"))
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    (tmp_path / "iq_v1").mkdir()
    result = iq_here("series", str(_series_file(tmp_path, "iq_v1")), "--out", str(tmp_path / "IQ-v1"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert f"series folder {tmp_path / 'IQ-v1'}: {tmp_path / 'iq_v1'} exists and differs" in result.stderr
    assert tree(tmp_path) == {"series.yaml", "iq_v1"}


def test_iq_compare_refuses_a_long_a_reserved_and_a_colliding_folder_writing_nothing(tmp_path):
    (tmp_path / "cmp").mkdir()
    cases = {str(tmp_path / ("c" * 230)): f"the folder name {'c' * 60!r}… (230 characters) is 230 bytes long, at most 223",
             "outputs/2019/base/cmp": "--out outputs/2019/base/cmp is inside the run folder outputs/2019/base",
             str(tmp_path / "CMP"): f"comparison folder {tmp_path / 'CMP'}: {tmp_path / 'cmp'} exists and differs"}
    for out, message in cases.items():
        result = iq_here("compare", "outputs/2019/base", "outputs/2019/reference-bounds", "--out", out)
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert tree(tmp_path) == {"cmp"} and not (ROOT / "outputs/2019/base/cmp").exists()


# ------------------------------------------------------------------------------------------- --out
@pytest.mark.parametrize("command", [
    ["compare", "outputs/2019/base", "outputs/2019/reference-bounds"],
    ["series", "params/series/iq_v1.yaml"],
    ["run", FIXTURE_EDITION],
    ["site"],
    ["template", FIXTURE_EDITION],
])
def test_out_inside_a_run_or_a_site_is_one_message(command, tmp_path):
    site = tmp_path / "site"
    (site / "api" / "v1").mkdir(parents=True)
    (site / "api" / "v1" / "index.json").write_text("{}", encoding="utf-8")
    for out, message in (("outputs/2019/base/x", "is inside the run folder outputs/2019/base (it holds manifest.json"),
                         ("outputs/series/iq_v1/x", "is inside the run folder outputs/series/iq_v1"),
                         (str(site / "x"), f"is inside the site folder {site} (iq site replaces it whole)"),
                         ("site/x", "is inside the site folder site (iq site replaces it whole)")):
        result = iq_here(*command, "--out", out)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"error: iq {command[0]}: --out {out} {message}"), result.stderr
        assert not (ROOT / out).exists() and not (site / "x").exists()


@pytest.mark.parametrize("command,published", [
    (["compare", "outputs/2019/base", "outputs/2019/reference-bounds"], False), (["series", "params/series/iq_v1.yaml"], False),
    (["site"], False), (["run", FIXTURE_EDITION, "--draft"], True), (["template", FIXTURE_EDITION], False)])
def test_out_in_outputs_is_for_published_runs_only(command, published):
    result = iq_here(*command, "--out", "outputs/scratch")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and not (ROOT / "outputs/scratch").exists()
    expected = ("a draft is never written under outputs/" if published
                else f"iq {command[0]}: --out outputs/scratch is in outputs/, which holds published runs only")
    assert expected in result.stderr


def test_iq_site_replaces_only_a_site_and_never_the_published_runs(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("kept", encoding="utf-8")
    (tmp_path / "runs" / "2019" / "base").mkdir(parents=True)
    (tmp_path / "runs" / "2019" / "base" / MANIFEST).write_text("{}", encoding="utf-8")
    before = tree(tmp_path)
    for args, message in (
            (["--out", str(tmp_path / "notes")], f"--out {tmp_path / 'notes'} exists and holds no site"),
            (["--outputs", str(tmp_path / "runs"), "--out", str(tmp_path)], f"--out {tmp_path} holds or is inside the "
                                                                              f"published runs' folder {tmp_path / 'runs'}"),
            (["--out", "outputs"], "--out outputs is in outputs/"),
            (["--out", "."], "--out . is the project's folder or holds it"),
            (["--out", "params"], "--out params is inside the project's params/ folder")):
        result = iq_here("site", *args)
        assert result.returncode == 2 and result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
    assert tree(tmp_path) == before


def test_iq_series_force_replaces_only_a_series(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("kept", encoding="utf-8")
    result = iq_here("series", "params/series/iq_v1.yaml", "--out", str(tmp_path / "mine"), "--force")
    assert result.returncode == 2 and result.stderr == (f"error: {tmp_path / 'mine'} exists and is not a series folder (iq "
                                                        f"series replaces only a series); choose another --out\n")
    assert tree(tmp_path) == {"mine", "mine/notes.txt"}


def test_a_path_part_too_long_for_the_file_system_is_one_message(tmp_path):
    deep = tmp_path / ("d" * 256) / "run"
    with pytest.raises(UserError, match=r"iq run: --out .*: the folder name 'd{60}'… \(256 characters\) is 256 bytes long, "
                                        r"at most 255 allowed"):
        check_out(deep, "iq run")
    assert check_out(tmp_path / "ok", "iq compare") == (tmp_path / "ok").resolve()
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ not a run; arguments of the wrong type
@pytest.mark.parametrize("args,message", [
    (["verify", "outputs/2019/base", "--against", "params"], "error: --against params: not a run folder (no manifest.json)"),
    (["verify", "outputs/2019/base", "--against", "outputs/series/iq_v1"],
     "error: --against outputs/series/iq_v1: a series folder (iq series), not a run"),
    (["verify", "outputs/series/iq_v1", "--quick"], "error: outputs/series/iq_v1 is a series (iq series), not a run"),
    (["verify", "params", "--quick"], "error: params: not a run folder (no manifest.json)"),
    (["series", EDITION], f"error: {EDITION}: an edition or scenario file, not a series file"),
    (["series", "outputs/2019/base"], "error: outputs/2019/base: is a folder, not a file"),
    (["compare", "outputs/series/iq_v1", "outputs/2019/base"], "error: outputs/series/iq_v1: a series folder (iq series), not a run"),
    (["site", "--outputs", "outputs/2019/base", "--out", "runs/never-site"], "error: outputs/2019/base: no published runs"),
])
def test_a_non_run_argument_is_one_message(args, message):
    result = iq_here(*args)
    assert result.returncode == 2 and result.stderr.startswith(message) and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("call,message", [
    (lambda: iqlib.scenario(2019), "scenario argument 'base': expected str or Path, got int (2019)"),
    (lambda: iqlib.scenario(EDITION, 7), "scenario argument 'name': expected str, got int (7)"),
    (lambda: iqlib.scenario(EDITION, description=["x"]), "scenario argument 'description': expected str, got list"),
    (lambda: iqlib.scenario(EDITION, "ok").save(3), "save argument 'folder': expected str or Path, got int (3)"),
    (lambda: iqlib.scenario(EDITION, "ok").save(overwrite="yes"), "save argument 'overwrite': expected bool, got str"),
    (lambda: iqlib.scenario(EDITION, weights={"D1": "abc"}), "scenario argument 'weights': 'D1': 'abc' is not a number"),
])
def test_api_arguments_of_the_wrong_type_are_one_message_naming_the_argument(call, message):
    with pytest.raises(UserError) as err:
        call()
    assert str(err.value).startswith(message)
