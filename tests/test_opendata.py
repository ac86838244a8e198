"""Open data (issue 22, item 3): the Frictionless data package of every run, validated by the
``frictionless`` library; the static JSON API, against the published ``scores.csv`` and
``uncertainty.csv``; the codebook pages, their goalposts and the links to them.

The fast tests write one package into a temporary folder; the ones marked slow read the
site of every published run (conftest's ``demo_site``, built once per session)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from iqlib.config.params import load_params
from iqlib.publishing import opendata
from iqlib.publishing.site import load_run

OUT = ROOT / "outputs"
RUNS = sorted(p.parent.relative_to(OUT).as_posix() for p in OUT.glob("*/*/manifest.json")
              if p.parent.parent.name != "series")
BASES = [k for k in RUNS if k.endswith("/base")]
INDICATORS = 47


def _text(path: Path) -> list[dict[str, str]]:
    """A published CSV as its text (no number parsing): what the API must carry."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _num(text: str) -> float | None:
    return None if text == "" else float(text)


def _int(text: str) -> int | None:
    return None if text == "" else int(float(text))


# --------------------------------------------------------------------------- fast: the pieces
@pytest.mark.parametrize(("values", "expected"), [
    (["1", "-2", "", "0"], "integer"),
    (["1.5", "2", "-0.25", "4.9e-16"], "number"),
    (["True", "False", ""], "boolean"),
    (["01", "2"], "string"),            # a leading zero is a code, not a number
    (["", ""], "string"),
    (["1", "a"], "string"),
    (["1", "True"], "string"),
])
def test_a_field_type_is_inferred_from_the_published_text(values, expected):
    assert opendata.field_type(values) == expected


def test_the_licence_is_the_editions_in_frictionless_form():
    params = load_params(ROOT / "params/editions/2019.yaml", check_inputs=False)
    assert opendata.licence(params) == [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/deed.ru",
                                         "title": "CC BY 4.0"}]
    bare = opendata.in_language(params, "ru")
    bare.edition = bare.edition.model_copy(update={"publication": None})
    assert opendata.licence(bare) is None


def test_the_zip_has_sorted_members_fixed_times_and_the_same_bytes_every_time(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in (("b.csv", "x\n2\n"), ("a.csv", "x\n1\n"), ("README.md", "# r\n")):
        (folder / name).write_text(text, encoding="utf-8")
    opendata.zip_folder(folder, tmp_path / "one.zip", "iq-2019-base-data")
    (folder / "a.csv").touch()                       # a newer time on disk changes nothing
    opendata.zip_folder(folder, tmp_path / "two.zip", "iq-2019-base-data")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as z:
        assert z.namelist() == ["iq-2019-base-data/README.md", "iq-2019-base-data/a.csv", "iq-2019-base-data/b.csv"]
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.read("iq-2019-base-data/b.csv") == b"x\n2\n"


@pytest.fixture(scope="module")
def package_2019(tmp_path_factory) -> tuple[Path, dict]:
    """The data package of outputs/2019/base written beside copies of its CSV files."""
    folder = tmp_path_factory.mktemp("package") / "data"
    shutil.copytree(OUT / "2019/base/results", folder)
    run = load_run(OUT / "2019/base")
    manifest = json.loads((OUT / "2019/base/manifest.json").read_text(encoding="utf-8"))
    pack = opendata.package(run.params, folder, manifest)
    (folder / "datapackage.json").write_text(opendata.dump(pack), encoding="utf-8")
    return folder, pack


def test_the_package_describes_every_csv_with_its_bytes_hash_and_header(package_2019):
    folder, pack = package_2019
    files = sorted(p.name for p in folder.glob("*.csv"))
    assert [r["path"] for r in pack["resources"]] == files
    for r in pack["resources"]:
        raw = (folder / r["path"]).read_bytes()
        assert r["bytes"] == len(raw) and r["hash"] == "sha256:" + hashlib.sha256(raw).hexdigest()
        header = next(csv.reader([raw.decode("utf-8").splitlines()[0]]))
        assert [f["name"] for f in r["schema"]["fields"]] == header
        assert r["schema"]["missingValues"] == [""] and r["encoding"] == "utf-8" and r["format"] == "csv"
        assert all(f["title_ru"] and f["title_en"] and f["description_ru"] and f["description_en"]
                   for f in r["schema"]["fields"])
    assert pack["synthetic"] is True and "синтетические" in pack["description_ru"] and "synthetic" in pack["description_en"]
    finished = json.loads((OUT / "2019/base/manifest.json").read_text(encoding="utf-8"))["finished"]
    assert pack["version"] == "2026-12-04" and pack["created"] == finished      # the edition's date; the run's end
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", finished)
    assert pack["contributors"][0]["role"] == "publisher"


def test_the_schema_carries_types_units_and_keys_as_the_data_are(package_2019):
    _, pack = package_2019
    res = {r["name"]: r for r in pack["resources"]}
    scores = {f["name"]: f for f in res["scores"]["schema"]["fields"]}
    assert res["scores"]["schema"]["primaryKey"] == ["city_id"]
    assert (scores["IQ"]["type"], scores["rank_in_group"]["type"], scores["city_ru"]["type"]) == ("number", "integer", "string")
    assert scores["IQ"]["unit_ru"] == "баллы" and scores["rank_in_group"]["title_ru"] == "Место в группе"
    assert scores["rank_in_group"]["title_en"] == "Rank in group"
    values = {f["name"]: f for f in res["values"]["schema"]["fields"]}
    assert values["I02"]["unit_ru"] == "на 10 тыс. жителей" and values["I02"]["unit_en"] == "per 10 000 residents"
    assert "меньше — лучше" in values["I12"]["description_ru"] and "больше — лучше" in values["I02"]["description_ru"]
    official = {f["name"]: f for f in res["official"]["schema"]["fields"]}
    assert official["rank_matches"]["type"] == "boolean"
    assert res["accounting"]["schema"].get("primaryKey") == ["indicator"]


def test_frictionless_validates_the_package_and_sees_a_broken_one(package_2019, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    folder, _ = package_2019
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:20]
    broken = tmp_path / "data"                       # a text in an integer column, and bytes that no longer match
    shutil.copytree(folder, broken)
    scores = (broken / "scores.csv").read_text(encoding="utf-8").replace(",1,1\n", ",один,1\n", 1)
    (broken / "scores.csv").write_text(scores, encoding="utf-8")
    errors = {e[0] for e in frictionless.validate(broken / "datapackage.json").flatten(["type"])}
    assert {"type-error", "hash-count"} <= errors or {"type-error", "byte-count"} <= errors, errors


# --------------------------------------------------------------------------- slow: the site
@pytest.mark.slow
def test_every_data_package_of_the_site_is_valid(demo_site):
    frictionless = pytest.importorskip("frictionless")
    for key in RUNS:
        data = demo_site / key / "downloads" / "data"
        report = frictionless.validate(data / "datapackage.json")
        assert report.valid, (key, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:20])
        pack = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
        assert sorted(r["path"] for r in pack["resources"]) == sorted(p.name for p in (OUT / key / "results").glob("*.csv"))
        assert (data / "README.md").is_file()
        stem = f"iq-{key.replace('/', '-')}-data"
        with zipfile.ZipFile(demo_site / key / "downloads" / f"{stem}.zip") as z:
            names = z.namelist()
            assert names == sorted(names) and f"{stem}/datapackage.json" in names
            assert z.read(f"{stem}/scores.csv") == (OUT / key / "results" / "scores.csv").read_bytes()


@pytest.mark.slow
def test_the_json_api_carries_every_published_score_place_and_interval(demo_site):
    api = demo_site / "api" / "v1"
    index = json.loads((api / "index.json").read_text(encoding="utf-8"))
    assert [f"{r['edition']}/{r['scenario']}" for r in index["runs"]] == sorted(RUNS, key=lambda k: (k[:4], k != f"{k[:4]}/base"))
    for entry in index["runs"]:
        key = f"{entry['edition']}/{entry['scenario']}"
        assert entry["json"] == f"api/v1/{key}.json" and (demo_site / entry["page"]).is_file()
        assert (demo_site / entry["datapackage"]).is_file() and (demo_site / entry["zip"]).is_file()
        run = json.loads((demo_site / entry["json"]).read_text(encoding="utf-8"))
        published = _text(OUT / key / "results" / "scores.csv")
        intervals = {r["city_id"]: r for r in _text(OUT / key / "results" / "uncertainty.csv")}
        assert run["synthetic"] is True and run["decimals"] == 2 and run["method"]["id"] == "iq_v1"
        assert [c["id"] for c in run["cities"]] == [r["city_id"] for r in published]
        for city, row in zip(run["cities"], published):
            assert city["IQ"] == _num(row["IQ"]) and city["name"] == row["city_ru"] and city["group"]["code"] == row["group"]
            assert city["directions"] == {f"D{k}": _num(row[f"D{k}"]) for k in range(1, 11)}
            assert (city["rank_in_group"], city["rank_overall"]) == (_int(row["rank_in_group"]), _int(row["rank_overall"]))
            iv = intervals[row["city_id"]]
            expected = None if iv["p5_in_group"] == "" else {"low": _int(iv["p5_in_group"]), "high": _int(iv["p95_in_group"])}
            assert city["interval"] == expected


@pytest.mark.slow
def test_a_citys_json_is_its_history_over_the_base_editions(demo_site):
    api = demo_site / "api" / "v1"
    rows = {key: {r["city_id"]: r for r in _text(OUT / key / "results" / "scores.csv")} for key in BASES}
    everyone = sorted(set().union(*rows.values()))
    assert sorted(p.stem for p in (api / "cities").glob("*.json")) == everyone
    for cid in everyone:
        city = json.loads((api / "cities" / f"{cid}.json").read_text(encoding="utf-8"))
        expected = [(int(k[:4]), _num(rows[k][cid]["IQ"]), _int(rows[k][cid]["rank_in_group"]), rows[k][cid]["group"])
                    for k in BASES if cid in rows[k]]
        assert [(h["edition"], h["IQ"], h["rank_in_group"], h["group"]["code"]) for h in city["history"]] == expected
    series = json.loads((api / "series.json").read_text(encoding="utf-8"))
    averages = {int(k[:4]): pd.read_csv(OUT / k / "results" / "group_summary.csv").set_index("group").at["all", "mean"]
                for k in BASES}
    assert {e["edition"]: e["average"] for e in series["editions"]} == averages


def _visible_cells(page: str) -> list[list[str]]:
    """The rows of a page's tables as their cells' text."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


def _ru(x: float) -> str:
    """A raw value as the codebook writes it: at most three decimals, decimal comma, thin space."""
    text = f"{x:,.3f}".rstrip("0").rstrip(".").replace(",", "\u202f").replace(".", ",")
    return text


@pytest.mark.slow
def test_the_codebook_has_a_page_per_indicator_and_shows_the_goalposts_this_run_used(demo_site):
    for key in RUNS:
        folder = demo_site / key / "indicators"
        pages = sorted(p.name for p in folder.glob("I*.html"))
        assert len(pages) == INDICATORS and (folder / "index.html").is_file()
        index = (folder / "index.html").read_text(encoding="utf-8")
        assert all(f'href="{p}"' in index for p in pages)
        for p in pages:
            page = (folder / p).read_text(encoding="utf-8")
            assert 'href="index.html"' in page and 'href="../method.html"' in page
            assert "<th>" not in page                 # every header cell has its scope
        # the framework's status: I01's direction is the questionnaire's, I09's is inferred
        statuses = {row[0]: row[-1] for row in _visible_cells(index)[1:]}
        assert statuses[next(k for k in statuses if k.startswith("I01 "))] == "подтверждён"
        assert statuses[next(k for k in statuses if k.startswith("I09 "))] == "реконструирован"
        assert "реконструирован: отнесение к направлению выведено" in (folder / "I09.html").read_text(encoding="utf-8")
        # I24 (congestion): its direction is the questionnaire's, its polarity (lower is better) inferred
        assert statuses[next(k for k in statuses if k.startswith("I24 "))] == "реконструирован"
        i24 = (folder / "I24.html").read_text(encoding="utf-8")
        assert "полярность выведена из смысла показателя" in i24 and "отнесение к направлению выведено" not in i24
    # I02 (per 10 000 residents, higher is better) in the group of the largest cities:
    # the base run: min–max of the 2019 values; the scenario: 0 to the 2018 group maximum
    values19 = pd.read_csv(OUT / "2019/base/results/values.csv", index_col="city_id")["I02"]
    groups19 = pd.read_csv(OUT / "2019/base/results/scores.csv", index_col="city_id")["group"]
    values18 = pd.read_csv(OUT / "2018/base/results/values.csv", index_col="city_id")["I02"]
    groups18 = pd.read_csv(OUT / "2018/base/results/cities.csv", index_col="city_id")["group"]
    largest = values19[groups19.reindex(values19.index) == "krupneyshie"].dropna()
    post = values18[groups18.reindex(values18.index) == "krupneyshie"].max()
    base = _visible_cells((demo_site / "2019/base/indicators/I02.html").read_text(encoding="utf-8"))
    scenario = _visible_cells((demo_site / "2019/reference-bounds/indicators/I02.html").read_text(encoding="utf-8"))
    name = "Крупнейшие города (от 1 млн)"
    assert [name, _ru(largest.min()), _ru(largest.max())] in base
    assert [name, "0", _ru(post)] in scenario
    assert _ru(post) != _ru(largest.max())
    # I12 (crimes, lower is better): the worst value is the group's highest
    crimes = pd.read_csv(OUT / "2019/base/results/values.csv", index_col="city_id")["I12"]
    crimes = crimes[groups19.reindex(crimes.index) == "krupneyshie"].dropna()
    assert [name, _ru(crimes.max()), _ru(crimes.min())] in _visible_cells(
        (demo_site / "2019/base/indicators/I12.html").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_the_method_page_the_passports_and_the_edition_page_link_to_the_codebook_and_the_data(demo_site):
    run = demo_site / "2019/base"
    method = (run / "method.html").read_text(encoding="utf-8")
    assert all(f'href="indicators/I{k:02d}.html"' in method for k in range(1, INDICATORS + 1))
    assert 'href="indicators/index.html"' in method
    passport = (run / "city" / "moskva.html").read_text(encoding="utf-8")
    assert all(f'href="../indicators/I{k:02d}.html"' in passport for k in range(1, INDICATORS + 1))
    edition = (run / "index.html").read_text(encoding="utf-8")
    for href in ("downloads/iq-2019-base-data.zip", "downloads/data/datapackage.json", "indicators/index.html",
                 "../../api/v1/index.json"):
        assert f'href="{href}"' in edition and (run / href).resolve().is_file(), href
