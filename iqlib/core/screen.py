"""Screening by data availability (COINr's ``Screen()``): units (cities) or, as an option,
indicators whose share of available values is below a threshold are left out before
normalisation.

For a unit over its k indicators (an indicator over the n units), with m missing values
and z zeros among the available ones:

* availability = 1 − m/k (COINr's ``Dat_Avail``), computed in that order so that the
  comparison with the threshold is the one COINr makes;
* non-zero share = 1 − z/(k − m) (COINr's ``Non_Zero``; undefined when nothing is
  available, and then counted as below any threshold).

A unit is screened when ``availability < threshold`` (rule ``missing``, COINr's
``unit_screen = "byNA"`` with ``dat_thresh``), when ``non-zero share < nonzero_threshold``
(``zeros``, ``"byzeros"`` with ``nonzero_thresh``), or when either holds
(``missing_or_zeros``, ``"byNAandzeros"``). The comparison is strict, as in COINr: a unit
exactly at the threshold is kept.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from iqlib.core.registry import Strict

RULES = {"missing": "byNA", "zeros": "byzeros", "missing_or_zeros": "byNAandzeros"}


class Screening(Strict):
    """``scoring.screening``: what is screened, by which rule, at which threshold and when."""

    by: Literal["units", "indicators"] = Field("units", description="screen units (cities) or indicators")
    rule: Literal["missing", "zeros", "missing_or_zeros"] = Field(
        "missing", description="COINr's unit_screen: byNA, byzeros, byNAandzeros")
    threshold: float = Field(ge=0, le=1, description="data availability below which a unit is screened "
                                                     "(COINr's dat_thresh; a unit exactly at it is kept)")
    nonzero_threshold: float = Field(0.05, ge=0, le=1, description="non-zero share below which a unit is "
                                                                   "screened by the zeros rules (nonzero_thresh)")
    when: Literal["before_imputation", "after_imputation"] = Field(
        "before_imputation", description="availability of the values as read, or after imputation")


def availability(values: pd.DataFrame, cfg: Screening) -> pd.DataFrame:
    """Per unit (``by: units``, one row per city) or per indicator: the values counted,
    missing and zero, availability, non-zero share and whether it is screened."""
    x = values.to_numpy(dtype=float)
    axis = 1 if cfg.by == "units" else 0
    labels = values.index if cfg.by == "units" else values.columns
    k = x.shape[axis]
    missing = np.isnan(x).sum(axis=axis)
    zeros = (x == 0).sum(axis=axis)
    avail = 1 - missing / k
    with np.errstate(divide="ignore", invalid="ignore"):
        nonzero = 1 - zeros / (k - missing)
    low_data = avail < cfg.threshold
    low_nonzero = ~(nonzero >= cfg.nonzero_threshold)          # undefined (nothing available) counts as low
    screened = {"missing": low_data, "zeros": low_nonzero, "missing_or_zeros": low_data | low_nonzero}[cfg.rule]
    return pd.DataFrame({"city_id" if cfg.by == "units" else "indicator": labels, "values": k,
                         "missing": missing, "zeros": zeros, "availability": avail, "nonzero_share": nonzero,
                         "screened": screened})


def screen(values: pd.DataFrame, cfg: Screening | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``values`` without the screened units (rows) or indicators (columns), and the table
    of those screened (``availability`` rows with the rule, threshold and stage added)."""
    if cfg is None:
        return values, pd.DataFrame()
    table = availability(values, cfg)
    out = table[table["screened"]].drop(columns="screened").reset_index(drop=True)
    out["rule"] = f"{cfg.rule} ({RULES[cfg.rule]})"
    out["threshold"] = cfg.threshold
    out["nonzero_threshold"] = cfg.nonzero_threshold
    out["when"] = cfg.when
    keep = ~table["screened"].to_numpy()
    return (values.loc[keep] if cfg.by == "units" else values.loc[:, keep]), out
