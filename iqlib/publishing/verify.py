"""``iq verify``: check a published run folder the way an auditor would.

1. every file against ``checksums.sha256`` (tampering, missing or unexpected files);
2. every executed notebook was run by papermill top to bottom;
3. params, methodology, input files and source notebooks against the manifest's hashes;
4. code (by content hash) and package versions against the manifest (reported, not failures);
5. the whole chain re-run into a temporary folder (or an existing re-run, ``--against``) and
   every file compared under the reproducibility contract (``contract``): exact files byte
   for byte, tolerance-class tables cell by cell as numbers.

Outcomes: ``reproduced exactly``; ``reproduced within tolerance`` (tolerance-class cells
differ by less than contract.RTOL; ranks and published values identical); ``NOT
reproduced``; and for ``--quick``, which re-runs nothing, ``checks passed (not re-run)``.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from iqlib.config.params import load_params
from iqlib.config.paths import display, resolve
from iqlib.core.errors import UserError
from iqlib.core.framework import Framework
from iqlib.io.hashing import CHECKSUMS, MANIFEST, RECORDS, files, sha256
from iqlib.io.runfolder import read_manifest, run_manifest  # noqa: F401 - run_manifest: what series_checks calls
from iqlib.publishing import contract, machine
from iqlib.publishing.manifest import code_digest, git, package_versions


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    compared: contract.Comparison | None = None  # None: nothing was re-run

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def verdict(self) -> str:
        if self.problems:
            return f"NOT reproduced: {len(self.problems)} problem(s)"
        if self.compared is None:
            return "checks passed (not re-run)"
        return "reproduced within tolerance" if self.compared.within else "reproduced exactly"


def check_checksums(run: Path, man: dict, report: Report) -> None:
    sums_path = run / CHECKSUMS
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
    for name in files(run):
        if name not in sums and name != CHECKSUMS:
            report.problems.append(f"unexpected file: {name} (not in checksums.sha256)")
    listed = {k: v for k, v in sums.items() if k != MANIFEST}
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
    code = man.get("code", {})
    recorded, now = code.get("content_sha256"), code_digest()
    commit = code.get("git_commit")
    if recorded is None:
        report.notes.append(f"the manifest records no code content hash (made at git commit {commit}); "
                            f"this checkout is at {git('rev-parse', 'HEAD')}")
    elif recorded != now:
        report.notes.append(f"code differs: iqlib/, notebooks/ or the dependency pins changed since the run "
                            f"(made at git commit {commit}; content sha256 {recorded[:12]}, here {now[:12]})")
    else:
        report.lines.append(f"code: same content as the run (made at git commit {commit})")
    if code.get("git_dirty"):
        report.notes.append("the run was made from a checkout with uncommitted changes (git_dirty)")
    recorded_packages = man.get("environment", {}).get("packages", {})
    for pkg, current in package_versions().items():
        if recorded_packages.get(pkg) != current:
            report.notes.append(f"package version differs: {pkg} {recorded_packages.get(pkg)} in the run, {current} here")


def compare_trees(published: Path, rerun: Path, report: Report, fw: Framework) -> None:
    """Every file of the published run against the re-run, under the contract."""
    ours, theirs = set(files(published)) - RECORDS, set(files(rerun)) - RECORDS
    for name in sorted(ours - theirs):
        report.problems.append(f"not produced by the re-run: {name}")
    for name in sorted(theirs - ours):
        report.problems.append(f"produced by the re-run but not published: {name}")
    report.compared = contract.compare_runs(published, rerun, sorted(ours & theirs), fw)
    report.problems += report.compared.problems
    compared = report.compared.files
    same = sum(o.identical for o in compared)
    report.lines.append(f"re-run: {len(compared)} files compared, {same} identical")
    for o in report.compared.within:
        report.lines.append(f"within tolerance: {o.name}: {o.cells} cells differ, largest relative "
                            f"difference {o.largest:.1e} (tolerance {contract.RTOL:g})")


def compare_with(run: Path, man: dict, rerun: Path, fw: Framework, report: Report) -> None:
    """The published run against a re-run folder: where each was made (when the machines
    differ; a folder without a manifest was made here) and every file under the contract."""
    path = rerun / MANIFEST
    made = json.loads(path.read_text(encoding="utf-8")).get("machine") if path.is_file() else machine.describe()
    published, here = machine.summary(man.get("machine")), machine.summary(made)
    if published != here:
        report.lines.append(f"published on: {published}")
        report.lines.append(f"re-run on:    {here}")
    compare_trees(run, rerun, report, fw)


def quick_checks(run: Path, man: dict) -> Report:
    """The integrity checks of ``--quick`` (checksums, executed notebooks, inputs against
    the manifest) as a report; what ``iq series`` requires of every run it reads."""
    report = Report()
    check_checksums(run, man, report)
    check_notebooks(run, report)
    check_inputs(man, report)
    return report


def verify(run_dir: str, rerun: bool = True, against: str | None = None, log: Callable[[str], None] = print) -> Report:
    """All checks; ``rerun=False`` skips the re-run (integrity checks only); ``against``
    compares with an existing re-run folder instead of re-running."""
    run = Path(run_dir).resolve()
    man = read_manifest(run)
    if "series" in man:
        raise UserError(f"{display(run)} is a series (iq series), not a run: verify each run it reads "
                        f"({', '.join(man.get('runs', {}))}) and re-make the series with iq series")
    if man.get("draft"):
        raise UserError(f"{display(run)} is a draft (iq run --draft): drafts leave out the robustness analysis and "
                        f"are never published; verify the full run of its params instead")
    report = quick_checks(run, man)
    check_versions(man, report)
    if not rerun and against is None:
        return report
    params_file = man["params"]["path"]
    if not resolve(params_file).is_file():
        report.problems.append(f"cannot re-run: {params_file} is missing")
        return report
    fw = load_params(params_file).methodology.framework
    if against is not None:
        other = Path(against).resolve()
        if not other.is_dir():
            raise UserError(f"--against {display(other)}: no such folder")
        compare_with(run, man, other, fw, report)
        return report
    from iqlib.publishing.run import StageError
    from iqlib.publishing.run import run as run_chain

    tmp = Path(tempfile.mkdtemp(prefix="iq-verify-"))
    try:
        log(f"re-running {params_file} into a temporary folder ...")
        run_chain(params_file, out=str(tmp / run.name), log=lambda msg: log(msg))
        compare_with(run, man, tmp / run.name, fw, report)
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
    out.write(f"{report.verdict}\n")
    if report.ok and report.compared is not None and report.compared.within:
        out.write("  ranks and published values are identical; only full-precision values of the tolerance class "
                  "differ, within the contract (README: Audit a published ranking)\n")
    for p in report.problems:
        out.write(f"  - {p}\n")
    return out.getvalue()
