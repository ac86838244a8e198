"""The home page's national trend chart: the average IQ of all cities by year, this
calculation beside the official figures, as inline SVG in the site's chart convention.

``svg.lines`` draws the same numbers for the series page at 734 units wide; shown on a
390 px phone its words would shrink to about 5 px. This chart is laid out on a 420-unit
viewBox with 14-unit text, so that shown 358 px wide (a phone) its words stay above
11 px, and it draws lines that share values (the official and the computed average,
calibrated to each other) so that neither hides the other: the first line wide and
pale, the next ones narrow on top, each with its own marker shape."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from iqlib.presentation.svg import PALETTE, consecutive_runs, nice_ticks
from iqlib.presentation.text import number

WIDTH, LEFT, RIGHT, PLOT_H, STEP, SIZE = 420, 46, 16, 190, 20, 14


def national_trend(series: Sequence[tuple[str, Sequence[int], Sequence[float | None]]], title: str,
                   language: str) -> str:
    """Values by year, one line per series (label, years, values; ``None`` is a gap, never
    joined across and never drawn as 0). The first series is drawn wide and pale with
    square markers, the others narrow on top (dots, then diamonds); each year's value is
    written once above its point: the last series' value that year, else the first
    available. Axis from 0 to a round number at or above every value."""
    drawn = [(name, [(int(x), float(v)) for x, v in zip(xs, vs) if v is not None and v == v]) for name, xs, vs in series]
    years = sorted({x for _, points in drawn for x, _ in points})
    values = [v for _, points in drawn for _, v in points]
    end, ticks, decimals = nice_ticks(max(values) if values else 1.0, 5)
    top = 8 + STEP * len(drawn) + 14
    height = top + PLOT_H + 30
    first, last = (years[0], years[-1]) if years else (0, 1)

    def px(year: float) -> float:
        return LEFT + 30 + (year - first) / max(last - first, 1) * (WIDTH - LEFT - RIGHT - 60)   # labels clear the axis

    def py(v: float) -> float:
        return top + PLOT_H - v / end * PLOT_H

    def marker(k: int, x: float, y: float, colour: str, tip: str = "") -> str:
        tip = f"<title>{escape(tip)}</title>" if tip else ""
        if k == 0:
            return f'<rect x="{x - 5.5:.1f}" y="{y - 5.5:.1f}" width="11" height="11" fill="{colour}">{tip}</rect>'
        if k == 1:
            return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip}</circle>'
        return f'<path d="M {x:.1f} {y - 5.5:.1f} l 5.5 5.5 l -5.5 5.5 l -5.5 -5.5 z" fill="{colour}">{tip}</path>'

    def colour(k: int) -> str:
        return PALETTE[[1, 0, 2, 3, 5][k % 5]]        # official orange under, this calculation blue on top

    def style(k: int) -> str:
        return 'stroke-width="8" stroke-opacity="0.55"' if k == 0 else 'stroke-width="2.5"'

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart home-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="{WIDTH}" height="{height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="{SIZE}">'
             f'<title>{escape(title)}</title>']
    for k, (name, _) in enumerate(drawn):
        y = 8 + STEP * k
        parts.append(f'<line x1="0" y1="{y + 7}" x2="22" y2="{y + 7}" stroke="{colour(k)}" {style(k)}/>'
                     f'{marker(k, 11, y + 7, colour(k))}'
                     f'<text x="30" y="{y + 12}">{escape(name)}</text>')
    for t in range(ticks + 1):
        v = end * t / ticks
        parts.append(f'<line x1="{LEFT}" y1="{py(v):.1f}" x2="{WIDTH - RIGHT}" y2="{py(v):.1f}" stroke="#e3e3e3"/>'
                     f'<text x="{LEFT - 6}" y="{py(v) + 4.5:.1f}" text-anchor="end">{escape(number(v, decimals, language))}</text>')
    parts.append(f'<line x1="{LEFT}" y1="{top + PLOT_H}" x2="{WIDTH - RIGHT}" y2="{top + PLOT_H}" stroke="#555"/>')
    for year in years:
        parts.append(f'<text x="{px(year):.1f}" y="{top + PLOT_H + 20}" text-anchor="middle">{year}</text>')
    for k, (name, points) in enumerate(drawn):
        for run in consecutive_runs(points, years):
            if len(run) > 1:
                path = " ".join(f"{px(x):.1f},{py(v):.1f}" for x, v in run)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour(k)}" {style(k)} stroke-linejoin="round"/>')
        for year, v in points:
            parts.append(marker(k, px(year), py(v), colour(k), f"{name}, {year}: {number(v, 2, language)}"))
    for year in years:                              # one value label per year, above the highest point
        shown = [v for _, points in drawn for x, v in points if x == year]
        label = next(v for _, points in reversed(drawn) for x, v in points if x == year)
        parts.append(f'<text x="{px(year):.1f}" y="{py(max(shown)) - 10:.1f}" text-anchor="middle" '
                     f'font-weight="bold">{escape(number(label, 2, language))}</text>')
    parts.append("</svg>")
    return "".join(parts)
