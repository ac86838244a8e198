"""The auditor's workbook: its formulas, recalculated by LibreOffice, give the published IQ
and places of every published run, and a tiny hand-computed case."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from iqlib.core import engine, ranking
from iqlib.core.aggregate import Aggregation
from iqlib.core.framework import Framework
from iqlib.core.normalise import MinMax, ZScore
from iqlib.core.treat import NoTreatment
from iqlib.publishing import audit_workbook as aw
from iqlib.publishing.site import load_run

ROOT = Path(__file__).resolve().parents[1]
RUNS = sorted(p.parent for p in (ROOT / "outputs").glob("*/*/manifest.json") if (p.parent / "results/scores.csv").is_file())
# functions Excel 2019+ and LibreOffice both know (MINIFS/MAXIFS carry Excel's _xlfn. prefix in the file)
ALLOWED = {"IF", "ISBLANK", "ISNUMBER", "IFERROR", "INDEX", "MIN", "MAX", "_XLFN.MINIFS", "_XLFN.MAXIFS",
           "AVERAGEIFS", "COUNTIFS", "SUMPRODUCT", "ABS", "ROUND", "AND"}
# LibreOffice recalculates an OOXML file on load only when told: OOXMLRecalcMode 0 = always
XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""

CODES = ["I1", "I2", "I3"]


def tiny_framework(normalisation: object = None, treatment: object = None,
                   missing: tuple[str, str, str] = ("exclude", "zero", "exclude")) -> Framework:
    """3 indicators (I1 share, I2 presence with missing = 0, I3 lower is better) in D1 (I1, I2) and D2 (I3)."""
    mm = normalisation or MinMax(method="minmax", lower=0, upper=12)
    return Framework(levels=("indicator", "direction", "index"),
                     codes={"indicator": tuple(CODES), "direction": ("D1", "D2"), "index": ("IQ",)},
                     parent={"I1": "D1", "I2": "D1", "I3": "D2", "D1": "IQ", "D2": "IQ"},
                     weight={c: 1.0 for c in [*CODES, "D1", "D2"]}, polarity={"I1": 1.0, "I2": 1.0, "I3": -1.0},
                     missing=dict(zip(CODES, missing, strict=True)),
                     treatment={c: treatment or NoTreatment() for c in CODES}, normalisation={c: mm for c in CODES},
                     aggregation={"direction": Aggregation(method="weighted_mean"),
                                  "index": Aggregation(method="weighted_sum")})


def tiny_book(fw: Framework | None = None, city: str = "Альфа", values: pd.DataFrame | None = None,
              groups: list[str] | None = None) -> aw.Book:
    """a1, a2 in group A, b1 alone in group B. Hand computation (scale 0–12 within the group):
    I1 in A: 10 → 0, 30 → 12; b1's I1 missing (exclude). I2 in A: 1 → 12, missing → 0 → 0;
    b1's 0 is constant in B → 6. I3 in A: 5 and 5, constant → 6 each; b1's missing.
    D1: a1 (0 + 12)/2 = 6, a2 (12 + 0)/2 = 6, b1 6 (only I2). D2: 6, 6, 0 (no data → 0).
    IQ: 12, 12, 6: a1 and a2 tie (place 1 in A); places overall 1, 1, 3."""
    fw = fw or tiny_framework()
    if values is None:
        values = pd.DataFrame({"I1": [10.0, 30.0, np.nan], "I2": [1.0, np.nan, 0.0], "I3": [5.0, 5.0, np.nan]},
                              index=pd.Index(["a1", "a2", "b1"], name="city_id"))
    groups = groups or ["A", "A", "B"]
    roster = pd.DataFrame({"city_id": values.index, "group": groups})
    result = engine.compute(values, roster, fw)
    iq = result.scores["IQ"]
    published = pd.DataFrame({"IQ": ranking.round_half_up(iq, 2), "rank_in_group": result.rank_in_group,
                              "rank_overall": result.rank_overall})
    names = [city, *(f"Город {i}" for i in range(2, len(values) + 1))]
    return aw.Book(cities=pd.DataFrame({"city_ru": names, "group": groups}, index=values.index),
                   values=values, fw=fw, names={"I1": "Доля", "D1": "Первое"}, kinds={"I1": "share", "I2": "presence"},
                   groups=["A", "B"], group_names={"A": "Группа А", "B": "Группа Б"}, weights=dict(fw.weight),
                   published=published, normalised=result.normalised, aggregates=result.scores,
                   imputed={}, title="Проба", synthetic=True)


def formulas(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [c.value for ws in wb for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and c.value.startswith("=")]


# ----------------------------------------------------------------------------- fast
def test_tiny_case_matches_the_hand_computation_in_the_engine() -> None:
    """The hand computation of ``tiny_book`` is the engine's (so the workbook is checked against both)."""
    book = tiny_book()
    assert book.aggregates["IQ"].tolist() == [12.0, 12.0, 6.0]
    assert book.aggregates["D2"].tolist() == [6.0, 6.0, 0.0]
    assert book.normalised.loc["a1"].tolist() == [0.0, 12.0, 6.0]
    assert book.published["rank_in_group"].tolist() == [1, 1, 1]
    assert book.published["rank_overall"].tolist() == [1, 1, 3]


def test_only_known_functions_and_deterministic_bytes(tmp_path: Path) -> None:
    a = aw.write(tiny_book(), tmp_path / "a.xlsx")
    b = aw.write(tiny_book(), tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()
    found = formulas(a)
    assert len(found) > 30
    names = {m.upper() for f in found for m in re.findall(r"([A-Za-z_][A-Za-z_.]*)\(", f)}
    assert names <= ALLOWED, names - ALLOWED
    wb = openpyxl.load_workbook(a)
    assert wb.sheetnames == ["Читать сначала", "Значения", "Параметры", "Пропуски", "Границы", "Нормировка",
                             "Направления", "Индекс", "Сверка"]
    assert wb.calculation.fullCalcOnLoad
    assert wb.properties.created.year == 2000
    # the place: 1 + cities of the group better beyond the tolerance, on the full-precision IQ in column E
    assert wb["Индекс"]["G3"].value.startswith("=1+SUMPRODUCT(--($D$3:$D$5=$D3),--(($E$3:$E$5-$E3)>")
    assert wb["Индекс"]["F3"].value == "=ROUND($E3,'Параметры'!$B$38)"
    assert wb["Параметры"]["A38"].value.startswith("Знаков")
    assert "Данные синтетические" in wb["Читать сначала"]["A2"].value


def test_text_from_data_is_never_a_formula(tmp_path: Path) -> None:
    path = aw.write(tiny_book(city="=HYPERLINK(\"http://x\")"), tmp_path / "h.xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        if ws["B3"].value is not None and ws.title not in ("Параметры", "Границы"):
            assert ws["B3"].value == "'=HYPERLINK(\"http://x\")", ws.title
    assert not any("HYPERLINK" in f for f in formulas(path))


def test_a_method_formulas_do_not_express_is_written_as_values_and_said(tmp_path: Path) -> None:
    fw = tiny_framework(normalisation=ZScore(method="zscore"))
    book = tiny_book(fw)
    wb = openpyxl.load_workbook(aw.write(book, tmp_path / "z.xlsx"))
    norm = wb["Нормировка"]
    assert norm["E3"].value == pytest.approx(book.normalised.at["a1", "I1"])
    assert "значения расчёта" in norm["A2"].value and "I1, I2, I3" in norm["A2"].value
    assert isinstance(wb["Направления"]["E3"].value, float)          # the level above values is values too
    assert "I1, I2, I3" in "\n".join(str(c.value) for c in wb["Читать сначала"]["A"])
    assert wb["Параметры"]["E16"].value == "значения расчёта"


# ----------------------------------------------------------------------------- LibreOffice
# CSV of every sheet (the last option, -1), UTF-8, full precision (not "as shown"), en-US numbers:
# half the time of saving the workbooks as XLSX again
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,false,false,false,-1"


def recalculate(books: list[Path], out: Path, profile: Path) -> float:
    """Every workbook recalculated by LibreOffice headless in ONE invocation, each sheet saved
    as ``<book>-<sheet>.csv`` in ``out``; the seconds it took."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: make libreoffice")
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(XCU, encoding="utf-8")
    start = time.perf_counter()
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--calc",
                    "--convert-to", CSV_FILTER, "--outdir", str(out), *map(str, books)],
                   check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def with_wrong_cache(path: Path, dest: Path) -> Path:
    """``path`` with the cached value 999 in every formula cell: only a recalculation can give the right numbers."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            content = src.read(name)
            if name.startswith("xl/worksheets/"):
                content = content.replace(b"</f></c>", b"</f><v>999</v></c>")
            dst.writestr(name, content)
    return dest


def sheet(book: Path, name: str) -> pd.DataFrame:
    """A recalculated city sheet by city code (row 1 the header, row 2 the names left out)."""
    frame = pd.read_csv(book.parent / f"{book.stem}-{name}.csv", skiprows=[1], dtype={"Код города": str})
    return frame.set_index("Код города")


def cached(book: Path) -> pd.DataFrame:
    """The recalculated IQ (full and rounded) and places of the sheet «Индекс», by city code."""
    frame = sheet(book, "Индекс")
    return frame.iloc[:, [3, 4, 5, 6]].set_axis(["full", "IQ", "place", "overall"], axis=1)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory) -> tuple[Path, dict[str, Path], float, float]:
    """The tiny book (also with wrong cached values) and every published run's workbook,
    written and recalculated by LibreOffice; the seconds writing and recalculating took."""
    tmp = tmp_path_factory.mktemp("audit")
    (tmp / "in").mkdir()
    start = time.perf_counter()
    books = {r.relative_to(ROOT / "outputs").as_posix(): aw.write_for_run(r, load_run(r).params, tmp / "in") for r in RUNS}
    written = time.perf_counter() - start
    tiny = aw.write(tiny_book(), tmp / "tiny.xlsx")
    wrong = with_wrong_cache(tiny, tmp / "in" / "tiny-wrong.xlsx")
    rules = aw.write(group_rules_book(), tmp / "in" / "group-rules.xlsx")
    seconds = recalculate([wrong, rules, *books.values()], tmp / "out", tmp / "profile")
    books["group-rules"] = rules
    return tmp / "out" / wrong.name, {k: tmp / "out" / p.name for k, p in books.items()}, written, seconds


def group_rules_book() -> aw.Book:
    """The group_mean (I1) and group_min (I3) rules: a2's I1 → (10 + 20)/2, its I3 → min(5, 8);
    b1, alone in B without I1 or I3, keeps them missing."""
    values = pd.DataFrame({"I1": [10.0, np.nan, 20.0, np.nan], "I2": [1.0, np.nan, 0.5, 1.0],
                           "I3": [5.0, np.nan, 8.0, np.nan]}, index=pd.Index(["a1", "a2", "a3", "b1"], name="city_id"))
    return tiny_book(tiny_framework(missing=("group_mean", "zero", "group_min")), values=values,
                     groups=["A", "A", "A", "B"])


@pytest.mark.slow
@pytest.mark.xdist_group("libreoffice")   # one worker: one LibreOffice run for the module
def test_tiny_case_recalculated_by_libreoffice(recalculated) -> None:
    """The cached values were 999 everywhere before LibreOffice: the hand-computed numbers prove it recalculated."""
    tiny, _, _, _ = recalculated
    got = cached(tiny)
    assert got["full"].tolist() == [12.0, 12.0, 6.0]
    assert got["IQ"].tolist() == [12.0, 12.0, 6.0]
    assert got["place"].tolist() == [1, 1, 1]                      # a1 and a2 tie
    assert got["overall"].tolist() == [1, 1, 3]
    norm = sheet(tiny, "Нормировка")
    assert norm["I1"].tolist()[:2] == [0.0, 12.0] and np.isnan(norm.at["b1", "I1"])   # b1's I1 missing
    assert norm["I2"].tolist() == [12.0, 0.0, 6.0]                                     # a2's I2 → 0; constant → 6
    assert norm["I3"].tolist()[:2] == [6.0, 6.0] and np.isnan(norm.at["b1", "I3"])    # constant in A → midpoint
    assert sheet(tiny, "Направления")["D2"].tolist() == [6.0, 6.0, 0.0]                # D2: no data → 0
    check = pd.read_csv(tiny.parent / f"{tiny.stem}-Сверка.csv", nrows=1)
    assert check.iloc[0, -3:].tolist() == [0, 0, 0]                                    # no mismatch


@pytest.mark.slow
@pytest.mark.xdist_group("libreoffice")
def test_group_rules_recalculated_by_libreoffice(recalculated) -> None:
    """AVERAGEIFS and MINIFS fill the missing values as the engine does (IQ to 1e-12, same places)."""
    book = group_rules_book()
    got = cached(recalculated[1]["group-rules"])
    np.testing.assert_allclose(got["full"].to_numpy(float), book.aggregates["IQ"].to_numpy(float), rtol=1e-12)
    assert got["place"].tolist() == book.published["rank_in_group"].tolist()
    assert got["overall"].tolist() == book.published["rank_overall"].tolist()
    filled = sheet(recalculated[1]["group-rules"], "Пропуски")
    assert filled["I1"].tolist()[:3] == [10.0, 15.0, 20.0] and np.isnan(filled.at["b1", "I1"])
    assert filled["I3"].tolist()[:3] == [5.0, 5.0, 8.0] and np.isnan(filled.at["b1", "I3"])


@pytest.mark.slow
@pytest.mark.xdist_group("libreoffice")
@pytest.mark.parametrize("run", [r.relative_to(ROOT / "outputs").as_posix() for r in RUNS])
def test_every_published_run_recomputed_by_libreoffice(recalculated, run: str) -> None:
    """Done when: the workbook recalculated by LibreOffice gives scores.csv's IQ (to 1e-9) and the same places,
    and its own reconciliation sheet counts no mismatch."""
    _, books, written, seconds = recalculated
    print(f"writing {len(RUNS)} published runs' workbooks {written:.1f} s, LibreOffice (all books, one invocation) {seconds:.1f} s")
    scores = pd.read_csv(ROOT / "outputs" / run / "results" / "scores.csv", index_col="city_id")
    got = cached(books[run]).reindex(scores.index)
    assert got["IQ"].notna().all()
    np.testing.assert_allclose(got["IQ"].to_numpy(float), scores["IQ"].to_numpy(float), rtol=0, atol=1e-9)
    assert (got["place"].astype(int) == scores["rank_in_group"]).all()
    assert (got["overall"].astype(int) == scores["rank_overall"]).all()
    full = pd.read_csv(ROOT / "outputs" / run / "results" / "aggregates.csv", index_col="city_id")["IQ"]
    np.testing.assert_allclose(got["full"].to_numpy(float), full.reindex(scores.index).to_numpy(float), rtol=1e-12)
    check = pd.read_csv(books[run].parent / f"{books[run].stem}-Сверка.csv", nrows=1)
    assert check.iloc[0, -3:].tolist() == [0, 0, 0]
