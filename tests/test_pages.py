"""The page system without a browser: words from the catalogue only, the run's index.html
from its template with the one stylesheet inlined, and the notebook pages' share of it."""

from __future__ import annotations

import re

import html5lib
import pandas as pd
import yaml
from conftest import ROOT

from iqlib.config.params import load_params

STYLESHEET = (ROOT / "iqlib/presentation/static/site.css").read_text(encoding="utf-8")
MINE = ["iqlib/presentation/site.py", "iqlib/presentation/pages.py", "iqlib/presentation/svg.py",
        "iqlib/publishing/site.py", "iqlib/publishing/series.py", "iqlib/publishing/compare.py",
        "iqlib/publishing/notebook_html.py", "iqlib/analysis/summaries.py"]


def test_pages_take_their_words_from_the_catalogue():
    """No Russian word and no branch on the language in the code, templates and assets of
    the pages: their words are the catalogue's (sections site, page, series, comparison),
    and those sections have the same keys in every language."""
    cyrillic = re.compile(r"[А-Яа-яЁё]")
    branch = re.compile(r"""==\s*["']ru["']|["']ru["']\s*==|\bif ru\b|\bru else\b|\[["']ru["']\]""")
    files = [ROOT / f for f in MINE] + sorted((ROOT / "iqlib/presentation/templates").glob("*.html"))
    for path in [*files, *sorted(p for p in (ROOT / "iqlib/presentation/static").iterdir() if p.suffix != ".ico")]:
        text = path.read_text(encoding="utf-8")
        assert not cyrillic.search(text), f"{path.name}: {cyrillic.search(text).group(0)!r}"
        assert not branch.search(text), f"{path.name}: {branch.search(text).group(0)!r}"
    catalogues = {lang: yaml.safe_load((ROOT / f"iqlib/presentation/catalogue/{lang}.yaml").read_text(encoding="utf-8"))
                  for lang in ("ru", "en")}

    def keys(data: dict, prefix: str = "") -> set[str]:
        return set().union(*({f"{prefix}{k}"} if not isinstance(v, dict) else keys(v, f"{prefix}{k}.")
                             for k, v in data.items()))
    for section in ("site", "page", "series", "comparison"):
        assert keys(catalogues["ru"][section]) == keys(catalogues["en"][section]), section
    assert "site.py" not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")   # no line-length exemption


def _index(**changes):
    from iqlib.presentation.pages import index_html

    params = load_params(ROOT / "params/editions/2019.yaml", check_inputs=False)
    for key, value in changes.items():
        setattr(params, key, value)
    scores = pd.read_csv(ROOT / "outputs/2019/base/results/scores.csv", dtype={"city_id": str})
    page = index_html(params, ["01_load", "02_normalise"], scores, ["scores.csv", "values.csv"],
                      ["distribution.png", "leaderboard_krupnye.png"])
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)   # valid HTML5
    return page


def test_the_run_index_is_the_template_with_the_stylesheet_inlined():
    page = _index()
    assert f"<style>\n{STYLESHEET}</style>" in page and "<script" not in page and "<link" not in page
    assert '<html lang="ru">' in page and "Синтетические демонстрационные данные" in page
    assert page.count('href="html/') == 2 and 'href="notebooks/02_normalise.ipynb"' in page
    assert re.findall(r'<img src="figures/([^"]+)"', page) == ["leaderboard_krupnye.png", "distribution.png"]
    leaders = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d)</td>", page)
    assert len(leaders) == 12 and leaders[0] == ("Крупнейшие города (от 1 млн)", "1")   # three per group, in order
    assert re.search(r'<td class="num">\d+,\d\d</td>', page)                              # decimal comma
    assert "ЧЕРНОВИК" not in page


def test_a_draft_index_says_so_and_has_no_notebook_pages():
    page = _index(draft=True)
    assert '<p class="synthetic">ЧЕРНОВИК (iq run --draft)' in page and 'href="html/' not in page


def test_notebook_pages_take_only_the_class_rules_of_the_one_stylesheet():
    from iqlib.publishing.notebook_html import header, page_css

    css = page_css()
    assert css.startswith(":root{--ink:")
    assert ".jp-RenderedHTMLCommon .iq-table :is(th,td){text-align:left;vertical-align:top}" in css
    assert ".synthetic,.iq-synthetic{" in css and "header nav{margin-bottom" not in css
    assert not re.search(r"(^|})(\*|body|a|img|table|th,td|h1,h2,h3)\{", css)   # no rule for bare elements
    top = header([("../index.html", "<Run>")], "Синтетические")
    assert top == ('<header class="iq-header"><nav><a href="../index.html">&lt;Run&gt;</a></nav>'
                   '<p class="iq-synthetic">Синтетические</p></header>')


def test_a_notebook_page_is_exported_through_the_template(tmp_path):
    """templates/notebook.html.j2: the run's language, the given title (escaped), the
    header first in the body, no script from a CDN; write_pages moves the stylesheets
    to one content-addressed file that holds the notebook pages' rules of site.css."""
    import nbformat

    from iqlib.publishing.notebook_html import export, header, write_pages

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("Доля $x_i$"),
                                         nbformat.v4.new_code_cell("1 + 1", execution_count=1, outputs=[
                                             nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                                                    execution_count=1)])])
    source = tmp_path / "a.ipynb"
    nbformat.write(nb, source)
    top = header([("../index.html", "Расчёт")], "Синтетические данные")
    page = export(source, "Этап <1>", "ru", code=True, top=top)
    assert '<html lang="ru">' in page and "<title>Этап &lt;1&gt;</title>" in page
    assert "<script" not in page and "mathjax" not in page.lower()
    assert re.search(r'<body class="jp-Notebook"[^>]*>\s*<a class="skip-link" href="#main">[^<]+</a>\s*'
                     r'<header class="iq-header">', page)
    editor = re.compile(r'<div class="[^"]*jp-InputArea-editor')           # a code cell's input
    assert editor.search(page) and not editor.search(export(source, "t", "ru", code=False))
    write_pages({tmp_path / "html" / "a.html": page}, tmp_path / "html", "")
    written = (tmp_path / "html" / "a.html").read_text(encoding="utf-8")
    assert "<style" not in written
    css = re.search(r'<link rel="stylesheet" href="(nb\.[0-9a-f]{12}\.css)">', written).group(1)
    assert ".iq-header nav{" in (tmp_path / "html" / css).read_text(encoding="utf-8")
    html5lib.HTMLParser(strict=False, namespaceHTMLElements=False).parse(written)
