"""Write iqlib/presentation/geo/russia_outline.json: Russia's outline, projected and simplified,
for the site's city map (``iqlib.presentation.maps``). Run by hand at development time only;
the site never downloads anything, it reads the committed file.

Source: Natural Earth 1:50m admin-0 countries (public domain) as TopoJSON in the npm package
``world-atlas`` (ISC licence, © Michael Bostock), file ``countries-50m.json``, Russia = id "643":

    npm pack world-atlas@2 && tar xzf world-atlas-2.*.tgz          # gives package/countries-50m.json
    .venv/bin/python tools/russia_outline.py package/countries-50m.json   # the project's venv: uses iqlib's projection

What it does: decodes the TopoJSON (delta-encoded, quantised arcs), shifts the longitudes west
of 0° (Chukotka east of the 180th meridian) by +360° so the country is one piece, projects it
with an Albers equal-area conic (standard parallels 52° and 64° N, central meridian 100° E,
kilometres on a sphere of radius 6371 km), drops islands smaller than ``MIN_AREA`` km²,
simplifies every ring (Douglas–Peucker, ``TOLERANCE`` km), rounds to 1 km and writes the
rings as one SVG path with the projection's parameters, the source and the licences. Natural
Earth cuts Chukotka (and Wrangel Island) in two at the 180th meridian: a ring with an edge on
the meridian starts just after that edge and is left open (no ``Z``), so the fill closes it
along the meridian while the stroke leaves the cut out.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from iqlib.presentation.maps import project

OUT = Path(__file__).resolve().parents[1] / "iqlib" / "presentation" / "geo" / "russia_outline.json"
PROJECTION = {"name": "albers", "lat1": 52.0, "lat2": 64.0, "lon0": 100.0, "lat0": 56.0, "radius_km": 6371.0}
TOLERANCE = 4.0     # km: Douglas–Peucker tolerance
MIN_AREA = 300.0    # km²: smaller islands are dropped
SOURCE = {
    "data": "Natural Earth, Admin 0 – Countries, 1:50m (naturalearthdata.com)",
    "data_licence": "public domain",
    "package": "world-atlas 2 (npm), countries-50m.json, id 643",
    "package_licence": "ISC, © 2013–2019 Michael Bostock",
    "made_by": "tools/russia_outline.py",
}


def decode(topo: dict, country: str) -> list[np.ndarray]:
    """The rings (lon, lat arrays of shape (k, 2)) of one country of a quantised TopoJSON."""
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = [np.cumsum(np.array(a, dtype=float), axis=0) * [sx, sy] + [tx, ty] for a in topo["arcs"]]
    geom = next(g for g in topo["objects"]["countries"]["geometries"] if g.get("id") == country)
    polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
    rings = []
    for polygon in polygons:
        for ring in polygon:
            parts = [arcs[i] if i >= 0 else arcs[~i][::-1] for i in ring]
            rings.append(np.concatenate([parts[0]] + [p[1:] for p in parts[1:]]))
    return rings


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas–Peucker on a closed ring (first point = last point), iterative."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    far = int(np.argmax(((points - points[0]) ** 2).sum(axis=1)))   # split a closed ring in two
    keep[far] = True
    stack = [(0, far), (far, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        seg = b - a
        length = math.hypot(*seg)
        rel = points[i + 1:j] - a
        dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / length if length else np.hypot(rel[:, 0], rel[:, 1])
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return points[keep]


def area(points: np.ndarray) -> float:
    """Unsigned area of a ring (shoelace)."""
    x, y = points[:, 0], points[:, 1]
    return abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1]))) / 2


def outline(topo: dict) -> dict:
    """The projected, simplified outline with its parameters, source and licences."""
    paths = []
    for ring in decode(topo, "643"):
        lon, lat = ring[:, 0], ring[:, 1]
        xy = np.column_stack(project(lat, lon, PROJECTION))     # km, y down (SVG)
        if area(xy) < MIN_AREA:
            continue
        seam = {tuple(p) for p in np.round(xy[np.abs(np.abs(lon) - 180) < 1e-6], 6)}   # on the 180th meridian
        kept = simplify(xy, TOLERANCE)[:-1]           # closed ring without its repeated first point
        on = np.array([tuple(p) in seam for p in np.round(kept, 6)])
        edges = np.flatnonzero(on & np.roll(on, -1))  # edge k → k+1 runs along the meridian
        if len(edges) > 1:
            raise SystemExit(f"a ring with {len(edges)} edges on the 180th meridian: not handled")
        if len(edges):                                # start after the seam edge, leave the ring open:
            kept = np.roll(kept, -(edges[0] + 1), axis=0)   # fill closes it, stroke leaves the seam out
        pts = [f"{round(px)} {round(py)}" for px, py in kept]
        paths.append("M" + "L".join(pts) + ("" if len(edges) else "Z"))
    fill = paths
    xs = [float(v) for d in fill for v in d.replace("M", " ").replace("L", " ").replace("Z", " ").split()[0::2]]
    ys = [float(v) for d in fill for v in d.replace("M", " ").replace("L", " ").replace("Z", " ").split()[1::2]]
    box = [math.floor(min(xs)), math.floor(min(ys)), math.ceil(max(xs)), math.ceil(max(ys))]
    return {"source": SOURCE, "projection": {**PROJECTION, "units": "km, x east, y south (SVG)"},
            "simplification": {"douglas_peucker_km": TOLERANCE, "min_island_km2": MIN_AREA, "rounded_to_km": 1},
            "bounds": box, "path": "".join(fill)}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    topo = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    data = outline(topo)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{OUT}: {OUT.stat().st_size} bytes, {data['path'].count('M')} rings, bounds {data['bounds']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
