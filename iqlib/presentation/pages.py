"""The run's front page (``index.html``): what it is, links to every notebook, page,
table and chart, and the group leaders. Every text that comes from params or data is
HTML-escaped."""

from __future__ import annotations

import html

import pandas as pd

from iqlib.config.params import Params
from iqlib.config.paths import display
from iqlib.presentation.charts import rank_interval
from iqlib.presentation.text import entry, interval_note, number
from iqlib.presentation.titles import run_title


def index_html(params: Params, stages: list[str], scores: pd.DataFrame, results: list[str], figures: list[str],
               intervals: pd.DataFrame | None = None, comparison: str | None = None) -> str:
    """The run's front page: what it is, links to every notebook, page, table (``results``:
    file names under results/) and chart (``figures``: file names under figures/); the
    leaders' rank intervals when ``intervals`` (city_id → low, high) are given. A scenario's
    page names its base and links to the comparison with it (``comparison``: its href, or
    None when the base has no run to compare with); a draft's page says it is one and has
    no notebook pages."""
    ed = params.edition
    lang = ed.language
    t = entry(lang, "text")                 # the run's words (catalogue section text)
    title = run_title(params)
    esc = html.escape
    parts = [f"<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">",
             f"<title>{esc(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
             ".synthetic{background:#fde7ea;color:#b00020;padding:.6em 1em;font-weight:bold}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}"
             "img{max-width:100%;border:1px solid #ddd}</style>\n</head>\n<body>",
             f"<h1>{esc(title)}</h1>"]
    if ed.synthetic:
        parts.append(f"<p class=\"synthetic\">{esc(t['synthetic'])}</p>")
    if params.draft:
        parts.append(f"<p class=\"synthetic\">{esc(t['draft'])}</p>")
    method = params.methodology_title
    parts.append(f"<p>{esc(t['edition_line'].format(method=method, edition=ed.edition, scenario=ed.scenario))}</p>")
    if ed.description:
        parts.append(f"<p>{esc(ed.description)}</p>")
    if params.extends is not None:
        parts.append(f"<p>{esc(t['scenario_of'].format(base=display(params.extends)))} ")
        parts.append(f"<a href=\"{esc(comparison)}\">{esc(t['comparison'])}</a>.</p>" if comparison else
                     f"{esc(t['no_base_run'].format(base=display(params.extends)))}</p>")
    parts.append(f"<h2>{esc(t['stages'])}</h2>\n<ul>")
    for s in stages:
        page = "" if params.draft else f"<a href=\"html/{s}.html\">{t['page']}</a>, "
        parts.append(f"<li>{esc(t[f'stage_names.{s}'])}: {page}<a href=\"notebooks/{s}.ipynb\">{t['notebook']}</a></li>")
    parts.append("</ul>")
    shown = intervals is not None
    head = f"<th>{esc(t['rank_interval'])}</th>" if shown else ""
    parts.append(f"<h2>{esc(t['top'])}</h2>\n<table><tr><th>{t['group']}</th><th>{t['rank']}</th>{head}"
                 f"<th>{t['city']}</th><th>{esc(params.methodology.index_code)}</th></tr>")
    top = scores[scores["rank_in_group"] <= 3]
    code = params.methodology.index_code
    for g in params.group_codes:
        for _, row in top[top["group"] == g].iterrows():
            cell = f"<td>{rank_interval(intervals, row['city_id']) or '—'}</td>" if shown else ""
            score = number(float(row[code]), params.methodology.scoring.decimals, lang)
            parts.append(f"<tr><td>{esc(params.group_name(g))}</td><td>{row['rank_in_group']}</td>{cell}"
                         f"<td>{esc(row['city_ru'])}</td><td>{score}</td></tr>")
    parts.append("</table>")
    if shown:
        parts.append(f"<p>{esc(interval_note(params))}.</p>")
    parts.append(f"<h2>{esc(t['results'])}</h2>\n<ul>")
    for name in sorted(results):
        parts.append(f"<li><a href=\"results/{esc(name)}\">results/{esc(name)}</a></li>")
    parts.append(f"<li><a href=\"manifest.json\">manifest.json</a> — {esc(t['manifest'])}</li>\n</ul>")
    parts.append(f"<h2>{esc(t['figures'])}</h2>")
    for name in sorted(figures, key=lambda n: _figure_order(n, params.group_codes)):
        stem = name.rsplit(".", 1)[0]
        parts.append(f"<p><a href=\"figures/{esc(name)}\"><img src=\"figures/{esc(name)}\" alt=\"{esc(stem)}\"></a></p>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def _figure_order(name: str, groups: list[str]) -> tuple[int, int, str]:
    """Charts in reading order: the leaderboards in the edition's group order, then the rest."""
    stem = name.rsplit(".", 1)[0].split("__")[0]     # a scenario's charts end in '__<edition>-<scenario>'
    group = stem.removeprefix("leaderboard_")
    if stem.startswith("leaderboard_") and group in groups:
        return 0, groups.index(group), stem
    return 1, 0, stem
