"""The run folder: where the stages read each other's files and write their own.

A ``RunFolder`` owns every read and write of a run: tables under ``results/`` (UTF-8,
``\\n`` line ends, no index, spreadsheet formulas escaped), figures under ``figures/``,
and the guard that nothing is written outside the folder. It is an object the notebook
opens, not module state, so two runs in one process (tests, the what-if loop) never
share anything.

Run-folder files (``results/``) and the stage that writes each:
  01 load       cities.csv, values.csv, group_disagreements.csv, missing.csv, accounting.csv,
                warnings.csv
  02 normalise  imputation.csv, treatment.csv, treated_points.csv, normalised.csv,
                constant_indicators.csv, methods.csv, audit_distribution.csv (screened.csv
                with ``scoring.screening`` in the methodology)
  03 weight     aggregates.csv (full precision), weights.csv, missing_aggregates.csv,
                effective_weights.csv (pca.csv when PCA weights are used),
                audit_correlations.csv, audit_collinear.csv, audit_consistency.csv
  04 rank       scores.csv (published: rounded), published_ties.csv, fragile.csv,
                leave_one_out.csv, leave_one_out_shifts.csv; with ``uncertainty`` in the
                edition: uncertainty.csv, uncertainty_inputs.csv, ties.csv, and with
                ``uncertainty.sensitivity``: sensitivity.csv, sensitivity_convergence.csv
  05 report     group_summary.csv, regions.csv (with ``regions:`` in the methodology);
                figures/*.png
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from iqlib.config.paths import display
from iqlib.core.errors import UserError
from iqlib.io.hashing import MANIFEST

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class MissingStageOutput(UserError):
    """A stage needs a run-folder file that an earlier stage writes (a notebook run on its
    own): the message names that stage and the file."""


def _writers(doc: str | None) -> dict[str, str]:
    """Run-folder file → the stage that writes it, read from this module's docstring (the
    one list of run-folder files)."""
    writer: dict[str, str] = {}
    stage = None
    for line in (doc or "").splitlines():
        start = re.match(r" {2}(\d{2}) (\w+)\s", line)
        if start:
            stage = f"{start[1]}_{start[2]}"
        if stage:
            for name in re.findall(r"\w+\.csv", line):
                writer.setdefault(name, stage)
    return writer


WRITTEN_BY = _writers(__doc__)


def _formula_like(text: str) -> bool:
    """Whether a text, after any leading apostrophes, starts as a formula would."""
    return text.lstrip("'").startswith(FORMULA_START)


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells and column headers that a spreadsheet would run as a formula (=, +, -, @,
    tab or carriage return first) get a leading apostrophe; numbers are untouched. City
    names, comments and the labels of declared columns (headers) are user input. A text
    that already starts with apostrophes before such a character gets one more, so that
    ``unescape_formulas`` gives back exactly what was escaped."""
    out = frame.copy()
    out.columns = [f"'{c}" if isinstance(c, str) and _formula_like(c) else c for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col]
            risky = text.notna() & text.astype(str).str.lstrip("'").str.startswith(FORMULA_START)
            if risky.any():
                out[col] = text.where(~risky, "'" + text.astype(str))
    return out


def unescape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """``escape_formulas`` undone: the run's stages and the site read back the names the
    user wrote (a city called ``=HYPERLINK(…)`` is that, not ``'=HYPERLINK(…)``)."""
    def escaped(text: str) -> bool:
        return text.startswith("'") and _formula_like(text)

    out = frame.rename(columns=lambda c: c[1:] if isinstance(c, str) and escaped(c) else c)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col]
            mask = text.map(lambda v: isinstance(v, str) and escaped(v))
            if mask.any():
                out[col] = text.where(~mask, text.astype(str).str[1:])
    return out


class RunFolder:
    """One run's folder (created with its ``results/`` on opening)."""

    def __init__(self, root: str | Path, figure_suffix: str = "", svg: bool = True):
        self.root = Path(root).resolve()
        self.results = self.root / "results"
        self.figures = self.root / "figures"
        self.figure_suffix = figure_suffix    # '__2019-d4-double': a scenario's charts carry its name
        self.svg = svg                        # an SVG beside each PNG (not in drafts)
        self.results.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"RunFolder({self.root.name!r})"  # no absolute path in a printed notebook

    def inside(self, path: str | Path) -> Path:
        """``path`` (relative to the folder, or absolute) after checking it lies inside."""
        p = (self.root / path).resolve()
        if self.root not in p.parents:
            raise RuntimeError(f"refusing to write {path}: outside the run folder")
        return p

    def write_csv(self, name: str, frame: pd.DataFrame, **kwargs: Any) -> Path:
        """``results/<name>``: UTF-8, \\n line ends, no index, formula-like text escaped."""
        path = self.inside(self.results / name)
        escape_formulas(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8", **kwargs)
        return path

    def read_csv(self, name: str, index: bool = False) -> pd.DataFrame:
        """``results/<name>`` (city_id as text, indexed by it when ``index``; texts as the
        user wrote them, the formula escape undone); when it is missing, a MissingStageOutput naming the earlier stage that writes it."""
        try:
            # only an empty cell is missing: a city called "NA" or "None" stays a name
            frame = unescape_formulas(pd.read_csv(self.results / name, dtype={"city_id": str}, keep_default_na=False,
                                                  na_values=[""]))
        except FileNotFoundError:
            stage = WRITTEN_BY.get(name)
            raise MissingStageOutput(f"run {stage or 'the earlier stages'} first (results/{name} is missing)") from None
        return frame.set_index("city_id") if index else frame

    def has(self, name: str) -> bool:
        return (self.results / name).is_file()

    def save_figure(self, fig: Figure, name: str) -> Path:
        """``figures/<name>`` (PNG; the folder's figure suffix before the extension) and,
        unless the folder is a draft's, the same chart as SVG beside it; then the figure is
        closed (a long run keeps no figures open). No dates in either file: same bytes on
        every run."""
        import matplotlib.pyplot as plt  # here: stages that draw nothing never load matplotlib

        stem, _, suffix = name.rpartition(".")
        path = self.inside(self.figures / f"{stem}{self.figure_suffix}.{suffix}")
        path.parent.mkdir(parents=True, exist_ok=True)
        png = io.BytesIO()
        fig.savefig(png, format="png", metadata={"Software": None})
        path.write_bytes(_palette_png(png.getvalue()))
        if self.svg:
            svg = io.StringIO()
            fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
            path.with_suffix(".svg").write_text(_compact_svg(svg.getvalue()), encoding="utf-8")
        plt.close(fig)
        return path

    def write_text(self, name: str, text: str) -> Path:
        """A text file at ``name`` (relative to the folder root), UTF-8."""
        path = self.inside(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path


def _palette_png(data: bytes) -> bytes:
    """A chart PNG with a 256-colour palette (no dithering): a chart has few colours, so it
    looks the same at a third of the size."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _compact_svg(svg: str) -> str:
    """matplotlib's SVG without its indentation and line breaks, with coordinates to 0.01
    px and without the id-only groups around a single element: under half the size, the
    same drawing (SVG collapses white space; the ids are not referred to)."""
    svg = re.sub(r'="[^"]*"', lambda m: re.sub(r"(\d\.\d\d)\d+", r"\1", m.group(0)), svg)
    svg = re.sub(r"\s*\n\s*", " ", svg)
    svg = re.sub(r">\s+<", "><", svg).strip()
    single = re.compile(r'<g id="[^"]*">(<(?:path|use|rect|text)\b[^>]*?(?:/>|>[^<]*</text>))</g>')
    while (shorter := single.sub(r"\1", svg)) != svg:
        svg = shorter
    return svg + "\n"


def read_manifest(run: Path) -> Any:
    """The parsed manifest.json of the folder ``run`` (a run's or a series'), or one message:
    no such folder, no manifest, not valid JSON."""
    path = run / MANIFEST
    if not run.is_dir():
        raise UserError(f"{display(run)}: no such folder")
    if not path.is_file():
        raise UserError(f"{display(run)}: not a run folder (no manifest.json)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{display(path)}: not valid JSON ({exc})") from None


RUN_KEYS = ("edition", "params", "methodology", "inputs", "outputs")   # what every run's manifest holds


def run_manifest(run: Path) -> dict:
    """The manifest of the run folder ``run``, or one message (naming the folder) saying why
    it is not a run: no such folder, no manifest, not a run's manifest, a series folder."""
    man = read_manifest(run)
    if not isinstance(man, dict):
        raise UserError(f"{display(run)}: not a run folder (its manifest.json is not a run's manifest)")
    if "series" in man:
        raise UserError(f"{display(run)}: a series folder (iq series), not a run")
    missing = [k for k in RUN_KEYS if k not in man]
    if missing or not isinstance(man.get("params"), dict) or "resolved" not in man["params"]:
        raise UserError(f"{display(run)}: not a run folder (its manifest.json lacks {', '.join(missing) or 'params.resolved'})")
    return man
