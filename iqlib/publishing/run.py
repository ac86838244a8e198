"""``iq run``: chain the five stage notebooks with papermill into a run folder, then
publish it atomically with its HTML pages, index page and manifest.

A run is built in a hidden staging folder beside its destination and moved into
place only when every stage succeeded, so a failed run leaves no half-written folder
and an existing run intact.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from iqlib.config.names import check_free
from iqlib.config.params import Params, load_params
from iqlib.config.paths import display, project_root
from iqlib.core.errors import UserError
from iqlib.io import inputs
from iqlib.io.hashing import CHECKSUMS, MANIFEST, hash_tree
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import input_warnings
from iqlib.presentation.pages import index_html
from iqlib.presentation.text import text
from iqlib.presentation.titles import run_title
from iqlib.publishing import audit_report, notebook_html
from iqlib.publishing.compare import compare_runs
from iqlib.publishing.execute import ERROR_PREFIX, PRELOAD, PROGRESS_PREFIX
from iqlib.publishing.manifest import manifest, now
from iqlib.scenarios import check_run_name
from iqlib.stages import STAGES, check_uncertainty, rank_intervals, warnings_in_words

COMPARISONS = "comparisons"   # beside the runs of an edition; no scenario may take this name
NOTEBOOK_PARAMETERS = {"params_file": str, "run_dir": str, "draft": bool}
DRAWS = "05_report"     # the one stage that draws charts: its kernel also imports matplotlib and seaborn as it starts


class Timings:
    """Wall seconds of each step of ``iq run``, in the order they happened: what the user
    waited for. Printed by ``iq run`` and kept in the manifest (``timings``), which, like
    its start and finish times, is not among the reproducible outputs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, step: str, seconds: float) -> None:
        self.seconds[step] = round(self.seconds.get(step, 0.0) + seconds, 3)

    @contextlib.contextmanager
    def timed(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(step, time.perf_counter() - started)

    def lines(self) -> list[str]:
        """One line per step: '  04_rank cells           5.21 s'."""
        width = max((len(s) for s in self.seconds), default=0)
        return [f"  {step:<{width}}  {seconds:6.2f} s" for step, seconds in self.seconds.items()]


class StageError(Exception):
    """A stage notebook failed (a bug or an unexpected state, not bad input): exit 1."""


def default_destination(params: Params, publish: bool) -> Path:
    """outputs/<edition>/<scenario> when published, else runs/<edition>/<scenario> (a
    draft: runs/<edition>/<scenario>-draft)."""
    base = "outputs" if publish else "runs"
    return project_root() / base / str(params.edition.edition) / (params.edition.scenario + ("-draft" if params.draft
                                                                                              else ""))


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
        parameters: dict = {"params_file": display(params.edition_path), "run_dir": ".."}
        if params.draft:
            parameters["draft"] = True
        check_notebook_parameters(source, parameters)
        jobs.append({"stage": stage, "source": str(source), "output": str(staging / "notebooks" / f"{stage}.ipynb"),
                     "cwd": str(staging / "notebooks"), "parameters": parameters,
                     "preload": [*PRELOAD, *(("matplotlib.pyplot", "seaborn") if stage == DRAWS else ())]})
    return jobs


class StageProcess:
    """The child process that runs the stage notebooks (``publishing.execute``), started
    before the stages are known: it starts the first stage's kernel (in ``staging``'s
    notebooks/ folder, importing ``execute.PRELOAD``) while ``iq run`` checks the inputs,
    then waits for its jobs on stdin; closing stdin without them ends it."""

    def __init__(self, staging: Path):
        env = {**os.environ, "PYTHONHASHSEED": "0", "IQ_PROJECT_ROOT": str(project_root())}
        self.err = tempfile.TemporaryFile()
        first = {"cwd": str(staging / "notebooks"), "preload": list(PRELOAD)}
        self.proc = subprocess.Popen([sys.executable, "-m", "iqlib.publishing.execute", "-", json.dumps(first)], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     start_new_session=True, preexec_fn=_die_with_parent)

    def send(self, jobs: list[dict]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(jobs).encode() + b"\n")
            self.proc.stdin.close()
        except BrokenPipeError:              # it died starting: its stderr says why (stage_failure)
            pass

    def stop(self) -> None:
        """End it (and the kernel it started) at once, if it still runs."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass
        self.err.close()


def execute_stages(staging: Path, params: Params, on_done: Callable[[str], None], log: Callable[[str], None] = print,
                   timings: Timings | None = None, started: StageProcess | None = None) -> None:
    """Run the stage notebooks in order in one child process group (each in its own kernel;
    ``started``: the process started beforehand, else one started here). A stage that runs
    longer than the edition's stage timeout gets the group killed; ``on_done(stage)`` runs
    here while the child executes the next stage. Each stage's seconds (waiting for its
    kernel, running its cells) go into ``timings``."""
    timeout = params.edition.stage_timeout_seconds
    child = started or StageProcess(staging)
    try:
        child.send(stage_jobs(staging, params))
        _watch(child, staging, params, on_done, log, timings, timeout)
    finally:
        child.stop()


def _watch(child: StageProcess, staging: Path, params: Params, on_done: Callable[[str], None], log: Callable[[str], None],
           timings: Timings | None, timeout: int) -> None:
    """Follow the stage process to its end (``execute_stages``)."""
    proc, err = child.proc, child.err
    stage, done = STAGES[0], []
    try:
        deadline = [time.monotonic() + timeout]  # of the stage running now
        for kind, name, seconds in _progress(proc, deadline):
            if kind == "start":
                stage, deadline[0] = name, time.monotonic() + timeout
                log(f"  {name} ...")
            else:
                done.append(name)
                if timings is not None and len(seconds) == 2:
                    timings.add(f"{name} kernel", seconds[0])
                    timings.add(f"{name} cells", seconds[1])
                with timings.timed(f"{name} notebook page") if timings is not None else contextlib.nullcontext():
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
        if proc.stdout is not None:
            proc.stdout.close()
    err.seek(0)
    stderr = err.read().decode("utf-8", errors="replace")
    if proc.returncode != 0 or done != STAGES:
        message = stage_failure(stage, stderr)
        executed = staging / "notebooks" / f"{stage}.ipynb"
        if executed.is_file():  # keep the notebook up to the failing cell for debugging
            kept = project_root() / "runs" / "failed" / f"{params.edition.edition}-{params.edition.scenario}-{stage}.ipynb"
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed, kept)
            message += f"\nthe notebook as executed up to the failure: {display(kept)}"
        raise StageError(message)


def _progress(proc: subprocess.Popen, deadline: list[float]) -> Iterator[tuple[str, str, list[float]]]:
    """The (start|done, stage, seconds) lines of the stage process as they come; TimeoutError
    when ``deadline[0]`` (moved by the caller as stages start) passes before the next one."""
    assert proc.stdout is not None
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
                    kind, name, *seconds = text[len(PROGRESS_PREFIX):].split(" ")
                    yield kind, name, [float(x) for x in seconds]


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


def stage_failure(stage: str, stderr: str) -> str:
    """What failed in a stage's notebook, from the child's stderr (the error line execute prints)."""
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


def front_page(params: Params, folder: RunFolder, comparison: str | None = None) -> str:
    """The run's index.html from its scores, tables and charts."""
    audit = f"{audit_report.FOLDER}/index.html" if (folder.root / audit_report.FOLDER / "index.html").is_file() else None
    return index_html(params, STAGES, folder.read_csv("scores.csv"),
                      [p.name for p in folder.results.glob("*.csv")], [p.name for p in folder.figures.glob("*.png")],
                      rank_intervals(params, folder), comparison, audit)


def base_run(params: Params) -> Path | None:
    """The run a scenario is compared with: its base edition's published run, else a
    scratch run of it; None for an edition, or when the base has never been run."""
    if params.extends is None:
        return None
    base = load_params(params.extends, check_inputs=False)
    for publish in (True, False):
        folder = default_destination(base, publish)
        if (folder / MANIFEST).is_file():
            return folder
    return None


def comparison_folder(base: Path, params: Params, dest: Path) -> Path:
    """Where ``iq run`` of a scenario writes its comparison with the base: comparisons/
    beside the run (outputs/2019/comparisons/2019-base__2019-d4-double)."""
    base_man = json.loads((base / MANIFEST).read_text(encoding="utf-8"))
    name = f"{base_man['edition']}-{base_man['scenario']}__{params.edition.edition}-{dest.name}"
    return dest.parent / COMPARISONS / name


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
        log: Callable[[str], None] = print, draft: bool = False) -> Path:
    """Validate params and inputs, execute every stage, publish the run folder; for a
    scenario, then compare it with its base run. A draft leaves out the robustness
    analysis and the notebook pages, and is never published."""
    started = now()
    timings = Timings()
    with timings.timed("params"):
        params = load_params(params_file)
    if draft:
        params = params.as_draft()
        if publish:
            raise UserError("a draft is never published: run without --draft to publish")
    dest = Path(out).resolve() if out else default_destination(params, publish)
    if dest.name == COMPARISONS:
        raise UserError(f"{display(params.edition_path)}: the run folder name {COMPARISONS!r} is reserved for the "
                        f"comparisons of scenarios with their base; choose another scenario name or --out")
    if draft and (project_root() / "outputs") in dest.parents:
        raise UserError(f"--out {display(dest)}: a draft is never written under outputs/ (published runs)")
    for source in ("iqlib", "notebooks", "params", "data", "tests", "docs", "bench"):
        folder = project_root() / source
        if dest == folder or folder in dest.parents:
            raise UserError(f"--out {display(dest)} is inside the project's {source}/ folder; "
                            f"write runs under runs/, outputs/ or outside the project")
    check_run_name(params)              # config.names: the folder is not the edition's own run's, nor beside one
    check_free(dest, "run folder")      # that differs from it only in case or in _ against -
    if dest.parent.is_dir():
        recover(dest)
    if dest.exists():
        if not (dest / MANIFEST).is_file():
            raise UserError(f"{display(dest)} exists and is not a run folder; choose another --out")
        published = publish or (project_root() / "outputs") in dest.parents
        if published and not force:
            raise UserError(f"{display(dest)} holds a published run; pass --force to replace it "
                            f"(or run without --publish to write a scratch run under runs/)")
    staging = dest.parent / f".staging-{dest.name}-{os.getpid()}"
    made = [p for p in [dest.parent, *dest.parent.parents] if not p.exists()]   # removed again if the run fails
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "notebooks").mkdir(parents=True)
    except OSError as exc:
        raise UserError(f"cannot write the run folder {display(dest)}: {exc.strerror or exc} "
                        f"(choose a writable --out)") from None
    child = StageProcess(staging)     # its first kernel starts while the inputs are checked
    try:
        with timings.timed("pre-flight checks"):
            data = inputs.load(params)  # pre-flight: bad data or params are a UserError before any notebook runs
            check_uncertainty(params, data)
        for line in input_warnings.lines(warnings_in_words(data, params)):   # suspicious but legal: the run goes on
            log(line)
    except BaseException:
        child.stop()
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:            # the folders made for this run, innermost first, if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    try:
        pages: dict[Path, str] = {}     # the auditor's pages (with code); written once all are exported
        top = notebook_html.header([("../index.html", run_title(params))],
                                   text(params, "synthetic") if params.edition.synthetic else None)

        def finish(stage: str) -> None:
            notebook = staging / "notebooks" / f"{stage}.ipynb"
            normalise_notebook(notebook, stage)
            if params.draft:
                return
            pages[staging / "html" / f"{stage}.html"] = notebook_html.export(
                notebook, f"{text(params, 'stage_names')[stage]} — {run_title(params)}", params.language, code=True, top=top)

        execute_stages(staging, params, finish, log, timings, child)
        if not params.draft:
            with timings.timed("notebook pages written"):
                notebook_html.write_pages(pages, staging / "html", "")
        staged = RunFolder(staging)
        if not params.draft:
            with timings.timed("audit report"):
                audit_report.write(params, staged)      # audit/index.html and audit/report.pdf, from results/
        with timings.timed("index page"):
            base = base_run(params)
            compared = comparison_folder(base, params, dest) if base else None
            href = os.path.relpath(compared / "index.html", dest) if compared else None
            staged.write_text("index.html", front_page(params, staged, href))
        with timings.timed("manifest and checksums"):
            record = manifest(params, staging, started)
            record["timings"] = dict(timings.seconds)       # up to here: the rest is written after the manifest
            staged.write_text(MANIFEST, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
            sums = hash_tree(staging, {CHECKSUMS})
            staged.write_text(CHECKSUMS, "".join(f"{h}  {p}\n" for p, h in sums.items()))
            _replace(staging, dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if base and compared:
        with timings.timed("comparison with the base run"):
            compare_runs(base, dest, compared, force=True)
        log(f"  compared with {display(base)}: {display(compared / 'index.html')}")
    for line in timings.lines():
        log(line)
    return dest
