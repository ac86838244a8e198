"""Calibrate the SYNTHETIC demo values to an edition's published figures.

The values stay synthetic; only their level is steered so that the edition's own method
reproduces every published fact of its data year: each published score (to the published
decimals), each published place in its group (with or without a score) and the official
national average. The other cities keep the generator's order and spread.

1. **Targets.** In each group the published cities take their places; the others fill the
   free places in the order of their uncalibrated scores, and their scores are fitted
   between the published scores around them (kept when they already fit, shifted or
   squeezed when not). Before the fit, every free score goes through one power curve,
   120·(s/120)^p, whose ``p`` makes the mean of all published scores the official average
   (p < 1 lifts the weaker cities, p > 1 lowers them; the order never changes).
2. **Coarse.** Each city's latent maturity is moved (``demo.generate``'s ``boost``: every
   random draw stays the same) until its score is near its target.
3. **Fine.** Indicator values strictly inside their group's range (never a group's minimum
   or maximum, so no other city's score moves) are shifted, in equal parts of their range,
   then stepped on the file's decimals, until every score rounds to its target.

A target the method cannot reach is an error naming the city, never a silent miss.
``make_demo_values`` (``iq demo-data``) reads the roster, generates, calibrates and writes the
values file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.config.params import Params
from iqlib.core import aggregate, engine, ranking
from iqlib.core.errors import UserError
from iqlib.io import demo, derive
from iqlib.io.reference import Published, read_published
from iqlib.io.roster import load_cities

GAP = 0.05          # least distance between the targets of neighbouring places
COARSE_ROUNDS = 80
SLOPE = 10.0        # points per unit of latent maturity, at the low end of the slopes seen
STEP = 0.5          # largest move of a city's maturity in one round (halved at each overshoot)
COARSE_TOL = 0.6    # points: the fine step takes over from here
FINE_ROUNDS = 12
HIT = 0.003         # |score − target| that still rounds to the target with margin


def _numeric(raw: pd.DataFrame, cities: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Indicator values (cities × indicators) of a generator frame."""
    meth = params.methodology
    frame = raw.set_index("city_id")
    kinds = derive.fields(meth)
    yesno = [c for c in frame.columns if kinds.get(c) == "yesno"]
    other = [c for c in frame.columns if kinds.get(c) != "yesno"]
    answers = frame[yesno].to_numpy()
    block = np.hstack([frame[other].to_numpy(dtype="float64"),
                       np.where(answers == "да", 1.0, np.where(answers == "нет", 0.0, np.nan))])   # "" = unanswered
    num = pd.DataFrame(block, index=frame.index, columns=other + yesno)   # one block, not a column at a time
    return derive.derive(num, cities, meth)[meth.indicator_codes()]


def _score(values: pd.DataFrame, cities: pd.DataFrame, params: Params) -> np.ndarray:
    fw = params.methodology.framework     # the nominal computation without the ranks (not needed here)
    return aggregate.aggregate_all(engine.prepare(values, cities, fw).normalised, fw).scores[fw.index_code].to_numpy()


def _fit(segment: np.ndarray, upper: float, lower: float) -> np.ndarray:
    """Decreasing ``segment`` strictly between ``upper`` and ``lower``: kept when it fits,
    else shifted, else squeezed linearly into the room."""
    if segment.size == 0:
        return segment
    hi, lo = upper - GAP, lower + GAP
    top, bottom = segment.max(), segment.min()
    if top <= hi and bottom >= lo:
        return segment
    if top - bottom <= hi - lo:
        return segment + (hi - top if top > hi else lo - bottom)
    if top == bottom:
        return np.full(segment.size, (hi + lo) / 2)
    floor = min(max(bottom, lo), (hi + lo) / 2)      # squeeze from the top, keeping the bottom where it can
    return floor + (segment - bottom) * (hi - floor) / (top - bottom)


def _group_targets(natural: pd.Series, pins: pd.DataFrame, power: float, max_score: float) -> pd.Series:
    """Targets of one group's cities (``natural``: uncalibrated scores by city_id)."""
    n = len(natural)
    slot_city: list[str | None] = [None] * n
    slot_score = np.full(n, np.nan)
    for rec in pins.itertuples():
        slot_city[rec.rank - 1] = rec.city_id
        slot_score[rec.rank - 1] = rec.score
    free = natural.drop(pins["city_id"]).sort_values(ascending=False, kind="stable")
    it = iter(free.index)
    slot_city = [c if c is not None else next(it) for c in slot_city]
    unknown = np.isnan(slot_score)
    pool = np.sort(natural.reindex(np.array(slot_city)[unknown]).to_numpy())[::-1]
    pool = max_score * (np.clip(pool, 0, max_score) / max_score) ** power
    values = slot_score.copy()
    values[unknown] = pool
    anchors = [-1, *np.flatnonzero(~unknown), n]
    for a, b in zip(anchors, anchors[1:]):
        upper = max_score if a < 0 else slot_score[a]
        lower = 0.0 if b >= n else slot_score[b]
        values[a + 1:b] = _fit(values[a + 1:b], upper, lower)
    return pd.Series(values, index=slot_city)


def targets(natural: pd.Series, groups: pd.Series, published: Published, average: float | None,
            max_score: float, decimals: int) -> pd.Series:
    """Target score of every city (by city_id): published places and scores, the others in
    their uncalibrated order, all free scores bent by one power curve to the official average."""
    pins = published.cities

    def build(power: float) -> pd.Series:
        parts = [_group_targets(natural[groups == g], pins[pins["group"] == g], power, max_score)
                 for g in pd.unique(groups)]
        return pd.concat(parts).reindex(natural.index)

    power = 1.0
    if average is not None:
        lo, hi = 0.05, 20.0
        for _ in range(60):       # bisection: the mean falls as the power rises
            power = (lo + hi) / 2
            lo, hi = (power, hi) if build(power).mean() > average else (lo, power)
    out = ranking.round_half_up(build(power), decimals)
    if average is not None:       # the last hundredths: nudge free cities that have room
        step = 10.0 ** -decimals
        need = int(round((average * len(out) - out.sum()) / step))
        free = [c for c in out.sort_values(kind="stable").index if c not in set(pins["city_id"])]
        for city in free:
            if need == 0:
                break
            nudged = out.copy()
            nudged[city] += np.sign(need) * step
            if _order_kept(nudged, groups):
                out, need = nudged, need - int(np.sign(need))
    return out


def _order_kept(t: pd.Series, groups: pd.Series) -> bool:
    for g in pd.unique(groups):
        v = t[groups == g].sort_values(ascending=False).to_numpy()
        if (np.diff(v) > -GAP / 2).any():
            return False
    return True


def _coarse(cities: pd.DataFrame, params: Params, target: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Move each city's latent maturity until its score is within COARSE_TOL of its target
    (a secant step per city, bounded; the group's other cities move as its range changes)."""
    meth, ed = params.methodology, params.edition
    boost = np.zeros(len(cities))
    step, prev = np.full(len(cities), STEP), np.zeros(len(cities))
    for _ in range(COARSE_ROUNDS):
        raw = demo.generate(cities, meth, ed.seed, ed.data_year, boost)
        s = _score(_numeric(raw, cities, params), cities, params)
        err = target - s
        if (np.abs(err) < COARSE_TOL).all():
            break
        sign = np.sign(err)
        step = np.where(sign * prev < 0, step * 0.5, np.minimum(step * 1.2, STEP))   # halve on overshoot
        boost = boost + sign * np.minimum(step, np.abs(err) / SLOPE)
        prev = sign
    return raw, s


def _movable(values: pd.DataFrame, groups: pd.Series, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per value: whether it lies strictly inside its group's range (moving it changes no
    other city's normalised value), and that range's lower and upper ends."""
    v = values[codes]
    lo = v.groupby(groups).transform("min")
    hi = v.groupby(groups).transform("max")
    return v.notna() & (v > lo) & (v < hi), lo, hi


def _fine(values: pd.DataFrame, cities: pd.DataFrame, params: Params, target: np.ndarray,
          steps: dict[str, float]) -> pd.DataFrame:
    """Shift inside values until every score is within HIT of its target."""
    codes = list(steps)
    groups = cities.set_index("city_id")["group"].reindex(values.index)
    movable, lo, hi = _movable(values, groups, codes)
    base = _score(values, cities, params)
    slope = pd.DataFrame(0.0, index=values.index, columns=codes)
    for code in codes:            # the score is linear in an inside value: one probe each
        h = (0.01 * (hi[code] - lo[code])).where(movable[code], 0.0)
        probe = values.copy()
        probe[code] = values[code] + h
        slope[code] = np.where(h > 0, (_score(probe, cities, params) - base) / h.where(h > 0, 1.0), 0.0)
    room_lo = (lo + pd.Series(steps)).where(movable)     # stay strictly inside, on the file's grid
    room_hi = (hi - pd.Series(steps)).where(movable)
    span = (room_hi - room_lo).clip(lower=0).fillna(0.0)
    out = values.copy()
    s = base
    for _ in range(FINE_ROUNDS):
        err = target - s
        if (np.abs(err) <= HIT).all():
            return out
        x = out[codes]
        big = np.abs(err) > 0.05
        # large errors: every inside value moves by the same share of its range
        reach = (slope.abs() * span).sum(axis=1).to_numpy()
        share = np.where(big & (reach > 0), err / np.where(reach > 0, reach, 1.0), 0.0)
        dx = span.mul(share, axis=0) * np.sign(slope)
        # small errors: whole steps of the file's grid on up to three values, greedily
        grid = np.array([steps[k] for k in codes])
        for c in np.flatnonzero(~big & (np.abs(err) > HIT)):
            g = slope.iloc[c].to_numpy() * grid
            kmin = np.ceil(((room_lo.iloc[c] - x.iloc[c]) / grid).fillna(0).to_numpy() - 1e-9)
            kmax = np.floor(((room_hi.iloc[c] - x.iloc[c]) / grid).fillna(0).to_numpy() + 1e-9)
            r = err[c]
            for _ in range(3):
                ok = movable.iloc[c].to_numpy() & (g != 0) & (dx.iloc[c].to_numpy() == 0)
                if not ok.any() or abs(r) <= HIT / 2:
                    break
                k = np.clip(np.round(r / np.where(ok, g, 1.0)), kmin, kmax)
                resid = np.where(ok & (k != 0), np.abs(r - k * g), np.inf)
                j = int(np.argmin(resid))
                if not np.isfinite(resid[j]) or resid[j] >= abs(r):
                    break
                dx.iloc[c, j] = k[j] * grid[j]
                r -= k[j] * g[j]
        new = (x + dx).clip(room_lo, room_hi, axis=None)
        new = new.where(movable, x)
        for code in codes:
            d = -int(round(np.log10(steps[code])))
            out[code] = new[code].round(d)
        s = _score(out, cities, params)
    err = target - s
    bad = np.flatnonzero(np.abs(err) > HIT)
    if bad.size:
        lines = ", ".join(f"{values.index[i]} (target {target[i]:.2f}, reached {s[i]:.3f})" for i in bad[:10])
        raise UserError(f"{params.edition_path}: the demo values cannot reproduce the published figures of "
                        f"{params.edition.data_year} for {bad.size} city(ies): {lines}")
    return out


def demo_values(params: Params, cities: pd.DataFrame) -> pd.DataFrame:
    """The generator's frame (``city_id``, indicator and sub-criterion columns), calibrated
    to the edition's published figures when it names them."""
    meth, ed = params.methodology, params.edition
    raw = demo.generate(cities, meth, ed.seed, ed.data_year)
    published = read_published(params, cities)
    if published is None:
        return raw
    natural = pd.Series(_score(_numeric(raw, cities, params), cities, params), index=cities["city_id"])
    average = published.average if published.average is not None else ed.demo_average
    groups = cities.set_index("city_id")["group"]
    max_score = meth.scoring.max_score or float(natural.max())
    target = targets(natural, groups, published, average, max_score, meth.scoring.decimals)
    t = target.reindex(cities["city_id"]).to_numpy()
    raw, _ = _coarse(cities, params, t)
    steps = {i.code: 10.0 ** -demo.DECIMALS[i.kind] for i in meth.indicators
             if i.derive is None and demo.DECIMALS[i.kind] > 0}
    tuned = _fine(_numeric(raw, cities, params), cities, params, t, steps)
    out = raw.set_index("city_id")
    for code in steps:
        out[code] = tuned[code]
    return out.reset_index()


def make_demo_values(params: Params) -> Path:
    """Regenerate the values file of a synthetic edition from its roster and seed,
    calibrated to the edition's published figures when it names them."""
    cities, _ = load_cities(params)
    frame = demo_values(params, cities)
    path = params.input_paths["values"]
    demo.write_values(frame, path, params.edition.seed, params.methodology)
    return path
