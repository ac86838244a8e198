"""The roster as the core sees it: one row per city (``city_id`` and its grouping
columns, the population ``group`` first of all)."""

from __future__ import annotations

import pandas as pd


def column(cities: pd.DataFrame, index: pd.Index, name: str = "group") -> pd.Series:
    """The roster's ``name`` column for the cities of ``index``, in that order."""
    return cities.set_index("city_id")[name].reindex(index)


def sorted_by_group(frame: pd.DataFrame, groups: list[str], by: list[str],
                    ascending: list[bool] | None = None) -> pd.DataFrame:
    """Rows by population group in the edition's order, then by ``by`` (stable sort)."""
    order = {g: i for i, g in enumerate(groups)}
    return frame.sort_values(["group", *by], ascending=[True, *(ascending or [True] * len(by))], kind="stable",
                             key=lambda c: c.map(order) if c.name == "group" else c).reset_index(drop=True)
