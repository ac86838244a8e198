"""A chart as the pages show it (``templates/chart.html``): the inline SVG, a caption,
the numbers it draws as a table (the fallback without the picture, and the CSV the
page's script offers beside the PNG and SVG) and the file name of those downloads.

The table's first column names each row (``<th scope="row">``), the others are numbers
already written for the page (decimal comma in Russian)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from iqlib.presentation.words import word


def stem(*parts: object) -> str:
    """A download's file name without suffix, from its parts: Latin letters, digits and
    hyphens only ('2019-base-group-krupneyshie')."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(str(p) for p in parts).lower()).strip("-") or "chart"


def figure(svg: str, name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], language: str,
           caption: str = "") -> dict[str, Any]:
    """What ``chart.html``'s ``figure`` macro renders: ``svg`` with its ``caption``, its
    data (``columns``, ``rows``) and the downloads named ``name``."""
    return {"svg": svg, "stem": name, "caption": caption, "columns": list(columns), "rows": [list(r) for r in rows],
            "summary": word(language, "site.chart_data"), "label": word(language, "layout.download")}
