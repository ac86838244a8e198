"""What frames every page of the site: the footer made from the edition's ``publication:``
block (publisher, date of publication, licence, contact, suggested citation, the synthetic
notice), the meta description of each page type, and the sitemap.

The footer reaches every template without each caller passing it: the site builder sets it
once (``using(footer)``) around the pages of a run, and ``site.render`` takes it from there;
a caller may still pass ``footer=`` itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from iqlib.config.params import Params
from iqlib.presentation.words import words

_FOOTER: ContextVar[dict | None] = ContextVar("footer", default=None)


@contextmanager
def using(footer: dict | None) -> Iterator[None]:
    """Every page rendered inside the block gets ``footer`` (unless it passes its own)."""
    token = _FOOTER.set(footer)
    try:
        yield
    finally:
        _FOOTER.reset(token)


def current() -> dict | None:
    """The footer set by ``using`` (None outside it)."""
    return _FOOTER.get()


@cache
def framing_words(language: str) -> dict[str, Any]:
    """The catalogue's ``framing:`` words (templates get them as ``framing``)."""
    return words(language, "framing")


def footer(params: Params, title: str, path: str = "") -> dict | None:
    """The footer of the pages of ``params``' edition: its publication block in the
    edition's language, the citation of ``title`` at ``base_url`` + ``path``; None when
    the edition has no publication block (then only the synthetic notice frames a page)."""
    pub = params.edition.publication
    if pub is None:
        return None
    language = params.language
    w = framing_words(language)
    d = pub.date_published
    publisher = params.local(pub, "publisher")
    url = pub.base_url + path
    return {"w": w, "publisher": publisher, "date": w["date"].format(day=f"{d.day:02d}", month=f"{d.month:02d}", year=d.year),
            "licence": {"name": pub.licence.name, "url": pub.licence.url},
            "contact": {"text": pub.contact, "href": pub.contact_href},
            "citation": params.local(pub, "citation").format(publisher=publisher, title=title, year=d.year, url=url),
            "synthetic": params.edition.synthetic, "base_url": pub.base_url, "placeholder": pub.placeholder,
            "lastmod": d.isoformat()}


def description(page: str, language: str, context: dict[str, Any]) -> str:
    """The meta description of a page of type ``page`` from what it shows (its heading, its
    run's title, number of cities and average); empty for a page type without one."""
    meta = framing_words(language)
    if f"meta.{page}" not in meta:
        return ""
    run = context.get("run") or {}
    return str(meta[f"meta.{page}"].format(heading=context.get("heading", ""), run=run.get("title", ""),
                                 cities=run.get("cities", ""), average=run.get("average", "")))


def sitemap(base_url: str, paths: list[str], lastmod: str, placeholder: bool, dated: dict[str, str] | None = None) -> str:
    """``sitemap.xml`` (sitemaps.org 0.9): every page once, absolute from ``base_url``,
    ``lastmod`` the date of publication (``dated``: folder → the date of its edition's
    publication, for the pages under it); a placeholder address is said in a comment."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>']
    if placeholder:
        shown = re.sub(r"-(?=-)", "- ", escape(base_url))     # "--" may not appear inside an XML comment
        lines.append(f"<!-- {shown} is a placeholder address: set publication.base_url in the edition "
                     f"before going live (docs/publish.ru.md) and build the site again -->")
    lines.append('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">')
    for p in sorted(set(paths)):
        date = next((d for folder, d in (dated or {}).items() if p.startswith(folder.rstrip("/") + "/")), lastmod)
        lines.append(f"<url><loc>{escape(base_url + quote(p))}</loc><lastmod>{date}</lastmod></url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def robots(base_url: str | None) -> str:
    """``robots.txt``: every page may be indexed; the sitemap's address when there is one."""
    return "User-agent: *\nAllow: /\n" + (f"Sitemap: {base_url}sitemap.xml\n" if base_url else "")
