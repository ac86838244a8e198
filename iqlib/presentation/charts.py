"""Charts with Cyrillic labels: the leaderboard of a group, the distribution of the index
by group, the indicator profile of the groups.

matplotlib and seaborn are imported by the chart functions themselves: the stages that
draw nothing then start their kernel about two seconds sooner."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from iqlib.config.params import Params
from iqlib.presentation.text import interval_note, score_label, short_name, text

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _charting() -> tuple[ModuleType, ModuleType]:
    """matplotlib.pyplot and seaborn, imported on first use (see the module docstring)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    return plt, sns


def setup_matplotlib() -> None:
    """Fonts with Cyrillic (DejaVu Sans ships with matplotlib) and a quiet style."""
    plt, sns = _charting()
    sns.set_theme(style="whitegrid", font="DejaVu Sans")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "axes.titlesize": 12})


def _title(fig: Figure, ax: Axes, params: Params, title: str) -> None:
    """Bold title; on synthetic data a red notice above it (every chart says so)."""
    ax.set_title(title, loc="left", fontweight="bold")
    if params.edition.synthetic:
        fig.suptitle(text(params, "synthetic"), color="#b00020", fontsize=10, x=0.01, ha="left")


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
                weights: pd.Series | None = None) -> Figure:
    """Horizontal bars of the index by city; for a weighted sum, each bar is split into
    the contributions (weight × score) of the index's children, ``weights`` being the
    weights the run used (child → weight, from weights.csv). ``intervals`` (city_id →
    low, high) adds each city's rank interval from the uncertainty analysis to its label."""
    plt, sns = _charting()
    meth = params.methodology
    code = meth.index_code
    parts = meth.children(code)
    cfg = meth.scoring.aggregation[meth.levels[-1]]
    stacked = cfg.method == "weighted_sum" and weights is not None
    part = scores[scores["group"] == group].sort_values(["rank_in_group", "city_id"])
    labels = rank_labels(part, intervals)
    fig, ax = plt.subplots(figsize=(11, 3.2 + 0.26 * len(part)), layout="constrained")
    y = np.arange(len(part))
    if stacked:
        assert weights is not None
        weight = weights.reindex(parts).to_dict()
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
    xlabel = score_label(params)
    if intervals is not None:
        xlabel += "\n" + interval_note(params)
    ax.set_xlabel(xlabel)
    _title(fig, ax, params, f"{params.title}\n{text(params, 'leaderboard')}: {params.group_name(group)}")
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
    ax.set_ylabel(score_label(params))
    if params.methodology.scoring.max_score:
        ax.set_ylim(0, params.methodology.scoring.max_score)
    _title(fig, ax, params, text(params, "distribution").format(short=short_name(params)))
    return fig


def indicator_heatmap(normalised: pd.DataFrame, groups: pd.Series, params: Params) -> Figure:
    """Mean normalised score of each indicator by population group (on the scale of the
    normalisation; the colour range is the data's)."""
    plt, sns = _charting()
    profile = normalised.groupby(groups.reindex(normalised.index).to_numpy()).mean().reindex(params.group_codes)
    profile.index = [params.group_name(g).replace(" (", "\n(") for g in profile.index]
    fig, ax = plt.subplots(figsize=(14, 5), layout="constrained")
    sns.heatmap(profile, vmin=float(np.nanmin(normalised)), vmax=float(np.nanmax(normalised)), cmap="viridis", ax=ax)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("")
    _title(fig, ax, params, text(params, "profile"))
    return fig
