"""The codebook of a run: a page per indicator (``indicators/<CODE>.html``, ``templates/indicator.html``)
and their index (``indicators/index.html``, ``templates/indicators.html``), as the SDG Index
publishes one per indicator.

Each page says what the indicator is (direction, kind, unit, polarity, weight, source, whether
its place in the framework is confirmed or reconstructed) and how *this* run scores it: the
normalisation, outlier treatment and missing-data rule in words, the goalposts actually used
(min–max: the worst and best value of each scope in this run; fixed goalposts: the posts, taken
from the base edition where the scenario says so) and the distribution of the values (cities
with data, minimum, median, maximum, overall and by group). Every value is formatted here in
the run's language; the templates only place them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from iqlib.analysis import diagnostics
from iqlib.config.paths import resolve
from iqlib.core import engine
from iqlib.core.normalise import Goalposts, MinMax
from iqlib.io import inputs
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import site as pages
from iqlib.presentation.method_words import method_words

FOLDER = "indicators"


def _write(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def filled_values(values: pd.DataFrame, imputation: pd.DataFrame) -> pd.DataFrame:
    """The values the normalisation starts from: the inputs with every imputed value
    (``imputation.csv``: a value where the rule filled one, empty where it left the gap)."""
    out = values.astype(float).copy()
    given = imputation[imputation["value"].notna()]
    for (cid, code), value in zip(zip(given["city_id"], given["indicator"]), given["value"]):
        if cid in out.index and code in out.columns:
            out.at[cid, code] = float(value)
    return out


class Codebook:
    """The codebook pages of one run (``site``: the ``publishing.site.SiteRun`` writing it)."""

    def __init__(self, site: Any):
        self.s = site
        r, p = site.r, site.p
        self.meth = p.methodology
        self.w = pages.page_words(site.lang, "opendata.codebook")
        self.values = r.values.reindex(columns=self.meth.indicator_codes())
        self.filled = filled_values(self.values, r.imputation)
        cities = RunFolder(r.folder).read_csv("cities.csv")
        self.cities = cities.set_index("city_id").reindex(self.values.index)
        self.groups = r.scores["group"].reindex(self.values.index)
        self.nominal = diagnostics.nominal_shares(self.meth.framework)
        needs_base = any(isinstance(self.meth.normalisation_of(c), Goalposts) and isinstance(self.meth.normalisation_of(c).upper, str)
                         for c in self.meth.indicator_codes())
        self.bounds = self._base_bounds(cities) if needs_base else None
        self._scopes: dict[str, list[tuple[str, pd.Index]]] = {}
        self._extremes: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
        stats = ["count", "min", "median", "max"]
        self.spread = [(self.w["all_cities"], len(self.values), self.values.agg(stats).T)]
        by_group = self.values.groupby(self.groups.to_numpy(), sort=False)
        sizes = self.groups.value_counts()
        frames = {g: part.agg(stats).T for g, part in by_group}
        self.spread += [(p.group_name(g), int(sizes[g]), frames[g]) for g in p.group_codes if g in frames]

    def _base_bounds(self, cities: pd.DataFrame) -> Any:
        """The base edition's goalposts: from its published run when the site has it (its
        results/values.csv are the inputs as read), else from its input files."""
        p = self.s.p
        base = resolve(p.edition.base_edition) if p.edition.base_edition else p.edition_path
        run = next((o for o in self.s.runs if o.params.extends is None and o.params.edition_path == base), None)
        if run is None:
            return inputs.goalpost_bounds(p, self.values, cities)
        return engine.base_bounds(run.values, RunFolder(run.folder).read_csv("cities.csv"))

    def raw(self, x: object) -> str:
        """A value in the indicator's unit as a reader reads it (at most three decimals)."""
        return str(self.s.trimmed(x))

    def scopes(self, within: str) -> list[tuple[str, pd.Index]]:
        """The scopes a normalisation works in: each group, all cities, or each value of a declared roster column."""
        if within not in self._scopes:
            self._scopes[within] = self._scopes_of(within)
        return self._scopes[within]

    def extremes(self, within: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per scope (rows, in the order of ``scopes``) and indicator: the lowest and highest value normalised."""
        if within not in self._extremes:
            names = [name for name, _ in self.scopes(within)]
            low = pd.DataFrame([self.filled.loc[m].min() for _, m in self.scopes(within)], index=names)
            high = pd.DataFrame([self.filled.loc[m].max() for _, m in self.scopes(within)], index=names)
            self._extremes[within] = (low, high)
        return self._extremes[within]

    def _scopes_of(self, within: str) -> list[tuple[str, pd.Index]]:
        idx = self.values.index
        if within == "all":
            return [(self.w["all_cities"], idx)]
        key = self.groups if within == "group" else self.cities[within]
        names = {g: self.s.p.group_name(g) for g in self.s.p.group_codes} if within == "group" else {}
        order = self.s.p.group_codes if within == "group" else sorted(key.dropna().unique(), key=str)
        return [(names.get(g, str(g)), idx[(key == g).to_numpy()]) for g in order if (key == g).any()]

    def goalposts(self, code: str) -> dict:
        cfg = self.meth.normalisation_of(code)
        polarity = self.meth.indicator(code).polarity
        rows = []
        if isinstance(cfg, MinMax):
            note = self.w["goalposts_minmax"].format(lower=self.s.num(cfg.lower, 0), upper=self.s.num(cfg.upper, 0))
            lows, highs = self.extremes(cfg.within)
            for name, low, high in zip(lows.index, lows[code], highs[code]):
                if pd.notna(low):
                    worst, best = (low, high) if polarity > 0 else (high, low)
                    rows.append({"scope": name, "worst": self.raw(worst), "best": self.raw(best),
                                 "lower": worst, "upper": best})
        elif isinstance(cfg, Goalposts):
            note = self.w["goalposts_fixed"].format(scale=self.s.num(cfg.scale, 0))
            for name, members in self.scopes(cfg.within):
                if isinstance(cfg.upper, str):
                    assert self.bounds is not None
                    if cfg.upper == "base_max":
                        upper = float(self.bounds.max[code])
                    else:
                        g = self.groups.loc[members].iloc[0]
                        upper = float(self.bounds.group_max.at[g, code]) if g in self.bounds.group_max.index else float("nan")
                else:
                    upper = float(cfg.upper)
                worst, best = (cfg.lower, upper) if polarity > 0 else (upper, cfg.lower)
                rows.append({"scope": name, "worst": self.raw(worst), "best": self.raw(best), "lower": worst, "upper": best})
        else:
            note = self.w["goalposts_other"].format(how=method_words(self.s.p, "normalisation", cfg))
        return {"note": note, "rows": rows}

    def distribution(self, code: str) -> dict:
        rows = [{"scope": name, "cities": int(stats.at[code, "count"]), "total": total,
                 "min": self.raw(stats.at[code, "min"]), "median": self.raw(stats.at[code, "median"]),
                 "max": self.raw(stats.at[code, "max"])} for name, total, stats in self.spread]
        return {"with_data": self.w["with_data"].format(n=rows[0]["cities"], total=rows[0]["total"]), "rows": rows}

    def entry(self, code: str) -> dict:
        """What the index and the page say about one indicator."""
        p, ind = self.s.p, self.meth.indicator(code)
        kind = self.meth.kinds[ind.kind]
        parent = self.meth.node(ind.parent)
        assigned = ind.direction_assignment == "inferred" or getattr(parent, "status", "confirmed") == "reconstructed"
        polarity = ind.polarity_assignment == "inferred"
        reconstructed = assigned or polarity
        status = "; ".join(self.w[k] for k, on in (("reconstructed", assigned), ("reconstructed_polarity", polarity)) if on)
        return {"code": code, "name": p.name(code), "href": f"{code}.html", "direction": f"{parent.code} {p.name(parent.code)}",
                "unit": p.local(kind, "unit"), "polarity": self.w["polarity_up" if ind.polarity > 0 else "polarity_down"],
                "weight": self.s.num(ind.weight, 2), "share": f"{self.s.num(100 * self.nominal[code], 1)} %",
                "status": status or self.w["confirmed"], "reconstructed": reconstructed,
                "status_short": self.w["reconstructed_short" if reconstructed else "confirmed_short"],
                "cities": int(self.values[code].notna().sum())}

    def page(self, code: str) -> dict:
        p = self.s.p
        e = self.entry(code)
        rows = [(self.w["code"], code), (self.w["direction"], e["direction"]), (self.w["kind"], e["unit"]),
                (self.w["polarity"], e["polarity"]),
                (self.w["normalisation"], method_words(p, "normalisation", self.meth.normalisation_of(code))),
                (self.w["treatment"], method_words(p, "treatment", self.meth.treatment_of(code))),
                (self.w["missing"], method_words(p, "imputation", self.meth.missing_rule(code))),
                (self.w["weight"], e["weight"]), (self.w["share"], e["share"]),
                (self.w["source"], self.w["source_synthetic" if p.edition.synthetic else "source_edition"]),
                (self.w["status"], e["status"])]
        return {"indicator": e, "rows": rows, "goalposts": self.goalposts(code), "distribution": self.distribution(code)}

    def write(self) -> None:
        s = self.s
        out = s.out / FOLDER
        run_title = s.r.title
        for code in self.meth.indicator_codes():
            ctx = self.page(code)
            name = f"{code} {s.p.name(code)}"
            context = {**s.ctx(name), "runroot": "../",
                       "description": self.w["page_description"].format(run=run_title, name=s.p.name(code))}
            _write(out / f"{code}.html", pages.render("indicator", s.lang, "../../../", section="opendata.codebook",
                                                      **ctx, **context))
        entries = [self.entry(c) for c in self.meth.indicator_codes()]
        context = {**s.ctx(self.w["index_title"]), "runroot": "../",
                   "description": self.w["index_description"].format(run=run_title)}
        _write(out / "index.html", pages.render("indicators", s.lang, "../../../", section="opendata.codebook",
                                                entries=entries, **context))


def write(site: Any) -> None:
    """Every codebook page of a run (called by ``publishing.opendata.write_run``)."""
    Codebook(site).write()


def href(code: str) -> str:
    """A codebook page's address from the run's folder (the method page links each indicator there)."""
    return f"{FOLDER}/{code}.html"



