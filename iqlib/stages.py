"""One function per stage notebook. Each reads the previous stage's files in the run
folder (``io.runfolder`` lists them), computes with the layers below, writes its own
files and returns what the notebook shows.

``open_run`` is the first call of every notebook: the params and the run folder.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from iqlib.analysis import audit, diagnostics, sensitivity, summaries, ties, uncertainty
from iqlib.config.params import Params, load_params
from iqlib.core import aggregate, engine, ranking, roster
from iqlib.core.framework import Framework
from iqlib.io import inputs, reference
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import charts, input_warnings, tables
from iqlib.presentation.text import entry, text

STAGES = ["01_load", "02_normalise", "03_weight", "04_rank", "05_report"]


def open_run(params_file: str, run_dir: str, draft: bool = False) -> tuple[Params, RunFolder]:
    """The params and the run folder of a notebook (run_dir relative to the cwd). A draft
    run leaves out the robustness analysis. A scenario's charts are named after it
    ('leaderboard_krupnye__2019-d4-double.png')."""
    warnings.formatwarning = _short_warning
    params = load_params(params_file)
    if draft:
        params = params.as_draft()
    suffix = f"__{params.edition.edition}-{params.edition.scenario}" if params.extends is not None else ""
    return params, RunFolder(run_dir, figure_suffix=suffix, svg=not draft)


def _short_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None) -> str:
    """Warnings without the file path (no absolute paths in published notebooks)."""
    return f"{category.__name__}: {message}\n"


def _inputs(params: Params, run: RunFolder) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roster and the indicator values the load stage wrote."""
    return run.read_csv("cities.csv"), run.read_csv("values.csv", index=True)[params.methodology.indicator_codes()]


# --------------------------------------------------------------------------- 01 load
def load(params: Params, run: RunFolder) -> inputs.InputData:
    """The validated inputs; their warnings (``io.suspicious``) with each message in words."""
    data = inputs.load(params)
    data = replace(data, warnings=warnings_in_words(data, params))
    run.write_csv("cities.csv", data.cities)
    run.write_csv("values.csv", data.values.reset_index())
    run.write_csv("group_disagreements.csv", data.group_disagreements)
    run.write_csv("missing.csv", data.missing)
    run.write_csv("accounting.csv", data.accounting)
    run.write_csv("warnings.csv", data.warnings)
    return data


def warnings_in_words(data: inputs.InputData, params: Params) -> pd.DataFrame:
    """The inputs' warnings with the column ``warning``: each in the edition's language,
    cities by their names (``iq validate``, ``iq run`` and results/warnings.csv show these)."""
    return input_warnings.with_messages(data.warnings, params, dict(zip(data.cities["city_id"], data.cities["city_ru"])))


# --------------------------------------------------------------------------- 02 normalise
@dataclass(frozen=True)
class Normalised:
    prepared: engine.Prepared
    groups: pd.Series            # city_id → population group
    constant: pd.DataFrame       # (group, indicator) pairs constant within the group
    methods: pd.DataFrame        # the methods each indicator gets
    distribution: pd.DataFrame   # skewness, kurtosis and the JRC flag per indicator


def normalise(params: Params, run: RunFolder) -> Normalised:
    fw = params.methodology.framework
    cities, values = _inputs(params, run)
    prepared = engine.prepare(values, cities, fw, inputs.goalpost_bounds(params, values, cities))
    groups = roster.column(cities, prepared.normalised.index)
    out = Normalised(prepared, groups, diagnostics.constant_indicators(prepared.treated, groups, params.group_codes),
                     tables.methods_table(params), audit.distribution(prepared.imputed))
    for name, frame in [("imputation", prepared.imputation), ("treatment", prepared.treatment),
                        ("treated_points", prepared.treated_points), ("constant_indicators", out.constant),
                        ("methods", out.methods), ("audit_distribution", out.distribution)]:
        run.write_csv(f"{name}.csv", frame)
    run.write_csv("normalised.csv", prepared.normalised.reset_index())
    if fw.screening is not None:
        run.write_csv("screened.csv", prepared.screened)
    return out


def screened(params: Params, run: RunFolder, out: Normalised) -> pd.DataFrame | str:
    """What screening left out, with city names (the normalise notebook shows it), or the
    sentence saying that the methodology screens nothing."""
    if params.methodology.scoring.screening is None:
        return text(params, "no_screening")
    table = out.prepared.screened
    return tables.with_city_names(table, run.read_csv("cities.csv")) if "city_id" in table else table


def screened_framework(params: Params, normalised: pd.DataFrame) -> Framework:
    """The methodology's framework without the indicators that screening left out of
    ``normalised`` (itself when none was)."""
    fw = params.methodology.framework
    return fw.without_indicators(set(fw.indicator_codes()) - set(normalised.columns))


# --------------------------------------------------------------------------- 03 weight
@dataclass(frozen=True)
class Weighted:
    aggregated: aggregate.Aggregated
    effective: pd.DataFrame
    audit_correlations: pd.DataFrame
    audit_collinear: pd.DataFrame
    audit_consistency: pd.DataFrame


def weight(params: Params, run: RunFolder) -> Weighted:
    normalised = run.read_csv("normalised.csv", index=True)
    fw = screened_framework(params, normalised)
    agg = aggregate.aggregate_all(normalised, fw)
    out = Weighted(agg, diagnostics.effective_weights(normalised, agg.scores, fw),
                   audit.correlations(normalised, agg.scores, fw), audit.collinear_pairs(normalised, fw),
                   audit.consistency(normalised, agg.scores, fw))
    for name in ("audit_correlations", "audit_collinear", "audit_consistency"):
        run.write_csv(f"{name}.csv", getattr(out, name))
    run.write_csv("aggregates.csv", agg.scores.reset_index())
    run.write_csv("weights.csv", agg.weights)
    run.write_csv("missing_aggregates.csv", agg.missing)
    run.write_csv("effective_weights.csv", out.effective)
    if len(agg.pca):
        run.write_csv("pca.csv", agg.pca)
    zero = [c for c, w in fw.weight.items() if w == 0 and c != fw.index_code]
    if zero:      # legitimate (a node switched off), but a reader should know it counts for nothing
        warnings.warn(f"weight 0: {', '.join(zero)} count(s) for nothing in the index (results/weights.csv)",
                      stacklevel=2)
    return out


# --------------------------------------------------------------------------- 04 rank
@dataclass(frozen=True)
class Ranked:
    scores: pd.DataFrame          # published: rounded, in group order
    ties: pd.DataFrame            # equal published scores in one group, with full precision
    fragile: pd.DataFrame         # values the last bits of the arithmetic could change
    leave_one_out: pd.DataFrame   # rank shifts when one node is left out, per node
    shifts: pd.DataFrame          # … per city and node


def published_scores(params: Params, cities: pd.DataFrame, aggregates: pd.DataFrame) -> pd.DataFrame:
    """results/scores.csv from the full-precision aggregates (city_id → node): city, region,
    group, every aggregate rounded as published, the rank in group and overall (ranked on
    full precision), in the edition's group order. A city without an index (screened out,
    or its index missing) keeps its row, with no scores and no rank: not ranked."""
    fw = params.methodology.framework
    aggregates = aggregates.reindex(cities["city_id"])
    index = aggregates[fw.index_code]
    groups = roster.column(cities, aggregates.index)
    published = ranking.round_half_up(aggregates[fw.aggregate_codes()], fw.decimals)
    extra = params.summarised_columns
    scores = cities.set_index("city_id")[["city_ru", "region_ru", "group", *extra]].join(published)
    scores["rank_in_group"] = ranking.rank_within(index, groups).to_numpy()
    scores["rank_overall"] = ranking.rank_overall(index).to_numpy()
    for name in extra:       # the same ranking within each value of a declared roster column
        scores[f"rank_in_{name}"] = ranking.rank_within(index, roster.column(cities, aggregates.index, name)).to_numpy()
    return roster.sorted_by_group(scores.reset_index(), params.group_codes, ["rank_in_group", "city_id"])


def rank(params: Params, run: RunFolder) -> Ranked:
    fw = params.methodology.framework
    cities = run.read_csv("cities.csv")
    aggregates = run.read_csv("aggregates.csv", index=True)
    index = aggregates[fw.index_code]
    groups = roster.column(cities, aggregates.index)
    scores = published_scores(params, cities, aggregates)
    normalised = run.read_csv("normalised.csv", index=True)
    loo, shifts = diagnostics.leave_one_out(normalised, groups, screened_framework(params, normalised))
    out = Ranked(scores, ranking.published_ties(scores, index, fw.index_code),
                 ranking.fragile(aggregates[fw.aggregate_codes()], fw.index_code, groups, fw.decimals), loo, shifts)
    run.write_csv("scores.csv", scores, float_format=f"%.{fw.decimals}f")
    run.write_csv("published_ties.csv", out.ties)
    run.write_csv("fragile.csv", out.fragile)
    run.write_csv("leave_one_out.csv", loo)
    run.write_csv("leave_one_out_shifts.csv", shifts.reset_index())
    if len(out.fragile):
        warnings.warn(f"{len(out.fragile)} value(s) so close to a rounding boundary or a tie that the last bits "
                      f"of the arithmetic could change them (results/fragile.csv)", stacklevel=2)
    return out


def uncertainty_model(params: Params, values: pd.DataFrame, cities: pd.DataFrame) -> uncertainty.Model:
    """The ranking as a function of the edition's uncertain inputs (the model applies the
    methodology's screening as the nominal run does and holds it in every replication)."""
    assert params.edition.uncertainty is not None
    return uncertainty.Model(values, cities, params.methodology.framework, params.edition.uncertainty,
                             inputs.goalpost_bounds(params, values, cities))


def check_uncertainty(params: Params, data: inputs.InputData) -> int:
    """Pre-flight: every combination of the edition's uncertainty alternatives can be
    computed on these inputs (a UserError naming the combination otherwise); how many."""
    if params.edition.uncertainty is None:
        return 0
    return uncertainty_model(params, data.values, data.cities).check()


@dataclass(frozen=True)
class Robustness:
    uncertainty: pd.DataFrame = field(default_factory=pd.DataFrame)   # rank intervals per city
    inputs: pd.DataFrame = field(default_factory=pd.DataFrame)        # what varies
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)   # Sobol indices
    convergence: pd.DataFrame = field(default_factory=pd.DataFrame)   # … by sample size
    ties: pd.DataFrame = field(default_factory=pd.DataFrame)          # pairs of cities the replications do not settle


def robustness(params: Params, run: RunFolder) -> Robustness:
    """Uncertainty (and sensitivity) analysis of the ranks, as configured by the edition's
    ``uncertainty``; nothing when it has none. Its nominal ranks must be the published ones."""
    u = params.edition.uncertainty
    if u is None:
        return Robustness()
    cities, values = _inputs(params, run)
    model = uncertainty_model(params, values, cities)
    scores = run.read_csv("scores.csv", index=True)  # in published order: group, rank, city
    published = scores.loc[model.values.index, "rank_in_group"].astype("Float64").to_numpy(float, na_value=np.nan)
    if not np.array_equal(model.nominal_in_group, published, equal_nan=True):
        raise RuntimeError("uncertainty: the nominal ranks differ from the published ones")
    seed = params.edition.seed if u.seed is None else u.seed
    replicated = uncertainty.replicate(model, seed)
    table = uncertainty.analyse(model, cities, seed, replicated)
    tied = ties.ties(replicated[0], model.nominal_in_group, np.asarray(model.groups, dtype=object),
                     model.values.index.to_numpy(dtype=object),
                     roster.column(cities, model.values.index, "city_ru").to_numpy(dtype=object), params.group_codes)
    del replicated
    out = {"inputs": uncertainty.inputs_table(model.inputs)}
    if u.sensitivity:
        out.update(sensitivity.analyse(model, seed))
        table["moved_most_by"] = out.pop("moved_most_by").reindex(table["city_id"]).to_numpy()
        run.write_csv("sensitivity.csv", out["sensitivity"])
        run.write_csv("sensitivity_convergence.csv", out["convergence"])
    table = table.set_index("city_id")
    table = table.loc[scores.index.intersection(table.index, sort=False)].reset_index()  # screened: not ranked
    run.write_csv("uncertainty.csv", table)
    run.write_csv("uncertainty_inputs.csv", out["inputs"])
    run.write_csv("ties.csv", tied, float_format="%.4f")
    return Robustness(uncertainty=table, ties=tied, **out)


def rank_intervals(params: Params, run: RunFolder) -> pd.DataFrame | None:
    """Each city's rank interval in its group (city_id → low, high) from the rank stage's
    uncertainty.csv; None when the edition has no uncertainty analysis."""
    if params.edition.uncertainty is None:
        return None
    table = run.read_csv("uncertainty.csv", index=True)
    columns = list(uncertainty.interval_columns(params.edition.uncertainty.interval))
    return table[columns].set_axis(["low", "high"], axis=1).astype("Int64")


# --------------------------------------------------------------------------- 05 report
def summarise(params: Params, run: RunFolder) -> pd.DataFrame:
    """The group summary of the published scores, written to results/group_summary.csv, and
    one per declared roster column to summarise (results/summary_<column>.csv)."""
    scores = run.read_csv("scores.csv")
    fl = f"%.{params.methodology.scoring.decimals}f"
    code, decimals = params.methodology.index_code, params.methodology.scoring.decimals
    summary = summaries.group_summary(scores, code, decimals, params.group_codes)
    run.write_csv("group_summary.csv", summary, float_format=fl)
    for name in params.summarised_columns:
        declared = next(c for c in params.edition.roster_columns if c.name == name).values
        labels = list(declared) if declared else sorted(scores[name].dropna().unique())
        run.write_csv(f"summary_{name}.csv", summaries.group_summary(scores, code, decimals, labels, by=name),
                      float_format=fl)
    return summary


def column_summaries(params: Params, run: RunFolder) -> list[tables.Table]:
    """The summaries by declared roster columns (``summarise`` wrote them), for the report."""
    return [tables.show(run.read_csv(f"summary_{name}.csv"), params) for name in params.summarised_columns]


def regions(params: Params, run: RunFolder) -> pd.DataFrame:
    """The regional table (``summaries.regions``), written to results/regions.csv when the
    methodology has a ``regions:`` rule (without one: no row)."""
    meth = params.methodology
    rule = meth.regions
    if rule is None:
        return summaries.no_regions(meth.index_code)
    scores = run.read_csv("scores.csv")
    if rule.column not in scores:       # a declared roster column that is not ranked within: from the roster
        scores = scores.merge(run.read_csv("cities.csv")[["city_id", rule.column]], on="city_id", how="left")
    table = summaries.regions(scores, meth.index_code, meth.scoring.decimals, rule.column, rule.statistic,
                              rule.min_cities, entry(params.language, "shadow.region_not_given"))
    run.write_csv("regions.csv", table, float_format=f"%.{meth.scoring.decimals}f")
    return table


@dataclass
class Official:
    cities: pd.DataFrame       # each published city: official place and score beside this calculation's
    average: pd.DataFrame      # the official national average beside this calculation's
    conflicts: pd.DataFrame    # published facts of the year that contradict others, and the resolution


def official(params: Params, run: RunFolder) -> Official | None:
    """The data year's official figures (the edition's ``inputs.published_results``) beside
    this calculation, written to results/official.csv, results/official_average.csv and
    results/official_conflicts.csv; None when the edition names none."""
    cities = run.read_csv("cities.csv")
    published = reference.read_published(params, cities)
    if published is None:
        return None
    scores = run.read_csv("scores.csv")
    code, decimals = params.methodology.framework.index_code, params.methodology.scoring.decimals
    out = Official(reference.official_table(published, scores, code),
                   reference.national_average(published, scores, code, decimals), published.conflicts)
    run.write_csv("official.csv", out.cities, float_format=f"%.{decimals}f")
    run.write_csv("official_average.csv", out.average, float_format=f"%.{decimals}f")
    run.write_csv("official_conflicts.csv", out.conflicts)
    return out


def figures(params: Params, run: RunFolder) -> list[Path]:
    """Leaderboard per group, the distribution chart and the indicator profile of the
    groups (mean normalised score of each indicator), saved under figures/ (a draft: the
    distribution chart only; its comparison with the base shows the groups). All drawn here,
    in the report stage: the only kernel of a run that loads matplotlib and seaborn. Each
    chart is drawn and saved on its own (``_save_all``: two at a time where the machine has
    two cores), so the files do not depend on the order."""
    charts.setup_matplotlib()
    scores = run.read_csv("scores.csv")
    if params.draft:
        return [run.save_figure(charts.distribution(scores, params), "distribution.png")]
    intervals = rank_intervals(params, run)
    used = run.read_csv("weights.csv")
    top = used[used["level"] == params.methodology.levels[-1]].set_index("child")["weight"]
    missing = run.read_csv("missing_aggregates.csv")
    normalised = run.read_csv("normalised.csv", index=True)
    groups = roster.column(run.read_csv("cities.csv"), normalised.index)
    drawn: list[tuple[Callable[[], Any], str]] = [
        (functools.partial(charts.leaderboard, scores, params, g, intervals, top, missing), f"leaderboard_{g}.png")
        for g in params.group_codes if (scores["group"] == g).any()]      # no chart for a group without cities
    drawn.append((functools.partial(charts.distribution, scores, params), "distribution.png"))
    drawn.append((functools.partial(charts.indicator_heatmap, normalised, groups, params), "indicator_profile.png"))
    return _save_all(run, drawn)


_CHARTS: list[tuple[RunFolder, Callable[[], Any], str]] = []     # the charts to draw, read by forked workers


def _save_chart(i: int) -> Path:
    run, draw, name = _CHARTS[i]
    return run.save_figure(draw(), name)


def _save_all(run: RunFolder, drawn: list[tuple[Callable[[], Any], str]]) -> list[Path]:
    """Draw and save each (draw, name) chart; on a machine with two cores or more, in two
    forked workers on Linux (drawing a chart as PNG and SVG is most of the report stage's
    time, and the kernel waits for nothing else meanwhile). A worker inherits the loaded
    modules and the data; each chart is drawn from scratch with the same settings, so its
    files are the same bytes however the charts are shared out. Elsewhere, one after another."""
    _CHARTS[:] = [(run, draw, name) for draw, name in drawn]
    try:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        workers = min(len(drawn), cores, 2)
        if workers < 2 or sys.platform != "linux":        # fork is safe with a kernel's threads on Linux only
            return [_save_chart(i) for i in range(len(drawn))]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_save_chart, range(len(drawn))))
    finally:
        _CHARTS.clear()
