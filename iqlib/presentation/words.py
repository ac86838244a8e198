"""Every word a reader sees, looked up by key in one catalogue per language.

The catalogues are YAML files beside this module (``catalogue/<language>.yaml``), nested
by section (``site.home.title`` is ``site: {home: {title: …}}``). Code asks for a key and
never branches on the language: adding a language is adding a file with the same keys
(``tests/test_words.py`` checks that every key exists in every catalogue).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

DEFAULT = "ru"


@cache
def catalogue(language: str) -> dict[str, Any]:
    """The catalogue of ``language`` as a flat mapping of dotted keys to values."""
    source = resources.files("iqlib.presentation") / "catalogue" / f"{language}.yaml"
    if not source.is_file():
        raise KeyError(f"no catalogue for language {language!r} (iqlib/presentation/catalogue/{language}.yaml)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)      # libyaml's: ten times faster, the same data
    data = yaml.load(source.read_text(encoding="utf-8"), Loader=loader) or {}
    return dict(_flatten(data))


def _flatten(data: dict[str, Any], prefix: str = "") -> Any:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{name}.")
        else:
            yield name, value


def languages() -> list[str]:
    """The languages that have a catalogue, sorted."""
    folder = resources.files("iqlib.presentation") / "catalogue"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def word(language: str, key: str, **fields: Any) -> Any:
    """The catalogue entry ``key`` of ``language``, formatted with ``fields`` when it is a
    string and fields are given (a section is read with ``words``). An unknown key is a
    ``KeyError`` naming it."""
    entries = catalogue(language)
    if key not in entries:
        raise KeyError(f"catalogue {language}.yaml has no key {key!r}")
    value = entries[key]
    return value.format(**fields) if fields and isinstance(value, str) else value


def words(language: str, prefix: str) -> dict[str, Any]:
    """Every entry under ``prefix`` (``site.columns`` → ``{column: label}``), keys without the
    prefix: a new dict each call (the caller may change it)."""
    return dict(_section(language, prefix))


@cache
def _section(language: str, prefix: str) -> dict[str, Any]:
    """``words``, found once per process (a site asks for the same sections thousands of times)."""
    start = f"{prefix}."
    return {k.removeprefix(start): v for k, v in catalogue(language).items() if k.startswith(start)}
