"""Official published figures of an edition's data year (``inputs.published_results`` and
``inputs.published_averages``, e.g. ``data/reference/``), matched to the edition's roster.

They are context, never inputs of the scores: the rank stage puts them beside the computed
places and scores (``results/official.csv``), and the synthetic demo generator is calibrated
to reproduce them (``iqlib.io.calibrate``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.config.limits import CODE, NAME, SOURCE, TEXT
from iqlib.config.params import Params
from iqlib.config.paths import display
from iqlib.core import ranking
from iqlib.core.errors import ProblemsError
from iqlib.io.tables import Table, check_texts, read_table, to_number

RESULT_COLUMNS = ["data_year", "group", "rank", "city", "score", "flag", "source"]
AVERAGE_COLUMNS = ["data_year", "national_average", "change_vs_2018_base_pct", "source"]
FLAGS = {"C": "stated", "L": "order of a top-N list", "I": "inferred"}


@dataclass(frozen=True)
class Published:
    """The official figures of one data year: per city (``city_id``, ``group`` in this
    edition's codes, ``rank``, ``score`` or NaN when only the place was published, ``flag``,
    ``source``) and the national average with its source (None when none was published)."""

    cities: pd.DataFrame
    average: float | None
    average_source: str
    growth_pct: float | None
    conflicts: pd.DataFrame


def _columns(table: Table, required: list[str]) -> None:
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        raise ProblemsError(f"{display(table.path)}: published figures", [f"missing column(s): {', '.join(missing)}"])
    problems: list[str] = []
    for column in required:
        limit, what, multiline = TEXTS.get(column, (None, "", False))
        if limit is not None:
            check_texts(table, column, limit, what, problems, multiline)
    if problems:
        raise ProblemsError(f"{display(table.path)}: published figures: texts too long or with control characters",
                            problems)


def check_file_texts(path: Path) -> None:
    """Every text of a file of official figures (results, averages, conflicts) within its
    bound and without control characters, for a reader that only shows them (``iq series``)."""
    table = read_table(path)
    problems: list[str] = []
    for column, (limit, what, multiline) in TEXTS.items():
        check_texts(table, column, limit, what, problems, multiline)
    if problems:
        raise ProblemsError(f"{display(path)}: texts too long or with control characters", problems)


# the texts of the published figures that reach the pages and tables: their bound (config.limits)
TEXTS = {"city": (NAME, "a city's name", False), "group": (CODE, "a group's code", False),
         "flag": (NAME, "a flag", False), "source": (SOURCE, "a source", True), "id": (CODE, "an id", False),
         "data_years": (NAME, "the data years", False),
         **{c: (TEXT, "a text", True) for c in ("fact_a", "fact_b", "conflict_ru", "conflict_en", "resolution_ru",
                                                "resolution_en")},
         "source_a": (SOURCE, "a source", True), "source_b": (SOURCE, "a source", True)}


def read_published(params: Params, cities: pd.DataFrame) -> Published | None:
    """The edition's data year's official figures, or None when the edition names none.
    Every row of the year is matched to a roster city of the group it was published in;
    a city or group the roster does not know, or a place beyond the group's size, is an
    error naming the file and line."""
    paths = params.input_paths
    if "published_results" not in paths:
        return None
    table = read_table(paths["published_results"])
    _columns(table, RESULT_COLUMNS)
    df, problems = table.frame, []
    year = str(params.edition.data_year)
    mapping = params.edition.published_groups
    sizes = cities["group"].value_counts()
    group_of = cities.set_index("city_id")["group"]
    by_name = cities.groupby("city_ru")["city_id"].agg(list)
    rows = []
    for row in np.flatnonzero((df["data_year"] == year).to_numpy()):
        rec = df.iloc[row]
        group = mapping.get(rec["group"], rec["group"])
        if group not in params.group_codes:
            problems.append(f"{table.where(row, 'group')}: group {rec['group']!r} is not a group of the edition "
                            f"(map it with the edition's key 'published_groups')")
            continue
        ids = by_name.get(rec["city"], [])
        in_group = [c for c in ids if group_of[c] == group]
        if len(in_group) != 1:
            where = "is not in the roster" if not ids else f"is not in group {group} of the roster"
            problems.append(f"{table.where(row, 'city')}: {rec['city']!r} {where}")
            continue
        rank = to_number(pd.Series([rec["rank"]])).iloc[0]
        if not (rank >= 1 and rank % 1 == 0 and rank <= sizes.get(group, 0)):
            problems.append(f"{table.where(row, 'rank')}: place {rec['rank']!r} is not between 1 and the "
                            f"{sizes.get(group, 0)} cities of group {group}")
            continue
        score = to_number(pd.Series([rec["score"]])).iloc[0]
        rows.append({"city_id": in_group[0], "city_ru": rec["city"], "group": group, "rank": int(rank),
                     "score": score, "flag": rec["flag"], "source": rec["source"]})
    frame = pd.DataFrame(rows, columns=["city_id", "city_ru", "group", "rank", "score", "flag", "source"])
    for col, what in (("city_id", "city"), ("rank", "place")):
        dup = frame.duplicated(["group", col] if col == "rank" else [col], keep=False)
        if dup.any():
            problems.append(f"{display(table.path)}: data year {year}: the same {what} is published twice: "
                            + ", ".join(sorted(set(frame.loc[dup, "city_ru"]))))
    if problems:
        raise ProblemsError(f"{display(table.path)}: published figures of {year} do not match the roster", problems)
    average, source, growth = _average(params, year)
    return Published(frame.sort_values(["group", "rank"], kind="stable", key=_group_order(params)).reset_index(drop=True),
                     average, source, growth, conflicts(params))


def _group_order(params: Params) -> Callable[[pd.Series], pd.Series]:
    """A sort key putting groups in the edition's order."""
    order = {g: i for i, g in enumerate(params.group_codes)}
    return lambda c: c.map(order) if c.name == "group" else c


def _average(params: Params, year: str) -> tuple[float | None, str, float | None]:
    path = params.input_paths.get("published_averages")
    if path is None:
        return None, "", None
    table = read_table(path)
    _columns(table, AVERAGE_COLUMNS)
    rows = table.frame[table.frame["data_year"] == year]
    if rows.empty:
        return None, "", None
    rec = rows.iloc[0]
    value = to_number(pd.Series([rec["national_average"], rec["change_vs_2018_base_pct"]]))
    growth = None if np.isnan(value.iloc[1]) else float(value.iloc[1])
    return float(value.iloc[0]), rec["source"], growth


CONFLICT_COLUMNS = ["id", "data_years", "fact_a", "source_a", "fact_b", "source_b", "conflict_ru", "conflict_en",
                    "resolution_ru", "resolution_en"]


def conflicts(params: Params) -> pd.DataFrame:
    """The published facts of the edition's data year that contradict other published facts
    (``inputs.published_conflicts``): id, both facts with their sources, the conflict and
    its resolution in the edition's language. Empty when the edition names no such file."""
    columns = ["id", "conflict", "resolution", "fact_a", "source_a", "fact_b", "source_b"]
    path = params.input_paths.get("published_conflicts")
    if path is None:
        return pd.DataFrame(columns=columns)
    table = read_table(path)
    _columns(table, CONFLICT_COLUMNS)
    df = table.frame
    year = str(params.edition.data_year)
    rows = df[df["data_years"].str.split(";").map(lambda ys: year in [y.strip() for y in ys])]
    lang = params.language
    return pd.DataFrame({"id": rows["id"], "conflict": rows[f"conflict_{lang}"], "resolution": rows[f"resolution_{lang}"],
                         "fact_a": rows["fact_a"], "source_a": rows["source_a"], "fact_b": rows["fact_b"],
                         "source_b": rows["source_b"]}).reset_index(drop=True)


def official_table(published: Published, scores: pd.DataFrame, index_code: str) -> pd.DataFrame:
    """Each published city beside this calculation: official place and score, computed
    place and published-precision score, and whether each matches (a score match needs a
    published score)."""
    ours = scores.set_index("city_id")
    out = published.cities[["group", "rank", "city_id", "city_ru", "score", "flag", "source"]].rename(
        columns={"rank": "official_rank", "score": "official_score"})
    out["rank"] = ours["rank_in_group"].reindex(out["city_id"]).to_numpy()
    out["score"] = ours[index_code].reindex(out["city_id"]).to_numpy()
    out["rank_matches"] = out["rank"] == out["official_rank"]
    has = out["official_score"].notna()
    out["score_matches"] = pd.Series(pd.NA, index=out.index, dtype="boolean")
    out.loc[has, "score_matches"] = (out.loc[has, "score"] - out.loc[has, "official_score"]).abs() < 0.005
    return out[["group", "official_rank", "city_id", "city_ru", "official_score", "rank", "score",
                "rank_matches", "score_matches", "flag", "source"]]


def national_average(published: Published, scores: pd.DataFrame, index_code: str, decimals: int) -> pd.DataFrame:
    """The official national average (when published) beside the mean of this calculation's
    published scores, rounded as the scores are."""
    mean = float(ranking.round_half_up(pd.Series([scores[index_code].mean()]), decimals).iloc[0])
    official = published.average
    return pd.DataFrame([{
        "cities": len(scores), "official_average": official, "average": mean,
        "matches": None if official is None else abs(mean - official) < 0.5 * 10 ** -decimals,
        "official_growth_pct": published.growth_pct, "source": published.average_source}])
