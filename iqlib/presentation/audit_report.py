"""The statistical audit report of a run, as the JRC audits composite indices (the Global
Innovation Index's audit is the model): coverage and screening, outliers and their
treatment, correlations within and across levels, internal consistency (Cronbach's α,
principal components), effective against nominal weights, uncertainty and sensitivity,
statistical ties. Every figure is read from the run's own result tables (``tables``:
results/<name>.csv as read), rounded for reading, never computed again: the report is a
view of the run (``publishing.audit_report`` writes it as a page and a PDF).

``sections`` returns plain data (titles, reading notes, tables of display strings), the
same for the page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from iqlib.analysis import ties
from iqlib.config.params import Params
from iqlib.presentation.site import fmt
from iqlib.presentation.tables import tie_bands
from iqlib.presentation.text import input_name, number, section
from iqlib.presentation.words import words


@dataclass
class ReportTable:
    """One table: its caption, column labels, which columns are numbers, and the rows as text."""

    caption: str
    header: list[str]
    numeric: list[bool]
    rows: list[list[str]]
    note: str = ""            # a reading note shown before the table


@dataclass
class Section:
    key: str
    title: str
    notes: list[str] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)


def _table(caption: str, frame: pd.DataFrame, labels: dict[str, str], decimals: dict[str, int], language: str) -> ReportTable:
    """``frame``'s columns as labelled text: numbers to ``decimals[column]`` places (whole
    numbers for a column given 0), other cells as they are."""
    numeric = [c in decimals for c in frame.columns]
    rows = [[fmt(v, decimals[c], language) if c in decimals else ("—" if pd.isna(v) else str(v))
             for c, v in zip(frame.columns, values)] for values in frame.itertuples(index=False)]
    return ReportTable(caption, [labels[c] for c in frame.columns], numeric, rows)


def sections(params: Params, tables: dict[str, pd.DataFrame]) -> list[Section]:
    """The report's sections from the run's result tables (``tables``: name → results/<name>.csv;
    a table the run does not have is absent)."""
    lang = params.language
    w = words(lang, "audit_report")
    c = section(lang, "audit_report.columns")
    return [_coverage(params, tables, w, c), _outliers(params, tables, w, c), _correlations(params, tables, w, c),
           _consistency(params, tables, w, c), _weights(params, tables, w, c), _uncertainty(params, tables, w, c),
           _ties(params, tables, w, c)]


def _coverage(params: Params, t: dict[str, pd.DataFrame], w: dict, c: dict) -> Section:
    lang = params.language
    s = Section("coverage", w["coverage.title"])
    values = t["values"]
    codes = [i for i in params.methodology.indicator_codes() if i in values.columns]
    cells = len(values) * len(codes)
    missing = int(values[codes].isna().to_numpy().sum())
    screened = len(t["screened"]) if "screened" in t else 0
    warned = len(t["warnings"]) if "warnings" in t else 0
    s.notes.append(w["coverage.summary"].format(cities=len(values), indicators=len(codes), missing=missing,
                                                   share=number(100 * missing / cells if cells else 0.0, 1, lang),
                                                   imputed=len(t["imputation"]), screened=screened, warnings=warned))
    s.notes.append(w["coverage.note"])
    per = values[codes].isna().sum().rename("missing").reset_index().rename(columns={"index": "indicator"})
    per = per[per["missing"] > 0].sort_values(["missing", "indicator"], ascending=[False, True], kind="stable").head(10)
    per["name"] = [name_of(params, i) for i in per["indicator"]]
    per["share"] = 100 * per["missing"] / len(values)
    s.tables.append(_table(w["coverage.table"], per[["indicator", "name", "missing", "share"]], c,
                           {"missing": 0, "share": 1}, lang))
    return s


def name_of(params: Params, code: str) -> str:
    return str(params.name(code))


def _outliers(params: Params, t: dict[str, pd.DataFrame], w: dict, c: dict) -> Section:
    lang = params.language
    s = Section("outliers", w["outliers.title"])
    dist = t["audit_distribution"]
    flagged = dist[dist["jrc_flag"].astype(bool)]
    treated = t["treatment"]
    s.notes.append(w["outliers.summary"].format(flagged=len(flagged), indicators=len(dist),
                                                   treated=int(treated["indicator"].nunique()) if len(treated) else 0))
    s.notes.append(w["outliers.note"])
    if len(flagged):
        shown = flagged.assign(name=[name_of(params, i) for i in flagged["indicator"]])
        s.tables.append(_table(w["outliers.table"], shown[["indicator", "name", "n", "skew", "kurt"]], c,
                               {"n": 0, "skew": 2, "kurt": 2}, lang))
    if len(treated):
        s.tables.append(_table(w["outliers.treated"], treated[["indicator", "action", "points", "skew_before", "skew_after"]],
                               c, {"points": 0, "skew_before": 2, "skew_after": 2}, lang))
    return s


def _correlations(params: Params, t: dict[str, pd.DataFrame], w: dict, c: dict) -> Section:
    lang = params.language
    s = Section("correlations", w["correlations.title"])
    corr = t["audit_correlations"]
    flags = corr["flags"].fillna("").astype(str)
    flagged = corr[flags != ""]
    collinear = t["audit_collinear"]
    s.notes.append(w["correlations.summary"].format(indicators=len(corr), flagged=len(flagged), collinear=len(collinear)))
    s.notes.append(w["correlations.note"])
    if len(flagged):
        flag_words = section(lang, "audit_report.flags")
        shown = flagged.assign(name=[name_of(params, i) for i in flagged["indicator"]],
                               flags=[", ".join(_flag(f.strip(), flag_words) for f in str(x).split(";") if f.strip())
                                      for x in flagged["flags"]])
        s.tables.append(_table(w["correlations.table"], shown[["indicator", "name", "parent", "r_parent", "r_index", "flags"]],
                               c, {"r_parent": 2, "r_index": 2}, lang))
    if len(collinear):
        s.tables.append(_table(w["correlations.collinear"], collinear[["parent", "a", "b", "r"]], c, {"r": 2}, lang))
    return s


def _flag(flag: str, w: dict) -> str:
    """A flag of ``analysis.audit.correlations`` ('negative', 'not significant', 'above 0.9
    with its direction', 'undefined …') in the report's words."""
    for key, start in (("negative", "negative"), ("not_significant", "not significant"), ("above", "above"),
                       ("undefined", "undefined")):
        if flag.startswith(start):
            return str(w[key])
    return flag


def _consistency(params: Params, t: dict[str, pd.DataFrame], w: dict, c: dict) -> Section:
    lang = params.language
    s = Section("consistency", w["consistency.title"])
    table = t["audit_consistency"]
    low = table[table["cronbach_alpha"] < 0.7]
    s.notes.append(w["consistency.summary"].format(low=len(low), aggregates=int(table["cronbach_alpha"].notna().sum())))
    s.notes.append(w["consistency.note"])
    shown = table.assign(name=[name_of(params, a) for a in table["aggregate"]], pc1_share=100 * table["pc1_share"])
    s.tables.append(_table(w["consistency.table"],
                           shown[["aggregate", "name", "children", "cronbach_alpha", "pc1_share", "eigenvalues_above_1"]],
                           c, {"children": 0, "cronbach_alpha": 2, "pc1_share": 1, "eigenvalues_above_1": 0}, lang))
    return s


def _weights(params: Params, t: dict[str, pd.DataFrame], w: dict, c: dict) -> Section:
    lang = params.language
    s = Section("weights", w["weights.title"])
    eff = t["effective_weights"]
    level = params.methodology.levels[-2] if len(params.methodology.levels) > 2 else params.methodology.levels[0]
    part = eff[eff["level"] == level]
    shown = part.assign(name=[name_of(params, x) for x in part["code"]], nominal_share=100 * part["nominal_share"],
                        variance_share=100 * part["variance_share"])
    gap = (shown["variance_share"] - shown["nominal_share"]).abs()
    worst = shown.loc[gap.idxmax()] if len(shown) else None
    if worst is not None:
        s.notes.append(w["weights.summary"].format(code=worst["code"], name=worst["name"],
                                                      nominal=number(float(worst["nominal_share"]), 1, lang),
                                                      effective=number(float(worst["variance_share"]), 1, lang)))
    s.notes.append(w["weights.note"])
    s.tables.append(_table(w["weights.table"], shown[["code", "name", "nominal_share", "variance_share", "corr_with_index"]],
                           c, {"nominal_share": 1, "variance_share": 1, "corr_with_index": 2}, lang))
    return s


def _uncertainty(params: Params, t: dict[str, pd.DataFrame], w: dict, c: dict) -> Section:
    lang = params.language
    s = Section("uncertainty", w["uncertainty.title"])
    u = params.edition.uncertainty
    if u is None or "uncertainty" not in t:
        s.notes.append(w["uncertainty.none"])
    else:
        table = t["uncertainty"].dropna(subset=["rank_in_group"])
        lo, hi = f"p{u.interval[0]:g}_in_group", f"p{u.interval[1]:g}_in_group"
        width = table[hi] - table[lo]
        s.notes.append(w["uncertainty.summary"].format(
            n=u.replications, lo=f"{u.interval[0]:g}", hi=f"{u.interval[1]:g}", cities=len(table),
            narrow=int((width <= 2).sum()), wide=int((width >= 10).sum()),
            outside=int(table["outside_in_group"].astype(bool).sum()), median=number(float(width.median()), 0, lang)))
        s.notes.append(w["uncertainty.note"])
        widest = table.assign(width=width).sort_values(["width", "city_id"], ascending=[False, True], kind="stable").head(10)
        widest = widest.assign(group=[params.group_name(g) for g in widest["group"]])
        s.tables.append(_table(w["uncertainty.table"],
                               widest[["city_ru", "group", "rank_in_group", "median_in_group", lo, hi]].rename(
                                   columns={lo: "low", hi: "high"}),
                               c, {"rank_in_group": 0, "median_in_group": 0, "low": 0, "high": 0}, lang))
    if "sensitivity" in t and len(t["sensitivity"]):
        sens = t["sensitivity"]
        sens = sens[sens["output"] == sens["output"].iloc[0]]
        sens = sens.assign(input=[input_name(params, x) for x in sens["input"]])
        s.tables.append(_table(w["uncertainty.sobol"], sens[["input", "Si", "Si_low", "Si_high", "STi", "STi_low", "STi_high"]],
                               c, {k: 3 for k in ("Si", "Si_low", "Si_high", "STi", "STi_low", "STi_high")}, lang))
        s.tables[-1].note = w["uncertainty.sobol_note"]
    if "leave_one_out" in t and len(t["leave_one_out"]):
        loo = t["leave_one_out"]
        loo = loo[loo["level"] != params.methodology.levels[0]]
        s.tables.append(_table(w["uncertainty.loo"], loo[["dropped", "mean_abs_shift", "max_abs_shift", "cities_moved"]],
                               c, {"mean_abs_shift": 2, "max_abs_shift": 0, "cities_moved": 0}, lang))
        s.tables[-1].note = w["uncertainty.loo_note"]
    return s


def _ties(params: Params, t: dict[str, pd.DataFrame], w: dict, c: dict) -> Section:
    lang = params.language
    s = Section("ties", w["ties.title"])
    if "ties" not in t:
        s.notes.append(w["ties.none"])
        return s
    sizes = [len(ids) for ids in ties.band_rows(t["ties"])["ids"]]
    s.notes.append(w["ties.summary"].format(bands=len(sizes), cities=sum(sizes), longest=max(sizes, default=0)))
    bands = tie_bands(t["ties"], params)         # the notebook's table of the bands, in the edition's group order
    s.notes.append(words(lang, "ties")["rule"])
    if len(bands):
        frame = pd.DataFrame({"group": [params.group_name(g) for g in bands["group"]], "places": bands["tie_places"],
                              "cities": bands["tie_cities"]})
        s.tables.append(_table(w["ties.table"], frame, c, {}, lang))
    return s
