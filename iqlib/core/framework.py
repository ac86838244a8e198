"""The framework as the core computes with it: the tree of nodes from the indicators up to
the index, the weights and polarities, and the method chosen for each indicator and each
level. ``config.methodology.Methodology.framework`` compiles it from a methodology's YAML
(resolving indicator > kind > global choices), so the core never reads a file or a
configuration format."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import pandas as pd

from iqlib.core.aggregate import Aggregation
from iqlib.core.normalise import Normalisation
from iqlib.core.screen import Screening
from iqlib.core.treat import Treatment


@dataclass(frozen=True, eq=False)
class Framework:
    levels: tuple[str, ...]                   # from the indicators (levels[0]) up to the index
    codes: dict[str, tuple[str, ...]]         # level → its nodes, in methodology order
    parent: dict[str, str]                    # node → parent (every node but the index)
    weight: dict[str, float]                  # node → nominal weight
    polarity: dict[str, float]                # indicator → +1 or −1
    missing: dict[str, str]                   # indicator → missing-data rule
    treatment: dict[str, Treatment]           # indicator → outlier treatment
    normalisation: dict[str, Normalisation]   # indicator → normalisation
    aggregation: dict[str, Aggregation]       # level above the indicators → aggregation
    imputation_by: str = "group"              # roster column of the group_* rules
    decimals: int = 2                         # published rounding
    screening: Screening | None = None        # units or indicators left out for lack of data

    # --- the tree
    def indicator_codes(self) -> list[str]:
        return list(self.codes[self.levels[0]])

    def level_codes(self, level: str) -> list[str]:
        return list(self.codes[level])

    @property
    def index_code(self) -> str:
        return self.codes[self.levels[-1]][0]

    def aggregate_codes(self) -> list[str]:
        """Aggregates from the lowest level up to the index (output column order)."""
        return [c for level in self.levels[1:] for c in self.codes[level]]

    def level_of(self, code: str) -> str:
        return self._level[code]

    def children(self, code: str) -> list[str]:
        return self._children.get(code, [])

    @cached_property
    def _level(self) -> dict[str, str]:
        return {c: level for level in self.levels for c in self.codes[level]}

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for level in (*self.levels[1:], self.levels[0]):  # aggregates first, as the methodology lists them
            for c in self.codes[level]:
                if c in self.parent:
                    out.setdefault(self.parent[c], []).append(c)
        return out

    @cached_property
    def parent_of(self) -> pd.Series:
        """node → parent as a Series (the aggregation's lookup)."""
        return pd.Series(self.parent, dtype=object)

    @cached_property
    def nominal_weights(self) -> pd.Series:
        return pd.Series(self.weight, dtype=float)

    def polarities(self) -> pd.Series:
        return pd.Series(self.polarity, dtype=float)[self.indicator_codes()]

    def missing_rules(self) -> pd.Series:
        return pd.Series(self.missing, dtype=object)[self.indicator_codes()]

    def without_indicators(self, drop: set[str] | frozenset[str]) -> Framework:
        """The framework without the indicators ``drop`` (screened out: their parents
        aggregate the rest) and without screening (already done); itself when none is dropped."""
        if not drop:
            return self
        keep = {c for c in self.indicator_codes() if c not in drop}
        return replace(self, codes={**self.codes, self.levels[0]: tuple(c for c in self.indicator_codes() if c in keep)},
                       parent={c: p for c, p in self.parent.items() if c not in drop},
                       weight={c: w for c, w in self.weight.items() if c not in drop},
                       polarity={c: v for c, v in self.polarity.items() if c in keep},
                       missing={c: v for c, v in self.missing.items() if c in keep},
                       treatment={c: v for c, v in self.treatment.items() if c in keep},
                       normalisation={c: v for c, v in self.normalisation.items() if c in keep}, screening=None)

    def with_aggregation(self, aggregation: dict[str, Aggregation]) -> Framework:
        """The same framework with other aggregation methods (an uncertainty alternative)."""
        return replace(self, aggregation=aggregation)
