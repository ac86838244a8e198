"""Bad params end in one clear message naming the file and key, exit code 2, no traceback."""

from pathlib import Path

import pytest
import yaml
from conftest import ROOT, iq

from iqlib.config.params import load_params
from iqlib.core.errors import UserError

EDITION = ROOT / "params" / "editions" / "2019.yaml"


def edition_with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(EDITION.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "edition.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_demo_edition_loads():
    params = load_params(EDITION)
    assert params.edition.edition == 2019
    assert params.group_codes == ["krupneyshie", "krupnye", "bolshie", "lt100k"]
    assert len(params.methodology.indicators) == 47
    assert params.methodology.level_codes("direction") == [f"D{i}" for i in range(1, 11)]
    assert params.methodology.index_code == "IQ"


def _set(path: str, value):
    def change(data):
        node = data
        *parents, last = path.split(".")
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value
    return change


@pytest.mark.parametrize("change,fragment", [
    (_set("colour", "red"), "unknown key 'colour'"),
    (_set("seed", "abc"), "key 'seed': Input should be a valid integer"),
    (_set("inputs.values", "data/nowhere.csv"), "key 'inputs.values': file not found: data/nowhere.csv"),
    (_set("methodology", "params/methodology/nope.yaml"), "key 'methodology': file not found"),
    (_set("groups.1.min_population", 2_000_000), "group thresholds must strictly decrease: krupneyshie (1000000) then krupnye (2000000)"),
    (_set("groups.3.min_population", 10), "the last group (lt100k) must start at min_population 0"),
    (_set("groups.2.min_population", -5), "key 'groups.bolshie.min_population': Input should be greater than or equal to 0"),
    (_set("language", "de"), "key 'language': Input should be 'ru' or 'en'"),
    (lambda d: d.pop("scenario"), "missing key 'scenario'"),
    (_set("groups.0.code", "../figure"), "key 'groups.../figure.code': String should match pattern"),
    (_set("stage_timeout_seconds", 10**20), "key 'stage_timeout_seconds': Input should be less than or equal to 86400"),
])
def test_bad_edition_is_one_clear_error(tmp_path, change, fragment):
    path = edition_with(tmp_path, change)
    with pytest.raises(UserError) as err:
        load_params(path)
    assert fragment in str(err.value)
    assert "edition.yaml" in str(err.value)


def test_methodology_errors_name_the_code(tmp_path):
    meth = yaml.safe_load((ROOT / "params/methodology/iq_v1.yaml").read_text(encoding="utf-8"))
    meth["indicators"][5]["parent"] = "D99"
    meth["indicators"][6]["code"] = "I01"
    mpath = tmp_path / "m.yaml"
    mpath.write_text(yaml.safe_dump(meth, allow_unicode=True), encoding="utf-8")
    path = edition_with(tmp_path, _set("methodology", str(mpath)))
    with pytest.raises(UserError, match="duplicate node code\\(s\\): I01"):
        load_params(path)
    meth["indicators"][6]["code"] = "I07"
    mpath.write_text(yaml.safe_dump(meth, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError, match=r"I06: parent 'D99' is not an aggregate of the framework"):
        load_params(path)


def test_invalid_yaml_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("edition: 2019\nseed: [1, 2\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"broken.yaml: not valid YAML \(line 3"):
        load_params(path)


def test_yaml_is_read_with_the_safe_loader(tmp_path):
    path = tmp_path / "evil.yaml"
    path.write_text("edition: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(UserError, match="not valid YAML"):
        load_params(path)


@pytest.mark.e2e
def test_cli_bad_params_exit_2_no_traceback_nothing_written(tmp_path):
    path = edition_with(tmp_path, _set("groups.1.min_population", 2_000_000))
    out = tmp_path / "run"
    result = iq("run", str(path), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "group thresholds must strictly decrease" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not out.exists() and list(tmp_path.iterdir()) == [path]


@pytest.mark.e2e
def test_cli_missing_params_file():
    result = iq("validate", "params/editions/1999.yaml")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: params/editions/1999.yaml: file not found"


@pytest.mark.parametrize("text,message", [
    ("edition: 2019\nseed: 1\nedition: 2020\n", r"key 'edition' given twice \(line 1 and line 3\)"),
    ('a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n'
     'c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n',
     r"anchors and aliases \(& and \*\) are not accepted \(the value anchored on line 1 is reused\)"),
    ("a: " + "[" * 5000 + "]" * 5000 + "\n", r"not valid YAML \(line 1, column \d+\): exceeded maximum nesting depth"),
    ("".join(" " * i + f"k{i}:\n" for i in range(100)) + " " * 100 + "v: 1\n", r"nested more than 64 levels deep"),
])
def test_hostile_yaml_is_refused_at_once_naming_file_and_line(tmp_path, text, message):
    """A key given twice would silently lose a value; an alias bomb expands to gigabytes;
    absurd nesting exhausts the stack: each is one message naming the file and line."""
    from iqlib.config.yamlfile import read_yaml

    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=r"hostile.yaml: " + message):
        read_yaml(path)


@pytest.mark.parametrize("change,fragment", [
    (lambda m: m["aggregates"][1].update(weight=float("inf")), "Input should be a finite number"),
    (lambda m: [i.update(weight=0) for i in m["indicators"] if i["parent"] == "D3"],
     "every child of D3 has weight 0"),
    (lambda m: [a.update(weight=0) for a in m["aggregates"] if a["level"] == "direction"],
     "every child of IQ has weight 0"),
])
def test_weights_that_define_no_mean_are_refused(tmp_path, change, fragment):
    meth = yaml.safe_load((ROOT / "params/methodology/iq_v1.yaml").read_text(encoding="utf-8"))
    change(meth)
    mpath = tmp_path / "m.yaml"
    mpath.write_text(yaml.safe_dump(meth, allow_unicode=True), encoding="utf-8")
    path = edition_with(tmp_path, _set("methodology", str(mpath)))
    with pytest.raises(UserError, match=fragment):
        load_params(path)


def test_a_base_edition_that_is_not_an_edition_is_refused_by_validate(tmp_path):
    other = tmp_path / "not-an-edition.yaml"
    other.write_text("colour: red\n", encoding="utf-8")
    path = edition_with(tmp_path, _set("base_edition", str(other)))
    with pytest.raises(UserError, match=r"key 'base_edition': .*not-an-edition.yaml is not a valid edition: "):
        load_params(path)


def test_names_reach_the_index_page_escaped(tmp_path):
    import pandas as pd

    from iqlib.presentation.pages import index_html

    params = load_params(EDITION)
    hostile = "<img src=x onerror=alert(1)>"
    groups = [g.model_copy(update={"name_ru": hostile}) for g in params.edition.groups]
    params.edition = params.edition.model_copy(update={"groups": groups, "title_ru": hostile})
    scores = pd.read_csv(ROOT / "outputs/2019/base/results/scores.csv", dtype={"city_id": str})
    scores.loc[0, "city_ru"] = hostile
    page = index_html(params, ["01_load"], scores, ["scores.csv"], [f"leaderboard_{hostile}.png"])
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def _scenario(tmp_path: Path, **edition) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump({"extends": "params/editions/2019.yaml", "scenario": "d4-double",
                                    "edition": edition, "methodology": {"aggregates": {"D4": {"weight": 2}}}},
                                   allow_unicode=True), encoding="utf-8")
    return path


TITLE_RU = "IQ городов — 2019 (демонстрационный расчёт на синтетических данных)"
TITLE_EN = "IQ of Cities — 2019 (demonstration on synthetic data)"


def test_params_hold_the_raw_title_and_the_reader_title_comes_from_the_catalogue(tmp_path):
    """Config keeps data (the edition's title, which languages a scenario left untitled, the
    draft flag); presentation.titles composes the words, as before the words left config."""
    from iqlib.config.params import params_from_resolved
    from iqlib.presentation.titles import run_title

    edition = load_params(EDITION)
    assert (edition.edition.title_ru, edition.edition.title_en) == (TITLE_RU, TITLE_EN)
    assert edition.inherited_title == () and run_title(edition) == TITLE_RU
    assert run_title(edition.as_draft()) == "ЧЕРНОВИК — " + TITLE_RU

    untitled = load_params(_scenario(tmp_path))
    assert untitled.edition.title_ru == TITLE_RU and untitled.inherited_title == ("ru", "en")
    assert run_title(untitled) == TITLE_RU + " — сценарий «d4-double» на основе издания 2019"
    assert run_title(untitled.as_draft()) == "ЧЕРНОВИК — " + TITLE_RU + " — сценарий «d4-double» на основе издания 2019"
    english = untitled.as_draft()
    english.edition = english.edition.model_copy(update={"language": "en"})
    assert run_title(english) == "DRAFT — " + TITLE_EN + " — scenario 'd4-double' of edition 2019"

    # the manifest's params.resolved keeps what a comparison page needs to name the scenario
    resolved = untitled.resolved()
    assert resolved["inherited_title"] == ["ru", "en"]
    assert run_title(params_from_resolved(resolved, "scenario.yaml")) == run_title(untitled)
    assert "inherited_title" not in edition.resolved()   # an edition's record is as before

    titled = load_params(_scenario(tmp_path, title_ru="Двойной вес D4"))
    assert titled.inherited_title == ("en",) and run_title(titled) == "Двойной вес D4"
    titled.edition = titled.edition.model_copy(update={"language": "en"})
    assert run_title(titled) == TITLE_EN + " — scenario 'd4-double' of edition 2019"
