"""Reading params YAML: the safe loader only, one mapping at the top, every error naming
the file and line."""

from __future__ import annotations

from pathlib import Path

import yaml

from iqlib.config.paths import display
from iqlib.core.errors import UserError


def read_yaml(path: Path) -> dict:
    """Parse a YAML mapping with the safe loader; errors name the file and line."""
    shown = display(path)
    if not path.is_file():
        raise UserError(f"{shown}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UserError(f"{shown}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise UserError(f"{shown}: not UTF-8 text") from None
    if not isinstance(data, dict):
        raise UserError(f"{shown}: expected a mapping of keys at the top level")
    return data
