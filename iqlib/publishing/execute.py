"""Execute the stage notebooks of a run with papermill, one after the other, in one child
process of ``iq run``.

Run as ``python -m iqlib.publishing.execute '<json list of jobs>'`` (or ``- '<json {cwd, preload}>'``:
start the first kernel at once, read the jobs from a line on stdin) so that the parent can enforce each
stage's timeout by killing the whole process group (this process and its kernel). Each
notebook still gets its own fresh kernel; one process for the chain saves importing
papermill once per stage. The kernel of the next stage is started (and imports what every
stage notebook imports first) while the current stage runs, so a stage does not wait for
its kernel; what a kernel imports before its notebook runs leaves no trace in the notebook
(no output, no execution count). Before and after each stage a line goes to stdout, which
the parent watches: ``IQ-STAGE start <stage>``, then ``IQ-STAGE done <stage> <kernel s>
<cells s>`` (seconds the stage waited for its kernel, and ran its cells). A failing cell
is reported as one JSON line on stderr, prefixed ``IQ-STAGE-ERROR ``, exit code 3.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from typing import Any

ERROR_PREFIX = "IQ-STAGE-ERROR "
PROGRESS_PREFIX = "IQ-STAGE "
# what ``iq run``'s stage kernels import as they start (a job's "preload"; the stage
# notebooks' first cell imports them again, then at no cost)
PRELOAD = ("iqlib.stages", "iqlib.presentation.tables", "iqlib.presentation.text")


def start_kernel(cwd: str, preload: list[str] | tuple[str, ...] = ()) -> Any:
    """A ``python3`` kernel started in ``cwd`` (the interpreter running this), importing
    ``preload`` as it starts: ipykernel's ``exec_lines``, run before the kernel answers
    and without an execution count. Returns its kernel manager (not waited for)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name="python3")
    lines = [f"import {module}" for module in preload]
    # no IPython history file, as nbclient starts its kernels: kernels started at once would share one sqlite file
    extra = ["--HistoryManager.hist_file=:memory:", *([f"--IPKernelApp.exec_lines={json.dumps(lines)}"] if lines else [])]
    run_sync(km.start_kernel)(cwd=cwd, extra_arguments=extra)
    return km


def stop_kernel(km: Any) -> None:
    """Stop a kernel at once (nothing is pending when its notebook is done; a graceful
    shutdown costs half a second per stage)."""
    from jupyter_core.utils import run_sync

    if km.has_kernel:
        run_sync(km.shutdown_kernel)(now=True)


def execute(source: str, output: str, cwd: str, parameters: dict, km: Any = None) -> None:
    """papermill with kernel ``python3`` (the interpreter running this), language
    python, an explicit cwd and no timing records (byte-stable outputs), on the kernel
    ``km`` when one was started beforehand (``start_kernel``); a kernel papermill starts
    itself is stopped at once when the last cell is done."""
    import papermill

    papermill.execute_notebook(
        source, output, parameters=parameters, kernel_name="python3", language="python",
        cwd=cwd, progress_bar=False, log_output=False, record_timing=False, shutdown_kernel="immediate", km=km)


def main() -> int:
    from jupyter_core.utils import run_sync
    from papermill.exceptions import PapermillExecutionError

    kms: dict[int, Any] = {}
    if sys.argv[1] == "-":      # the first kernel now, the jobs later on stdin (none: stop)
        first = json.loads(sys.argv[2])
        kms[0] = start_kernel(first["cwd"], first.get("preload", ()))
        line = sys.stdin.readline()
        jobs = json.loads(line) if line.strip() else []
        if not jobs or {k: jobs[0].get(k, ()) for k in ("cwd", "preload")} != {"cwd": first["cwd"],
                                                                               "preload": first.get("preload", ())}:
            stop_kernel(kms.pop(0))
    else:
        jobs = json.loads(sys.argv[1])

    def kernel(i: int) -> Any:
        return start_kernel(jobs[i]["cwd"], jobs[i].get("preload", ()))

    if jobs and 0 not in kms:
        kms[0] = kernel(0)
    try:
        for i, job in enumerate(jobs):
            print(f"{PROGRESS_PREFIX}start {job['stage']}", flush=True)
            km = kms.pop(i)
            started = time.perf_counter()
            try:
                client = km.client()
                client.start_channels()
                try:
                    run_sync(client.wait_for_ready)(timeout=120)    # the kernel has imported its preload
                except RuntimeError:                # it died starting: papermill starts one as it always did
                    with contextlib.suppress(Exception):
                        stop_kernel(km)
                    km = None
                finally:
                    client.stop_channels()
                ready = time.perf_counter()
                if i + 1 < len(jobs):                          # the next stage's kernel starts meanwhile
                    kms[i + 1] = kernel(i + 1)
                execute(job["source"], job["output"], job["cwd"], job["parameters"], km)
            except PapermillExecutionError as exc:
                info = {"stage": job["stage"], "cell_index": exc.cell_index, "exec_count": exc.exec_count,
                        "ename": exc.ename, "evalue": exc.evalue, "source": exc.source}
                print(ERROR_PREFIX + json.dumps(info, ensure_ascii=False), file=sys.stderr, flush=True)
                return 3
            finally:
                if km is not None:
                    stop_kernel(km)
            done = time.perf_counter()
            print(f"{PROGRESS_PREFIX}done {job['stage']} {ready - started:.3f} {done - ready:.3f}", flush=True)
    finally:
        for km in kms.values():
            stop_kernel(km)
    return 0


if __name__ == "__main__":
    sys.exit(main())
