"""The reproducibility contract: what a re-run must reproduce exactly on any machine, what
within a tolerance, and the comparison of two run folders under it (``iq verify``).

Exact (the same bytes on any x86-64 or arm64 machine with the pinned packages): every
published and printed value, every rank, the executed notebooks and pages, the charts, and
every table computed with +, −, ×, ÷ and √ alone (IEEE 754 rounds these correctly, and the
sums are numpy row reductions in a fixed order).

Within tolerance: values computed through BLAS/LAPACK (correlations, covariances,
eigenvalues), ``log``/``exp``/``pow`` (skewness and kurtosis, p-values, geometric and
generalised means, the JRC log transform) or PCA weights. numpy and OpenBLAS dispatch
different SIMD kernels per CPU, which can change the last bits. Two such cells agree when
|a − b| ≤ ``RTOL``·max(|a|, |b|, 1): relative 1e-12 above 1, absolute 1e-12 below
(p-values of 1e-40 are meaningless beyond that). The differences seen between an Intel
AVX-512 and an AMD AVX2 machine are below 2e-13 relative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.core.aggregate import AGGREGATIONS
from iqlib.core.framework import Framework
from iqlib.core.impute import IMPUTATIONS
from iqlib.core.normalise import NORMALISATIONS
from iqlib.core.ranking import relative_difference
from iqlib.core.treat import TREATMENTS
from iqlib.core.weighting import WEIGHTS

RTOL = 1e-12

# files whose float columns always go through BLAS/LAPACK or log/exp/pow: every float column
ALWAYS_TOLERANCE = {"results/effective_weights.csv", "results/audit_correlations.csv",
                    "results/audit_consistency.csv", "results/audit_collinear.csv",
                    "results/audit_distribution.csv", "results/treatment.csv", "results/pca.csv"}
# files that are exact for an arithmetic methodology and within tolerance otherwise
METHOD_TOLERANCE = {"results/normalised.csv", "results/aggregates.csv", "results/treated_points.csv",
                    "results/weights.csv", "results/published_ties.csv", "results/fragile.csv"}


def arithmetic(fw: Framework) -> bool:
    """True when every method the framework uses is registered as exact (+, −, ×, ÷, √
    only): e.g. no JRC treatment (skewness, kurtosis and the log use pow/log), no geometric
    or generalised means (log/exp/pow), no PCA weights (LAPACK). Its full-precision tables
    are then exact."""
    return (all(IMPUTATIONS.exact(r) for r in fw.missing.values())
            and all(TREATMENTS.exact(t.method) for t in fw.treatment.values())
            and all(NORMALISATIONS.exact(n.method) for n in fw.normalisation.values())
            and all(AGGREGATIONS.exact(a.method) and WEIGHTS.exact(a.weights) for a in fw.aggregation.values()))


def tolerance_files(fw: Framework) -> set[str]:
    """The run-folder files whose float cells are compared within ``RTOL``."""
    return ALWAYS_TOLERANCE | (set() if arithmetic(fw) else METHOD_TOLERANCE)


def close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cell-wise agreement under the tolerance (NaN agrees with NaN)."""
    with np.errstate(invalid="ignore"):
        ok = np.abs(a - b) <= RTOL * np.maximum(np.maximum(np.abs(a), np.abs(b)), 1.0)
    return ok | (np.isnan(a) & np.isnan(b)) | (a == b)


@dataclass
class Outcome:
    """How one file compares: identical, within tolerance (cells, largest relative
    difference) or different (what differs first)."""

    name: str
    identical: bool = False
    cells: int = 0
    largest: float = 0.0
    problem: str = ""


@dataclass
class Comparison:
    files: list[Outcome] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"differs from the re-run: {o.name}: {o.problem}" for o in self.files if o.problem]

    @property
    def within(self) -> list[Outcome]:
        return [o for o in self.files if not o.identical and not o.problem]


def _floats(column: pd.Series) -> np.ndarray | None:
    values = pd.to_numeric(column.replace("", np.nan), errors="coerce")
    if (values.isna() & (column != "")).any():
        return None
    return values.to_numpy(dtype=float)


def compare_csv(name: str, published: Path, rerun: Path, tolerant: bool) -> Outcome:
    """Cell by cell: exact text, or for a tolerance file's numeric columns, numbers within RTOL."""
    out = Outcome(name)
    try:
        a = pd.read_csv(published, dtype=str, keep_default_na=False)
        b = pd.read_csv(rerun, dtype=str, keep_default_na=False)
    except Exception:  # noqa: BLE001 - a table that no longer parses is itself the difference
        out.problem = "cannot be read as a table"
        return out
    if list(a.columns) != list(b.columns):
        out.problem = f"columns differ: published {list(a.columns)}, re-run {list(b.columns)}"
        return out
    if len(a) != len(b):
        out.problem = f"{len(a)} rows published, {len(b)} in the re-run"
        return out
    differ = (a != b).to_numpy()
    bad = differ.copy()
    for j, col in enumerate(a.columns):
        if not tolerant or not differ[:, j].any():
            continue
        x, y = _floats(a[col]), _floats(b[col])
        if x is None or y is None:
            continue
        bad[:, j] = differ[:, j] & ~close(x, y)
        within = differ[:, j] & ~bad[:, j]
        if within.any():
            out.cells += int(within.sum())
            out.largest = max(out.largest, float(relative_difference(x[within], y[within]).max()))
    rows, cols = bad.nonzero()
    if len(rows):
        shown = []
        for r, c in list(zip(rows, cols))[:3]:
            key = f" ({a.columns[0]} {a.iat[r, 0]})" if c else ""
            shown.append(f"line {r + 2}{key}, column {a.columns[c]}: published {a.iat[r, c]!r}, "
                         f"re-run {b.iat[r, c]!r}")
        more = f" (+{len(rows) - 3} more cells)" if len(rows) > 3 else ""
        what = "beyond the tolerance" if tolerant else "an exact value"
        out.problem = "; ".join(shown) + more + f" ({what})"
    elif not out.cells:
        out.problem = "same cells, different bytes (formatting or line endings)"
    return out


NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def compare_text(a: str, b: str) -> tuple[bool, int, float]:
    """Texts equal but for numbers that agree within RTOL: (ok, numbers within, largest relative)."""
    if a == b:
        return True, 0, 0.0
    pa, pb = NUMBER.split(a), NUMBER.split(b)
    na, nb = NUMBER.findall(a), NUMBER.findall(b)
    if pa != pb or len(na) != len(nb):
        return False, 0, 0.0
    x = np.array([float(v) for v in na])
    y = np.array([float(v) for v in nb])
    differ = np.array([s != t for s, t in zip(na, nb)], dtype=bool)
    if not close(x[differ], y[differ]).all():
        return False, 0, 0.0
    return True, int(differ.sum()), float(relative_difference(x[differ], y[differ]).max(initial=0.0))


DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\s]+")


def compare_markup(name: str, published: Path, rerun: Path) -> Outcome:
    """An HTML page: embedded images exactly, the text with numbers within RTOL."""
    out = Outcome(name)
    a, b = published.read_text(encoding="utf-8"), rerun.read_text(encoding="utf-8")
    if DATA_URI.findall(a) != DATA_URI.findall(b):
        out.problem = "an embedded image differs"
        return out
    ok, out.cells, out.largest = compare_text(DATA_URI.sub("", a), DATA_URI.sub("", b))
    if not ok:
        out.problem = "the text differs"
    return out


def _output_texts(output: dict) -> tuple[list, list[str]]:
    """(exact parts, texts) of one notebook output: images and types exactly, text by compare_text."""
    exact: list = [output.get("output_type"), output.get("name")]
    texts: list[str] = []
    if "text" in output:
        texts.append(output["text"])
    for mime, value in sorted(output.get("data", {}).items()):
        value = "".join(value) if isinstance(value, list) else value
        if mime.startswith("text/"):
            texts.append(value)
        else:
            exact.append((mime, value))
    for key in ("ename", "evalue"):
        exact.append(output.get(key))
    return exact, texts


def compare_notebook(name: str, published: Path, rerun: Path) -> Outcome:
    """Cell by cell: the same sources, outputs equal but for numbers within RTOL."""
    import nbformat

    out = Outcome(name)
    try:
        a, b = nbformat.read(published, as_version=4), nbformat.read(rerun, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook is itself the difference
        out.problem = "cannot be read as a notebook"
        return out
    if len(a.cells) != len(b.cells):
        out.problem = f"{len(a.cells)} cells published, {len(b.cells)} in the re-run"
        return out
    for i, (x, y) in enumerate(zip(a.cells, b.cells)):
        if x.source != y.source:
            out.problem = f"cell {i}: source differs"
            return out
        xo, yo = x.get("outputs", []), y.get("outputs", [])
        if xo == yo:
            continue
        if len(xo) != len(yo):
            out.problem = f"cell {i} (In [{x.get('execution_count')}]): outputs differ"
            return out
        for p, q in zip(xo, yo):
            (pe, pt), (qe, qt) = _output_texts(p), _output_texts(q)
            results = [compare_text(s, t) for s, t in zip(pt, qt)]
            if pe != qe or len(pt) != len(qt) or not all(r[0] for r in results):
                out.problem = f"cell {i} (In [{x.get('execution_count')}]): outputs differ"
                return out
            out.cells += sum(r[1] for r in results)
            out.largest = max([out.largest, *(r[2] for r in results)])
    if not out.cells:
        out.problem = "same cells and outputs, metadata differs"
    return out


def compare_file(name: str, published: Path, rerun: Path, tolerant: set[str]) -> Outcome:
    """One file of a run folder under the contract."""
    if published.read_bytes() == rerun.read_bytes():
        return Outcome(name, identical=True)
    if name.endswith(".csv"):
        return compare_csv(name, published, rerun, name in tolerant)
    if name.endswith(".ipynb"):
        return compare_notebook(name, published, rerun)
    if name.endswith(".html"):
        return compare_markup(name, published, rerun)
    return Outcome(name, problem="bytes differ")


def compare_runs(published: Path, rerun: Path, names: list[str], fw: Framework) -> Comparison:
    """Every named file of two run folders under the contract."""
    tolerant = tolerance_files(fw)
    return Comparison([compare_file(n, published / n, rerun / n, tolerant) for n in names])
