"""Derived indicators (denomination), declared per indicator in the methodology:

* ``{numerator: F, denominator: G, scale: s}`` → F ÷ G × s, where F and G are columns of
  the values file or numeric columns of the roster (e.g. ``population``); a zero
  denominator gives a missing value;
* ``{subcriteria: [F1, F2, …], rule: share|any|all}`` → from yes/no (1/0) questionnaire
  fields: the share of "yes" among the answered sub-criteria, 1 if any is yes, 1 if all
  are yes; missing when none is answered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.config.methodology import Indicator, Methodology, Ratio


def fields_of(ind: Indicator) -> dict[str, str]:
    """Raw fields one derived indicator reads: name → 'number' or 'yesno'."""
    d = ind.derive
    if d is None:
        return {}
    if isinstance(d, Ratio):
        return {d.numerator: "number", d.denominator: "number"}
    return {f: "yesno" for f in d.subcriteria}


def fields(meth: Methodology) -> dict[str, str]:
    """Raw fields that the derived indicators of a methodology read."""
    out: dict[str, str] = {}
    for ind in meth.indicators:
        for f, t in fields_of(ind).items():
            out.setdefault(f, t)
    return out


def derive(raw: pd.DataFrame, cities: pd.DataFrame, meth: Methodology, given: set | None = None) -> pd.DataFrame:
    """Indicator values: given ones as they are, derived ones computed from ``raw``
    (rows: cities in the same order as ``cities``). ``given`` names derived indicators
    that the file gives directly instead."""
    roster = cities.set_index("city_id").reindex(raw.index)
    out: dict[str, pd.Series] = {}
    for ind in meth.indicators:
        d = ind.derive
        if d is None or (given and ind.code in given):
            out[ind.code] = raw[ind.code]
        elif isinstance(d, Ratio):
            num = _field(d.numerator, raw, roster)
            den = _field(d.denominator, raw, roster)
            out[ind.code] = num * d.scale / den.where(den != 0)
        else:
            sub = raw[d.subcriteria]
            if d.rule == "share":
                out[ind.code] = sub.mean(axis=1)
            elif d.rule == "any":
                out[ind.code] = sub.max(axis=1)
            else:
                out[ind.code] = sub.min(axis=1)
    return pd.DataFrame(out, index=raw.index).astype("float64")


def _field(name: str, raw: pd.DataFrame, roster: pd.DataFrame) -> pd.Series:
    if name in raw.columns:
        return raw[name].astype(float)
    return pd.to_numeric(roster[name], errors="coerce").astype(float)


YES = {"1", "yes", "да", "true", "y", "д"}
NO = {"0", "no", "нет", "false", "n", "н"}


def parse_yesno(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """1.0 / 0.0 / NaN (empty) from yes/no/да/нет/1/0, and a mask of unrecognised cells."""
    low = text.str.strip().str.lower()
    value = pd.Series(np.where(low.isin(YES), 1.0, np.where(low.isin(NO), 0.0, np.nan)), index=text.index)
    bad = (low != "") & value.isna()
    return value, bad
