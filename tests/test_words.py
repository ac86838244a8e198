"""One vocabulary: every word a reader sees is a key of one catalogue per language
(``iqlib/presentation/catalogue/<language>.yaml``), every catalogue has the same keys and
the same format fields, and the code that builds pages, tables, charts and the explorer
holds no word of its own and never branches on the language."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from conftest import ROOT

from iqlib.presentation import words

SCANNED = sorted([*(ROOT / "iqlib" / "presentation").rglob("*.py"), *(ROOT / "iqlib" / "publishing").rglob("*.py"),
                  ROOT / "iqlib" / "explorer.py"])
CYRILLIC = re.compile("[\u0400-\u04ff]")
LANGUAGES = frozenset({"ru", "en", *words.languages()})
LANGUAGE_NAMES = frozenset({"language", "lang"})


def fields(template: object) -> set[str]:
    """The format fields of a catalogue entry ('{short} points' → {'short'})."""
    if not isinstance(template, str):
        return set()
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


# --------------------------------------------------------------------------- the catalogues
def test_ru_and_en_have_catalogues():
    assert {"ru", "en"} <= set(words.languages())


@pytest.mark.parametrize("language", words.languages())
def test_every_key_exists_in_every_language_with_the_same_fields(language):
    reference = words.catalogue(words.DEFAULT)
    other = words.catalogue(language)
    assert sorted(set(reference) - set(other)) == [], f"catalogue/{language}.yaml lacks these keys"
    assert sorted(set(other) - set(reference)) == [], f"catalogue/{words.DEFAULT}.yaml lacks these keys"
    differ = {key: (fields(reference[key]), fields(other[key])) for key in reference
              if fields(reference[key]) != fields(other[key]) or type(reference[key]) is not type(other[key])}
    assert differ == {}, f"format fields or types differ between {words.DEFAULT}.yaml and {language}.yaml"
    assert all(isinstance(v, str) and v for v in other.values()), "every entry is a non-empty string"


def test_an_unknown_key_is_a_key_error_naming_it():
    with pytest.raises(KeyError, match=r"no key 'text\.no_such_word'"):
        words.word("ru", "text.no_such_word")
    with pytest.raises(KeyError, match="xx"):
        words.word("xx", "text.none")


def test_a_word_is_looked_up_and_filled_in():
    assert words.word("ru", "text.none") == "Нет." and words.word("en", "text.none") == "None."
    assert words.word("ru", "text.score", short="IQ") == "Баллы IQ"
    assert words.word("en", "text.score", short="IQ") == "IQ points"
    assert words.word("ru", "format.thousands") == "\u202f" and words.word("en", "format.decimal") == "."
    assert words.words("en", "text.stage_names")["04_rank"] == "4. Rank"


def test_the_missing_data_rule_column_says_what_it_is():
    assert words.word("ru", "columns.missing_rule") == "Правило пропусков"
    assert words.word("en", "columns.missing_rule") == "Missing-data rule"


# --------------------------------------------------------------------------- the code
def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def _is_language(node: ast.AST) -> bool:
    """A language code ('ru') or a name that holds a language (language, lang, params.language)."""
    if isinstance(node, ast.Constant):
        return node.value in LANGUAGES
    if isinstance(node, ast.Name):
        return node.id in LANGUAGE_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in LANGUAGE_NAMES
    return False


def violations(source: str) -> list[str]:
    """Every word built outside the catalogue and every language branch in ``source``: a
    string literal with Cyrillic (docstrings and comments excepted), a comparison with a
    language code or of a language, a dict or keyword arguments keyed by language codes, a
    subscript by a language code, a ``match`` case on one. Each as 'line: what'."""
    tree = ast.parse(source)
    skip = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                and CYRILLIC.search(node.value):
            found.append(f"{line}: Cyrillic string {node.value[:40]!r}")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            inner = [n for o in operands for n in ast.walk(o) if isinstance(n, ast.Constant) and n.value in LANGUAGES]
            given = all(isinstance(o, ast.Constant) and o.value is None for o in operands if not _is_language(o))
            if (any(_is_language(o) for o in operands) and not given) or inner:   # 'language is None' is no branch
                found.append(f"{line}: comparison with a language ({ast.unparse(node)[:60]})")
        elif isinstance(node, ast.Dict) and any(k is not None and _is_language(k) and isinstance(k, ast.Constant)
                                                for k in node.keys):
            found.append(f"{line}: dict keyed by language")
        elif isinstance(node, ast.Call) and any(k.arg in LANGUAGES for k in node.keywords):
            found.append(f"{line}: arguments keyed by language")
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and node.slice.value in LANGUAGES:
            found.append(f"{line}: subscript by a language code")
        elif isinstance(node, ast.MatchValue) and _is_language(node.value):
            found.append(f"{line}: match case on a language")
    return sorted(found, key=lambda f: int(f.split(":")[0]))


@pytest.mark.parametrize("snippet", [
    'label = "Город"',
    'x = f"Место {n}"',
    'x = "А" if ok else "B"',
    'if params.language == "ru":\n    pass',
    'if lang != "en":\n    pass',
    'i = 0 if self.language == other else 1',
    'ok = language in ("ru", "en")',
    'names = {"ru": "a", "en": "b"}',
    'names = dict(ru="a", en="b")',
    'name = TEXT["en"]',
    'match lang:\n    case "ru":\n        pass',
])
def test_the_check_finds_a_word_or_a_language_branch(snippet):
    assert len(violations(snippet)) == 1, snippet


def test_the_check_spares_docstrings_comments_and_keys():
    source = ('"""Модуль."""\n# комментарий\n\n\ndef f(language: str = "ru") -> str:\n    """Слово."""\n'
              '    assert language is not None\n'
              '    return word(language, "text.none")  # «Нет.»\n\n\nclass A:\n    """Класс."""\n')
    assert violations(source) == []


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_word_is_built_outside_the_catalogue(path):
    name = str(path.relative_to(ROOT))
    found = violations(path.read_text(encoding="utf-8"))
    assert found == [], f"{name}: words belong in iqlib/presentation/catalogue/<language>.yaml"


def test_every_constant_key_the_code_asks_for_exists():
    """``word(language, "section.key")``, ``text(params, "key")`` and the explorer's
    ``say("key")`` with a literal key: the key is in the catalogue (a typo fails here, not
    in front of a reader)."""
    asked = []
    for path in SCANNED:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if called == "word" and len(node.args) >= 2 and args and node.args[1].__class__ is ast.Constant:
                asked.append((path.name, node.args[1].value))
            elif called == "text" and len(node.args) == 2 and isinstance(node.args[1], ast.Constant):
                asked.append((path.name, f"text.{node.args[1].value}"))
            elif called == "say" and node.args and isinstance(node.args[0], ast.Constant):
                asked.append((path.name, f"explorer.{node.args[0].value}"))
    assert len(asked) > 20                      # the scan sees the calls
    keys = set(words.catalogue(words.DEFAULT))
    sections = {k.rsplit(".", 1)[0] for k in keys}
    assert [(f, k) for f, k in asked if k not in keys and k not in sections] == []


def test_adding_a_language_is_adding_a_file(tmp_path, monkeypatch):
    """A catalogue with the same keys is all a language needs: the words' functions read
    it (here a copy of English under another code)."""
    from iqlib.presentation import text

    source = Path(words.__file__).parent / "catalogue" / "en.yaml"
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for language in words.languages():
        (folder / f"{language}.yaml").write_text((source.parent / f"{language}.yaml").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    (folder / "xx.yaml").write_text(source.read_text(encoding="utf-8").replace("None.", "Nichts."), encoding="utf-8")

    class Files:
        def __truediv__(self, name: str) -> Path:
            return tmp_path / name

    monkeypatch.setattr(words.resources, "files", lambda package: Files())
    words.catalogue.cache_clear()
    text.section.cache_clear()
    try:
        assert "xx" in words.languages()
        assert words.word("xx", "text.none") == "Nichts."
        assert text.number(1234.5, 1, "xx") == "1,234.5"
        assert text.table_title("xx", "scores") == "Ranking"
    finally:
        words.catalogue.cache_clear()
        text.section.cache_clear()


# --------------------------------------------------------------------------- Russian only
# entries meant for the methodologist, not a reader of the site: the run folder's own index page
# (iq run's commands), the what-if explorer in JupyterLab, the manifest sheet's hashes and commit
NOT_FOR_READERS = ("page.", "text.no_base_run", "explorer.", "site.manifest_rows.",
                   "auditor.book.")   # the auditor's workbook names Excel, LibreOffice and the method codes


def test_the_russian_words_a_reader_sees_hold_no_latin_decimal_point_or_path():
    """Every Russian entry a page, table or chart of the site takes: no Latin word but the
    allow-list of tests/test_language.py, no decimal point, no repository path, no YAML
    key (the pages are scanned as built there; this names the key at once)."""
    from test_language import ALLOWED, offences

    found = {key: offences(re.sub(r"\{[^}]*\}", " ", value), ALLOWED)
             for key, value in words.catalogue("ru").items() if isinstance(value, str) and not key.startswith(NOT_FOR_READERS)}
    assert {key: bad for key, bad in found.items() if bad} == {}
    assert offences("правило exclude (scoring.screening), 1.5", ALLOWED)       # and it would see them
