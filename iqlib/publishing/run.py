"""``iq run``: chain the five stage notebooks with papermill into a run folder, then
publish it atomically with its HTML pages, index page and manifest.

A run is built in a hidden staging folder beside its destination and moved into
place only when every stage succeeded, so a failed run leaves no half-written folder
and an existing run intact.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import platform
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from iqlib import __version__
from iqlib.config.params import Params, load_params, sha256
from iqlib.config.paths import display, project_root
from iqlib.core.errors import UserError
from iqlib.io import inputs
from iqlib.presentation.report import index_html
from iqlib.publishing import machine
from iqlib.publishing.execute import ERROR_PREFIX, PROGRESS_PREFIX
from iqlib.stages import STAGES, check_uncertainty, rank_intervals

PACKAGES = ["iqlib", "numpy", "pandas", "scipy", "matplotlib", "seaborn", "pyyaml", "pydantic",
            "papermill", "nbformat", "nbclient", "nbconvert", "ipykernel", "openpyxl", "threadpoolctl"]
NOTEBOOK_PARAMETERS = {"params_file": str, "run_dir": str}


class StageError(Exception):
    """A stage notebook failed (a bug or an unexpected state, not bad input): exit 1."""


def default_destination(params: Params, publish: bool) -> Path:
    base = "outputs" if publish else "runs"
    return project_root() / base / str(params.edition.edition) / params.edition.scenario


def check_notebook_parameters(source: Path, parameters: dict) -> None:
    """Every parameter we pass must exist in the notebook's ``parameters`` cell and be a
    JSON type (papermill itself only warns and silently turns paths into strings)."""
    import papermill  # here, not at the top: `iq run` on bad params fails a second sooner

    declared = papermill.inspect_notebook(str(source))
    for name, value in parameters.items():
        if name not in declared:
            raise StageError(f"{display(source)}: no parameter {name!r} in its parameters cell "
                             f"(it declares {', '.join(declared) or 'none'})")
        if not isinstance(value, NOTEBOOK_PARAMETERS[name]):
            raise StageError(f"parameter {name!r} must be {NOTEBOOK_PARAMETERS[name].__name__}")


def stage_jobs(staging: Path, params: Params) -> list[dict]:
    """What the stage process runs: each notebook with its checked parameters."""
    jobs = []
    for stage in STAGES:
        source = project_root() / "notebooks" / f"{stage}.ipynb"
        parameters = {"params_file": display(params.edition_path), "run_dir": ".."}
        check_notebook_parameters(source, parameters)
        jobs.append({"stage": stage, "source": str(source), "output": str(staging / "notebooks" / f"{stage}.ipynb"),
                     "cwd": str(staging / "notebooks"), "parameters": parameters})
    return jobs


def execute_stages(staging: Path, params: Params, on_done: Callable[[str], None], log=print) -> None:
    """Run the stage notebooks in order in one child process group (each in its own kernel).
    A stage that runs longer than the edition's stage timeout gets the group killed;
    ``on_done(stage)`` runs here while the child executes the next stage."""
    timeout = params.edition.stage_timeout_seconds
    jobs = stage_jobs(staging, params)
    env = {**os.environ, "PYTHONHASHSEED": "0", "IQ_PROJECT_ROOT": str(project_root())}
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "iqlib.publishing.execute", json.dumps(jobs)], env=env,
                                stdout=subprocess.PIPE, stderr=err, start_new_session=True,
                                preexec_fn=_die_with_parent)
        stage, done = STAGES[0], []
        try:
            deadline = [time.monotonic() + timeout]  # of the stage running now
            for kind, name in _progress(proc, deadline):
                if kind == "start":
                    stage, deadline[0] = name, time.monotonic() + timeout
                    log(f"  {name} ...")
                else:
                    done.append(name)
                    on_done(name)
            proc.wait()
        except TimeoutError:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise StageError(f"stage {stage} did not finish within {timeout} s "
                             f"(stage_timeout_seconds in {display(params.edition_path)})") from None
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        err.seek(0)
        stderr = err.read().decode("utf-8", errors="replace")
    if proc.returncode != 0 or done != STAGES:
        message = _stage_failure(stage, stderr)
        executed = staging / "notebooks" / f"{stage}.ipynb"
        if executed.is_file():  # keep the notebook up to the failing cell for debugging
            kept = project_root() / "runs" / "failed" / f"{params.edition.edition}-{params.edition.scenario}-{stage}.ipynb"
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, kept)
            message += f"\nthe notebook as executed up to the failure: {display(kept)}"
        raise StageError(message)


def _progress(proc: subprocess.Popen, deadline: list[float]):
    """The (start|done, stage) lines of the stage process as they come; TimeoutError when
    ``deadline[0]`` (moved by the caller as stages start) passes before the next one."""
    fd, buffer = proc.stdout.fileno(), b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline[0] - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace")
                if text.startswith(PROGRESS_PREFIX):
                    kind, _, name = text[len(PROGRESS_PREFIX):].partition(" ")
                    yield kind, name


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
        if line.startswith(ERROR_PREFIX) and json.loads(line[len(ERROR_PREFIX):]).get("stage") == stage:
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
    import nbformat

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


@functools.cache
def _html_exporter():
    """One nbconvert exporter per process (loading its templates takes a while)."""
    from nbconvert import HTMLExporter

    return HTMLExporter()


def export_html(notebook: Path, target: Path) -> None:
    import nbformat

    body, _ = _html_exporter().from_notebook_node(nbformat.read(notebook, as_version=4))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(project_root()), *args], capture_output=True,
                             text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


CODE = ["notebooks/*.ipynb", "pyproject.toml", "constraints.txt"]


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
        "manifest_version": 2,
        "edition": params.edition.edition,
        "scenario": params.edition.scenario,
        "synthetic": params.edition.synthetic,
        "params": {**_file_entry(params.edition_path), "files": [_file_entry(f) for f in params.files],
                   "resolved": resolved, "resolved_sha256": hashlib.sha256(resolved_json.encode()).hexdigest()},
        "methodology": {**_file_entry(params.methodology_path), "id": params.methodology.id},
        "inputs": {key: _file_entry(p) for key, p in params.input_paths.items()},
        "base_edition": _base_entry(params),
        "notebooks": {s: _file_entry(project_root() / "notebooks" / f"{s}.ipynb") for s in STAGES},
        "code": {"iqlib_version": __version__, "content_sha256": code_digest(),
                 "git_commit": _git("rev-parse", "HEAD"), "git_dirty": None if status is None else bool(status)},
        "environment": {"python": platform.python_version(), "platform": platform.platform(),
                        "PYTHONHASHSEED": "0", "kernel": "python3",
                        "packages": {p: version(p) for p in PACKAGES}},
        "machine": machine.describe(),
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
        def finish(stage: str) -> None:
            normalise_notebook(staging / "notebooks" / f"{stage}.ipynb", stage)
            export_html(staging / "notebooks" / f"{stage}.ipynb", staging / "html" / f"{stage}.html")

        execute_stages(staging, params, finish, log)
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
