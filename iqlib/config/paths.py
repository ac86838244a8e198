"""Resolve files from the project root, never from the current directory.

nbval starts a kernel in the notebook's folder, papermill in the caller's, so every
path in params is relative to the project root found here.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from iqlib.core.errors import UserError


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


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input file ('file not found', 'is a folder, not
    a file', the system's reason such as a name too long for the file system), or None."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "file not found"
    except OSError as exc:
        return _reason(exc, path)
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(mode):  # a device, pipe or socket: reading it may never end
        return "is not a regular file (a device, pipe or socket)"
    return None


def read_bytes(path: Path) -> bytes:
    """The bytes of an input file; any reason it cannot be read is one ``UserError`` naming it."""
    problem = file_problem(path)
    if problem:
        raise UserError(f"{display(path)}: {problem}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UserError(f"{display(path)}: {_reason(exc, path)}") from None


def _reason(exc: OSError, path: Path) -> str:
    if exc.errno == errno.ENAMETOOLONG:
        longest = max((len(part.encode()) for part in path.parts), default=0)
        return (f"cannot be read: the path is too long for the file system (its longest name has {longest} bytes, "
                f"the whole path {len(str(path).encode())}; file systems commonly allow 255 and 4096)")
    return f"cannot be read: {exc.strerror or type(exc).__name__}"
