"""Executed notebooks as HTML pages that work offline: nbconvert's export with the run's
language and a real title, optionally without the code (for readers), its stylesheet and
any embedded PNG moved to files named by their content hash (stored once, however many
pages use them), and the scripts nbconvert loads from a CDN (require.js, MathJax,
mermaid) left out — the pages are static."""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from html import escape
from pathlib import Path
from typing import Any


@functools.cache
def _exporter(code: bool) -> Any:
    """One nbconvert exporter per kind per process (loading its templates takes a while)."""
    from nbconvert import HTMLExporter

    if code:
        return HTMLExporter()
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def export(notebook: Path, title: str, language: str, code: bool = True) -> str:
    """The page of an executed notebook; without ``code`` the inputs and the parameters
    cells are left out."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    if not code:
        nb.cells = [c for c in nb.cells if not {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    body, _ = _exporter(code).from_notebook_node(nb)
    body = re.sub(r'<html lang="[^"]*">|<html>', f'<html lang="{language}">', body, count=1)
    return re.sub(r"<title>.*?</title>", f"<title>{escape(title)}</title>", body, count=1, flags=re.S)


def externalise(page: str, assets: Path, prefix: str) -> str:
    """Inline <style> blocks and data-URI PNGs moved to ``assets`` under content-hashed
    names (linked as ``prefix`` + name); CDN scripts dropped."""
    assets.mkdir(parents=True, exist_ok=True)

    def style(m: re.Match) -> str:
        css = _minify_css(m.group(1))
        name = f"nb.{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        if not (assets / name).exists():
            (assets / name).write_text(css, encoding="utf-8")
        return f'<link rel="stylesheet" href="{prefix}{name}">'

    def image(m: re.Match) -> str:
        data = base64.b64decode(m.group(1))
        name = f"img.{hashlib.sha256(data).hexdigest()[:12]}.png"
        if not (assets / name).exists():
            (assets / name).write_bytes(data)
        return f'src="{prefix}{name}"'

    page = re.sub(r"<style[^>]*>(.*?)</style>", style, page, flags=re.S)
    page = re.sub(r"<script\b[^>]*>.*?</script>\s*", "", page, flags=re.S)
    return re.sub(r'src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"', image, page)


def _minify_css(css: str) -> str:
    """The stylesheet without comments and redundant white space (a third smaller)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    return re.sub(r"\s*([{};,>])\s*", r"\1", css).strip() + "\n"
