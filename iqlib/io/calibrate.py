"""Calibrate the SYNTHETIC demo values to an edition's published figures, year after year.

The values stay synthetic; only their level is steered so that the edition's own method
reproduces every published fact of its data year: each published score (to the published
decimals), each published place in its group (with or without a score) and the official
national average. The other cities keep their place from the year before, as far as the
published figures let them.

The demo editions form a panel: the edition of data year ``t`` follows the edition file
``<t − 1>.yaml`` next to it (when there is one, synthetic too) and looks ahead to the files
``<t + 1>.yaml``, … . A city starts year ``t`` with its calibrated maturity of ``t − 1`` plus
its own small innovation (``demo.innovation``); a city new to the roster, or the first
edition of the panel, starts on ``demo.panel_maturity``.

1. **Order.** Published places of this year are fixed; the other cities fill the free
   places in the order of a key, a place as a share of the group. A city of the same group
   last year keeps ``KEEP`` of its place there and takes the rest from the uncalibrated
   ("natural") scores of its starting maturity (a new city takes its natural place). A city
   published at a place of a later year in the same group walks there in equal steps: its
   key is its place of last year moved by 1/(k + 1) of the way to the place published k
   years ahead (in the panel's first edition, or new to the group, it takes that place at
   once). Where a group's order would still rank less alike than ``RHO`` (Spearman) with
   last year's places or next year's published ones, free cities are swapped while that
   removes moves by more than a third of the group or raises the lower correlation.
2. **Targets.** The free places take the natural scores, in decreasing order, fitted
   between the published scores around them (kept when they already fit, shifted or
   squeezed when not). Before the fit, every free score goes through one power curve,
   120·(s/120)^p, whose ``p`` makes the mean of all published scores the official average
   (p < 1 lifts the weaker cities, p > 1 lowers them; the order never changes).
3. **Coarse.** Each city's latent maturity is moved (``demo.generate``'s ``boost``: every
   random draw stays the same) until its score is near its target. The moved maturity is
   what the next edition starts from.
4. **Fine.** Indicator values strictly inside their group's range (never a group's minimum
   or maximum, so no other city's score moves) are shifted, in equal parts of their range,
   then stepped on the file's decimals, until every score rounds to its target.

A target the method cannot reach is an error naming the city, never a silent miss.
``make_demo_values`` (``iq demo-data``) reads the roster, generates, calibrates and writes the
values file; the editions before it are calibrated again in memory (once per process).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from iqlib.config.params import Params, load_params
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
FINE_ROUNDS = 30
KEEP = 0.8          # weight of last year's place in a free city's order (the rest: this year's natural order)
RHO = 0.85          # least Spearman of a group's order with last year and next year's published places ...
SMOOTH_ROUNDS = 40  # ... that swaps of free cities aim at (rounds of steepest ascent)
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


def _group_targets(natural: pd.Series, pins: pd.DataFrame, power: float, max_score: float,
                   key: pd.Series) -> pd.Series:
    """Targets of one group's cities (``natural``: uncalibrated scores by city_id; the free
    cities take the free places in decreasing ``key``)."""
    n = len(natural)
    slot_city: list[str | None] = [None] * n
    slot_score = np.full(n, np.nan)
    for rec in pins.itertuples():
        slot_city[rec.rank - 1] = rec.city_id
        slot_score[rec.rank - 1] = rec.score
    free = key.reindex(natural.index).drop(pins["city_id"]).sort_values(ascending=False, kind="stable")
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
            max_score: float, decimals: int, key: pd.Series | None = None) -> pd.Series:
    """Target score of every city (by city_id): published places and scores, the others in
    decreasing ``key`` (default: their uncalibrated order), all free scores bent by one power
    curve to the official average."""
    pins = published.cities
    key = natural if key is None else key

    def build(power: float) -> pd.Series:
        parts = [_group_targets(natural[groups == g], pins[pins["group"] == g], power, max_score, key)
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


def _coarse(cities: pd.DataFrame, params: Params, target: np.ndarray,
            latent: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Move each city's latent maturity until its score is within COARSE_TOL of its target
    (a secant step per city, bounded; the group's other cities move as its range changes).
    Returns the generator's frame and the moved maturity."""
    meth, ed = params.methodology, params.edition
    boost = np.zeros(len(cities))
    step, prev = np.full(len(cities), STEP), np.zeros(len(cities))
    for _ in range(COARSE_ROUNDS):
        raw = demo.generate(cities, meth, ed.seed, ed.data_year, boost, latent)
        s = _score(_numeric(raw, cities, params), cities, params)
        err = target - s
        if (np.abs(err) < COARSE_TOL).all():
            break
        sign = np.sign(err)
        step = np.where(sign * prev < 0, step * 0.5, np.minimum(step * 1.2, STEP))   # halve on overshoot
        boost = boost + sign * np.minimum(step, np.abs(err) / SLOPE)
        prev = sign
    return raw, latent + boost


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


@dataclass(frozen=True)
class Calibrated:
    """One demo edition, calibrated: the generator's frame, and per city (by city_id) the
    maturity it ended on, its group and its place as a share of the group, (place − ½)/size."""

    frame: pd.DataFrame
    latent: pd.Series
    group: pd.Series
    share: pd.Series


_PANEL: dict[tuple, Calibrated] = {}      # editions calibrated in this process, by file, seed and roster


def _sibling(params: Params, data_year: int) -> Params | None:
    """The synthetic edition of ``data_year`` next to this one (``<data_year>.yaml``), if any."""
    path = params.edition_path.parent / f"{data_year}.yaml"
    if path.resolve() == params.edition_path.resolve() or not path.is_file():
        return None
    other = load_params(path)
    ok = other.edition.synthetic and other.edition.data_year == data_year and other.methodology_path == params.methodology_path
    return other if ok else None


def _share(score: pd.Series, groups: pd.Series) -> pd.Series:
    """Place within the group as a share of its size, (place − ½)/size: 0 best, 1 last."""
    place = score.groupby(groups).rank(ascending=False, method="first")
    return (place - 0.5) / groups.map(groups.value_counts())


def _ahead(params: Params) -> pd.DataFrame:
    """Per city published in a later edition of the panel: the nearest such year's distance
    ``k`` (years), group, place (``rank``), the group's size (``size``) and the place as a
    share of the group (``share``), by city_id."""
    rows: dict[str, tuple[int, str, int, int, float]] = {}
    year = params.edition.data_year + 1
    while (later := _sibling(params, year)) is not None:
        cities, _ = load_cities(later)
        published = read_published(later, cities)
        if published is not None:
            size = cities["group"].value_counts()
            for rec in published.cities.itertuples():
                n = int(size[rec.group])
                rows.setdefault(rec.city_id, (year - params.edition.data_year, rec.group, rec.rank, n, (rec.rank - 0.5) / n))
        year += 1
    return pd.DataFrame.from_dict(rows, orient="index", columns=["k", "group", "rank", "size", "share"])


def _places(key: pd.Series, fixed: pd.Series, n: int) -> pd.Series:
    """Places in one group of ``n``: the ``fixed`` ones (by city_id) at theirs, the other
    cities of ``key`` in decreasing key in the free places."""
    free = key.drop(fixed.index, errors="ignore").sort_values(ascending=False, kind="stable").index
    taken = set(fixed.tolist())
    slots = [p for p in range(1, n + 1) if p not in taken][:len(free)]
    return pd.concat([fixed.astype(float), pd.Series(slots, index=free[:len(slots)], dtype=float)])


def _rho(a: pd.Series, b: pd.Series) -> float:
    """Spearman's correlation of two places (or scores) over the cities they share."""
    common = a.index.intersection(b.index)
    if len(common) < 3:
        return 1.0
    r = float(np.corrcoef(a[common].rank().to_numpy(), b[common].rank().to_numpy())[0, 1])
    return round(r, 12)          # the same on every machine: compared, never shown


def _two_years(key: pd.Series, fixed: pd.Series, nxt: pd.DataFrame,
               last: pd.Series | None) -> tuple[int, float, float]:
    """How one group's order compares with last year's places and next year's published
    places (the group's other cities following this year's order): minus the number of
    moves by more than a third of the group, then the lower and the sum of the two Spearman
    correlations (higher is better)."""
    n, m = len(key), int(nxt["size"].iloc[0])
    now = _places(key, fixed, n)
    then = _places(-now.drop(nxt.index, errors="ignore"), nxt["rank"], m)
    common = now.index.intersection(then.index)
    big = int((np.abs(then[common] - now[common]) > m / 3).sum())
    rhos = [_rho(now, then)]
    if last is not None:
        was = last * len(last) + 0.5           # the share back to a place (last year's group size)
        seen = now.index.intersection(was.index)
        big += int((np.abs(now[seen] - was[seen]) > n / 3).sum())
        rhos.append(_rho(last, now))
    return -big, min(rhos), sum(rhos)


def _smooth(key: pd.Series, groups: pd.Series, pins: pd.DataFrame, before: Calibrated | None,
            ahead: pd.DataFrame) -> pd.Series:
    """In a group whose order would rank less alike than RHO (Spearman) with last year's
    places or with next year's published places (the other cities of the group following
    this year's order), swap free cities while that improves ``_two_years`` (fewer large
    moves first, then the lower of the two correlations; steepest ascent, deterministic):
    next year's published moves are then spread over the two years instead of falling on one."""
    key = key.copy()
    for g in pd.unique(groups):
        members = groups.index[groups == g]
        nxt = ahead[(ahead["k"] == 1) & (ahead["group"] == g)]
        if nxt.empty:
            continue
        fixed = pins.loc[pins["group"] == g].set_index("city_id")["rank"]
        last = None if before is None else before.share[before.group == g]
        free = [c for c in members if c not in fixed.index]

        best = _two_years(key[members], fixed, nxt, last)
        if best[1] >= RHO:
            continue
        for _ in range(SMOOTH_ROUNDS):
            trial = None
            for i, a in enumerate(free):
                for b in free[i + 1:]:
                    k = key.copy()
                    k[a], k[b] = key[b], key[a]
                    s = _two_years(k[members], fixed, nxt, last)
                    if s > best:
                        best, trial = s, k
            if trial is None:
                break
            key = trial
    return key


def _key(natural: pd.Series, groups: pd.Series, before: Calibrated | None, ahead: pd.DataFrame) -> pd.Series:
    """The order of the free cities (higher first), as a place share (0 best): a city of the
    same group last year keeps KEEP of its place there and takes the rest from its natural
    order; a city published at a later year's place in the same group walks there in equal
    steps (a city new to the group takes that place at once); another city new to the group
    takes its natural place."""
    share = _share(natural, groups)
    if before is not None:
        same = before.group.reindex(share.index).eq(groups.reindex(share.index))
        last = before.share.reindex(share.index).where(same)
        share = (KEEP * last + (1 - KEEP) * share).fillna(share)
    mine = ahead[ahead["group"].eq(groups.reindex(ahead.index))]
    if before is None:
        start = mine["share"]                        # the panel's first edition: at the place at once
    else:
        same = before.group.reindex(mine.index).eq(groups.reindex(mine.index))
        last = before.share.reindex(mine.index).where(same)
        start = (last + (mine["share"] - last) / (mine["k"] + 1)).fillna(mine["share"])   # new to the group: at once
    if len(start):
        share.loc[start.index] = start.astype(float)
    return -share


def _prior(params: Params, cities: pd.DataFrame) -> tuple[np.ndarray, Calibrated | None]:
    """Each city's maturity at the start of the edition's year: last year's calibrated
    maturity plus this year's innovation; a city new to the roster starts on the panel path
    moved by the mean calibration shift (carried − path) of its group's other cities."""
    year = params.edition.data_year
    path = demo.panel_maturity(cities, year)
    before_params = _sibling(params, year - 1)
    if before_params is None:
        return path, None
    before = calibrated(before_params)
    carried = before.latent.reindex(cities["city_id"]).to_numpy() + demo.innovation(cities, year)
    shift = pd.Series(carried - path).groupby(cities["group"].to_numpy()).transform("mean").fillna(0.0).to_numpy()
    return np.where(np.isnan(carried), path + shift, carried), before


def calibrated(params: Params, cities: pd.DataFrame | None = None) -> Calibrated:
    """The edition's generator frame, calibrated to its published figures when it names them
    (once per process for the same file, seed and roster)."""
    if cities is None:
        cities, _ = load_cities(params)
    ed = params.edition
    key = (str(params.edition_path.resolve()), ed.seed, ed.data_year, tuple(cities["city_id"]), tuple(cities["group"]))
    if key not in _PANEL:
        _PANEL[key] = _calibrate(params, cities)
    return _PANEL[key]


def _calibrate(params: Params, cities: pd.DataFrame) -> Calibrated:
    meth, ed = params.methodology, params.edition
    ids = cities["city_id"]
    groups = cities.set_index("city_id")["group"]
    latent, before = _prior(params, cities)
    raw = demo.generate(cities, meth, ed.seed, ed.data_year, latent=latent)
    natural = pd.Series(_score(_numeric(raw, cities, params), cities, params), index=ids)
    published = read_published(params, cities)
    if published is None:
        return Calibrated(raw, pd.Series(latent, index=ids), groups, _share(natural, groups))
    average = published.average if published.average is not None else ed.demo_average
    max_score = meth.scoring.max_score or float(natural.max())
    ahead = _ahead(params)
    order = _smooth(_key(natural, groups, before, ahead), groups, published.cities, before, ahead)
    target = targets(natural, groups, published, average, max_score, meth.scoring.decimals, order)
    t = target.reindex(ids).to_numpy()
    raw, moved = _coarse(cities, params, t, latent)
    steps = {i.code: 10.0 ** -demo.DECIMALS[i.kind] for i in meth.indicators
             if i.derive is None and demo.DECIMALS[i.kind] > 0}
    tuned = _fine(_numeric(raw, cities, params), cities, params, t, steps)
    out = raw.set_index("city_id")
    for code in steps:
        out[code] = tuned[code]
    return Calibrated(out.reset_index(), pd.Series(moved, index=ids), groups, _share(target.reindex(ids), groups))


def demo_values(params: Params, cities: pd.DataFrame) -> pd.DataFrame:
    """The generator's frame (``city_id``, indicator and sub-criterion columns), calibrated
    to the edition's published figures when it names them, after the editions before it."""
    return calibrated(params, cities).frame.copy()


def make_demo_values(params: Params) -> Path:
    """Regenerate the values file of a synthetic edition from its roster and seed,
    calibrated to the edition's published figures when it names them."""
    cities, _ = load_cities(params)
    frame = demo_values(params, cities)
    path = params.input_paths["values"]
    demo.write_values(frame, path, params.edition.seed, params.methodology)
    return path
