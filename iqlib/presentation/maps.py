"""The home page's two maps as inline SVG: a tile-grid map of Russia's federal subjects (one
square cell per subject, placed roughly where it lies, as Russian newsrooms draw it) coloured
by the regions' index, and the cities with coordinates as points on Russia's outline.

Both are pure functions of the values (no file is read or written by the drawing): the grid
(``geo/region_tiles.csv``) and the projected outline (``geo/russia_outline.json``, written at
development time by ``tools/russia_outline.py`` from Natural Earth through the npm package
world-atlas) are package data that ``tiles()`` and ``outline()`` read once. A missing value is
drawn as missing (grey, hatched, named in the legend), never as 0; colours are classes of a
sequential colour-blind-safe scale whose bounds are round numbers from the data, listed in the
legend with the language's decimal mark. Text stays legible on a phone: the legend's text is
sized for a chart shown 358 px wide; the cells' short labels are smaller and carry the class
``map-labels`` (the site's stylesheet hides them on narrow screens; every cell's ``<title>``
and the table under the map still give each value).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

import numpy as np

from iqlib.presentation.text import number

FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'
# five classes of a sequential scale, light to dark (ColorBrewer YlGnBu, colour-blind safe)
SCALE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"]
MISSING = "#d9d9d9"
PHONE = 358          # px: the narrowest width a chart is shown at
LEGEND_PX = 12       # px: the phone legend's text on a phone 358 px wide (11 px still at 330 px)
NATURAL = 1.4        # a chart's own size (width, height attributes) over its viewBox: a saved SVG opens wide
HATCH = ('<pattern id="{id}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
         f'<rect width="6" height="6" fill="{MISSING}"/><rect width="2" height="6" fill="#9a9a9a"/></pattern>')


@dataclass(frozen=True)
class Tile:
    """One subject's cell: its name as in the rosters' ``region_ru``, short label, row and column."""

    region: str
    label: str
    row: int
    col: int


@dataclass(frozen=True)
class Outline:
    """Russia's projected outline: the projection's parameters, the bounds (x0, y0, x1, y1 in
    km, y down), one SVG path, and where it comes from."""

    projection: dict
    bounds: tuple[float, float, float, float]
    path: str
    source: dict

    def rings(self) -> list[np.ndarray]:
        """The path's rings as arrays of (x, y) points (every ring closed implicitly)."""
        return [np.array([[float(v) for v in p.split()] for p in ring.rstrip("Z").split("L")])
                for ring in self.path.split("M")[1:]]


def _package_text(name: str) -> str:
    return (resources.files("iqlib.presentation") / "geo" / name).read_text(encoding="utf-8")


@cache
def tiles() -> tuple[Tile, ...]:
    """The tile grid of the 85 federal subjects (package data ``geo/region_tiles.csv``)."""
    lines = [line for line in _package_text("region_tiles.csv").splitlines() if not line.startswith("#")]
    return tuple(Tile(r["region"], r["label"], int(r["row"]), int(r["col"])) for r in csv.DictReader(io.StringIO("\n".join(lines))))


@cache
def outline() -> Outline:
    """Russia's outline (package data ``geo/russia_outline.json``)."""
    data = json.loads(_package_text("russia_outline.json"))
    return Outline(data["projection"], tuple(data["bounds"]), data["path"], data["source"])


def project(lat: np.ndarray | Sequence[float], lon: np.ndarray | Sequence[float], projection: Mapping) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic on a sphere, as ``tools/russia_outline.py`` projected the outline:
    (x east, y south) in km; longitudes below 0 (east of the 180th meridian) are taken +360."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    rad = math.pi / 180
    lon = np.where(lon < 0, lon + 360, lon)
    n = (math.sin(projection["lat1"] * rad) + math.sin(projection["lat2"] * rad)) / 2
    c = math.cos(projection["lat1"] * rad) ** 2 + 2 * n * math.sin(projection["lat1"] * rad)
    r = projection["radius_km"]
    rho0 = r * math.sqrt(c - 2 * n * math.sin(projection["lat0"] * rad)) / n
    rho = r * np.sqrt(c - 2 * n * np.sin(lat * rad)) / n
    theta = n * (lon - projection["lon0"]) * rad
    return rho * np.sin(theta), -(rho0 - rho * np.cos(theta))


def inside(x: np.ndarray, y: np.ndarray, shape: Outline, margin: float = 0.0) -> np.ndarray:
    """Whether each point (projected, km) lies inside the outline (even–odd rule over every
    ring) or within ``margin`` km of its edge (the outline is generalised: 1:50m, simplified)."""
    x, y = np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(y, dtype=float))
    odd = np.zeros(len(x), dtype=bool)
    near = np.full(len(x), np.inf)
    for ring in shape.rings():
        ax, ay = ring[:, 0][None, :], ring[:, 1][None, :]
        bx, by = np.roll(ring[:, 0], -1)[None, :], np.roll(ring[:, 1], -1)[None, :]
        px, py = x[:, None], y[:, None]
        crosses = (ay > py) != (by > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = (bx - ax) * (py - ay) / (by - ay) + ax
        odd ^= ((crosses & (px < at)).sum(axis=1) % 2).astype(bool)
        if margin > 0:
            dx, dy = bx - ax, by - ay
            length = np.maximum(dx * dx + dy * dy, 1e-12)
            t = np.clip(((px - ax) * dx + (py - ay) * dy) / length, 0, 1)
            near = np.minimum(near, np.hypot(ax + t * dx - px, ay + t * dy - py).min(axis=1))
    return odd | (near <= margin)


def classes(values: Sequence[float | None], most: int = 5) -> list[float]:
    """Round class bounds covering the values: at most ``most`` classes of one width (1, 2,
    2.5 or 5 × 10^k), the first starting at a multiple of it at or below the smallest value
    (the last class includes its upper bound, see ``colour``)."""
    known = [float(v) for v in values if v is not None and v == v]
    if not known:
        return [0.0, 1.0]
    low, high = min(known), max(known)
    raw = (high - low) / most if high > low else 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    for step in (m * power for m in (1, 2, 2.5, 5, 10)):
        start = math.floor(low / step + 1e-9) * step
        count = max(1, math.ceil((high - start) / step - 1e-9))
        if count <= most:
            break
    return [round(start + i * step, 10) for i in range(count + 1)]


def colour(value: float | None, bounds: Sequence[float]) -> str | None:
    """The class colour of a value (None when it is missing). Classes are [a, b) except the
    last, [a, b]; their colours are spread over ``SCALE`` from light to dark."""
    if value is None or value != value:
        return None
    k = len(bounds) - 1
    i = min(max(int(np.searchsorted(bounds, value, side="right")) - 1, 0), k - 1)
    return SCALE[round(i * (len(SCALE) - 1) / max(k - 1, 1))]


def _ink(fill: str) -> str:
    """Black or white text, whichever reads better on the fill."""
    r, g, b = (int(fill[i:i + 2], 16) for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def _legend(bounds: Sequence[float], missing: str | None, missing_fill: str, y: float, width: float, font: float,
            language: str, decimals: int) -> tuple[str, float]:
    """The legend: one swatch per class with its bounds ('40–50'), then the missing swatch when
    there is a missing value; wrapped to ``width``. Returns the SVG and its height."""
    entries = [(colour((a + b) / 2, bounds) or MISSING, f"{number(a, decimals, language)}–{number(b, decimals, language)}")
               for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    if missing:
        entries.append((missing_fill, missing))
    box, gap, char = font * 1.1, font * 0.8, font * 0.62
    parts, x, row = [], 0.0, 0
    for fill, label in entries:
        need = box + 6 + char * len(label)
        if x and x + need > width:
            x, row = 0.0, row + 1
        yy = y + row * font * 1.6
        parts.append(f'<rect x="{x:.1f}" y="{yy:.1f}" width="{box:.1f}" height="{box:.1f}" fill="{fill}" stroke="#555" '
                     f'stroke-width="0.5"/><text x="{x + box + 6:.1f}" y="{yy + box * 0.85:.1f}" font-size="{font:.0f}">'
                     f'{escape(label)}</text>')
        x += need + gap
    return "".join(parts), (row + 1) * font * 1.6


WIDE = 48          # em: from this viewport width on, the wide legend and the cells' labels are shown
STYLE = (f"<style>@media (max-width:{WIDE}em){{.map-wide,.map-labels{{display:none}}}}"
         f"@media (min-width:{WIDE}.01em){{.map-phone{{display:none}}svg.map-{{kind}}{{aspect-ratio:{{width}}/{{wide}}}}}}</style>")


def _open(kind: str, width: float, height: float, wide: float, title: str, desc: str) -> str:
    """The ``<svg>`` element, its title, description and style. On a wide screen the shorter
    wide legend leaves the phone legend's extra height empty: the style gives the chart the
    wide layout's aspect ratio there and the viewBox is cut at the bottom (``slice``)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart map-chart map-{kind}" role="img" '
            f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMin slice" width="{round(width * NATURAL)}" '
            f'height="{round(height * NATURAL)}" {FONT}><title>{escape(title)}</title>'
            + (f"<desc>{escape(desc)}</desc>" if desc else "")
            + STYLE.replace("{kind}", kind).replace("{width}", f"{width:g}").replace("{wide}", f"{wide:g}"))


def _legends(bounds: Sequence[float], missing: str | None, missing_fill: str, y: float, width: float, language: str
             ) -> tuple[str, float, float]:
    """Two legends at the same place: one for phones (text ≥ 11 px when the chart is 358 px
    wide), one for wider screens (smaller in the chart's units, as large on screen); the SVG's
    own style shows one of them by the viewport's width. Returns the SVG and both heights."""
    decimals = _decimals(bounds)
    phone, phone_height = _legend(bounds, missing, missing_fill, y, width, math.ceil(LEGEND_PX * width / PHONE), language,
                                  decimals)
    wide, wide_height = _legend(bounds, missing, missing_fill, y, width, 14, language, decimals)
    return f'<g class="map-phone">{phone}</g><g class="map-wide">{wide}</g>', phone_height, wide_height


def _decimals(bounds: Sequence[float]) -> int:
    step = bounds[1] - bounds[0]
    return 0 if abs(step - round(step)) < 1e-9 and all(abs(b - round(b)) < 1e-9 for b in bounds) else 1


def tile_map(values: Mapping[str, float | None], title: str, language: str, missing: str, cells: Sequence[Tile] | None = None,
             decimals: int = 2, desc: str = "") -> str:
    """The tile-grid map: a square per subject coloured by its value's class (``values``:
    region name → value; a region absent or None is drawn hatched grey as ``missing``), its
    short label in the cell, a ``<title>`` with the full name and value, and the legend."""
    cells = tiles() if cells is None else cells
    cols = max(t.col for t in cells) + 1
    rows = max(t.row for t in cells) + 1
    size, gap = 40, 3
    width = cols * size
    present = [values.get(t.region) for t in cells]
    bounds = classes(present)
    any_missing = any(v is None or v != v for v in present)
    legend, phone_height, wide_height = _legends(bounds, missing if any_missing else None, "url(#tile-hatch)",
                                                 rows * size + 12, width, language)
    height = math.ceil(rows * size + 12 + max(phone_height, wide_height))
    parts = [_open("tiles", width, height, math.ceil(rows * size + 12 + wide_height), title, desc)
             + f"<defs>{HATCH.format(id='tile-hatch')}</defs>"]
    labels = []
    for t, v in zip(cells, present, strict=True):
        fill = colour(v, bounds)
        x, y = t.col * size, t.row * size
        shown = missing if fill is None else number(float(v), decimals, language)     # type: ignore[arg-type]
        parts.append(f'<rect x="{x}" y="{y}" width="{size - gap}" height="{size - gap}" rx="3" '
                     f'fill="{fill or "url(#tile-hatch)"}"><title>{escape(f"{t.region}: {shown}")}</title></rect>')
        labels.append(f'<text x="{x + (size - gap) / 2}" y="{y + (size - gap) / 2 + 4}" fill="{_ink(fill or MISSING)}">'
                      f'{escape(t.label)}</text>')
    parts.append('<g class="map-labels" font-size="13" text-anchor="middle" pointer-events="none">' + "".join(labels) + "</g>")
    parts.append(legend + "</svg>")
    return "".join(parts)


def city_map(points: Sequence[tuple[str, float, float, float | None]], title: str, language: str, missing: str,
             shape: Outline | None = None, decimals: int = 2, desc: str = "") -> str:
    """Cities as points on Russia's outline: ``points`` are (label, lat, lon, value), a dot per
    city coloured by its value's class (a missing value: a hollow grey dot named in the legend),
    drawn in rising order so the highest values sit on top; each dot's ``<title>`` is its label
    and value. The outline fills the width; the legend sits under it."""
    shape = outline() if shape is None else shape
    x0, y0, x1, y1 = shape.bounds
    width, pad, radius = 760, 8, 5           # pad: a dot on the outline's edge is not cut
    k = (width - 2 * pad) / (x1 - x0)
    map_height = (y1 - y0) * k + 2 * pad
    values = [v for _, _, _, v in points]
    bounds = classes(values)
    any_missing = any(v is None or v != v for v in values)
    legend, phone_height, wide_height = _legends(bounds, missing if any_missing else None, "#fff", map_height + 12, width,
                                                 language)
    height = math.ceil(map_height + 12 + max(phone_height, wide_height))
    parts = [_open("cities", width, height, math.ceil(map_height + 12 + wide_height), title, desc),
             f'<path d="{shape.path}" transform="matrix({k:.6f} 0 0 {k:.6f} {pad - x0 * k:.3f} {pad - y0 * k:.3f})" fill="#f2f2ee" '
             f'stroke="#8a8a8a" stroke-width="{0.8 / k:.2f}" stroke-linejoin="round"/>']
    if points:
        xs, ys = project([p[1] for p in points], [p[2] for p in points], shape.projection)
        order = sorted(range(len(points)), key=lambda i: (values[i] is not None and values[i] == values[i],
                                                          values[i] if values[i] is not None and values[i] == values[i] else 0))
        for i in order:
            label, _, _, v = points[i]
            fill = colour(v, bounds)
            cx, cy = pad + (xs[i] - x0) * k, pad + (ys[i] - y0) * k
            shown = missing if fill is None else number(float(v), decimals, language)   # type: ignore[arg-type]
            style = f'fill="{fill}" stroke="#222" stroke-width="0.7"' if fill else 'fill="#fff" stroke="#777" stroke-width="1.4"'
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius}" {style}><title>{escape(f"{label}: {shown}")}</title></circle>')
    parts.append(legend + "</svg>")
    return "".join(parts)
