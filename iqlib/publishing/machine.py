"""What machine computed a run: CPU, the SIMD kernels numpy dispatches, the BLAS/LAPACK
libraries and their core type and threads. Recorded in the manifest, because values in
the tolerance class of the reproducibility contract (``contract``) depend on them."""

from __future__ import annotations

import os
import platform
from pathlib import Path

ENVIRONMENT = ["OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
               "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES"]


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo on Linux, else the platform's processor string)."""
    info = Path("/proc/cpuinfo")
    if info.is_file():
        for line in info.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                return value.strip()
    return platform.processor() or platform.machine()


def numpy_simd() -> dict:
    """numpy's baseline SIMD features and the dispatched ones this CPU (and the environment) enables."""
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__

    return {"baseline": list(__cpu_baseline__),
            "dispatched": [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]}


def blas() -> list[dict]:
    """Every BLAS/LAPACK library loaded by numpy and scipy: library, version, core type, threads
    (threadpoolctl; no file paths, which would differ between machines)."""
    import numpy  # noqa: F401 - loads numpy's OpenBLAS
    import scipy.linalg  # noqa: F401 - loads scipy's OpenBLAS
    from threadpoolctl import threadpool_info

    keys = ("user_api", "internal_api", "prefix", "version", "architecture", "threading_layer", "num_threads")
    # sorted by every recorded field: numpy's and scipy's OpenBLAS share a prefix, and their load order varies
    return sorted(({k: lib.get(k) for k in keys} for lib in threadpool_info()), key=lambda d: [str(d[k]) for k in keys])


def describe() -> dict:
    """The platform record of a run."""
    return {"cpu": cpu_model(), "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "numpy_simd": numpy_simd(), "blas": blas(),
            "environment": {k: os.environ[k] for k in ENVIRONMENT if k in os.environ}}


def summary(record: dict | None) -> str:
    """One line: CPU, numpy's dispatched SIMD, BLAS core types, variables that change kernels."""
    if not record:
        return "not recorded"
    simd = "+".join(record["numpy_simd"]["dispatched"]) or "baseline " + "+".join(record["numpy_simd"]["baseline"])
    libs = ", ".join(f"{b['internal_api']} {b['version']} {b['architecture']} ×{b['num_threads']}" for b in record["blas"])
    env = "".join(f", {k}={v}" for k, v in record.get("environment", {}).items())
    return f"{record['cpu']} ({record['machine']}), numpy SIMD {simd}, {libs}{env}"
