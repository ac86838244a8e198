"""``iq compare RUN_A RUN_B``: what changed between two runs, for methodologists.

Written to ``--out`` (default ``runs/comparisons/<A>__<B>/``, git-ignored): ``comparison.csv`` (one row
per city), ``summary.csv`` (per group), ``comparison_excel.csv`` (for Russian Excel),
``comparison.xlsx`` and ``index.html`` with the
site's style (a slope chart of the ranks per group, a scatter of the scores, sortable
tables), in the language of run B unless ``--language`` says otherwise. Runs whose
frameworks differ are refused (exit 2) unless ``--force``, which compares the index only.
Each run's params are read from its manifest, so run folders from elsewhere compare too.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from iqlib.analysis.compare import BOTH, Comparison, compare
from iqlib.config import names
from iqlib.config.params import Params, params_from_resolved
from iqlib.config.paths import display, project_root
from iqlib.core.errors import UserError
from iqlib.io.downloads import write_excel_csv, write_workbook
from iqlib.io.hashing import MANIFEST
from iqlib.io.runfolder import RunFolder, escape_formulas, run_manifest
from iqlib.presentation import figures, svg
from iqlib.presentation import site as pages
from iqlib.presentation.site import fmt
from iqlib.presentation.text import column_label, shift_arrow, status_word, text
from iqlib.presentation.titles import run_title
from iqlib.publishing.officials_book import book_info

MARKER = "comparison.csv"   # a folder holding this file may be replaced by a new comparison


def run_params(folder: Path) -> Params:
    """The params a run folder was computed with (from its manifest)."""
    data = run_manifest(folder)
    return params_from_resolved(data["params"]["resolved"], data["params"].get("path", display(folder)))


def _framework(params: Params) -> set[tuple[str, str | None]]:
    return {(n.code, n.parent) for n in params.methodology.nodes()}


@dataclass(frozen=True)
class Where:
    """How the comparison page links out: its navigation (href, text) and the page of a
    city of run B (a format with the city code; None: city names are not linked)."""

    links: list[tuple[str, str]]
    city_href: str | None = None


def compare_runs(run_a: Path, run_b: Path, out: Path | None = None, force: bool = False,
                 language: str | None = None, where: Where | None = None) -> Path:
    """Compare two run folders into ``out``; returns the folder. By default the page links
    to the two runs' index pages."""
    for run in (run_a, run_b):
        if not run.is_dir():
            raise UserError(f"{display(run)}: no such folder")
    if out is not None:             # a folder given: refused before the runs are read
        _check_destination(out.resolve())
    pa, pb = run_params(run_a), run_params(run_b)
    a, b = (RunFolder(r).read_csv("scores.csv") for r in (run_a, run_b))
    index_a, index_b = pa.methodology.index_code, pb.methodology.index_code
    only_a, only_b = sorted(_framework(pa) - _framework(pb), key=str), sorted(_framework(pb) - _framework(pa), key=str)
    if (only_a or only_b) and not force:
        shown = "; ".join(f"{code} (parent {parent})" for code, parent in (only_a + only_b)[:6])
        raise UserError(f"{display(run_a)} and {display(run_b)} have different frameworks ({len(only_a)} nodes only "
                        f"in A, {len(only_b)} only in B: {shown}); pass --force to compare the index only")
    index_only = bool(only_a or only_b)
    if index_only:
        b = b.rename(columns={index_b: index_a})
        nodes = [index_a]
    else:
        nodes = [index_a, *pa.methodology.children(index_a)]
    groups = list(dict.fromkeys([*pb.group_codes, *pa.group_codes]))
    result = compare(a, b, groups, nodes)
    if language:        # both runs named in the page's language
        pa.edition = pa.edition.model_copy(update={"language": language})
        pb.edition = pb.edition.model_copy(update={"language": language})
    dest = (out or project_root() / "runs" / "comparisons" / f"{_slug(pa)}__{_slug(pb)}").resolve()
    _check_destination(dest)
    if where is None:
        w = pages.page_words(pb.language, "comparison")
        where = Where([(os.path.relpath(r / "index.html", dest), w[link].format(run=_short(p, pb.language)))
                       for r, p, link in ((run_a, pa, "link_a"), (run_b, pb, "link_b"))])
    draft = any(json.loads((r / MANIFEST).read_text(encoding="utf-8")).get("draft") for r in (run_a, run_b))
    staging = dest.parent / f".staging-{dest.name}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _write(result, pa, pb, run_a, run_b, staging, index_only, where, draft)
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def _check_destination(dest: Path) -> None:
    """A comparison replaces only a comparison, and no folder beside it differs from it only
    in case or in _ against - (``config.names.check_free``)."""
    if dest.exists() and not (dest / MARKER).is_file():
        raise UserError(f"{display(dest)} exists and holds no comparison; choose another --out")
    names.check_free(dest, "comparison folder")


def _slug(params: Params) -> str:
    return f"{params.edition.edition}-{params.edition.scenario}"


def _labelled(frame: pd.DataFrame, params: Params) -> pd.DataFrame:
    """A table with headers, group names and statuses in the run's language."""
    out = frame.copy()
    names = {g.code: params.local(g, "name") for g in params.edition.groups}
    names["all"] = pages.page_words(params.language, "comparison")["all_groups"]
    for column in ("group", "group_a", "group_b"):
        if column in out:
            out[column] = out[column].map(lambda g: names.get(g, g))
    if "status" in out:
        out["status"] = out["status"].map(lambda s: status_word(params.language, s))
    return out.rename(columns=lambda c: column_label(params, c))


def _write(result: Comparison, pa: Params, pb: Params, run_a: Path, run_b: Path, folder: Path,
           index_only: bool, where: Where, draft: bool) -> None:
    folder.mkdir(parents=True)
    p, lang = pb, pb.language
    decimals = p.methodology.scoring.decimals
    csv = {"index": False, "lineterminator": "\n", "encoding": "utf-8"}
    escape_formulas(result.cities).to_csv(folder / "comparison.csv", float_format=f"%.{decimals}f", **csv)
    summary = result.summary.assign(mean_abs_shift=result.summary["mean_abs_shift"].round(3),
                                    spearman=result.summary["spearman"].round(6),
                                    kendall=result.summary["kendall"].round(6))
    escape_formulas(summary).to_csv(folder / "summary.csv", **csv)
    write_excel_csv(_labelled(result.cities, p), folder / "comparison_excel.csv", decimals=decimals)
    w = pages.page_words(lang, "comparison")
    sheets = {w["sheet_summary"]: _labelled(summary, p)}
    for g in result.summary["group"][:-1]:
        part = result.cities[result.cities["group"] == g]
        if len(part):      # a sheet name holds 31 characters: the group's name without its bracket
            sheets[(p.group_name(g) if g in p.group_codes else g).split(" (")[0]] = _labelled(part, p)
    context = _page(result, pa, pb, run_a, run_b, index_only, w, where, draft)
    synthetic = pa.edition.synthetic or pb.edition.synthetic
    write_workbook(sheets, folder / "comparison.xlsx", decimals=decimals,
                   book=book_info(p, context["title"], "", footer=context["title"]),
                   notice=text(p, "synthetic") if synthetic else None)
    (folder / "assets").mkdir()
    for name, content in pages.ASSETS.values():
        (folder / "assets" / name).write_text(content, encoding="utf-8")
    (folder / "index.html").write_text(pages.render("compare", lang, "", section="comparison", standalone=True,
                                                    links=[{"href": h, "text": t} for h, t in where.links], **context),
                                       encoding="utf-8")


def _page(result: Comparison, pa: Params, pb: Params, run_a: Path, run_b: Path, index_only: bool,
          w: dict[str, str], where: Where, draft: bool) -> dict:
    """The comparison page's context: summary, scatter, per group a slope chart and table."""
    p, lang = pb, pb.language
    decimals = p.methodology.scoring.decimals
    index = result.nodes[0]
    group_name = {g.code: p.local(g, "name") for g in [*pa.edition.groups, *pb.edition.groups]}
    group_name["all"] = w["all_groups"]
    cols = ["group", "compared", "moved", "group_changed", "mean_abs_shift", "max_abs_shift", "spearman",
            "kendall", "leader_a", "leader_b"]
    summary_rows = []
    for _, r in result.summary.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if c == "group":
                cells.append(_cell(group_name.get(v, v), href=f"#group-{v}" if v != "all" else None))
            elif c in ("mean_abs_shift",):
                cells.append(_cell(fmt(v, 2, lang), num=True))
            elif c in ("spearman", "kendall"):
                cells.append(_cell(fmt(v, 3, lang), num=True))
            elif c in ("leader_a", "leader_b"):
                cells.append(_cell(v + (" ⚑" if c == "leader_b" and r["leader_changed"] else "")))
            else:
                cells.append(_cell("—" if pd.isna(v) else str(v), num=True))
        summary_rows.append(cells)
    header = [{"label": column_label(p, c), "num": c not in ("group", "leader_a", "leader_b")} for c in cols]
    cities = result.cities
    both = cities[cities["status"] == BOTH]
    groups_seen = [g for g in result.summary["group"][:-1] if (both["group"] == g).any()]
    axes = (f"{column_label(p, index)}, {w['side_a']}", f"{column_label(p, index)}, {w['side_b']}")
    name = figures.stem("comparison", pa.edition.edition, pa.edition.scenario, pb.edition.edition, pb.edition.scenario)
    scatter = figures.figure(
        svg.scatter([(r.city_ru, getattr(r, f"{index}_a"), getattr(r, f"{index}_b"), groups_seen.index(r.group))
                     for r in both.itertuples()], [group_name.get(g, g) for g in groups_seen], axes, w["scatter"], lang),
        f"{name}-scores", [w["city"], w["group"], *axes],
        [(r.city_ru, group_name.get(r.group, r.group), fmt(getattr(r, f"{index}_a"), decimals, lang),
          fmt(getattr(r, f"{index}_b"), decimals, lang)) for r in both.itertuples()], lang)
    children = result.nodes[1:]
    table_header = [{"label": w["city"], "num": False},
                    *({"label": column_label(p, c), "num": True}
                      for c in ("rank_a", "rank_b", "shift", f"{index}_a", f"{index}_b", f"{index}_delta"))]
    if children:
        table_header.append({"label": w["largest"], "num": False})
    groups = []
    for g in groups_seen:
        part = both[both["group"] == g]
        s = result.summary.set_index("group").loc[g]
        rows = []
        for r in part.itertuples():
            shift = int(r.shift)
            arrow, direction = shift_arrow(shift)
            ia, ib, delta = getattr(r, f"{index}_a"), getattr(r, f"{index}_b"), getattr(r, f"{index}_delta")
            city = _cell(r.city_ru, r.city_ru, href=where.city_href.format(r.city_id) if where.city_href else None)
            cells = [city, _cell(str(r.rank_a), r.rank_a, True), _cell(str(r.rank_b), r.rank_b, True),
                     _cell(arrow, shift, True, direction),
                     _cell(fmt(ia, decimals, lang), ia, True), _cell(fmt(ib, decimals, lang), ib, True),
                     _cell(fmt(delta, decimals, lang), delta, True)]
            if children:
                deltas = {c: getattr(r, f"{c}_delta") for c in children}
                known = {c: d for c, d in deltas.items() if pd.notna(d)}
                top = max(known, key=lambda c: (abs(known[c]), c)) if known else None
                text = f"{top} {p.name(top)}: {fmt(known[top], decimals, lang)}" if top and known[top] else "—"
                cells.append(_cell(text, abs(known[top]) if top else ""))
            rows.append(cells)
        leader = s["leader_b"] + (f" ({w['run_a']}: {s['leader_a']})" if s["leader_changed"] else "")
        line = w["moved_line"].format(moved=s["moved"], compared=s["compared"], mean=fmt(s["mean_abs_shift"], 2, lang),
                                      max=s["max_abs_shift"], leader=leader)
        others_here = int(s["group_changed"] + s["only_a"] + s["only_b"])
        if others_here:
            line += " " + w["others_line"].format(n=others_here)
        chart = figures.figure(svg.rank_slopes([(r.city_ru, int(r.rank_a), int(r.rank_b)) for r in part.itertuples()],
                                               (w["run_a"], w["run_b"]), f"{w['slopes']}: {group_name.get(g, g)}"),
                               f"{name}-{g}", [w["city"], column_label(p, "rank_a"), column_label(p, "rank_b")],
                               [(r.city_ru, int(r.rank_a), int(r.rank_b)) for r in part.itertuples()], lang)
        groups.append({"code": g, "name": group_name.get(g, g), "line": line, "chart": chart, "rows": rows})
    others = [{"city": r.city_ru, "a": _where(r.group_a, r.rank_a, group_name), "b": _where(r.group_b, r.rank_b, group_name),
               "status": status_word(lang, r.status)} for r in cities[cities["status"] != BOTH].itertuples()]
    downloads = [{"href": "comparison.xlsx", "text": w["comparison_xlsx"]},
                 {"href": "comparison_excel.csv", "text": w["comparison_excel"]},
                 {"href": "comparison.csv", "text": w["comparison_csv"]}, {"href": "summary.csv", "text": w["summary_csv"]}]
    title = f"{w['compare']}: {_short(pa, lang)} → {_short(pb, lang)}"
    if draft:
        title = w["draft_title"].format(title=title)
    return {"title": title, "heading": title, "synthetic": pa.edition.synthetic or pb.edition.synthetic, "draft": draft,
            "a": {"title": run_title(pa)}, "b": {"title": run_title(pb)},
            "index_only": index_only, "summary": {"header": header, "rows": summary_rows}, "scatter": scatter,
            "groups": groups, "header": table_header, "others": others, "downloads": downloads}


def _cell(text: str, value: object = "", num: bool = False, cls: str = "", href: str | None = None) -> dict:
    """A table cell for the page: its text, the value it sorts by, numeric or not, a class."""
    return {"text": text, "value": "" if value is None or pd.isna(value) else value, "num": num, "cls": cls,
            "href": href}


def _short(params: Params, language: str) -> str:
    """A run in a few words in ``language``: its edition, base run or scenario (catalogue
    comparison.short_base, short_scenario)."""
    ed, w = params.edition, pages.page_words(language, "comparison")
    if ed.scenario == "base":
        return w["short_base"].format(edition=ed.edition)
    if not params.title_inherited:           # its own title is on the page: no code in the heading
        return w["short_titled"].format(edition=ed.edition)
    return w["short_scenario"].format(edition=ed.edition, scenario=ed.scenario)


def _where(group: object, rank: object, names: dict[str, str]) -> str:
    if pd.isna(group):
        return "—"
    return f"{names.get(str(group), group)}, {rank}" if pd.notna(rank) else names.get(str(group), str(group))
