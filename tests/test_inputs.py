"""Input validation: every problem reported together with file, line, column and value."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURE, iq

from iqlib.config.params import load_params
from iqlib.core import engine
from iqlib.core.errors import ProblemsError, UserError
from iqlib.io import codes, inputs, tables


@pytest.fixture
def edition(tmp_path) -> Path:
    """A copy of the fixture edition whose input files the test may spoil."""
    for name in ["cities.csv", "values.csv", "edition.yaml"]:
        shutil.copy(FIXTURE / name, tmp_path / name)
    text = (tmp_path / "edition.yaml").read_text(encoding="utf-8")
    text = text.replace("tests/fixtures/mini/", f"{tmp_path}/")
    (tmp_path / "edition.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "edition.yaml"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def problems(edition: Path) -> str:
    with pytest.raises(UserError) as err:
        inputs.load(load_params(edition))
    return str(err.value)


def test_fixture_loads_with_group_override_reported():
    data = inputs.load(load_params(FIXTURE / "edition.yaml"))
    assert data.values.shape == (12, 47)
    assert data.cities["group"].value_counts().to_dict() == {
        "krupneyshie": 3, "krupnye": 3, "bolshie": 3, "lt100k": 3}
    dis = data.group_disagreements
    assert dis[["city_id", "group_computed", "group_official"]].values.tolist() == [["khimki", "bolshie", "krupnye"]]
    # kaluga has no official group: computed from population 332000
    assert data.cities.set_index("city_id").loc["kaluga", "group"] == "krupnye"


def test_missing_table_lists_every_empty_cell_with_its_rule():
    data = inputs.load(load_params(FIXTURE / "edition.yaml"))
    miss = data.missing.set_index(["city_id", "indicator"])
    assert len(miss) == int(data.values.isna().sum().sum())
    assert miss.loc[("kazan", "I01"), "missing_rule"] == "zero"
    assert miss.loc[("moskva", "I02"), "missing_rule"] == "exclude"


def test_missing_rule_overridden_per_indicator_matches_imputation(tmp_path):
    """A scenario's per-indicator ``missing:`` is the rule listed in missing.csv and counted
    in the accounting, as the imputation of the normalise stage applies it."""
    scenario = tmp_path / "override.yaml"
    scenario.write_text(f"extends: {FIXTURE / 'edition.yaml'}\nscenario: missing-override\n"
                        "methodology:\n  indicators:\n    I17: {missing: group_median}\n"
                        "    I01: {missing: exclude}\n", encoding="utf-8")
    params = load_params(scenario)
    data = inputs.load(params)
    miss = data.missing.set_index(["city_id", "indicator"])
    # I17 (share: kind rule exclude) and I01 (presence: kind rule zero) take their own rule
    assert miss.loc[[("kazan", "I17"), ("tyumen", "I17"), ("kaluga", "I17")], "missing_rule"].tolist() == \
        ["group_median"] * 3
    assert miss.loc[("kazan", "I01"), "missing_rule"] == "exclude"
    assert miss.loc[("moskva", "I02"), "missing_rule"] == "exclude"  # not overridden: its kind's rule
    acc = data.accounting.set_index("indicator")
    assert acc.loc["I17", ["missing", "to_impute", "left_missing"]].tolist() == [3, 3, 0]
    assert acc.loc["I01", ["missing", "to_impute", "left_missing"]].tolist() == [1, 0, 1]
    assert acc.loc["TOTAL", ["missing", "to_impute", "left_missing"]].tolist() == [16, 4, 12]

    imputation = engine.prepare(data.values, data.cities, params.methodology.framework,
                                engine.base_bounds(data.values, data.cities)).imputation
    imputed = imputation.set_index(["city_id", "indicator"])
    assert imputed["rule"].to_dict() == miss["missing_rule"].to_dict()
    filled = imputation.groupby("indicator")["value"].count()
    assert acc["to_impute"].drop("TOTAL").to_dict() == filled.reindex(acc.index.drop("TOTAL"), fill_value=0).to_dict()


def test_value_errors_are_collected_together(edition):
    values = edition.parent / "values.csv"
    lines = values.read_text(encoding="utf-8").splitlines()
    # line 3 = moskva (line 1 notice, line 2 header)
    cells = lines[2].split(",")
    cells[5] = "12;5"                     # I05: not a number
    cells[7] = "140"                      # I07 share > 100
    cells[12] = "-3"                      # I12 rate < 0
    cells[13] = "2"                       # I13 presence > 1
    lines[2] = ",".join(cells)
    lines.append(lines[3])                # duplicate kazan
    lines.append("atlantis" + lines[3][len("kazan"):])
    values.write_text("\n".join(lines) + "\n", encoding="utf-8")
    msg = problems(edition)
    assert "6 problem(s)" in msg
    assert "values.csv: line 3, column I05: '12;5' is not a number" in msg
    assert "values.csv: line 3, column I07: '140' is outside [0, 100] (share, %)" in msg
    assert "values.csv: line 3, column I12: '-3' is outside [0, ∞) (per 10 000 residents)" in msg
    assert "values.csv: line 3, column I13: '2' is outside [0, 1] (presence (1 yes, 0 no))" in msg
    assert "values.csv: line 15, column city_id: duplicate city_id 'kazan' (first at line 4)" in msg
    assert "values.csv: line 16, column city_id: unknown city 'atlantis'" in msg


def test_missing_and_unknown_columns(edition):
    values = edition.parent / "values.csv"
    edit(values, ",I47\n", ",X99\n")
    msg = problems(edition)
    assert "unknown column(s): X99" in msg
    assert "column(s) missing: I47" in msg


def test_roster_city_without_values_row(edition):
    values = edition.parent / "values.csv"
    lines = values.read_text(encoding="utf-8").splitlines()
    values.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    assert "no row for city 'anadyr' of the roster" in problems(edition)


def test_roster_errors(edition):
    cities = edition.parent / "cities.csv"
    edit(cities, "moskva,Москва,г. Москва,12615000", "moskva,Москва,г. Москва,-5")
    edit(cities, "kazan,Казань,Республика Татарстан,1252000,1,0,krupneyshie",
         "kazan,Казань,Республика Татарстан,1252000,yes,0,huge")
    msg = problems(edition)
    assert "cities.csv: line 3, column population: '-5' is not a positive whole number" in msg
    assert "cities.csv: line 4, column regional_capital: 'yes' is not 0 or 1" in msg
    assert "cities.csv: line 4, column group_official: unknown group 'huge'" in msg


def test_small_city_must_be_capital_or_pilot(edition):
    cities = edition.parent / "cities.csv"
    edit(cities, "dubna,Дубна,Московская область,75000,0,1", "dubna,Дубна,Московская область,75000,0,0")
    msg = problems(edition)
    assert "city 'dubna' is in group lt100k but has none of the flags regional_capital, pilot set to 1" in msg


def test_required_column_missing(edition):
    cities = edition.parent / "cities.csv"
    edit(cities, "city_id,city_ru,region_ru,population", "city_id,city_ru,region_ru,people")
    with pytest.raises(UserError, match="required column\\(s\\) missing: population"):
        inputs.load(load_params(edition))


def test_empty_file_and_bad_encoding(edition):
    values = edition.parent / "values.csv"
    values.write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(UserError, match="values.csv: the file is empty"):
        inputs.load(load_params(edition))
    values.write_bytes(b"city_id,I01\n\x98\x98,1\n")  # neither UTF-8 nor Windows-1251
    with pytest.raises(UserError, match="values.csv: undecodable text \\(not UTF-8 at byte 12, not Windows-1251\\)"):
        inputs.load(load_params(edition))


def test_problems_are_capped_but_counted():
    err = ProblemsError("f.csv", [f"p{i}" for i in range(60)], cap=50)
    assert "60 problem(s)" in str(err) and "... and 10 more" in str(err)


@pytest.mark.e2e
def test_cli_bad_data_exit_2_nothing_written(edition, tmp_path):
    edit(edition.parent / "cities.csv", "12615000", "lots")
    out = tmp_path / "out"
    result = iq("run", str(edition), "--out", str(out))
    assert result.returncode == 2
    assert "column population: 'lots' is not a positive whole number" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not any(p.name.startswith(".staging") for p in tmp_path.iterdir())


@pytest.mark.e2e
def test_cli_validate_reports_counts_and_group_override():
    result = iq("validate", "tests/fixtures/mini/edition.yaml")
    assert result.returncode == 0, result.stderr
    assert "tests/fixtures/mini/edition.yaml: valid" in result.stdout
    assert "cities: 12; indicators: 47" in result.stdout
    assert "khimki: population 249000 gives group bolshie, official list says krupnye" in result.stdout


def test_derived_indicators_from_raw_questionnaire_fields(edition):
    import pandas as pd
    import yaml

    values = edition.parent / "values.csv"
    frame = pd.read_csv(values, comment="#", dtype=str)
    cities = pd.read_csv(edition.parent / "cities.csv", comment="#").set_index("city_id")
    crimes = pd.to_numeric(frame["I12"]) * cities.loc[frame["city_id"], "population"].to_numpy() / 10_000
    frame["crimes"] = crimes.round(0).map(lambda v: "" if pd.isna(v) else str(int(v)))
    frame["I01_a"] = ["да", "нет", "yes", "no", "1", "0", "", "Да", "НЕТ", "1", "1", "0"]
    frame["I01_b"] = ["да", "да", "no", "no", "1", "1", "", "нет", "нет", "0", "1", "0"]
    frame = frame.drop(columns=["I12", "I01"])
    frame.to_csv(values, index=False)
    scenario = edition.parent / "derived.yaml"
    scenario.write_text(yaml.safe_dump({
        "extends": str(edition), "scenario": "derived",
        "methodology": {"indicators": {
            "I12": {"derive": {"numerator": "crimes", "denominator": "population", "scale": 10000}},
            "I01": {"derive": {"subcriteria": ["I01_a", "I01_b"], "rule": "share"}}}}}), encoding="utf-8")
    data = inputs.load(load_params(scenario))
    v = data.values
    assert v["I01"].tolist()[:6] == [1.0, 0.5, 0.5, 0.0, 1.0, 0.5]
    assert np.isnan(v["I01"].iloc[6])  # nothing answered
    moskva = cities.loc["moskva", "population"]
    assert v.loc["moskva", "I12"] == pytest.approx(round(float(crimes.iloc[0])) * 10_000 / moskva)
    # a derived column given directly is refused, and bad yes/no cells are named
    frame["I12"] = "1"
    frame.loc[0, "I01_a"] = "может быть"
    frame.to_csv(values, index=False)
    with pytest.raises(UserError) as err:
        inputs.load(load_params(scenario))
    assert "column(s) I12 are given both directly and as the raw fields they are derived from" in str(err.value)
    assert "column I01_a: 'может быть' is not recognised (expected 1/0, yes/no, да/нет)" in str(err.value)


@pytest.mark.parametrize("bounds,message", [
    ({"min": None, "max": None}, None),  # neither bound: valid (was a traceback, issue 15)
    ({"min": None, "max": 0.5}, "derived indicator I01 for city 'moskva': 1 is outside (−∞, 0.5] (yes share)"),
    ({"min": 0.75, "max": None}, "derived indicator I01 for city 'kazan': 0.5 is outside [0.75, ∞) (yes share)"),
])
def test_a_derived_indicator_whose_kind_has_one_bound_or_none(edition, bounds, message):
    import pandas as pd
    import yaml

    values = edition.parent / "values.csv"
    frame = pd.read_csv(values, comment="#", dtype=str, keep_default_na=False)
    frame["I01_a"] = ["да", "нет", "yes", "no", "1", "0", "", "Да", "НЕТ", "1", "1", "0"]
    frame["I01_b"] = ["да", "да", "no", "no", "1", "1", "", "нет", "нет", "0", "1", "0"]
    frame.drop(columns=["I01"]).to_csv(values, index=False)
    scenario = edition.parent / "unbounded.yaml"
    scenario.write_text(yaml.safe_dump({
        "extends": str(edition), "scenario": "unbounded",
        "methodology": {"kinds": {"yes_share": {"unit_ru": "доля «да»", "unit_en": "yes share", **bounds}},
                        "indicators": {"I01": {"kind": "yes_share",
                                               "derive": {"subcriteria": ["I01_a", "I01_b"]}}}}}),
        encoding="utf-8")
    if message is None:
        assert inputs.load(load_params(scenario)).values["I01"].tolist()[:6] == [1.0, 0.5, 0.5, 0.0, 1.0, 0.5]
    else:
        assert message in problems(scenario)


def test_a_kind_without_bounds_validates(tmp_path, capsys):
    """The case of issue 15 (``kinds: {presence: {min: null, max: null}}`` on the mini
    edition) ended in a traceback: it is valid, and the values are the edition's."""
    from iqlib import cli

    scenario = tmp_path / "unbounded.yaml"
    scenario.write_text(f"extends: {FIXTURE / 'edition.yaml'}\nscenario: unbounded\n"
                        "methodology: {kinds: {presence: {min: null, max: null}}}\n", encoding="utf-8")
    assert cli.main(["validate", str(scenario)]) == 0, capsys.readouterr().err
    assert ": valid" in capsys.readouterr().out
    assert inputs.load(load_params(scenario)).values.equals(inputs.load(load_params(FIXTURE / "edition.yaml")).values)


def test_look_alike_codes_in_one_alphabet_each_are_refused():
    """'хохо' in Cyrillic and 'xoxo' in Latin: neither mixes alphabets, yet no reader can
    tell them apart."""
    import pandas as pd

    table = tables.Table(pd.DataFrame({"city_id": ["xoxo", "ufa", "хохо", "уфа", ""]}), Path("r.csv"), 2)
    found: list[str] = []
    codes.check_codes(table, found)
    assert len(found) == 1 and "line 4, column city_id: city_id 'хохо' differs from 'xoxo' (line 2)" in found[0]
    assert "position 4: Cyrillic 'о' (U+043E) where it has Latin 'o' (U+006F)" in found[0]
