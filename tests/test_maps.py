"""The home page's maps: the tile grid covers every roster region once, the colour classes and
the legend follow hand-computed bounds, a region without data is drawn as missing (never 0),
the projection puts known cities inside Russia's outline and where they belong, every demo
city falls inside it, and the roster's optional lat/lon columns are validated with messages
naming the file, line and column (exit 2)."""

from __future__ import annotations

import csv
import re
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURE, ROOT

from iqlib import cli
from iqlib.config.params import load_params
from iqlib.core.errors import UserError
from iqlib.io.roster import load_cities
from iqlib.presentation import maps
from iqlib.presentation.maps import SCALE, Tile
from iqlib.publishing import maps as home_maps

DEMO = sorted((ROOT / "data" / "demo").glob("*/cities.csv"))
MARGIN_KM = 5.0   # the outline's precision: simplified at 4 km, rounded to 1 km


def rows(path: Path) -> list[dict[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


# ----------------------------------------------------------------------------- the tile grid
def test_the_grid_has_85_distinct_cells_with_short_cyrillic_labels():
    cells = maps.tiles()
    assert len(cells) == 85
    assert len({(t.row, t.col) for t in cells}) == 85, "two subjects share a cell"
    assert len({t.region for t in cells}) == 85 and len({t.label for t in cells}) == 85
    assert all(re.fullmatch("[А-ЯЁ]{2,4}", t.label) for t in cells), [t.label for t in cells]


def test_every_roster_region_has_a_cell_and_the_grid_lies_roughly_where_russia_does():
    placed = {t.region: t for t in maps.tiles()}
    regions = {r["region_ru"] for path in DEMO for r in rows(path)}
    assert len(regions) == 85 and regions <= set(placed), sorted(regions - set(placed))
    for run in (ROOT / "outputs").glob("*/*/results/regions.csv"):       # every published run's regions too
        assert set(pd.read_csv(run)["region"]) <= set(placed), run
    west = min(placed.values(), key=lambda t: t.col)
    east = max(placed.values(), key=lambda t: t.col)
    assert west.region == "Калининградская область" and east.region == "Чукотский автономный округ"
    crimea, moscow = placed["Республика Крым"], placed["г. Москва"]
    assert crimea.col < moscow.col and crimea.row > moscow.row            # Крым south-west of Москва
    assert placed["Мурманская область"].row < moscow.row < placed["Республика Дагестан"].row


# ----------------------------------------------------------------------------- classes and colours
def test_classes_are_round_and_cover_the_values():
    assert maps.classes([12.0, 37.5, 88.0]) == [0, 20, 40, 60, 80, 100]       # range 76: width 20 from 0
    assert maps.classes([41.2, 43.9]) == [41, 42, 43, 44]                     # width 0.5 would need 6 classes
    assert maps.classes([41.2, 42.9]) == [41, 41.5, 42, 42.5, 43]
    assert maps.classes([0.0, 100.0]) == [0, 20, 40, 60, 80, 100]             # 100 in the last class, no sixth
    assert maps.classes([None, float("nan")]) == [0.0, 1.0]


def test_colours_by_class_light_to_dark_and_none_for_missing():
    bounds = [0, 20, 40, 60, 80, 100]
    assert [maps.colour(v, bounds) for v in (0, 12, 20, 37.5, 59.99, 60, 88, 100)] == \
        [SCALE[0], SCALE[0], SCALE[1], SCALE[1], SCALE[2], SCALE[3], SCALE[4], SCALE[4]]
    assert maps.colour(None, bounds) is None and maps.colour(float("nan"), bounds) is None
    assert [maps.colour(v, [0, 10, 20, 30]) for v in (5, 15, 25)] == [SCALE[0], SCALE[2], SCALE[4]]   # 3 classes spread


CELLS = [Tile("Калининградская область", "КЛГ", 0, 0), Tile("г. Москва", "МСК", 0, 2), Tile("Республика Крым", "КРЫМ", 1, 0)]


def test_the_tile_map_colours_each_cell_titles_it_and_draws_a_missing_region_as_missing():
    svg = maps.tile_map({"Калининградская область": 12.0, "г. Москва": 88.0}, "Карта «регионов»", "ru", "нет данных",
                        cells=CELLS)
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart map-chart map-tiles" role="img"')
    assert "<title>Карта «регионов»</title>" in svg
    # bounds from 12 and 88: width 20 from 0 → 12 in the lightest class, 88 in the darkest
    assert f'<rect x="0" y="0" width="37" height="37" rx="3" fill="{SCALE[0]}"><title>Калининградская область: 12,00</title>' in svg
    assert f'<rect x="80" y="0" width="37" height="37" rx="3" fill="{SCALE[4]}"><title>г. Москва: 88,00</title>' in svg
    # Крым has no value: hatched, titled as missing, never coloured as a value (nor 0)
    assert '<rect x="0" y="40" width="37" height="37" rx="3" fill="url(#tile-hatch)"><title>Республика Крым: нет данных</title>' in svg
    legend = re.findall(r'<g class="map-wide">(.*?)</g>', svg)[0]
    assert re.findall(r">([^<>]+)</text>", legend) == ["0–20", "20–40", "40–60", "60–80", "80–100", "нет данных"]
    phone = re.findall(r'<g class="map-phone">(.*?)</g>', svg)[0]
    sizes = {float(s) for s in re.findall(r'font-size="([\d.]+)"', phone)}
    width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    assert min(sizes) * maps.PHONE / width >= 11, "the phone legend is ≥ 11 px when the chart is 358 px wide"
    assert ">КРЫМ</text>" in svg and 'class="map-labels"' in svg


def test_the_legend_names_no_missing_data_when_nothing_is_missing_and_uses_the_language_decimal_mark():
    values = {"Калининградская область": 41.2, "г. Москва": 42.9, "Республика Крым": 42.0}
    ru = maps.tile_map(values, "т", "ru", "нет данных", cells=CELLS)
    en = maps.tile_map(values, "t", "en", "no data", cells=CELLS)
    assert "нет данных" not in ru and "url(#tile-hatch)" not in ru.split("</defs>")[1]
    assert ">41,5–42,0</text>" in ru and ">41.5–42.0</text>" in en
    assert "<title>г. Москва: 42,90</title>" in ru and "<title>г. Москва: 42.90</title>" in en


# ----------------------------------------------------------------------------- projection and outline
def project(lat: float, lon: float) -> tuple[float, float]:
    x, y = maps.project([lat], [lon], maps.outline().projection)
    return float(x[0]), float(y[0])


def test_the_outline_records_its_source_licence_and_projection():
    shape = maps.outline()
    assert "Natural Earth" in shape.source["data"] and shape.source["data_licence"] == "public domain"
    assert "world-atlas" in shape.source["package"] and shape.source["package_licence"].startswith("ISC")
    assert (shape.projection["lat1"], shape.projection["lat2"], shape.projection["lon0"]) == (52.0, 64.0, 100.0)
    assert shape.path.startswith("M") and len(shape.rings()) > 10


def test_moscow_lands_inside_the_outline_west_of_novosibirsk_and_foreign_capitals_outside():
    shape = maps.outline()
    moscow, novosibirsk = project(55.76, 37.62), project(55.03, 82.92)
    assert moscow[0] < novosibirsk[0] - 2000          # about 2 300 km west (on a conic map the parallels curve up)
    assert maps.inside([moscow[0], novosibirsk[0]], [moscow[1], novosibirsk[1]], shape).tolist() == [True, True]
    kyiv, helsinki, astana, tokyo = project(50.45, 30.52), project(60.17, 24.94), project(51.17, 71.43), project(35.68, 139.69)
    xs, ys = zip(kyiv, helsinki, astana, tokyo, strict=True)
    assert maps.inside(xs, ys, shape).tolist() == [False] * 4
    # the central meridian is vertical: a point on it has x = 0; north is up (smaller y)
    assert project(60, 100)[0] == pytest.approx(0, abs=1e-9) and project(70, 100)[1] < project(60, 100)[1]


def test_chukotka_east_of_the_180th_meridian_stays_east_of_anadyr():
    shape = maps.outline()
    anadyr, east = project(64.73, 177.51), project(66.0, -171.0)        # 171° W: Chukotka's eastern tip
    assert east[0] > anadyr[0]
    assert maps.inside([east[0]], [east[1]], shape, margin=MARGIN_KM).tolist() == [True]


def test_every_demo_city_falls_inside_russias_outline():
    shape = maps.outline()
    cities = {r["city_id"]: r for path in DEMO for r in rows(path)}
    assert all(r["lat"] and r["lon"] for r in cities.values())
    lat = np.array([float(r["lat"]) for r in cities.values()])
    lon = np.array([float(r["lon"]) for r in cities.values()])
    x, y = maps.project(lat, lon, shape.projection)
    assert maps.inside(x, y, shape, margin=MARGIN_KM).all()
    # strictly inside but for four coastal cities that the 1:50m coastline leaves a few km offshore
    offshore = {r["city_ru"] for r, ok in zip(cities.values(), maps.inside(x, y, shape), strict=True) if not ok}
    assert offshore <= {"Владивосток", "Каспийск", "Дербент", "Анадырь"}


def test_the_demo_rosters_say_their_coordinates_are_approximate_and_keep_every_other_column():
    for path in DEMO:
        first, header = path.read_text(encoding="utf-8").splitlines()[:2]
        assert "lat, lon: approximate" in first and "GeoNames" in first and "CC BY 4.0" in first, path
        assert header.endswith(",lat,lon")
        assert all(re.fullmatch(r"-?\d+\.\d\d", r["lat"]) and re.fullmatch(r"-?\d+\.\d\d", r["lon"]) for r in rows(path))


def test_the_maps_geometry_is_package_data():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert "geo/*" in data["iqlib.presentation"]


# ----------------------------------------------------------------------------- the page's context
REGIONS = pd.DataFrame({"rank": [1, 2], "region": ["г. Москва", "Республика Крым"], "cities": [1, 2],
                        "IQ": [88.0, 12.0], "best_city": ["Москва", "Ялта"]})
SCORES = pd.DataFrame({"city_id": ["moskva", "yalta", "kerch"], "city_ru": ["Москва", "Ялта", "Керчь"],
                       "region_ru": ["г. Москва", "Республика Крым", "Республика Крым"], "IQ": [88.0, 20.0, 4.0]})


def test_the_context_has_every_subject_once_and_the_missing_ones_as_no_data():
    ctx = home_maps.maps(REGIONS, SCORES, SCORES[["city_id"]], "ru", 2021)
    tile = ctx["tile"]
    assert len(tile["rows"]) == 85 and ctx["city"] is None                # no coordinates: no city map
    assert tile["rows"][:2] == [{"region": "г. Москва", "cities": 1, "value": "88,00"},
                                {"region": "Республика Крым", "cities": 2, "value": "12,00"}]
    assert tile["rows"][2] == {"region": "Алтайский край", "cities": 0, "value": "нет данных"}
    assert tile["svg"].count("нет данных</title>") == 83 and tile["unplaced"] == ""
    assert tile["value"] == "IQ, среднее" and "среднее IQ городов субъекта в расчёте 2021 года" in tile["caption"]


def test_a_region_the_grid_does_not_know_is_named_under_the_map_and_kept_in_the_table():
    regions = pd.concat([REGIONS, pd.DataFrame({"rank": [3], "region": ["Новая область"], "cities": [1], "IQ": [50.0],
                                                "best_city": ["Новгород"]})])
    tile = home_maps.maps(regions, SCORES, SCORES[["city_id"]], "ru", 2021)["tile"]
    assert tile["unplaced"] == "Нет на карте (субъекта нет в раскладке клеток): Новая область; их значения — в таблице."
    assert tile["rows"][-1] == {"region": "Новая область", "cities": 1, "value": "50,00"} and len(tile["rows"]) == 86
    assert "Новая область" not in tile["svg"]


def test_the_city_map_shows_the_cities_with_coordinates_and_says_how_many():
    cities = pd.DataFrame({"city_id": ["moskva", "yalta", "kerch"], "lat": [55.76, 44.5, None], "lon": [37.62, 34.17, None]})
    city = home_maps.maps(REGIONS, SCORES, cities, "ru", 2021)["city"]
    assert "Городов на карте: 2 из 3;" in city["caption"] and "Natural Earth" in city["source"]
    assert [r["city"] for r in city["rows"]] == ["Москва", "Ялта"]
    assert city["rows"][0] == {"city": "Москва", "region": "г. Москва", "value": "88,00", "lat": "55,76", "lon": "37,62"}
    assert city["svg"].count("<circle") == 2 and "<title>Москва (г. Москва): 88,00</title>" in city["svg"]


def test_the_context_of_the_newest_published_run():
    folder = max((ROOT / "outputs").glob("*/base/results/regions.csv")).parents[1]
    ctx = home_maps.context(folder, "ru")
    assert ctx is not None and len(ctx["tile"]["rows"]) == 85 and ctx["tile"]["unplaced"] == ""
    regions = pd.read_csv(folder / "results" / "regions.csv")
    top = regions.iloc[0]
    assert ctx["tile"]["rows"][0]["region"] == top["region"]
    value = f"{top['IQ']:.2f}".replace(".", ",")
    assert f"<title>{top['region']}: {value}</title>" in ctx["tile"]["svg"]


# ----------------------------------------------------------------------------- the roster's lat and lon
def edition_with_roster(tmp_path: Path, edit) -> Path:
    """The mini edition with its roster given lat and lon columns, edited by ``edit`` (header,
    rows → header, rows)."""
    lines = (FIXTURE / "cities.csv").read_text(encoding="utf-8").splitlines()
    comment, header, body = lines[0], lines[1], lines[2:]
    header, body = edit(header + ",lat,lon", [line + ",55.5,37.5" for line in body])
    roster = tmp_path / "cities.csv"
    roster.write_text("\n".join([comment, header, *body]) + "\n", encoding="utf-8")
    edition = tmp_path / "edition.yaml"
    edition.write_text((FIXTURE / "edition.yaml").read_text(encoding="utf-8").replace("tests/fixtures/mini/cities.csv", str(roster)),
                       encoding="utf-8")
    shutil.copy(FIXTURE / "values.csv", tmp_path / "values.csv")
    return edition


def test_valid_coordinates_are_read_as_numbers_and_both_empty_is_no_point(tmp_path):
    def edit(header, body):
        body[1] = body[1].replace(",55.5,37.5", ',"55,76","37,62"')                # decimal comma, quoted
        body[2] = body[2].replace(",55.5,37.5", ",,")                               # no coordinates
        return header, body
    cities, _ = load_cities(load_params(edition_with_roster(tmp_path, edit)))
    assert cities["lat"].iloc[0] == 55.5 and cities["lon"].iloc[0] == 37.5
    assert cities["lat"].iloc[1] == 55.76 and cities["lon"].iloc[1] == 37.62
    assert np.isnan(cities["lat"].iloc[2]) and cities["lat"].isna().sum() == cities["lon"].isna().sum() == 1


@pytest.mark.parametrize(("edit", "message"), [
    (lambda h, b: (h.replace(",lat,lon", ",lat"), [x.removesuffix(",37.5") for x in b]),
     "cities.csv: column lat without column lon (coordinates need both lat and lon, or neither)"),
    (lambda h, b: (h, [b[0].replace(",55.5,", ",север,"), *b[1:]]),
     "cities.csv: line 3, column lat: 'север' is not a number (a latitude in decimal degrees)"),
    (lambda h, b: (h, [b[0], b[1].replace(",55.5,37.5", ",95,37.5"), *b[2:]]),
     "cities.csv: line 4, column lat: '95' is not a latitude (decimal degrees from -90 to 90)"),
    (lambda h, b: (h, [b[0], b[1], b[2].replace(",55.5,37.5", ",55.5,190")]),
     "cities.csv: line 5, column lon: '190' is not a longitude (decimal degrees from -180 to 180)"),
    (lambda h, b: (h, [b[0].replace(",55.5,37.5", ",55.5,"), *b[1:]]),
     "cities.csv: line 3, column lon: empty while lat is given (give both coordinates of the city, or neither)"),
])
def test_bad_coordinates_are_one_clear_error_naming_file_line_and_column(tmp_path, capsys, edit, message):
    edition = edition_with_roster(tmp_path, edit)
    with pytest.raises(UserError, match="the city roster has errors: 1 problem"):
        load_cities(load_params(edition))
    assert cli.main(["validate", str(edition)]) == 2
    assert message in capsys.readouterr().err


def test_on_a_wide_screen_the_chart_is_cut_below_the_shorter_wide_legend():
    # 12 rows of 40 + 12 = 492; the phone legend: font ⌈12 × 720 / 358⌉ = 25, one row of 25 × 1,6 → 532;
    # the wide legend: font 14, one row of 22,4 → 515: the wide screen's aspect ratio, the rest cut off
    svg = maps.tile_map({"г. Москва": 1.0}, "т", "ru", "нет данных")
    assert 'viewBox="0 0 720 532" preserveAspectRatio="xMidYMin slice" width="1008" height="745"' in svg
    assert "@media (min-width:48.01em){.map-phone{display:none}svg.map-tiles{aspect-ratio:720/515}}" in svg


def test_a_city_dot_sits_where_the_outline_is_drawn():
    # the outline is drawn with matrix(k 0 0 k tx ty); a city's dot is at k·(x, y) + (tx, ty) of its projected point
    svg = maps.city_map([("Москва", 55.76, 37.62, 88.0), ("Ялта", 44.5, 34.17, None)], "т", "ru", "нет данных")
    k, tx, ty = (float(v) for v in re.search(r'matrix\(([\d.]+) 0 0 [\d.]+ ([-\d.]+) ([-\d.]+)\)', svg).groups())
    x, y = project(55.76, 37.62)
    cx, cy = (float(v) for v in re.search(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="5" fill="#\w{6}" stroke="#222"', svg).groups())
    assert (cx, cy) == (pytest.approx(k * x + tx, abs=0.06), pytest.approx(k * y + ty, abs=0.06))
    x0 = maps.outline().bounds[0]
    assert k * x0 + tx == pytest.approx(8, abs=0.01)                      # the westmost point 8 units in
    assert '<circle cx="' in svg and 'fill="#fff" stroke="#777"' in svg and "<title>Ялта: нет данных</title>" in svg
    assert svg.index("Ялта: нет данных") < svg.index("Москва: 88,00")     # missing first, values on top
