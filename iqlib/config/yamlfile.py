"""Reading params YAML: the safe loader only (libyaml's when installed: ten times faster),
one mapping at the top, no key twice, no anchors or aliases, no absurd nesting; every error
names the file and line. A file is parsed once per content; callers get their own copy."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import yaml

from iqlib.config.paths import display, read_bytes
from iqlib.core.errors import UserError


def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping with the safe loader; errors name the file and line."""
    shown = display(path)
    raw = read_bytes(path)
    key = hashlib.sha256(raw).digest()
    if key not in _PARSED:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = _parse(raw, shown)
    return copy.deepcopy(_PARSED[key])


_PARSED: dict[bytes, dict] = {}
MAX_DEPTH = 64        # params files nest a few levels; deeper is a mistake or an attack


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml's parser when installed) that refuses what params files never
    need and a hostile file uses: a key given twice (the last would silently win),
    anchors and aliases (a few lines can expand to gigabytes), nesting deeper than
    ``MAX_DEPTH``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _Refused(f"key {key!r} given twice (line {seen[key] + 1} and line {key_node.start_mark.line + 1})")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """A date or time stays text: the schema that expects one parses it and, for a bad one
    (2026-13-01), names the key instead of YAML failing with a traceback."""
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


class _Refused(Exception):
    """A params file uses something it may not (the message says what and where)."""


def _check_tree(node: yaml.Node) -> None:
    """Refuse aliases (a node reached twice) and nesting beyond ``MAX_DEPTH``, walking the
    composed document once (iteratively: a hostile depth cannot exhaust the stack)."""
    seen: set[int] = set()
    todo = [(node, 1)]
    while todo:
        current, depth = todo.pop()
        if id(current) in seen:
            raise _Refused(f"anchors and aliases (& and *) are not accepted (the value anchored on line "
                           f"{current.start_mark.line + 1} is reused)")
        seen.add(id(current))
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep (line {current.start_mark.line + 1})")
        if isinstance(current, yaml.MappingNode):
            todo += [(n, depth + 1) for pair in current.value for n in pair]
        elif isinstance(current, yaml.SequenceNode):
            todo += [(n, depth + 1) for n in current.value]


def _parse(raw: bytes, shown: str) -> dict:
    try:
        loader = _Loader(raw.decode("utf-8"))
        try:
            node = loader.get_single_node()
            if node is None:
                raise UserError(f"{shown}: expected a mapping of keys at the top level")
            _check_tree(node)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except _Refused as exc:
        raise UserError(f"{shown}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UserError(f"{shown}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise UserError(f"{shown}: not UTF-8 text") from None
    except RecursionError:
        raise UserError(f"{shown}: nested more than {MAX_DEPTH} levels deep") from None
    if not isinstance(data, dict):
        raise UserError(f"{shown}: expected a mapping of keys at the top level")
    return data
