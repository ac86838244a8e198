"""Execute the stage notebooks of a run with papermill, one after the other, in one child
process of ``iq run``.

Run as ``python -m iqlib.publishing.execute '<json list of jobs>'`` so that the parent can enforce each
stage's timeout by killing the whole process group (this process and its kernel). Each
notebook still gets its own fresh kernel; one process for the chain saves importing
papermill once per stage. Before and after each stage a line ``IQ-STAGE start|done <stage>``
goes to stdout, which the parent watches. A failing cell is reported as one JSON line on
stderr, prefixed ``IQ-STAGE-ERROR ``, exit code 3.
"""

from __future__ import annotations

import json
import sys

ERROR_PREFIX = "IQ-STAGE-ERROR "
PROGRESS_PREFIX = "IQ-STAGE "


def execute(source: str, output: str, cwd: str, parameters: dict) -> None:
    """papermill with kernel ``python3`` (the interpreter running this), language
    python, an explicit cwd and no timing records (byte-stable outputs). The kernel is
    stopped at once when the last cell is done (nothing is pending then; a graceful
    shutdown costs half a second per stage)."""
    import papermill

    papermill.execute_notebook(
        source, output, parameters=parameters, kernel_name="python3", language="python",
        cwd=cwd, progress_bar=False, log_output=False, record_timing=False, shutdown_kernel="immediate")


def main() -> int:
    from papermill.exceptions import PapermillExecutionError

    for job in json.loads(sys.argv[1]):
        print(f"{PROGRESS_PREFIX}start {job['stage']}", flush=True)
        try:
            execute(job["source"], job["output"], job["cwd"], job["parameters"])
        except PapermillExecutionError as exc:
            info = {"stage": job["stage"], "cell_index": exc.cell_index, "exec_count": exc.exec_count,
                    "ename": exc.ename, "evalue": exc.evalue, "source": exc.source}
            print(ERROR_PREFIX + json.dumps(info, ensure_ascii=False), file=sys.stderr, flush=True)
            return 3
        print(f"{PROGRESS_PREFIX}done {job['stage']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
