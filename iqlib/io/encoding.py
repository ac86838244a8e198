"""The text of a CSV file: UTF-8 (with or without a byte-order mark) or Windows-1251 (what
Excel in Russian saves as "CSV"); UTF-16, KOI8-R, a workbook or a binary file under a CSV
name are each one clear error."""

from __future__ import annotations

import re
from pathlib import Path

from iqlib.config.paths import display, read_bytes
from iqlib.core.errors import UserError


def decode(path: Path) -> tuple[str, str]:
    """Text of a CSV file: UTF-8 (with or without BOM), else Windows-1251 (what Excel in
    Russian saves as "CSV"); anything else is one clear error."""
    data = read_bytes(path)
    if data.startswith(b"PK\x03\x04"):
        raise UserError(f"{display(path)}: the file is a ZIP archive (an XLSX workbook?), not CSV text; "
                        f"give a workbook a name ending in .xlsx")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"{display(path)}: the text is UTF-16 (Excel's \"Unicode text\"), not UTF-8 or "
                        f"Windows-1251; save the file as UTF-8 CSV")
    if b"\x00" in data:
        raise UserError(f"{display(path)}: the file holds NUL bytes (first at byte {data.index(0)}): it is binary, "
                        f"not CSV text")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    if data.startswith(b"\xef\xbb\xbf"):
        raise UserError(f"{display(path)}: the file starts with a UTF-8 byte-order mark but is not UTF-8 (byte "
                        f"{first_bad}): it mixes encodings; save it again as UTF-8 CSV")
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        raise UserError(f"{display(path)}: undecodable text (not UTF-8 at byte {first_bad}, not Windows-1251); "
                        f"save the file as UTF-8 CSV") from None
    if _looks_like_koi8(text):
        raise UserError(f"{display(path)}: the text looks like KOI8-R, not Windows-1251 (read as Windows-1251 its "
                        f"Russian words come out as capitals: {_sample(text)!r}); save the file as UTF-8 CSV")
    return text, "cp1251"


_LOWER, _UPPER = re.compile("[а-яё]"), re.compile("[А-ЯЁ]")


def _looks_like_koi8(text: str) -> bool:
    """KOI8-R read as Windows-1251 swaps the cases of Cyrillic letters: Russian text, mostly
    lowercase, comes out mostly in capitals ('мОСКВА'), and reads right as KOI8-R."""
    def lower_share(t: str) -> float:   # counted by regular expressions: C speed, not a loop per character
        lower, upper = len(_LOWER.findall(t)), len(_UPPER.findall(t))
        return lower / (lower + upper) if lower + upper >= 20 else 1.0
    return lower_share(text) < 0.3 and lower_share(text.encode("cp1251").decode("koi8_r", "replace")) > 0.7


def _sample(text: str) -> str:
    return next((w for w in text.split() if sum("А" <= c <= "я" for c in w) >= 4), text[:20])[:30]
