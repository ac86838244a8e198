"""The pages of the publication site, the comparison page, the series page and the run's
own ``index.html``: Jinja2 templates (files under ``templates/``, every value
autoescaped) rendered from prepared tables, with one stylesheet and one script (files
under ``static/``). ``publishing`` gathers the data and writes the files; nothing here
reads or writes a file other than the package's own templates and assets.

Pages link relatively (``root`` is the way back to the site's top), so the site works from
``file://`` and from any static host; the stylesheet and the script are content-addressed
files under ``assets/``. Templates never build words: every word comes from the catalogue
(``words``), section ``site`` and the page's own section.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from iqlib.presentation import framing
from iqlib.presentation.text import number
from iqlib.presentation.words import words

_ENV = Environment(loader=PackageLoader("iqlib.presentation", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True), undefined=StrictUndefined,
                   keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def static(name: str) -> str:
    """A file of ``static/`` (the stylesheet, the script) as text."""
    return (resources.files("iqlib.presentation") / "static" / name).read_text(encoding="utf-8")


def static_bytes(name: str) -> bytes:
    """A binary file of ``static/`` (favicon.ico)."""
    return (resources.files("iqlib.presentation") / "static" / name).read_bytes()


def asset_name(stem: str, suffix: str, content: str) -> str:
    """A content-addressed file name: 'site.3f2a9c1d.css' (a changed file gets a new name)."""
    return f"{stem}.{hashlib.sha256(content.encode()).hexdigest()[:10]}.{suffix}"


def _assets() -> dict[str, tuple[str, str]]:
    css, js, home, icon = static("site.css"), static("site.js"), static("home.js"), static("favicon.svg")
    return {"css": (asset_name("site", "css", css), css), "js": (asset_name("site", "js", js), js),
            "home_js": (asset_name("home", "js", home), home), "icon": (asset_name("favicon", "svg", icon), icon)}


ASSETS = _assets()


@cache
def page_words(language: str, section: str | None = None) -> dict[str, Any]:
    """The words a template gets as ``w``: the catalogue's ``site`` section, overlaid with
    ``section`` (``comparison``, ``series``, ``page``) when the page has its own."""
    shared = words(language, "site")
    return {**shared, **words(language, section)} if section else shared


def render(page: str, language: str, root: str, section: str | None = None, **context: Any) -> str:
    """One page from ``templates/<page>.html`` (home, edition, group, city, method,
    robustness, compare, series, run_index) on the base layout ``base.html``, its words
    from the catalogue; ``inline_css`` (the stylesheet's text) puts the stylesheet in the
    page instead of linking ``assets/`` (and leaves the script out)."""
    context = {"run": None, "synthetic": False, "runroot": "", "standalone": False, "links": [], "series": [],
               "notices": [], "inline_css": "", "footer": framing.current(), **context}
    if "description" not in context:
        context["description"] = framing.description(page, language, context)
    return _ENV.get_template(f"{page}.html").render(
        lang=language, w=page_words(language, section), framing=framing.framing_words(language), root=root,
        css=ASSETS["css"][0], js=ASSETS["js"][0], icon=ASSETS["icon"][0], **context)


def fragment(name: str, **context: Any) -> str:
    """A piece of a page from ``templates/<name>.html`` (the header of notebook pages),
    rendered from ``context`` alone."""
    return _ENV.get_template(f"{name}.html").render(**context).strip()


def web_link(url: object) -> str | None:
    """``url`` when it is an absolute http(s) address, else None: a link target that comes
    from data (a source's address) becomes a link only then, and is shown as text
    otherwise (never ``javascript:``, ``data:`` or a relative path that reaches the site)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    scheme, _, rest = text.partition(":")
    ok = scheme.lower() in ("http", "https") and rest.startswith("//") and len(rest) > 2
    return text if ok and not any(ch.isspace() or ord(ch) < 32 for ch in text) else None


def fmt(x: Any, decimals: int, language: str) -> str:
    """A number for a page (decimal comma in Russian); '—' for a missing one."""
    return number(None if x is None else float(x), decimals, language)
