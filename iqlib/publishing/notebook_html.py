"""Executed notebooks as HTML pages that work offline: nbconvert's export through the
project's template (``presentation/templates/notebook.html.j2``: JupyterLab's page without
the scripts it loads from a CDN, the project's header first in the body) with the run's
language and a real title, optionally without the code (for readers), formulas drawn as
inline SVG; then its stylesheets merged with the class rules of the project's one
stylesheet into one file and any embedded PNG moved to a file, each named by its content
hash (stored once, however many pages use them; JupyterLab's stylesheet cut to the rules
the pages use)."""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

from iqlib.presentation import framing
from iqlib.presentation import site as pages
from iqlib.presentation.words import word


@functools.cache
def _exporter(code: bool, language: str) -> Any:
    """One nbconvert exporter per kind and language per process (loading its templates
    takes a while), exporting through ``templates/notebook.html.j2``."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        """nbconvert's HTML export without its last step, a BeautifulSoup parse and
        re-serialisation of the whole page (two thirds of the export's time) that only
        marks the cells focusable and gives images without one an alternative text:
        ``_focusable`` does both on the text."""

        def from_notebook_node(self, nb: Any, resources: dict | None = None, **kw: Any) -> tuple[str, dict]:  # type: ignore[override]
            info = nb.metadata.get("language_info", {})      # HTMLExporter.from_notebook_node's own set-up
            lexer = info.get("pygments_lexer", info.get("name", None))
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                                           resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _focusable(html, word(language, "framing.image_alt")), resources

    templates = str(resources.files("iqlib.presentation") / "templates")
    # the notebook is validated once after the preprocessors, not after each of them (13 times)
    common = {"template_file": "notebook.html.j2", "extra_template_paths": [templates], "language_code": language,
              "optimistic_validation": True}
    if code:       # the code cells keep their input prompt; outputs carry no 'Out[3]:' (not a reader's word)
        return Exporter(exclude_output_prompt=True, **common)
    return Exporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, **common)


_FOCUSABLE = re.compile(r'<div class="([^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*)"')
_IMAGE = re.compile(r"<img\b(?![^>]*\balt=)")
_NUMERIC = re.compile(r"&#(\d+);")
_CLASS = re.compile(r"""\bclass=(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")   # quoted or not (HTML5)


def _focusable(html: str, alt: str) -> str:
    """What nbconvert's HTML export did after its template: each cell's input and each
    output reachable from the keyboard (``tabindex="0"``: a wide table or figure can then
    be scrolled without a mouse), an alternative text on an image without one, and the
    letters the markdown renderer wrote as numeric references (``&#1069;``) as themselves
    (never one of HTML's own characters: those are below 128 and stay escaped)."""
    html = _FOCUSABLE.sub(r'<div class="\1" tabindex="0"', html)
    html = _IMAGE.sub(f'<img alt="{alt}"', html)
    return _NUMERIC.sub(lambda m: chr(int(m.group(1))) if 127 < int(m.group(1)) < 0x110000 else m.group(0), html)


def export(notebook: Path, title: str, language: str, code: bool = True, top: str = "") -> str:
    """The page of an executed notebook titled ``title``, with ``top`` (a ``header``)
    first in its body; without ``code`` the inputs and the parameters cells are left out."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _formulas(cell.source)
    if not code:
        nb.cells = [c for c in nb.cells if not {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    nb.metadata["title"] = title
    footer = framing.current()       # the site's footer, when the site is being built (framing.using)
    extra = {"iq_skip": word(language, "framing.skip"), "iq_description": word(language, "framing.meta.notebook", heading=title),
             "iq_footer": pages.fragment("footer", footer=footer) if footer else ""}
    body, _ = _exporter(code, language).from_notebook_node(nb, resources={"iq_header": top, **extra})
    return body


@functools.cache            # the package's stylesheet does not change while a process runs
def page_css() -> str:
    """The rules of the project's one stylesheet (``presentation/static/site.css``) that a
    notebook page can use: those whose every selector names a class (the notebooks' own
    tables, formulas, the header and its notice) and the custom properties (``:root``).
    Its rules for bare elements (body, table, a) are the site's and stay out, so the
    JupyterLab page keeps its own look."""
    import tinycss2

    kept = []
    for rule in tinycss2.parse_stylesheet(pages.ASSETS["css"][1], skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        selectors: list[str] = []
        current: list = []
        for token in [*rule.prelude, None]:           # split at the top-level commas only (not inside :is(…))
            if token is None or (token.type == "literal" and token.value == ","):
                selectors.append(tinycss2.serialize(current).strip())
                current = []
            else:
                current.append(token)
        chosen = [s for s in selectors if s == ":root" or "." in s]
        if chosen:
            kept.append(f"{','.join(chosen)}{{{tinycss2.serialize(rule.content).strip()}}}")
    return "".join(kept)


def _formulas(markdown: str) -> str:
    """``$…$`` and ``$$…$$`` in a markdown cell drawn as inline SVG (the page loads no
    MathJax); a formula matplotlib cannot draw is left as written."""
    from iqlib.presentation.charts import formula_svg

    def draw(m: re.Match) -> str:
        display, tex = m.group(1) is not None, m.group(1) or m.group(2)
        try:
            svg = formula_svg(tex.strip(), 16.0 if display else 13.0)
        except ValueError:
            return m.group(0)
        return f'<div class="formula">{svg}</div>' if display else svg

    return re.sub(r"\$\$(.+?)\$\$|\$(?=\S)([^$\n]+?)(?<=\S)\$", draw, markdown, flags=re.S)


def header(links: list[tuple[str, str]], banner: str | None = None) -> str:
    """A navigation bar for the top of notebook pages (``links``: href, text) and, on
    synthetic data, the red notice every page of the site carries
    (``templates/notebook_header.html``)."""
    return pages.fragment("notebook_header", links=[{"href": h, "text": t} for h, t in links], banner=banner)


def write_pages(pages: dict[Path, str], assets: Path, prefix: str) -> None:
    """Write notebook pages (``export``) with their stylesheets merged into one file
    without the rules none of them can use (so pages exported together share it), and
    their data-URI PNGs, moved to ``assets`` under content-hashed names (linked as
    ``prefix`` + name)."""
    assets.mkdir(parents=True, exist_ok=True)
    classes = {c for page in pages.values() for attr in _CLASS.findall(page) for c in "".join(attr).split()}
    block = re.compile(r"<style[^>]*>(.*?)</style>\s*", flags=re.S)

    used = frozenset(classes)

    def stylesheet(css: str) -> str:
        css = _cut_css(css, used)
        if not css.strip():
            return ""
        return f'<link rel="stylesheet" href="{prefix}{_store(assets, "nb", "css", css.encode())}">\n'

    def image(m: re.Match) -> str:
        return f'src="{prefix}{_store(assets, "img", "png", base64.b64decode(m.group(1)))}"'

    for target, page in pages.items():
        head, sep, body = page.partition("</head>")
        first = block.search(head)
        if first:
            styles = "\n".join([*block.findall(head), page_css()])
            head = head[:first.start()] + stylesheet(styles) + block.sub("", head[first.start():])
        body = block.sub(lambda m: stylesheet(m.group(1)), body)
        page = re.sub(r'src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"', image, head + sep + body)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page, encoding="utf-8")


@functools.lru_cache(maxsize=16)
def _cut_css(css: str, classes: frozenset[str]) -> str:
    """``css`` cut to the rules pages with ``classes`` can use, minified: every page of a
    notebook export carries the same stylesheet, and the runs of a site the same classes,
    so it is cut once per process."""
    return _minify_css(_used_css(css, set(classes)))


def _store(assets: Path, kind: str, suffix: str, data: bytes) -> str:
    """``data`` saved once in ``assets`` under a name made from its hash; the name."""
    name = f"{kind}.{hashlib.sha256(data).hexdigest()[:12]}.{suffix}"
    if not (assets / name).exists():            # written whole or not at all: runs may store the same file at once
        part = assets / f".{name}.{os.getpid()}"
        part.write_bytes(data)
        os.replace(part, assets / name)
    return name


def _used_css(css: str, classes: set[str]) -> str:
    """The stylesheet without the rules whose selectors need a class the page does not
    have, and without the custom properties (``--jp-…``) nothing left refers to.
    JupyterLab's stylesheet is written for the whole application; a static page uses
    about a tenth of it."""
    import tinycss2

    def parse(content: list) -> list:
        return tinycss2.parse_rule_list(content, skip_comments=True, skip_whitespace=True)

    def used_selectors(prelude: list) -> str:
        """The selectors of a rule's prelude whose classes (outside brackets) the page has."""
        kept, current = [], []
        for token in [*prelude, None]:
            if token is not None and not (token.type == "literal" and token.value == ","):
                current.append(token)
                continue
            needed = [b.value for a, b in zip(current, current[1:])
                      if a.type == "literal" and a.value == "." and b.type == "ident"]
            if current and all(c in classes for c in needed):
                kept.append(tinycss2.serialize(current).strip())
            current = []
        return ",".join(kept)

    def used_rules(nodes: list) -> list[tuple[str, Any]]:
        """(prelude, body): body is a declaration list, a nested rule list (@media) or raw text."""
        out: list[tuple[str, Any]] = []
        for node in nodes:
            if node.type == "qualified-rule":
                selectors = used_selectors(node.prelude)
                if selectors:
                    out.append((selectors, tinycss2.parse_blocks_contents(node.content, skip_comments=True,
                                                                          skip_whitespace=True)))
            elif node.type == "at-rule" and node.at_keyword == "media" and node.content is not None:
                inner = used_rules(parse(node.content))
                if inner:
                    out.append((f"@media {tinycss2.serialize(node.prelude).strip()}", inner))
            elif node.type == "at-rule":
                out.append((f"@{node.at_keyword} {tinycss2.serialize(node.prelude).strip()}",
                             tinycss2.serialize(node.content or [])))
        return out

    def declarations(rules: list[tuple[str, Any]]) -> list:
        found = []
        for _, body in rules:
            if isinstance(body, list) and body and isinstance(body[0], tuple):
                found += declarations(body)
            elif isinstance(body, list):
                found += [d for d in body if d.type == "declaration"]
        return found

    rules = used_rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    refers = re.compile(r"var\(\s*(--[\w-]+)")
    definitions: dict[str, list[str]] = {}
    needed: set[str] = set()
    for d in declarations(rules):
        value = tinycss2.serialize(d.value)
        if d.name.startswith("--"):
            definitions.setdefault(d.name, []).append(value)
        else:
            needed.update(refers.findall(value))
    needed.update(refers.findall("".join(body for _, body in rules if isinstance(body, str))))
    todo = list(needed)
    while todo:                                   # variables defined through other variables
        for value in definitions.get(todo.pop(), []):
            new = set(refers.findall(value)) - needed
            needed |= new
            todo += new

    def write(rules: list[tuple[str, Any]]) -> str:
        parts = []
        for prelude, body in rules:
            if isinstance(body, str):
                inner = body
            elif body and isinstance(body[0], tuple):
                inner = write(body)
            else:
                inner = ";".join(f"{d.name}:{tinycss2.serialize(d.value).strip()}{' !important' if d.important else ''}"
                                 for d in body if d.type == "declaration" and (not d.name.startswith("--")
                                                                               or d.name in needed))
            if inner:
                parts.append(f"{prelude}{{{inner}}}")
        return "".join(parts)

    return write(rules)


def _minify_css(css: str) -> str:
    """The stylesheet without comments and redundant white space (a third smaller)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    return re.sub(r"\s*([{};,>])\s*", r"\1", css).strip() + "\n"
