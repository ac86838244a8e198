"""JupyterLab as ``make lab`` starts it: ``jupyter lab --config=tools/lab/config.py`` at the
project root. Read by the Jupyter server; tests/test_lab.py starts Lab with ``make lab``.

**The source notebooks stay clean.** Running a stage notebook or the what-if explorer in Lab
must not leave outputs or session metadata in ``notebooks/`` (the clean-source test, and a
careless commit, would see them). Lab saves every notebook through the server's contents
manager, so one ``pre_save_hook`` decides what reaches the disk: a notebook saved under
``notebooks/`` is written without outputs, execution counts, widget state or session metadata
(``clean``); its code, prose and tags are saved as edited. Lab keeps showing the outputs in
the browser, autosave and Ctrl+S work as usual, and the file on disk is what git holds.
Chosen over the alternatives the issue names: a git filter (nbstripout) cleans only what git
sees, so the files on disk (what the clean-source test, papermill and ``iq run`` read) would
still hold outputs; working copies under ``runs/`` would make every edit of a notebook's code
land in a copy; turning autosave off cannot be limited to one folder and Ctrl+S still writes
outputs. This hook works wherever Lab saves from, needs no git configuration and no new package.

**The published runs are read-only.** A notebook under ``outputs/`` is an executed notebook of
a published run, checksummed in its manifest: Lab refuses to save it, with a message saying
to copy the run under ``runs/`` first (``iq verify`` would otherwise find it changed).

**Quiet and offline**: no news feed, no update check, no question about them
(``tools/lab/overrides.json``, Lab's settings overrides: this folder is its settings folder), and
no check for a rebuild of Lab's front end (pip installs it built; the check took 10 s on every
page load).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

SOURCES = "notebooks"        # the tracked source notebooks: saved clean
PUBLISHED = "outputs"        # the published runs: never saved from Lab
CELL_KEYS = ("tags", "editable", "deletable", "slideshow")   # cell metadata a source may carry (the rest is session state)


def clean(nb: dict) -> dict:
    """A notebook (its JSON as a dict) as a source notebook holds it, changed in place: code
    cells without outputs or execution counts, cells with only the metadata of ``CELL_KEYS``,
    the notebook's metadata its kernelspec and language name only (no widget state, no
    language version)."""
    for cell in nb.get("cells", []):
        cell["metadata"] = {k: v for k, v in cell.get("metadata", {}).items() if k in CELL_KEYS}
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    meta = nb.get("metadata", {})
    kept: dict[str, Any] = {"kernelspec": meta["kernelspec"]} if "kernelspec" in meta else {}
    if isinstance(meta.get("language_info"), dict) and "name" in meta["language_info"]:
        kept["language_info"] = {"name": meta["language_info"]["name"]}
    nb["metadata"] = kept
    return nb


def keep_sources_clean(model: dict, path: str, contents_manager: Any = None, **kwargs: Any) -> None:
    """The server's pre-save hook: a notebook under ``notebooks/`` is saved clean; one under
    ``outputs/`` is refused (HTTP 403, the reason in the reader's words)."""
    if model.get("type") != "notebook":
        return
    top = PurePosixPath(path.strip("/")).parts[:1]
    if top == (PUBLISHED,):
        from tornado.web import HTTPError

        from iqlib.presentation.words import DEFAULT, word

        raise HTTPError(403, word(DEFAULT, "lab.published_read_only"))   # Lab shows the message
    if top == (SOURCES,) and isinstance(model.get("content"), dict):
        clean(model["content"])


if "get_config" in globals():       # read by the Jupyter server (not when a test imports the hook)
    c = get_config()  # noqa: F821
    c.ContentsManager.pre_save_hook = keep_sources_clean
    c.LabApp.news_url = None
    c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
    c.LabApp.app_settings_dir = str(Path(__file__).parent)      # overrides.json
    c.ServerApp.tornado_settings = {"page_config_data": {"buildCheck": False, "buildAvailable": False}}
