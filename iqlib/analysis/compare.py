"""Two rankings side by side: a scenario against its base, or one edition against another.

Cities are matched by code. A city's shift is its rank in group in A minus its rank in B,
so a positive shift means the city stands higher in B. Shifts, correlations and leaders
are per group, over the cities ranked in the same group in both runs; a city ranked in
only one run, or in different groups, is listed with its reason and never silently left
out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BOTH, ONLY_A, ONLY_B, REGROUPED, UNRANKED = "both", "only_a", "only_b", "group_changed", "unranked"


@dataclass(frozen=True)
class Comparison:
    cities: pd.DataFrame    # one row per city of either run (see ``compare``)
    summary: pd.DataFrame   # one row per group and one for all groups together
    nodes: list[str]        # the nodes compared: the index first, then its children


def compare(a: pd.DataFrame, b: pd.DataFrame, groups: list[str], nodes: list[str]) -> Comparison:
    """Compare two published score tables (results/scores.csv: city_id, city_ru, group,
    the nodes, rank_in_group, rank_overall). ``groups``: the group codes in display order;
    ``nodes``: the index code, then the children to compare (columns of both tables).

    ``cities``: city_id, city_ru, group (B's, else A's), group_a, group_b, rank_a, rank_b,
    shift, and per node ``<node>_a``, ``<node>_b``, ``<node>_delta`` (B − A), ``status``
    (both, only_a, only_b, group_changed, unranked), sorted by group, rank in B, code."""
    keep = ["city_id", "city_ru", "group", "rank_in_group", *nodes]
    merged = a[keep].merge(b[keep], on="city_id", how="outer", suffixes=("_a", "_b"), indicator=True)
    out = pd.DataFrame({"city_id": merged["city_id"],
                        "city_ru": merged["city_ru_b"].fillna(merged["city_ru_a"]),
                        "group": merged["group_b"].fillna(merged["group_a"]),
                        "group_a": merged["group_a"], "group_b": merged["group_b"],
                        "rank_a": merged["rank_in_group_a"].astype("Int64"),
                        "rank_b": merged["rank_in_group_b"].astype("Int64")})
    status = np.select([merged["_merge"].eq("left_only").to_numpy(), merged["_merge"].eq("right_only").to_numpy(),
                        (merged["group_a"] != merged["group_b"]).to_numpy(),
                        (out["rank_a"].isna() | out["rank_b"].isna()).to_numpy()],
                       [ONLY_A, ONLY_B, REGROUPED, UNRANKED], BOTH)
    out["status"] = status
    out["shift"] = (out["rank_a"] - out["rank_b"]).where(out["status"] == BOTH).astype("Int64")
    for node in nodes:
        out[f"{node}_a"], out[f"{node}_b"] = merged[f"{node}_a"], merged[f"{node}_b"]
        out[f"{node}_delta"] = merged[f"{node}_b"] - merged[f"{node}_a"]
    order = {g: i for i, g in enumerate(groups)}
    out["_g"] = out["group"].map(order).fillna(len(order))
    out["_r"] = out["rank_b"].astype("Float64").fillna(out["rank_a"].astype("Float64")).fillna(np.inf)
    out = out.sort_values(["_g", "_r", "city_id"], kind="stable").drop(columns=["_g", "_r"]).reset_index(drop=True)
    rows = [_summary(out, g) for g in [*groups, "all"]]
    return Comparison(out, pd.DataFrame(rows), list(nodes))


def _summary(table: pd.DataFrame, group: str) -> dict:
    """Moves, correlations and leaders of one group, or of all groups together ('all':
    correlations over the within-group ranks of every group, no leaders)."""
    everyone = group == "all"
    part = table if everyone else table[table["group"] == group]
    both = part[part["status"] == BOTH]
    shift = both["shift"].astype(float).abs()
    row: dict = {"group": group,
                 "cities_a": int(table["group_a"].notna().sum() if everyone else (table["group_a"] == group).sum()),
                 "cities_b": int(table["group_b"].notna().sum() if everyone else (table["group_b"] == group).sum()),
                 "compared": len(both), "moved": int((shift > 0).sum()),
                 "mean_abs_shift": float(shift.mean()) if len(both) else np.nan,
                 "max_abs_shift": int(shift.max()) if len(both) else pd.NA,
                 "spearman": np.nan, "kendall": np.nan,
                 "only_a": int((part["status"] == ONLY_A).sum()), "only_b": int((part["status"] == ONLY_B).sum()),
                 "group_changed": int((part["status"] == REGROUPED).sum()),
                 "leader_a": "" if everyone else _leader(table, "a", group),
                 "leader_b": "" if everyone else _leader(table, "b", group)}
    row["leader_changed"] = row["leader_a"] != row["leader_b"]
    if len(both) >= 2 and both["rank_a"].nunique() > 1 and both["rank_b"].nunique() > 1:
        from scipy import stats  # imported here: scipy.stats costs a second in every `iq run`, which imports this module

        ra, rb = both["rank_a"].astype(float).to_numpy(), both["rank_b"].astype(float).to_numpy()
        row["spearman"] = float(stats.spearmanr(ra, rb).statistic)
        row["kendall"] = float(stats.kendalltau(ra, rb).statistic)
    return row


def _leader(table: pd.DataFrame, side: str, group: str) -> str:
    """The city ranked first in ``group`` in run ``side`` ('' when none); ties: by code."""
    first = table[(table[f"group_{side}"] == group) & (table[f"rank_{side}"] == 1)].sort_values("city_id")
    return str(first["city_ru"].iloc[0]) if len(first) else ""
