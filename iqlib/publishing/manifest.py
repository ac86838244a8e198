"""The manifest of a run: what was run, on what, with what — the record an auditor checks
a published run against (``iq verify``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from iqlib import __version__
from iqlib.config.params import Params, load_params
from iqlib.config.paths import display, project_root
from iqlib.io.hashing import hash_tree, sha256
from iqlib.publishing import machine
from iqlib.stages import STAGES

PACKAGES = ["iqlib", "numpy", "pandas", "scipy", "matplotlib", "seaborn", "pyyaml", "pydantic",
            "papermill", "nbformat", "nbclient", "nbconvert", "ipykernel", "openpyxl", "threadpoolctl"]
CODE = ["notebooks/*.ipynb", "pyproject.toml", "constraints.txt"]


def package_versions() -> dict[str, str | None]:
    """The installed version of every package that shapes a run (None: not installed)."""
    out: dict[str, str | None] = {}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(project_root()), *args], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def code_digest() -> str:
    """sha256 over the code that makes a run: the iqlib package in use, the project's stage
    notebooks and dependency pins, file names included. It identifies the code by content,
    so a fresh clone of a later commit that changed none of it is the same code."""
    package = Path(__file__).resolve().parents[1]
    files = [(f"iqlib/{p.relative_to(package).as_posix()}", p) for p in package.rglob("*.py")
             if "__pycache__" not in p.parts]
    root = project_root()
    files += [(p.relative_to(root).as_posix(), p) for pattern in CODE for p in root.glob(pattern) if p.is_file()]
    digest = hashlib.sha256()
    for name, path in sorted(files):
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file_entry(path: Path) -> dict:
    return {"path": display(path), "bytes": path.stat().st_size, "sha256": sha256(path)}


def manifest(params: Params, staging: Path, started: str) -> dict:
    """What was run, on what, with what: the record an auditor checks a run against."""
    status = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!outputs")
    resolved = params.resolved()
    resolved_json = json.dumps(resolved, ensure_ascii=False, sort_keys=True)
    return {
        "manifest_version": 2,
        "edition": params.edition.edition,
        "scenario": params.edition.scenario,
        "synthetic": params.edition.synthetic,
        "draft": params.draft,
        "params": {**_file_entry(params.edition_path), "files": [_file_entry(f) for f in params.files],
                   "resolved": resolved, "resolved_sha256": hashlib.sha256(resolved_json.encode()).hexdigest()},
        "methodology": {**_file_entry(params.methodology_path), "id": params.methodology.id},
        "inputs": {key: _file_entry(p) for key, p in params.input_paths.items()},
        "base_edition": _base_entry(params),
        "notebooks": {s: _file_entry(project_root() / "notebooks" / f"{s}.ipynb") for s in STAGES},
        "code": {"iqlib_version": __version__, "content_sha256": code_digest(),
                 "git_commit": git("rev-parse", "HEAD"), "git_dirty": None if status is None else bool(status)},
        "environment": {"python": platform.python_version(), "platform": platform.platform(),
                        "PYTHONHASHSEED": "0", "kernel": "python3",
                        "packages": package_versions()},
        "machine": machine.describe(),
        "started": started,
        "finished": now(),
        "outputs": hash_tree(staging),
    }


def _base_entry(params: Params) -> dict | None:
    """The base edition whose data fixes goalposts, with its input files."""
    if not params.edition.base_edition:
        return None
    base = load_params(params.edition.base_edition)
    return {**_file_entry(base.edition_path), "inputs": {k: _file_entry(p) for k, p in base.input_paths.items()}}


