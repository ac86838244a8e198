"""Small inline SVG charts for the site's pages: drawn from the numbers directly (no
plotting library, so hundreds of city pages build in seconds), sized to their content,
every text escaped, axes from the data (never clipped), missing values marked, colours
from the Okabe–Ito palette (safe for colour-blind readers).

Sized for phones first: every text is ``FONT_SIZE`` px in a viewBox at most ``FIT`` px
wide, so a chart shrunk to a phone's ``PHONE`` px still shows its words at ``MIN_TEXT`` px
or more; a chart that cannot be that narrow (a slope chart with long names on both sides)
carries a ``min-width`` that keeps its text at ``MIN_TEXT`` px and scrolls in its box.
On a large screen a chart grows to at most ``GROW`` times its drawn size (text ≤ 16 px).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from iqlib.presentation.text import number

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
FONT_SIZE = 12            # px in the viewBox: the one text size of every chart
PHONE = 358               # px: a chart's width on a 390 px phone (the page's padding aside)
MIN_TEXT = 11             # px: the smallest text a reader gets
FIT = int(PHONE * FONT_SIZE / MIN_TEXT)    # 390: the widest viewBox whose text stays ≥ MIN_TEXT px on a phone
WIDTH = 380               # the viewBox width of the charts drawn to fit a phone
GROW = 1.3                # a chart is shown at most this many times its drawn size
CHAR = 0.64               # DejaVu Sans: a character's width in em, at most (Cyrillic lowercase 0.61, digits 0.61)
LINE = 15                 # px between two lines of text
HALO = 'stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'    # legible over a line
FONT = f'font-family="DejaVu Sans, Arial, sans-serif" font-size="{FONT_SIZE}"'


def text_width(text: str) -> float:
    """The width of ``text`` drawn at ``FONT_SIZE`` (an estimate from above, for layout)."""
    return len(text) * CHAR * FONT_SIZE


def wrap(text: str, width: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (broken at spaces; a word wider than the
    line stays whole on its own line)."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def open_svg(width: float, height: float, title: str) -> str:
    """The root of a chart: its viewBox, the one font, role img and its accessible name
    (``<title>``); shown at most ``GROW`` times its size, and never narrower than keeps
    its text at ``MIN_TEXT`` px (only a chart wider than ``FIT`` needs that)."""
    width, height = math.ceil(width), math.ceil(height)
    style = f"max-width:{math.ceil(width * GROW)}px"
    if width > FIT:
        style += f";min-width:{math.ceil(width * MIN_TEXT / FONT_SIZE)}px"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" style="{style}" {FONT}><title>{escape(title)}</title>')


def spread(positions: Sequence[float], gap: float, low: float = -math.inf, high: float = math.inf) -> list[float]:
    """Label positions (in the order given) moved apart so that any two are at least
    ``gap`` apart: labels that would meet form a block centred on where they want to be
    (each keeps its order), within [``low``, ``high``] when the range holds the block.
    End labels of lines that meet."""
    order = sorted(range(len(positions)), key=lambda i: (positions[i], i))
    blocks: list[tuple[float, list[int]]] = []          # (position of the block's first label, its labels)

    def place(members: list[int]) -> float:
        start = sum(positions[m] - gap * k for k, m in enumerate(members)) / len(members)
        return max(min(start, high - gap * (len(members) - 1)), low)

    for i in order:
        blocks.append((place([i]), [i]))
        while len(blocks) > 1 and blocks[-2][0] + gap * len(blocks[-2][1]) > blocks[-1][0] + 1e-9:
            members = blocks[-2][1] + blocks[-1][1]
            blocks[-2:] = [(place(members), members)]
    out = [0.0] * len(positions)
    for start, members in blocks:
        for k, m in enumerate(members):
            out[m] = start + gap * k
    return out


def axis_labels(ticks: Sequence[tuple[float, str]], first: Sequence[int] = ()) -> list[tuple[float, str]]:
    """Tick labels (position, text) that do not overlap: those of index ``first`` are kept
    first (the axis ends), then the others in order, each only if it keeps clear of every
    label kept (half of both widths and 6 px apart). Sorted by position."""
    kept: list[tuple[float, str]] = []
    for i in [*first, *(i for i in range(len(ticks)) if i not in first)]:
        x, label = ticks[i]
        if all(abs(x - y) >= (text_width(label) + text_width(other)) / 2 + 6 for y, other in kept):
            kept.append((x, label))
    return sorted(kept)


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


def rank_ticks(n: int, width: float) -> list[int]:
    """Ranks to label on an axis from 1 to ``n`` drawn ``width`` px wide: 1, the multiples
    of the smallest round step (1, 2, 5, 10, 20, 25, 50, …) at least 36 px apart, and ``n``
    (a multiple too close to ``n`` gives way to it: never '9093')."""
    if n <= 1:
        return [1]
    per = width / (n - 1)
    step = next(m * 10 ** k for k in range(0, 7) for m in (1, 2, 5, 10, 20, 25, 50) if m * 10 ** k * per >= 36)
    ticks = [(1.0, "1"), (float(n), str(n))] + [(float(r), str(r)) for r in range(step, n, step)]
    return [int(label) for _, label in axis_labels([(x * per, t) for x, t in ticks], first=(0, 1))]


def legend(entries: Sequence[tuple[str, str]], width: float, y: float = 0) -> tuple[list[str], float]:
    """Swatches and names (colour, name) flowing in rows across ``width`` from ``y`` (a
    name too long for a row wrapped on rows of its own): the SVG parts and the height
    they take."""
    parts, x, row = [], 0.0, 0
    for colour, name in entries:
        lines = wrap(name, width - 18)
        w = 18 + max(text_width(line) for line in lines) + 12
        if x > 0 and (x + w > width or len(lines) > 1):
            x, row = 0.0, row + 1
        top = y + row * LINE
        parts.append(f'<rect x="{x:.0f}" y="{top + 2:.0f}" width="12" height="12" fill="{colour}"/>')
        parts += [f'<text x="{x + 16:.0f}" y="{top + 12 + k * LINE:.0f}">{escape(line)}</text>' for k, line in enumerate(lines)]
        row += len(lines) - 1
        x = width if len(lines) > 1 else x + w
    return parts, (row + 1) * LINE + 4 if entries else 0


HATCH = ('<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
         '<rect width="2" height="4" fill="#999"/></pattern></defs>')


def grouped_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], top: float,
                 title: str, language: str, missing_note: str) -> str:
    """Horizontal grouped bars: per label its name (wrapped, above), then one bar per
    series with its value at the end (a legend on top). A missing value is drawn as a
    hatched stub with ``missing_note``; the axis runs from 0 to at least ``top`` and to the
    largest value if that is larger. Drawn ``WIDTH`` px wide: it fits a phone."""
    values = [v for _, vs in series for v in vs if v is not None and v == v]     # NaN is missing too
    end = nice_max(max([top, *values]) if values else top)
    x0, value_room = 14, 46
    plot = WIDTH - x0 - value_room
    bar, gap = 11, 10
    parts, y = legend([(PALETTE[k % len(PALETTE)], name) for k, (name, _) in enumerate(series)], WIDTH)
    y += 8
    body = []
    for i, label in enumerate(labels):
        for line in wrap(label, WIDTH):
            y += LINE
            body.append(f'<text x="0" y="{y - 3}">{escape(line)}</text>')
        y += 2
        for k, (_, vs) in enumerate(series):
            v = vs[i]
            if v is None or v != v:
                body.append(f'<rect x="{x0}" y="{y}" width="18" height="{bar}" fill="url(#hatch)"/>'
                            f'<text x="{x0 + 22}" y="{y + bar - 1}">{escape(missing_note)}</text>')
            else:
                w = max(0.0, v) / end * plot
                shown = escape(number(v, 2, language))
                body.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{bar}" fill="{PALETTE[k % len(PALETTE)]}">'
                            f'<title>{escape(series[k][0])}: {shown}</title></rect>'
                            f'<text x="{x0 + w + 3:.1f}" y="{y + bar - 1}">{shown}</text>')
            y += bar + 1
        y += gap
    axis_y = y
    ticks = 6 if end in (1.2, 12, 120, 6, 60) else 4
    marks = axis_labels([(x0 + plot * t / ticks, number(end * t / ticks, 1, language)) for t in range(ticks + 1)],
                        first=(0, ticks))
    body.append(f'<line x1="{x0}" y1="{axis_y}" x2="{x0 + plot}" y2="{axis_y}" stroke="#555"/>')
    for t in range(ticks + 1):
        tx = x0 + plot * t / ticks
        body.append(f'<line x1="{tx:.1f}" y1="{axis_y}" x2="{tx:.1f}" y2="{axis_y + 4}" stroke="#555"/>')
    body += [f'<text x="{tx:.1f}" y="{axis_y + 17}" text-anchor="middle">{escape(t)}</text>' for tx, t in marks]
    return open_svg(WIDTH, axis_y + 22, title) + HATCH + "".join(parts + body) + "</svg>"


def rank_intervals(rows: Sequence[tuple[str, int | None, int | None, int | None]], title: str,
                   language: str = "ru") -> str:
    """One row per city (label, nominal rank, low, high), in the given order: a band from
    the low to the high percentile rank and a dot at the nominal rank (rank 1 on the left).
    The names take what they need (at most 60 % of the width); the axis labels 1, round
    ranks and the last rank, never two on top of each other."""
    n = max([r for _, nom, lo, hi in rows for r in (nom, lo, hi) if r is not None] or [1])
    left = min(max((text_width(label) for label, *_ in rows), default=40) + 8, WIDTH * 0.6)
    width = max(WIDTH, left + 150)
    plot = width - left - 16
    step = 17
    height = 10 + step * len(rows) + 30

    def x(rank: float) -> float:
        return left + (rank - 1) / max(n - 1, 1) * plot

    parts = [open_svg(width, height, title)]
    for i, (label, nominal, low, high) in enumerate(rows):
        y = 12 + i * step
        parts.append(f'<text x="{left - 6:.0f}" y="{y + 4}" text-anchor="end">{escape(label)}</text>')
        if low is not None and high is not None:
            parts.append(f'<line x1="{x(low):.1f}" y1="{y}" x2="{x(high):.1f}" y2="{y}" stroke="{PALETTE[4]}" '
                         f'stroke-width="7" stroke-linecap="round"><title>{escape(label)}: {low}–{high}</title></line>')
        if nominal is not None:
            parts.append(f'<circle cx="{x(nominal):.1f}" cy="{y}" r="3.5" fill="{PALETTE[5]}"><title>'
                         f'{escape(label)}: {nominal}</title></circle>')
    axis_y = 4 + step * len(rows)
    parts.append(f'<line x1="{left:.0f}" y1="{axis_y}" x2="{left + plot:.0f}" y2="{axis_y}" stroke="#555"/>')
    for r in rank_ticks(n, plot):
        parts.append(f'<line x1="{x(r):.1f}" y1="{axis_y}" x2="{x(r):.1f}" y2="{axis_y + 4}" stroke="#555"/>'
                     f'<text x="{x(r):.1f}" y="{axis_y + 18}" text-anchor="middle">{r}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sobol_bars(rows: Sequence[tuple[str, float, float, float, float, float, float]], title: str,
               labels: tuple[str, str], language: str = "ru") -> str:
    """Per input: its name (above), S_i and ST_i as bars with their confidence intervals as
    whiskers. The axis spans the estimates and intervals (they can leave 0–1 at small N)
    and always 0–1."""
    lows = [min(r[1], r[2], r[4], r[5]) for r in rows] or [0.0]
    highs = [max(r[1], r[3], r[4], r[6]) for r in rows] or [1.0]
    lo, hi = min(0.0, *lows), max(1.0, *highs)
    left, plot, bar = 14, WIDTH - 34, 10

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot

    parts, y = legend([(PALETTE[k], name) for k, name in enumerate(labels)], WIDTH)
    top = y + 4
    for name, s, s_lo, s_hi, st, st_lo, st_hi in rows:
        for line in wrap(name, WIDTH):
            y += LINE
            parts.append(f'<text x="0" y="{y - 3}">{escape(line)}</text>')
        y += 2
        for k, (v, a, b) in enumerate(((s, s_lo, s_hi), (st, st_lo, st_hi))):
            x0, x1 = sorted((x(0.0), x(v)))
            parts.append(f'<rect x="{x0:.1f}" y="{y}" width="{x1 - x0:.1f}" height="{bar}" fill="{PALETTE[k]}">'
                         f'<title>{escape(labels[k])}: {escape(number(v, 3, language))} [{escape(number(a, 3, language))}; '
                         f'{escape(number(b, 3, language))}]</title></rect>'
                         f'<line x1="{x(a):.1f}" y1="{y + bar / 2}" x2="{x(b):.1f}" y2="{y + bar / 2}" stroke="#222"/>')
            y += bar + 1
        y += 8
    axis_y = y
    parts.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot}" y2="{axis_y}" stroke="#555"/>')
    ticks = [0.0, 1.0, *sorted({round(lo, 1), round(hi, 1)} - {0.0, 1.0}), 0.5]     # 0 and 1 first, then the ends
    for tx, t in axis_labels([(x(t), number(t, 1, language)) for t in ticks], first=(0, 1)):
        parts.append(f'<text x="{tx:.1f}" y="{axis_y + 16}" text-anchor="middle">{escape(t)}</text>')
    parts.append(f'<line x1="{x(0):.1f}" y1="{top}" x2="{x(0):.1f}" y2="{axis_y}" stroke="#999" stroke-dasharray="3,3"/>')
    return open_svg(WIDTH, axis_y + 22, title) + "".join(parts) + "</svg>"


UP, DOWN, SAME = "#00734a", "#b00020", "#9a9a9a"


def rank_slopes(rows: Sequence[tuple[str, int, int]], sides: tuple[str, str], title: str) -> str:
    """A slope chart of ranks in two runs: one line per city (label, rank in A, rank in B)
    from its place on the left to its place on the right, green when it rises, red when it
    falls, grey when it keeps its place; rank 1 at the top, every city named on both sides
    (never cut: a chart whose names need more than a phone's width scrolls in its box)."""
    n = max([r for _, a, b in rows for r in (a, b)] or [1])
    step, top = 15, 34
    name = max((text_width(f"{max(a, b)}. {label}") for label, a, b in rows), default=60)
    left, gap = math.ceil(8 + name), 90
    width, height = left * 2 + gap, top + step * n + 12
    parts = [open_svg(width, height, title),
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
                     f'<text x="{left}" y="{y(a) + 4}" text-anchor="end">{escape(f"{a}. {label}")}</text>'
                     f'<text x="{left + gap}" y="{y(b) + 4}" fill="{colour if a != b else "#1b1b1b"}">'
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
    left, size = 46, WIDTH - 46 - 22
    parts, top = legend([(PALETTE[k % len(PALETTE)], name) for k, name in enumerate(series)], WIDTH)
    top += 10
    height = top + size + 44

    def px(v: float) -> float:
        return left + (v - lo) / (hi - lo) * size

    def py(v: float) -> float:
        return top + size - (v - lo) / (hi - lo) * size

    parts.append(f'<rect x="{left}" y="{top}" width="{size}" height="{size}" fill="none" stroke="#555"/>'
                 f'<line x1="{px(lo):.1f}" y1="{py(lo):.1f}" x2="{px(hi):.1f}" y2="{py(hi):.1f}" stroke="#999" '
                 f'stroke-dasharray="4,3"/>')
    for t in range(5):
        v = lo + (hi - lo) * t / 4
        parts.append(f'<text x="{px(v):.1f}" y="{top + size + 16}" text-anchor="middle">{escape(number(v, 0, language))}</text>'
                     f'<text x="{left - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{escape(number(v, 0, language))}</text>')
    parts.append(f'<text x="{left + size / 2}" y="{top + size + 36}" text-anchor="middle">{escape(axes[0])}</text>'
                 f'<text x="12" y="{top + size / 2}" text-anchor="middle" transform="rotate(-90 12 {top + size / 2})">'
                 f'{escape(axes[1])}</text>')
    for label, x, y, k in points:
        parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.2" fill="{PALETTE[k % len(PALETTE)]}" '
                     f'fill-opacity="0.8"><title>{escape(label)}: {escape(number(x, 2, language))} → '
                     f'{escape(number(y, 2, language))}</title></circle>')
    return open_svg(WIDTH, height, title) + "".join(parts) + "</svg>"


def consecutive_runs(points: Sequence[tuple[int, float]], years: Sequence[int]) -> list[list[tuple[int, float]]]:
    """The (year, value) points split where a year of ``years`` has no point: a line runs
    over consecutive years only, so a gap stays a gap and is never joined."""
    runs: list[list[tuple[int, float]]] = []
    for year, v in points:
        if runs and years.index(year) == years.index(runs[-1][-1][0]) + 1:
            runs[-1].append((year, v))
        else:
            runs.append([(year, v)])
    return runs


def lines(series: Sequence[tuple[str, Sequence[int], Sequence[float | None]]], title: str, axis: str,
          missing_note: str, language: str, target: tuple[str, int, float] | None = None,
          official: int | None = None) -> str:
    """Values by year, one line per series (label, years, values): a missing value is a
    gap, never joined across and never drawn as 0, and the legend names the years a line
    has no value (missing_note: 2022, 2023); ``target``: (label, year, value) drawn as a
    diamond. The value axis runs from 0 to a round number at or above every value and the
    target; every point carries its value as a tooltip (decimal comma in Russian), and the
    last point of each line (and the target) its value as a label, labels that would meet
    moved apart by at least a line of text. Series ``official`` (the published figures) is
    drawn last, on top of any line it shares values with, dashed and with square marks."""
    drawn = [(name, [(int(x), float(v)) for x, v in zip(xs, vs) if v is not None and v == v]) for name, xs, vs in series]
    data_years = sorted({int(x) for _, xs, _ in series for x in xs})
    years = sorted(set(data_years) | ({int(target[1])} if target else set()))
    values = [v for _, points in drawn for _, v in points] + ([float(target[2])] if target else [])
    end, ticks, decimals = nice_ticks(max(values) if values else 1.0, 5)
    entries = []
    for name, points in drawn:
        gaps = [str(y) for y in data_years if y not in {x for x, _ in points}]
        entries.append(f"{name} ({missing_note}: {', '.join(gaps)})" if gaps else name)
    if target:
        entries.append(target[0])
    first, last = (years[0], years[-1]) if years else (0, 1)
    left, right, plot_h = 40, 56, 210
    plot_w = WIDTH - left - right

    def px(year: float) -> float:
        return left + 14 + (year - first) / max(last - first, 1) * (plot_w - 28)

    def colour(k: int) -> str:
        return PALETTE[k % len(PALETTE)]

    def dash(k: int) -> str:
        return ' stroke-dasharray="7,4"' if k == official else ""

    def mark(k: int, x: float, y: float, tip: str = "") -> str:
        inner = f"<title>{escape(tip)}</title>" if tip else ""
        if k == official:
            return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour(k)}" stroke="#fff">{inner}</rect>'
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour(k)}">{inner}</circle>'

    parts, y = [], 0
    for k, entry in enumerate(entries):
        top = y
        for line in wrap(entry, WIDTH - 26):
            parts.append(f'<text x="26" y="{y + 12}">{escape(line)}</text>')
            y += LINE
        if target and k == len(entries) - 1:
            parts.append(f'<path d="M 10 {top + 1} l 6 6 l -6 6 l -6 -6 z" fill="{colour(k)}"/>')
        else:
            parts.append(f'<line x1="0" y1="{top + 7}" x2="20" y2="{top + 7}" stroke="{colour(k)}" stroke-width="2.5"{dash(k)}/>'
                         + mark(k, 10, top + 7))
    top = y + 14

    def py(v: float) -> float:
        return top + plot_h - v / end * plot_h

    for t in range(ticks + 1):
        v = end * t / ticks
        parts.append(f'<line x1="{left}" y1="{py(v):.1f}" x2="{left + plot_w}" y2="{py(v):.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{left - 5}" y="{py(v) + 4:.1f}" text-anchor="end">{escape(number(v, decimals, language))}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#555"/>'
                 f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#555"/>'
                 f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" transform="rotate(-90 12 {top + plot_h / 2})">'
                 f'{escape(axis)}</text>')
    for xx, label in axis_labels([(px(year), str(year)) for year in years], first=(0, len(years) - 1) if years else ()):
        parts.append(f'<text x="{xx:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{label}</text>')
    ends: dict[float, list[tuple[float, str, str]]] = {}      # x → (y, value, colour) of the labels there
    order = [k for k in range(len(drawn)) if k != official] + ([official] if official is not None and official < len(drawn) else [])
    for k in order:
        name, points = drawn[k]
        for run in consecutive_runs(points, years):
            if len(run) > 1:
                path = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour(k)}" stroke-width="2.5"{dash(k)}/>')
        for year, v in points:
            parts.append(mark(k, px(year), py(v), f"{name}, {year}: {number(v, 2, language)}"))
        if points:
            year, v = points[-1]
            ends.setdefault(px(year), []).append((py(v), number(v, 2, language), colour(k)))
    if target:
        label, year, value = target
        k = len(entries) - 1
        tx, ty = px(year), py(float(value))
        parts.append(f'<path d="M {tx:.1f} {ty - 7:.1f} l 7 7 l -7 7 l -7 -7 z" fill="{colour(k)}"><title>{escape(label)}: '
                     f'{escape(number(float(value), 2, language))}</title></path>')
        ends.setdefault(tx, []).append((ty, number(float(value), 2, language), colour(k)))
    for x, labels in sorted(ends.items()):
        for (_, text, fill), ly in zip(labels, spread([y for y, _, _ in labels], LINE - 1, top + 4, top + plot_h)):
            parts.append(f'<text class="end" x="{x + 8:.1f}" y="{ly + 4:.1f}" fill="{fill}" {HALO}>{escape(text)}</text>')
    return open_svg(WIDTH, top + plot_h + 26, title) + "".join(parts) + "</svg>"


def bins(values: Sequence[float], most: int = 10) -> list[tuple[float, float, int]]:
    """A histogram of ``values`` (≥ 0) on round bins from 0: (from, to, how many), at most
    ``most`` bins of a round width (1, 2, 2.5 or 5 × 10^k) covering the largest value; a
    value on an edge counts in the bin it starts, the largest in the last bin."""
    clean = [float(v) for v in values if v == v]
    end, steps, _ = nice_ticks(max(clean) if clean else 1.0, most)
    width = end / steps
    counts = [0] * steps
    for v in clean:
        counts[min(max(int(math.floor(v / width + 1e-9)), 0), steps - 1)] += 1
    return [(round(i * width, 10), round((i + 1) * width, 10), c) for i, c in enumerate(counts)]


def histogram(values: Sequence[float], title: str, axis: str, language: str,
              marker: tuple[str, float] | None = None) -> str:
    """How the values spread (``bins``): a bar per bin with its count above it, the bins'
    edges on the axis (named ``axis``), and ``marker`` (label, value), e.g. the median,
    as a dashed line named above the plot. Drawn ``WIDTH`` px wide: it fits a phone."""
    table = bins(values)
    _, _, decimals = nice_ticks(table[-1][1] if table else 1.0, 10)
    left, plot_w, plot_h = 14, WIDTH - 30, 170
    top = LINE + 14 if marker else 10
    most = max((c for _, _, c in table), default=1) or 1
    end = table[-1][1] if table else 1.0

    def px(v: float) -> float:
        return left + v / end * plot_w

    parts, counts = [], []                          # the counts drawn last: over the marker's line
    base = top + plot_h
    for lo, hi, count in table:
        h = count / most * (plot_h - LINE)
        x0, x1 = px(lo), px(hi)
        span = f"{number(lo, decimals, language)}–{number(hi, decimals, language)}"
        parts.append(f'<rect x="{x0 + 1:.1f}" y="{base - h:.1f}" width="{x1 - x0 - 2:.1f}" height="{h:.1f}" '
                     f'fill="{PALETTE[0]}"><title>{escape(span)}: {count}</title></rect>')
        if count:
            counts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle" {HALO}>{count}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#555"/>')
    edges = [(px(lo), number(lo, decimals, language)) for lo, _, _ in table] + [(px(end), number(end, decimals, language))]
    for x, label in axis_labels(edges, first=(0, len(edges) - 1)):
        parts.append(f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 4}" stroke="#555"/>'
                     f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{base + 38}" text-anchor="middle">{escape(axis)}</text>')
    if marker:
        name, value = marker
        x = px(float(value))
        text = f"{name}: {number(float(value), 2, language)}"
        half = text_width(text) / 2
        tx = min(max(x, half + 1), WIDTH - half - 1)
        parts.append(f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{base}" stroke="{PALETTE[5]}" stroke-width="2" '
                     f'stroke-dasharray="5,3"/><text x="{tx:.1f}" y="{top - 6}" text-anchor="middle" '
                     f'fill="{PALETTE[5]}">{escape(text)}</text>')
    return open_svg(WIDTH, base + 46, title) + "".join(parts + counts) + "</svg>"
