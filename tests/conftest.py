"""Shared helpers for the test suite."""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "mini"
FIXTURE_EDITION = "tests/fixtures/mini/edition.yaml"


def iq(*args: str, cwd: Path = ROOT, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    """Run the ``iq`` command as a user would (same interpreter as the tests)."""
    full_env = {**os.environ, "PYTHONHASHSEED": "0", **(env or {})}
    return subprocess.run([sys.executable, "-m", "iqlib.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def iq_here(*args: str, project: Path = ROOT) -> subprocess.CompletedProcess:
    """The ``iq`` command in this process (``cli.main``, what the command runs, without
    starting Python and importing iqlib again: a second saved each time), from ``project``
    as its root and folder. Only for commands that start no stage process: ``iq run`` and a
    full ``iq verify`` go through ``iq()``, whose PYTHONHASHSEED is 0."""
    from iqlib import cli

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        patch.setenv("IQ_PROJECT_ROOT", str(project))
        patch.chdir(project)
        code = cli.main(list(args))
    return subprocess.CompletedProcess(["iq", *args], code, out.getvalue(), err.getvalue())


def chromium(window: str, *extra: str):
    """Debian's chromium, headless, driven by selenium (installed by ``make browser``), with
    the browser's console kept for the tests; without it the calling test is skipped and
    says why. The caller quits it."""
    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.skip("Debian's chromium and chromium-driver are not installed (make browser installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={window}", *extra):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(driver_path), options=options)


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
    if getattr(config, "workerinput", None) is not None or not getattr(config.option, "numprocesses", None):
        # property tests draw their examples from a fixed seed: the same examples on every run
        # (in the processes that run tests: the xdist controller does not import hypothesis)
        from hypothesis import settings

        settings.register_profile("deterministic", derandomize=True, print_blob=True)
        settings.load_profile("deterministic")


# the longest end-to-end tests, longest first; the second and third may not need the fixture run
# (the first builds it): with `-n 2 --dist load --maxschedchunk 1` each worker starts on two of
# these and then pulls the next test as it finishes, which keeps the two cores busy to the end
LONGEST = ["test_a_scenario_with_log_exp_and_pca", "test_no_csv_field_or_header_reads_as_a_formula",
           "test_committed_demo_values_regenerate", "test_published_run_reproduces",
           "test_kill_9", "test_a_fourteen_direction", "test_a_scenario_draft", "test_nbval_reexecutes",
           "test_no_page_type_has_a_serious", "test_reader_pages_and_charts", "test_the_fixture_editions_tables",
           "test_publish_refuses_overwrite"]


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


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """``shared/<name>``, made by ``build(folder)`` once per test session: the first
    pytest-xdist worker to ask builds it under a file lock, the others wait and read it. For
    expensive fixtures only read by their tests (a module- or session-scoped fixture alone is
    built once per worker)."""
    shared = _shared_dir(tmp_path_factory)
    folder, done = shared / name, shared / f"{name}.done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            done.write_text("ok\n")
    return folder


@pytest.fixture(scope="session")
def published_mini(tmp_path_factory) -> Path:
    """A project copy with the fixture edition published in outputs/2019/mini: made once per
    test session and only read by the tests; a test that changes anything copies it first
    (``own_project``)."""
    def build(folder: Path) -> None:
        root = make_project_copy(folder / "iq")
        result = iq("run", FIXTURE_EDITION, "--publish", env={"IQ_PROJECT_ROOT": str(root)})
        assert result.returncode == 0, result.stderr
        (folder / "iq-run.stdout").write_text(result.stdout, encoding="utf-8")

    return built_once(tmp_path_factory, "published-mini", build) / "iq"


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The site of every published demo run (outputs/ as committed), built once per test
    session and shared by the xdist workers; tests only read it."""
    def build(folder: Path) -> None:
        from iqlib.publishing.site import build as build_site

        build_site(ROOT / "outputs", folder / "site", log=lambda _: None)

    return built_once(tmp_path_factory, "demo-site", build) / "site"


@pytest.fixture
def own_project(published_mini, tmp_path) -> Path:
    """A private copy of the published project, for tests that publish, break or tamper."""
    dest = tmp_path / "iq"
    shutil.copytree(published_mini, dest)
    return dest


def pytest_terminal_summary(terminalreporter) -> None:
    """The notes tests leave with ``record_property("note", text)`` (e.g. a published run made
    with other code that still reproduces): shown at the end, never a failure."""
    notes = [value for kind in ("passed", "failed") for report in terminalreporter.stats.get(kind, [])
             if getattr(report, "when", None) == "call" for key, value in report.user_properties if key == "note"]
    if notes:
        terminalreporter.section("notes")
        for note in sorted(notes):
            terminalreporter.write_line(note)
