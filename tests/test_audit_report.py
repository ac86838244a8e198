"""The statistical audit report (presentation/audit_report.py, publishing/audit_report.py):
its figures are the run's result tables (parsed back from the page and compared with the
CSV files), every section is there, the PDF says «synthetic» on every page and is the same
bytes twice, a run without an uncertainty analysis says so, and every published edition
has its report, linked from its front page and listed in its checksums."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from html import unescape
from pathlib import Path

import pandas as pd
import pytest

from iqlib.analysis import ties
from iqlib.config.params import load_params
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import audit_report as ar
from iqlib.publishing import audit_report

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "outputs" / "2019" / "base"


def _params(run: Path):
    return load_params(json.loads((run / "manifest.json").read_text(encoding="utf-8"))["params"]["path"])


def _html_tables(page: str) -> dict[str, list[list[str]]]:
    """Caption → body rows (cell texts) of every table of a page."""
    out = {}
    for caption, body in re.findall(r"<h3 class=\"audit-caption\"[^>]*>(.*?)</h3>.*?<tbody>(.*?)</tbody>", page, flags=re.S):
        out[unescape(caption)] = [[unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                                  for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]
    return out


def _number(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", ".").replace("\u00a0", "").replace(" ", ""))


@pytest.fixture(scope="module")
def published():
    page = (RUN / "audit" / "index.html").read_text(encoding="utf-8")
    results = {p.stem: pd.read_csv(p) for p in (RUN / "results").glob("*.csv")}
    return page, results, _params(RUN)


def test_every_published_run_has_its_report_linked_and_checksummed():
    for run in sorted(p.parent for p in (ROOT / "outputs").glob("*/*/manifest.json") if (p.parent / "results" / "scores.csv").is_file()):
        assert (run / "audit" / "index.html").is_file() and (run / "audit" / "report.pdf").is_file(), run
        sums = (run / "checksums.sha256").read_text(encoding="utf-8")
        assert "audit/index.html" in sums and "audit/report.pdf" in sums
        assert 'href="audit/index.html"' in (run / "index.html").read_text(encoding="utf-8")


def test_the_sections_of_a_jrc_audit_in_order(published):
    page, _, _ = published
    titles = re.findall(r'<section id="(\w+)"><h2>(.*?)</h2>', page)
    assert [k for k, _ in titles] == ["coverage", "outliers", "correlations", "consistency", "weights", "uncertainty", "ties"]
    assert all(t.startswith(f"{n}. ") for n, (_, t) in enumerate(titles, 1))
    assert "Синтетические демонстрационные данные" in page or "синтетическ" in page


def test_the_report_s_figures_are_the_run_s_tables(published):
    page, r, params = published
    tables = _html_tables(page)
    # internal consistency: every row of audit_consistency.csv, α and the first component's share as rounded
    consistency = tables["Согласованность по направлениям и индексу"]
    assert [row[0] for row in consistency] == r["audit_consistency"]["aggregate"].tolist()
    for row, (_, want) in zip(consistency, r["audit_consistency"].iterrows()):
        if pd.notna(want["cronbach_alpha"]):
            assert _number(row[3]) == round(want["cronbach_alpha"], 2)
            assert _number(row[4]) == round(100 * want["pc1_share"], 1)
    # effective weights of the directions
    eff = r["effective_weights"][r["effective_weights"]["level"] == "direction"]
    shown = tables["Номинальные и эффективные доли направлений"]
    assert [row[0] for row in shown] == eff["code"].tolist()
    assert [_number(row[3]) for row in shown] == [round(100 * v, 1) for v in eff["variance_share"]]
    # the widest rank intervals: the cities and their intervals from uncertainty.csv
    u = r["uncertainty"].assign(width=r["uncertainty"]["p95_in_group"] - r["uncertainty"]["p5_in_group"])
    widest = u.sort_values(["width", "city_id"], ascending=[False, True], kind="stable").head(10)
    shown = tables["Самые широкие интервалы мест"]
    assert [row[0] for row in shown] == widest["city_ru"].tolist()
    assert [(int(row[4]), int(row[5])) for row in shown] == list(zip(widest["p5_in_group"], widest["p95_in_group"]))
    # Sobol indices, first output
    sens = r["sensitivity"][r["sensitivity"]["output"] == r["sensitivity"]["output"].iloc[0]]
    shown = tables["Индексы чувствительности Соболя"]
    assert [_number(row[4]) for row in shown] == [round(v, 3) for v in sens["STi"]]
    # the bands of indistinguishable places, from ties.csv
    bands = ties.band_rows(r["ties"])
    shown = tables["Полосы неотличимых мест"]
    assert len(shown) == len(bands) and sorted(row[2] for row in shown) == sorted(", ".join(n) for n in bands["names"])
    # the summary line of the coverage section: the missing values counted in values.csv
    codes = params.methodology.indicator_codes()
    missing = int(r["values"][codes].isna().to_numpy().sum())
    assert f"Пропущено значений: {missing} " in unescape(page)
    # no code word of the results in the reader's text
    assert "weights.indicator" not in page and "mean_abs_rank_shift" not in page


def test_the_pdf_says_synthetic_on_every_page_and_is_the_same_bytes_twice(published, tmp_path):
    _, r, params = published
    sections = ar.sections(params, r)
    first, second = audit_report.pdf(params, sections), audit_report.pdf(params, sections)
    assert first == second
    assert first == (RUN / "audit" / "report.pdf").read_bytes()          # as published
    path = tmp_path / "report.pdf"
    path.write_bytes(first)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    assert all("Синтетические демонстрационные данные — не официальные значения" in p for p in pages)
    assert "7. Статистически неотличимые места" in text and "α Кронбаха" in text


def test_a_run_without_an_uncertainty_analysis_says_so(published):
    _, r, params = published
    without = {k: v for k, v in r.items() if k not in {"uncertainty", "sensitivity", "ties"}}
    plain = copy.copy(params)
    plain.edition = params.edition.model_copy(update={"uncertainty": None})
    s = {x.key: x for x in ar.sections(plain, without)}
    assert s["uncertainty"].notes[0] == "Издание не задаёт анализа неопределённости."
    assert s["ties"].notes == ["Издание не задаёт анализа неопределённости; неотличимые места не рассчитаны."]
    assert not s["ties"].tables


def test_the_report_is_written_from_the_run_folder(tmp_path, published):
    import shutil
    _, _, params = published
    copy = tmp_path / "run"
    shutil.copytree(RUN, copy)
    shutil.rmtree(copy / "audit")
    audit_report.write(params, RunFolder(copy))
    assert (copy / "audit" / "index.html").read_bytes() == (RUN / "audit" / "index.html").read_bytes()
    assert (copy / "audit" / "report.pdf").read_bytes() == (RUN / "audit" / "report.pdf").read_bytes()
