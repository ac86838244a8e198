"""The names a user chooses and the folders the commands write: one check, here (issue 23).

A scenario's or a series' name becomes a folder (``runs/<edition>/<scenario>/``,
``outputs/series/<series>/``, ``site/<edition>/<scenario>/``) and a part of file names
(``iq-<edition>-<scenario>-audit.xlsx``, ``<edition>-<a>__<edition>-<b>/`` for a comparison,
``comparison-<edition>-<a>-<edition>-<b>-<group>.svg``). ``name_problem`` says why a name is
refused, ``check_name`` raises it as one ``UserError``; the params models take the annotated
type ``Name`` (edition and scenario files, series files), ``iqlib.scenario`` and
``Scenario.save`` call ``check_name``. The rules:

* **characters**: ``PATTERN``, small Latin letters, digits, ``_`` and ``-``, starting with a
  letter or digit (no hidden folder, no case to lose on a file system that ignores it); no
  ``__`` (it separates the two runs of a comparison's name);
* **length**: at most ``LENGTH`` = 40 characters (bytes: the pattern is ASCII). The longest
  file name made from one is a CSV for Excel, ``<index>-<edition>-<scenario>-summary_<column>.csv``:
  147 + 40 = 187 bytes with a 64-character index code and roster column (``limits.CODE``); next a
  comparison's chart, ``comparison-<edition>-<a>-<edition>-<b>-<group>.svg``: 27 + 2 × 40 + a
  64-character group code = 171 bytes; a run's hidden staging folder ``.staging-<scenario>-<pid>``:
  57. All stay well under the 255 bytes a file name may have on every common file system (ext4,
  NTFS, APFS), with every code at its maximum;
* **reserved**: the project's own folder names (``FOLDERS``: ``results``, ``outputs``, ``api``,
  ``comparisons`` …), the names Windows keeps for devices (``con``, ``nul``, ``com1`` …), and a
  name ending in ``-draft`` (``iq run --draft`` writes ``runs/<edition>/<scenario>-draft/``);
* **collisions**: ``fold`` makes the key two names share when they are one folder on a file
  system that ignores case (Windows, macOS) or give the same download names (``_`` and ``-``
  both become ``-``); ``check_free`` refuses a new folder whose key an existing one beside it has.

``check_out`` is the one check of a command's ``--out``: never the project or one of its
source folders, inside a run or series folder (a folder with ``manifest.json`` above it: ``iq
verify`` checks every file of a run), inside ``outputs/`` (unless publishing) or inside a site;
each part of the path fits the file system with the hidden staging folder beside it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator

from iqlib.config.paths import display, project_root
from iqlib.core.errors import UserError

PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
LENGTH = 40
SEPARATOR = "__"                 # <edition>-<a>__<edition>-<b>: a comparison's folder
DRAFT = "-draft"                 # runs/<edition>/<scenario>-draft: a draft run
MANIFEST = "manifest.json"       # io.hashing.MANIFEST: a run's or a series' folder holds one
SITE_MARKERS = ("api/v1/index.json", "404.html")   # every site iq site builds holds them (publishing.opendata, .site)
COMPONENT = 255                  # bytes in one part of a path (ext4, NTFS, APFS)
STAGING = 32                     # what a hidden staging folder adds to its folder's name (.staging-<name>-<pid>)

# the project's own folder names, and where each is one
FOLDERS: dict[str, str] = {
    **dict.fromkeys(("iqlib", "notebooks", "params", "data", "tests", "docs", "bench", "tools"),
                    "a folder of the project"),
    "outputs": "the published runs (outputs/)",
    "runs": "the scratch runs (runs/)",
    "site": "the site iq site builds (site/)",
    **dict.fromkeys(("editions", "scenarios", "methodology"), "a folder of params/"),
    "series": "the series (params/series/, outputs/series/, runs/series/, the site's series/)",
    **dict.fromkeys(("demo", "reference", "templates"), "a folder of data/"),
    **dict.fromkeys(("results", "figures", "html"), "a folder of every run (results/, figures/, html/)"),
    "audit": "the statistical audit report of every run (audit/)",
    "comparisons": "the comparisons beside the runs (runs/comparisons/, outputs/<edition>/comparisons/)",
    "failed": "the failed stages' notebooks (runs/failed/)",
    **dict.fromkeys(("api", "v1", "cities", "assets"), "a folder of the site (api/v1/cities/, assets/)"),
    **dict.fromkeys(("city", "indicators", "downloads", "excel", "comparison"),
                    "a folder of each edition's pages on the site (city/, indicators/, downloads/excel/, comparison/)"),
    "static": "the site's stylesheet and scripts (iqlib/presentation/static/)",
}
DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
SOURCES = ("iqlib", "notebooks", "params", "data", "tests", "docs", "bench", "tools")   # never written by a command


def shown(name: str, limit: int = 60) -> str:
    """A name as a message quotes it: at most ``limit`` characters (a megabyte-long one is not echoed)."""
    return repr(name) if len(name) <= limit else f"{name[:limit]!r}… ({len(name)} characters)"


def fold(name: str) -> str:
    """The key two names share when they are one folder on a file system that ignores case,
    or give the same download names (``iq-2019-d4-double.xlsx`` for d4_double and d4-double)."""
    return name.casefold().replace("_", "-")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a scenario, a series or a comparison (the rules above), or None."""
    if len(name) > LENGTH:
        return (f"{shown(name)} is {len(name)} characters long, at most {LENGTH} allowed (files are named after it, "
                f"and a file name may have 255 bytes)")
    if not re.fullmatch(PATTERN, name):
        return f"{shown(name)}: only small Latin letters, digits, _ and -, starting with a letter or a digit"
    if SEPARATOR in name:
        return f"{shown(name)}: '{SEPARATOR}' separates the two runs in the name of a comparison; use one _ or -"
    key = fold(name)
    if key in FOLDERS or name in FOLDERS:
        return f"{shown(name)} is the name of a folder of the project: {FOLDERS.get(name) or FOLDERS[key]}; choose another name"
    if key in DEVICES:
        return f"{shown(name)} names a device on Windows (no file or folder may take it there); choose another name"
    if key.endswith(DRAFT):
        return f"{shown(name)}: a name ending in {DRAFT} is the folder of a draft (iq run --draft); choose another name"
    return None


def check_name(name: object, kind: str) -> str:
    """``name`` if it may name a ``kind`` (scenario, series, comparison), else one ``UserError``
    naming it and the rule."""
    if not isinstance(name, str):
        raise UserError(f"{kind} name: expected str, got {type(name).__name__} ({name!r:.80})")
    if (problem := name_problem(name)) is not None:
        raise UserError(f"{kind} name {problem}")
    return name


def _valid(name: str) -> str:
    if (problem := name_problem(name)) is not None:
        raise ValueError(problem)
    return name


FolderName = Annotated[str, AfterValidator(_valid)]      # a scenario's or a series' name in a params model


def clash(folder: Path, name: str) -> Path | None:
    """An entry of ``folder`` (not a hidden one) spelt otherwise than ``name`` with the same ``fold``."""
    try:
        entries = os.listdir(folder)
    except OSError:             # no such folder (yet), or not a folder: nothing beside the new one
        return None
    key = fold(name)
    return next((folder / e for e in sorted(entries) if e != name and not e.startswith(".") and fold(e) == key), None)


def check_free(dest: Path, what: str) -> None:
    """One ``UserError`` when a folder or file beside ``dest`` differs from its name only in
    case or in ``_`` against ``-`` (one folder on Windows or macOS, the same download names)."""
    if (other := clash(dest.parent, dest.name)) is not None:
        raise UserError(f"{what} {display(dest)}: {display(other)} exists and differs from it only in case or in _ "
                        f"against - (one folder on a file system that ignores case, the same download names); "
                        f"choose another name")


def is_site(folder: Path) -> bool:
    """Whether ``folder`` holds a site that ``iq site`` built."""
    return any((folder / marker).is_file() for marker in SITE_MARKERS)


def check_out(path: str | os.PathLike, command: str, *, publish: bool = False, sources: bool = True) -> Path:
    """The absolute folder ``--out`` names for ``command`` (``iq run`` …), or one ``UserError``
    naming it: a part of it too long for the file system; the project, a folder holding it or
    (``sources``) one of its source folders; inside a run or series folder; inside ``outputs/``
    unless ``publish``; inside a site. Whether the folder itself may be replaced is the
    command's to say (a run, a comparison, a series, a site)."""
    dest = Path(path).absolute()
    arg = f"{command}: --out {display(dest)}"
    for i, part in enumerate(dest.parts[1:], start=1):
        room = COMPONENT - (STAGING if i == len(dest.parts) - 1 else 0)
        if len(part.encode("utf-8", "surrogateescape")) > room:
            raise UserError(f"{arg}: the folder name {shown(part)} is {len(part.encode('utf-8', 'surrogateescape'))} "
                            f"bytes long, at most {room} allowed (a file name may have 255 bytes)")
    dest = dest.resolve()
    root = project_root()
    if dest == root or dest in root.parents:
        raise UserError(f"{arg} is the project's folder or holds it; choose another --out")
    for source in SOURCES if sources else ():
        folder = root / source
        if dest == folder or folder in dest.parents:
            raise UserError(f"{arg} is inside the project's {source}/ folder; write under runs/ or outside the project")
    for above in dest.parents:
        if (above / MANIFEST).is_file():
            raise UserError(f"{arg} is inside the run folder {display(above)} (it holds {MANIFEST}: iq verify checks "
                            f"every file of a run); write outside it")
        if is_site(above) or above == root / "site":
            raise UserError(f"{arg} is inside the site folder {display(above)} (iq site replaces it whole); write outside it")
    outputs = root / "outputs"
    if not publish and (dest == outputs or outputs in dest.parents):
        publishing = " (or publish with --publish)" if command == "iq series" else ""
        raise UserError(f"{arg} is in outputs/, which holds published runs only; write under runs/ or outside the "
                        f"project{publishing}")
    return dest
