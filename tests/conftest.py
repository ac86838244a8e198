"""Shared helpers for the test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# property tests draw their examples from a fixed seed: the same examples on every run
settings.register_profile("deterministic", derandomize=True, print_blob=True)
settings.load_profile("deterministic")

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "mini"
FIXTURE_EDITION = "tests/fixtures/mini/edition.yaml"


def iq(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the ``iq`` command as a user would (same interpreter as the tests)."""
    full_env = {**os.environ, "PYTHONHASHSEED": "0", **(env or {})}
    return subprocess.run([sys.executable, "-m", "iqlib.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def make_project_copy(dest: Path) -> Path:
    """A throw-away project root (params, data, notebooks, tests/fixtures) for tests that
    publish or break things; select it with IQ_PROJECT_ROOT."""
    for name in ["params", "notebooks", "data", "tests/fixtures"]:
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


@pytest.fixture(scope="session")
def fixture_runs(tmp_path_factory) -> list[Path]:
    """The fixture edition run twice with ``iq run`` into temporary folders."""
    runs = []
    for i in range(2):
        out = tmp_path_factory.mktemp(f"mini-run{i}") / "mini"
        result = iq("run", FIXTURE_EDITION, "--out", str(out))
        assert result.returncode == 0, result.stderr
        runs.append(out)
    return runs
