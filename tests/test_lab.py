"""The methodologist's JupyterLab, in a real JupyterLab driven by Debian's headless Chromium:
``make lab`` (on a free port, with a token, no browser of its own) opens the what-if explorer
and the first stage notebook; each runs from its parameters cell as it stands; the explorer's
widgets render, a slider move changes the table; both notebooks are then saved with their
outputs on screen, and the source files stay byte for byte what they were (the server's
pre-save hook of ``tools/lab/config.py``), so ``git status`` shows nothing new in
``notebooks/``. The server is always stopped afterwards. A screenshot of the explorer after
the slider move, at 1366 px, is kept in the test's folder (``IQ_LAB_SCREENSHOT=docs/img/whatif-1366.png``
also copies it there: the README's picture)."""

from __future__ import annotations

import json
import os
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, chromium


def in_lab(test):
    """A test in the real JupyterLab: slow, end to end, all of them on one xdist worker (one server)."""
    return pytest.mark.slow(pytest.mark.e2e(pytest.mark.xdist_group("lab")(test)))


WIDTH = 1366
NOTEBOOKS = ("whatif.ipynb", "01_load.ipynb")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--", "notebooks"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


class Lab:
    """A JupyterLab server started as ``make lab`` starts it."""

    def __init__(self, tmp: Path):
        self.port, self.token = _free_port(), secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
               "JUPYTERLAB_SETTINGS_DIR": str(tmp / "settings"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime")}
        flags = f"--no-browser --ServerApp.ip=127.0.0.1 --port={self.port} --IdentityProvider.token={self.token}"
        self.log = open(tmp / "lab.log", "w")  # noqa: SIM115 — closed in stop()
        self.process = subprocess.Popen(["make", "-s", "lab", f"LABFLAGS={flags}"], cwd=ROOT, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait(self, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"make lab stopped: {Path(self.log.name).read_text()[-2000:]}")
            try:
                self.api("status")
                return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError("JupyterLab did not answer")

    def stop(self) -> None:
        """Shut the kernels down (each runs in a session of its own), then the server (make and
        jupyter: the process group this test started); whatever is left of it is killed."""
        try:
            for kernel in self.api("kernels"):                 # type: ignore[union-attr]
                self.api(f"kernels/{kernel['id']}", "DELETE")
        except (OSError, TypeError):
            pass
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            self.log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, sources) -> Iterator[Lab]:
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.skip("Debian's chromium and chromium-driver are not installed (make browser installs them)")
    server = Lab(tmp_path_factory.mktemp("lab"))
    try:
        server.wait()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(lab):
    driver = chromium(f"{WIDTH},1500")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def sources() -> Iterator[dict[str, bytes]]:
    """The source notebooks' bytes and git's view of notebooks/ before the Lab session; after
    it (the server stopped) both must be unchanged."""
    before = {name: (ROOT / "notebooks" / name).read_bytes() for name in NOTEBOOKS}
    status = _git_status()
    yield before
    assert {name: (ROOT / "notebooks" / name).read_bytes() for name in NOTEBOOKS} == before
    assert _git_status() == status


def _open_and_run(browser, lab: Lab, name: str) -> None:
    """Open ``notebooks/<name>`` in Lab (the first by its address, the next from the file
    browser, as a reader would) and run every cell (Run ▸ Run All Cells) until the kernel is
    idle with every code cell executed."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 40, poll_frequency=0.2)
    if not browser.current_url.startswith(lab.url):
        browser.get(f"{lab.url}/lab/tree/notebooks/{name}?token={lab.token}&reset")
    else:
        entry = wait.until(lambda b: b.find_element(
            By.XPATH, f"//li[contains(@class,'jp-DirListing-item')][.//span[text()='{name}']]"))
        ActionChains(browser).double_click(entry).perform()
        wait.until(lambda b: b.execute_script(
            "const t = document.querySelector('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current');"
            "return t && t.textContent.includes(arguments[0]);", name))
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell"))
    _idle(browser)
    _menu(browser, "Run", "Run All Cells")
    wait.until(lambda b: b.execute_script(
        "const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');"
        "const prompts = [...p.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(e => e.textContent);"
        "return prompts.length > 0 && prompts.every(t => /\\[\\d+\\]/.test(t));"))


def _idle(browser, timeout: float = 40) -> None:
    """Wait until the notebook's kernel is idle (the status bar says so)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout, poll_frequency=0.2).until(
        lambda b: "Python 3 (ipykernel) | Idle" in b.find_element(By.CSS_SELECTOR, "#jp-main-statusbar").text)


def _menu(browser, menu: str, item: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.XPATH, f"//li[contains(@class,'lm-MenuBar-item')][.//div[text()='{menu}']]").click()
    entry = WebDriverWait(browser, 10).until(lambda b: b.find_element(
        By.XPATH, f"//li[contains(@class,'lm-Menu-item')][.//div[contains(@class,'lm-Menu-itemLabel') and text()='{item}']]"))
    entry.click()


def _panel_text(browser) -> str:
    """The open notebook's text, every cell's (textContent: Lab leaves cells out of view unpainted)."""
    return browser.execute_script("return document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)').textContent")


def _save(browser, name: str) -> None:
    """File ▸ Save Notebook, waiting for the file on disk to be written."""
    from selenium.webdriver.support.ui import WebDriverWait

    path = ROOT / "notebooks" / name
    written = path.stat().st_mtime_ns
    _menu(browser, "File", "Save Notebook")
    WebDriverWait(browser, 15, poll_frequency=0.2).until(lambda b: path.stat().st_mtime_ns != written)


@in_lab
def test_the_explorer_runs_in_lab_and_a_slider_move_changes_the_table(lab, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    _open_and_run(browser, lab, "whatif.ipynb")
    wait = WebDriverWait(browser, 30, poll_frequency=0.2)
    wait.until(lambda b: "пересчитано за" in _panel_text(b))
    text = _panel_text(browser)
    assert "Error displaying widget" not in text and "Traceback" not in text
    assert "D4 Умный городской транспорт" in text and "Записать сценарий" in text
    sliders = browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .widget-hslider")
    assert len(sliders) == 11                           # ten directions and the chosen indicator
    assert all(s.size["width"] >= 360 for s in sliders), [s.size["width"] for s in sliders]   # ≥ 6 px a step

    def table() -> list[str]:          # read at once: every recompute replaces the rows
        return browser.execute_script("return [...document.querySelectorAll('.iq-whatif-group tbody tr')].map(r => r.innerText)")

    before = table()
    assert before[0].split()[:4] == ["1", "Москва", "89,65", "89,65"]
    handle = sliders[3].find_element(By.CSS_SELECTOR, ".noUi-handle")
    handle.send_keys(Keys.END)                          # D4 from 1,00 to the end of its scale, 3,00: 3 / 12 of the total
    wait.until(lambda b: "3,00 · 25,0 % суммы весов" in _panel_text(b))
    _idle(browser)                                      # recomputed
    after = table()
    assert after != before
    assert any("▲" in row for row in after) and any("▼" in row for row in after)
    assert not browser.find_elements(By.CSS_SELECTOR, ".iq-stale")      # recomputed: no «не пересчитано» mark
    overflow = browser.execute_script(
        "const o = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer, "
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');"
        "return o.scrollWidth - o.clientWidth;")
    assert overflow <= 0                                 # nothing scrolls sideways at 1366 px
    browser.set_window_size(WIDTH, 2300)                # the whole explorer in one picture, 1366 px wide
    browser.execute_script("document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .widget-vbox').scrollIntoView()")
    time.sleep(0.5)
    browser.save_screenshot(str(tmp_path / "whatif-1366.png"))
    if os.environ.get("IQ_LAB_SCREENSHOT"):             # IQ_LAB_SCREENSHOT=docs/img/whatif-1366.png retakes the README's
        shutil.copy(tmp_path / "whatif-1366.png", ROOT / os.environ["IQ_LAB_SCREENSHOT"])
    browser.set_window_size(WIDTH, 1500)
    _save(browser, "whatif.ipynb")


@in_lab
def test_the_first_stage_notebook_runs_in_lab(lab, browser):
    _open_and_run(browser, lab, "01_load.ipynb")
    text = _panel_text(browser)
    assert "Traceback" not in text and "Этап 1. Загрузка и проверка данных" in text
    assert "Итого" in text and "TOTAL" not in text      # the accounting table's sum row, in words
    _save(browser, "01_load.ipynb")


# --------------------------------------------------------------------------- the pre-save hook, without a browser
def hook():
    """tools/lab/config.py's pre-save hook, as the server imports it (the config file run as Python)."""
    return runpy.run_path(str(ROOT / "tools" / "lab" / "config.py"))["keep_sources_clean"]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")))
def test_a_source_notebook_saved_after_a_session_is_the_source_byte_for_byte(name):
    """Every source notebook as Lab sends it after a session (outputs, counts, a cell's
    session metadata, the widget state and the kernel's language version) is written by the
    hook and the server (``nbformat.write``, as jupyter_server's FileContentsManager writes)
    byte for byte as the committed file; its code and tags as they are."""
    path = ROOT / "notebooks" / name
    nb = json.loads(path.read_text(encoding="utf-8"))
    session = json.loads(json.dumps(nb))
    session["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    session["metadata"]["language_info"] = {"name": "python", "version": "3.11.2", "mimetype": "text/x-python"}
    for cell in session["cells"]:
        cell["metadata"].update({"scrolled": True, "jupyter": {"outputs_hidden": False}, "execution": {"iopub.status.idle": "x"}})
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "Итого\n"}]
            cell["execution_count"] = 7
    model = {"type": "notebook", "format": "json", "content": session}
    hook()(model=model, path=f"notebooks/{name}", contents_manager=None)
    assert nbformat.writes(nbformat.from_dict(model["content"]), version=nbformat.NO_CONVERT) + "\n" == \
        path.read_text(encoding="utf-8")


def test_an_edit_is_saved_and_other_folders_are_left_alone_but_published_runs_refused():
    """The hook strips outputs only: an edited line of code is saved; a notebook outside
    notebooks/ (runs/) keeps its outputs; one under outputs/ is refused with the reason."""
    from tornado.web import HTTPError

    cell = {"cell_type": "code", "id": "x", "metadata": {"tags": ["parameters"], "scrolled": True}, "execution_count": 3,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}], "source": "base = 'edited'"}

    def model() -> dict:
        return {"type": "notebook", "content": {"cells": [json.loads(json.dumps(cell))], "metadata": {}}}

    saved = model()
    hook()(model=saved, path="/notebooks/whatif.ipynb")
    assert saved["content"]["cells"] == [{**cell, "metadata": {"tags": ["parameters"]}, "execution_count": None, "outputs": []}]
    scratch = model()
    hook()(model=scratch, path="runs/lab/mine.ipynb")
    assert scratch == model()
    with pytest.raises(HTTPError) as refused:
        hook()(model=model(), path="outputs/2019/base/notebooks/04_rank.ipynb")
    assert refused.value.status_code == 403 and "только для чтения" in refused.value.log_message
