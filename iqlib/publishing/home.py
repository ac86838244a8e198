"""The site's home page for readers (``site/index.html``): the newest edition's headline
(national average beside the official one, growth since the series' base year, the leader
of each group), a city finder, the leaders of each group, the national trend, then the
editions, the method, the data and the audit trail.

``publishing.site.build`` calls ``render``; the page is written at the site's top, so
every link is relative to it. The headline's averages and growths come from the published
series (``outputs/series/<name>/results/averages.csv``) when one covers the newest edition,
else from the run itself (its average; its official average when the run holds one).

The finder works offline, from ``file://`` and from any static host: the index of cities
is embedded in the page as ``<script type="application/json">`` (no ``fetch``), the script
is ``static/home.js``, and without a script the page still lists every city (a
``<details>`` list, alphabetical, with links).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from iqlib.config.params import Params
from iqlib.config.series import load_series
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import home_chart
from iqlib.presentation import site as pages
from iqlib.presentation.site import fmt
from iqlib.presentation.text import short_name, text
from iqlib.publishing import maps as home_maps
from iqlib.publishing.filenames import book_name, excel_csv_name, run_stem
from iqlib.publishing.series import series_folders, series_title
from iqlib.stages import STAGES

# ё (U+0451) is read as е (U+0435); dashes (hyphen, U+2010–U+2015) as spaces
_FOLD = {0x0451: 0x0435, 0x2D: 0x20, **{c: 0x20 for c in range(0x2010, 0x2016)}}


class HomeRun(Protocol):
    """What the home page needs of a published run (``publishing.site.Run``)."""

    key: str
    folder: Path
    params: Params
    scores: pd.DataFrame
    summary: pd.DataFrame

    @property
    def title(self) -> str: ...


def finder_key(name: str) -> str:
    """A city name as the finder compares it: lower case, ё read as е, every run of spaces
    and dashes one space (what ``home.js``'s ``normalise`` does; kept here for sorting)."""
    lowered = name.lower().translate(_FOLD)
    return " ".join(lowered.split())


def _signed(x: float, decimals: int, language: str) -> str:
    return ("+" if x > 0 else "") + fmt(x, decimals, language)


def _average_of(run: HomeRun) -> float:
    row = run.summary[run.summary["group"] == "all"]
    return float(row["mean"].iloc[0]) if len(row) else float("nan")


def _series(outputs: Path, edition: int) -> tuple[Path, pd.DataFrame, Any] | None:
    """The first published series with a row for ``edition``: (folder, averages, its params)."""
    for folder in series_folders(outputs):
        averages = pd.read_csv(folder / "results" / "averages.csv")
        if edition in set(averages["year"]):
            man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            return folder, averages, load_series(man["params"]["path"])
    return None


def headline(newest: HomeRun, outputs: Path, language: str) -> dict[str, Any]:
    """The newest edition's figures: its average beside the official one, growth since
    the series' base year (this calculation, official, fixed scale) and what is known of
    the official target."""
    w = pages.page_words(language, "home")
    d = newest.params.methodology.scoring.decimals
    year = newest.params.edition.edition
    out: dict[str, Any] = {"edition": year, "cities": len(newest.scores), "base": None, "growth": None,
                           "growth_official": None, "growth_fixed": None, "target": None,
                           "official_growth_known": False}
    found = _series(outputs, year)
    if found is None:
        folder = RunFolder(newest.folder)
        official = folder.read_csv("official_average.csv").iloc[0]["official_average"] if folder.has("official_average.csv") \
            else float("nan")
        out |= {"average": fmt(_average_of(newest), d, language), "official_known": pd.notna(official),
                "official": w["not_published"] if pd.isna(official) else fmt(official, d, language)}
        return out
    _, averages, series = found
    row = averages[averages["year"] == year].iloc[0]
    out |= {"average": fmt(row["average"], d, language), "official_known": pd.notna(row["official_average"]),
            "official_growth_known": pd.notna(row["official_growth_pct"]),
            "official": w["not_published"] if pd.isna(row["official_average"]) else fmt(row["official_average"], d, language),
            "base": series.base_year,
            "growth": _signed(row["growth_pct"], d, language) + "\u00a0%",
            "growth_official": w["not_published"] if pd.isna(row["official_growth_pct"])
            else _signed(row["official_growth_pct"], d, language) + "\u00a0%",
            "growth_fixed": _signed(row["growth_fixed_pct"], d, language) + "\u00a0%"}
    if series.target_growth_pct is not None and series.target_year is not None:
        growth = fmt(series.target_growth_pct, 0 if float(series.target_growth_pct).is_integer() else 1, language)
        out["target"] = w["target_unconfirmed"].format(growth=growth, base=series.base_year, year=series.target_year)
    else:
        out["target"] = w["target_none"]
    return out


def leaders(run: HomeRun, language: str, top: int = 3) -> list[dict[str, Any]]:
    """Each group of ``run`` with its first ``top`` cities (name, IQ, link to the city page)."""
    p, d = run.params, run.params.methodology.scoring.decimals
    code = p.methodology.index_code
    out = []
    for g in p.group_codes:
        part = run.scores[(run.scores["group"] == g) & (run.scores["rank_in_group"] <= top)].sort_values("rank_in_group",
                                                                                                        kind="stable")
        out.append({"name": p.group_name(g), "href": f"{run.key}/group-{g}.html", "cities": int((run.scores["group"] == g).sum()),
                    "top": [{"rank": int(c["rank_in_group"]), "name": c["city_ru"], "href": f"{run.key}/city/{cid}.html",
                             "score": fmt(c[code], d, language)} for cid, c in part.iterrows()]})
    return out


def city_index(editions: Sequence[HomeRun], language: str) -> list[dict[str, str]]:
    """Every city of the editions (newest first wins), alphabetical: its name (n), the
    key the finder matches (k), a line about it in the newest edition it is in (d) and the
    link to that edition's city page (h)."""
    w = pages.page_words(language, "home")
    rank_of = pages.page_words(language)["rank_of"]
    seen: dict[str, dict[str, str]] = {}
    for run in sorted(editions, key=lambda r: -r.params.edition.edition):
        p, d = run.params, run.params.methodology.scoring.decimals
        code = p.methodology.index_code
        sizes = run.scores["group"].value_counts()
        for cid, c in run.scores.iterrows():
            if cid in seen:
                continue
            place = "—" if pd.isna(c["rank_in_group"]) else rank_of.format(rank=int(c["rank_in_group"]), n=int(sizes[c["group"]]))
            seen[str(cid)] = {"n": c["city_ru"], "k": finder_key(c["city_ru"]), "h": f"{run.key}/city/{cid}.html",
                              "d": w["finder_entry"].format(region=c["region_ru"], group=p.group_name(c["group"]),
                                                            score=fmt(c[code], d, language), place=place,
                                                            edition=p.edition.edition)}
    return sorted(seen.values(), key=lambda e: (e["k"], e["n"], e["h"]))


def trend(outputs: Path, newest: HomeRun, language: str) -> dict[str, Any] | None:
    """The national average by year (this calculation beside the official figures) from
    the published series: the chart and its table; None without a series."""
    found = _series(outputs, newest.params.edition.edition)
    if found is None:
        return None
    folder, a, _ = found
    w = pages.page_words(language, "home")
    d = newest.params.methodology.scoring.decimals
    clean = [None if pd.isna(v) else float(v) for v in a["official_average"]], \
        [None if pd.isna(v) else float(v) for v in a["average"]]
    years = [int(y) for y in a["year"]]
    chart = home_chart.national_trend([(w["trend_official"], years, clean[0]), (w["trend_calc"], years, clean[1])],
                                      w["trend_title"], language)
    rows = [{"year": y, "official": fmt(o, d, language), "calc": fmt(c, d, language)} for y, o, c in zip(years, *clean)]
    return {"chart": chart, "rows": rows, "href": f"series/{folder.name}/index.html", "title": series_title(folder),
            "stem": f"trend_{years[0]}_{years[-1]}"}


def render(runs: Sequence[HomeRun], outputs: Path, language: str, comparisons: dict[str, str],
           series: Sequence[dict[str, str]]) -> str:
    """The home page's HTML. ``comparisons``: a scenario's key → its comparison page;
    ``series``: the published series (href, title) as ``build`` copied them."""
    return pages.render("home", language, "", section="home", **context(runs, outputs, language, comparisons, series))


def context(runs: Sequence[HomeRun], outputs: Path, language: str, comparisons: dict[str, str],
            series: Sequence[dict[str, str]]) -> dict[str, Any]:
    """What ``templates/home.html`` gets (besides the words): prepared values only."""
    w = pages.page_words(language, "home")
    editions = [r for r in runs if r.params.extends is None] or list(runs)
    newest = max(editions, key=lambda r: (r.params.edition.edition, r.key))
    p = newest.params
    year = p.edition.edition
    by_year: dict[int, dict[str, Any]] = {}
    for r in sorted(runs, key=lambda r: (-r.params.edition.edition, r.params.extends is not None, r.key)):
        entry = by_year.setdefault(r.params.edition.edition, {"edition": r.params.edition.edition, "runs": []})
        entry["runs"].append({"href": f"{r.key}/index.html", "title": r.title, "cities": len(r.scores),
                              "base": r.params.extends is None, "comparison": comparisons.get(r.key),
                              "groups": [{"href": f"{r.key}/group-{g}.html", "name": r.params.group_name(g)}
                                         for g in r.params.group_codes]})
    index = city_index(editions, language)
    names = text(p, "stage_names")
    maps = home_maps.context(newest.folder, language)
    anchors = ("finder", "leaders", *(("map",) if maps else ()), "trend", "editions", "method", "data", "audit")
    return {
        "title": w["title"], "heading": w["title"], "standalone": True,
        "synthetic": any(r.params.edition.synthetic for r in runs),
        "links": [{"href": f"#{a}", "text": w[f"nav_{a}"]} for a in anchors],
        "intro": w["intro"].format(max=fmt(p.methodology.scoring.max_score, 0, language), edition=year,
                                   cities=len(newest.scores)),
        "index_label": short_name(p),
        "headline": headline(newest, outputs, language),
        "leaders": leaders(newest, language),
        "maps": maps,
        "home_js": pages.ASSETS["home_js"][0],
        "cities": index,
        # < > & as JSON escapes: no name can end the script or hide its end (</script>, <!--<script>)
        "city_json": json.dumps([{k: e[k] for k in ("n", "k", "d", "h")} for e in index], ensure_ascii=False,
                                separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")
                                .replace("&", "\\u0026"),
        "trend": trend(outputs, newest, language),
        "editions": [by_year[y] for y in sorted(by_year, reverse=True)],
        "newest": {"edition": year, "method": f"{newest.key}/method.html",
                   "robustness": f"{newest.key}/robustness.html" if p.edition.uncertainty is not None
                   and (newest.folder / "results" / "uncertainty.csv").is_file() else None},
        "data": [{"edition": r.params.edition.edition, "xlsx": f"{r.key}/downloads/{book_name(r.params)}",
                  "csv": f"{r.key}/downloads/excel/{excel_csv_name(run_stem(r.params), 'scores')}"}
                 for r in sorted(editions, key=lambda r: -r.params.edition.edition)],
        "series": list(series),
        "notebooks": [{"name": names[s], "reader": f"{newest.key}/notebooks/{s}.html",
                       "auditor": f"{newest.key}/notebooks/{s}-code.html"} for s in STAGES],
        "verify": f"iq verify outputs/{newest.key}",
        "runs": [{"href": f"{r.key}/index.html", "title": r.title, "cities": len(r.scores),
                  "comparison": comparisons.get(r.key)} for r in runs],
    }
