"""The statistical audit report of a run (``presentation.audit_report``) written into the
run folder by ``iq run``: ``audit/index.html`` (a page that works offline, its stylesheet
inside) and ``audit/report.pdf`` (A4, reportlab's platypus, the passports' DejaVu fonts,
invariant mode: the same bytes for the same run). Both are listed in the manifest and the
checksums like every file of the run, and the site copies them beside the edition page,
which links to them (made again there in the site's language). On synthetic data every page
of both says so."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

import pandas as pd

from iqlib.config.params import Params
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import audit_report, framing
from iqlib.presentation import site as pages
from iqlib.presentation.titles import run_title
from iqlib.presentation.words import words
from iqlib.publishing.pdf import BOLD, FONT, INK, LINE, MUTED, WARN, fonts

FOLDER = "audit"


READS = ("values", "imputation", "screened", "warnings", "audit_distribution", "treatment", "audit_correlations",
         "audit_collinear", "audit_consistency", "effective_weights", "uncertainty", "sensitivity", "leave_one_out", "ties")


def result_tables(folder: RunFolder) -> dict[str, pd.DataFrame]:
    """The tables of the run's results/ the report reads (``READS``: all it reads), by name;
    one the run does not have is absent."""
    return {name: folder.read_csv(f"{name}.csv") for name in READS if folder.has(f"{name}.csv")}


def write(params: Params, folder: RunFolder, out: Path | None = None) -> None:
    """``audit/index.html`` and ``audit/report.pdf`` of the run in ``folder`` (into ``out``
    instead: the site, which may show the run in another language)."""
    sections = audit_report.sections(params, result_tables(folder))
    out = folder.root / FOLDER if out is None else out
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(page(params, sections), encoding="utf-8")
    (out / "report.pdf").write_bytes(pdf(params, sections))


def _heading(params: Params) -> str:
    return str(words(params.language, "audit_report")["heading"].format(run=run_title(params)))


def page(params: Params, sections: list[audit_report.Section]) -> str:
    """The report as one standalone page (stylesheet inside, no script)."""
    w = words(params.language, "audit_report")
    ed = params.edition
    heading = _heading(params)
    return pages.render("audit_report", params.language, "", section="audit_report", standalone=True,
                        inline_css=pages.ASSETS["css"][1], title=heading, heading=heading, synthetic=ed.synthetic,
                        links=[{"href": "../index.html", "text": w["back"]}],
                        footer=framing.footer(params, run_title(params), f"{ed.edition}/{ed.scenario}/{FOLDER}/index.html"),
                        intro=w["intro"], pdf_href="report.pdf", sections=sections)


def pdf(params: Params, sections: list[audit_report.Section]) -> bytes:
    """The report as an A4 PDF: headings, notes and tables (header rows repeated on each
    page), the synthetic-data notice and the page number on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    fonts()
    w = words(params.language, "audit_report")
    heading = _heading(params)
    synthetic = w["synthetic"] if params.edition.synthetic else ""
    body = ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11, textColor=INK, spaceAfter=4)
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=15, leading=19, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=body, fontName=BOLD, fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4)
    caption = ParagraphStyle("caption", parent=body, fontName=BOLD, fontSize=8, spaceBefore=4, spaceAfter=2)
    cell = ParagraphStyle("cell", parent=body, fontSize=7, leading=8.5, spaceAfter=0)
    head = ParagraphStyle("head", parent=cell, fontName=BOLD)
    right, head_right = ParagraphStyle("right", parent=cell, alignment=2), ParagraphStyle("head_right", parent=head, alignment=2)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)

    story: list[Any] = [para(heading, title), para(w["intro"], body)]
    for s in sections:
        story.append(para(s.title, h2))
        story += [para(n, body) for n in s.notes]
        for t in s.tables:
            if t.note:
                story.append(para(t.note, body))
            story.append(para(t.caption, caption))
            rows = [[para(h, head_right if n else head) for h, n in zip(t.header, t.numeric)]]
            rows += [[para(v, right if n else cell) for v, n in zip(r, t.numeric)] for r in t.rows]
            table = LongTable(rows, repeatRows=1, hAlign="LEFT", colWidths=_widths(t, A4[0] - 2 * 42))
            table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED), ("LINEBELOW", (0, 1), (-1, -1), 0.3, LINE),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                       ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
            story += [table, Spacer(1, 4)]

    def frame(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        if synthetic:                                   # on every page
            canvas.setFillColor(WARN)
            canvas.setFont(BOLD, 8)
            canvas.drawString(42, A4[1] - 28, synthetic)
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 7)
        canvas.drawString(42, 24, run_title(params))
        canvas.drawRightString(A4[0] - 42, 24, w["page"].format(page=doc.page))
        canvas.restoreState()

    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=42, rightMargin=42, topMargin=44, bottomMargin=40,
                            title=heading, author=w["author"], invariant=1)
    doc.build(story, onFirstPage=frame, onLaterPages=frame)
    return buf.getvalue()


def _widths(t: audit_report.ReportTable, total: float) -> list[float]:
    """Column widths: numbers narrow, every column at least as wide as its header's longest
    word (7 pt bold: about 4.6 pt a letter), text sharing the rest by its longest cell."""
    n = len(t.header)
    least = [max(4.6 * max((len(word) for word in t.header[k].split()), default=1) + 6, 52.0 if t.numeric[k] else 24.0)
             for k in range(n)]
    longest = [max([len(t.header[k]), *(len(r[k]) for r in t.rows)]) for k in range(n)]
    weights = [0.0 if t.numeric[k] else float(min(60, max(4, longest[k]))) for k in range(n)]
    free = max(0.0, total - sum(least))
    spread = sum(weights) or 1.0
    return [least[k] + free * weights[k] / spread for k in range(n)]
