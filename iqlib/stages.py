"""One function per notebook stage. Each reads the previous stage's files in the run
folder, computes, writes its own files and returns the tables the notebook shows.

Run-folder files (``results/``):
  01 load       cities.csv, values.csv, group_disagreements.csv, missing.csv, accounting.csv,
                warnings.csv
  02 normalise  imputation.csv, treatment.csv, treated_points.csv, normalised.csv,
                constant_indicators.csv, methods.csv, audit_distribution.csv
  03 weight     aggregates.csv (full precision), weights.csv, missing_aggregates.csv,
                effective_weights.csv (pca.csv when PCA weights are used),
                audit_correlations.csv, audit_collinear.csv, audit_consistency.csv
  04 rank       scores.csv (published: rounded), published_ties.csv, fragile.csv,
                leave_one_out.csv, leave_one_out_shifts.csv; with ``uncertainty`` in the
                edition: uncertainty.csv, uncertainty_inputs.csv, and with
                ``uncertainty.sensitivity``: sensitivity.csv, sensitivity_convergence.csv
  05 report     group_summary.csv; figures/*.png
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.analysis import audit, diagnostics, sensitivity, uncertainty
from iqlib.config.methods import describe
from iqlib.config.params import Params, load_params
from iqlib.config.paths import resolve
from iqlib.core import aggregate, engine, ranking
from iqlib.core.errors import MissingStageOutput
from iqlib.io import inputs
from iqlib.presentation import report

STAGES = ["01_load", "02_normalise", "03_weight", "04_rank", "05_report"]


_RUN: list[Path] = []  # the run folder of this process: every write must stay inside it


def open_run(params_file: str, run_dir: str) -> tuple[Params, Path]:
    """The params and the run folder of a notebook (run_dir relative to the cwd)."""
    warnings.formatwarning = _short_warning
    run = Path(run_dir)
    (run / "results").mkdir(parents=True, exist_ok=True)
    _RUN[:] = [run.resolve()]
    return load_params(params_file), run


def inside_run(path: Path) -> Path:
    """``path``, after checking that it lies inside the run folder (a run never writes
    anywhere else)."""
    if _RUN and _RUN[0] not in Path(path).resolve().parents:
        raise RuntimeError(f"refusing to write {path}: outside the run folder")
    return Path(path)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula (=, +, -, @ first) get a
    leading apostrophe; numbers are untouched. City names and comments are user input."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col]
            risky = text.notna() & text.astype(str).str.startswith(FORMULA_START)
            if risky.any():
                out[col] = text.where(~risky, "'" + text.astype(str))
    return out


def _short_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings without the file path (no absolute paths in published notebooks)."""
    return f"{category.__name__}: {message}\n"


def write_csv(frame: pd.DataFrame, path: Path, **kwargs) -> None:
    """UTF-8 CSV, \\n line ends, no index, formula-like text escaped, inside the run folder."""
    escape_formulas(frame).to_csv(inside_run(path), index=False, lineterminator="\n", encoding="utf-8", **kwargs)


def _writers(doc: str | None) -> dict[str, str]:
    """Run-folder file → the stage that writes it, read from this module's docstring (the
    one list of run-folder files)."""
    writer, stage = {}, None
    for line in (doc or "").splitlines():
        start = re.match(r" {2}(\d{2}) (\w+)\s", line)
        if start:
            stage = f"{start[1]}_{start[2]}"
        if stage:
            for name in re.findall(r"\w+\.csv", line):
                writer.setdefault(name, stage)
    return writer


WRITTEN_BY = _writers(__doc__)


def read_csv(path: Path, index: bool = False) -> pd.DataFrame:
    """A run-folder table (city_id as text); when it is missing, a MissingStageOutput
    naming the earlier stage that writes it (a notebook run without its predecessors)."""
    try:
        frame = pd.read_csv(path, dtype={"city_id": str}, keep_default_na=True, na_values=[""])
    except FileNotFoundError:
        shown = f"{Path(path).parent.name}/{Path(path).name}"
        stage = WRITTEN_BY.get(Path(path).name)
        raise MissingStageOutput(f"run {stage or 'the earlier stages'} first ({shown} is missing)") from None
    return frame.set_index("city_id") if index else frame


def sorted_by_group(frame: pd.DataFrame, groups: list[str], by: list[str],
                    ascending: list[bool] | None = None) -> pd.DataFrame:
    """Rows by population group in the edition's order, then by ``by`` (stable sort)."""
    order = {g: i for i, g in enumerate(groups)}
    return frame.sort_values(["group", *by], ascending=[True, *(ascending or [True] * len(by))], kind="stable",
                             key=lambda c: c.map(order) if c.name == "group" else c).reset_index(drop=True)


# --------------------------------------------------------------------------- 01 load
def load(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    data = inputs.load(params)
    res = run / "results"
    write_csv(data["cities"], res / "cities.csv")
    write_csv(data["values"].reset_index(), res / "values.csv")
    write_csv(data["group_disagreements"], res / "group_disagreements.csv")
    write_csv(data["missing"], res / "missing.csv")
    write_csv(data["accounting"], res / "accounting.csv")
    write_csv(data["warnings"], res / "warnings.csv")
    return data


def coverage_by_city(values: pd.DataFrame, cities: pd.DataFrame, lowest: int = 10) -> pd.DataFrame:
    """The cities with the fewest indicator values present."""
    frame = pd.DataFrame({"city_id": values.index.to_numpy(),
                          "group": cities.set_index("city_id").loc[values.index, "group"].to_numpy(),
                          "present": values.notna().sum(axis=1).to_numpy(), "of": values.shape[1]})
    frame["present_pct"] = 100 * frame["present"] / frame["of"]
    return frame.sort_values(["present", "city_id"], kind="stable").head(lowest).reset_index(drop=True)


def coverage(values: pd.DataFrame, cities: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Cities per group and share of indicator values present."""
    present = values.notna().mean(axis=1).to_numpy()
    frame = pd.DataFrame({"group": cities["group"].to_numpy(), "present": present})
    out = frame.groupby("group", sort=False).agg(cities=("present", "size"), data_present_pct=("present", "mean"))
    out["data_present_pct"] *= 100
    return out.reindex(params.group_codes).reset_index()


# --------------------------------------------------------------------------- 02 normalise
def methods_table(params: Params) -> pd.DataFrame:
    """Which method each indicator gets: missing rule, treatment, normalisation."""
    meth = params.methodology
    return pd.DataFrame([{"indicator": i.code, "kind": i.kind, "polarity": i.polarity,
                          "missing": meth.missing_rule(i.code), "treatment": describe(meth.treatment_of(i.code)),
                          "normalisation": describe(meth.normalisation_of(i.code))} for i in meth.indicators])


def methods_summary(methods: pd.DataFrame) -> pd.DataFrame:
    """Distinct method combinations with the indicators that use them."""
    keys = ["missing", "treatment", "normalisation"]
    return (methods.groupby(keys, sort=False)["indicator"].agg(lambda s: ", ".join(s)).reset_index())


def bounds(params: Params, values: pd.DataFrame, cities: pd.DataFrame) -> dict:
    """Goalpost bounds from the base edition (or this edition when none is named)."""
    if not params.edition.base_edition:
        return engine.base_bounds(values, cities)
    base = load_params(resolve(params.edition.base_edition))
    data = inputs.load(base)
    return engine.base_bounds(data["values"], data["cities"])


def normalise(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    meth = params.methodology
    res = run / "results"
    cities = read_csv(res / "cities.csv")
    values = read_csv(res / "values.csv", index=True)[meth.indicator_codes()]
    imputed, imputation, treated, treatment, points, normalised = engine.prepare(
        values, cities, meth, bounds(params, values, cities))
    groups = cities.set_index("city_id").loc[values.index, "group"]
    constant = constant_indicators(treated, groups, params)
    methods = methods_table(params)
    dist = audit.distribution(imputed)
    for name, frame in [("imputation", imputation), ("treatment", treatment), ("treated_points", points),
                        ("constant_indicators", constant), ("methods", methods), ("audit_distribution", dist)]:
        write_csv(frame, res / f"{name}.csv")
    write_csv(normalised.reset_index(), res / "normalised.csv")
    return {"normalised": normalised, "imputation": imputation, "treatment": treatment,
            "treated_points": points, "constant": constant, "methods": methods, "groups": groups,
            "distribution": dist}


def constant_indicators(values: pd.DataFrame, groups: pd.Series, params: Params) -> pd.DataFrame:
    """(group, indicator) pairs where every available value is the same."""
    span = values.groupby(groups.to_numpy(), sort=False).agg(lambda c: c.max() - c.min())
    stacked = span.stack()
    pairs = stacked[stacked == 0].index.to_frame(index=False, name=["group", "indicator"])
    return sorted_by_group(pairs, params.group_codes, ["indicator"])


# --------------------------------------------------------------------------- 03 weight
def aggregation_table(params: Params) -> pd.DataFrame:
    """The aggregation method of each level."""
    meth = params.methodology
    rows = []
    for level in meth.levels[1:]:
        cfg = meth.scoring.aggregation[level]
        rows.append({"level": level, "nodes": len(meth.level_codes(level)), "method": cfg.method,
                     "p": cfg.p, "weights": cfg.weights, "nonpositive": cfg.nonpositive,
                     "min_coverage": cfg.min_coverage, "missing": cfg.missing})
    return pd.DataFrame(rows)


def weights_table(params: Params) -> pd.DataFrame:
    """Aggregates with their nominal weight, children and share of the index."""
    meth = params.methodology
    shares = diagnostics.nominal_shares(meth)
    rows = [{"code": a.code, "level": a.level, "name": params.name(a.code), "children": len(meth.children(a.code)),
             "weight": a.weight, "share_pct": 100 * shares[a.code]} for a in meth.aggregates if a.parent]
    return pd.DataFrame(rows)


def weight(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    meth = params.methodology
    res = run / "results"
    normalised = read_csv(res / "normalised.csv", index=True)
    agg = aggregate.aggregate_all(normalised, meth)
    effective = diagnostics.effective_weights(normalised, agg["scores"], meth)
    audits = {"audit_correlations": audit.correlations(normalised, agg["scores"], meth),
              "audit_collinear": audit.collinear_pairs(normalised, meth),
              "audit_consistency": audit.consistency(normalised, agg["scores"], meth)}
    for name, frame in audits.items():
        write_csv(frame, res / f"{name}.csv")
    write_csv(agg["scores"].reset_index(), res / "aggregates.csv")
    write_csv(agg["weights"], res / "weights.csv")
    write_csv(agg["missing"], res / "missing_aggregates.csv")
    write_csv(effective, res / "effective_weights.csv")
    if len(agg["pca"]):
        write_csv(agg["pca"], res / "pca.csv")
    return {**agg, "effective": effective, **audits}


# --------------------------------------------------------------------------- 04 rank
def rank(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    meth = params.methodology
    res = run / "results"
    cities = read_csv(res / "cities.csv", index=True)
    aggregates = read_csv(res / "aggregates.csv", index=True)
    index = aggregates[meth.index_code]
    groups = cities.loc[aggregates.index, "group"]
    published = ranking.round_half_up(aggregates[meth.aggregate_codes()], meth.scoring.decimals)
    scores = cities[["city_ru", "region_ru", "group"]].join(published)
    scores["rank_in_group"] = ranking.rank_within(index, groups).to_numpy()
    scores["rank_overall"] = ranking.rank_overall(index).to_numpy()
    scores = sorted_by_group(scores.reset_index(), params.group_codes, ["rank_in_group", "city_id"])
    ties = published_ties(scores, index, meth.index_code)
    fragile = ranking.fragile(aggregates[meth.aggregate_codes()], meth.index_code, groups, meth.scoring.decimals)
    normalised = read_csv(res / "normalised.csv", index=True)
    loo, shifts = diagnostics.leave_one_out(normalised, groups, meth)
    write_csv(scores, res / "scores.csv", float_format=f"%.{meth.scoring.decimals}f")
    write_csv(ties, res / "published_ties.csv")
    write_csv(fragile, res / "fragile.csv")
    write_csv(loo, res / "leave_one_out.csv")
    write_csv(shifts.reset_index(), res / "leave_one_out_shifts.csv")
    if len(fragile):
        warnings.warn(f"{len(fragile)} value(s) so close to a rounding boundary or a tie that the last bits "
                      f"of the arithmetic could change them (results/fragile.csv)", stacklevel=2)
    return {"scores": scores, "ties": ties, "fragile": fragile, "leave_one_out": loo, "shifts": shifts}


def check_uncertainty(params: Params, data: dict) -> int:
    """Pre-flight: every combination of the edition's uncertainty alternatives can be
    computed on these inputs (a UserError naming the combination otherwise)."""
    if params.edition.uncertainty is None:
        return 0
    values = data["values"][params.methodology.indicator_codes()]
    return uncertainty.Model(values, data["cities"], params.methodology, params.edition.uncertainty,
                             bounds(params, values, data["cities"])).check()


def robustness(params: Params, run: Path) -> dict[str, pd.DataFrame]:
    """Uncertainty (and sensitivity) analysis of the ranks, as configured by the edition's
    ``uncertainty``; nothing when it has none. Its nominal ranks must be the published ones."""
    u = params.edition.uncertainty
    out = {k: pd.DataFrame() for k in ("uncertainty", "inputs", "sensitivity", "convergence")}
    if u is None:
        return out
    meth = params.methodology
    res = run / "results"
    cities = read_csv(res / "cities.csv")
    values = read_csv(res / "values.csv", index=True)[meth.indicator_codes()]
    model = uncertainty.Model(values, cities, meth, u, bounds(params, values, cities))
    scores = read_csv(res / "scores.csv", index=True)  # in published order: group, rank, city
    published = scores.loc[values.index, "rank_in_group"].astype("Float64").to_numpy(float, na_value=np.nan)
    if not np.array_equal(model.nominal_in_group, published, equal_nan=True):
        raise RuntimeError("uncertainty: the nominal ranks differ from the published ones")
    seed = params.edition.seed if u.seed is None else u.seed
    table = uncertainty.analyse(model, cities, seed)
    out["inputs"] = uncertainty.inputs_table(model.inputs)
    if u.sensitivity:
        out.update(sensitivity.analyse(model, seed))
        table["moved_most_by"] = out.pop("moved_most_by").reindex(table["city_id"]).to_numpy()
        write_csv(out["sensitivity"], res / "sensitivity.csv")
        write_csv(out["convergence"], res / "sensitivity_convergence.csv")
    table = table.set_index("city_id").loc[scores.index].reset_index()
    write_csv(table, res / "uncertainty.csv")
    write_csv(out["inputs"], res / "uncertainty_inputs.csv")
    return {**out, "uncertainty": table}


def unstable(table: pd.DataFrame, params: Params, widest: int = 3) -> pd.DataFrame:
    """Per group, the cities whose nominal rank lies outside their interval, and the
    ``widest`` intervals (width = high − low percentile rank)."""
    if not len(table):
        return table
    lo, hi = uncertainty.interval_columns(params.edition.uncertainty.interval)
    t = table.assign(width=table[hi] - table[lo])
    t = t.sort_values(["width", "rank_in_group"], ascending=[False, True], kind="stable")
    picked = t.groupby("group", sort=False).head(widest)
    out = pd.concat([t[t["outside_in_group"]], picked]).drop_duplicates("city_id")
    cols = ["group", "city_ru", "rank_in_group", "median_in_group", lo, hi, "width", "outside_in_group"]
    return sorted_by_group(out, params.group_codes, ["width"], [False])[cols]


def moved_most(table: pd.DataFrame) -> pd.DataFrame:
    """Per group, how many cities each input moves most (largest per-city ST_i)."""
    if "moved_most_by" not in table:
        return pd.DataFrame()
    counts = table.groupby(["group", "moved_most_by"], sort=False).size().reset_index(name="cities")
    return sorted_by_group(counts, list(pd.unique(table["group"])), ["cities", "moved_most_by"], [False, True])


def published_ties(scores: pd.DataFrame, full: pd.Series, index_code: str) -> pd.DataFrame:
    """Cities of one group with equal published index, with the full-precision value and
    rank (equal printed scores may hold different ranks)."""
    dup = scores.duplicated(["group", index_code], keep=False) & scores[index_code].notna()
    out = scores.loc[dup, ["group", "city_id", "city_ru", index_code, "rank_in_group"]].copy()
    out[f"{index_code}_full"] = full.reindex(out["city_id"]).to_numpy()
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- 05 report
def group_summary(scores: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Per group and overall: cities, mean, median, min, max of the published index, leader."""
    code = params.methodology.index_code

    def summary(frame: pd.DataFrame, label: str) -> dict:
        leader = frame.sort_values([code, "city_id"], ascending=[False, True]).iloc[0]
        return {"group": label, "cities": len(frame), "mean": frame[code].mean(), "median": frame[code].median(),
                "min": frame[code].min(), "max": frame[code].max(), "leader": leader["city_ru"]}
    rows = [summary(scores[scores["group"] == g], g) for g in params.group_codes]
    rows.append(summary(scores, "all"))
    table = pd.DataFrame(rows)
    stats = ["mean", "median", "min", "max"]
    table[stats] = ranking.round_half_up(table[stats], params.methodology.scoring.decimals)
    return table


def summarise(params: Params, run: Path) -> pd.DataFrame:
    """The group summary of the published scores, written to results/group_summary.csv."""
    summary = group_summary(read_csv(run / "results" / "scores.csv"), params)
    write_csv(summary, run / "results" / "group_summary.csv", float_format=f"%.{params.methodology.scoring.decimals}f")
    return summary


def rank_intervals(params: Params, run: Path) -> pd.DataFrame | None:
    """Each city's rank interval in its group (city_id → low, high) from the rank stage's
    uncertainty.csv; None when the edition has no uncertainty analysis."""
    if params.edition.uncertainty is None:
        return None
    table = read_csv(run / "results" / "uncertainty.csv", index=True)
    columns = list(uncertainty.interval_columns(params.edition.uncertainty.interval))
    return table[columns].set_axis(["low", "high"], axis=1).astype("Int64")


def figures(params: Params, run: Path) -> list[Path]:
    """Leaderboard per group and the distribution chart, saved under figures/."""
    report.setup_matplotlib()
    scores = read_csv(run / "results" / "scores.csv")
    fig_dir = run / "figures"
    intervals = rank_intervals(params, run)
    paths = [report.save(report.leaderboard(scores, params, g, intervals), fig_dir / f"leaderboard_{g}.png")
             for g in params.group_codes]
    paths.append(report.save(report.distribution(scores, params), fig_dir / "distribution.png"))
    return paths
