"""The run's front page (``index.html``): what it is, links to every notebook, page,
table and chart, and the group leaders. Rendered from ``templates/run_index.html`` on the
site's base layout, its words from the catalogue (sections ``site`` and ``page``), the
site's one stylesheet inlined (a run folder has no ``assets/``); every value escaped."""

from __future__ import annotations

import pandas as pd

from iqlib.config.params import Params
from iqlib.config.paths import display
from iqlib.presentation import framing, site
from iqlib.presentation.charts import rank_interval
from iqlib.presentation.text import interval_note, number, text
from iqlib.presentation.titles import run_title
from iqlib.presentation.words import word


def index_html(params: Params, stages: list[str], scores: pd.DataFrame, results: list[str], figures: list[str],
               intervals: pd.DataFrame | None = None, comparison: str | None = None, audit: str | None = None) -> str:
    """The run's front page: what it is, links to every notebook, page, table (``results``:
    file names under results/) and chart (``figures``: file names under figures/); the
    leaders' rank intervals when ``intervals`` (city_id → low, high) are given. A scenario's
    page names its base and links to the comparison with it (``comparison``: its href, or
    None when the base has no run to compare with); a draft's page says it is one and has
    no notebook pages. ``audit``: the href of the run's statistical audit report, if made."""
    ed = params.edition
    lang = ed.language
    names = text(params, "stage_names")
    code = params.methodology.index_code
    decimals = params.methodology.scoring.decimals
    top = scores[scores["rank_in_group"] <= 3]
    leaders = [{"group": params.group_name(g), "rank": row["rank_in_group"], "city": row["city_ru"],
                "interval": rank_interval(intervals, row["city_id"]) or "—" if intervals is not None else "",
                "score": number(float(row[code]), decimals, lang)}
               for g in params.group_codes for _, row in top[top["group"] == g].iterrows()]
    return site.render(
        "run_index", lang, "", section="page", standalone=True, inline_css=site.ASSETS["css"][1],
        title=run_title(params), heading=run_title(params), synthetic=ed.synthetic,
        footer=framing.footer(params, run_title(params), f"{ed.edition}/{ed.scenario}/index.html"),
        notices=[site.page_words(lang, "page")["draft"]] if params.draft else [],
        run_line={"method": params.methodology_title, "edition": ed.edition, "scenario": ed.scenario,
                  "description": ed.description},
        base=display(params.extends) if params.extends is not None else None, comparison=comparison,
        audit={"href": audit, "pdf": audit.rsplit("/", 1)[0] + "/report.pdf", "text": word(lang, "audit_report.run_link")}
        if audit else None,
        stages=[{"name": names[s], "page": None if params.draft else f"html/{s}.html", "notebook": f"notebooks/{s}.ipynb"}
                for s in stages],
        leaders=leaders, index=code, interval_note=interval_note(params) if intervals is not None else "",
        results=sorted(results),
        figures=[{"name": n, "alt": n.rsplit(".", 1)[0]} for n in sorted(figures, key=lambda n: _figure_order(n, params.group_codes))])


def _figure_order(name: str, groups: list[str]) -> tuple[int, int, str]:
    """Charts in reading order: the leaderboards in the edition's group order, then the rest."""
    stem = name.rsplit(".", 1)[0].split("__")[0]     # a scenario's charts end in '__<edition>-<scenario>'
    group = stem.removeprefix("leaderboard_")
    if stem.startswith("leaderboard_") and group in groups:
        return 0, groups.index(group), stem
    return 1, 0, stem
