"""Content hashes of files and run folders (the manifest, the checksums and ``iq verify``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

MANIFEST = "manifest.json"
CHECKSUMS = "checksums.sha256"
RECORDS = frozenset({MANIFEST, CHECKSUMS})  # a run's records of itself: not among its outputs


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def files(folder: Path) -> list[str]:
    """Every file under ``folder``, as sorted relative POSIX paths."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def hash_tree(folder: Path, skip: frozenset[str] | set[str] = RECORDS) -> dict[str, str]:
    """Relative path → sha256 of every file under ``folder`` except ``skip``."""
    return {name: sha256(folder / name) for name in files(folder) if name not in skip}
