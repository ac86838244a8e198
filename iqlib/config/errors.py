"""A mistake in a params file told in the user's words: one ``UserError`` naming the file
and the key as the user wrote it (list positions of coded items replaced by their code),
never pydantic's own paths and union tags.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import ValidationError

from iqlib.core.errors import UserError, first_of
from iqlib.core.registry import Strict

_M = TypeVar("_M", bound=Strict)


def validated(model: type[_M], data: dict, where: str) -> _M:
    """``data`` validated as ``model``; every error in one ``UserError`` starting with ``where``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # at most the first ten errors and their total: a file with thousands of bad entries is a short message
        raise UserError(f"{where}: " + first_of([_describe(dict(e), data) for e in exc.errors()], sep="; ")) from None


def _describe(err: dict, data: dict) -> str:
    key = ".".join(_named(list(err["loc"]), data, err["type"] == "missing")) or "(top level)"
    if err["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if err["type"] == "missing":
        return f"missing key '{key}'"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"].endswith("_type") or err["type"].endswith("_parsing"):
        return f"key '{key}': {msg} (got {err['input']!r})"
    return f"key '{key}': {msg}"


_ABSENT = object()


def _named(loc: list, data: Any, missing: bool = False) -> list[str]:
    """The key path of an error as the user wrote it: list positions of coded items
    replaced by their code ('indicators.4.weight' → 'indicators.I05.weight'), and the
    union-member tags pydantic inserts ('minmax', 'Ratio', 'float', 'choice', …) left out:
    a tag is a part that is not a key of the data at that point (only the last part of a
    ``missing`` error names a key that is not there)."""
    out, node = [], data
    for i, part in enumerate(loc):
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            item = node[part]
            out.append(str(item["code"]) if isinstance(item, dict) and "code" in item else str(part))
            node = item
        elif isinstance(node, dict) and part in node:
            out.append(str(part))
            node = node[part]
        elif missing and i == len(loc) - 1:
            out.append(str(part))
            node = _ABSENT
        # anything else is a union-member tag: not a key of the data the user wrote
    return out


def unique(what: str, codes: list[str]) -> None:
    """A ``ValueError`` (a validator's message) listing the codes given twice."""
    seen, dup = set(), []
    for c in codes:
        if c in seen:
            dup.append(c)
        seen.add(c)
    if dup:
        raise ValueError(f"duplicate {what} code(s): {first_of(dup)}")
