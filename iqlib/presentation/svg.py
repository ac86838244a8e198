"""Small inline SVG charts for the site's pages: drawn from the numbers directly (no
plotting library, so hundreds of city pages build in seconds), sized to their content,
every text escaped, axes from the data (never clipped), missing values marked, colours
from the Okabe–Ito palette (safe for colour-blind readers)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from iqlib.presentation.text import number

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT = 'font-family="DejaVu Sans, Arial, sans-serif" font-size="12"'


def nice_max(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k) at or above
    ``value``: an axis end."""
    if value <= 0:
        return 1.0
    power = 10 ** (len(str(int(value))) - 1) if value >= 1 else 0.1
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def nice_ticks(value: float, most: int = 6) -> tuple[float, int, int]:
    """An axis from 0 to at least ``value`` in at most ``most`` round steps (1, 2, 2.5 or
    5 × 10^k): (end, number of steps, decimals the tick labels need)."""
    if value <= 0 or value != value:
        return 1.0, 5, 1
    raw = value / most
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * (1 - 1e-12))
    steps = max(1, math.ceil(value / step - 1e-9))
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (1 if round(step / power, 6) == 2.5 and step < 10 else 0)
    return step * steps, steps, decimals


def grouped_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], top: float,
                 title: str, language: str, missing_note: str) -> str:
    """Horizontal grouped bars: one row per label, one bar per series (a legend on top).
    A missing value is drawn as a hatched stub with ``missing_note``; the axis runs from 0
    to at least ``top`` and to the largest value if that is larger."""
    values = [v for _, vs in series for v in vs if v is not None and v == v]     # NaN is missing too
    end = nice_max(max([top, *values]) if values else top)
    left = int(12 + 7.4 * max((len(lbl) for lbl in labels), default=10))
    width, bar, gap = 380, 9, 8
    row = bar * len(series) + gap
    legend = 22
    height = legend + 10 + row * len(labels) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {left + width + 70} {height}" '
             f'width="{left + width + 70}" height="{height}" {FONT}><title>{escape(title)}</title>',
             '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
             '<rect width="2" height="4" fill="#999"/></pattern></defs>']
    x = 0
    for k, (name, _) in enumerate(series):
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{PALETTE[k % len(PALETTE)]}"/>'
                     f'<text x="{x + 16}" y="14">{escape(name)}</text>')
        x += 30 + 7 * len(name)
    y0 = legend + 10
    for i, label in enumerate(labels):
        y = y0 + i * row
        parts.append(f'<text x="{left - 6}" y="{y + row / 2}" text-anchor="end" dominant-baseline="middle">'
                     f'{escape(label)}</text>')
        for k, (_, vs) in enumerate(series):
            v = vs[i]
            yy = y + k * bar
            if v is None or v != v:
                parts.append(f'<rect x="{left}" y="{yy}" width="18" height="{bar - 1}" fill="url(#hatch)"/>'
                             f'<text x="{left + 22}" y="{yy + bar - 1}" font-size="9">{escape(missing_note)}</text>')
                continue
            w = max(0.0, v) / end * width
            parts.append(f'<rect x="{left}" y="{yy}" width="{w:.1f}" height="{bar - 1}" '
                         f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(number(v, 2, language))}</title></rect>')
    axis_y = y0 + row * len(labels) + 4
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + width}" y2="{axis_y}" stroke="#555"/>')
    ticks = 6 if end in (1.2, 12, 120, 6, 60) else 4
    for t in range(ticks + 1):
        value = end * t / ticks
        tx = left + width * t / ticks
        parts.append(f'<line x1="{tx}" y1="{axis_y}" x2="{tx}" y2="{axis_y + 4}" stroke="#555"/>'
                     f'<text x="{tx}" y="{axis_y + 17}" text-anchor="middle">{escape(number(value, 1, language))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def rank_intervals(rows: Sequence[tuple[str, int | None, int | None, int | None]], title: str,
                   language: str = "ru") -> str:
    """One row per city (label, nominal rank, low, high), in the given order: a band from
    the low to the high percentile rank and a dot at the nominal rank (rank 1 on the left)."""
    n = max([r for _, nom, lo, hi in rows for r in (nom, lo, hi) if r is not None] or [1])
    left, width, step = 200, 420, 14
    height = 20 + step * len(rows) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {left + width + 30} {height}" '
             f'width="{left + width + 30}" height="{height}" {FONT}><title>{escape(title)}</title>']

    def x(rank: float) -> float:
        return left + (rank - 1) / max(n - 1, 1) * width

    for i, (label, nominal, low, high) in enumerate(rows):
        y = 14 + i * step
        parts.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" font-size="11">{escape(label)}</text>')
        if low is not None and high is not None:
            parts.append(f'<line x1="{x(low):.1f}" y1="{y}" x2="{x(high):.1f}" y2="{y}" stroke="{PALETTE[4]}" '
                         f'stroke-width="6" stroke-linecap="round"/>')
        if nominal is not None:
            parts.append(f'<circle cx="{x(nominal):.1f}" cy="{y}" r="3.5" fill="{PALETTE[5]}"><title>'
                         f'{escape(str(nominal))}</title></circle>')
    axis_y = 14 + step * len(rows)
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + width}" y2="{axis_y}" stroke="#555"/>')
    for r in sorted({1, *range(5, n + 1, 5), n}):
        parts.append(f'<text x="{x(r):.1f}" y="{axis_y + 16}" text-anchor="middle" font-size="11">{r}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sobol_bars(rows: Sequence[tuple[str, float, float, float, float, float, float]], title: str,
               labels: tuple[str, str], language: str = "ru") -> str:
    """Per input: S_i and ST_i as bars with their confidence intervals as whiskers. The
    axis spans the estimates and intervals (they can leave 0–1 at small N) and always 0–1."""
    lows = [min(r[1], r[2], r[4], r[5]) for r in rows] or [0.0]
    highs = [max(r[1], r[3], r[4], r[6]) for r in rows] or [1.0]
    lo, hi = min(0.0, *lows), max(1.0, *highs)
    left, width, bar = 200, 400, 10
    row = 2 * bar + 10
    height = 30 + row * len(rows) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {left + width + 30} {height}" '
             f'width="{left + width + 30}" height="{height}" {FONT}><title>{escape(title)}</title>']

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * width

    for k, name in enumerate(labels):
        parts.append(f'<rect x="{k * 90}" y="4" width="12" height="12" fill="{PALETTE[k]}"/>'
                     f'<text x="{k * 90 + 16}" y="14">{escape(name)}</text>')
    for i, (name, s, s_lo, s_hi, st, st_lo, st_hi) in enumerate(rows):
        y = 30 + i * row
        parts.append(f'<text x="{left - 6}" y="{y + bar + 2}" text-anchor="end" font-size="11">{escape(name)}</text>')
        for k, (v, a, b) in enumerate(((s, s_lo, s_hi), (st, st_lo, st_hi))):
            yy = y + k * bar
            x0, x1 = sorted((x(0.0), x(v)))
            parts.append(f'<rect x="{x0:.1f}" y="{yy}" width="{x1 - x0:.1f}" height="{bar - 2}" fill="{PALETTE[k]}">'
                         f'<title>{escape(number(v, 3, language))} [{escape(number(a, 3, language))}; '
                         f'{escape(number(b, 3, language))}]</title></rect>'
                         f'<line x1="{x(a):.1f}" y1="{yy + (bar - 2) / 2}" x2="{x(b):.1f}" y2="{yy + (bar - 2) / 2}" '
                         f'stroke="#222"/>')
    axis_y = 30 + row * len(rows)
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + width}" y2="{axis_y}" stroke="#555"/>')
    ticks = sorted({0.0, 0.5, 1.0, round(lo, 1), round(hi, 1)})
    for t in ticks:
        parts.append(f'<text x="{x(t):.1f}" y="{axis_y + 16}" text-anchor="middle" font-size="11">'
                     f'{escape(number(t, 1, language))}</text>')
    parts.append(f'<line x1="{x(0):.1f}" y1="26" x2="{x(0):.1f}" y2="{axis_y}" stroke="#999" stroke-dasharray="3,3"/>')
    parts.append("</svg>")
    return "".join(parts)


UP, DOWN, SAME = "#00734a", "#b00020", "#9a9a9a"


def rank_slopes(rows: Sequence[tuple[str, int, int]], sides: tuple[str, str], title: str) -> str:
    """A slope chart of ranks in two runs: one line per city (label, rank in A, rank in B)
    from its place on the left to its place on the right, green when it rises, red when it
    falls, grey when it keeps its place; rank 1 at the top, every city named on both sides."""
    n = max([r for _, a, b in rows for r in (a, b)] or [1])
    step, top = 13, 34
    # the longest label as drawn ('93. ' and a long Cyrillic name): DejaVu Sans at 11 px is
    # at most about 7.4 px a character (Cyrillic capitals), so no name is ever cut
    name = max((len(f"{max(a, b)}. {label}") for label, a, b in rows), default=8)
    left, gap = int(12 + 7.4 * name), 220
    width, height = left * 2 + gap, top + step * n + 12
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" {FONT}><title>{escape(title)}</title>',
             f'<text x="{left}" y="16" text-anchor="end" font-weight="bold">{escape(sides[0])}</text>'
             f'<text x="{left + gap}" y="16" font-weight="bold">{escape(sides[1])}</text>']

    def y(rank: int) -> float:
        return top + (rank - 1) * step

    for label, a, b in sorted(rows, key=lambda r: (r[1] == r[2], r[1])):   # movers drawn last, on top
        colour = UP if b < a else DOWN if b > a else SAME
        tip = f"{label}: {a} → {b}"
        parts.append(f'<g><title>{escape(tip)}</title>'
                     f'<line x1="{left + 4}" y1="{y(a)}" x2="{left + gap - 4}" y2="{y(b)}" stroke="{colour}" '
                     f'stroke-width="{1.8 if a != b else 1}"/>'
                     f'<text x="{left}" y="{y(a) + 4}" text-anchor="end" font-size="11">{escape(f"{a}. {label}")}</text>'
                     f'<text x="{left + gap}" y="{y(b) + 4}" font-size="11" fill="{colour if a != b else "#1b1b1b"}">'
                     f'{escape(f"{b}. {label}")}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def scatter(points: Sequence[tuple[str, float, float, int]], series: Sequence[str], axes: tuple[str, str],
            title: str, language: str = "ru") -> str:
    """Scores in run A (x) against run B (y), one dot per city coloured by its series (its
    group), the diagonal y = x dashed: a dot above the diagonal scores higher in B. Both
    axes span the same range, from 0 (or the lowest score) to the highest."""
    values = [v for _, x, y, _ in points for v in (x, y)]
    lo = min(0.0, *values) if values else 0.0
    hi = nice_max(max(values)) if values else 1.0
    size, left, top, legend = 420, 56, 16 + 18 * len(series), 18
    width, height = left + size + 20, top + size + 48

    def px(v: float) -> float:
        return left + (v - lo) / (hi - lo) * size

    def py(v: float) -> float:
        return top + size - (v - lo) / (hi - lo) * size

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" {FONT}><title>{escape(title)}</title>']
    for k, name in enumerate(series):
        parts.append(f'<circle cx="{left + 6}" cy="{8 + legend * k}" r="5" fill="{PALETTE[k % len(PALETTE)]}"/>'
                     f'<text x="{left + 16}" y="{12 + legend * k}">{escape(name)}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#555"/>'
                 f'<line x1="{px(lo):.1f}" y1="{py(lo):.1f}" x2="{px(hi):.1f}" y2="{py(hi):.1f}" stroke="#999" '
                 f'stroke-dasharray="4,3"/>')
    for t in range(5):
        v = lo + (hi - lo) * t / 4
        parts.append(f'<text x="{px(v):.1f}" y="{top + size + 16}" text-anchor="middle" font-size="11">'
                     f'{escape(number(v, 0, language))}</text>'
                     f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end" font-size="11">'
                     f'{escape(number(v, 0, language))}</text>')
    parts.append(f'<text x="{left + size / 2}" y="{top + size + 38}" text-anchor="middle">{escape(axes[0])}</text>'
                 f'<text x="14" y="{top + size / 2}" text-anchor="middle" transform="rotate(-90 14 {top + size / 2})">'
                 f'{escape(axes[1])}</text>')
    for label, x, y, k in points:
        parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.2" fill="{PALETTE[k % len(PALETTE)]}" '
                     f'fill-opacity="0.8"><title>{escape(label)}: {escape(number(x, 2, language))} → '
                     f'{escape(number(y, 2, language))}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def lines(series: Sequence[tuple[str, Sequence[int], Sequence[float | None]]], title: str, axis: str,
          missing_note: str, language: str, target: tuple[str, int, float] | None = None) -> str:
    """Values by year, one line per series (label, years, values): a missing value is a
    gap, never joined across and never drawn as 0, and the legend names the years a line
    has no value (missing_note: 2022, 2023); ``target``: (label, year, value) drawn as a
    diamond. The value axis runs from 0 to a round number at or above every value and the
    target; every point carries its value as a tooltip (decimal comma in Russian)."""
    drawn = [(name, [(int(x), float(v)) for x, v in zip(xs, vs) if v is not None and v == v]) for name, xs, vs in series]
    data_years = sorted({int(x) for _, xs, _ in series for x in xs})
    years = sorted(set(data_years) | ({int(target[1])} if target else set()))
    values = [v for _, points in drawn for _, v in points] + ([float(target[2])] if target else [])
    end, ticks, decimals = nice_ticks(max(values) if values else 1.0)
    entries = []
    for name, points in drawn:
        gaps = [str(y) for y in data_years if y not in {x for x, _ in points}]
        entries.append(f"{name} ({missing_note}: {', '.join(gaps)})" if gaps else name)
    if target:
        entries.append(target[0])
    left, plot_w, plot_h, step = 64, 640, 280, 18
    legend = 8 + step * len(entries)
    width = max(left + plot_w + 30, 40 + int(7.4 * max((len(e) for e in entries), default=0)))
    top = legend + 14
    height = top + plot_h + 40
    first, last = (years[0], years[-1]) if years else (0, 1)

    def px(year: float) -> float:
        return left + 20 + (year - first) / max(last - first, 1) * (plot_w - 40)

    def py(v: float) -> float:
        return top + plot_h - v / end * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" {FONT}><title>{escape(title)}</title>']
    def stroke(k: int) -> tuple[float, float]:
        """Line width and dot radius of line ``k``: the first lines wider, so a line drawn
        over another with the same values leaves it visible on both sides."""
        return max(2.0, 6.0 - 1.5 * k), max(3.0, 5.0 - k)

    for k, entry in enumerate(entries):
        colour = PALETTE[k % len(PALETTE)]
        y = 4 + step * k
        line, dot = stroke(k)
        mark = (f'<path d="M 7 {y} l 6 6 l -6 6 l -6 -6 z" fill="{colour}"/>' if target and k == len(entries) - 1 else
                f'<line x1="0" y1="{y + 6}" x2="14" y2="{y + 6}" stroke="{colour}" stroke-width="{line}"/>'
                f'<circle cx="7" cy="{y + 6}" r="{dot}" fill="{colour}"/>')
        parts.append(f'{mark}<text x="20" y="{y + 10}">{escape(entry)}</text>')
    for t in range(ticks + 1):
        v = end * t / ticks
        parts.append(f'<line x1="{left}" y1="{py(v):.1f}" x2="{left + plot_w}" y2="{py(v):.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end" font-size="11">'
                     f'{escape(number(v, decimals, language))}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>'
                 f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>'
                 f'<text x="14" y="{top + plot_h / 2}" text-anchor="middle" transform="rotate(-90 14 {top + plot_h / 2})">'
                 f'{escape(axis)}</text>')
    for year in years:
        parts.append(f'<text x="{px(year):.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="11">{year}</text>')
    for k, (name, points) in enumerate(drawn):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[tuple[int, float]]] = []
        for year, v in points:                      # a line runs over consecutive years only: a gap stays a gap
            if runs and years.index(year) == years.index(runs[-1][-1][0]) + 1:
                runs[-1].append((year, v))
            else:
                runs.append([(year, v)])
        line, dot = stroke(k)
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="{line}"/>')
        for year, v in points:
            parts.append(f'<circle cx="{px(year):.1f}" cy="{py(v):.1f}" r="{dot}" fill="{colour}"><title>'
                         f'{escape(name)}, {year}: {escape(number(v, 2, language))}</title></circle>')
    if target:
        label, year, value = target
        colour = PALETTE[(len(entries) - 1) % len(PALETTE)]
        tx, ty = px(year), py(float(value))
        parts.append(f'<path d="M {tx:.1f} {ty - 7:.1f} l 7 7 l -7 7 l -7 -7 z" fill="{colour}"><title>{escape(label)}: '
                     f'{escape(number(float(value), 2, language))}</title></path>')
    parts.append("</svg>")
    return "".join(parts)
