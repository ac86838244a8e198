"""The auditor's workbook: a run's inputs and its whole calculation as live spreadsheet
formulas (like the JRC's COIN Tool), so that Excel or LibreOffice recompute every city's
IQ and place from the values sheet, and the last sheet sets them beside the published ones.

Sheets (Russian names by default; every word from the catalogue's ``auditor`` section):
read-me, values (the inputs as used), parameters (per indicator and per aggregate, aligned
column by column with the sheets that use them), missing values (imputation), bounds
(each group's oriented minimum and maximum, or the goalposts), normalisation, one sheet
per aggregation level (directions, index with rounding and places), reconciliation.

Formulas use only functions Excel (2019+) and LibreOffice both know: IF, ISBLANK, ISNUMBER,
IFERROR, INDEX, MIN, MAX, MINIFS, MAXIFS, AVERAGEIFS, COUNTIFS, SUMPRODUCT, ABS, ROUND; no
array formula (SUMPRODUCT evaluates its arguments as arrays by itself), no macro. A method
formulas do not express here (outlier treatment, the group median, normalisations other
than min–max and goalposts, scopes other than the group or all cities, screening,
aggregations other than the weighted mean and sum) is written as the run's VALUES, and the
read-me and the sheet say so. Places: a city's place is 1 + the number of cities of its
group whose full-precision IQ is better beyond the tie tolerance (TIE_RTOL relative to the
larger magnitude). This is the engine's rule (``core.ranking.tie_ranks``) whenever no tie
chains, i.e. whenever two cities within the tolerance of each other are in one tie group;
``fragile.csv`` lists every pair near the tolerance, and the test checks every published run.

Same inputs, same bytes: fixed document dates and the stable zip of ``io.downloads``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter as col
from openpyxl.worksheet.worksheet import Worksheet

from iqlib.config.params import Params
from iqlib.core.framework import Framework
from iqlib.core.normalise import Bounds, Goalposts, MinMax
from iqlib.core.ranking import TIE_RTOL
from iqlib.io import inputs
from iqlib.io.downloads import FIXED_TIME, _stable_zip
from iqlib.io.runfolder import FORMULA_START, RunFolder
from iqlib.presentation.words import words
from iqlib.publishing.filenames import run_stem

FIRST = 3          # first city row on every city sheet (row 1: codes, row 2: names)
ITEM = 5           # first item column (A city code, B city, C group, D group number)
FORMULA_IMPUTATION = {"zero", "exclude", "group_mean", "group_min"}
FORMULA_AGGREGATION = {"weighted_mean", "weighted_sum"}


def file_name(params: Params) -> str:
    """``iq-<edition>-<scenario>-audit.xlsx``: the run's stem (``filenames.run_stem``) marked as the audit book."""
    return f"{run_stem(params)}-audit.xlsx"


def link(params: Params) -> dict[str, str]:
    """The edition page's link to the workbook: its address and its words."""
    w = words(params.language, "auditor")
    return {"href": f"downloads/{file_name(params)}", "name": w["link"], "note": w["link_note"]}


@dataclass
class Book:
    """What the workbook shows: the roster in published order (``cities``: city_ru, group
    and the group's name), the inputs as used (cities × indicators), the framework and the
    weights used (child → weight), goalposts from the base edition, and the run's own
    results for the steps written as values and for the reconciliation."""

    cities: pd.DataFrame
    values: pd.DataFrame
    fw: Framework
    names: dict[str, str]
    kinds: dict[str, str]
    groups: list[str]                       # group codes in order (their number is the position + 1)
    group_names: dict[str, str]
    weights: dict[str, float]
    published: pd.DataFrame                 # IQ (rounded), rank_in_group, rank_overall by city
    normalised: pd.DataFrame                # the run's, for indicators written as values
    aggregates: pd.DataFrame                # the run's, for levels written as values
    imputed: dict[tuple[str, str], float] = field(default_factory=dict)
    bounds: Bounds | None = None
    language: str = "ru"
    title: str = ""
    synthetic: bool = False


def book_of(folder: Path, params: Params) -> Book:
    """The workbook's contents for the run folder ``folder`` (a published run) and its parameters."""
    rf = RunFolder(folder)
    scores = rf.read_csv("scores.csv", index=True)
    fw = params.methodology.framework
    codes = fw.indicator_codes()
    values = rf.read_csv("values.csv", index=True).reindex(index=scores.index, columns=codes)
    cities = rf.read_csv("cities.csv", index=True)
    weights = rf.read_csv("weights.csv")
    imputation = rf.read_csv("imputation.csv")
    bounds = None
    if any(_base_posts(fw.normalisation[c]) for c in codes):
        bounds = inputs.goalpost_bounds(params, values, cities.reindex(values.index))
    meth = params.methodology
    return Book(
        cities=pd.DataFrame({"city_ru": scores["city_ru"], "group": scores["group"]}),
        values=values, fw=fw,
        names={c: params.name(c) for c in codes + fw.aggregate_codes()},
        kinds={i.code: i.kind for i in meth.indicators},
        groups=list(params.group_codes), group_names={g: params.group_name(g) for g in params.group_codes},
        weights={**fw.weight, **dict(zip(weights["child"], weights["weight"].astype(float)))},
        published=scores[[fw.index_code, "rank_in_group", "rank_overall"]],
        normalised=rf.read_csv("normalised.csv", index=True).reindex(index=scores.index, columns=codes),
        aggregates=rf.read_csv("aggregates.csv", index=True).reindex(scores.index),
        imputed={(c, i): v for c, i, v in zip(imputation["city_id"], imputation["indicator"], imputation["value"])},
        bounds=bounds, language=params.language, title=params.local(params.edition, "title"),
        synthetic=params.edition.synthetic)


def write_for_run(folder: Path, params: Params, downloads: Path) -> Path:
    """The site's hook: the workbook of the run in ``folder`` into its ``downloads`` folder."""
    return write(book_of(folder, params), downloads / file_name(params))


def write(book: Book, path: Path) -> Path:
    """The workbook of ``book`` at ``path``, byte-identical for the same contents."""
    builder = _Builder(book)
    wb = builder.build()
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_stable_zip(_inject(buffer.getvalue(), wb.sheetnames, builder.body)))
    return path


_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _cell_xml(ref: str, value: object) -> str:
    """One cell as SpreadsheetML: a formula (text starting with '='), a number or inline text."""
    if isinstance(value, str) and value.startswith("="):
        return f"<c r=\"{ref}\"><f>{xml_escape(value[1:])}</f></c>"
    if isinstance(value, bool | int | float | np.number):
        return f"<c r=\"{ref}\"><v>{float(value)!r}</v></c>" if np.isfinite(float(value)) else ""
    text = xml_escape(_ILLEGAL.sub("", str(value)))
    return f"<c r=\"{ref}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{text}</t></is></c>"


def _inject(data: bytes, sheetnames: list[str], body: dict[str, dict[int, dict[int, object]]]) -> bytes:
    """The saved workbook with the city rows of ``body`` appended to their sheets' data
    (after the header rows openpyxl wrote) and each sheet's dimension widened to them."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:  # _stable_zip deflates
        files = {f"xl/worksheets/sheet{i}.xml": name for i, name in enumerate(sheetnames, 1)}
        for info in src.infolist():
            content = src.read(info.filename)
            rows = body.get(files.get(info.filename, ""))
            if rows:
                xml = "".join(f"<row r=\"{r}\">" + "".join(_cell_xml(f"{col(j)}{r}", cells[j]) for j in sorted(cells))
                              + "</row>" for r, cells in sorted(rows.items()))
                last = max((max(cells) for cells in rows.values() if cells), default=1)
                text = content.decode("utf-8")
                text = re.sub(r"<sheetData\s*/>", "<sheetData></sheetData>", text, count=1)
                text = text.replace("</sheetData>", xml + "</sheetData>", 1)
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{col(last)}{max(rows)}"/>', text, count=1)
                content = text.encode("utf-8")
            info.compress_type = zipfile.ZIP_STORED
            dst.writestr(info, content)
    return out.getvalue()


def safe(value: object) -> object:
    """A cell value from data: text that a spreadsheet would read as a formula gets a leading
    apostrophe (the rule of ``io.runfolder.escape_formulas``); NaN is an empty cell."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _number(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)  # type: ignore[arg-type]


class _Builder:
    """Lays the sheets out; every address a formula uses is computed here."""

    def __init__(self, book: Book):
        self.b, self.fw = book, book.fw
        self.w = words(book.language, "auditor.book")
        self.s = words(book.language, "auditor.book.sheets")
        self.n = len(book.cities)
        self.cids = list(book.cities.index)
        self.last = FIRST + self.n - 1
        self.k = len(book.groups)
        self.codes = self.fw.indicator_codes()
        self.levels = list(self.fw.levels)
        self.values_notes: list[str] = []
        self.wb = Workbook()
        self.wb.remove(self.wb.active)
        self.level_sheet = {self.levels[0]: self.s["normalised"]}
        for i, level in enumerate(self.levels[1:], 1):
            self.level_sheet[level] = self.s["index"] if i == len(self.levels) - 1 else \
                self.s["directions"] if i == 1 else f"{self.s['level']} {i}"
        self.param_rows: dict[str, dict[str, int]] = {}
        self.body: dict[str, dict[int, dict[int, object]]] = {}   # sheet → city row → column → value

    def put(self, ws: Worksheet, r: int, j: int, value: object) -> None:
        """A city row's cell: kept aside and written as XML by ``_inject`` (openpyxl's writer
        takes seconds for the tens of thousands of formulas)."""
        if value is not None:
            self.body[ws.title][r][j] = value

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def ref(sheet: str, address: str) -> str:
        return f"'{sheet}'!{address}"

    def rng(self, sheet: str, c: str, absolute_col: bool = True) -> str:
        """The city rows of column ``c`` of ``sheet``."""
        d = "$" if absolute_col else ""
        return f"'{sheet}'!{d}{c}${FIRST}:{d}{c}${self.last}"

    def city_sheet(self, title: str, codes: list[str]) -> Worksheet:
        """A sheet with a row per city (codes and names in rows 1–2, the roster in A–D)."""
        ws = self.wb.create_sheet(title)
        head = [self.w["city_id"], self.w["city"], self.w["group"], self.w["group_number"]]
        for j, h in enumerate(head, 1):
            ws.cell(1, j, h).font = Font(bold=True)
        for j, c in enumerate(codes, ITEM):
            ws.cell(1, j, safe(c)).font = Font(bold=True)
            ws.cell(2, j, safe(self.b.names.get(c, ""))).alignment = Alignment(wrap_text=True, vertical="top")
        number = {g: i for i, g in enumerate(self.b.groups, 1)}
        self.body[title] = {}
        for r, (cid, row) in enumerate(self.b.cities.iterrows(), FIRST):
            self.body[title][r] = {1: safe(cid), 2: safe(row["city_ru"]),
                                   3: safe(self.b.group_names.get(row["group"], row["group"])), 4: number[row["group"]]}
        ws.freeze_panes = f"{col(ITEM)}{FIRST}"
        for letter, width in (("A", 16), ("B", 22), ("C", 28), ("D", 8)):
            ws.column_dimensions[letter].width = width
        ws.row_dimensions[2].height = 60
        return ws

    def note(self, ws: Worksheet, text: str) -> None:
        """A notice in the first cell of row 2 (the sheet's own words, not data)."""
        ws.cell(2, 1, text).font = Font(bold=True, color="C00000")

    # ------------------------------------------------------------------ sheets
    def build(self) -> Workbook:
        readme = self.wb.create_sheet(self.s["readme"])
        self.values_sheet()
        self.params_sheet()
        self.imputation_sheet()
        self.bounds_sheet()
        self.normalised_sheet()
        for level in self.levels[1:]:
            self.aggregate_sheet(level)
        self.reconciliation_sheet()
        self.readme_sheet(readme)
        self.wb.calculation.fullCalcOnLoad = True
        props = self.wb.properties
        props.creator = self.w["creator"]
        props.title = str(safe(f"{self.w['title']} — {self.b.title}"))
        props.created = props.modified = FIXED_TIME
        return self.wb

    def values_sheet(self) -> None:
        ws = self.city_sheet(self.s["values"], self.codes)
        values = self.b.values.to_dict("index")
        for r, cid in enumerate(self.cids, FIRST):
            for j, c in enumerate(self.codes, ITEM):
                self.put(ws, r, j, _number(values[cid][c]))

    def params_sheet(self) -> None:
        ws = self.wb.create_sheet(self.s["params"])
        ws.column_dimensions["A"].width = 44
        labels = words(self.b.language, "auditor.book.param_rows")
        rows = ["code", "name", "parent", "kind", "polarity", "weight", "missing", "treatment", "normalisation",
                "within", "out_lower", "out_upper", "goal_lower", "goal_upper", "constant", "how"]
        at = {key: i for i, key in enumerate(rows, 1)}
        self.param_rows[self.levels[0]] = at
        for key, r in at.items():
            ws.cell(r, 1, labels[key]).font = Font(bold=key == "code")
        for j, c in enumerate(self.codes, ITEM):
            cfg = self.fw.normalisation[c]
            cells: dict[str, object] = {
                "code": safe(c), "name": safe(self.b.names.get(c, "")), "parent": safe(self.fw.parent.get(c, "")),
                "kind": safe(self.b.kinds.get(c, "")), "polarity": float(self.fw.polarity[c]),
                "weight": float(self.b.weights.get(c, self.fw.weight.get(c, 1.0))), "missing": self.fw.missing[c],
                "treatment": self.fw.treatment[c].method, "normalisation": cfg.method, "within": cfg.within,
                "how": self.w["how_formulas"] if self.formula_indicator(c) else self.w["how_values"]}
            if isinstance(cfg, MinMax):
                fill = {"midpoint": (cfg.lower + cfg.upper) / 2, "lower": cfg.lower, "upper": cfg.upper}[cfg.constant]
                cells |= {"out_lower": cfg.lower, "out_upper": cfg.upper, "constant": fill}
            elif isinstance(cfg, Goalposts):
                cells |= {"out_lower": 0.0, "out_upper": cfg.scale, "goal_lower": cfg.lower,
                          "goal_upper": cfg.upper if not isinstance(cfg.upper, str) else self.w[f"goal_{cfg.upper}"]}
            for key, v in cells.items():
                ws.cell(at[key], j, v)
            ws.column_dimensions[col(j)].width = 12
        ws.row_dimensions[at["name"]].height = 60
        r = len(rows) + 2
        agg_labels = words(self.b.language, "auditor.book.level_rows")
        for level in self.levels[1:]:
            ws.cell(r, 1, f"{agg_labels['level']}: {self.level_sheet[level]}").font = Font(bold=True)
            r += 1
            lat = {key: r + i for i, key in enumerate(["code", "name", "parent", "weight", "method", "min_coverage",
                                                       "missing", "how"])}
            self.param_rows[level] = lat
            for key, rr in lat.items():
                ws.cell(rr, 1, agg_labels[key])
            agg = self.fw.aggregation[level]
            for j, c in enumerate(self.fw.level_codes(level), ITEM):
                cells = {"code": safe(c), "name": safe(self.b.names.get(c, "")), "parent": safe(self.fw.parent.get(c, "")),
                         "weight": float(self.b.weights.get(c, self.fw.weight.get(c, 1.0))) if c in self.fw.parent else None,
                         "method": agg.method, "min_coverage": float(agg.min_coverage),
                         "missing": self.w[f"missing_{agg.missing}"],
                         "how": self.w["how_formulas"] if self.formula_level(level) else self.w["how_values"]}
                for key, v in cells.items():
                    ws.cell(lat[key], j, v)
            r += len(lat) + 1
        self.decimals_cell = f"$B${r}"
        self.tol_cell = f"$B${r + 1}"
        ws.cell(r, 1, self.w["decimals"])
        ws.cell(r, 2, int(self.fw.decimals))
        ws.cell(r + 1, 1, self.w["tolerance"])
        ws.cell(r + 1, 2, TIE_RTOL)
        ws.freeze_panes = "B2"

    def prow(self, level: str, key: str, c: str | None = None, absolute: bool = False) -> str:
        """Parameters' row ``key`` of ``level``: one cell (column ``c``, row fixed) or the level's whole row."""
        r = self.param_rows[level][key]
        if c is not None:
            return self.ref(self.s["params"], f"{c}${r}")
        last = col(ITEM + len(self.fw.level_codes(level)) - 1)
        return self.ref(self.s["params"], f"${col(ITEM)}${r}:${last}${r}")

    # which steps are formulas
    def formula_indicator(self, c: str) -> bool:
        cfg = self.fw.normalisation[c]
        return (self.fw.screening is None and self.fw.treatment[c].method == "none"
                and isinstance(cfg, MinMax | Goalposts) and cfg.within in ("group", "all")
                and self.formula_imputation(c))

    def formula_imputation(self, c: str) -> bool:
        return self.fw.missing[c] in FORMULA_IMPUTATION and (
            self.fw.missing[c] in ("zero", "exclude") or self.fw.imputation_by == "group")

    def formula_level(self, level: str) -> bool:
        i = self.levels.index(level)
        below = self.levels[i - 1]
        ok_below = all(self.formula_indicator(c) for c in self.codes) if i == 1 else self.formula_level(below)
        return self.fw.aggregation[level].method in FORMULA_AGGREGATION and ok_below

    def imputation_sheet(self) -> None:
        ws = self.city_sheet(self.s["imputed"], self.codes)
        vs = self.s["values"]
        for j, c in enumerate(self.codes, ITEM):
            L = col(j)
            rule = self.fw.missing[c]
            formula = self.formula_imputation(c)
            for r, cid in enumerate(self.cids, FIRST):
                x = self.ref(vs, f"{L}{r}")
                if not formula:
                    if (cid, c) in self.b.imputed:
                        self.put(ws, r, j, _number(self.b.imputed[(cid, c)]))
                    else:
                        self.put(ws, r, j, f"=IF(ISBLANK({x}),\"\",{x})")
                    continue
                col_rng, grp = self.rng(vs, L), self.rng(vs, "D")
                fill = {"zero": "0", "exclude": '""',
                        "group_mean": f'IFERROR(AVERAGEIFS({col_rng},{grp},$D{r}),"")',
                        "group_min": f'IF(COUNTIFS({grp},$D{r},{col_rng},"<>")=0,"",_xlfn.MINIFS({col_rng},{grp},$D{r}))'}[rule]
                self.put(ws, r, j, f"=IF(ISBLANK({x}),{fill},{x})")
        if not all(self.formula_imputation(c) for c in self.codes):
            self.note(ws, self.w["values_imputation"])
            self.values_notes.append(self.w["values_imputation"])

    def bounds_sheet(self) -> None:
        ws = self.wb.create_sheet(self.s["bounds"])
        ws.cell(1, 1, self.w["group_number"]).font = Font(bold=True)
        ws.cell(1, 2, self.w["group"]).font = Font(bold=True)
        ws.cell(1, 3, self.w["bound"]).font = Font(bold=True)
        ws.column_dimensions["B"].width = 28
        ws.column_dimensions["C"].width = 20
        imp = self.s["imputed"]
        lvl = self.levels[0]
        for j, c in enumerate(self.codes, ITEM):
            ws.cell(1, j, safe(c)).font = Font(bold=True)
        for g_i, g in enumerate(self.b.groups, 1):
            for block, key in ((0, "lower"), (1, "upper")):
                r = FIRST + block * self.k + g_i - 1
                ws.cell(r, 1, g_i)
                ws.cell(r, 2, safe(self.b.group_names.get(g, g)))
                ws.cell(r, 3, self.w[f"bound_{key}"])
                for j, c in enumerate(self.codes, ITEM):
                    if not self.formula_indicator(c):
                        continue
                    L = col(j)
                    cfg = self.fw.normalisation[c]
                    pol = self.prow(lvl, "polarity", L)
                    if isinstance(cfg, MinMax):
                        x = self.rng(imp, L)
                        if cfg.within == "group":
                            crit = f",{self.rng(imp, 'D')},$A{r}"
                            lo, hi = f"_xlfn.MINIFS({x}{crit})", f"_xlfn.MAXIFS({x}{crit})"
                        else:
                            lo, hi = f"MIN({x})", f"MAX({x})"
                        ws.cell(r, j, f"=IF({pol}>0,{lo},-{hi})" if key == "lower" else f"=IF({pol}>0,{hi},-{lo})")
                    else:
                        assert isinstance(cfg, Goalposts)
                        if key == "lower" or not isinstance(cfg.upper, str):
                            ws.cell(r, j, f"={self.prow(lvl, 'goal_lower' if key == 'lower' else 'goal_upper', L)}")
                        elif self.b.bounds is not None:   # from the base edition: a value
                            post = (self.b.bounds.group_max[c].get(g) if cfg.upper == "base_group_max"
                                    else self.b.bounds.max[c])
                            ws.cell(r, j, _number(post))
        ws.freeze_panes = f"{col(ITEM)}2"
        if any(_base_posts(self.fw.normalisation[c]) for c in self.codes):
            self.note(ws, self.w["values_base_posts"])
            self.values_notes.append(self.w["values_base_posts"])

    def normalised_sheet(self) -> None:
        ws = self.city_sheet(self.s["normalised"], self.codes)
        imp, bounds, lvl = self.s["imputed"], self.s["bounds"], self.levels[0]
        normalised = self.b.normalised.to_dict("index")
        for j, c in enumerate(self.codes, ITEM):
            L = col(j)
            cfg = self.fw.normalisation[c]
            formula = self.formula_indicator(c)
            p = {k: self.prow(lvl, k, L) for k in ("polarity", "out_lower", "out_upper", "constant")}
            lo_rng = self.ref(bounds, f"{L}${FIRST}:{L}${FIRST + self.k - 1}")
            hi_rng = self.ref(bounds, f"{L}${FIRST + self.k}:{L}${FIRST + 2 * self.k - 1}")
            for r, cid in enumerate(self.cids, FIRST):
                if not formula:
                    self.put(ws, r, j, _number(normalised[cid][c]))
                    continue
                x = self.ref(imp, f"{L}{r}")
                lo, hi = f"INDEX({lo_rng},$D{r})", f"INDEX({hi_rng},$D{r})"
                if isinstance(cfg, MinMax):
                    body = (f"IF({hi}-{lo}=0,{p['constant']},{p['out_lower']}+({p['polarity']}*{x}-{lo})/({hi}-{lo})"
                            f"*({p['out_upper']}-{p['out_lower']}))")
                else:
                    assert isinstance(cfg, Goalposts)
                    share = f"IF({p['polarity']}>0,({x}-{lo})/({hi}-{lo}),({hi}-{x})/({hi}-{lo}))"
                    body = f"{p['out_upper']}*" + (f"MIN(1,MAX(0,{share}))" if cfg.truncate else share)
                self.put(ws, r, j, f'=IF(ISNUMBER({x}),{body},"")')
        if not all(self.formula_indicator(c) for c in self.codes):
            shown = ", ".join(c for c in self.codes if not self.formula_indicator(c))
            self.note(ws, self.w["values_normalised"].format(codes=shown))
            self.values_notes.append(self.w["values_normalised"].format(codes=shown))

    def aggregate_sheet(self, level: str) -> None:
        i = self.levels.index(level)
        below = self.levels[i - 1]
        codes = self.fw.level_codes(level)
        top = i == len(self.levels) - 1
        ws = self.city_sheet(self.level_sheet[level], codes + ([] if not top else []))
        child = self.level_sheet[below]
        n_child = len(self.fw.level_codes(below))
        first, lastc = col(ITEM), col(ITEM + n_child - 1)
        w, par = self.prow(below, "weight"), self.prow(below, "parent")
        cfg = self.fw.aggregation[level]
        formula = self.formula_level(level)
        for j, c in enumerate(codes, ITEM):
            L = col(j)
            for r, cid in enumerate(self.cids, FIRST):
                if not formula:
                    self.put(ws, r, j, _number(self.b.aggregates.at[cid, c]))
                    continue
                row = self.ref(child, f"${first}{r}:${lastc}{r}")
                mask = f"--({par}={L}$1)"
                wa = f"SUMPRODUCT(--ISNUMBER({row}),{w},{mask})"
                total = f"SUMPRODUCT({w},{mask})"
                s = f"SUMPRODUCT({row},{w},{mask})"
                value = f"{s}/{wa}" if cfg.method == "weighted_mean" else f"IF({wa}={total},{s},{s}*{total}/{wa})"
                cond = f"{wa}>0" if cfg.min_coverage == 0 else f"AND({wa}>0,{wa}/{total}>={cfg.min_coverage!r})"
                self.put(ws, r, j, f"=IF({cond},{value},{'0' if cfg.missing == 'zero' else chr(34) * 2})")
        if not formula:
            self.note(ws, self.w["values_level"])
            self.values_notes.append(f"{self.level_sheet[level]}: {self.w['values_level']}")
        if top:
            self.index_columns(ws, len(codes))

    def index_columns(self, ws: Worksheet, n_codes: int) -> None:
        """Rounded IQ and the places (in the group and overall) right of the index."""
        iq = col(ITEM)
        at = ITEM + n_codes
        heads = [self.w["rounded"], self.w["place_group"], self.w["place_overall"]]
        for j, h in enumerate(heads, at):
            ws.cell(1, j, h).font = Font(bold=True)
            ws.column_dimensions[col(j)].width = 14
        dec = self.ref(self.s["params"], self.decimals_cell)
        tol = self.ref(self.s["params"], self.tol_cell)
        all_iq, all_grp = f"${iq}${FIRST}:${iq}${self.last}", f"$D${FIRST}:$D${self.last}"
        for r in range(FIRST, self.last + 1):
            me = f"${iq}{r}"
            better = f"--(({all_iq}-{me})>{tol}*(ABS({all_iq})+ABS({me})+ABS(ABS({all_iq})-ABS({me})))/2)"
            self.put(ws, r, at, f"=ROUND({me},{dec})")
            self.put(ws, r, at + 1, f"=1+SUMPRODUCT(--({all_grp}=$D{r}),{better})")
            self.put(ws, r, at + 2, f"=1+SUMPRODUCT({better})")
        self.index_cols = (col(at), col(at + 1), col(at + 2))

    def reconciliation_sheet(self) -> None:
        ws = self.city_sheet(self.s["check"], [])
        heads = ["published_iq", "recomputed_iq", "difference", "published_place", "recomputed_place", "difference",
                 "published_overall", "recomputed_overall", "difference"]
        for j, h in enumerate(heads, ITEM):
            ws.cell(1, j, self.w[h]).font = Font(bold=True)
            ws.column_dimensions[col(j)].width = 14
        index = self.s["index"]
        iq_code = self.fw.index_code
        rounded, place, overall = self.index_cols
        for r, cid in enumerate(self.cids, FIRST):
            pub = self.b.published.loc[cid]
            self.put(ws, r, ITEM, _number(pub[iq_code]))
            self.put(ws, r, ITEM + 1, f"={self.ref(index, f'{rounded}{r}')}")
            self.put(ws, r, ITEM + 2, f"={col(ITEM + 1)}{r}-{col(ITEM)}{r}")
            self.put(ws, r, ITEM + 3, _number(pub["rank_in_group"]))
            self.put(ws, r, ITEM + 4, f"={self.ref(index, f'{place}{r}')}")
            self.put(ws, r, ITEM + 5, f"={col(ITEM + 4)}{r}-{col(ITEM + 3)}{r}")
            self.put(ws, r, ITEM + 6, _number(pub["rank_overall"]))
            self.put(ws, r, ITEM + 7, f"={self.ref(index, f'{overall}{r}')}")
            self.put(ws, r, ITEM + 8, f"={col(ITEM + 7)}{r}-{col(ITEM + 6)}{r}")
        summary = ITEM + 10
        diffs = [(col(ITEM + 2), "mismatch_iq", 'ABS({})>1E-9'), (col(ITEM + 5), "mismatch_place", "{}<>0"),
                 (col(ITEM + 8), "mismatch_overall", "{}<>0")]
        for i, (c, key, test) in enumerate(diffs):
            ws.cell(1, summary + i, self.w[key]).font = Font(bold=True)
            ws.column_dimensions[col(summary + i)].width = 24
            ws.cell(2, summary + i, f"=SUMPRODUCT(--({test.format(f'{c}{FIRST}:{c}{self.last}')}))")

    def readme_sheet(self, ws: Worksheet) -> None:
        ws.column_dimensions["A"].width = 120
        lines: list[tuple[str, bool]] = [(safe(f"{self.w['title']} — {self.b.title}"), True)]  # type: ignore[list-item]
        if self.b.synthetic:
            lines.append((self.w["synthetic"], True))
        lines += [(self.w["intro_1"], False), (self.w["intro_2"], False)]
        lines.append((self.w["sheets_heading"], True))
        sheet_text = words(self.b.language, "auditor.book.sheet_text")
        methods = {type(self.fw.normalisation[c]) for c in self.codes}
        for key in ("values", "params", "imputed", "bounds", "normalised", "directions", "index", "check"):
            if key == "normalised":
                texts = [sheet_text[k] for k, kind in (("normalised", MinMax), ("normalised_goalposts", Goalposts))
                         if kind in methods] or [sheet_text["normalised"]]
                lines.append((f"«{self.s[key]}» — {' '.join(texts)}", False))
            else:
                lines.append((f"«{self.s[key]}» — {sheet_text[key]}", False))
        lines.append((self.w["recalc_heading"], True))
        lines += [(self.w["recalc_1"], False), (self.w["recalc_2"], False)]
        lines.append((self.w["method_heading"], True))
        cfg = {c: self.fw.normalisation[c] for c in self.codes}
        lines.append((self.w["method_normalisation"].format(
            methods=", ".join(sorted({f"{v.method} ({v.within})" for v in cfg.values()}))), False))
        lines.append((self.w["method_missing"].format(rules=", ".join(sorted(set(self.fw.missing.values())))), False))
        lines.append((self.w["method_treatment"].format(
            methods=", ".join(sorted({self.fw.treatment[c].method for c in self.codes}))), False))
        lines.append((self.w["method_aggregation"].format(
            methods="; ".join(f"{self.level_sheet[lv]}: {self.fw.aggregation[lv].method}" for lv in self.levels[1:])), False))
        lines.append((self.w["method_rounding"].format(decimals=self.fw.decimals), False))
        lines.append((self.w["method_ties"].format(tol=f"{TIE_RTOL:.0e}"), False))
        lines.append((self.w["values_heading"], True))
        lines += [(t, False) for t in (self.values_notes or [self.w["all_formulas"]])]
        for r, (t, bold) in enumerate(lines, 1):
            cell = ws.cell(r, 1, t)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if bold:
                cell.font = Font(bold=True)


def _base_posts(cfg: object) -> bool:
    """Goalposts whose upper post comes from the base edition's data."""
    return isinstance(cfg, Goalposts) and isinstance(cfg.upper, str)


