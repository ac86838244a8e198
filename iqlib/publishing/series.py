"""``iq series``: the index across published editions, as a chained step of its own.

``compute`` reads each edition's published run (scores, regions, the method it used),
scores every edition again against fixed goalposts (the series' ``goalposts`` scenario,
in memory) and builds the tables of ``iqlib.analysis.series``; ``build`` writes them and
the charts into a folder (what ``notebooks/series.ipynb`` calls); ``run`` executes that
notebook with papermill into a staging folder, adds the page and the manifest, and moves
the whole folder into place (``outputs/series/<name>`` with ``--publish``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from iqlib.analysis import series as tables
from iqlib.config import names
from iqlib.config.params import Params, Series, load_params, load_series
from iqlib.config.paths import display, project_root, resolve
from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import UserError
from iqlib.io import reference
from iqlib.io.hashing import sha256
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import charts, figures, svg
from iqlib.presentation import site as pages
from iqlib.presentation.site import fmt
from iqlib.presentation.text import table_name, text
from iqlib.presentation.words import word, words
from iqlib.publishing import notebook_html, series_checks
from iqlib.publishing.officials_book import SeriesBook
from iqlib.publishing.run import StageError, normalise_notebook, stage_failure
from iqlib.scenarios import scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NOTEBOOK = "notebooks/series.ipynb"


@dataclass
class SeriesTables:
    series: Series
    methods: pd.DataFrame       # year, run, method id, method title
    panel: pd.DataFrame
    averages: pd.DataFrame
    groups: pd.DataFrame
    changes: pd.DataFrame
    movers: pd.DataFrame
    regions: pd.DataFrame
    conflicts: pd.DataFrame
    group_names: dict[str, str]
    index_code: str
    decimals: int


def is_series(folder: Path) -> bool:
    """A published series folder (outputs/series/<name>), not a run."""
    man = folder / "manifest.json"
    try:
        data = json.loads(man.read_text(encoding="utf-8")) if man.is_file() else None
    except (OSError, ValueError):               # unreadable, or not JSON: not a series iq series wrote
        return False
    return isinstance(data, dict) and "series" in data


def series_folders(outputs: Path) -> list[Path]:
    """The published series under ``outputs``."""
    return sorted(p.parent for p in outputs.glob("series/*/manifest.json") if is_series(p.parent))


def series_title(folder: Path) -> str:
    """A published series' title in its own language (from the params its manifest records)."""
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return str(man["title"])


def series_name(s: Series) -> str:
    """The series' title in its own language (``title_<language>``)."""
    return str(getattr(s, f"title_{s.language}"))


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def _methods(s: Series, runs: list[series_checks.CheckedRun] | None = None) -> pd.DataFrame:
    """One row per run (year, run, method id, levels, maximum score), in year order; runs of
    different method versions refused unless the series shows them apart. ``runs``: the
    series' runs as ``series_checks.check_runs`` checked them (read from their manifests
    when not given)."""
    rows = []
    manifests = [r.manifest for r in runs] if runs is not None else [_manifest(resolve(e.run)) for e in s.editions]
    for e, man in zip(s.editions, manifests):
        meth = man["params"]["resolved"]["methodology"]
        if man.get("draft"):
            raise UserError(f"{e.run}: a draft run cannot enter a series (run it without --draft)")
        rows.append({"year": man["params"]["resolved"]["edition"]["data_year"], "run": e.run, "method": meth["id"],
                     "levels": len(meth["levels"]), "max_score": meth["scoring"].get("max_score")})
    frame = pd.DataFrame(rows)
    if frame["year"].duplicated().any():
        raise UserError(f"series {s.series}: two runs of the same data year: "
                        f"{', '.join(frame.loc[frame['year'].duplicated(keep=False), 'run'])}")
    if frame["method"].nunique() > 1 and s.methods_differ == "refuse":
        listed = "; ".join(f"{r.run}: {r.method}" for r in frame.itertuples())
        raise UserError(f"series {s.series}: the runs use different method versions ({listed}); their scores are "
                        f"not on one scale. Set methods_differ: show to draw each method as its own line")
    return frame.sort_values("year", kind="stable").reset_index(drop=True)


def check(series_file: str | Path) -> tuple[Series, list[series_checks.CheckedRun], pd.DataFrame, pd.DataFrame]:
    """Everything a series reads, checked before anything is computed or written: its YAML,
    the texts and shape of its official figures, every run (as ``iq verify --quick``, matched
    to its params, one per data year, one group set), its method versions and base year.
    Returns the series, its checked runs, their methods and the official averages."""
    s = load_series(series_file)
    for figures_file in (s.official_averages, s.conflicts):   # texts shown on the series page, bounded like an edition's
        if figures_file:
            reference.check_file_texts(resolve(figures_file))
    official = series_checks.official_averages(series_file, s.official_averages)
    if s.conflicts:
        series_checks.check_conflicts(series_file, s.conflicts)
    runs = series_checks.check_runs(s, series_file)
    methods = _methods(s, runs)
    if s.base_year not in set(methods["year"]):
        raise UserError(f"{display(resolve(series_file))}: key 'base_year': {s.base_year} is not the data year of one of "
                        f"the series' runs ({', '.join(map(str, methods['year']))})")
    return s, runs, methods, official


def _fixed(s: Series, params_file: str) -> pd.Series:
    """An edition's published-precision index against the series' fixed goalposts."""
    gp = read_yaml(resolve(s.goalposts))
    base = gp.get("edition", {}).get("base_edition")
    computed = scenario(params_file, "fixed-goalposts", methodology=gp.get("methodology", {}),
                        edition={"base_edition": base} if base else {}).compute()
    code = load_params(params_file, check_inputs=False).methodology.framework.index_code
    return computed.set_index("city_id")[code]


def compute(series_file: str | Path) -> SeriesTables:
    """Every table of the series from its published runs (nothing written)."""
    s, runs, methods, official = check(series_file)
    last = load_params(s.editions[-1].params, check_inputs=False)
    code, decimals = last.methodology.framework.index_code, last.methodology.scoring.decimals
    scores, fixed, regions = {}, {}, {}
    year_of = dict(zip(methods["run"], methods["year"]))
    for e in s.editions:
        run = RunFolder(resolve(e.run))
        year = int(year_of[e.run])
        scores[year] = run.read_csv("scores.csv")
        if run.has("regions.csv"):
            regions[year] = run.read_csv("regions.csv")
        fixed[year] = _fixed(s, e.params)
    panel = tables.panel(scores, code, fixed)
    groups = list(dict.fromkeys(g for r in runs for g in r.groups))
    names = {g.code: last.local(g, "name") for g in last.edition.groups}
    changes = tables.changes(panel, decimals)
    conflicts = pd.read_csv(resolve(s.conflicts)) if s.conflicts else pd.DataFrame()
    by_year = methods.set_index("year")["method"]
    return SeriesTables(s, methods, panel, tables.averages(panel, official, s.base_year, decimals, by_year),
                        tables.group_averages(panel, groups, decimals), changes, tables.movers(changes, groups),
                        tables.regions(regions, code), conflicts, names, code, decimals)


def _average_lines(t: SeriesTables) -> tuple[list[tuple[str, list, list]], tuple[str, int, float] | None]:
    """The national average by year as lines (label, years, values): the official series,
    then per method version this calculation with min–max in group and with fixed
    goalposts (another method version is its own line, never joined); and the growth
    target (label, year, value) when the series sets one. What both charts draw."""
    a = t.averages
    lang = t.series.language
    w = words(lang, "series")
    base = a.loc[a["year"] == t.series.base_year, "average"].iloc[0]
    lines = [(w["chart_official"], a["year"].tolist(), a["official_average"].tolist())]
    versions = a["method"] if "method" in a else pd.Series("", index=a.index)
    for version in dict.fromkeys(versions.dropna()):
        part = a[versions == version]
        suffix = f", {version}" if version else ""
        lines += [(w["chart_minmax"].format(suffix=suffix), part["year"].tolist(), part["average"].tolist()),
                  (w["chart_fixed"].format(suffix=suffix), part["year"].tolist(), part["average_fixed"].tolist())]
    target = None
    growth, year = t.series.target_growth_pct, t.series.target_year
    if growth is not None and year is not None:
        shown = fmt(growth, 0 if float(growth).is_integer() else 1, lang)
        target = (w["chart_target"].format(growth=shown, base=t.series.base_year, year=year), year,
                  base * (1 + growth / 100))
    return lines, target


def average_chart(t: SeriesTables) -> Figure:
    """The national average by year for the notebook (matplotlib): this calculation
    (min–max and fixed goalposts) beside the official series, and the growth target."""
    lines, target = _average_lines(t)
    w = words(t.series.language, "series")
    notice = text(params_of(t), "synthetic") if t.series.synthetic else None
    return charts.series_lines(lines, w["chart_title"], w["chart_axis"], t.series.language, target, notice, official=0)


def average_svg(t: SeriesTables) -> str:
    """The same chart for the series page, drawn as inline SVG like every chart of the site."""
    lines, target = _average_lines(t)
    lang = t.series.language
    w = words(lang, "series")
    clean = [(label, xs, [None if pd.isna(v) else float(v) for v in ys]) for label, xs, ys in lines]
    return svg.lines(clean, w["chart_title"], w["chart_axis"], word(lang, "site.missing"), lang, target, official=0)


def average_figure(t: SeriesTables) -> dict:
    """The series page's chart with its numbers (a row per year, a column per line and the
    target) and its downloads."""
    lines, target = _average_lines(t)
    lang = t.series.language
    years = sorted({int(y) for _, xs, _ in lines for y in xs} | ({int(target[1])} if target else set()))
    columns = [word(lang, "layout.year"), *(label for label, _, _ in lines), *([target[0]] if target else [])]
    by_line = [dict(zip((int(x) for x in xs), ys)) for _, xs, ys in lines]
    rows = [[str(y), *(fmt(None if pd.isna(v := values.get(y)) else v, t.decimals, lang) for values in by_line),
             *([fmt(target[2], t.decimals, lang) if y == int(target[1]) else "—"] if target else [])] for y in years]
    return figures.figure(average_svg(t), figures.stem("series", t.series.series, "average"), columns, rows, lang)


def build(series_file: str | Path, out_dir: str | Path) -> SeriesTables:
    """Compute the series and write its tables (results/*.csv) and chart (figures/) into
    ``out_dir``; what the series notebook runs."""
    t = compute(series_file)
    folder = RunFolder(out_dir)
    fl = f"%.{t.decimals}f"
    folder.write_csv("editions.csv", t.methods)
    folder.write_csv("panel.csv", t.panel, float_format=fl)
    folder.write_csv("averages.csv", t.averages, float_format=fl)
    folder.write_csv("group_averages.csv", t.groups, float_format=fl)
    folder.write_csv("changes.csv", t.changes, float_format=fl)
    folder.write_csv("movers.csv", t.movers, float_format=fl)
    folder.write_csv("regions.csv", t.regions, float_format=fl)
    folder.save_figure(average_chart(t), "national_average.png")
    return t


def params_of(t: SeriesTables) -> Params:
    """The last edition's params in the series' language: the language, group names and
    index the tables and charts are shown with."""
    return series_params(t.series)


def series_params(s: Series) -> Params:
    """``params_of`` for a series without its tables (what its downloads need)."""
    p = load_params(s.editions[-1].params, check_inputs=False)
    return Params(p.edition.model_copy(update={"language": s.language}), p.methodology, p.edition_path,
                  p.methodology_path, p.files)


def banner(t: SeriesTables) -> str:
    """The first line of the series notebook: the series, its editions, method and base year."""
    w = words(t.series.language, "series")
    line = w["banner"].format(series=series_name(t.series), years=", ".join(str(y) for y in t.methods["year"]),
                              methods="; ".join(method_titles(t)), base=t.series.base_year)
    return f"{line} {w['banner_synthetic']}" if t.series.synthetic else line


def method_titles(t: SeriesTables) -> list[str]:
    """The titles of the series' methods in its language, in the order of their ids (a
    reader sees the methodology's title, never its id), from the manifests of its runs."""
    titles: dict[str, str] = {}
    for run, method in zip(t.methods["run"], t.methods["method"]):
        resolved = _manifest(resolve(run))["params"]["resolved"]["methodology"]
        titles.setdefault(method, str(resolved.get(f"title_{t.series.language}") or method))
    return [titles[m] for m in sorted(titles)]


def chart_path(out_dir: str | Path) -> Path:
    return Path(out_dir) / "figures" / "national_average.png"


def chart_alt(t: SeriesTables) -> str:
    """The ``alt`` text of the series chart in a notebook: the chart's own heading."""
    return str(words(t.series.language, "series")["chart_title"])


def scale_summary(t: SeriesTables) -> pd.DataFrame:
    """Per pair of consecutive editions: cities in the same group both years, their mean
    score change, the mean real change (fixed goalposts) and the mean moving-scale effect."""
    same = t.changes[t.changes["status"] == "same_group"]
    g = same.groupby(["year_from", "year_to"])
    return pd.DataFrame({"cities": g.size(), "delta": g["delta"].mean(), "delta_fixed": g["delta_fixed"].mean(),
                         "delta_scale": g["delta_scale"].mean()}).reset_index()


def conflicts_table(t: SeriesTables) -> pd.DataFrame:
    """The conflicts among published facts, in the series' language."""
    lang = t.series.language
    if t.conflicts.empty:
        return pd.DataFrame(columns=["conflict", "resolution"])
    return pd.DataFrame({"conflict": t.conflicts[f"conflict_{lang}"], "resolution": t.conflicts[f"resolution_{lang}"]})


# --------------------------------------------------------------------------- the step
def run(series_file: str, publish: bool = False, out: str | None = None, force: bool = False) -> Path:
    """Execute the series notebook into a staging folder, add its pages and manifest, and
    move it to ``out`` (default runs/series/<name>, or outputs/series/<name> to publish)."""
    s = load_series(series_file)
    root = project_root()
    dest = resolve(out) if out else root / ("outputs" if publish else "runs") / "series" / s.series
    if dest.exists() and not is_series(dest):      # --force replaces a series, never another folder
        raise UserError(f"{display(dest)} exists and is not a series folder (iq series replaces only a series); "
                        f"choose another --out")
    if dest.exists() and not force:
        raise UserError(f"{display(dest)} exists; pass --force to replace it")
    names.check_free(dest, "series folder")
    t = compute(series_file)                     # every user error (series_checks) before anything is written
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{s.series}-", dir=dest.parent))   # same disk: the rename is atomic
    try:
        (staging / "notebooks").mkdir()
        nb = staging / "notebooks" / "series.ipynb"
        _execute(series_file, nb)
        title = series_name(s)
        top = notebook_html.header([("../index.html", title)])
        notebook_html.write_pages({staging / "html" / "series.html": notebook_html.export(nb, title, s.language, False, top),
                                   staging / "html" / "series-code.html": notebook_html.export(nb, title, s.language, True, top)},
                                  staging / "html", "")
        book = SeriesBook(staging, title, s.synthetic, params_of(t))
        book.write_excel(staging / "downloads")
        book.write_book(staging / "downloads")
        (staging / "index.html").write_text(page(t, staging), encoding="utf-8")
        (staging / "assets").mkdir(exist_ok=True)
        for name, content in pages.ASSETS.values():
            (staging / "assets" / name).write_text(content, encoding="utf-8")
        manifest = {"series": s.series, "title": title, "synthetic": s.synthetic, "params": _entry(resolve(series_file)),
                    "runs": {e.run: _entry(resolve(e.run) / "manifest.json") for e in s.editions},
                    "inputs": {k: _entry(resolve(v)) for k, v in [("goalposts", s.goalposts),
                               ("official_averages", s.official_averages), ("conflicts", s.conflicts)] if v},
                    "notebook": _entry(root / NOTEBOOK),
                    "outputs": {p.relative_to(staging).as_posix(): _entry(p) for p in sorted(staging.rglob("*"))
                                if p.is_file()}}
        (staging / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if dest.exists():
            shutil.rmtree(dest)
        staging.rename(dest)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return dest


def _execute(series_file: str, nb: Path) -> None:
    """The series notebook with papermill in a child process, as ``iq run`` runs a stage:
    cwd the folder's notebooks/ and ``out_dir`` "..", so the executed notebook re-runs
    wherever the folder is copied; the kernel's chatter stays out of the terminal."""
    jobs = [{"stage": "series", "source": str(project_root() / NOTEBOOK), "output": str(nb), "cwd": str(nb.parent),
             "parameters": {"series_file": display(resolve(series_file)), "out_dir": ".."}}]
    env = {**os.environ, "PYTHONHASHSEED": "0", "IQ_PROJECT_ROOT": str(project_root())}
    done = subprocess.run([sys.executable, "-m", "iqlib.publishing.execute", json.dumps(jobs)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise StageError(stage_failure("series", done.stderr))
    normalise_notebook(nb, "series")


def region_rows(t: SeriesTables, n: int = 10) -> dict | None:
    """The last edition's ``n`` first regions with their figure in every edition: rows for
    the page's table and a grouped bar chart (a region absent from an edition is a gap)."""
    if t.regions.empty:
        return None
    last = int(t.regions["year"].max())
    top = t.regions[(t.regions["year"] == last)].sort_values("rank", kind="stable").head(n)["region"].tolist()
    wide = t.regions.pivot(index="region", columns="year", values=t.index_code).reindex(top)
    years = [int(y) for y in wide.columns]
    lang = t.series.language

    def num(x: object) -> str:
        return fmt(None if pd.isna(x) else x, t.decimals, lang)
    rows = [{"region": r, "values": [num(wide.at[r, y]) for y in years]} for r in top]
    series = [(str(y), [None if pd.isna(v) else float(v) for v in wide[y]]) for y in years]
    title = word(lang, "series.regions_chart", n=len(top), year=last)
    top_value = float(params_of(t).methodology.scoring.max_score or wide.max().max())
    chart = svg.grouped_bars(top, series, top_value, title, lang, word(lang, "site.missing"))
    return {"years": years, "rows": rows,
            "chart": figures.figure(chart, figures.stem("series", t.series.series, "regions"),
                                    [word(lang, "site.region"), *map(str, years)],
                                    [[r["region"], *r["values"]] for r in rows], lang, title)}


def _entry(path: Path) -> dict:
    return {"path": display(path), "sha256": sha256(path)}


def page(t: SeriesTables, folder: Path) -> str:
    """The series' page: the national averages, official and computed, side by side, with
    growth against the base year; the chart; links to the notebook and the tables."""
    lang = t.series.language
    d = t.decimals

    def num(x: object, decimals: int = d) -> str:
        return fmt(None if x is None or pd.isna(x) else x, decimals, lang)
    titles = dict(zip(sorted(set(t.methods["method"])), method_titles(t)))
    rows = [{"year": int(r.year), "cities": "—" if pd.isna(r.cities) else int(r.cities),
             "official": num(r.official_average), "average": num(r.average),
             "official_growth": num(r.official_growth_pct), "growth": num(r.growth_pct),
             "fixed": num(r.average_fixed), "growth_fixed": num(r.growth_fixed_pct),
             "method": titles.get(getattr(r, "method", ""), "")} for r in t.averages.itertuples()]
    groups = [{"year": int(r.year), "group": t.group_names.get(r.group, r.group), "cities": int(r.cities),
               "average": num(r.average), "fixed": num(r.average_fixed)} for r in t.groups.itertuples()]
    conflicts = [f"{c.conflict} {c.resolution}" for c in conflicts_table(t).itertuples()]
    params = params_of(t)
    csvs = [{"file": p.name, "name": table_name(params, p.stem)} for p in sorted((folder / "results").glob("*.csv"))]
    regions = region_rows(t)
    title = series_name(t.series)
    xlsx, excel = None, []
    if (folder / "results" / "panel.csv").is_file():        # the downloads made from the folder's tables
        book = SeriesBook(folder, title, t.series.synthetic, params)
        xlsx = f"downloads/{book.book_name()}" if (folder / "downloads" / book.book_name()).is_file() else None
        excel = [{"href": f"downloads/excel/{name}", "name": table_name(params, table)}
                 for table, name in book.excel_files() if (folder / "downloads" / "excel" / name).is_file()]
    return pages.render("series", lang, "", section="series", standalone=True, title=title, heading=title,
                        synthetic=t.series.synthetic, rows=rows, groups=groups, chart=average_figure(t), conflicts=conflicts,
                        csvs=csvs, xlsx=xlsx, excel=excel, ow=words(lang, "officials"),
                        methods=method_titles(t), base_year=t.series.base_year, regions=regions)
