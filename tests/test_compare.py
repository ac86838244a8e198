"""``iq compare``: two rankings side by side, by hand on a small case and on the published runs."""

from __future__ import annotations

import json
import re
import shutil

import html5lib
import pandas as pd
import pytest
from conftest import ROOT

from iqlib.analysis.compare import compare
from iqlib.core.errors import UserError
from iqlib.publishing.compare import compare_runs


def table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["city_id", "city_ru", "group", "rank_in_group", "IQ", "D1"])


A = table([("a", "А-град", "g1", 1, 90.0, 9.0), ("b", "Б-град", "g1", 2, 80.0, 8.0), ("c", "В-град", "g1", 3, 70.0, 7.0),
           ("d", "Г-град", "g2", 1, 60.0, 6.0), ("e", "Д-град", "g2", 2, 50.0, 5.0), ("x", "Икс", "g2", 3, 40.0, 4.0)])
B = table([("a", "А-град", "g1", 2, 85.0, 8.5), ("b", "Б-град", "g1", 1, 88.0, 8.8), ("c", "В-град", "g1", 3, 70.0, 7.0),
           ("d", "Г-град", "g1", 4, 65.0, 6.5), ("e", "Д-град", "g2", 1, 55.0, 5.5), ("y", "Игрек", "g2", 2, 30.0, 3.0)])


def test_shifts_statuses_and_correlations_by_hand():
    result = compare(A, B, ["g1", "g2"], ["IQ", "D1"])
    cities = result.cities.set_index("city_id")
    assert cities["status"].to_dict() == {"a": "both", "b": "both", "c": "both", "d": "group_changed",
                                          "e": "both", "x": "only_a", "y": "only_b"}
    # shift = rank in A − rank in B: b rose from 2 to 1 (+1), a fell from 1 to 2 (−1)
    assert cities.loc[["a", "b", "c", "e"], "shift"].tolist() == [-1, 1, 0, 1]
    assert pd.isna(cities.at["d", "shift"]) and pd.isna(cities.at["x", "shift"])
    assert cities.at["b", "IQ_delta"] == pytest.approx(8.0) and cities.at["a", "D1_delta"] == pytest.approx(-0.5)
    assert list(result.cities["city_id"]) == ["b", "a", "c", "d", "e", "y", "x"]   # group, rank in B, code
    g1 = result.summary.set_index("group").loc["g1"]
    # ranks (1, 2, 3) → (2, 1, 3): Spearman 1 − 6·Σd²/(n(n²−1)) = 1 − 6·2/24 = 0.5;
    # Kendall: pairs ab discordant, ac and bc concordant → (2 − 1)/3
    assert g1["spearman"] == pytest.approx(0.5) and g1["kendall"] == pytest.approx(1 / 3)
    assert (g1["compared"], g1["moved"], g1["mean_abs_shift"], g1["max_abs_shift"]) == (3, 2, pytest.approx(2 / 3), 1)
    assert (g1["cities_a"], g1["cities_b"], g1["group_changed"]) == (3, 4, 1)
    assert (g1["leader_a"], g1["leader_b"], g1["leader_changed"]) == ("А-град", "Б-град", True)
    g2 = result.summary.set_index("group").loc["g2"]
    assert (g2["compared"], g2["moved"], g2["only_a"], g2["only_b"]) == (1, 1, 1, 1)
    assert pd.isna(g2["spearman"])           # one city compared: no correlation
    everyone = result.summary.set_index("group").loc["all"]
    assert (everyone["compared"], everyone["moved"], everyone["cities_a"], everyone["cities_b"]) == (4, 3, 6, 6)


@pytest.mark.slow            # the whole stage chain or a published run: make test, not make check
def test_comparing_a_scenario_with_its_base(tmp_path):
    out = compare_runs(ROOT / "outputs/2019/base", ROOT / "outputs/2019/reference-bounds", tmp_path / "cmp")
    summary = pd.read_csv(out / "summary.csv").set_index("group")
    assert (summary.at["all", "compared"], summary.at["all", "moved"], summary.at["all", "max_abs_shift"]) == (203, 159, 19)
    assert summary.at["krupneyshie", "leader_b"] == "Москва"
    cities = pd.read_csv(out / "comparison.csv")
    assert len(cities) == 203 and set(cities["status"]) == {"both"}
    spb = cities.set_index("city_id").loc["sankt-peterburg"]
    assert (spb["IQ_a"], spb["IQ_b"], spb["IQ_delta"]) == (53.86, 50.61, -3.25)
    page = (out / "index.html").read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=True).parse(page)
    shown = re.sub(r'(?:href|data-download)="[^"]*"', "", page)        # link targets and download file names
    assert "outputs/" not in shown and "reference-bounds" not in shown         # no path, no code: links only
    assert '<html lang="ru">' in page and "Сравнение расчётов" in page and "ρ Спирмена" in page
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", page, flags=re.S))   # text, not markup
    rho = f"{summary.at['all', 'spearman']:.2f}"
    assert "▲ 1" in page and rho.replace(".", ",") in visible and rho not in visible
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 5   # a scatter, 4 slope charts
    for name in ("assets", "comparison.xlsx"):
        assert (out / name).exists()
    nav = page.split("<nav>", 1)[1].split("</nav>", 1)[0]             # back to both runs, relative links
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', nav)
    assert [text for _, text in links] == ["А: 2019, базовый расчёт", "Б: 2019, сценарий"]
    assert [(out / href).resolve() for href, _ in links] == [ROOT / "outputs/2019/base/index.html",
                                                             ROOT / "outputs/2019/reference-bounds/index.html"]
    excel = (out / "comparison_excel.csv").read_bytes()
    assert excel.startswith(b"\xef\xbb\xbf") and excel.decode("utf-8-sig").startswith("Код города;Город;Группа;")
    assert ";53,86;50,61;−3,25;".replace("−", "-") in excel.decode("utf-8-sig")
    first = (out / "comparison.xlsx").read_bytes()
    again = compare_runs(ROOT / "outputs/2019/base", ROOT / "outputs/2019/reference-bounds", tmp_path / "cmp")
    assert (again / "comparison.xlsx").read_bytes() == first and (again / "index.html").read_text() == page


def test_comparing_two_editions_lists_the_cities_that_changed_group(tmp_path):
    out = compare_runs(ROOT / "outputs/2019/base", ROOT / "outputs/2020/base", tmp_path / "cmp", language="en")
    cities = pd.read_csv(out / "comparison.csv")
    changed = cities[cities["status"] == "group_changed"]
    assert len(changed) == 4 and changed["shift"].isna().all()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Cities not in both runs, or in another group" in page
    assert "Comparison of two runs: 2019, base run → 2020, base run" in page
    assert "<b>Run A</b>: IQ of Cities — 2019" in page and "IQ городов" not in page   # both runs named in English


def test_runs_of_different_frameworks_need_force(tmp_path):
    other = tmp_path / "other"
    shutil.copytree(ROOT / "outputs/2019/base", other)
    man = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
    for ind in man["params"]["resolved"]["methodology"]["indicators"]:
        if ind["code"] == "I47":
            ind["parent"] = "D8"
    (other / "manifest.json").write_text(json.dumps(man, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(UserError, match=r"different frameworks \(1 nodes only in A, 1 only in B: I47"):
        compare_runs(ROOT / "outputs/2019/base", other, tmp_path / "cmp")
    assert not (tmp_path / "cmp").exists()
    out = compare_runs(ROOT / "outputs/2019/base", other, tmp_path / "cmp", force=True)
    assert "IQ_a" in pd.read_csv(out / "comparison.csv").columns
    assert "D1_a" not in pd.read_csv(out / "comparison.csv").columns
    assert "только индекс" in (out / "index.html").read_text(encoding="utf-8")


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    with pytest.raises(UserError, match="not a run folder"):
        compare_runs(ROOT / "outputs/2019/base", tmp_path, tmp_path / "cmp")
    with pytest.raises(UserError, match="no such folder"):
        compare_runs(ROOT / "outputs/2019/base", tmp_path / "nope", tmp_path / "cmp")
    # a series folder, a manifest that is not a run's, and one without the run's params: one message each, nothing written
    cases = {"series": None, "list": [1], "no-params": {"edition": {}, "params": {}, "methodology": {}, "inputs": {},
                                                            "outputs": {}}}
    expected = {"series": "a series folder \\(iq series\\), not a run",
                "list": "not a run folder \\(its manifest.json is not a run's manifest\\)",
                "no-params": "not a run folder \\(its manifest.json lacks params.resolved\\)"}
    for name, manifest in cases.items():
        folder = ROOT / "outputs/series/iq_v1" if manifest is None else tmp_path / name
        if manifest is not None:
            folder.mkdir()
            (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        for a, b in ((folder, ROOT / "outputs/2019/base"), (ROOT / "outputs/2019/base", folder)):
            with pytest.raises(UserError, match=expected[name]):
                compare_runs(a, b, tmp_path / "cmp")
            assert not (tmp_path / "cmp").exists()
    (tmp_path / "keep").mkdir()
    (tmp_path / "keep" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="holds no comparison"):
        compare_runs(ROOT / "outputs/2019/base", ROOT / "outputs/2019/reference-bounds", tmp_path / "keep")
    assert (tmp_path / "keep" / "notes.txt").read_text() == "mine"
