"""The passport of a city in one edition: its page on the site (``templates/city.html``)
and the same passport as a one-page A4 PDF beside it (``city/<city_id>.pdf``).

``Passports(site_run)`` computes once, for every city of the run, what the passport adds to
the published scores (``analysis.passport``: places on each direction, peers, the leader's
margins, the levers re-scored with the edition's own method) and reads the city's trend
from the published series. ``page(city)`` returns the page's context: every value already
formatted in the edition's language; the PDF is drawn from that same context (no second
computation) by a worker process while the site goes on building, and ``close()`` waits
for the PDFs.

**Why reportlab.** Measured on this machine for a one-page passport: reportlab 10 ms a
PDF, Chromium's Page.printToPDF over one persistent headless browser 154 ms, WeasyPrint
259 ms. About a thousand passports must cost a few seconds of ``iq site``: only a direct
layout does. The PDF embeds a subset of DejaVu Sans (matplotlib's copy) for Cyrillic and is
written with reportlab's ``invariant`` mode (fixed creation date and document ID), so the
same inputs give the same bytes.
"""

from __future__ import annotations

import functools
import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from io import BytesIO
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from iqlib.analysis import passport as analysis
from iqlib.analysis import ties as analysis_ties
from iqlib.io import inputs
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import site as pages
from iqlib.presentation import svg
from iqlib.presentation.text import number
from iqlib.presentation.words import words
from iqlib.publishing.pdf import BOLD, FONT, INK, LINE, MUTED, WARN, WARN_BG, embed_common, fonts
from iqlib.publishing.series import series_folders

LEVERS = 5          # indicators shown under «what would lift the place most»
PEERS = 5


# --------------------------------------------------------------------------- the series
@functools.lru_cache(maxsize=8)
def _series(outputs: str) -> tuple[tuple[str, pd.DataFrame], ...]:
    """Each published series under ``outputs``: the runs it takes (as '2019/base') and its
    panel (year, city_id, group, rank, score, score_fixed)."""
    found = []
    for folder in series_folders(Path(outputs)):
        results = RunFolder(folder)
        if not (results.has("panel.csv") and results.has("editions.csv")):
            continue
        runs = results.read_csv("editions.csv")["run"].astype(str)
        keys = "|".join("/".join(Path(r).parts[-2:]) for r in runs)
        found.append((keys, results.read_csv("panel.csv")))
    return tuple(found)


def series_panel(run_folder: Path, key: str) -> pd.DataFrame | None:
    """The panel of the published series that takes the run ``key`` ('2019/base'), or None."""
    for keys, panel in _series(str(run_folder.parents[1])):
        if key in keys.split("|"):
            return panel
    return None


def strengths_and_weaknesses(deltas: dict[str, float], n: int = 3) -> tuple[dict[str, float], dict[str, float]]:
    """``analysis.summaries.strengths_and_weaknesses`` on a plain dict (a direction without
    data left out): the same order and ties, without a pandas sort per page."""
    ranked = sorted(deltas.items(), key=lambda kv: kv[1])              # stable, like the pandas sort
    top, bottom = ranked[len(ranked) - n:][::-1], ranked[:n]
    return {d: v for d, v in top if v > 0}, {d: v for d, v in bottom if v < 0}


def _top_levers(levers: pd.DataFrame) -> dict[str, list[tuple]]:
    """Per city, the indicators whose rise to the group's best gains most places, then most
    points (equal gains in the methodology's order); only rises that gain something:
    (indicator, value, best, new place, places, points, new index)."""
    t = levers.assign(points=levers["new_index"] - levers["index"], at=np.arange(len(levers)))
    t = t[(t["places"] > 0) | (t["points"] > 0)]
    t = t.sort_values(["city_id", "places", "points", "at"], ascending=[True, False, False, True], kind="stable")
    t = t.groupby("city_id", sort=False).head(LEVERS)
    out: dict[str, list[tuple]] = {}
    for row in zip(t["city_id"], t["indicator"], t["value"], t["best"], t["new_rank"], t["places"], t["points"], t["new_index"]):
        out.setdefault(row[0], []).append(row[1:])
    return out


# --------------------------------------------------------------------------- the passports
class Passports:
    """The passports of one run (``site``: the ``publishing.site.SiteRun`` writing it)."""

    def __init__(self, site: Any):
        self.s = site
        r, p, meth = site.r, site.p, site.meth
        self.w = pages.page_words(site.lang, "passport")
        folder = RunFolder(r.folder)
        scores = r.scores
        ranked = scores.index[scores["rank_in_group"].notna()]
        groups = scores["group"]
        aggregates = folder.read_csv("aggregates.csv", index=True).reindex(ranked)
        dirs = list(site.directions)
        self.places = analysis.direction_places(aggregates, groups, dirs) if dirs else pd.DataFrame(index=ranked)
        self.peers = analysis.peers(aggregates[dirs], groups, PEERS) if dirs else pd.DataFrame(
            columns=["city_id", "peer", "distance", "order"])
        self.margins = analysis.runner_up_margins(aggregates[dirs], aggregates[site.code].rename(site.code),
                                                  scores["rank_in_group"], groups)
        cities = folder.read_csv("cities.csv")
        values = r.values[meth.indicator_codes()]
        bounds = inputs.goalpost_bounds(p, values, cities)
        self.levers = analysis.levers(values, cities, meth.framework, bounds, own_bounds=not p.edition.base_edition)
        self.by_city = _top_levers(self.levers)
        self.peers_of = {c: list(zip(part["peer"], part["distance"])) for c, part in self.peers.groupby("city_id", sort=False)}
        self.margins_of = {str(part["leader"].iloc[0]): part for _, part in self.margins.groupby("group", sort=False)}
        order = scores.sort_values("rank_in_group", kind="stable")
        self.leader = order.groupby("group", sort=False).head(1).reset_index().set_index("group")["city_id"].to_dict()
        self.size = groups.value_counts().to_dict()
        self.rec = scores.to_dict("index")                      # city → its published row
        self.place_of = {c: dict(zip(dirs, row)) for c, row in zip(self.places.index, self.places[dirs].to_numpy(object))}
        self.medians, self.leading = site.medians.to_dict("index"), site.leaders.to_dict("index")
        codes = meth.indicator_codes()
        self.row = {c: k for k, c in enumerate(r.values.index)}
        self.raw = r.values.reindex(columns=codes).to_numpy(dtype=float)
        self.norm_row = {c: k for k, c in enumerate(r.normalised.index)}
        self.norm = r.normalised.reindex(columns=codes).to_numpy(dtype=float)
        self.kinds = {i.code: meth.kinds[i.kind] for i in meth.indicators}
        self.units = {i.code: p.local(meth.kinds[i.kind], "unit") for i in meth.indicators}
        self.derive = {i.code: i.derive for i in meth.indicators}
        self.names = {code: f"{code} {p.name(code)}" for code in [*codes, *dirs]}
        panel = series_panel(r.folder, r.key)
        self.trends = {} if panel is None else {c: part.sort_values("year") for c, part in panel.groupby("city_id", sort=False)}
        same = [o for o in site.runs if o.params.edition.scenario == p.edition.scenario]
        self.editions = {o.params.edition.edition: o for o in same}
        self.histories: dict[str, list[dict]] = {}
        for o in same:
            for cid, g, score, rank in zip(o.scores.index, o.scores["group"], o.scores[site.code], o.scores["rank_in_group"]):
                self.histories.setdefault(cid, []).append(
                    {"edition": o.params.edition.edition, "group": o.params.group_name(g), "score": site.num(score),
                     "rank": site.rank(rank), "href": None if o is r else f"../../../{o.key}/city/{cid}.html"})
        self.unsettled = None if r.ties is None else analysis_ties.unsettled(r.ties)
        self.pool: ProcessPoolExecutor | None = None
        self.jobs: list[Future] = []

    # ------------------------------------------------------------------ words and links
    def _name(self, cid: str) -> str:
        return str(self.rec[cid]["city_ru"])

    def _node(self, code: str) -> str:
        return self.names[code]

    def _of(self, rank: object, n: int) -> str:
        return str(self.s.w["rank_of"].format(rank=self.s.rank(rank), n=n))

    # ------------------------------------------------------------------ the page
    def page(self, cid: str) -> dict[str, Any]:
        """Everything ``templates/city.html`` shows for ``cid`` (and its PDF is drawn from),
        formatted; queues the PDF."""
        s, w = self.s, self.w
        c = self.rec[cid]
        g = c["group"]
        n = self.size[g]
        median, leader_dirs = self.medians[g], self.leading[g]
        lead = str(self.leader[g])
        leader = {"name": self._name(lead), "href": f"{lead}.html", "is_city": lead == cid}
        empty = {d for d in s.directions if (cid, d) in s.empty}
        values = [None if d in empty else float(c[d]) for d in s.directions]
        deltas = {d: v - float(median[d]) for d, v in zip(s.directions, values) if v is not None}
        places = self.place_of.get(cid, {})
        directions = [{"code": d, "name": self._node(d), "value": s.w["missing"] if d in empty else s.num(c[d]),
                       "mark": d not in empty and any((cid, k) in s.missing_cells for k in s.meth.children(d)),
                       "place": self._of(places.get(d, np.nan), n), "median": s.num(median[d]),
                       "leader": s.num(leader_dirs[d])} for d in s.directions]
        top = self.top if hasattr(self, "top") else self._top()
        chart = svg.grouped_bars(
            [self._node(d) for d in s.directions],
            [(c["city_ru"], values), (s.w["median"], [float(median[d]) for d in s.directions]),
             (w["leader_of"].format(name=leader["name"]), [float(leader_dirs[d]) for d in s.directions])],
            top, f"{c['city_ru']}: {s.w['directions']}", s.lang, s.w["missing"])
        up, down = strengths_and_weaknesses(deltas)
        strengths = [{"name": self._node(d), "delta": s.num(v), "leader": self._vs_leader(float(c[d]), float(leader_dirs[d]),
                                                                                            leader)}
                     for d, v in up.items()]
        weaknesses = [{"name": self._node(d), "delta": s.num(-v), "leader": self._vs_leader(float(c[d]), float(leader_dirs[d]),
                                                                                             leader)}
                      for d, v in down.items()]
        city = {"id": cid, "name": c["city_ru"], "region": c["region_ru"], "group": s.p.group_name(g),
                "group_href": f"../group-{g}.html", "score": s.num(c[s.code]),
                "rank": self._of(c["rank_in_group"], n), "interval": s.interval(cid),
                "rank_all": self._of(c["rank_overall"], len(self.rec)), "pdf": f"{cid}.pdf"}
        trend = self._trend(cid)
        history = self.histories.get(cid, [])
        context = {"city": city, "chart": chart, "directions": directions, "leader": leader,
                   "strengths": strengths, "weaknesses": weaknesses, "margins": self._margins(cid),
                   "peers": self._peers(cid, n), "levers": self._levers(cid, n), "ties": self._ties(cid),
                   "indicators": self._indicators(cid), "trend": trend,
                   "history": history if trend is None and len(history) > 1 else [],
                   "runroot": "../", **self._ctx(c["city_ru"])}
        context["presence_rules"] = list(dict.fromkeys(i["rule"] for i in context["indicators"] if i["rule"]))
        self._queue(context, s.out / "city" / f"{cid}.pdf")
        return context

    def _ctx(self, name: str) -> dict:
        """``SiteRun.ctx`` of a city page, its run part computed once per run."""
        if not hasattr(self, "base"):
            self.base = self.s.ctx(name)
        return {**self.base, "title": f"{name} — {self.s.r.title}" if name != self.s.r.title else name, "heading": name}

    def _top(self) -> float:
        """The direction charts' common axis end: the highest direction score of the run."""
        s = self.s
        self.top = max(float(s.r.scores[s.directions].max().max()), 0.0) if s.directions else 1.0
        return self.top

    def _vs_leader(self, value: float, best: float, leader: dict) -> str:
        if leader["is_city"]:
            return ""
        if value >= best:
            return str(self.w["above_leader"].format(leader=leader["name"], gap=self.s.num(value - best)))
        return str(self.w["below_leader"].format(leader=leader["name"], gap=self.s.num(best - value)))

    def _margins(self, cid: str) -> dict | None:
        """For the leader of its group: its margin over the runner-up, overall and on the
        three directions where it is smallest."""
        part = self.margins_of.get(cid)
        if part is None:
            return None
        second = str(part["runner_up"].iloc[0])
        rows = [{"name": self._node(node), "margin": self.s.num(abs(m)), "ahead": bool(m >= 0)}
                for node, m in zip(part["node"].iloc[1:4], part["margin"].iloc[1:4])]
        return {"runner_up": self._name(second), "href": f"{second}.html", "margin": self.s.num(part["margin"].iloc[0]),
                "rows": rows}

    def _peers(self, cid: str, n: int) -> list[dict]:
        return [{"name": self._name(p), "href": f"{p}.html", "score": self.s.num(self.rec[p][self.s.code]),
                 "rank": self._of(self.rec[p]["rank_in_group"], n), "distance": self.s.num(d)}
                for p, d in self.peers_of.get(cid, [])]

    def _ties(self, cid: str) -> dict | None:
        """The cities of its group the uncertainty analysis does not tell it apart from
        (``analysis.ties.unsettled``), each with the share of runs in which this city is
        above it; None without an uncertainty analysis."""
        if self.unsettled is None:
            return None
        tw = words(self.s.lang, "ties")
        others = [{"name": name, "href": f"{other}.html", "share": self.s.num(100 * p, 1)}   # 89,9: never shown as 90
                  for other, name, p in self.unsettled.get(cid, [])]
        for o in others:
            o["rest"] = tw["share_rest"].format(share=o["share"])
        line = tw["passport"].format(cities="; ".join(tw["share"].format(**o) for o in others)) if others else tw["passport_none"]
        return {"others": others, "line": line, "label": tw["passport_label"], "none": tw["passport_none"]}

    def _levers(self, cid: str, n: int) -> list[dict]:
        return [{"code": i, "name": self._node(i), "value": self._raw(i, v), "best": self._raw(i, b), "rank": self._of(new_rank, n),
                 "places": str(int(places)), "points": self.s.num(points), "score": self.s.num(new_index)}
                for i, v, b, new_rank, places, points, new_index in self.by_city.get(cid, [])]

    def _presence(self, code: str) -> bool:
        kind = self.kinds[code]
        return kind.min == 0 and kind.max == 1

    def _raw(self, code: str, x: float) -> str:
        if self._presence(code) and x in (0.0, 1.0):
            return str(self.w["present"] if x == 1.0 else self.w["absent"])
        return str(self.s.trimmed(x))

    def _indicators(self, cid: str) -> list[dict]:
        """Every indicator with its value, unit, normalised score and status; presence as
        «есть / нет», or a share with the methodology's rule that made it."""
        s, rows = self.s, []
        raw_row = self.raw[self.row[cid]]
        norm_row = self.norm[self.norm_row[cid]] if cid in self.norm_row else np.full(len(raw_row), np.nan)
        for k, ind in enumerate(s.meth.indicators):
            raw = raw_row[k]
            status = ""
            if (cid, ind.code) in s.missing_cells:
                status = s.w["missing"] if pd.isna(s.imputed.get((cid, ind.code))) else s.w["imputed"]
            unit, text, rule = self.units[ind.code], s.trimmed(raw), ""
            if self._presence(ind.code):
                unit = self.w["presence_unit"]
                if raw in (0.0, 1.0):
                    text = self.w["present"] if raw == 1.0 else self.w["absent"]
                elif raw == raw:
                    d = self.derive[ind.code]
                    rule = (self.w["rule_share"].format(code=ind.code, n=len(d.subcriteria))
                            if d is not None and hasattr(d, "subcriteria") else self.w["rule_file"].format(code=ind.code))
                    text = self.w["share"].format(value=s.trimmed(raw))
            rows.append({"code": ind.code, "name": self._node(ind.code), "raw": text, "unit": unit, "rule": rule,
                         "normalised": s.num(norm_row[k]), "status": status})
        return rows

    def _trend(self, cid: str) -> dict | None:
        """The city's published and fixed-goalpost scores across the series' editions
        (chart and table), or None when the run is not in a series or the city has one edition."""
        part = self.trends.get(cid)
        if part is None or len(part) < 2:
            return None
        s, w = self.s, self.w
        years = [int(y) for y in part["year"]]
        score = [None if v != v else float(v) for v in part["score"]]
        fixed = [None if v != v else float(v) for v in part["score_fixed"]]
        chart = svg.lines([(w["published"], years, score), (w["fixed"], years, fixed)],
                          w["trend_title"].format(city=self._name(cid)), w["axis"], s.w["missing"], s.lang)
        rows = []
        for y, g, a, b, rank in zip(years, part["group"], part["score"], part["score_fixed"], part["rank"]):
            o = self.editions.get(y)
            rows.append({"edition": y, "group": (o.params if o is not None else s.p).group_name(g), "score": s.num(a),
                         "fixed": s.num(b), "rank": s.rank(rank),
                         "href": None if o is None or o is s.r else f"../../../{o.key}/city/{cid}.html"})
        return {"chart": chart, "rows": rows, "years": years, "score": score, "fixed": fixed}

    # ------------------------------------------------------------------ the PDFs
    def _queue(self, context: dict, path: Path) -> None:
        job = pdf_job(context, self.w, self.s.lang)
        if self.pool is None:
            try:
                self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            except ValueError:                     # no fork on this platform: draw here
                self.pool = None
        if self.pool is None:
            write_pdf(job, path)
        else:
            self.jobs.append(self.pool.submit(write_pdf, job, path))

    def close(self) -> None:
        """Wait for every queued PDF (a failed one raises here)."""
        for job in self.jobs:
            job.result()
        if self.pool is not None:
            self.pool.shutdown()
        self.jobs, self.pool = [], None


# --------------------------------------------------------------------------- the PDF
def pdf_job(context: dict, w: dict, language: str) -> dict:
    """What the PDF shows, taken from the page's context (plain values: sent to a worker)."""
    run = context["run"]
    return {"city": context["city"], "run": {"title": run["title"], "index_label": run["index_label"]},
            "synthetic": w["synthetic"] if context["synthetic"] else "", "language": language,
            "directions": context["directions"], "leader": context["leader"], "strengths": context["strengths"],
            "weaknesses": context["weaknesses"], "margins": context["margins"], "peers": context["peers"],
            "levers": context["levers"], "ties": None if context["ties"] is None else context["ties"]["line"],
            "trend": None if context["trend"] is None else
            {k: context["trend"][k] for k in ("years", "score", "fixed")},
            "words": w, "footer": context.get("footer") or w["pdf_footer"].format(title=run["title"])}


def render_pdf(job: dict) -> bytes:
    """The passport as one A4 page (595 × 842 pt), the same bytes for the same job."""
    fonts()
    w = job["words"]
    buf = BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1, initialFontName=FONT, initialFontSize=8)
    embed_common(pdf)
    city = job["city"]
    pdf.setTitle(w["pdf_title"].format(city=city["name"]))
    pdf.setAuthor(job["run"]["title"])
    width, height = A4
    left, right = 36.0, width - 36.0
    y = height - 40

    words_on = pdf.beginText()      # every string in one text object, drawn last: over the lines and fills
    font_now: tuple[str, float] | None = None       # its font and size, and its colour: set when they change
    colour_now: Any = None

    def text(x: float, y: float, s: str, size: float = 8.0, bold: bool = False, colour: Any = INK,
             anchor: str = "left") -> None:
        nonlocal font_now, colour_now
        font = BOLD if bold else FONT
        if anchor != "left":
            shift = pdfmetrics.stringWidth(s, font, size)
            x -= shift if anchor == "right" else shift / 2
        if font_now != (font, size):
            words_on.setFont(font, size)
            font_now = (font, size)
        if colour_now is not colour:
            words_on.setFillColor(colour)
            colour_now = colour
        words_on.setTextOrigin(x, y)
        words_on.textOut(s)

    def wrap(s: str, span: float, size: float, bold: bool = False) -> list[str]:
        """``s`` in lines of at most ``span`` points: at spaces, and inside a word longer
        than a line (a name without spaces may be 120 characters long)."""
        font, lines = BOLD if bold else FONT, []
        for line in simpleSplit(s, font, size, span):
            while pdfmetrics.stringWidth(line, font, size) > span and len(line) > 1:
                cut = max((k for k in range(2, len(line)) if pdfmetrics.stringWidth(line[:k], font, size) <= span), default=1)
                lines.append(line[:cut])
                line = line[cut:]
            lines.append(line)
        return lines

    def para(x: float, y: float, s: str, span: float, size: float = 8.0, colour: Any = INK, bold: bool = False) -> float:
        for line in wrap(s, span, size, bold):
            text(x, y, line, size, bold, colour)
            y -= size * 1.3
        return y

    def fit(s: str, span: float, size: float, bold: bool = False) -> str:
        font = BOLD if bold else FONT
        if pdfmetrics.stringWidth(s, font, size) <= span:
            return s
        lo, hi = 0, len(s)                                  # the longest prefix that fits with "…"
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if pdfmetrics.stringWidth(s[:mid] + "…", font, size) <= span else (lo, mid - 1)
        return s[:lo].rstrip() + "…"

    def heads(columns: list[tuple[float, str, str]], y: float, span: float) -> float:
        """Column headings, each wrapped to ``span`` and set on the same last line."""
        split = [simpleSplit(label, BOLD, 7, span) for _, _, label in columns]
        lines = max(len(s) for s in split)
        for (x, anchor, _), parts in zip(columns, split):
            for k, part in enumerate(parts):
                text(x, y - 8.5 * (lines - len(parts) + k), part, 7, bold=True, anchor=anchor)
        return y - 8.5 * (lines - 1) - 4

    for line in wrap(city["name"], right - left, 18, bold=True):     # a long name on more lines, never off the page
        text(left, y, line, 18, bold=True)
        y -= 20
    y += 5
    y = para(left, y, f"{city['region']}. {w['group']}: {city['group']}. {job['run']['title']}", right - left, 8.5, MUTED)
    if job["synthetic"]:
        pdf.setFillColor(WARN_BG)
        pdf.rect(left, y - 5, right - left, 15, stroke=0, fill=1)
        text(left + 6, y, job["synthetic"], 8.5, bold=True, colour=WARN)
        y -= 20
    # the headline figures
    y -= 8
    boxes = [(job["run"]["index_label"], city["score"], ""),
             (w["place_group"], city["rank"], f"{w['interval']}: {city['interval']}" if city["interval"] else ""),
             (w["place_all"], city["rank_all"], "")]
    bw = (right - left) / 3
    for k, (label, value, note) in enumerate(boxes):
        x = left + k * bw
        text(x, y, label, 8, colour=MUTED)
        text(x, y - 19, value, 17, bold=True)
        if note:
            text(x, y - 30, note, 7.5, colour=MUTED)
    y -= 46
    if job.get("ties"):                                   # the cities it is not told apart from (analysis.ties)
        y = para(left, y + 4, job["ties"], right - left, 7.5, MUTED) - 8
    # the directions
    text(left, y, w["directions"], 11, bold=True)
    y -= 14
    cols = [(left, "left", w["directions"]), (right - 215, "right", city["name"]), (right - 150, "right", w["direction_place"]),
            (right - 75, "right", w["median"]), (right, "right", w["leader_of"].format(name=job["leader"]["name"]))]
    y = heads(cols, y, 62)
    for d in job["directions"]:
        pdf.setStrokeColor(LINE)
        pdf.line(left, y, right, y)
        y -= 10
        text(left, y, fit(d["name"], right - 215 - 60 - left, 8), 8)
        text(right - 215, y, d["value"] + ("*" if d["mark"] else ""), 8, anchor="right")
        text(right - 150, y, d["place"], 8, anchor="right")
        text(right - 75, y, d["median"], 8, anchor="right")
        text(right, y, d["leader"], 8, anchor="right")
        y -= 3
    pdf.line(left, y, right, y)
    if any(d["mark"] for d in job["directions"]):
        y -= 9
        text(left, y, w["mark_note"], 6.5, colour=MUTED)
    y -= 16
    # strengths and weaknesses (or, for the leader, its margins)
    half = (right - left - 18) / 2
    y0 = y
    text(left, y, w["strengths"], 11, bold=True)
    y -= 13
    for s in job["strengths"] or [None]:
        line = w["none"] if s is None else f"{s['name']}: {w['up']} {s['delta']}" + (f"; {s['leader']}" if s["leader"] else "")
        y = para(left, y, line, half, 7.5) - 2
    ya = y
    y = y0
    x2 = left + half + 18
    text(x2, y, w["weaknesses"], 11, bold=True)
    y -= 13
    weak = job["weaknesses"]
    if weak or job["margins"] is None:
        for s in weak or [None]:
            line = w["none"] if s is None else f"{s['name']}: {w['down']} {s['delta']}" + (f"; {s['leader']}" if s["leader"] else "")
            y = para(x2, y, line, half, 7.5) - 2
    else:
        y = para(x2, y, w["none_leader"], half, 7.5) - 2
    if job["margins"] is not None:                     # the leader: how close the runner-up is
        m = job["margins"]
        y -= 2
        text(x2, y, w["margins_heading"], 9, bold=True)
        y -= 11
        y = para(x2, y, w["margins_intro"].format(city=city["name"], runner=m["runner_up"], margin=m["margin"]), half, 7.5) - 2
        for r in m["rows"]:
            y = para(x2, y, f"{r['name']}: {w['ahead'] if r['ahead'] else w['behind']} {r['margin']}", half, 7.5) - 2
    y = min(y, ya) - 8
    # the levers
    text(left, y, w["levers_heading"], 11, bold=True)
    y -= 12
    if job["levers"]:
        columns = [(left, "left", w["indicator"]), (right - 170, "right", w["now"]), (right - 110, "right", w["best"]),
                 (right - 50, "right", w["rank_after"]), (right, "right", w["score_after"])]
        y = heads(columns, y, 56) - 6
        for lv in job["levers"]:
            text(left, y, fit(lv["name"], right - 170 - 70 - left, 7.5), 7.5)
            text(right - 170, y, fit(lv["value"], 60, 7.5), 7.5, anchor="right")
            text(right - 110, y, fit(lv["best"], 55, 7.5), 7.5, anchor="right")
            text(right - 50, y, lv["rank"], 7.5, anchor="right")
            text(right, y, lv["score"], 7.5, anchor="right")
            y -= 10
    else:
        y = para(left, y, w["levers_none"], right - left, 7.5)
    y = para(left, y - 2, w["levers_note"], right - left, 6.5, MUTED) - 6
    # the peers
    if job["peers"]:
        text(left, y, w["peers_heading"], 11, bold=True)
        y -= 12
        y = para(left, y, "; ".join(f"{p['name']} ({p['score']}, {p['rank']})" for p in job["peers"]), right - left, 8) - 6
    # the trend and what can be compared across years
    if job["trend"] is not None:
        text(left, y, w["trend_heading"], 11, bold=True)
        y -= 8
        chart_h = min(130.0, y - 62)
        if chart_h > 60:
            _trend_chart(pdf, text, job["trend"], left, y - chart_h, 250, chart_h, w, job["language"])
            para(left + 270, y - 6, w["comparability"], right - left - 270, 7)
            y -= chart_h + 14
        else:
            y = para(left, y - 6, w["comparability"], right - left, 7) - 6
    # the footer
    pdf.setStrokeColor(LINE)
    pdf.line(left, 46, right, 46)
    para(left, 36, job["footer"], right - left, 6.5, MUTED)
    pdf.drawText(words_on)
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _trend_chart(pdf: canvas.Canvas, text: Callable[..., None], trend: dict, x0: float, y0: float, cw: float,
                 ch: float, w: dict, language: str) -> None:
    """The published and fixed-goalpost scores by year: two lines from 0 to a round maximum
    (its words through ``text``, the page's, so that they are read in the page's order)."""
    years, series = trend["years"], [(w["published"], trend["score"]), (w["fixed"], trend["fixed"])]
    present = [v for _, vs in series for v in vs if v is not None]
    end, ticks, decimals = svg.nice_ticks(max(present) if present else 1.0)
    legend = 32
    plot_x, plot_y, plot_w, plot_h = x0 + 26, y0 + 14, cw - 34, ch - 14 - legend
    lo, hi = years[0], years[-1]

    def px(year: int) -> float:
        return plot_x + 8 + (year - lo) / max(hi - lo, 1) * (plot_w - 16)

    def py(v: float) -> float:
        return plot_y + v / end * plot_h

    for t in range(ticks + 1):
        v = end * t / ticks
        pdf.setStrokeColor(LINE)
        pdf.line(plot_x, py(v), plot_x + plot_w, py(v))
        text(plot_x - 3, py(v) - 2, number(v, decimals, language), 6.5, colour=MUTED, anchor="right")
    for year in years:
        text(px(year), plot_y - 9, str(year), 6.5, colour=MUTED, anchor="centre")
    for k, (label, values) in enumerate(series):
        colour = HexColor(svg.PALETTE[k])
        pdf.setStrokeColor(colour)
        pdf.setFillColor(colour)
        pdf.setLineWidth(2.2 - 0.8 * k)
        points = [(px(y), py(v)) for y, v in zip(years, values) if v is not None]
        for (xa, ya), (xb, yb), ok in zip(points, points[1:], _consecutive(years, values)):
            if ok:
                pdf.line(xa, ya, xb, yb)
        for xp, yp in points:
            pdf.circle(xp, yp, 2.2 - 0.5 * k, stroke=0, fill=1)
        ly = y0 + ch - 8 - 11 * k
        pdf.line(x0, ly + 2, x0 + 14, ly + 2)
        text(x0 + 18, ly, label, 7)
    pdf.setLineWidth(1)


def _consecutive(years: list[int], values: list[float | None]) -> list[bool]:
    """For each pair of drawn neighbours: whether no year with a missing value lies between."""
    kept = [y for y, v in zip(years, values) if v is not None]
    return [years.index(b) - years.index(a) == 1 for a, b in zip(kept, kept[1:])]


def write_pdf(job: dict, path: Path) -> None:
    """Draw the passport and write it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render_pdf(job))
