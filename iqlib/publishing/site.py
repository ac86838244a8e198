"""``iq site``: a static, self-contained site of every published run under ``outputs/``.

For each run: an edition page, a page per population group (the full ranking, sortable
and filterable), a page per city, the method page, the robustness page, downloads (an
officials' XLSX book ``iq-<edition>-<scenario>.xlsx``, CSV for Excel with Russian headers
and city names, the run's own CSV files) and the
executed notebooks as pages with and without code. Stylesheets, scripts and the images of
the notebook pages are stored once under ``assets/`` under content-addressed names. No
file is fetched from the network; every link is relative.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import re
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from iqlib.analysis import diagnostics, marks, summaries, ties, uncertainty
from iqlib.config.params import Params, load_params
from iqlib.config.paths import display, resolve
from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import UserError
from iqlib.core.registry import describe
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import figures, framing, input_warnings, svg, tables
from iqlib.presentation import site as pages
from iqlib.presentation.method_words import method_words
from iqlib.presentation.site import fmt
from iqlib.presentation.text import column_label, input_name, short_name, table_name, text
from iqlib.presentation.titles import run_title, scenario_name
from iqlib.presentation.words import word, words
from iqlib.publishing import audit_report, audit_workbook, home, notebook_html, opendata
from iqlib.publishing.compare import Where, compare_runs
from iqlib.publishing.filenames import book_name, excel_csv_name, run_stem
from iqlib.publishing.officials_book import RunBook
from iqlib.publishing.passport import Passports
from iqlib.publishing.series import is_series, series_folders, series_title
from iqlib.stages import STAGES


@dataclass
class Run:
    """One published run as the site needs it."""

    key: str                      # '2019/base'
    folder: Path
    params: Params
    scores: pd.DataFrame          # by city_id, published order
    summary: pd.DataFrame
    values: pd.DataFrame
    normalised: pd.DataFrame
    imputation: pd.DataFrame
    effective: pd.DataFrame
    intervals: pd.DataFrame | None
    sensitivity: pd.DataFrame
    ties: pd.DataFrame | None = None   # results/ties.csv (analysis/ties.py): pairs the uncertainty analysis does not settle

    @property
    def language(self) -> str:
        return self.params.language

    @property
    def title(self) -> str:
        return run_title(self.params)



def load_run(folder: Path) -> Run:
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if man.get("draft"):
        raise UserError(f"{display(folder)} is a draft (iq run --draft) and cannot be published; "
                        f"replace it with a full run (iq run … --publish)")
    params = load_params(man["params"]["path"])
    run = RunFolder(folder)
    scores = run.read_csv("scores.csv", index=True)
    intervals = None
    if params.edition.uncertainty is not None and run.has("uncertainty.csv"):
        lo, hi = uncertainty.interval_columns(params.edition.uncertainty.interval)
        intervals = run.read_csv("uncertainty.csv", index=True)[[lo, hi]].set_axis(["low", "high"], axis=1)
        intervals = intervals.reindex(scores.index)   # a row per city: empty for one not ranked (screened)
    return Run(folder.relative_to(folder.parents[1]).as_posix(), folder, params, scores, run.read_csv("group_summary.csv"),
               run.read_csv("values.csv", index=True), run.read_csv("normalised.csv", index=True).reindex(scores.index),
               run.read_csv("imputation.csv"), run.read_csv("effective_weights.csv"), intervals,
               run.read_csv("sensitivity.csv") if run.has("sensitivity.csv") else pd.DataFrame(),
               run.read_csv("ties.csv") if run.has("ties.csv") else None)


def published_runs(outputs: Path) -> list[Run]:
    folders = sorted(p.parent for p in outputs.glob("*/*/manifest.json") if not is_series(p.parent))
    if not folders:
        raise UserError(f"{display(outputs)}: no published runs (outputs/<edition>/<scenario>/manifest.json)")
    return [load_run(f) for f in folders]


STATE = ".iq-site.json"     # in the site: each run's key (what its pages are made from) and the assets they use
ASSET_LINK = re.compile(r"assets/((?:nb|img)\.[0-9a-f]{12}\.(?:css|png))")


@dataclass
class Built:
    """What ``build`` did: the site, and the runs whose pages it made (the others were
    unchanged since the last build, their pages kept as they were)."""

    site: Path
    rebuilt: list[str]
    kept: list[str]


def build(outputs: str | Path = "outputs", dest: str | Path = "site", language: str | None = None,
          log: Callable[[str], None] = print, incremental: bool = True) -> Path:
    """Write the site for every run under ``outputs`` into ``dest`` (replaced), in each
    edition's language or in ``language`` (ru, en) for all of them. A run whose pages
    ``dest`` already holds, made from the same inputs (``run_keys``), is not built again
    (unless not ``incremental``); the result is the same bytes either way."""
    return build_site(outputs, dest, language, log, incremental).site


def build_site(outputs: str | Path = "outputs", dest: str | Path = "site", language: str | None = None,
               log: Callable[[str], None] = print, incremental: bool = True) -> Built:
    """``build``, saying which runs were built and which kept. Every page outside the
    runs' folders (home page, API, series, 404, sitemap) is made each time; a file whose
    bytes did not change is kept as it was (same modification time), so a build with
    nothing changed rewrites nothing."""
    outputs, dest = Path(outputs).resolve(), Path(dest).resolve()
    runs = published_runs(outputs)
    if language is not None:
        for r in runs:
            r.params.edition = r.params.edition.model_copy(update={"language": language})
    for r in runs:      # a city whose region is blank: the words for «region not given» on every page
        r.scores["region_ru"] = r.scores["region_ru"].fillna(word(r.language, "shadow.region_not_given"))
    staging = dest.parent / f".{dest.name}-building"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "assets").mkdir(parents=True)
    for name, content in pages.ASSETS.values():
        (staging / "assets" / name).write_text(content, encoding="utf-8")
    language = runs[0].language
    comparisons = {r.key: f"{r.key}/comparison/index.html" for r in runs if base_of(r, runs)}
    series = []
    for folder in series_folders(outputs):          # self-contained pages: copied as published
        shutil.copytree(folder, staging / "series" / folder.name, ignore=shutil.ignore_patterns("notebooks"))
        series.append({"href": f"series/{folder.name}/index.html", "title": series_title(folder)})
    newest = max(runs, key=lambda r: (r.params.edition.edition, r.params.extends is None))
    site_footer = framing.footer(newest.params, pages.page_words(language)["site"])
    with framing.using(site_footer):
        _write(staging / "index.html", home.render(runs, outputs, language, comparisons, series))
    dated = {}                                      # each run's pages: the date its edition was published
    footers: dict[str, dict | None] = {}
    for r in runs:
        footer = footers[r.key] = framing.footer(r.params, r.title, f"{r.key}/index.html")
        if footer:
            dated[r.key] = footer["lastmod"]
    keys = run_keys(runs, outputs, footers)
    before = _state(dest) if incremental else {}
    jobs, kept, state, moved = [], [], {}, []
    try:
        for r in runs:
            old = before.get(r.key, {})
            assets = old.get("assets", [])
            if old.get("key") == keys[r.key] and _intact(dest, r.key, old, staging / "assets"):
                (staging / r.key).parent.mkdir(parents=True, exist_ok=True)
                for src, dst in [(dest / r.key, staging / r.key),
                                 *((dest / "assets" / a, staging / "assets" / a) for a in assets)]:
                    if not dst.exists():                # its pages as they were (same files, same times)
                        os.rename(src, dst)
                        moved.append((src, dst))
                kept.append(r.key)
                state[r.key] = {"key": keys[r.key], "assets": assets, "pages": old["pages"]}
                log(f"  {r.key}: unchanged")
            else:
                log(f"  {r.key}: {len(r.scores)} cities")
                jobs.append((r, runs, staging / r.key, footers[r.key]))
        _write_runs(jobs, lambda: opendata.write_api(staging, runs))     # site/api/v1/ (README, «JSON API»)
        for r, *_ in jobs:
            state[r.key] = {"key": keys[r.key], "assets": _assets_used(staging / r.key),
                            "pages": _folder_hash(staging / r.key)}
        frame_site(staging, language, site_footer, [staging / s["href"] for s in series], dated)
        _write(staging / STATE, json.dumps({"runs": state}, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    except BaseException:
        for src, dst in reversed(moved):                # the old site as it was
            os.rename(dst, src)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _keep_unchanged(staging, dest)
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return Built(dest, [j[0].key for j in jobs], kept)


def run_keys(runs: list[Run], outputs: Path, footers: dict[str, dict | None]) -> dict[str, str]:
    """What each run's pages are made from, as one hash: the code (every file of the
    iqlib package: modules, templates, catalogues, styles; the versions of the packages
    that write pages and files), the run's folder, its params and input files, its footer
    and language, and what its pages take from elsewhere: the published series (a city's
    trend) and the folders of the runs of the same scenario (a city's history, the change
    since the previous edition) and of its base (the comparison, the codebook). No
    absolute path: a copy of outputs/ has the same keys."""
    import hashlib

    from iqlib.publishing.manifest import package_versions

    code = hashlib.sha256(json.dumps(package_versions(), sort_keys=True).encode())
    package = Path(__file__).resolve().parents[1]
    for p in sorted(package.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            code.update(p.relative_to(package).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    folders = {r.key: _folder_hash(r.folder) for r in runs}
    series = [_folder_hash(f) for f in series_folders(outputs)]
    keys = {}
    for r in runs:
        digest = hashlib.sha256(code.digest())
        files = sorted({*r.params.files, r.params.edition_path, r.params.methodology_path, *r.params.input_paths.values()})
        for f in files:
            digest.update(display(f).encode() + b"\0" + (f.read_bytes() if f.is_file() else b"") + b"\0")
        base = base_of(r, runs)
        others = sorted(o.key for o in runs if o.params.edition.scenario == r.params.edition.scenario
                        or (base is not None and o.key == base.key))
        record = {"run": r.key, "language": r.language, "footer": footers[r.key], "series": series,
                  "runs": {k: folders[k] for k in sorted({r.key, *others})}}
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode())
        keys[r.key] = digest.hexdigest()
    return keys


def _folder_hash(folder: Path) -> str:
    """sha256 over every file under ``folder``: its relative path and bytes."""
    import hashlib

    digest = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            digest.update(p.relative_to(folder).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return digest.hexdigest()


def _intact(site: Path, key: str, record: dict, moved: Path) -> bool:
    """The pages of run ``key`` in the built ``site`` are those its last build wrote (their
    hash, ``record["pages"]``) and the shared assets they link to are there (in the site's
    assets/, or already ``moved`` to the new one), whole (an asset's name carries its hash):
    a page changed or deleted by hand is built again."""
    import hashlib

    for name in record.get("assets", []):
        path = site / "assets" / name if (site / "assets" / name).is_file() else moved / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest()[:12] != name.split(".")[1]:
            return False
    return (site / key).is_dir() and _folder_hash(site / key) == record.get("pages")


def _state(site: Path) -> dict:
    """The runs of the site at ``site`` as its last build recorded them (nothing when it has no record)."""
    try:
        return dict(json.loads((site / STATE).read_text(encoding="utf-8"))["runs"])
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _assets_used(folder: Path) -> list[str]:
    """The shared assets (notebook stylesheets and images) the pages under ``folder`` link to."""
    used: set[str] = set()
    for page in folder.rglob("*.html"):
        used.update(ASSET_LINK.findall(page.read_text(encoding="utf-8")))
    return sorted(used)


def _keep_unchanged(staging: Path, dest: Path) -> None:
    """Every file of the new site whose bytes equal the old one's at ``dest``: the old file
    put in its place, so that what did not change keeps its modification time."""
    if not dest.is_dir():
        return
    for new in staging.rglob("*"):
        if not new.is_file():
            continue
        old = dest / new.relative_to(staging)
        if old.is_file() and old.stat().st_size == new.stat().st_size and old.read_bytes() == new.read_bytes():
            os.replace(old, new)


_JOBS: list[tuple[Run, list[Run], Path, dict | None]] = []     # the runs' pages to write, read by forked workers


PARTS = ("pages", "files")     # a run's pages; its downloads and open data: two jobs for the workers


def _write_run(i: int, part: str | None = None) -> None:
    """The ``part`` (``SiteRun.write``; None: all) of the ``i``-th run of ``_JOBS``, under its own footer."""
    r, runs, out, footer = _JOBS[i]
    with framing.using(footer):
        SiteRun(r, runs, out).write(part)


def _write_runs(jobs: list[tuple[Run, list[Run], Path, dict | None]], meanwhile: Callable[[], None]) -> None:
    """Each run's pages and files (``_write_run``), two jobs at a time on a machine with two
    cores or more, while this process exports every run's notebook pages (nbconvert loaded
    here only) and does ``meanwhile``: runs write only into their own folders (the shared
    assets are content-addressed and written atomically), so the bytes do not depend on the
    order. Workers are forked (they inherit the loaded runs); without fork, one after another."""
    _JOBS[:] = jobs
    try:
        workers = min(len(jobs), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 2)
        if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            for i in range(len(jobs)):
                _write_run(i)
            meanwhile()
            return
        gc.freeze()     # what is loaded stays shared with the workers: their collections do not touch (copy) it
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            # each run as two jobs, its pages (the longer: the PDFs) first, then its files, so
            # that the shorter jobs fill the end and both workers stay busy to it
            running = [pool.submit(_write_run, i, part) for part in PARTS for i in range(len(jobs))]
            for i in range(len(jobs)):
                _write_run(i, "notebooks")
            meanwhile()
            for done in running:
                done.result()                       # the first error (a UserError) is raised here
    finally:
        gc.unfreeze()   # this process's objects collectable again (a no-op when nothing was frozen)
        _JOBS.clear()


def frame_site(staging: Path, language: str, footer: dict | None, series_pages: list[Path],
               dated: dict[str, str] | None = None) -> None:
    """What frames the whole site: the series pages (copied as published) get the site's
    navigation, stylesheet and footer (``frame_series``), and the site gets its 404 page,
    favicon.ico, sitemap.xml (when the newest edition has a ``publication.base_url``) and
    robots.txt."""
    for page in series_pages:
        frame_series(page, language, footer)
    base = footer["base_url"] if footer else None
    root = urlsplit(base).path if base else ""      # the 404 page is served at any address: links from the top
    title = word(language, "framing.not_found_title")
    _write(staging / "404.html", pages.render("404", language, root, title=title, heading=title, footer=footer,
                                              description=word(language, "framing.meta.not_found"),
                                              inline_css=pages.ASSETS["css"][1]))
    (staging / "favicon.ico").write_bytes(pages.static_bytes("favicon.ico"))
    if footer:
        paths = [p.relative_to(staging).as_posix() for p in staging.rglob("*.html") if p.name != "404.html"]
        _write(staging / "sitemap.xml", framing.sitemap(footer["base_url"], paths, footer["lastmod"], footer["placeholder"],
                                                        dated))
    _write(staging / "robots.txt", framing.robots(base))


def frame_series(page: Path, language: str, footer: dict | None) -> None:
    """A series page copied into the site (``series/<name>/index.html``, made by ``iq series``
    for outputs/, where no site is around it): the site's stylesheet and icon, a way back to
    the site's home page, and the footer, unless the page already has them."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r'<link rel="icon"[^>]*>\n', "", html)
    html = re.sub(r'<link rel="stylesheet" href="assets/site\.[0-9a-f]+\.css">',
                  f'<link rel="icon" href="../../assets/{pages.ASSETS["icon"][0]}" type="image/svg+xml">\n'
                  f'<link rel="stylesheet" href="../../assets/{pages.ASSETS["css"][0]}">', html, count=1)
    if "<nav>" not in html:                 # a way back to the site's home page
        nav = pages.fragment("site_nav", home="../../index.html", w=pages.page_words(language))
        if "<header>" in html:
            html = html.replace("<header>", "<header>" + nav, 1)
        else:                               # a page published before the skip link and header
            html = html.replace("<body>\n", f'<body>\n<a class="skip-link" href="#main">{escape(framing.framing_words(language)["skip"])}'
                                f"</a>\n<header>{nav}</header>\n", 1)
            html = html.replace("<main>", '<main id="main">', 1)
    if "<footer" not in html and footer:
        html = html.replace("</main>\n", "</main>\n" + pages.fragment("footer", footer=footer) + "\n", 1)
    page.write_text(html, encoding="utf-8")


def cell(text: object, value: object, num: bool = False, href: str | None = None, mark: object = False,
         title: str = "", cls: str = "") -> dict:
    """A table cell of a group page: what it shows, what it sorts by (``data-value``), a
    tooltip, its classes (``num`` for a number, ``cls``: c-rank, c-city, c-index stay in view)."""
    return {"text": text, "value": value, "href": href, "mark": mark, "title": title,
            "cls": " ".join(c for c in (cls, "num" if num else "") if c)}


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def base_of(run: Run, runs: list[Run]) -> Run | None:
    """For a scenario, the published run of the edition it extends (if there is one)."""
    if run.params.extends is None:
        return None
    return next((o for o in runs if o.params.extends is None and o.params.edition_path == run.params.extends), None)


def _int_or_blank(x: object) -> int | str:
    return "" if pd.isna(x) else int(x)  # type: ignore[call-overload]


def _sortable(x: object) -> str:
    return "" if pd.isna(x) else f"{float(x):.6f}"  # type: ignore[arg-type]


class SiteRun:
    """The pages of one run (``out`` is its folder in the site, two levels below the top)."""

    def __init__(self, run: Run, runs: list[Run], out: Path):
        self.r, self.runs, self.out = run, runs, out
        self.p, self.lang = run.params, run.language
        self.w = pages.page_words(self.lang)
        self.meth = self.p.methodology
        self.code = self.meth.index_code
        self.directions = self.meth.level_codes(self.meth.levels[-2]) if len(self.meth.levels) > 2 else []
        missing = run.imputation
        self.missing_cells = set(zip(missing["city_id"], missing["indicator"]))
        self.imputed = {(c, i): v for c, i, v in zip(missing["city_id"], missing["indicator"], missing["value"])}
        # (city, direction) pairs without a single indicator value: their 0 is a gap, shown as one
        self.empty: set[tuple[str, str]] = set()
        for d in self.directions:
            kids = [k for k in self.meth.children(d) if k in run.values.columns]
            none = run.values[kids].isna().all(axis=1) if kids else pd.Series(True, index=run.values.index)
            self.empty |= {(cid, d) for cid in run.values.index[none.to_numpy()]}
        # what each city's directions are measured against: its group's medians and leader
        self.medians, self.leaders = summaries.direction_profiles(run.scores, self.directions)
        self.previous = next((o for o in runs if o.params.edition.scenario == self.p.edition.scenario
                              and o.params.edition.edition == self.p.edition.edition - 1), None)

    @property
    def base_run(self) -> Run | None:
        return base_of(self.r, self.runs)

    # ----------------------------------------------------------------------- helpers
    def ctx(self, title: str, heading: str | None = None) -> dict:
        return {"title": f"{title} — {self.r.title}" if title != self.r.title else title, "heading": heading or title,
                "synthetic": self.p.edition.synthetic,
                "run": {"title": self.r.title, "robustness": self.r.intervals is not None,
                        "method_title": self.p.methodology_title, "edition": self.p.edition.edition,
                        "scenario": self.p.edition.scenario, "scenario_name": scenario_name(self.p),
                        "description": self.p.edition.description,
                        "cities": len(self.r.scores), "index_label": short_name(self.p),
                        "average": fmt(self._all_mean(), self.meth.scoring.decimals, self.lang)}}

    def _all_mean(self) -> float:
        row = self.r.summary[self.r.summary["group"] == "all"]
        return float(row["mean"].iloc[0]) if len(row) else float("nan")

    def num(self, x: object, decimals: int | None = None) -> str:
        d = self.meth.scoring.decimals if decimals is None else decimals
        return fmt(None if x is None or pd.isna(x) else x, d, self.lang)

    def trimmed(self, x: object) -> str:
        """A raw value with at most three decimals and no trailing zeros ('971,3', '0,818', '1')."""
        text = self.num(x, 3)
        if text == "—":
            return text
        sep = self.num(0.5, 1)[1]                      # the language's decimal mark
        return text.rstrip("0").rstrip(sep) if sep in text else text

    def interval(self, city: str) -> str:
        iv = self.r.intervals
        if iv is None or city not in iv.index or pd.isna(iv.at[city, "low"]):
            return ""
        low, high = int(iv.at[city, "low"]), int(iv.at[city, "high"])
        return str(low) if low == high else f"{low}–{high}"

    def rank(self, x: object) -> str:
        return "—" if pd.isna(x) else str(int(x))  # type: ignore[call-overload]

    # ----------------------------------------------------------------------- pages
    def write(self, part: str | None = None) -> None:
        """The run's pages (``part`` "pages"), its downloads and open data ("files"), its
        notebook pages ("notebooks"), or all (None). Each writes different files."""
        if part in (None, "pages"):
            self.edition_page()
            for g in self.p.group_codes:
                self.group_page(g)
            self.passports = Passports(self)    # every city's passport computed at once; PDFs drawn meanwhile
            for city in self.r.scores.index:
                self.city_page(city)
            self.method_page()
            if self.r.intervals is not None:
                self.robustness_page()
        if part in (None, "files"):
            self.audit_report()
            self.downloads()
            audit_workbook.write_for_run(self.r.folder, self.p, self.out / "downloads")
            opendata.write_run(self)            # the data package, its zip and the codebook pages
        if part in (None, "notebooks"):
            self.notebook_pages()
        if part in (None, "pages"):
            self.passports.close()

    def edition_page(self) -> None:
        groups = []
        for g in self.p.group_codes:
            part = self.r.scores[self.r.scores["group"] == g]
            row = self.r.summary[self.r.summary["group"] == g]
            top = part[part["rank_in_group"] <= 3]
            groups.append({"href": f"group-{g}.html", "name": self.p.group_name(g), "cities": len(part),
                           "mean": self.num(row["mean"].iloc[0]) if len(row) else "—",
                           "leader": row["leader"].iloc[0] if len(row) else "—",
                           "top": [{"rank": self.rank(c["rank_in_group"]), "href": f"city/{cid}.html", "name": c["city_ru"],
                                    "score": self.num(c[self.code]), "interval": self.interval(cid)}
                                   for cid, c in top.iterrows()]})
        stem = run_stem(self.p)
        excel = RunBook(self.r.folder, self.p).excel_tables()
        downloads = {"xlsx": f"downloads/{book_name(self.p)}", "xlsx_name": book_name(self.p),
                     "excel": [{"href": f"downloads/excel/{excel_csv_name(stem, t)}", "name": table_name(self.p, t)}
                               for t in excel],
                     "machine": [{"href": f"downloads/data/{p.name}", "name": table_name(self.p, p.stem),
                                  "file": p.name} for p in sorted((self.r.folder / "results").glob("*.csv"))]}
        notebooks = [{"name": text(self.p, "stage_names")[s], "reader": f"notebooks/{s}.html",
                      "auditor": f"notebooks/{s}-code.html"} for s in STAGES]
        comparison = None
        base = self.base_run
        if base is not None:
            compare_runs(base.folder, self.r.folder, self.out / "comparison", force=True, language=self.lang,
                         where=Where([("../../../index.html", self.w["home"]), ("../index.html", self.r.title),
                                      (f"../../../{base.key}/index.html", base.title)], "../city/{}.html"))
            comparison = "comparison/index.html"
        _write(self.out / "index.html", pages.render("edition", self.lang, "../../", groups=groups, downloads=downloads,
                                                     notebooks=notebooks, comparison=comparison, regions=self._regions(),
                                                     official=self._official(), opendata=opendata.links(self.p),
                                                     data_warnings=self._data_warnings(),
                                                     audit=audit_workbook.link(self.p),
                                                     statistical_audit=self._statistical_audit(),
                                                     **self.ctx(self.r.title)))

    def _statistical_audit(self) -> dict | None:
        """The links to the run's statistical audit report (``publishing.audit_report``:
        its page and PDF, copied into the site with the run's files); None for a run without one."""
        if not (self.r.folder / audit_report.FOLDER / "index.html").is_file():
            return None
        aw = words(self.lang, "audit_report")
        return {"heading": aw["link_heading"], "page": f"{audit_report.FOLDER}/index.html", "page_text": aw["link_page"],
                "pdf": f"{audit_report.FOLDER}/report.pdf", "pdf_text": aw["link_pdf"], "note": aw["link_note"]}

    def _data_warnings(self) -> dict | None:
        """The inputs' warnings (results/warnings.csv, ``io.suspicious``) in the page's words, at
        most ten of a kind, with a link to the whole table; None when there are none (or the run
        was published before the warnings had codes)."""
        folder = RunFolder(self.r.folder)
        table = folder.read_csv("warnings.csv") if folder.has("warnings.csv") else pd.DataFrame()
        if not len(table) or "code" not in table:
            return None
        table = input_warnings.with_messages(table, self.p, dict(zip(self.r.scores.index, self.r.scores["city_ru"])))
        return {"heading": word(self.lang, "warnings.heading"), "note": word(self.lang, "warnings.note"),
                "link": word(self.lang, "warnings.link"), "href": "downloads/data/warnings.csv",
                "items": input_warnings.listed(table, self.p)}

    def _official(self) -> dict | None:
        """Each published place and score of the data year beside this calculation
        (results/official*.csv), the national averages and the year's conflicts."""
        folder = RunFolder(self.r.folder)
        if not folder.has("official.csv"):
            return None
        table = folder.read_csv("official.csv")
        average = folder.read_csv("official_average.csv").iloc[0]
        conflicts = folder.read_csv("official_conflicts.csv")
        yes, no = self.w["yes"], self.w["no"]
        rows, matched, total = [], 0, 0
        for _, r in table.iterrows():
            checks = [r["rank_matches"]] + ([] if pd.isna(r["score_matches"]) else [r["score_matches"]])
            matched, total = matched + sum(bool(c) for c in checks), total + len(checks)
            rows.append({"group": self.p.group_name(r["group"]), "official_rank": self.rank(r["official_rank"]),
                         "city": r["city_ru"], "href": f"city/{r['city_id']}.html",
                         "official_score": self.num(r["official_score"]), "rank": self.rank(r["rank"]),
                         "score": self.num(r["score"]), "match": yes if all(bool(c) for c in checks) else no,
                         "flag": tables.value_words(self.p, "flag", r["flag"]), "source": pages.web_link(r["source"])})
        note = self.w["no_official_average"]
        if pd.notna(average["official_average"]):      # the national average is a published figure too
            note, matched, total = "", matched + bool(average["matches"]), total + 1
        return {"rows": rows, "matched": matched, "total": total, "average_official": self.num(average["official_average"]),
                "average": self.num(average["average"]), "average_note": note,
                "conflicts": [f"{c['conflict']} {c['resolution']}" for _, c in conflicts.iterrows()]}

    def _regions(self) -> dict | None:
        """The ten first regions of results/regions.csv: the table, and the same ten as a
        chart (its heading counts what it draws)."""
        folder = RunFolder(self.r.folder)
        if not folder.has("regions.csv"):
            return None
        table = folder.read_csv("regions.csv")
        rule = self.meth.regions
        statistic = words(self.lang, "site.statistic")
        head = table.head(10)
        index = short_name(self.p)
        rule_words = f"{statistic[rule.statistic] if rule else ''}"
        chart = svg.grouped_bars(list(head["region"]),
                                 [(index, [None if pd.isna(v) else float(v) for v in head[self.code]])],
                                 self.meth.scoring.max_score or float(head[self.code].max()), self.w["regions"], self.lang,
                                 self.w["missing"])
        caption = words(self.lang, "layout")["regions_caption"].format(n=len(head), index=index, rule=rule_words)
        figure = figures.figure(chart, figures.stem(self.r.key, "regions"), [self.w["region"], index],
                                [(r["region"], self.num(r[self.code])) for _, r in head.iterrows()], self.lang, caption)
        return {"rule": rule_words, "chart": figure,
                "rows": [{"rank": self.rank(r["rank"]), "region": r["region"], "cities": int(r["cities"]),
                          "value": self.num(r[self.code]), "best": r["best_city"]} for _, r in head.iterrows()],
                "count": len(table)}

    def _marks(self) -> pd.DataFrame:
        """Per city, True for the index and each direction whose score rests on more than
        the methodology's share (``report.imputed_mark_share``) of estimated values."""
        if not hasattr(self, "_marked"):
            have = set(self.r.values.columns)
            parts = {self.code: [i for i in self.meth.indicator_codes() if i in have],
                     **{d: [k for k in self.meth.children(d) if k in have] for d in self.directions}}
            shares = marks.imputed_shares(self.r.imputation, self.r.scores.index, parts)
            self._marked = marks.marked(shares, self.meth.report.imputed_mark_share)
        return self._marked

    def group_page(self, g: str) -> None:
        """The whole ranking of a group: place, city, index and rank interval first (they
        stay in view), then the change since the previous edition, overall rank, region and
        the directions in a box that scrolls; every column explained below; the
        distribution of the index in the group as a chart."""
        part = self.r.scores[self.r.scores["group"] == g]
        has_iv = self.r.intervals is not None
        prev = self.previous.scores if self.previous is not None else None
        lw = words(self.lang, "layout")
        index = short_name(self.p)
        marked = self._marks()
        header = [{"label": self.w["rank"], "title": "", "cls": "c-rank num"},
                  {"label": self.w["city"], "title": "", "cls": "c-city"},
                  {"label": index, "title": self.p.name(self.code), "cls": "c-index num"}]
        if has_iv:
            header.append({"label": self.w["interval_short"], "title": self.w["interval"], "cls": ""})
        if prev is not None:
            assert self.previous is not None
            header.append({"label": self.w["change_short"].format(edition=self.previous.params.edition.edition),
                           "title": self.w["change"], "cls": "num"})
        header.append({"label": self.w["place_all_short"], "title": self.w["place_all"], "cls": "num"})
        header.append({"label": self.w["region"], "title": "", "cls": "c-region"})
        header += [{"label": d, "title": self.p.name(d), "cls": "num"} for d in self.directions]
        rows = []
        for cid, c in part.iterrows():
            cells = [cell(text=self.rank(c["rank_in_group"]), value=_int_or_blank(c["rank_in_group"]), num=True, cls="c-rank"),
                     cell(text=c["city_ru"], value=c["city_ru"], href=f"city/{cid}.html", cls="c-city"),
                     cell(text=self.num(c[self.code]), value=_sortable(c[self.code]), num=True,
                          mark=bool(marked.at[cid, self.code]), cls="c-index")]
            if has_iv:
                iv = self.interval(cid)
                cells.append(cell(text=iv or "—", value=iv.split("–")[0] if iv else ""))
            if prev is not None:
                change: int | str = ""
                if cid in prev.index and prev.at[cid, "group"] == g and pd.notna(prev.at[cid, "rank_in_group"]) \
                        and pd.notna(c["rank_in_group"]):
                    change = int(prev.at[cid, "rank_in_group"]) - int(c["rank_in_group"])
                shown = "—" if change == "" else "0" if change == 0 else f"{change:+d}".replace("-", "−")
                cells.append(cell(text=shown, value=change, num=True))
            cells.append(cell(text=self.rank(c["rank_overall"]), value=_int_or_blank(c["rank_overall"]), num=True))
            cells.append(cell(text=c["region_ru"], value=c["region_ru"], cls="c-region"))
            for d in self.directions:
                if (cid, d) in self.empty:
                    cells.append(cell(text="—", value="", num=True, title=self.w["empty_direction"]))
                else:
                    cells.append(cell(text=self.num(c[d]), value=_sortable(c[d]), num=True, mark=bool(marked.at[cid, d])))
            rows.append({"cells": cells, "search": f"{c['city_ru']} {c['region_ru']}".lower()})
        name = self.p.group_name(g)
        columns = [lw["col_rank"].format(label=self.w["rank"], index=index), lw["col_city"].format(label=self.w["city"]),
                   lw["col_index"].format(index=index, name=self.p.name(self.code))]
        u = self.p.edition.uncertainty
        if has_iv and u is not None:
            columns.append(lw["col_interval"].format(label=self.w["interval_short"], lo=u.interval[0], hi=u.interval[1],
                                                     n=u.replications))
        if self.previous is not None:
            edition = self.previous.params.edition.edition
            columns.append(lw["col_change"].format(label=self.w["change_short"].format(edition=edition), edition=edition))
        columns += [lw["col_place_all"].format(label=self.w["place_all_short"], n=len(self.r.scores)),
                    lw["col_region"].format(label=self.w["region"])]
        share = self.meth.report.imputed_mark_share
        mark_note = lw["imputed_note"].format(share=self.num(100 * share, 0 if float(100 * share).is_integer() else 1),
                                           index=index, count=int(marked.loc[part.index, self.code].sum()),
                                           total=len(part))
        _write(self.out / f"group-{g}.html", pages.render(
            "group", self.lang, "../../", section="layout", header=header, rows=rows, columns=columns,
            directions=[f"{d} — {self.p.name(d)}" for d in self.directions], mark_note=mark_note,
            scroll_hint=lw["scroll_hint"].format(index=index), chart=self._distribution(g, part),
            screened=self._screened(g), ties=self._tie_bands(g), **self.ctx(name)))

    def _tie_bands(self, g: str) -> dict | None:
        """The group's bands of statistically indistinguishable places (``analysis.ties``),
        with the rule in words; None when the run has no uncertainty analysis."""
        if self.r.ties is None:
            return None
        tw = words(self.lang, "ties")
        rows = ties.band_rows(self.r.ties[self.r.ties["group"] == g])
        bands = [{"places": tw["places"].format(first=b.first, last=b.last),
                  "cities": [{"name": n, "href": f"city/{c}.html"} for c, n in zip(b.ids, b.names)]}
                 for b in rows.sort_values("first", kind="stable").itertuples()]
        return {"heading": tw["heading"], "rule": tw["rule"], "bands": bands, "none": tw["none"],
                "indistinct": tw["indistinct"]}

    def _distribution(self, g: str, part: pd.DataFrame) -> dict:
        """The chart of a group page: how the index of the group's cities spreads, the
        group median marked, its bins as the chart's table."""
        lw = words(self.lang, "layout")
        index = short_name(self.p)
        values = [float(v) for v in part[self.code] if pd.notna(v)]
        median = float(part[self.code].median())          # NaN-free: the ranked cities only
        title = lw["distribution_title"].format(index=index, group=self.p.group_name(g))
        chart = svg.histogram(values, title, index, self.lang, (lw["median_label"], median) if values else None)
        decimals = svg.nice_ticks(svg.bins(values)[-1][1], 10)[2]
        rows = [(f"{self.num(lo, decimals)}–{self.num(hi, decimals)}", n) for lo, hi, n in svg.bins(values)]
        return figures.figure(chart, figures.stem(self.r.key, "group", g), [lw["bin"].format(index=index), self.w["cities"]],
                              rows, self.lang, lw["distribution_caption"].format(index=index))

    def _screened(self, g: str) -> dict | None:
        """The cities of group ``g`` screened out for data availability (results/screened.csv)."""
        folder = RunFolder(self.r.folder)
        if not folder.has("screened.csv"):
            return None
        table = folder.read_csv("screened.csv")
        if "city_id" not in table.columns:          # indicators screened, not cities
            return None
        ids = [c for c in table["city_id"] if c in self.r.scores.index and self.r.scores.at[c, "group"] == g]
        if not ids:
            return None
        return {"count": len(ids), "names": ", ".join(self.r.scores.loc[ids, "city_ru"]),
                "threshold": self.num(float(table["threshold"].iloc[0]))}

    def city_page(self, cid: str) -> None:
        """A city's passport (publishing/passport.py): the page here, its PDF queued."""
        if not hasattr(self, "passports"):      # a page on its own, outside write()
            self.passports = Passports(self)
        _write(self.out / "city" / f"{cid}.html",
               pages.render("city", self.lang, "../../../", section="passport", **self.passports.page(cid)))

    def method_page(self) -> None:
        fw = self.meth.framework
        nominal = diagnostics.nominal_shares(fw)
        effective = self.r.effective.set_index("code")["variance_share"]

        def node(code: str) -> dict:
            return {"code": code, "name": self.p.name(code), "weight": self.num(fw.weight[code], 2),
                    "tags": self._tags(code),
                    "nominal": f"{self.num(100 * nominal[code], 1)} %",
                    "effective": f"{self.num(100 * effective[code], 1)} %" if code in effective.index else "",
                    "children": [node(k) for k in fw.children(code)]}
        choices = []
        for level in self.meth.levels[1:]:
            cfg = self.meth.scoring.aggregation[level]
            choices.append({"what": input_name(self.p, f"aggregation.{level}"),
                            "how": method_words(self.p, "aggregation", cfg)})
        for family, column, of in (("imputation", "missing", self.meth.missing_rule),
                                   ("treatment", "treatment", self.meth.treatment_of),
                                   ("normalisation", "normalisation", self.meth.normalisation_of)):
            used: dict[str, list[str]] = {}
            for code in self.meth.indicator_codes():
                used.setdefault(describe(of(code)), []).append(code)
            for codes in used.values():
                choices.append({"what": f"{column_label(self.p, column)}: {', '.join(codes)}",
                                "how": method_words(self.p, family, of(codes[0]))})
        differences = self._differences()
        _write(self.out / "method.html", pages.render(
            "method", self.lang, "../../", tree=[node(fw.index_code)], choices=choices,
            method={"id": self.meth.id, "confirmed": self.p.local(self.meth.status, "confirmed"),
                    "reconstructed": self.p.local(self.meth.status, "reconstructed")},
            differences=differences, **self.ctx(self.w["method"])))

    def _tags(self, code: str) -> list[str]:
        """What is reconstructed about a node of the framework (for the method page)."""
        node = self.meth.node(code)
        tags = [self.w["node_reconstructed"]] if getattr(node, "status", None) == "reconstructed" else []
        if getattr(node, "direction_assignment", None) == "inferred":
            tags.append(self.w["assignment_inferred"])
        if getattr(node, "polarity_assignment", None) == "inferred":
            tags.append(self.w["polarity_inferred"])
        return tags

    def _differences(self) -> list[dict]:
        """What a scenario file changes, in words, for the method page (a reader's page: no
        file, key or path of the YAML); nothing for an edition."""
        data = read_yaml(self.p.edition_path)
        if "extends" not in data:
            return []
        out: list[dict] = []
        meth = self.meth
        w = self.w
        family = {"missing": "imputation", "treatment": "treatment", "normalisation": "normalisation"}
        label = words(self.lang, "site.family_label")
        changes = data.get("methodology", {}) or {}
        for key in ("aggregates", "indicators"):
            for code, change in (changes.get(key) or {}).items():
                for field, _ in change.items():
                    if field == "weight":
                        out.append({"words": w["diff_weight"].format(code=code, name=self.p.name(code),
                                                                     value=self.num(meth.node(code).weight))})
                    elif field in family:
                        choice = getattr(meth.indicator(code), field)
                        out.append({"words": w["diff_choice"].format(label=label[field], code=code,
                                                                     how=method_words(self.p, family[field], choice))})
                    else:
                        out.append({"words": f"{code}.{field}: {json.dumps(change[field], ensure_ascii=False)}"})
        for kind, change in (changes.get("kinds") or {}).items():
            unit = self.p.local(meth.kinds[kind], "unit")
            for field in change:
                if field in family:
                    choice = getattr(meth.kinds[kind], field)
                    out.append({"words": w["diff_kind"].format(label=label[field], unit=unit,
                                                               how=method_words(self.p, family[field], choice))})
                else:
                    out.append({"words": f"kinds.{kind}.{field}: {json.dumps(change[field], ensure_ascii=False)}"})
        scoring = changes.get("scoring") or {}
        for field in scoring:
            if field == "aggregation":
                for level in scoring["aggregation"]:
                    out.append({"words": f"{input_name(self.p, f'aggregation.{level}')}: "
                                         f"{method_words(self.p, 'aggregation', meth.scoring.aggregation[level])}"})
            elif field in ("treatment", "normalisation"):
                out.append({"words": w["diff_default"].format(
                    label=label[field], how=method_words(self.p, field, getattr(meth.scoring, field)))})
            else:
                out.append({"words": f"scoring.{field}: {json.dumps(scoring[field], ensure_ascii=False)}"})
        for key, value in (data.get("edition") or {}).items():
            if key.startswith("title_") or key == "description":
                continue
            if key == "base_edition":
                base = read_yaml(resolve(value)).get("edition", value) if isinstance(value, str) else value
                out.append({"words": w["diff_base_edition"].format(value=base)})
            else:
                out.append({"words": f"{key}: {json.dumps(value, ensure_ascii=False)}"})
        for key in changes:
            if key not in ("aggregates", "indicators", "kinds", "scoring"):
                out.append({"words": f"methodology.{key}: {json.dumps(changes[key], ensure_ascii=False)}"})
        return out

    def robustness_page(self) -> None:
        assert self.r.intervals is not None
        u = self.p.edition.uncertainty
        assert u is not None
        lw = words(self.lang, "layout")
        lo, hi = u.interval
        groups = []
        for g in self.p.group_codes:
            part = self.r.scores[self.r.scores["group"] == g]
            rows = [(c["city_ru"], None if pd.isna(c["rank_in_group"]) else int(c["rank_in_group"]),
                     *(None if pd.isna(self.r.intervals.at[cid, k]) else int(self.r.intervals.at[cid, k])
                       for k in ("low", "high"))) for cid, c in part.iterrows()]
            title = f"{self.w['intervals_title']}: {self.p.group_name(g)}"
            chart = figures.figure(
                svg.rank_intervals(rows, title, self.lang), figures.stem(self.r.key, "intervals", g),
                [self.w["city"], self.w["place_group"], lw["interval_low"], lw["interval_high"]],
                [[name, *("—" if v is None else v for v in rest)] for name, *rest in rows], self.lang,
                lw["intervals_caption"].format(lo=lo, hi=hi))
            groups.append({"name": self.p.group_name(g), "chart": chart})
        sens = self.r.sensitivity
        sobol = None
        if len(sens):
            overall = sens[sens["output"] == "mean_abs_rank_shift"]
            bars = [(input_name(self.p, r["input"]), r["Si"], r["Si_low"], r["Si_high"], r["STi"], r["STi_low"],
                     r["STi_high"]) for _, r in overall.iterrows()]
            sobol = figures.figure(
                svg.sobol_bars(bars, self.w["sobol"], ("Sᵢ", "STᵢ"), self.lang), figures.stem(self.r.key, "sobol"),
                [lw["input"], "Sᵢ", f"Sᵢ, {lw['low']}", f"Sᵢ, {lw['high']}", "STᵢ", f"STᵢ, {lw['low']}",
                 f"STᵢ, {lw['high']}"],
                [[b[0], *(self.num(v, 3) for v in b[1:])] for b in bars], self.lang, lw["sobol_caption"])
        notes = [self.w["robustness_band"].format(lo=lo, hi=hi, n=u.replications), self.w["robustness_sobol"]]
        _write(self.out / "robustness.html", pages.render("robustness", self.lang, "../../", section="layout", groups=groups,
                                                          sobol=sobol, notes=notes,
                                                          **self.ctx(self.w["robustness"])))

    # ----------------------------------------------------------------------- downloads
    def downloads(self) -> None:
        """The run's downloads: the officials' book (``downloads/iq-<edition>-<scenario>.xlsx``),
        the CSV for Excel (``downloads/excel/iq-<edition>-<scenario>-<table>.csv``) and the
        run's own CSV files (``downloads/data/``)."""
        d = self.out / "downloads"
        (d / "data").mkdir(parents=True, exist_ok=True)
        for p in sorted((self.r.folder / "results").glob("*.csv")):
            shutil.copyfile(p, d / "data" / p.name)
        book = RunBook(self.r.folder, self.p)
        book.write_excel(d)
        book.write_book(d)

    def audit_report(self) -> None:
        """The run's statistical audit report (``publishing.audit_report``): copied as the
        run made it, or made again when the site shows the run in another language."""
        made = self.r.folder / audit_report.FOLDER
        if not (made / "index.html").is_file():
            return
        if f'<html lang="{self.lang}">' in (made / "index.html").read_text(encoding="utf-8")[:200]:
            shutil.copytree(made, self.out / audit_report.FOLDER, dirs_exist_ok=True)
        else:
            audit_report.write(self.p, RunFolder(self.r.folder), self.out / audit_report.FOLDER)

    def notebook_pages(self) -> None:
        """The executed notebooks: with code (the run's own html/ pages) and without code
        (for readers); their stylesheet and images moved to content-addressed assets."""
        out = self.out / "notebooks"
        out.mkdir(parents=True, exist_ok=True)
        names = text(self.p, "stage_names")
        top = notebook_html.header([("../../../index.html", self.w["home"]), ("../index.html", self.r.title),
                                    ("../method.html", self.w["method"])],
                                   self.w["synthetic"] if self.p.edition.synthetic else None)
        pages = {out / f"{s}{suffix}.html": notebook_html.export(self.r.folder / "notebooks" / f"{s}.ipynb",
                                                                 f"{names[s]} — {self.r.title}", self.lang, code, top)
                 for s in STAGES for suffix, code in (("-code", True), ("", False))}
        notebook_html.write_pages(pages, self.out.parents[1] / "assets", "../../../assets/")
        shutil.copytree(self.r.folder / "figures", self.out / "figures", dirs_exist_ok=True)
