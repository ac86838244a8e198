"""Extra roster columns declared in the edition (roster_columns): typed, checked against
their allowed values, and usable as the scope of normalisation and imputation."""

from pathlib import Path

import pytest
from conftest import FIXTURE

from iqlib import cli
from iqlib.config.params import load_params
from iqlib.core import engine
from iqlib.io import inputs

MOSCOW_AREA = {"moskva", "khimki", "reutov", "serpukhov", "elektrostal", "dubna", "ivanteevka"}


def edition(tmp_path: Path, column: str = "text, values: [moscow_area, other, far_east]",
            value=lambda city: "moscow_area" if city in MOSCOW_AREA else "other", methodology: str = "") -> Path:
    lines = (FIXTURE / "cities.csv").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line.startswith("#"):
            out.append(line)
        elif line.startswith("city_id,"):
            out.append(line + ",macro_region")
        else:
            out.append(line + "," + value(line.split(",")[0]))
    cities = tmp_path / "cities.csv"
    cities.write_text("\n".join(out) + "\n", encoding="utf-8")
    text = (FIXTURE / "edition.yaml").read_text(encoding="utf-8").replace("tests/fixtures/mini/cities.csv", str(cities))
    text += f"roster_columns: [{{name: macro_region, type: {column}}}]\n"
    base = tmp_path / "edition.yaml"
    base.write_text(text, encoding="utf-8")
    if not methodology:
        return base
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"extends: {base}\nscenario: by-macro-region\nmethodology:\n  scoring:\n{methodology}",
                        encoding="utf-8")
    return scenario


def test_a_declared_column_is_read_into_the_roster(tmp_path):
    data = inputs.load(load_params(edition(tmp_path)))
    assert data.cities.set_index("city_id")["macro_region"].to_dict()["khimki"] == "moscow_area"
    assert list(data.cities.columns)[-1] == "macro_region"


def test_minmax_within_a_declared_column(tmp_path):
    params = load_params(edition(tmp_path, methodology="    normalisation: {method: minmax, within: macro_region, "
                                                        "lower: 0, upper: 12}\n"))
    data = inputs.load(params)
    n = engine.prepare(data.values, data.cities, params.methodology.framework).normalised
    # I05 (polarity +1), moscow_area: 58.2 6.5 50 50 50 30.4 30.4 → min 6.5, max 58.2;
    # other: 42.0 41.9 20.9 43.6 20.8 → min 20.8, max 43.6
    assert n.loc["moskva", "I05"] == 12 and n.loc["khimki", "I05"] == 0
    assert n.loc["reutov", "I05"] == pytest.approx((50 - 6.5) / (58.2 - 6.5) * 12, rel=1e-15)
    assert n.loc["dubna", "I05"] == pytest.approx((30.4 - 6.5) / (58.2 - 6.5) * 12, rel=1e-15)
    assert n.loc["kaluga", "I05"] == 12 and n.loc["anadyr", "I05"] == 0
    assert n.loc["kazan", "I05"] == pytest.approx((42.0 - 20.8) / (43.6 - 20.8) * 12, rel=1e-15)
    # I12 (polarity −1), moscow_area: 40.2 … 164.2 → the lowest (moskva) gets 12, the highest (khimki) 0
    assert n.loc["moskva", "I12"] == 12 and n.loc["khimki", "I12"] == 0
    assert n.loc["reutov", "I12"] == pytest.approx((164.2 - 103.1) / (164.2 - 40.2) * 12, rel=1e-14)


def test_imputation_by_a_declared_column(tmp_path):
    params = load_params(edition(tmp_path, methodology="    imputation: {by: macro_region}\n"))
    data = inputs.load(params)
    values, cities = data.values, data.cities.set_index("city_id")
    fw = params.methodology.framework.__class__(**{**params.methodology.framework.__dict__,
                                                   "missing": dict.fromkeys(values.columns, "group_mean")})
    p = engine.prepare(values, data.cities, fw)
    for _, row in p.imputation.iterrows():
        region = cities.loc[row["city_id"], "macro_region"]
        peers = values.loc[cities.index[cities["macro_region"] == region], row["indicator"]]
        assert row["value"] == pytest.approx(peers.mean(), rel=1e-15)


@pytest.mark.parametrize("column,value,message", [
    ("text, values: [moscow_area, other]", lambda c: "siberia" if c == "tyumen" else "other",
     "line 7, column macro_region: 'siberia' is not one of the values declared for macro_region in the edition's "
     "roster_columns (moscow_area, other)"),
    ("integer", lambda c: "2.5" if c == "kazan" else "1", "line 4, column macro_region: '2.5' is not a whole number"),
    ("text", lambda c: "" if c == "moskva" else "x", "line 3, column macro_region: '' is empty"),
])
def test_a_bad_value_is_one_message_naming_file_line_and_column(tmp_path, capsys, column, value, message):
    path = edition(tmp_path, column, value)
    code = cli.main(["run", str(path), "--out", str(tmp_path / "run")])
    stderr = capsys.readouterr().err
    assert code == 2 and stderr.startswith("error: ") and "Traceback" not in stderr, stderr
    assert f"cities.csv: {message}" in stderr
    assert not (tmp_path / "run").exists()


def test_cities_are_also_ranked_and_summarised_within_a_declared_column(tmp_path):
    """rank_and_summarise: scores.csv gains rank_in_<column> (the group's ranking rule within
    each value of the column) and results/summary_<column>.csv the group summary by it."""
    from iqlib import stages
    from iqlib.io.runfolder import RunFolder

    path = edition(tmp_path, column="text, values: [moscow_area, other, far_east], name_ru: Макрорегион, "
                                    "name_en: Macro-region, rank_and_summarise: true")
    params = load_params(path)
    run = RunFolder(tmp_path / "run")
    for stage in (stages.load, stages.normalise, stages.weight, stages.rank):
        stage(params, run)
    scores = run.read_csv("scores.csv", index=True)
    area = scores[scores["macro_region"] == "moscow_area"].sort_values("IQ", ascending=False)
    # 1 … 7 by IQ across the groups (Серпухов 91.35 of the big cities before Москва 84.64 of the
    # largest); Дубна and Ивантеевка tie at 34.71 (both 2nd of their group too): both 6th
    assert area["rank_in_macro_region"].tolist() == [1, 2, 3, 4, 5, 6, 6]
    assert area.index[:2].tolist() == ["serpukhov", "moskva"]
    other = scores[scores["macro_region"] == "other"]
    assert sorted(other["rank_in_macro_region"]) == list(range(1, len(other) + 1))
    summary = stages.summarise(params, run)
    by_area = run.read_csv("summary_macro_region.csv").set_index("macro_region")
    assert by_area.index.tolist() == ["moscow_area", "other", "far_east", "all"]          # declared order
    assert by_area.at["moscow_area", "cities"] == 7 and by_area.at["far_east", "cities"] == 0
    assert by_area.at["moscow_area", "mean"] == round(area["IQ"].mean() + 1e-12, 2)
    assert by_area.at["moscow_area", "leader"] == area["city_ru"].iloc[0]
    assert by_area.at["all", "cities"] == summary.set_index("group").at["all", "cities"] == 12
    shown = repr(stages.column_summaries(params, run)[0])
    assert "Macro-region" not in shown and "macro_region" in shown               # text form: the fixed headers
    html = stages.column_summaries(params, run)[0]._repr_html_()
    assert "<th scope=\"col\">Macro-region</th>" in html and "All cities" in html   # the mini edition is English
