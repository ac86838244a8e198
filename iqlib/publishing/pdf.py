"""What the project's PDFs share (the passports, the audit report): the fonts — DejaVu Sans
from matplotlib's copy, registered once per process, subsets embedded — and the colours."""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT, BOLD = "IqSans", "IqSansBold"
INK, MUTED, LINE, WARN, WARN_BG = (HexColor(c) for c in ("#1b1b1b", "#5a5a5a", "#d0d7de", "#b00020", "#fde7ea"))


@functools.cache
def fonts() -> None:
    """DejaVu Sans (matplotlib's copy), registered once per process; subsets are embedded.
    Streams are written compressed but not ASCII85-encoded (a fifth smaller, and faster)."""
    rl_config.useA85 = 0
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
