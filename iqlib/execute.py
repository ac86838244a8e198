"""Execute one stage notebook with papermill, in a child process of ``iq run``.

Run as ``python -m iqlib.execute '<json>'`` so that the parent can enforce the stage
timeout by killing the whole process group (this process and its kernel). A failing
cell is reported as one JSON line on stderr, prefixed ``IQ-STAGE-ERROR ``, exit code 3.
"""

from __future__ import annotations

import json
import sys

ERROR_PREFIX = "IQ-STAGE-ERROR "


def execute(source: str, output: str, cwd: str, parameters: dict) -> None:
    """papermill with kernel ``python3`` (the interpreter running this), language
    python, an explicit cwd and no timing records (byte-stable outputs)."""
    import papermill

    papermill.execute_notebook(
        source, output, parameters=parameters, kernel_name="python3", language="python",
        cwd=cwd, progress_bar=False, log_output=False, record_timing=False)


def main() -> int:
    from papermill.exceptions import PapermillExecutionError

    job = json.loads(sys.argv[1])
    try:
        execute(job["source"], job["output"], job["cwd"], job["parameters"])
    except PapermillExecutionError as exc:
        info = {"cell_index": exc.cell_index, "exec_count": exc.exec_count, "ename": exc.ename,
                "evalue": exc.evalue, "source": exc.source}
        print(ERROR_PREFIX + json.dumps(info, ensure_ascii=False), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
