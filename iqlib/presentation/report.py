"""What people read: fixed-format text tables, charts with Cyrillic labels, the run's
index page. Russian by default, English when the edition says ``language: en``.

matplotlib and seaborn are imported by the chart functions themselves: the stages that
draw nothing then start their kernel about two seconds sooner."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iqlib.config.params import Params

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TEXT = {
    "ru": {
        "synthetic": "Синтетические демонстрационные данные — не официальные значения",
        "score": "Баллы IQ (0–120)",
        "group": "Группа",
        "leaderboard": "Рейтинг",
        "distribution": "Распределение IQ по группам",
        "stages": "Этапы расчёта",
        "notebook": "исполненный блокнот",
        "page": "страница",
        "results": "Результаты",
        "figures": "Графики",
        "manifest": "Манифест запуска (параметры, хеши входных файлов, версии пакетов)",
        "top": "Лидеры групп",
        "none": "Нет.",
        "banner": "Издание {edition}, сценарий «{scenario}», методика {method}.",
        "warning": "ВНИМАНИЕ: синтетические демонстрационные данные, не официальные значения.",
        "rank": "Место",
        "rank_interval": "Интервал места [a–b]",
        "interval": "[a–b] — {lo:g}–{hi:g}-й процентили места в группе по {n} повторам анализа неопределённости",
        "city": "Город",
        "stage_names": {"01_load": "1. Загрузка и проверка данных", "02_normalise": "2. Нормирование",
                        "03_weight": "3. Взвешивание и агрегирование", "04_rank": "4. Ранжирование",
                        "05_report": "5. Отчёт"},
    },
    "en": {
        "synthetic": "Synthetic demonstration data — not official values",
        "score": "IQ points (0–120)",
        "group": "Group",
        "leaderboard": "Ranking",
        "distribution": "IQ by population group",
        "stages": "Stages",
        "notebook": "executed notebook",
        "page": "page",
        "results": "Results",
        "figures": "Figures",
        "manifest": "Run manifest (parameters, input hashes, package versions)",
        "top": "Group leaders",
        "none": "None.",
        "banner": "Edition {edition}, scenario '{scenario}', methodology {method}.",
        "warning": "WARNING: synthetic demonstration data, not official values.",
        "rank": "Rank",
        "rank_interval": "Rank interval [a–b]",
        "interval": "[a–b]: {lo:g}th–{hi:g}th percentile of the rank in group over {n} uncertainty replications",
        "city": "City",
        "stage_names": {"01_load": "1. Load and validate", "02_normalise": "2. Normalise",
                        "03_weight": "3. Weight and aggregate", "04_rank": "4. Rank", "05_report": "5. Report"},
    },
}


def text(params: Params, key: str):
    return TEXT[params.edition.language][key]


def banner(params: Params) -> str:
    """First lines of every notebook: which edition, scenario and method; synthetic or not."""
    ed = params.edition
    lines = [text(params, "banner").format(edition=ed.edition, scenario=ed.scenario, method=params.methodology.id)]
    if ed.synthetic:
        lines.append(text(params, "warning"))
    return "\n".join(lines)


def table_or_none(frame: pd.DataFrame, params: Params, decimals: int = 2, column_decimals: dict | None = None) -> str:
    """``text_table`` of a frame, or "None." in the edition's language when it is empty."""
    return text_table(frame, decimals, column_decimals) if len(frame) else text(params, "none")


def text_table(frame: pd.DataFrame, decimals: int = 2, column_decimals: dict | None = None) -> str:
    """A DataFrame as fixed-format text (what nbval compares): floats to ``decimals``,
    or to ``column_decimals[column]`` for the columns named there."""
    formatters = {c: (lambda x, d=d: "—" if pd.isna(x) else f"{x:.{d}f}") for c, d in (column_decimals or {}).items()}
    return frame.to_string(index=False, float_format=lambda x: f"{x:.{decimals}f}", na_rep="—",
                           formatters=formatters)


def _charting():
    """matplotlib.pyplot and seaborn, imported on first use (see the module docstring)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    return plt, sns


def setup_matplotlib() -> None:
    """Fonts with Cyrillic (DejaVu Sans ships with matplotlib) and a quiet style."""
    plt, sns = _charting()
    sns.set_theme(style="whitegrid", font="DejaVu Sans")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 12})


def _title(fig, ax, params: Params, title: str) -> None:
    """Bold title; on synthetic data a red notice above it (every chart says so)."""
    ax.set_title(title, loc="left", fontweight="bold")
    if params.edition.synthetic:
        fig.suptitle(text(params, "synthetic"), color="#b00020", fontsize=10, x=0.01, ha="left")


def interval_note(params: Params) -> str:
    """What the [a–b] after a city means (percentiles, number of replications)."""
    u = params.edition.uncertainty
    return text(params, "interval").format(lo=u.interval[0], hi=u.interval[1], n=u.replications)


def rank_interval(intervals: pd.DataFrame | None, city_id: str) -> str | None:
    """'2–5', the city's rank interval in its group; None without one."""
    if intervals is None or city_id not in intervals.index or pd.isna(intervals.at[city_id, "low"]):
        return None
    return f"{intervals.at[city_id, 'low']}–{intervals.at[city_id, 'high']}"


def rank_labels(part: pd.DataFrame, intervals: pd.DataFrame | None) -> list[str]:
    """'3. Казань [2–5]': rank, city and, when the uncertainty analysis ran, the interval."""
    labels = []
    for city_id, r, c in zip(part["city_id"], part["rank_in_group"], part["city_ru"]):
        label = f"{r}. {c}" if pd.notna(r) else f"— {c}"
        interval = rank_interval(intervals, city_id)
        labels.append(f"{label} [{interval}]" if interval else label)
    return labels


def leaderboard(scores: pd.DataFrame, params: Params, group: str, intervals: pd.DataFrame | None = None) -> Figure:
    """Horizontal bars of the index by city; for a weighted sum, each bar is split into
    the contributions (weight × score) of the index's children. ``intervals`` (city_id →
    low, high) adds each city's rank interval from the uncertainty analysis to its label."""
    plt, sns = _charting()
    meth = params.methodology
    code = meth.index_code
    parts = meth.children(code)
    cfg = meth.scoring.aggregation[meth.levels[-1]]
    stacked = cfg.method == "weighted_sum" and cfg.weights != "pca"
    part = scores[scores["group"] == group].sort_values(["rank_in_group", "city_id"])
    labels = rank_labels(part, intervals)
    fig, ax = plt.subplots(figsize=(11, 3.2 + 0.26 * len(part)), layout="constrained")
    y = np.arange(len(part))
    if stacked:
        weight = {c: (meth.node(c).weight if cfg.weights == "yaml" else 1.0) for c in parts}
        left = np.zeros(len(part))
        for c, color in zip(parts, sns.color_palette("tab10", len(parts))):
            vals = weight[c] * part[c].fillna(0).to_numpy()
            ax.barh(y, vals, left=left, color=color, label=f"{c} {params.name(c)}", height=0.8)
            left += vals
        fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    else:
        ax.barh(y, part[code].fillna(0).to_numpy(), color="#1f4e79", height=0.8)
    for yi, total in zip(y, part[code].to_numpy()):
        ax.text(max(total, 0) + 0.5, yi, "—" if np.isnan(total) else f"{total:.2f}", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(part) - 0.4, -0.6)  # best on top, no empty margin in long groups
    if meth.scoring.max_score:
        ax.set_xlim(0, meth.scoring.max_score)
    xlabel = text(params, "score")
    if intervals is not None:
        xlabel += "\n" + interval_note(params)
    ax.set_xlabel(xlabel)
    lang = params.edition.language
    _title(fig, ax, params, f"{params.edition.title_ru if lang == 'ru' else params.edition.title_en}\n"
                            f"{text(params, 'leaderboard')}: {params.group_name(group)}")
    return fig


def distribution(scores: pd.DataFrame, params: Params) -> Figure:
    """Box plot with every city as a point (swarm: deterministic, no random jitter)."""
    plt, sns = _charting()
    order = params.group_codes
    labels = [params.group_name(g) for g in order]
    fig, ax = plt.subplots(figsize=(11, 5.5), layout="constrained")
    code = params.methodology.index_code
    sns.boxplot(data=scores, x="group", y=code, order=order, color="#dde6f0", showfliers=False, ax=ax)
    sns.swarmplot(data=scores, x="group", y=code, order=order, size=3.5, color="#1f4e79", ax=ax)
    ax.set_xticks(range(len(order)), [lbl.replace(" (", "\n(") for lbl in labels], fontsize=9)
    ax.set_xlabel("")
    ax.set_ylabel(text(params, "score"))
    if params.methodology.scoring.max_score:
        ax.set_ylim(0, params.methodology.scoring.max_score)
    _title(fig, ax, params, text(params, "distribution"))
    return fig


def indicator_heatmap(normalised: pd.DataFrame, groups: pd.Series, params: Params) -> Figure:
    """Mean normalised score of each indicator by population group (0–12)."""
    plt, sns = _charting()
    profile = normalised.groupby(groups.reindex(normalised.index).to_numpy()).mean().reindex(params.group_codes)
    profile.index = [params.group_name(g).replace(" (", "\n(") for g in profile.index]
    fig, ax = plt.subplots(figsize=(14, 5), layout="constrained")
    sns.heatmap(profile, vmin=float(np.nanmin(normalised)), vmax=float(np.nanmax(normalised)), cmap="viridis", ax=ax)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("")
    title = "Средний нормированный балл показателя по группам" if params.edition.language == "ru" \
        else "Mean normalised indicator score by group"
    _title(fig, ax, params, title)
    return fig


def save(fig: Figure, path: Path) -> Path:
    from iqlib.stages import inside_run

    plt, _ = _charting()
    inside_run(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def index_html(run_dir: Path, params: Params, stages: list[str], intervals: pd.DataFrame | None = None) -> str:
    """The run's front page: what it is, links to every notebook, page, table and chart;
    the leaders' rank intervals when ``intervals`` (city_id → low, high) are given."""
    ed = params.edition
    lang = ed.language
    t = TEXT[lang]
    title = ed.title_ru if lang == "ru" else ed.title_en
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
    method = params.methodology.title_ru if lang == "ru" else params.methodology.title_en
    parts.append(f"<p>{esc(method)}. Edition {ed.edition}, scenario <code>{esc(ed.scenario)}</code>.</p>")
    if ed.description:
        parts.append(f"<p>{esc(ed.description)}</p>")
    parts.append(f"<h2>{esc(t['stages'])}</h2>\n<ol>")
    for s in stages:
        parts.append(f"<li>{esc(t['stage_names'][s])}: <a href=\"html/{s}.html\">{t['page']}</a>, "
                     f"<a href=\"notebooks/{s}.ipynb\">{t['notebook']}</a></li>")
    parts.append("</ol>")
    scores = pd.read_csv(run_dir / "results" / "scores.csv", dtype={"city_id": str})
    shown = intervals is not None
    head = f"<th>{esc(t['rank_interval'])}</th>" if shown else ""
    parts.append(f"<h2>{esc(t['top'])}</h2>\n<table><tr><th>{t['group']}</th><th>{t['rank']}</th>{head}"
                 f"<th>{t['city']}</th><th>{esc(params.methodology.index_code)}</th></tr>")
    top = scores[scores["rank_in_group"] <= 3]
    code = params.methodology.index_code
    for g in params.group_codes:
        for _, row in top[top["group"] == g].iterrows():
            cell = f"<td>{rank_interval(intervals, row['city_id']) or '—'}</td>" if shown else ""
            parts.append(f"<tr><td>{esc(params.group_name(g))}</td><td>{row['rank_in_group']}</td>{cell}"
                         f"<td>{esc(row['city_ru'])}</td><td>{row[code]:.2f}</td></tr>")
    if shown:
        parts.append(f"<p>{esc(interval_note(params))}.</p>")
    parts.append("</table>")
    parts.append(f"<h2>{esc(t['results'])}</h2>\n<ul>")
    for p in sorted((run_dir / "results").glob("*.csv")):
        parts.append(f"<li><a href=\"results/{p.name}\">results/{p.name}</a></li>")
    parts.append(f"<li><a href=\"manifest.json\">manifest.json</a> — {esc(t['manifest'])}</li>\n</ul>")
    parts.append(f"<h2>{esc(t['figures'])}</h2>")
    for p in sorted((run_dir / "figures").glob("*.png")):
        parts.append(f"<p><a href=\"figures/{p.name}\"><img src=\"figures/{p.name}\" alt=\"{p.stem}\"></a></p>")
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
