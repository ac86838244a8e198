"""The publisher's framing of the site: the edition's ``publication:`` block (validated with one
clear message naming the key), the footer made from it, the meta descriptions, sitemap.xml
and robots.txt."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ROOT, iq_here

from iqlib.config.params import load_params
from iqlib.core.errors import UserError
from iqlib.presentation import framing, site

EDITION = ROOT / "params" / "editions" / "2019.yaml"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def edition_with(tmp_path: Path, old: str, new: str) -> Path:
    """The demo edition with one line of its publication block replaced, as a user would edit
    the file (the YAML text, so that an unquoted date stays what YAML reads)."""
    text = EDITION.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "edition.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_the_demo_editions_say_who_publishes_them_and_that_the_address_is_a_placeholder():
    for year in (2018, 2019, 2020, 2021):
        pub = load_params(ROOT / "params" / "editions" / f"{year}.yaml", check_inputs=False).edition.publication
        assert pub is not None
        assert pub.date_published == datetime.date(2026, 12, 4)
        assert pub.licence.name == "CC BY 4.0" and pub.licence.url.startswith("https://creativecommons.org/")
        assert pub.base_url == "https://example.org/iq-gorodov/" and pub.placeholder
        assert "демонстрационные" in pub.publisher_ru
    # a scenario inherits its edition's block
    scenario = load_params(ROOT / "params" / "scenarios" / "reference_bounds.yaml", check_inputs=False)
    assert scenario.edition.publication == load_params(EDITION, check_inputs=False).edition.publication


@pytest.mark.parametrize("old,new,fragment", [
    ("date_published: 2026-12-04", "date_published: 2026-13-04",
     "key 'publication.date_published': '2026-13-04' is not a date (month must be in 1..12)"),
    ("date_published: 2026-12-04", "date_published: 04.12.2026",
     "key 'publication.date_published': expected an ISO date such as 2026-12-04, not '04.12.2026'"),
    ("date_published: 2026-12-04", "date_published: 20261204",
     "key 'publication.date_published': expected an ISO date such as 2026-12-04, not 20261204"),
    ("  base_url:", "  version: 2\n  base_url:", "unknown key 'publication.version'"),
    ('licence: {name: "CC BY 4.0",', 'licence: {version: 4, name: "CC BY 4.0",', "unknown key 'publication.licence.version'"),
    ('contact: "iq-gorodov@example.org"', 'contact: "отдел цифровизации"',
     "key 'publication.contact': expected an e-mail address (name@host.ru) or a web page (https://…), "
     "not 'отдел цифровизации'"),
    ('base_url: "https://example.org/iq-gorodov/"', 'base_url: "example.org/iq-gorodov/"',
     "key 'publication.base_url': String should match pattern"),
    ("— {year}. — URL: {url}", "— {yaer}. — URL: {url}",
     "key 'publication.citation_ru': unknown field {yaer}; the template may use {publisher}, {title}, {year} and {url}"),
    ('  publisher_en: "IQ of Cities — an open toolkit (demonstration data)"\n', "", "missing key 'publication.publisher_en'"),
])
def test_a_bad_publication_block_is_one_clear_error_naming_the_key(tmp_path, old, new, fragment):
    path = edition_with(tmp_path, old, new)
    with pytest.raises(UserError) as err:
        load_params(path, check_inputs=False)
    message = str(err.value)
    assert message.startswith(str(path)) or message.startswith(path.name) or "edition.yaml: " in message
    assert fragment in message
    assert message.count("key '") == 1                     # one error, not pydantic's list


def test_the_command_line_says_it_in_one_line_with_exit_code_2(tmp_path):
    path = edition_with(tmp_path, "date_published: 2026-12-04", "date_published: 2026-02-30")
    result = iq_here("validate", str(path))
    assert result.returncode == 2
    assert "key 'publication.date_published': '2026-02-30' is not a date (day is out of range for month)" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_block_is_optional():
    params = load_params(EDITION, check_inputs=False)
    bare = params.edition.model_copy(update={"publication": None})
    assert framing.footer(type(params)(bare, params.methodology, params.edition_path, params.methodology_path,
                                       params.files), "T") is None


def test_the_footer_holds_the_block_in_the_editions_language():
    params = load_params(EDITION, check_inputs=False)
    f = framing.footer(params, "IQ городов — 2019", "2019/base/index.html")
    assert f is not None
    assert f["date"] == "04.12.2026" and f["lastmod"] == "2026-12-04"
    assert f["publisher"] == "IQ городов — открытый набор инструментов (демонстрационные данные)"
    assert f["citation"] == ("IQ городов — открытый набор инструментов (демонстрационные данные). IQ городов — 2019 "
                             "[Электронный ресурс]. — 2026. — URL: https://example.org/iq-gorodov/2019/base/index.html")
    assert f["contact"] == {"text": "iq-gorodov@example.org", "href": "mailto:iq-gorodov@example.org"}
    assert f["synthetic"] is True
    html = site.fragment("footer", footer=f)
    assert '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/deed.ru">CC BY 4.0</a>' in html
    assert '<time datetime="2026-12-04">04.12.2026</time>' in html
    assert "Данные демонстрационные (синтетические)" in html


def test_every_page_rendered_inside_using_gets_the_footer_and_a_description():
    params = load_params(EDITION, check_inputs=False)
    f = framing.footer(params, "T")
    with framing.using(f):
        page = site.render("404", "ru", "../../", title="Нет страницы", heading="Нет страницы")
    assert page.count('<footer class="site-footer">') == 1
    assert framing.description("method", "ru", {"run": {"title": "IQ городов — 2019"}}).startswith(
        "IQ городов — 2019: методика — структура индекса")
    assert framing.description("404", "ru", {}) == ""       # the builder gives the 404 page its own
    assert "<meta name=\"description\"" not in page
    assert '<a class="skip-link" href="#main">Перейти к содержанию</a>' in page and '<main id="main">' in page
    assert re.search(r'<link rel="icon" href="\.\./\.\./assets/favicon\.[0-9a-f]{10}\.svg" type="image/svg\+xml">', page)
    outside = site.render("404", "ru", "", title="x", heading="x")
    assert "<footer" not in outside                         # nothing leaks out of the block


def test_the_sitemap_lists_every_page_once_with_absolute_addresses():
    text = framing.sitemap("https://example.org/iq/", ["b/index.html", "index.html", "b/index.html", "c/city/a b.html"],
                           "2026-12-04", placeholder=True)
    root = ET.fromstring(text.encode())
    locs = [u.find(f"{SITEMAP}loc").text for u in root.iter(f"{SITEMAP}url")]
    assert locs == ["https://example.org/iq/b/index.html", "https://example.org/iq/c/city/a%20b.html",
                    "https://example.org/iq/index.html"]
    assert {u.find(f"{SITEMAP}lastmod").text for u in root.iter(f"{SITEMAP}url")} == {"2026-12-04"}
    assert "placeholder address" in text
    dated = ET.fromstring(framing.sitemap("https://example.org/iq/", ["2019/base/index.html", "2019/baseline/a.html",
                                                                      "index.html"], "2026-12-04", False,
                                          {"2019/base": "2025-03-01"}).encode())
    assert [u.find(f"{SITEMAP}lastmod").text for u in dated.iter(f"{SITEMAP}url")] == ["2025-03-01", "2026-12-04",
                                                                                       "2026-12-04"]
    assert "placeholder" not in framing.sitemap("https://iq.minstroy.example.ru/", ["index.html"], "2026-12-04", False)
    assert framing.robots("https://example.org/iq/") == ("User-agent: *\nAllow: /\n"
                                                         "Sitemap: https://example.org/iq/sitemap.xml\n")
    assert framing.robots(None) == "User-agent: *\nAllow: /\n"


@pytest.mark.parametrize("url,placeholder", [("https://example.org/iq/", True), ("https://www.example.com/", True),
                                             ("https://iq.test/", True), ("https://iq.minstroyrf.gov.ru/", False)])
def test_a_documentation_host_is_a_placeholder(tmp_path, url, placeholder):
    path = edition_with(tmp_path, 'base_url: "https://example.org/iq-gorodov/"', f'base_url: "{url}"')
    assert load_params(path, check_inputs=False).edition.publication.placeholder is placeholder
