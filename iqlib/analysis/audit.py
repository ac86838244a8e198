"""The statistical audit of a framework, as the JRC runs it on composite indicators.

* distribution: skewness and kurtosis of each indicator (the estimators of ``treat``) and
  whether the JRC rule (|skew| ≥ 2 and kurt ≥ 3.5) flags it;
* correlations: each indicator with its parent and with the index (Pearson, pairwise
  complete), flagged when negative, not significant (p ≥ 0.05) or above 0.9; and the
  pairs of indicators of one parent correlated above 0.9 (collinear);
* consistency of each aggregate: Cronbach's alpha of its children,
  α = k/(k − 1)·(1 − Σ var(xᵢ)/var(Σ xᵢ)) over cities with every child present, and a PCA:
  share of variance on the first component and the number of eigenvalues above 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from iqlib.core.framework import Framework
from iqlib.core.treat import jrc_flag, kurt, skew

HIGH = 0.9
ALPHA = 0.05


def distribution(values: pd.DataFrame, skew_limit: float = 2.0, kurt_limit: float = 3.5) -> pd.DataFrame:
    rows = []
    for code in values.columns:
        x = values[code].to_numpy(dtype=float)
        s, k = skew(x), kurt(x)
        rows.append({"indicator": code, "n": int((~np.isnan(x)).sum()), "skew": s, "kurt": k,
                     "jrc_flag": jrc_flag(s, k, skew_limit, kurt_limit)})
    return pd.DataFrame(rows)


def _r(x: pd.Series, y: pd.Series) -> tuple[float, float]:
    """Pearson's r over the cities with both values and its two-sided p-value (as
    ``scipy.stats.pearsonr``: under independence (r + 1)/2 follows Beta(n/2 − 1, n/2 − 1), so
    p = 2·I_{(1 − |r|)/2}(n/2 − 1, n/2 − 1)). scipy.special, not scipy.stats: the weight
    stage's kernel then starts a second faster."""
    both = (x.notna() & y.notna()).to_numpy()
    if both.sum() < 3 or x[both].std() == 0 or y[both].std() == 0:
        return float("nan"), float("nan")
    from scipy.special import betainc  # imported here: only the weight stage needs it

    a, b = x.to_numpy(dtype=float)[both], y.to_numpy(dtype=float)[both]
    da, db = a - a.mean(), b - b.mean()
    r = float(np.clip(np.sum(da * db) / np.sqrt(np.sum(da * da) * np.sum(db * db)), -1.0, 1.0))
    ab = len(a) / 2 - 1
    return r, float(min(1.0, 2 * betainc(ab, ab, (1 - abs(r)) / 2)))


def correlations(normalised: pd.DataFrame, scores: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Each indicator against its parent and the index, with flags."""
    index = scores[fw.index_code]
    rows = []
    for code in fw.indicator_codes():
        parent = fw.parent[code]
        x = normalised[code]
        r_parent, p_parent = _r(x, scores[parent])
        r_index, p_index = _r(x, index)
        flags = []
        if r_parent < 0 or r_index < 0:
            flags.append("negative")
        if p_parent >= ALPHA or p_index >= ALPHA:
            flags.append("not significant")
        if r_parent > HIGH:
            flags.append(f"above {HIGH} with its {fw.level_of(parent)}")
        if np.isnan(r_parent):
            flags.append("undefined (constant or too few values)")
        rows.append({"indicator": code, "parent": parent, "r_parent": r_parent, "p_parent": p_parent,
                     "r_index": r_index, "p_index": p_index, "flags": "; ".join(flags)})
    return pd.DataFrame(rows)


def collinear_pairs(normalised: pd.DataFrame, fw: Framework, limit: float = HIGH) -> pd.DataFrame:
    """Pairs of indicators of the same parent correlated above ``limit``."""
    rows = []
    for parent in fw.level_codes(fw.levels[1]):
        kids = [c for c in fw.children(parent) if c in normalised.columns]
        corr = normalised[kids].corr()
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                if corr.at[a, b] > limit:
                    rows.append({"parent": parent, "a": a, "b": b, "r": corr.at[a, b]})
    return pd.DataFrame(rows, columns=["parent", "a", "b", "r"])


def cronbach_alpha(frame: pd.DataFrame) -> float:
    """α = k/(k − 1)·(1 − Σ var(xᵢ)/var(Σ xᵢ)), sample variances, complete rows only."""
    data = frame.dropna()
    k = data.shape[1]
    if k < 2 or len(data) < 2:
        return float("nan")
    total = data.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - data.var(ddof=1).sum() / total))


def consistency(normalised: pd.DataFrame, scores: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """Per aggregate: children, Cronbach's alpha, PC1 variance share, eigenvalues > 1."""
    frames = {fw.levels[0]: normalised, **{lv: scores for lv in fw.levels[1:]}}
    rows = []
    for level in fw.levels[1:]:
        below = fw.levels[fw.levels.index(level) - 1]
        for code in fw.level_codes(level):
            kids = fw.children(code)
            data = frames[below][kids].dropna()
            varying = [c for c in kids if data[c].std() > 0] if len(data) > 2 else []
            if len(varying) >= 2:
                eig = np.linalg.eigvalsh(np.corrcoef(data[varying].to_numpy().T))
                pc1, above1 = float(eig[-1] / eig.sum()), int((eig > 1).sum())
            else:
                pc1, above1 = float("nan"), 0
            rows.append({"aggregate": code, "level": level, "children": len(kids),
                         "cronbach_alpha": cronbach_alpha(frames[below][kids]) if len(kids) > 1 else float("nan"),
                         "pc1_share": pc1, "eigenvalues_above_1": above1})
    return pd.DataFrame(rows)
