"""``iq verify``: check a published run folder the way an auditor would.

1. every file against ``checksums.sha256`` (tampering, missing or unexpected files);
2. every executed notebook was run by papermill top to bottom;
3. params, methodology, input files and source notebooks against the manifest's hashes;
4. code and package versions against the manifest (reported, not failures);
5. the whole chain re-run into a temporary folder, every file compared exactly: for tables
   the first differing cell, for notebooks the first cell whose outputs differ.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd

from .errors import UserError
from .params import sha256
from .paths import display, resolve

SKIP = {"manifest.json", "checksums.sha256"}


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def read_manifest(run: Path) -> dict:
    path = run / "manifest.json"
    if not run.is_dir():
        raise UserError(f"{display(run)}: no such folder")
    if not path.is_file():
        raise UserError(f"{display(run)}: not a run folder (no manifest.json)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{display(path)}: not valid JSON ({exc})") from None


def check_checksums(run: Path, man: dict, report: Report) -> None:
    sums_path = run / "checksums.sha256"
    if not sums_path.is_file():
        report.problems.append("missing: checksums.sha256")
        return
    sums = {}
    for n, line in enumerate(sums_path.read_text(encoding="utf-8").splitlines(), 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            report.problems.append(f"checksums.sha256 line {n} is malformed")
            continue
        sums[name] = digest
    for name, digest in sums.items():
        path = run / name
        if not path.is_file():
            report.problems.append(f"missing: {name} (listed in checksums.sha256)")
        elif sha256(path) != digest:
            report.problems.append(f"tampered: {name} (sha256 differs from checksums.sha256)")
    for name in _tree(run):
        if name not in sums and name != "checksums.sha256":
            report.problems.append(f"unexpected file: {name} (not in checksums.sha256)")
    listed = {k: v for k, v in sums.items() if k != "manifest.json"}
    if listed != man.get("outputs", {}):
        report.problems.append("manifest.json and checksums.sha256 list different outputs")
    report.lines.append(f"checksums: {len(sums)} files checked")


def check_notebooks(run: Path, report: Report) -> None:
    """Refuse notebooks that papermill did not execute top to bottom."""
    books = sorted((run / "notebooks").glob("*.ipynb"))
    if not books:
        report.problems.append("no executed notebooks in notebooks/")
    for path in books:
        name = f"notebooks/{path.name}"
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # noqa: BLE001 - any unreadable notebook is a finding
            report.problems.append(f"not a notebook: {name} ({type(exc).__name__})")
            continue
        if "papermill" not in nb.metadata or "parameters" not in nb.metadata.papermill:
            report.problems.append(f"not executed by papermill: {name} (no papermill metadata)")
            continue
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        if counts != list(range(1, len(counts) + 1)):
            report.problems.append(f"not executed top to bottom: {name} (execution counts {counts})")
        failed = [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("papermill", {}).get("exception")]
        if failed or nb.metadata.papermill.get("exception"):
            report.problems.append(f"a cell raised an exception: {name}")
    report.lines.append(f"notebooks: {len(books)} checked for a complete papermill execution")


def check_inputs(man: dict, report: Report) -> None:
    """Params, methodology, inputs, base edition and source notebooks as recorded."""
    entries = list(man["params"].get("files", [man["params"]])) + [man["methodology"]]
    entries += list(man["inputs"].values()) + list(man.get("notebooks", {}).values())
    base = man.get("base_edition")
    if base:
        entries += [base, *base.get("inputs", {}).values()]
    seen, changed = set(), 0
    for e in entries:
        if e["path"] in seen:
            continue
        seen.add(e["path"])
        path = resolve(e["path"])
        if not path.is_file():
            report.problems.append(f"input missing: {e['path']}")
            changed += 1
        elif sha256(path) != e["sha256"]:
            report.problems.append(f"input changed since the run: {e['path']} (sha256 differs from manifest.json)")
            changed += 1
    report.lines.append(f"inputs: {len(seen)} files (params, methodology, data, source notebooks), {changed} changed")


def check_versions(man: dict, report: Report) -> None:
    from .run import PACKAGES, _git

    code = man.get("code", {})
    now = _git("rev-parse", "HEAD")
    if code.get("git_commit") != now:
        report.notes.append(f"code version differs: the run was made at git commit {code.get('git_commit')}, "
                            f"this checkout is at {now}")
    if code.get("git_dirty"):
        report.notes.append("the run was made from a checkout with uncommitted changes (git_dirty)")
    recorded = man.get("environment", {}).get("packages", {})
    for pkg in PACKAGES:
        try:
            current = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            current = None
        if recorded.get(pkg) != current:
            report.notes.append(f"package version differs: {pkg} {recorded.get(pkg)} in the run, {current} here")


def compare_trees(published: Path, rerun: Path, report: Report) -> None:
    ours, theirs = set(_tree(published)) - SKIP, set(_tree(rerun)) - SKIP
    for name in sorted(ours - theirs):
        report.problems.append(f"not produced by the re-run: {name}")
    for name in sorted(theirs - ours):
        report.problems.append(f"produced by the re-run but not published: {name}")
    same = 0
    for name in sorted(ours & theirs):
        a, b = published / name, rerun / name
        if a.read_bytes() == b.read_bytes():
            same += 1
            continue
        if name.endswith(".csv"):
            detail = first_csv_difference(a, b)
        elif name.endswith(".ipynb"):
            detail = first_notebook_difference(a, b)
        else:
            detail = "bytes differ"
        report.problems.append(f"differs from the re-run: {name}: {detail}")
    report.lines.append(f"re-run: {len(ours & theirs)} files compared, {same} identical")


def first_csv_difference(published: Path, rerun: Path) -> str:
    try:
        a = pd.read_csv(published, dtype=str, keep_default_na=False)
        b = pd.read_csv(rerun, dtype=str, keep_default_na=False)
    except Exception:  # noqa: BLE001 - a table that no longer parses is itself the difference
        return "cannot be read as a table"
    if list(a.columns) != list(b.columns):
        return f"columns differ: published {list(a.columns)}, re-run {list(b.columns)}"
    if len(a) != len(b):
        return f"{len(a)} rows published, {len(b)} in the re-run"
    diff = (a != b).to_numpy()
    rows, cols = diff.nonzero()
    if not len(rows):
        return "same cells, different bytes (formatting or line endings)"
    out = []
    for r, c in list(zip(rows, cols))[:3]:
        key = f" ({a.columns[0]} {a.iat[r, 0]})" if c else ""
        out.append(f"line {r + 2}{key}, column {a.columns[c]}: published {a.iat[r, c]!r}, re-run {b.iat[r, c]!r}")
    more = f" (+{len(rows) - 3} more cells)" if len(rows) > 3 else ""
    return "; ".join(out) + more


def first_notebook_difference(published: Path, rerun: Path) -> str:
    try:
        a, b = nbformat.read(published, as_version=4), nbformat.read(rerun, as_version=4)
    except Exception:  # noqa: BLE001
        return "cannot be read as a notebook"
    if len(a.cells) != len(b.cells):
        return f"{len(a.cells)} cells published, {len(b.cells)} in the re-run"
    for i, (x, y) in enumerate(zip(a.cells, b.cells)):
        if x.source != y.source:
            return f"cell {i}: source differs"
        if x.get("outputs") != y.get("outputs"):
            return f"cell {i} (In [{x.get('execution_count')}]): outputs differ"
    return "same cells and outputs, metadata differs"


def verify(run_dir: str, rerun: bool = True, log=print) -> Report:
    """All checks; ``rerun=False`` skips the re-run (integrity checks only)."""
    run = Path(run_dir).resolve()
    man = read_manifest(run)
    report = Report()
    check_checksums(run, man, report)
    check_notebooks(run, report)
    check_inputs(man, report)
    check_versions(man, report)
    if rerun:
        from .run import StageError, run as run_chain

        params_file = man["params"]["path"]
        if not resolve(params_file).is_file():
            report.problems.append(f"cannot re-run: {params_file} is missing")
            return report
        tmp = Path(tempfile.mkdtemp(prefix="iq-verify-"))
        try:
            log(f"re-running {params_file} into a temporary folder ...")
            run_chain(params_file, out=str(tmp / run.name), log=lambda msg: log(msg))
            compare_trees(run, tmp / run.name, report)
        except (UserError, StageError) as exc:
            report.problems.append(f"the re-run failed: {exc}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return report


def render(run_dir: str, report: Report) -> str:
    out = io.StringIO()
    out.write(f"verify {run_dir}\n")
    for line in report.lines:
        out.write(f"  {line}\n")
    for note in report.notes:
        out.write(f"  note: {note}\n")
    if report.ok:
        out.write("reproduced\n")
    else:
        out.write(f"NOT reproduced: {len(report.problems)} problem(s)\n")
        for p in report.problems:
            out.write(f"  - {p}\n")
    return out.getvalue()

