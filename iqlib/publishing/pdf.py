"""What the project's PDFs share (the passports, the audit report): the fonts — DejaVu Sans
from matplotlib's copy, registered once per process, subsets embedded — and the colours.

A PDF embeds the glyphs it uses as font subsets, which reportlab makes and compresses for
each document: a third of a passport's drawing time. ``embed_common`` makes every passport
embed the same subsets (``COMMON``'s characters, in this order, before any other), so a
process makes and compresses each subset once (``_SubsetCache``); a character outside
``COMMON`` (a name in another script) simply gives its document subsets of its own."""

from __future__ import annotations

import functools
import zlib
from pathlib import Path
from typing import Any, Callable

import matplotlib
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT, BOLD = "IqSans", "IqSansBold"
INK, MUTED, LINE, WARN, WARN_BG = (HexColor(c) for c in ("#1b1b1b", "#5a5a5a", "#d0d7de", "#b00020", "#fde7ea"))

# printable ASCII, the Russian alphabet (Ё, А–я, ё), the typography of the project's words and numbers
COMMON = ("".join(map(chr, [*range(0x20, 0x7F), 0x401, *range(0x410, 0x450), 0x451]))
          + "«»–—…№≥≤±×−°’“”„•\u00a0\u202f")


class _Written(pdfdoc.PDFObject):
    """A PDF value already formatted."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document: Any) -> bytes:
        return self.data


class _SubsetCache:
    """One font's subsets as made by reportlab (``makeSubset``), kept by their characters,
    the compressed bytes of their font files and text maps kept by their content, and
    their widths as written: the same input, the same bytes, made once."""

    pdfname = "FlateDecode"       # a stream filter, as reportlab's own PDFZCompress
    SIZE = 64                     # subsets kept per font (a name in another script adds its own)

    def __init__(self, make: Callable[[list[int]], bytes]):
        self.make = make
        self.subsets: dict[tuple[int, ...], bytes] = {}
        self.packed: dict[bytes | str, bytes] = {}
        self.formatted: dict[tuple, _Written] = {}

    def subset(self, codes: list[int]) -> bytes:
        key = tuple(codes)
        if key not in self.subsets:
            if len(self.subsets) >= self.SIZE:
                self.subsets.clear()
                self.packed.clear()
                self.formatted.clear()
            self.subsets[key] = self.make(codes)
        return self.subsets[key]

    def widths(self, array: Any, doc: Any) -> Any:
        """A subset's widths as the PDF writes them, formatted once."""
        key = tuple(array.sequence)
        if key not in self.formatted:
            self.formatted[key] = _Written(array.format(doc))
        return self.formatted[key]

    def encode(self, data: bytes | str) -> bytes:
        """Deflate, at the highest level (it is done once per subset)."""
        if data not in self.packed:
            self.packed[data] = zlib.compress(data.encode("utf-8") if isinstance(data, str) else data, 9)
        return self.packed[data]


def _share_subsets(font: TTFont) -> None:
    """``font``'s subsets made and compressed once per process (``_SubsetCache``)."""
    face, cache = font.face, _SubsetCache(font.face.makeSubset)
    add = face.addSubsetObjects

    def add_subset(doc: Any, name: str, subset: list[int]) -> Any:
        ref = add(doc, name, subset)
        for key in (f"fontFile:{face.filename}({name})", f"toUnicodeCMap:{name}"):   # the font file, its text map
            stream = doc.idToObject.get(key)
            if stream is not None and stream.filters:       # a compressed document
                stream.filters = [cache]
        return ref

    face.makeSubset, face.addSubsetObjects = cache.subset, add_subset
    add_objects = font.addObjects

    def add_font_objects(doc: Any) -> None:
        add_objects(doc)
        for entry in doc.idToObject["BasicFonts"].dict.values():      # each subset's widths: formatted once
            if isinstance(getattr(entry, "Widths", None), pdfdoc.PDFArray):
                entry.Widths = cache.widths(entry.Widths, doc)

    font.addObjects = add_font_objects


@functools.cache
def fonts() -> None:
    """DejaVu Sans (matplotlib's copy), registered once per process; subsets are embedded.
    Streams are written compressed but not ASCII85-encoded (a fifth smaller, and faster)."""
    rl_config.useA85 = 0
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file in ((FONT, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        font = TTFont(name, str(ttf / file))
        _share_subsets(font)
        pdfmetrics.registerFont(font)


def embed_common(canvas: Any) -> None:
    """Give ``canvas``'s document ``COMMON``'s characters in both fonts, first: its font
    subsets are then the same as every other passport's (unless it uses other characters)."""
    for name in (FONT, BOLD):
        pdfmetrics.getFont(name).splitString(COMMON, canvas._doc)
