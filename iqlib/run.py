"""``iq run``: chain the five stage notebooks with papermill into a run folder, then
publish it atomically with its HTML pages, index page and manifest.

A run is built in a hidden staging folder beside its destination and moved into
place only when every stage succeeded, so a failed run leaves no half-written folder
and an existing run intact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import nbformat
import papermill

from . import __version__, inputs
from .errors import UserError
from .execute import ERROR_PREFIX
from .params import Params, load_params, sha256
from .paths import display, project_root
from .report import index_html
from .stages import STAGES, check_uncertainty, rank_intervals

PACKAGES = ["iqlib", "numpy", "pandas", "scipy", "matplotlib", "seaborn", "pyyaml", "pydantic",
            "papermill", "nbformat", "nbclient", "nbconvert", "ipykernel", "openpyxl"]
NOTEBOOK_PARAMETERS = {"params_file": str, "run_dir": str}


class StageError(Exception):
    """A stage notebook failed (a bug or an unexpected state, not bad input): exit 1."""


def default_destination(params: Params, publish: bool) -> Path:
    base = "outputs" if publish else "runs"
    return project_root() / base / str(params.edition.edition) / params.edition.scenario


def check_notebook_parameters(source: Path, parameters: dict) -> None:
    """Every parameter we pass must exist in the notebook's ``parameters`` cell and be a
    JSON type (papermill itself only warns and silently turns paths into strings)."""
    declared = papermill.inspect_notebook(str(source))
    for name, value in parameters.items():
        if name not in declared:
            raise StageError(f"{display(source)}: no parameter {name!r} in its parameters cell "
                             f"(it declares {', '.join(declared) or 'none'})")
        if not isinstance(value, NOTEBOOK_PARAMETERS[name]):
            raise StageError(f"parameter {name!r} must be {NOTEBOOK_PARAMETERS[name].__name__}")


def execute_stage(stage: str, staging: Path, params: Params, timeout: int) -> None:
    """Run one stage notebook in a child process group, killed after ``timeout`` s."""
    source = project_root() / "notebooks" / f"{stage}.ipynb"
    parameters = {"params_file": display(params.edition_path), "run_dir": ".."}
    check_notebook_parameters(source, parameters)
    job = {"source": str(source), "output": str(staging / "notebooks" / f"{stage}.ipynb"),
           "cwd": str(staging / "notebooks"), "parameters": parameters}
    env = {**os.environ, "PYTHONHASHSEED": "0", "IQ_PROJECT_ROOT": str(project_root())}
    proc = subprocess.Popen([sys.executable, "-m", "iqlib.execute", json.dumps(job)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_die_with_parent)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise StageError(f"stage {stage} did not finish within {timeout} s "
                         f"(stage_timeout_seconds in {display(params.edition_path)})") from None
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    if proc.returncode != 0:
        message = _stage_failure(stage, err)
        executed = Path(job["output"])
        if executed.is_file():  # keep the notebook up to the failing cell for debugging
            kept = project_root() / "runs" / "failed" / f"{params.edition.edition}-{params.edition.scenario}-{stage}.ipynb"
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, kept)
            message += f"\nthe notebook as executed up to the failure: {display(kept)}"
        raise StageError(message)


def _die_with_parent() -> None:
    """In the stage process: be killed when ``iq run`` dies, even by kill -9 (Linux
    PR_SET_PDEATHSIG); its kernel then exits too, as ipykernel watches its parent."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(dest: Path) -> None:
    """Clean up after a run that was killed: remove its staging folder, and if it died
    between swapping a published run out and the new one in, put the old one back."""
    for prefix in (".staging-", ".old-"):
        for folder in sorted(dest.parent.glob(f"{prefix}{dest.name}-*")):
            pid = folder.name.rsplit("-", 1)[-1]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            if prefix == ".old-" and not dest.exists():
                os.rename(folder, dest)
            else:
                shutil.rmtree(folder, ignore_errors=True)


def _stage_failure(stage: str, stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith(ERROR_PREFIX):
            info = json.loads(line[len(ERROR_PREFIX):])
            first = info["source"].strip().splitlines()[0] if info["source"].strip() else ""
            return (f"stage {stage} failed in cell In [{info['exec_count']}] (starting {first!r}): "
                    f"{info['ename']}: {info['evalue']}")
    tail = "\n".join(stderr.strip().splitlines()[-15:])
    return f"stage {stage} failed before or while starting its kernel:\n{tail}"


def normalise_notebook(path: Path, stage: str) -> None:
    """Make an executed notebook byte-stable: no timestamps or absolute paths in the
    papermill metadata, no per-cell timing, cell ids numbered in order, stream outputs
    merged."""
    nb = nbformat.read(path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration"):
        pm.pop(key, None)
    pm["input_path"] = f"notebooks/{stage}.ipynb"
    pm["output_path"] = f"notebooks/{stage}.ipynb"
    pm["environment_variables"] = {}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{stage}-{i:02d}"
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
        cpm = cell.metadata.get("papermill")
        if cpm:
            for key in ("start_time", "end_time", "duration"):
                cpm.pop(key, None)
    nbformat.write(nb, path)


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive stdout (or stderr) outputs: the kernel may flush one print in
    several messages, differently from run to run."""
    merged: list = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def export_html(notebook: Path, target: Path) -> None:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(project_root()), *args], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _file_entry(path: Path) -> dict:
    return {"path": display(path), "bytes": path.stat().st_size, "sha256": sha256(path)}


def _hash_tree(folder: Path, skip: set[str]) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.relative_to(folder).as_posix() not in skip}


def manifest(params: Params, staging: Path, started: str) -> dict:
    """What was run, on what, with what: the record an auditor checks a run against."""
    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!outputs")
    resolved = {"edition": params.edition.model_dump(mode="json"),
                "methodology": params.methodology.model_dump(mode="json")}
    resolved_json = json.dumps(resolved, ensure_ascii=False, sort_keys=True)
    return {
        "manifest_version": 1,
        "edition": params.edition.edition,
        "scenario": params.edition.scenario,
        "synthetic": params.edition.synthetic,
        "params": {**_file_entry(params.edition_path), "files": [_file_entry(f) for f in params.files],
                   "resolved": resolved, "resolved_sha256": hashlib.sha256(resolved_json.encode()).hexdigest()},
        "methodology": {**_file_entry(params.methodology_path), "id": params.methodology.id},
        "inputs": {key: _file_entry(p) for key, p in params.input_paths.items()},
        "base_edition": _base_entry(params),
        "notebooks": {s: _file_entry(project_root() / "notebooks" / f"{s}.ipynb") for s in STAGES},
        "code": {"iqlib_version": __version__, "git_commit": _git("rev-parse", "HEAD"),
                 "git_dirty": None if status is None else bool(status)},
        "environment": {"python": platform.python_version(), "platform": platform.platform(),
                        "PYTHONHASHSEED": "0", "kernel": "python3",
                        "packages": {p: version(p) for p in PACKAGES}},
        "started": started,
        "finished": _now(),
        "outputs": _hash_tree(staging, {"manifest.json", "checksums.sha256"}),
    }


def _base_entry(params: Params) -> dict | None:
    """The base edition whose data fixes goalposts, with its input files."""
    if not params.edition.base_edition:
        return None
    base = load_params(params.edition.base_edition)
    return {**_file_entry(base.edition_path), "inputs": {k: _file_entry(p) for k, p in base.input_paths.items()}}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def _replace(staging: Path, dest: Path) -> None:
    """Move the finished run into place; an older run at dest is swapped out first."""
    if dest.exists():
        old = dest.parent / f".old-{dest.name}-{os.getpid()}"
        os.rename(dest, old)
        os.rename(staging, dest)
        shutil.rmtree(old)
    else:
        os.rename(staging, dest)


def run(params_file: str, out: str | None = None, publish: bool = False, force: bool = False,
        log=print) -> Path:
    """Validate params and inputs, execute every stage, publish the run folder."""
    started = _now()
    params = load_params(params_file)
    data = inputs.load(params)  # pre-flight: bad data or params are a UserError before any notebook runs
    check_uncertainty(params, data)
    dest = Path(out).resolve() if out else default_destination(params, publish)
    for source in ("iqlib", "notebooks", "params", "data", "tests", "docs", "bench"):
        folder = project_root() / source
        if dest == folder or folder in dest.parents:
            raise UserError(f"--out {display(dest)} is inside the project's {source}/ folder; "
                            f"write runs under runs/, outputs/ or outside the project")
    if dest.parent.is_dir():
        recover(dest)
    if dest.exists():
        if not (dest / "manifest.json").is_file():
            raise UserError(f"{display(dest)} exists and is not a run folder; choose another --out")
        published = publish or (project_root() / "outputs") in dest.parents
        if published and not force:
            raise UserError(f"{display(dest)} holds a published run; pass --force to replace it "
                            f"(or run without --publish to write a scratch run under runs/)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = dest.parent / f".staging-{dest.name}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "notebooks").mkdir(parents=True)
    try:
        for stage in STAGES:
            log(f"  {stage} ...")
            execute_stage(stage, staging, params, params.edition.stage_timeout_seconds)
            normalise_notebook(staging / "notebooks" / f"{stage}.ipynb", stage)
            export_html(staging / "notebooks" / f"{stage}.ipynb", staging / "html" / f"{stage}.html")
        (staging / "index.html").write_text(index_html(staging, params, STAGES, rank_intervals(params, staging)), encoding="utf-8")
        man = manifest(params, staging, started)
        (staging / "manifest.json").write_text(json.dumps(man, ensure_ascii=False, indent=2) + "\n",
                                               encoding="utf-8")
        sums = _hash_tree(staging, {"checksums.sha256"})
        (staging / "checksums.sha256").write_text("".join(f"{h}  {p}\n" for p, h in sums.items()),
                                                  encoding="utf-8")
        _replace(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest
