"""Shared helpers for the test suite."""

from __future__ import annotations

import fcntl
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
    for name in ["pyproject.toml", "constraints.txt"]:
        shutil.copy(ROOT / name, dest / name)
    return dest


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "e2e: runs the iq command or the notebooks in other processes (iq run, "
                                       "iq validate, nbval, iq verify); left out of `make check`")
    config.addinivalue_line("markers", "slow: in-process but several seconds each (the demo calibration); "
                                       "left out of `make check`")


# the longest end-to-end tests, longest first; the second and third may not need the fixture run
# (the first builds it): with `-n 2 --dist load --maxschedchunk 1` each worker starts on two of
# these and then pulls the next test as it finishes, which keeps the two cores busy to the end
LONGEST = ["test_a_scenario_with_log_exp_and_pca", "test_published_run_reexecutes_under_nbval", "test_kill_9",
           "test_the_fixture_edition_verifies", "test_a_fourteen_direction", "test_a_scenario_draft",
           "test_publish_refuses_overwrite", "test_committed_demo_values_regenerate"]


def pytest_collection_modifyitems(items) -> None:
    """Every test that uses the published fixture run is end to end; end-to-end tests run
    first, the longest ones first of all."""
    def order(item) -> int:
        if {"published_mini", "own_project"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
        for i, name in enumerate(LONGEST):
            if item.name.startswith(name):
                return i
        return len(LONGEST) + (0 if item.get_closest_marker("e2e") else 1)

    items.sort(key=order)


def _shared_dir(tmp_path_factory) -> Path:
    """A folder shared by every pytest-xdist worker of this session (the session's own
    temporary folder without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def published_mini(tmp_path_factory) -> Path:
    """A project copy with the fixture edition published in outputs/2019/mini: made once per
    test session (the first xdist worker to ask builds it under a lock) and only read by the
    tests; a test that changes anything copies it first (``own_project``)."""
    shared = _shared_dir(tmp_path_factory)
    root, done = shared / "published-mini" / "iq", shared / "published-mini.done"
    with open(shared / "published-mini.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(root.parent, ignore_errors=True)
            make_project_copy(root)
            result = iq("run", FIXTURE_EDITION, "--publish", env={"IQ_PROJECT_ROOT": str(root)})
            assert result.returncode == 0, result.stderr
            (root.parent / "iq-run.stdout").write_text(result.stdout, encoding="utf-8")
            done.write_text("ok\n")
    return root


@pytest.fixture
def own_project(published_mini, tmp_path) -> Path:
    """A private copy of the published project, for tests that publish, break or tamper."""
    dest = tmp_path / "iq"
    shutil.copytree(published_mini, dest)
    return dest
