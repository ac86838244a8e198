"""Charts with Cyrillic labels: the leaderboard of a group, the distribution of the index
by group, the indicator profile of the groups.

matplotlib and seaborn are imported by the chart functions themselves: the stages that
draw nothing then start their kernel about two seconds sooner."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from iqlib.analysis import summaries
from iqlib.config.params import Params
from iqlib.presentation.svg import spread
from iqlib.presentation.text import entry, interval_note, number, score_label, short_name, text
from iqlib.presentation.titles import run_title

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


# Large editions (issue 24): a chart with one bar or point per city does not grow without bound.
LEADERBOARD_ALL = 150   # a group of at most this many cities has every city on its leaderboard (every demo group does)
LEADERBOARD_TOP = 100   # a larger group: its first cities only, and a note saying so (5 000 bars would be
                        # 1 300 inches tall, past what the PNG renderer draws)
SWARM_MAX = 300         # a group of more cities is drawn as a violin (its density), not a point per city


def _charting() -> tuple[ModuleType, ModuleType]:
    """matplotlib.pyplot and seaborn, imported on first use (see the module docstring)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    return plt, sns


def setup_matplotlib() -> None:
    """Fonts with Cyrillic (DejaVu Sans ships with matplotlib), a quiet style, SVG files
    that are the same bytes on every run (fixed id salt, text kept as text), and every
    label drawn as plain text (no mathtext: '$' in a name is a dollar sign)."""
    plt, sns = _charting()
    sns.set_theme(style="whitegrid", font="DejaVu Sans")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 12,
                         "svg.hashsalt": "iq-goroda", "svg.fonttype": "none",
                         "text.parse_math": False})   # names are text: a '$' in a city name is drawn, not parsed


def palette(n: int) -> list:
    """The colours of the nodes below the index, the same in every chart: seaborn's
    colour-blind-safe palette (ten colours), then the same ten lightened by a half, a
    quarter … for a framework with more nodes (no two nodes share a colour)."""
    _, sns = _charting()
    base = sns.color_palette("colorblind", 10)
    colours = []
    for i in range(n):
        r, g, b = base[i % 10]
        tint = 1 - 0.5 ** (i // 10)          # 0 for the first ten, then 0.5, 0.75, …
        colours.append((r + (1 - r) * tint, g + (1 - g) * tint, b + (1 - b) * tint))
    return colours


def score_axis_end(params: Params, values: np.ndarray) -> float:
    """The end of a score axis: the framework's maximum, or the largest value when one is
    above it (never clipped), with a little room for the value labels."""
    top = params.methodology.scoring.max_score
    finite = values[np.isfinite(values)]
    largest = float(finite.max()) if len(finite) else 0.0
    end = max(top or 0.0, largest)
    return end * 1.08 if end > 0 else 1.0


def _title(fig: Figure, ax: Axes, params: Params, title: str, handles: list | None = None) -> None:
    """The edition's chart heading (``_heading``), with the synthetic-data notice when the
    edition is synthetic (every chart says so)."""
    _heading(fig, ax, title, handles, text(params, "synthetic") if params.edition.synthetic else None)


def _heading(fig: Figure, ax: Axes, title: str, handles: list | None, notice: str | None) -> None:
    """Bold title at the top left; with legend ``handles`` the title heads the figure's
    legend, both above the axes (so they cannot overlap); ``notice`` in red at the foot."""
    if handles:
        fig.legend(handles=handles, loc="outside upper left", ncol=2, fontsize=8, frameon=False, title=title,
                   alignment="left", title_fontproperties={"weight": "bold", "size": 12})
    else:
        ax.set_title(title, loc="left", fontweight="bold")
    if notice:
        fig.supxlabel(notice, color="#b00020", fontsize=10, x=0.01, ha="left")


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


def leaderboard(scores: pd.DataFrame, params: Params, group: str, intervals: pd.DataFrame | None = None,
                weights: pd.Series | None = None, missing: pd.DataFrame | None = None) -> Figure:
    """Horizontal bars of the index by city; for a weighted sum, each bar is split into
    the contributions (weight × score) of the index's children, ``weights`` being the
    weights the run used (child → weight, from weights.csv). ``intervals`` (city_id →
    low, high) adds each city's rank interval to its label; ``missing`` (city_id,
    aggregate: missing_aggregates.csv) marks the children that are 0 only because they had
    no data. The axis reaches the largest score (a score above the framework's maximum is
    drawn and flagged, never cut); the legend is on top. A group of more than
    ``LEADERBOARD_ALL`` cities shows its first ``LEADERBOARD_TOP`` and says so."""
    plt, sns = _charting()
    meth = params.methodology
    code = meth.index_code
    parts = meth.children(code)
    cfg = meth.scoring.aggregation[meth.levels[-1]]
    stacked = cfg.method == "weighted_sum" and weights is not None
    part = scores[scores["group"] == group].sort_values(["rank_in_group", "city_id"])
    cut = len(part) > LEADERBOARD_ALL
    if cut:
        shown, total_cities = LEADERBOARD_TOP, len(part)
        part = part.iloc[:LEADERBOARD_TOP]
    labels = rank_labels(part, intervals)
    lacking: dict[str, list[str]] = {}
    if missing is not None and len(missing):
        for cid, agg in zip(missing["city_id"], missing["aggregate"]):
            if agg in parts:
                lacking.setdefault(cid, []).append(agg)
    no_data = text(params, "no_data")
    labels = [f"{lbl} · {no_data}: {', '.join(lacking[cid])}" if cid in lacking else lbl
              for lbl, cid in zip(labels, part["city_id"])]
    fig, ax = plt.subplots(figsize=(11, 3.6 + 0.26 * len(part)), layout="constrained")
    y = np.arange(len(part))
    handles = []
    if stacked:
        from matplotlib.patches import Patch

        assert weights is not None
        weight = weights.reindex(parts).to_dict()
        left = np.zeros(len(part))
        for c, color in zip(parts, palette(len(parts))):
            vals = weight[c] * part[c].fillna(0).to_numpy()
            _bars(ax, y, left, vals, color)
            handles.append(Patch(facecolor=color, label=f"{c} {params.name(c)}"))
            left += vals
    else:
        _bars(ax, y, np.zeros(len(part)), part[code].fillna(0).to_numpy(), palette(1)[0])
    totals = part[code].to_numpy(dtype=float)
    end = score_axis_end(params, totals)
    top = meth.scoring.max_score
    for yi, total in zip(y, totals):
        above = top is not None and np.isfinite(total) and total > top
        label = number(total, meth.scoring.decimals, params.language) + (" ⚠" if above else "")
        ax.text(max(total, 0) + end * 0.005, yi, label, va="center", fontsize=8, color="#b00020" if above else "black")
    if top is not None and np.nanmax(np.append(totals, 0)) > top:
        ax.axvline(top, color="#b00020", linestyle="--", linewidth=1)
        ax.text(top, -0.9, f"{text(params, 'nominal_max')} {top:g}", color="#b00020", fontsize=8, ha="right")
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(len(part) - 0.4, -0.6)  # best on top, no empty margin in long groups
    ax.set_xlim(0, end)
    notes = [interval_note(params)] if intervals is not None else []
    notes += [text(params, "no_data_note")] if lacking else []
    notes += [entry(params.language, "scale.leaderboard_top").format(
        shown=shown, total=number(total_cities, 0, params.language))] if cut else []
    ax.set_xlabel("\n".join([score_label(params), *(textwrap.fill(n, 90) for n in notes)]))
    _title(fig, ax, params, f"{run_title(params)}\n{text(params, 'leaderboard')}: {params.group_name(group)}", handles)
    return fig


def _bars(ax: Axes, y: np.ndarray, left: np.ndarray, width: np.ndarray, color: Any) -> None:
    """Horizontal bars (height 0.8) drawn as one collection, not one patch per bar: a long
    leaderboard draws several times faster and its SVG is smaller."""
    from matplotlib.collections import PolyCollection

    lo, hi = y - 0.4, y + 0.4
    right = left + width
    verts = np.stack([np.column_stack([left, lo]), np.column_stack([right, lo]), np.column_stack([right, hi]),
                      np.column_stack([left, hi])], axis=1)
    ax.add_collection(PolyCollection(list(verts), facecolors=color, edgecolors="white", linewidths=1.0))


def distribution(scores: pd.DataFrame, params: Params) -> Figure:
    """Box plot with every city as a point (swarm: deterministic, no random jitter); when a
    group has more than ``SWARM_MAX`` cities, a violin of each group's density behind a narrower box."""
    plt, sns = _charting()
    order = params.group_codes
    labels = [params.group_name(g) for g in order]
    fig, ax = plt.subplots(figsize=(11, 5.5), layout="constrained")
    code = params.methodology.index_code
    if scores["group"].value_counts().max() > SWARM_MAX:  # thousands of points do not fit a swarm: the density
        sns.violinplot(data=scores, x="group", y=code, order=order, color="#9fb8d3", inner=None, cut=0,
                       density_norm="width", linewidth=0.8, ax=ax)
        sns.boxplot(data=scores, x="group", y=code, order=order, color="#dde6f0", showfliers=False, width=0.25, ax=ax)
    else:
        sns.boxplot(data=scores, x="group", y=code, order=order, color="#dde6f0", showfliers=False, ax=ax)
        sns.swarmplot(data=scores, x="group", y=code, order=order, size=3.5, color="#1f4e79", ax=ax)
    ax.set_xticks(range(len(order)), [lbl.replace(" (", "\n(") for lbl in labels], fontsize=9)
    ax.set_xlabel("")
    ax.set_ylabel(score_label(params))
    ax.set_ylim(0, score_axis_end(params, scores[code].to_numpy(dtype=float)))
    _title(fig, ax, params, text(params, "distribution").format(short=short_name(params)))
    return fig


def indicator_heatmap(normalised: pd.DataFrame, groups: pd.Series, params: Params) -> Figure:
    """Mean normalised score of each indicator by population group, the indicators grouped
    by their parent (a labelled band above each group of columns; on the scale of the
    normalisation, the colour range is the data's)."""
    plt, sns = _charting()
    meth = params.methodology
    order = [c for parent in meth.level_codes(meth.levels[1]) for c in meth.children(parent) if c in normalised.columns]
    profile = summaries.indicator_profile(normalised, groups, order, params.group_codes)
    profile.index = [params.group_name(g).replace(" (", "\n(") for g in profile.index]
    fig, ax = plt.subplots(figsize=(14, 5.6), layout="constrained")
    sns.heatmap(profile, vmin=float(np.nanmin(normalised)), vmax=float(np.nanmax(normalised)), cmap="viridis", ax=ax)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("")
    start = 0
    for parent, color in zip(meth.level_codes(meth.levels[1]), palette(len(meth.level_codes(meth.levels[1])))):
        n = sum(1 for c in meth.children(parent) if c in normalised.columns)
        if n:
            ax.axvline(start, color="white", linewidth=2)
            ax.text(start + n / 2, -0.08, parent, ha="center", va="bottom", fontsize=8, color=color, fontweight="bold",
                    transform=ax.get_xaxis_transform())
        start += n
    _title(fig, ax, params, text(params, "profile"))
    return fig


def figure_html(path: Path, alt: str) -> str:
    """An <img> of a saved chart by reference (``../figures/<name>``), for a notebook cell:
    the executed notebook and its HTML page then carry a link, not a second copy of the
    image, and the link resolves from both (notebooks/ and html/ sit beside figures/).
    ``alt`` is the chart's heading in words (``figure_alt``), never its file name."""
    from html import escape

    return f'<img src="../figures/{escape(path.name)}" alt="{escape(alt)}" style="max-width:100%">'


def figure_alt(params: Params, path: Path) -> str:
    """What a chart of the report stage shows, in the edition's words, for its ``alt``
    text: the heading the chart itself carries ('Рейтинг по группе: Крупнейшие города …'),
    found from its file name (``stages.figures``: leaderboard_<group>, distribution,
    indicator_profile; a scenario's end in ``__<edition>-<scenario>``)."""
    stem = path.stem.split("__")[0]
    if stem.startswith("leaderboard_"):
        return f"{text(params, 'leaderboard')}: {params.group_name(stem.removeprefix('leaderboard_'))}"
    if stem == "distribution":
        return text(params, "distribution").format(short=short_name(params))
    if stem == "indicator_profile":
        return text(params, "profile")
    raise ValueError(f"no words for the chart {path.name}")


def formula_svg(tex: str, size: float = 13.0) -> str:
    """A formula written as mathtext (``S_i``, the TeX subset matplotlib draws) as inline
    SVG for a page: no MathJax, no network. The glyphs stay text (DejaVu Sans); the SVG is
    sized in em, so it takes the size of the text around it (a heading's or a paragraph's),
    sits on its baseline, and carries no ids, so a page can hold many."""
    import io
    import re
    from html import escape

    import matplotlib
    from matplotlib import mathtext
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family="DejaVu Sans", size=size)
    math = f"${tex}$"
    width, height, depth, _, _ = mathtext.MathTextParser("path").parse(math, dpi=72, prop=prop)
    fig = Figure(figsize=(width / 72, height / 72))
    fig.text(0, depth / height, math, fontproperties=prop, parse_math=True)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "iq-goroda", "mathtext.fontset": "dejavusans"}):
        fig.savefig(buffer, format="svg", transparent=True, metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    # no ids, and no namespace declarations: inline SVG in HTML needs none, and an xmlns makes
    # the markdown renderer's XML round trip (headings) write the element as <ns0:svg>
    svg = re.sub(r"<metadata>.*?</metadata>|<defs>.*?</defs>|<!--.*?-->|\s(?:id|xmlns(?::xlink)?|version)=\"[^\"]*\"",
                 "", svg, flags=re.S)
    svg = re.sub(r">\s+<", "><", re.sub(r"\s*\n\s*", " ", svg)).strip()
    svg = re.sub(r'^<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", svg)    # sized in em below
    size_em = f"height:{height / size:.2f}em;width:{width / size:.2f}em;vertical-align:-{depth / size:.2f}em"
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(tex)}" style="{size_em}" ', 1)


def series_lines(lines: list[tuple[str, list, list]], title: str, ylabel: str, language: str,
                 target: tuple[str, int, float] | None = None, synthetic_notice: str | None = None,
                 official: int | None = None) -> Figure:
    """Values by year, one line per series (missing years left as gaps, never drawn as 0),
    each point labelled with its value on its right (labels of one year moved apart so that
    none covers another); ``target``: (label, year, value) drawn as a marker; ``official``: the
    line of the published figures, drawn on top, dashed, with square marks;
    ``synthetic_notice``: the red notice at the foot (on synthetic data)."""
    plt, _ = _charting()
    setup_matplotlib()
    fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
    colours = palette(len(lines) + 1)
    years: set[int] = set()
    labels: list[tuple[float, float, str]] = []
    for k, ((label, xs, ys), colour) in enumerate(zip(lines, colours)):
        y = np.array([np.nan if v is None else float(v) for v in ys])
        ok = np.isfinite(y)
        style = {"linestyle": "--", "marker": "s", "zorder": 4} if k == official else {"marker": "o", "zorder": 2}
        ax.plot(np.array(xs)[ok], y[ok], color=colour, label=label, **style)
        labels += [(float(x), float(v), colour) for x, v in zip(np.array(xs)[ok], y[ok])]
        years |= {int(x) for x in np.array(xs)[ok]}
    if target is not None:
        label, year, value = target
        ax.scatter([year], [value], marker="*", s=160, color=colours[-1], label=label, zorder=5)
        years.add(int(year))
    top = max([v for _, v, _ in labels] + ([float(target[2])] if target else []) + [1.0]) * 1.15
    ax.set_ylim(0, top)
    height_pt = fig.get_figheight() * 72 * 0.72            # the plot's height in points, about
    gap = top * 10 / height_pt                            # 10 points: a label of 8 points and a little air
    for x in sorted({x for x, _, _ in labels}):
        here = [(v, c) for xx, v, c in labels if xx == x]
        for (v, colour), at in zip(here, spread([v for v, _ in here], gap, low=gap / 2, high=top - gap / 2)):
            ax.annotate(number(v, 2, language), (x, at), xytext=(7, 0), textcoords="offset points", ha="left",
                        va="center", fontsize=8, color=colour, annotation_clip=False, zorder=6,
                        bbox={"boxstyle": "square,pad=0.05", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    ax.set_xticks(sorted(years))
    ax.set_xticklabels([str(y) for y in sorted(years)])
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(lambda v, _: number(v, 0, language))
    handles, _ = ax.get_legend_handles_labels()
    _heading(fig, ax, title, handles, synthetic_notice)
    return fig
