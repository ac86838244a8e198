"""One function per notebook stage. Each reads the previous stage's files in the run
folder, computes, writes its own files and returns the tables the notebook shows.

Run-folder files (``results/``):
  01 load       cities.csv, values.csv, group_disagreements.csv, missing.csv
  02 normalise  normalised.csv, constant_indicators.csv
  03 weight     directions.csv (full precision), empty_directions.csv
  04 rank       scores.csv (published: rounded), published_ties.csv
  05 report     group_summary.csv; figures/*.png
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from . import inputs, report, scoring
from .params import Params, load_params

STAGES = ["01_load", "02_normalise", "03_weight", "04_rank", "05_report"]


def open_run(params_file: str, run_dir: str) -> tuple[Params, Path]:
    """The params and the run folder of a notebook (run_dir relative to the cwd)."""
    warnings.formatwarning = _short_warning
    run = Path(run_dir)
    (run / "results").mkdir(parents=True, exist_ok=True)
    return load_params(params_file), run


def _short_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings without the file path (no absolute paths in published notebooks)."""
    return f"{category.__name__}: {message}\n"


def write_csv(frame: pd.DataFrame, path: Path, **kwargs) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", **kwargs)


def read_csv(path: Path, index: bool = False) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"city_id": str}, keep_default_na=True, na_values=[""])
    return frame.set_index("city_id") if index else frame


# --------------------------------------------------------------------------- 01 load
def load(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    data = inputs.load(params)
    res = run / "results"
    write_csv(data["cities"], res / "cities.csv")
    write_csv(data["values"].reset_index(), res / "values.csv")
    write_csv(data["group_disagreements"], res / "group_disagreements.csv")
    write_csv(data["missing"], res / "missing.csv")
    return data


def coverage(values: pd.DataFrame, cities: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Cities per group and share of indicator values present."""
    present = values.notna().mean(axis=1).to_numpy()
    frame = pd.DataFrame({"group": cities["group"].to_numpy(), "present": present})
    out = frame.groupby("group", sort=False).agg(cities=("present", "size"), data_present_pct=("present", "mean"))
    out["data_present_pct"] *= 100
    return out.reindex(params.group_codes).reset_index()


# --------------------------------------------------------------------------- 02 normalise
def normalise(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    meth = params.methodology
    res = run / "results"
    cities = read_csv(res / "cities.csv", index=True)
    values = read_csv(res / "values.csv", index=True)[meth.indicator_codes()]
    ind = pd.DataFrame([i.model_dump() for i in meth.indicators]).set_index("code")
    rule = ind["kind"].map({k: v.missing for k, v in meth.kinds.items()})
    norm_cfg = meth.scoring.normalisation
    groups = cities["group"] if norm_cfg.within == "group" else None
    oriented = scoring.fill_missing(scoring.apply_polarity(values, ind["polarity"]), rule)
    normalised = scoring.minmax(oriented, groups, norm_cfg.lower, norm_cfg.upper, norm_cfg.constant)
    constant = constant_indicators(oriented, cities["group"], params)
    write_csv(normalised.reset_index(), res / "normalised.csv")
    write_csv(constant, res / "constant_indicators.csv")
    return {"normalised": normalised, "constant": constant, "cities": cities}


def constant_indicators(oriented: pd.DataFrame, groups: pd.Series, params: Params) -> pd.DataFrame:
    """(group, indicator) pairs where every available value is the same."""
    span = oriented.groupby(groups.to_numpy(), sort=False).agg(lambda c: c.max() - c.min())
    stacked = span.stack()
    pairs = stacked[stacked == 0].index.to_frame(index=False, name=["group", "indicator"])
    pairs["group"] = pd.Categorical(pairs["group"], params.group_codes, ordered=True)
    return pairs.sort_values(["group", "indicator"]).astype({"group": str}).reset_index(drop=True)


# --------------------------------------------------------------------------- 03 weight
def weight(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    meth = params.methodology
    res = run / "results"
    normalised = read_csv(res / "normalised.csv", index=True)
    ind = pd.DataFrame([i.model_dump() for i in meth.indicators]).set_index("code")
    directions = scoring.weighted_mean(normalised, ind["direction"], ind["weight"])[meth.direction_codes()]
    empty = directions.isna().stack()
    empty = empty[empty].index.to_frame(index=False, name=["city_id", "direction"])
    if meth.scoring.aggregation.empty_direction == "zero":
        directions = directions.fillna(0.0)
    dir_w = pd.Series({d.code: d.weight for d in meth.directions})
    directions["IQ"] = scoring.weighted_sum(directions[meth.direction_codes()], dir_w)
    write_csv(directions.reset_index(), res / "directions.csv")
    write_csv(empty, res / "empty_directions.csv")
    return {"directions": directions, "empty": empty}


def weights_table(params: Params) -> pd.DataFrame:
    """Directions with their weight, number of indicators and maximum points."""
    meth = params.methodology
    lang = params.edition.language
    counts = pd.Series([i.direction for i in meth.indicators]).value_counts()
    total = sum(d.weight for d in meth.directions)
    rows = [{"direction": d.code, "name": d.name_ru if lang == "ru" else d.name_en,
             "indicators": int(counts[d.code]), "weight": d.weight,
             "max_points": meth.scoring.normalisation.upper * d.weight} for d in meth.directions]
    out = pd.DataFrame(rows)
    out["share_pct"] = 100 * out["weight"] / total
    return out


# --------------------------------------------------------------------------- 04 rank
def rank(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    meth = params.methodology
    res = run / "results"
    cities = read_csv(res / "cities.csv", index=True)
    directions = read_csv(res / "directions.csv", index=True)
    dcols = meth.direction_codes()
    ranks = scoring.rank_within(directions["IQ"], cities.loc[directions.index, "group"])
    published = scoring.round_half_up(directions[dcols + ["IQ"]], meth.scoring.decimals)
    scores = cities[["city_ru", "region_ru", "group"]].join(published)
    scores["rank_in_group"] = ranks.to_numpy()
    scores = scores.reset_index()
    scores["_g"] = scores["group"].map({g: i for i, g in enumerate(params.group_codes)})
    scores = scores.sort_values(["_g", "rank_in_group", "city_id"], kind="stable").drop(columns="_g")
    scores = scores.reset_index(drop=True)
    ties = published_ties(scores, directions["IQ"])
    write_csv(scores, res / "scores.csv", float_format=f"%.{meth.scoring.decimals}f")
    write_csv(ties, res / "published_ties.csv")
    return {"scores": scores, "ties": ties}


def published_ties(scores: pd.DataFrame, full: pd.Series) -> pd.DataFrame:
    """Cities of one group with equal published IQ, with their full-precision IQ and rank
    (equal printed scores may hold different ranks)."""
    dup = scores.duplicated(["group", "IQ"], keep=False)
    out = scores.loc[dup, ["group", "city_id", "city_ru", "IQ", "rank_in_group"]].copy()
    out["IQ_full"] = full.reindex(out["city_id"]).to_numpy()
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- 05 report
def group_summary(scores: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Per group: cities, mean, median, min, max IQ and the leader; plus all cities."""
    def summary(frame: pd.DataFrame, label: str) -> dict:
        leader = frame.sort_values(["IQ", "city_id"], ascending=[False, True]).iloc[0]
        return {"group": label, "cities": len(frame), "mean": frame["IQ"].mean(),
                "median": frame["IQ"].median(), "min": frame["IQ"].min(), "max": frame["IQ"].max(),
                "leader": leader["city_ru"]}
    rows = [summary(scores[scores["group"] == g], g) for g in params.group_codes]
    rows.append(summary(scores, "all"))
    return pd.DataFrame(rows)


def figures(params: Params, run: Path) -> list[Path]:
    """Leaderboard per group and the distribution chart, saved under figures/."""
    report.setup_matplotlib()
    scores = read_csv(run / "results" / "scores.csv")
    fig_dir = run / "figures"
    paths = [report.save(report.leaderboard(scores, params, g), fig_dir / f"leaderboard_{g}.png")
             for g in params.group_codes]
    paths.append(report.save(report.distribution(scores, params), fig_dir / "distribution.png"))
    return paths
