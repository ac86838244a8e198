"""Reading params YAML: the safe loader only (libyaml's when installed: ten times faster),
one mapping at the top, every error naming the file and line. A file is parsed once per
content; callers get their own copy."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import yaml

from iqlib.config.paths import display
from iqlib.core.errors import UserError


def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping with the safe loader; errors name the file and line."""
    shown = display(path)
    if not path.is_file():
        raise UserError(f"{shown}: file not found")
    raw = path.read_bytes()
    key = hashlib.sha256(raw).digest()
    if key not in _PARSED:
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = _parse(raw, shown)
    return copy.deepcopy(_PARSED[key])


_PARSED: dict[bytes, dict] = {}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(raw: bytes, shown: str) -> dict:
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_LOADER)  # noqa: S506 — a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UserError(f"{shown}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise UserError(f"{shown}: not UTF-8 text") from None
    if not isinstance(data, dict):
        raise UserError(f"{shown}: expected a mapping of keys at the top level")
    return data
