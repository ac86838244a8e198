"""Variance-based (Sobol) sensitivity analysis of the ranks.

Design (Saltelli et al. 2010): a scrambled Sobol sequence of 2·D columns (scipy.stats.qmc)
gives two independent matrices A and B (N × D); AB_i is A with the columns of input i
taken from B (an input may span several columns: a level's weights move together). The
model is evaluated on A, B and every AB_i: N·(k + 2) rows for k inputs. With V the
variance of f over A and B together:

* first order  S_i  = mean(f(B)·(f(AB_i) − f(A))) / V          (Saltelli 2010)
* total        ST_i = mean((f(A) − f(AB_i))²) / (2V)            (Jansen 1999)

An output that does not vary (V = 0) has S_i = ST_i = 0. Confidence intervals are
percentile bootstrap intervals over the N rows (the same resampled rows for A, B and
AB_i). The convergence table repeats the estimate on the first N' = 64, 128, …, N rows.

The output is the mean absolute shift of the rank within group from the nominal rank
(over the cities); per city, the absolute shift of that city's rank.

Memory: the model's ranks come a chunk of rows at a time (``rank_parts``); each row's mean
shift is taken from its chunk, and every row's per-city shifts are kept as small integers
(2 bytes each, ``SHIFT_DTYPE``) and turned into indices a block of cities at a time (a
city's indices depend on its column only, and sums of integer shifts are exact in any order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, Self

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from iqlib.core.registry import Strict

BLOCK = 2 ** 21  # values of one block of per-city shifts turned into floats at once


class Sensitivity(Strict):
    """Sobol sensitivity analysis: ``samples`` rows of each of the A and B matrices (a
    power of two: the Sobol sequence is balanced on those), bootstrap resamples and the
    confidence level of the intervals."""

    samples: int = Field(1024, ge=64, le=65536)
    bootstrap: int = Field(500, ge=20, le=10000)
    confidence: float = Field(0.95, gt=0.5, lt=1)

    @model_validator(mode="after")
    def _power_of_two(self) -> Self:
        if self.samples & (self.samples - 1):
            raise ValueError(f"samples must be a power of two (64, 128, …, 65536), not {self.samples}")
        return self


class _Input(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def columns(self) -> int: ...


class _Options(Protocol):
    @property
    def sensitivity(self) -> Sensitivity | None: ...


class Ranked(Protocol):
    """What the analysis needs of a model of the ranks (``analysis.uncertainty.Model``):
    its options, its inputs and their columns of the sample matrix, the cities, the nominal
    ranks, and scores and ranks for any sample matrix. A protocol, so that this module does
    not import the model (which imports ``Sensitivity`` from here)."""

    @property
    def u(self) -> _Options: ...
    @property
    def columns(self) -> int: ...
    @property
    def inputs(self) -> Sequence[_Input]: ...
    @property
    def values(self) -> pd.DataFrame: ...
    @property
    def nominal_in_group(self) -> np.ndarray: ...
    def scores(self, U: np.ndarray) -> np.ndarray: ...
    def ranks(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
    def rank_parts(self, U: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]: ...


def design(columns: int, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A and B (samples × columns) from one scrambled Sobol sequence of 2·columns dimensions."""
    from scipy.stats import qmc  # imported here: scipy.stats costs a second at kernel start

    engine = qmc.Sobol(d=2 * columns, scramble=True, rng=np.random.default_rng([seed, 1]))
    ab = engine.random_base2(int(np.log2(samples)))
    return ab[:, :columns], ab[:, columns:]


def stacked(A: np.ndarray, B: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """Rows to evaluate: A, B, then AB_i for each input's column span (start, columns)."""
    blocks = [A, B]
    for start, n in spans:
        ab = A.copy()
        ab[:, start:start + n] = B[:, start:start + n]
        blocks.append(ab)
    return np.vstack(blocks)


def split(f: np.ndarray, samples: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f(A) (N, …), f(B) (N, …) and f(AB_i) (k, N, …) from the stacked evaluations."""
    blocks = f.reshape(-1, samples, *f.shape[1:])
    return blocks[0], blocks[1], blocks[2:]


def indices(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S_i and ST_i (k, …) over the rows (axis 0 of fA and fB, axis 1 of fAB); trailing
    axes (cities, bootstrap resamples) are kept."""
    V = np.var(np.concatenate([fA, fB]), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.mean(fB * (fAB - fA), axis=1) / V
        total = 0.5 * np.mean((fA - fAB) ** 2, axis=1) / V
    flat = V == 0
    return np.where(flat, 0.0, first), np.where(flat, 0.0, total)


def bootstrap(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray, resamples: int, confidence: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals (2, k) of S_i and ST_i for a one-dimensional output; resamples
    are drawn in chunks of about a million rows to bound memory."""
    chunk = max(1, 2 ** 20 // len(fA))
    firsts, totals = [], []
    for start in range(0, resamples, chunk):
        rows = rng.integers(0, len(fA), size=(len(fA), min(chunk, resamples - start)))  # rows × resamples
        first, total = indices(fA[rows], fB[rows], fAB[:, rows])
        firsts.append(first)
        totals.append(total)
    tail = (1 - confidence) / 2
    q = [tail, 1 - tail]
    return (np.quantile(np.concatenate(firsts, axis=-1), q, axis=-1),
            np.quantile(np.concatenate(totals, axis=-1), q, axis=-1))


def table(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray, names: list[str], resamples: int, confidence: float, seed: int) -> pd.DataFrame:
    """S_i and ST_i of a one-dimensional output with their bootstrap intervals."""
    first, total = indices(fA, fB, fAB)
    ci_first, ci_total = bootstrap(fA, fB, fAB, resamples, confidence, np.random.default_rng([seed, 2]))
    return pd.DataFrame({"input": names, "Si": first, "Si_low": ci_first[0], "Si_high": ci_first[1],
                         "STi": total, "STi_low": ci_total[0], "STi_high": ci_total[1]})


def convergence(fA: np.ndarray, fB: np.ndarray, fAB: np.ndarray, names: list[str], resamples: int, confidence: float,
                seed: int) -> pd.DataFrame:
    """The estimates and interval widths on the first 64, 128, …, N rows."""
    frames, n = [], 64
    while n <= len(fA):
        t = table(fA[:n], fB[:n], fAB[:, :n], names, resamples, confidence, seed)
        frames.append(pd.DataFrame({"samples": n, "evaluations": n * (len(names) + 2), "input": names,
                                    "Si": t["Si"], "Si_width": t["Si_high"] - t["Si_low"],
                                    "STi": t["STi"], "STi_width": t["STi_high"] - t["STi_low"]}))
        n *= 2
    return pd.concat(frames, ignore_index=True)


def shift_dtype(cities: int) -> type:
    """An unsigned integer type for rank shifts of ``cities`` cities, its largest value
    meaning 'no rank'."""
    return np.uint16 if cities < np.iinfo(np.uint16).max else np.uint32


def city_indices(shift: np.ndarray, samples: int) -> tuple[np.ndarray, np.ndarray]:
    """``indices`` of each city's shift (rows × cities, as ``shift_dtype``: its largest value
    is no rank, NaN), a block of cities at a time: (k, cities) each. A block has at least two
    cities, so numpy adds every column's rows in the same order as over all cities at once."""
    missing = np.iinfo(shift.dtype).max
    cities = shift.shape[1]
    width = max(2, BLOCK // max(1, len(shift)))
    starts = list(range(0, cities, width))
    if len(starts) > 1 and cities - starts[-1] < 2:
        starts.pop()                                   # no block of one city: it joins the one before
    firsts, totals = [], []
    for start, end in zip(starts, [*starts[1:], cities]):
        block = shift[:, start:end].astype(float)
        block[shift[:, start:end] == missing] = np.nan
        first, total = indices(*split(block, samples))
        firsts.append(first)
        totals.append(total)
    return np.concatenate(firsts, axis=1), np.concatenate(totals, axis=1)


def analyse(model: Ranked, seed: int) -> dict[str, pd.DataFrame]:
    """Sensitivity of the mean absolute rank shift (with intervals) and of each city's shift."""
    cfg = model.u.sensitivity
    assert cfg is not None, "the edition's uncertainty has no sensitivity section"
    N = cfg.samples
    A, B = design(model.columns, N, seed)
    spans = [(i.start, i.columns) for i in model.inputs]
    names = [i.name for i in model.inputs]
    X = stacked(A, B, spans)
    ranked = ~np.isnan(model.nominal_in_group)
    nominal = model.nominal_in_group
    dtype = shift_dtype(len(ranked))
    shift: np.ndarray = np.empty((len(X), int(ranked.sum())), dtype)   # rows × ranked cities, 2 bytes each
    mean_shift = np.empty(len(X))
    for rows, in_group, _ in model.rank_parts(X):
        moved = np.abs(in_group - nominal)[:, ranked]
        mean_shift[rows] = np.nanmean(moved, axis=1)            # a replication may leave a city unranked
        shift[rows] = np.where(np.isnan(moved), np.iinfo(dtype).max, moved).astype(dtype)
    fA, fB, fAB = split(mean_shift, N)
    overall = table(fA, fB, fAB, names, cfg.bootstrap, cfg.confidence, seed)
    overall.insert(0, "output", "mean_abs_rank_shift")
    first, total = city_indices(shift, N)                        # inputs × cities
    ids = model.values.index[ranked]
    per_city = pd.DataFrame({"output": np.tile(ids, len(names)), "input": np.repeat(names, len(ids)),
                             "Si": first.ravel(), "STi": total.ravel()})
    order = {c: i for i, c in enumerate(ids)}
    per_city = per_city.sort_values("output", key=lambda s: s.map(order), kind="stable")
    out = pd.concat([overall, per_city], ignore_index=True)
    most = pd.DataFrame(total.T, index=ids, columns=names).fillna(0.0)
    moved_by = most.idxmax(axis=1).where(most.max(axis=1) > 0)
    return {"sensitivity": out, "convergence": convergence(fA, fB, fAB, names, cfg.bootstrap, cfg.confidence, seed),
            "moved_most_by": moved_by}
