"""The downloads an official opens in Excel: one workbook per run
(``downloads/iq-<edition>-<scenario>.xlsx``) and per series (``iq-series-<first>-<last>.xlsx``),
and a CSV for Excel of every table (``downloads/excel/iq-<edition>-<scenario>-<table>.csv``).

Every sheet whose rows are cities starts with the place, the city, the index and the rank
interval (from the run's uncertainty analysis, when it has one), then the region, then the
directions; the city's code is the last column. Sheet names are fitted to Excel's 31
characters by whole words (``io.downloads.fit_sheet_name``; a group's sheet is «Группа N —
<its size class>»); the full name is the sheet's title row. A synthetic run's notice is on
every sheet. The layout (frozen panes, autofilter, printing, footer, properties) is
``io.downloads.write_book``'s. Headers and values are in the run's language; numbers are
numbers, shown with the methodology's decimals.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd

from iqlib.analysis import uncertainty
from iqlib.config.params import Params
from iqlib.io.downloads import Book, Sheet, fit_sheet_name, fit_sheet_names, write_book, write_excel_csv
from iqlib.io.runfolder import RunFolder
from iqlib.presentation.tables import in_words, methods_table
from iqlib.presentation.text import column_label, short_name, table_name, text
from iqlib.presentation.titles import run_title, scenario_name
from iqlib.presentation.words import word, words
from iqlib.publishing.filenames import book_name, excel_csv_name, run_stem, series_stem

# the run's tables offered as CSV for Excel (when the run has them)
EXCEL_TABLES = ["scores", "group_summary", "regions", "official", "uncertainty", "methods", "values", "normalised",
                "weights", "effective_weights", "imputation", "missing"]
# whole numbers: places, counts, years (stored as floats when a value is missing)
INTEGER = re.compile(r"^(rank|official_rank|cities|median_|p\d+(\.\d+)?_|shift$|year|levels$|children$|nodes$)")


# --------------------------------------------------------------------------- shared helpers
def label(params: Params, column: str) -> str:
    """A column's header in the run's language: the officials' own words first (the interval,
    a series' columns), then ``column_label``."""
    own = words(params.language, "officials.columns")
    return str(own[column]) if column in own else column_label(params, column)


def integers(frame: pd.DataFrame) -> pd.DataFrame:
    """Places, counts and years as whole numbers (nullable), not as floats with decimals."""
    out = frame.copy()
    for c in out.columns:
        s = out[c]
        if INTEGER.match(str(c)) and pd.api.types.is_float_dtype(s) and ((s.dropna() % 1) == 0).all():
            out[c] = s.astype("Int64")
    return out


def labelled(frame: pd.DataFrame, params: Params) -> pd.DataFrame:
    """A table for readers: values in words, whole numbers as such, headers in words."""
    return integers(in_words(frame, params)).rename(columns=lambda c: label(params, c))


def book_date(params: Params) -> dt.datetime:
    """The date a run's books say they were made: the edition's publication date, else the
    1st of January of its edition year (never the moment of building: the same bytes every time)."""
    pub = params.edition.publication
    if pub is not None:
        return dt.datetime.combine(pub.date_published, dt.time())
    return dt.datetime(params.edition.edition, 1, 1)


def book_info(params: Params, title: str, edition_words: str, footer: str | None = None) -> Book:
    """Document properties and footer: the title, the publisher as author, the edition's date;
    the footer names the index and the edition (or is ``footer``) and counts the pages."""
    pub = params.edition.publication
    creator = params.local(pub, "publisher") if pub is not None else word(params.language, "officials.creator")
    index = params.name(params.methodology.index_code)
    return Book(title=title, creator=creator, created=book_date(params),
                footer=footer or word(params.language, "officials.footer", index=index, edition=edition_words),
                page_words=word(params.language, "officials.page"), decimals=params.methodology.scoring.decimals)


def city_first(frame: pd.DataFrame, lead: list[str]) -> pd.DataFrame:
    """``lead`` columns first (those the frame has), the city's code last."""
    first = [c for c in lead if c in frame.columns]
    rest = [c for c in frame.columns if c not in first and c != "city_id"]
    return frame[first + rest + (["city_id"] if "city_id" in frame.columns else [])]


def unprinted_code(frame: pd.DataFrame) -> int | None:
    """The columns to print: all but the city's code when it is the last one."""
    return len(frame.columns) - 1 if len(frame.columns) > 1 and frame.columns[-1] == "city_id" else None


def with_names(frame: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """A table of cities (a ``city_id`` column) with the city's name and region beside it."""
    if "city_id" not in frame.columns:
        return frame
    have = [c for c in ("city_ru", "region_ru") if c not in frame.columns and c in names.columns]
    if not have:
        return frame
    return frame.merge(names[["city_id", *have]], on="city_id", how="left")


def _group_part(name: str) -> str:
    """What tells a group apart in a short name: its bracketed size class ('от 1 млн'), else its name."""
    m = re.search(r"\(([^()]+)\)\s*$", name)
    return m.group(1).strip() if m else name


def group_sheet_names(params: Params) -> list[str]:
    """The short name of each group's sheet: «Группа N — <size class>» fitted to 31 characters."""
    return [fit_sheet_name(word(params.language, "officials.group_sheet", n=n, name=_group_part(params.group_name(g))))
            for n, g in enumerate(params.group_codes, 1)]


def direction_sheet_names(params: Params, codes: list[str]) -> list[str]:
    """The short name of each direction's sheet: its code and name (or short name when the
    methodology gives one), fitted together (``fit_sheet_names``)."""
    full = []
    for c in codes:
        node = params.methodology.node(c)
        short = getattr(node, f"short_{params.language}", None)
        full.append(f"{c} {short or params.name(c)}")
    return fit_sheet_names(full, keep=1)


# --------------------------------------------------------------------------- a run
class RunBook:
    """The officials' workbook and the CSV for Excel of one published run folder."""

    def __init__(self, folder: Path, params: Params):
        self.folder, self.p = Path(folder), params
        self.run = RunFolder(self.folder)
        self.lang = params.language
        self.w = words(self.lang, "officials")
        meth = params.methodology
        self.code = meth.index_code
        self.decimals = meth.scoring.decimals
        self.directions = meth.level_codes(meth.levels[-2]) if len(meth.levels) > 2 else []
        self.scores = self.run.read_csv("scores.csv")
        self.names = self.scores[["city_id", "city_ru", "region_ru"]]
        self.notice = text(params, "synthetic") if params.edition.synthetic else None
        self.intervals = self._intervals()

    @property
    def stem(self) -> str:
        return run_stem(self.p)

    def _intervals(self) -> pd.DataFrame | None:
        """Per city, the rank interval in its group and overall as text ('3–7'), when the run
        has an uncertainty analysis."""
        u = self.p.edition.uncertainty
        if u is None or not self.run.has("uncertainty.csv"):
            return None
        table = self.run.read_csv("uncertainty.csv")
        out = pd.DataFrame({"city_id": table["city_id"]})
        for scope in ("in_group", "overall"):
            lo, hi = uncertainty.interval_columns(u.interval, scope)
            out[f"interval_{scope}"] = [
                "" if pd.isna(a) or pd.isna(b) else (str(int(a)) if int(a) == int(b) else f"{int(a)}–{int(b)}")
                for a, b in zip(table[lo], table[hi])]
        return out

    def _lead(self, frame: pd.DataFrame, scope: str) -> pd.DataFrame:
        """``frame`` (a row per city, with the scores' columns) led by place, city, index,
        interval, region: in the group (``scope`` 'in_group') or among all cities."""
        rank = "rank_in_group" if scope == "in_group" else "rank_overall"
        if self.intervals is not None:
            frame = frame.merge(self.intervals[["city_id", f"interval_{scope}"]], on="city_id", how="left")
        return city_first(frame, [rank, "city_ru", self.code, f"interval_{scope}", "region_ru"])

    def sheet(self, name: str, frame: pd.DataFrame, title: str | None, frozen: int = 2) -> Sheet:
        return Sheet(name, labelled(frame, self.p), title=title, notice=self.notice, frozen_columns=frozen,
                     printed_columns=unprinted_code(frame))

    def sheets(self) -> list[Sheet]:
        """Every sheet of the book, in order."""
        p, s, w = self.p, self.scores, self.w
        title = run_title(p)
        main = [c for c in s.columns if c not in ("rank_in_group", "rank_overall")]
        out = []
        overall = s.sort_values("rank_overall", kind="stable", na_position="last")
        overall = self._lead(overall[["rank_overall", *main, "rank_in_group"]], "overall")
        overall = city_first(overall, [*overall.columns[:5], "group", "rank_in_group"])
        out.append(self.sheet(w["overall"], overall, f"{w['overall_title']}. {title}"))
        groups = self._lead(s, "in_group")
        for name, g in zip(group_sheet_names(p), p.group_codes):
            part = groups[groups["group"] == g].drop(columns=["group"])
            out.append(self.sheet(name, part.sort_values("rank_in_group", kind="stable", na_position="last"),
                                  f"{p.group_name(g)}. {title}"))
        normalised = self.run.read_csv("normalised.csv")
        base = groups[[c for c in groups.columns if c not in self.directions and c != "rank_overall"]]
        for name, d in zip(direction_sheet_names(p, self.directions), self.directions):
            kids = [k for k in p.methodology.children(d) if k in normalised.columns]
            part = base.merge(s[["city_id", d]], on="city_id").merge(normalised[["city_id", *kids]], on="city_id", how="left")
            out.append(self.sheet(name, city_first(part, list(base.columns[:5])),
                                  f"{label(p, d)}: {w['direction_title']}. {title}"))
        values = base.merge(self.run.read_csv("values.csv"), on="city_id", how="left")
        out.append(self.sheet(w["indicators"], city_first(values, list(base.columns[:5])),
                              f"{w['indicators_title']}. {title}"))
        out.append(self.sheet(table_name(p, "group_summary"), self.run.read_csv("group_summary.csv"),
                              f"{table_name(p, 'group_summary')}. {title}", frozen=1))
        if self.run.has("regions.csv"):
            out.append(self.sheet(table_name(p, "regions"), self.run.read_csv("regions.csv"),
                                  f"{table_name(p, 'regions')}. {title}"))
        if self.run.has("uncertainty.csv") and self.intervals is not None:
            table = self.run.read_csv("uncertainty.csv").drop(columns=["city_ru", "rank_in_group", "rank_overall"])
            part = groups[["city_id", "rank_in_group", "city_ru", self.code, "interval_in_group", "region_ru", "group",
                           "rank_overall"]].merge(table.drop(columns=["group"]), on="city_id", how="left")
            part = city_first(part, list(part.columns[1:6]))
            out.append(self.sheet(fit_sheet_name(table_name(p, "uncertainty")), part,
                                  f"{table_name(p, 'uncertainty')}. {text(p, 'interval').format(**self._interval_fields())}"))
        if self.run.has("official.csv"):
            table = self.run.read_csv("official.csv").rename(columns={"rank": "calc_rank"})
            table = city_first(table, ["official_rank", "city_ru", "official_score", "calc_rank", "score", "rank_matches",
                                       "score_matches", "group"])
            out.append(self.sheet(fit_sheet_name(table_name(p, "official")), table, f"{table_name(p, 'official')}. {title}"))
        methods = methods_table(p, in_words=True)
        out.append(Sheet(w["method"], labelled(methods, p), title=f"{w['method_title']}. {title}", notice=self.notice,
                         frozen_columns=1))
        out.append(Sheet(w["manifest"], self.manifest(), title=f"{w['manifest_title']}. {title}", notice=self.notice,
                         frozen_columns=1))
        return out

    def _interval_fields(self) -> dict:
        u = self.p.edition.uncertainty
        assert u is not None
        return {"lo": u.interval[0], "hi": u.interval[1], "n": u.replications}

    def manifest(self) -> pd.DataFrame:
        """The run's manifest as a two-column table: edition, scenario, synthetic, the hashes
        of its params, code and inputs, its git commit."""
        man = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        row = words(self.lang, "site.manifest_rows")
        yes, no = word(self.lang, "site.yes"), word(self.lang, "site.no")
        return pd.DataFrame(
            [(row["edition"], str(man["edition"])), (row["scenario"], man["scenario"]),
             (row["synthetic"], yes if man["synthetic"] else no),
             (row["params_file"], man["params"]["path"]), (row["params_sha256"], man["params"]["sha256"]),
             (row["code_sha256"], man["code"]["content_sha256"]), (row["git_commit"], man["code"]["git_commit"]),
             *((row["input_sha256"].format(name=k), v["sha256"]) for k, v in man["inputs"].items())],
            columns=[column_label(self.p, "key"), column_label(self.p, "value")])

    def edition_words(self) -> str:
        return word(self.lang, "officials.edition", edition=self.p.edition.edition, scenario=scenario_name(self.p))

    def write_book(self, downloads: Path) -> Path:
        """``downloads/iq-<edition>-<scenario>.xlsx``."""
        title = run_title(self.p)       # a scenario's title names the index, the edition and the scenario
        info = book_info(self.p, word(self.lang, "officials.book_title", title=title), self.edition_words(),
                         footer=title if self.p.extends is not None else None)
        return write_book(self.sheets(), downloads / book_name(self.p), info)

    def excel_tables(self) -> list[str]:
        """The tables this run has of ``EXCEL_TABLES`` (methods always: from the params)."""
        return [t for t in EXCEL_TABLES if t == "methods" or self.run.has(f"{t}.csv")]

    def excel_frame(self, table: str) -> pd.DataFrame:
        """A table as its CSV for Excel holds it: city name and region first and the code
        last for a table of cities, values and headers in words."""
        frame = methods_table(self.p, in_words=True) if table == "methods" else self.run.read_csv(f"{table}.csv")
        if "city_id" in frame.columns:
            lead = ["rank_in_group", "city_ru", self.code, "region_ru", "group", "rank_overall"] if table == "scores" else []
            frame = city_first(with_names(frame, self.names), lead or ["city_ru", "region_ru"])
        return labelled(frame, self.p)

    def write_excel(self, downloads: Path) -> list[tuple[str, str]]:
        """``downloads/excel/iq-<edition>-<scenario>-<table>.csv`` for every table; returns
        (table, file name) pairs."""
        out = []
        for t in self.excel_tables():
            name = excel_csv_name(self.stem, t)
            write_excel_csv(self.excel_frame(t), downloads / "excel" / name, decimals=self.decimals)
            out.append((t, name))
        return out


# --------------------------------------------------------------------------- a series
class SeriesBook:
    """The officials' workbook and CSV for Excel of a series folder (``results/*.csv`` as
    ``iq series`` writes them), in the series' language (``params``: the last edition's, with
    the series' language)."""

    TABLES = ["averages", "group_averages", "panel", "changes", "movers", "regions", "editions"]

    def __init__(self, folder: Path, title: str, synthetic: bool, params: Params):
        self.folder, self.title, self.p = Path(folder), title, params
        self.run = RunFolder(self.folder)
        self.lang = params.language
        self.w = words(self.lang, "officials")
        self.code = params.methodology.index_code
        self.notice = text(params, "synthetic") if synthetic else None
        self.panel = self.run.read_csv("panel.csv")
        self.years = sorted(int(y) for y in self.panel["year"].unique())
        latest = self.panel.sort_values("year", kind="stable").drop_duplicates("city_id", keep="last")
        self.names = latest[["city_id", "city_ru", "region_ru"]]

    def _short(self) -> str:
        return short_name(self.p)

    @property
    def stem(self) -> str:
        return series_stem(self.p, self.years[0], self.years[-1])

    def _sheet(self, name: str, frame: pd.DataFrame, title: str, frozen: int, labelled_already: bool = False) -> Sheet:
        out = frame if labelled_already else labelled(frame, self.p)
        return Sheet(fit_sheet_name(name), out, title=f"{title}. {self.title}", notice=self.notice, frozen_columns=frozen,
                     printed_columns=len(out.columns) - 1 if str(out.columns[-1]) == label(self.p, "city_id") else None)

    def cities_by_year(self) -> pd.DataFrame:
        """A row per city: the last edition's place in group, the city, its score, region and
        group, then per edition the score, the place in group and the score against fixed
        goalposts; the city's code last. Ordered by the last edition's groups and places;
        cities absent from it last."""
        p, w, last = self.p, self.w, self.years[-1]
        short = self._short()
        wide = self.panel.pivot(index="city_id", columns="year", values=["score", "rank", "score_fixed"])
        final = self.panel[self.panel["year"] == last].set_index("city_id")
        order = {g: i for i, g in enumerate(p.group_codes)}
        ids = list(final.assign(_g=final["group"].map(order)).sort_values(["_g", "rank"], kind="stable").index)
        ids += [c for c in self.names["city_id"] if c not in set(ids)]
        names = self.names.set_index("city_id").reindex(ids)
        out = pd.DataFrame({
            w["series_rank"].format(year=last): final["rank"].reindex(ids).astype("Int64"),
            label(p, "city_ru"): names["city_ru"],
            w["series_score"].format(index=short, year=last): final["score"].reindex(ids),
            label(p, "region_ru"): names["region_ru"],
            w["series_group"].format(year=last): [p.group_name(g) if g in p.group_codes else ("" if pd.isna(g) else g)
                                                  for g in final["group"].reindex(ids)]}, index=ids)
        for y in self.years:
            out[w["series_score"].format(index=short, year=y)] = wide[("score", y)].reindex(ids)
            out[w["series_rank"].format(year=y)] = wide[("rank", y)].reindex(ids).astype("Int64")
            out[w["series_fixed"].format(index=short, year=y)] = wide[("score_fixed", y)].reindex(ids)
        out = out.loc[:, ~out.columns.duplicated()]
        out[label(p, "city_id")] = ids
        return out.reset_index(drop=True)

    def regions_by_year(self) -> pd.DataFrame:
        """A row per region: the last edition's place, the region, its figure, then per edition
        the figure, the place and the number of cities."""
        p, w, last = self.p, self.w, self.years[-1]
        table = self.run.read_csv("regions.csv")
        short = self._short()
        wide = table.pivot(index="region", columns="year", values=[self.code, "rank", "cities"])
        final = table[table["year"] == last].set_index("region").sort_values("rank", kind="stable")
        ids = list(final.index) + sorted(set(wide.index) - set(final.index))
        out = pd.DataFrame({w["series_region_rank"].format(year=last): final["rank"].reindex(ids).astype("Int64"),
                            label(p, "region"): ids,
                            w["series_score"].format(index=short, year=last): final[self.code].reindex(ids)}, index=ids)
        for y in sorted(int(v) for v in table["year"].unique()):
            out[w["series_score"].format(index=short, year=y)] = wide[(self.code, y)].reindex(ids)
            out[w["series_region_rank"].format(year=y)] = wide[("rank", y)].reindex(ids).astype("Int64")
            out[w["series_cities"].format(year=y)] = wide[("cities", y)].reindex(ids).astype("Int64")
        return out.loc[:, ~out.columns.duplicated()].reset_index(drop=True)

    def sheets(self) -> list[Sheet]:
        p, w = self.p, self.w
        out = [self._sheet(table_name(p, "averages"), self.run.read_csv("averages.csv"), table_name(p, "averages"), 1),
               self._sheet(table_name(p, "group_averages"), self.run.read_csv("group_averages.csv"),
                           table_name(p, "group_averages"), 2),
               self._sheet(w["series_cities_sheet"], self.cities_by_year(), w["series_cities_title"], 2, True)]
        for t, name in (("changes", w["series_changes_sheet"]), ("movers", table_name(p, "movers"))):
            frame = with_names(self.run.read_csv(f"{t}.csv"), self.names)
            frame = city_first(frame, ["rank_to", "city_ru", "score_to", "region_ru", "shift", "delta", "delta_fixed",
                                       "delta_scale", "group_to", "rank_from", "score_from", "group_from"])
            out.append(self._sheet(name, frame, table_name(p, t), 2))
        if self.run.has("regions.csv"):
            out.append(self._sheet(w["series_regions_sheet"], self.regions_by_year(), w["series_regions_title"], 2, True))
        out.append(self._sheet(table_name(p, "editions"), self.run.read_csv("editions.csv"), table_name(p, "editions"), 1))
        return out

    def write_book(self, downloads: Path) -> Path:
        """``downloads/iq-series-<first>-<last>.xlsx``."""
        years = word(self.lang, "officials.series_editions", first=self.years[0], last=self.years[-1])
        info = book_info(self.p, self.title, years)
        return write_book(self.sheets(), downloads / self.book_name(), info)

    def excel_frame(self, table: str) -> pd.DataFrame:
        frame = self.run.read_csv(f"{table}.csv")
        if "city_id" in frame.columns:
            frame = city_first(with_names(frame, self.names), ["city_ru", "region_ru"])
        return labelled(frame, self.p)

    def book_name(self) -> str:
        return f"{self.stem}.xlsx"

    def excel_files(self) -> list[tuple[str, str]]:
        """(table, file name) of each CSV for Excel: ``iq-series-<first>-<last>-<table>.csv``."""
        return [(t, excel_csv_name(self.stem, t)) for t in self.TABLES if self.run.has(f"{t}.csv")]

    def write_excel(self, downloads: Path) -> list[tuple[str, str]]:
        """``downloads/excel/iq-series-<first>-<last>-<table>.csv``; returns (table, file name) pairs."""
        files = self.excel_files()
        for t, name in files:
            write_excel_csv(self.excel_frame(t), downloads / "excel" / name, decimals=self.p.methodology.scoring.decimals)
        return files
