"""A corpus of malformed input files: each gives its clear message, exit code 2, no
traceback and nothing written; a messy-but-valid twin loads exactly like the clean one."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import FIXTURE, ROOT, iq

from iqlib import cli
from iqlib.config.params import load_params
from iqlib.io import inputs

CORPUS = ROOT / "tests" / "fixtures" / "malformed"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))


@pytest.mark.e2e
def test_the_cli_itself_exits_2_on_a_malformed_file(tmp_path):
    result = iq("validate", str(edition_with(tmp_path, "v05_not_a_number.values.csv")))
    assert result.returncode == 2 and EXPECTED["v05_not_a_number.values.csv"] in result.stderr


def test_the_corpus_is_large_enough():
    assert len(EXPECTED) >= 25
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.iterdir() if p.name != "expected.yaml")


def edition_with(tmp_path: Path, name: str) -> Path:
    """The mini edition with one input replaced by the malformed file; a '.scenario.yaml'
    file is a scenario of (a copy of) the mini edition, and the file to run."""
    target = tmp_path / name
    shutil.copy(CORPUS / name, target)
    text = (FIXTURE / "edition.yaml").read_text(encoding="utf-8")
    path = tmp_path / "edition.yaml"
    if name.endswith(".scenario.yaml"):
        path.write_text(text, encoding="utf-8")
        scenario = target.read_text(encoding="utf-8")
        assert "extends: tests/fixtures/mini/edition.yaml\n" in scenario
        target.write_text(scenario.replace("tests/fixtures/mini/edition.yaml", str(path)), encoding="utf-8")
        return target
    kind = "values" if ".values." in name else "cities"
    text = text.replace(f"tests/fixtures/mini/{kind}.csv", str(target))
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_file_gives_its_message(tmp_path, name, capsys):
    out = tmp_path / "run"
    code = cli.main(["run", str(edition_with(tmp_path, name)), "--out", str(out)])  # the CLI, in-process
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert EXPECTED[name] in stderr
    assert stderr.startswith("error: ") and "Traceback" not in stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["edition.yaml", name])


@pytest.mark.parametrize("edition", ["edition_csv.yaml", "edition_xlsx.yaml"])
def test_messy_twin_loads_exactly_like_the_clean_fixture(edition):
    clean = inputs.load(load_params(FIXTURE / "edition.yaml"))
    messy = inputs.load(load_params(ROOT / "tests" / "fixtures" / "messy" / edition))
    pd.testing.assert_frame_equal(messy.values, clean.values)
    pd.testing.assert_frame_equal(messy.cities, clean.cities)
    pd.testing.assert_frame_equal(messy.accounting, clean.accounting)
    total = messy.accounting.iloc[-1]
    assert total["cities"] == 12 * 47 == total["read"] + total["missing"]


def test_encodings_and_layouts_are_detected():
    messy = ROOT / "tests" / "fixtures" / "messy"
    assert inputs.read_table(messy / "cities.csv").encoding == "cp1251"
    assert inputs.read_table(messy / "values.csv").encoding == "utf-8"
    assert inputs.read_table(messy / "values_long.xlsx").encoding == "xlsx"
    assert inputs.to_number(pd.Series(["12,5", "1 234 567", "-0,25", "7", "1,2,3", ""])).tolist()[:4] == \
        [12.5, 1234567.0, -0.25, 7.0]


def test_warnings_do_not_stop_the_load(tmp_path):
    values = tmp_path / "values.csv"
    text = (FIXTURE / "values.csv").read_text(encoding="utf-8").splitlines()
    header = text[1].split(",")
    row = text[2].split(",")
    row[header.index("I41")] = "9999999"
    text[2] = ",".join(row)
    values.write_text("\n".join(text) + "\n", encoding="utf-8")
    edition = tmp_path / "edition.yaml"
    edition.write_text((FIXTURE / "edition.yaml").read_text(encoding="utf-8")
                       .replace("tests/fixtures/mini/values.csv", str(values)), encoding="utf-8")
    data = inputs.load(load_params(edition))
    w = data.warnings[data.warnings["code"] == "above_group_median"]
    assert w[["subject", "column", "threshold"]].values.tolist() == [["moskva", "I41", 10.0]]


@pytest.mark.e2e  # the whole 203-city edition through CSV and XLSX files: in make test, not make check
def test_template_round_trip_gives_the_same_scores(tmp_path):
    """Generate the template, fill it with the demo values, load it: same values, same scores."""
    from iqlib.core import engine
    from iqlib.io import template

    params = load_params(ROOT / "params" / "editions" / "2019.yaml")
    demo = inputs.load(params)
    paths = template.write_templates(params, demo.cities, tmp_path)
    expected = engine.compute(demo.values, demo.cities, params.methodology.framework)
    filled = pd.read_csv(paths[0], comment="#", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw = pd.read_csv(params.input_paths["values"], comment="#", dtype=str, keep_default_na=False).set_index("city_id")
    for header in filled.columns[2:]:
        filled[header] = raw.loc[filled["city_id"], header.split(" ", 1)[0]].to_numpy()
    for suffix, writer in [(".csv", lambda f, p: f.to_csv(p, index=False)),
                           (".xlsx", lambda f, p: f.to_excel(p, index=False))]:
        values = tmp_path / f"filled{suffix}"
        writer(filled, values)
        edition = tmp_path / f"edition{suffix}.yaml"
        edition.write_text((ROOT / "params/editions/2019.yaml").read_text(encoding="utf-8")
                           .replace("data/demo/2019/values.csv", str(values))
                           .replace("data/demo/2019/cities.csv", str(ROOT / "data/demo/2019/cities.csv")),
                           encoding="utf-8")
        p = load_params(edition)
        again = inputs.load(p)
        pd.testing.assert_frame_equal(again.values, demo.values)
        b = engine.compute(again.values, again.cities, p.methodology.framework)
        pd.testing.assert_frame_equal(expected.scores, b.scores)
    header = pd.read_excel(paths[1], header=None, nrows=2).iloc[1].tolist()
    assert header[0] == "city_id" and header[2].startswith("I01_1 Наличие цифровой платформы")


LONG = "/tmp/" + "я" * 200 + ".csv"  # 400 bytes in one name: ENAMETOOLONG on every common file system


@pytest.mark.parametrize("where,path,message", [
    ("values", LONG, "key 'inputs.values': cannot be read: the path is too long for the file system "
                     "(its longest name has 404 bytes"),
    ("cities", "/" + "d/" * 2100 + "c.csv", "key 'inputs.cities': cannot be read: the path is too long"),
    ("values", "tests/fixtures", "key 'inputs.values': is a folder, not a file: tests/fixtures"),
    ("values", "/dev/zero", "key 'inputs.values': is not a regular file (a device, pipe or socket): /dev/zero"),
    ("methodology", LONG, "key 'methodology': cannot be read: the path is too long"),
    ("params", LONG, "cannot be read: the path is too long for the file system"),
])
def test_an_unreadable_input_path_is_one_message(tmp_path, capsys, where, path, message):
    """ENAMETOOLONG, a folder or a device where a file is expected: exit 2, the file named,
    no traceback, nothing written (iq validate and iq run)."""
    edition = tmp_path / "edition.yaml"
    text = (FIXTURE / "edition.yaml").read_text(encoding="utf-8")
    old = {"values": "tests/fixtures/mini/values.csv", "cities": "tests/fixtures/mini/cities.csv",
           "methodology": "params/methodology/iq_v1.yaml"}.get(where)
    edition.write_text(text.replace(old, path) if old else text, encoding="utf-8")
    target = path if where == "params" else str(edition)
    for command in (["validate", target], ["run", target, "--out", str(tmp_path / "run")]):
        code = cli.main(command)
        stderr = capsys.readouterr().err
        assert code == 2 and stderr.startswith("error: ") and "Traceback" not in stderr, stderr
        assert message in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["edition.yaml"]


def test_a_file_that_fails_while_being_read_is_one_message(tmp_path, monkeypatch):
    """An OSError while reading (an I/O error, a file removed or locked after validation)."""
    import errno

    from iqlib.core.errors import UserError

    def fail(self):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Path, "read_bytes", fail)
    with pytest.raises(UserError, match=r"values.csv: cannot be read: Input/output error"):
        inputs.read_table(FIXTURE / "values.csv")
