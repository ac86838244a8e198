"""The names the results use, so that no input can take one (issue 23: inputs cannot shadow results).

A run's tables put the roster's columns, the framework's codes and computed columns side by side
(``results/scores.csv``: city, region, group, the summarised roster columns, every aggregate, the
ranks; a group summary: the summarised column beside cities, mean, median …). A declared roster
column, a framework code or a regions column that took another one's name would overwrite it or be
overwritten (a declared ``rank_overall`` became the overall rank, and a meaningless
``rank_in_rank_overall`` appeared). ``reserved_names`` is the one list of those names for given
params, with every use of each; ``check`` (called by ``load_params``, so by ``iq validate`` and
``iq run`` alike, before anything is read or written) refuses an input whose name has another use.
"""

from __future__ import annotations

from iqlib.config.edition import ROSTER_RESERVED, Edition
from iqlib.config.methodology import Methodology
from iqlib.core.errors import UserError

RANK_PREFIX = "rank_in_"    # scores.csv: rank_in_group, and rank_in_<column> for each summarised roster column
ROSTER_OWN = (*ROSTER_RESERVED, "lat", "lon")   # the roster's own columns (results/cities.csv)

# the columns the stages compute, whatever the params, and the tables that hold them
COMPUTED: tuple[tuple[tuple[str, ...], str], ...] = (
    (("city_en",), "reserved for the city's name in English"),
    (("region_en",), "reserved for the region's name in English"),
    (("rank_in_group",), "results/scores.csv: the rank in the population group"),
    (("rank_overall",), "results/scores.csv: the overall rank"),
    (("rank", "region", "cities", "best_city"), "results/regions.csv: the regional table"),
    (("cities", "not_ranked", "mean", "median", "min", "max", "leader"),
     "results/group_summary.csv and summary_<column>.csv: the group summaries"),
)
ROSTER_USE = "a column of the roster, in results/cities.csv and scores.csv"
DECLARED_USE = "the roster column declared in the edition's roster_columns"


def reserved_names(edition: Edition, meth: Methodology) -> dict[str, list[str]]:
    """Every column name the results of these params use → each of its uses: the roster's own
    columns, the declared roster columns, the framework's codes (columns of scores, aggregates,
    normalised and values), the computed columns (``COMPUTED``), the rank within each summarised
    roster column and the index at full precision (published_ties.csv). A name with more than one
    use is shadowed."""
    out: dict[str, list[str]] = {}

    def use(name: str, what: str) -> None:
        out.setdefault(name, []).append(what)
    for name in ROSTER_OWN:
        use(name, ROSTER_USE)
    for c in edition.roster_columns:
        use(c.name, DECLARED_USE)
        if c.rank_and_summarise:
            use(f"{RANK_PREFIX}{c.name}", f"results/scores.csv: the rank within {c.name}")
    for a in meth.aggregates:
        use(a.code, f"the code of {a.level} {a.code}, a column of results/scores.csv and aggregates.csv")
    for i in meth.indicators:
        use(i.code, f"the code of indicator {i.code}, a column of results/values.csv and normalised.csv")
    for names, what in COMPUTED:
        for name in names:
            use(name, what)
    use(f"{meth.index_code}_full", "results/published_ties.csv: the index at full precision")
    return out


def check(edition: Edition, meth: Methodology, where: str, meth_where: str) -> None:
    """No declared roster column, framework code or regions column takes a name the results
    use for something else (``reserved_names``): one ``UserError`` naming the params file
    (``where``: the edition or scenario; ``meth_where``: the methodology as overridden), the key
    and the other use."""
    reserved = reserved_names(edition, meth)

    def other(name: str, own: str) -> str | None:
        uses = [u for u in reserved.get(name, []) if u != own]
        if not uses and name.startswith(RANK_PREFIX):
            uses = [f"results/scores.csv names its ranks {RANK_PREFIX}<column>"]
        return "; ".join(uses) or None
    for n, c in enumerate(edition.roster_columns):
        if clash := other(c.name, DECLARED_USE):
            raise UserError(f"{where}: key 'roster_columns.{n}.name': {c.name!r} is a name the results use ({clash}); "
                            f"name the declared column otherwise")
    for key, nodes in (("aggregates", meth.aggregates), ("indicators", meth.indicators)):
        for node in nodes:
            own = next(u for u in reserved[node.code] if u.startswith("the code of"))
            if clash := other(node.code, own):
                raise UserError(f"{meth_where}: key '{key}.{node.code}.code': {node.code!r} is a name the results use "
                                f"({clash}); give it another code")
    if meth.regions is not None:
        column = meth.regions.column
        uses = reserved.get(column, [])
        if ROSTER_USE not in uses and DECLARED_USE not in uses:
            why = f"a name the results use ({'; '.join(uses)})" if uses else "not a column of the roster"
            declared = [c.name for c in edition.roster_columns]
            raise UserError(f"{meth_where}: key 'regions.column': {column!r} is {why}; expected region_ru or a "
                            f"column declared in the edition's roster_columns (declared: {', '.join(declared) or 'none'})")
