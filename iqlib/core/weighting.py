"""Weights of each parent's children: a rule registered in ``WEIGHTS``, named by a level's
``weights`` in the methodology.

A rule is ``f(values, parent_of, nominal) -> (weights, table)``: the children's values
(cities × children), child → parent, the methodology's nominal weights; it returns a
weight per child and, when it has something to report, a table (``pca.csv``).

Weights: ``yaml`` (the methodology), ``equal``, or ``pca``: the loadings of the first
principal component of the children's correlation matrix (cities with all children
present), signed so that their sum is positive; negative loadings are set to 0 and
reported; the weights are the loadings divided by their sum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.core.registry import Registry

WEIGHTS: Registry = Registry("weights")


@WEIGHTS.register("yaml")
def yaml_weights(values: pd.DataFrame, parent_of: pd.Series, nominal: pd.Series) -> tuple[pd.Series, None]:
    """The weights written in the methodology."""
    return nominal[values.columns], None


@WEIGHTS.register("equal")
def equal_weights(values: pd.DataFrame, parent_of: pd.Series, nominal: pd.Series) -> tuple[pd.Series, None]:
    """Every child of a parent weighs the same."""
    return pd.Series(1.0, index=values.columns), None


@WEIGHTS.register("pca", exact=False)
def pca_weights(values: pd.DataFrame, parent_of: pd.Series, nominal: pd.Series | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """First-principal-component loadings of each parent's children (negative ones set to 0)."""
    weights, rows = {}, []
    for parent, kids in parent_of[list(values.columns)].groupby(parent_of[list(values.columns)], sort=False):
        cols = list(kids.index)
        data = values[cols].dropna()
        varying = [c for c in cols if data[c].std() > 0] if len(data) > 2 else []
        if len(varying) < 2:
            share = 1.0 / len(cols)
            for c in cols:
                weights[c] = share
                rows.append({"parent": parent, "child": c, "loading": np.nan, "weight": share,
                             "variance_explained": np.nan, "note": "too few varying children: equal"})
            continue
        eigval, eigvec = np.linalg.eigh(np.corrcoef(data[varying].to_numpy().T))
        v = eigvec[:, -1]
        if v.sum() < 0:
            v = -v
        load = dict(zip(varying, v))
        kept = np.clip(v, 0, None)
        w = dict(zip(varying, kept / kept.sum()))
        for c in cols:
            weights[c] = w.get(c, 0.0)
            note = ("constant: weight 0" if c not in load else
                    "negative loading: weight 0" if load[c] < 0 else "")
            rows.append({"parent": parent, "child": c, "loading": load.get(c, np.nan), "weight": weights[c],
                         "variance_explained": eigval[-1] / eigval.sum(), "note": note})
    return pd.Series(weights), pd.DataFrame(rows)
