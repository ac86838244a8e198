"""The series across editions: tables by hand, refusal of mixed method versions, and the
published series (official and computed national averages side by side)."""

import json
import shutil

import pandas as pd
import pytest
from conftest import ROOT
from test_published import nbval

from iqlib.analysis import series as S
from iqlib.core.errors import UserError


def _scores(rows):
    return pd.DataFrame(rows, columns=["city_id", "city_ru", "region_ru", "group", "rank_in_group", "IQ"])


def test_series_tables_by_hand():
    y18 = _scores([("a", "А", "R1", "g", 1, 60.0), ("b", "Б", "R1", "g", 2, 40.0), ("c", "В", "R2", "h", 1, 20.0)])
    y19 = _scores([("a", "А", "R1", "g", 2, 62.0), ("b", "Б", "R1", "g", 1, 70.0), ("d", "Г", "R2", "g", 3, 30.0)])
    fixed = {2018: pd.Series({"a": 50.0, "b": 30.0, "c": 10.0}), 2019: pd.Series({"a": 55.0, "b": 45.0, "d": 20.0})}
    p = S.panel({2018: y18, 2019: y19}, "IQ", fixed)
    official = pd.DataFrame({"data_year": [2019, 2022], "national_average": [54.0, 70.0],
                             "change_vs_2018_base_pct": [35.0, 40.0]})
    a = S.averages(p, official, 2018, 2).set_index("year")
    assert a.at[2018, "average"] == 40.0 and a.at[2019, "average"] == 54.0       # (60+40+20)/3, (62+70+30)/3
    assert a.at[2019, "growth_pct"] == 35.0                                       # 54/40 − 1
    assert a.at[2019, "average_fixed"] == 40.0 and a.at[2019, "growth_fixed_pct"] == 33.33   # 40/30 − 1
    assert a.at[2019, "implied_base"] == 40.0                                     # 54 / 1.35
    assert pd.isna(a.at[2022, "average"]) and a.at[2022, "official_average"] == 70.0   # context only
    ch = S.changes(p, 2).set_index("city_id")
    assert ch.at["a", "status"] == "same_group" and ch.at["a", "shift"] == -1 and ch.at["a", "delta"] == 2.0
    assert ch.at["a", "delta_fixed"] == 5.0 and ch.at["a", "delta_scale"] == -3.0  # the scale took 3 points
    assert ch.at["b", "shift"] == 1 and ch.at["c", "status"] == "left" and ch.at["d", "status"] == "entered"
    m = S.movers(S.changes(p, 2), ["g", "h"], n=1)
    assert m[["direction", "city_id", "shift"]].values.tolist() == [["up", "b", 1], ["down", "a", -1]]
    g = S.group_averages(p, ["g", "h"], 2)
    assert g.values.tolist()[:2] == [[2018, "g", 2, 50.0, 40.0], [2018, "h", 1, 20.0, 10.0]]


def test_another_method_version_is_shown_apart_not_joined():
    """methods_differ: show — each year names its method; growth only within the base
    year's method (another scale is not 'growth'); the chart draws each method as its own line."""
    y18 = _scores([("a", "А", "R1", "g", 1, 60.0), ("b", "Б", "R1", "g", 2, 40.0)])
    y22 = _scores([("a", "А", "R1", "g", 1, 200.0), ("b", "Б", "R1", "g", 2, 100.0)])   # a 260-point scale
    p = S.panel({2018: y18, 2022: y22}, "IQ")
    official = pd.DataFrame({"data_year": [2022], "national_average": [55.0], "change_vs_2018_base_pct": [39.78]})
    a = S.averages(p, official, 2018, 2, pd.Series({2018: "iq_v1", 2022: "iq_v2"})).set_index("year")
    assert a.at[2022, "average"] == 150.0 and a.at[2022, "method"] == "iq_v2"
    assert pd.isna(a.at[2022, "growth_pct"]) and a.at[2018, "growth_pct"] == 0.0
    one = S.averages(p, official, 2018, 2, pd.Series({2018: "iq_v1", 2022: "iq_v1"}))
    assert "method" not in one.columns and one.set_index("year").at[2022, "growth_pct"] == 200.0


def test_runs_of_different_method_versions_are_refused(tmp_path):
    from iqlib.publishing import series

    runs = []
    for year, method in [(2018, "iq_v1"), (2019, "iq_v2")]:
        run = tmp_path / str(year)
        run.mkdir()
        man = json.loads((ROOT / "outputs" / str(year) / "base" / "manifest.json").read_text(encoding="utf-8"))
        man["params"]["resolved"]["methodology"]["id"] = method
        (run / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
        runs.append(run)
    text = (ROOT / "params/series/iq_v1.yaml").read_text(encoding="utf-8")
    text = text.replace("  - {params: params/editions/2020.yaml, run: outputs/2020/base}\n", "")
    text = text.replace("  - {params: params/editions/2021.yaml, run: outputs/2021/base}\n", "")
    text = text.replace("run: outputs/2018/base", f"run: {runs[0]}").replace("run: outputs/2019/base", f"run: {runs[1]}")
    path = tmp_path / "series.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=r"different method versions .*iq_v1.*iq_v2.*methods_differ: show"):
        series._methods(series.load_series(path))     # hand-made runs: compute would refuse them as not verified
    path.write_text(text.replace("methods_differ: refuse", "methods_differ: show"), encoding="utf-8")
    shown = series._methods(series.load_series(path))             # accepted, each run with its method
    assert shown["method"].tolist() == ["iq_v1", "iq_v2"]


@pytest.mark.e2e
def test_the_published_series_puts_official_and_computed_averages_side_by_side(tmp_path):
    folder = ROOT / "outputs" / "series" / "iq_v1"
    a = pd.read_csv(folder / "results" / "averages.csv").set_index("year")
    for year in (2019, 2020, 2021):
        assert a.at[year, "average"] == a.at[year, "official_average"]
    assert a.at[2018, "average"] == 34.47 and a.at[2019, "growth_pct"] == 17.99
    assert a.at[2020, "growth_pct"] == 28.14 and a.at[2020, "official_growth_pct"] == 33.35   # the conflict
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "Средний IQ (официально)" in page and "40,67" in page and "синтетические" in page.lower()
    assert (folder / "notebooks" / "series.ipynb").is_file() and (folder / "html" / "series.html").is_file()
    # the executed notebook shows the same averages table, and re-executes to the same
    # printed tables under nbval (on a copy: it writes into its own folder, out_dir "..")
    nb = json.loads((folder / "notebooks" / "series.ipynb").read_text(encoding="utf-8"))
    shown = "".join("".join(o.get("data", {}).get("text/plain", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert "40.67" in shown and "28.14" in shown and "33.35" in shown
    copy = tmp_path / "iq_v1"
    shutil.copytree(folder, copy)
    result = nbval(copy / "notebooks" / "series.ipynb")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "/".join(sorted(p.name for p in (copy / "results").iterdir())) == \
        "/".join(sorted(p.name for p in (folder / "results").iterdir()))
    assert not list(folder.parent.glob(".iq_v1-*"))            # nothing left beside the published folder


@pytest.mark.e2e
def test_verify_names_a_series_folder_instead_of_failing(tmp_path):
    from conftest import iq
    result = iq("verify", "outputs/series/iq_v1", "--quick")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "is a series (iq series), not a run: verify each run it reads" in result.stderr


def test_the_site_links_the_published_series(tmp_path):
    from iqlib.publishing import site
    from iqlib.publishing.series import is_series, series_folders

    folders = series_folders(ROOT / "outputs")
    assert [f.name for f in folders] == ["iq_v1"] and is_series(folders[0])
    assert all(not is_series(r.folder) for r in site.published_runs(ROOT / "outputs"))


def test_a_base_year_without_a_run_is_one_message(tmp_path):
    from iqlib.publishing import series

    text = (ROOT / "params/series/iq_v1.yaml").read_text(encoding="utf-8").replace("base_year: 2018", "base_year: 2015")
    path = tmp_path / "series.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match=r"series.yaml: key 'base_year': 2015 is not the data year of one of the "
                                        r"series' runs \(2018, 2019, 2020, 2021\)"):
        series.compute(path)


def test_the_series_page_chart_is_drawn_from_the_numbers_with_gaps_named_and_nothing_clipped():
    """The page's chart (svg.lines, the site's one chart stack): a missing year breaks the
    line and is named in the legend, the axis ends on a round number above every value
    and the target, values are written with a decimal comma."""
    import re

    from iqlib.presentation import svg

    assert svg.nice_ticks(64.7) == (80.0, 4, 0)        # steps of 20: 0, 20, …, 80
    assert svg.nice_ticks(13) == (15.0, 6, 1)          # steps of 2.5: one decimal
    assert svg.nice_ticks(0.3)[1:] == (6, 2)           # steps of 0.05
    chart = svg.lines([("A", [2018, 2019, 2020, 2021], [10.0, None, 30.5, 40.0]),
                       ("B", [2018, 2019, 2020, 2021], [12.0, 14.0, None, None])],
                      "t", "axis", "нет данных", "ru", ("Цель", 2023, 45.0))
    assert "A (нет данных: 2019)" in chart and "B (нет данных: 2020, 2021)" in chart
    lines = re.findall(r'<polyline points="([^"]+)"', chart)
    assert [len(p.split()) for p in lines] == [2, 2]     # A: 2020–2021 only (2018 stands alone); B: 2018–2019
    assert "A, 2020: 30,50" in chart and "Цель: 45,00" in chart
    ticks = re.findall(r'text-anchor="end">([^<]+)<', chart)
    assert ticks == ["0", "10", "20", "30", "40", "50"]  # the target (45) is inside the axis
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', chart)]
    height = float(re.search(r'height="(\d+)"', chart).group(1))
    assert ys and all(0 < y < height for y in ys)
