"""Resolve files from the project root, never from the current directory.

nbval starts a kernel in the notebook's folder, papermill in the caller's, so every
path in params is relative to the project root found here.
"""

from __future__ import annotations

import os
from pathlib import Path


def _is_root(path: Path) -> bool:
    return (path / "pyproject.toml").is_file() and (path / "iqlib").is_dir() and (path / "params").is_dir()


def project_root() -> Path:
    """The project root: $IQ_PROJECT_ROOT, else the first parent of the cwd that holds
    pyproject.toml, iqlib/ and params/, else the folder this package was installed from."""
    env = os.environ.get("IQ_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _is_root(candidate):
            return candidate
    package_parent = Path(__file__).resolve().parents[2]
    if _is_root(package_parent):
        return package_parent
    raise RuntimeError("cannot find the project root (set IQ_PROJECT_ROOT)")


def resolve(path: str | os.PathLike) -> Path:
    """An absolute path: relative paths are taken from the project root."""
    p = Path(path)
    return p if p.is_absolute() else project_root() / p


def display(path: str | os.PathLike) -> str:
    """A path as users see it: relative to the project root when inside it (no
    absolute paths in published outputs)."""
    p = Path(path).resolve()
    try:
        return p.relative_to(project_root()).as_posix()
    except ValueError:
        return p.as_posix()
