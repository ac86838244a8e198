"""The index across editions (``iq series``): which published runs make one line, scored
against which fixed goalposts, beside which official averages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from iqlib.config.errors import validated
from iqlib.config.limits import Title
from iqlib.config.names import FolderName
from iqlib.config.paths import display, resolve
from iqlib.config.yamlfile import read_yaml
from iqlib.core.errors import UserError
from iqlib.core.registry import Strict


class SeriesEdition(Strict):
    params: str = Field(description="the edition's params file")
    run: str = Field(description="its published run folder (outputs/<edition>/<scenario>)")


class Series(Strict):
    """The index across editions (``iq series``): published runs on one line."""

    series: FolderName = Field(description="names its folder and files (config.names)")
    title_ru: Title
    title_en: Title
    language: Literal["ru", "en"] = "ru"
    synthetic: bool
    editions: list[SeriesEdition] = Field(min_length=2)
    base_year: int = Field(description="growth is measured against this edition's average")
    goalposts: str = Field(description="a scenario file whose normalisation and base_edition score every edition "
                                       "against fixed goalposts (comparable across years)")
    official_averages: str
    conflicts: str | None = None
    target_growth_pct: float | None = None
    target_year: int | None = None
    methods_differ: Literal["refuse", "show"] = Field(
        "refuse", description="runs of different method versions: refuse (default), or show them as separate lines")


def load_series(series_file: str | Path) -> Series:
    """A validated series YAML; every file it names must exist (its runs are checked, and
    matched to their params, by ``iqlib.publishing.series_checks`` before a series is computed)."""
    path = resolve(series_file)
    data = read_yaml(path)
    if isinstance(data, dict) and "series" not in data and ("edition" in data or "extends" in data):
        raise UserError(f"{display(path)}: an edition or scenario file, not a series file (iq series takes a series "
                        f"file such as params/series/iq_v1.yaml)")
    series = validated(Series, data, display(path))
    for key, value in [("goalposts", series.goalposts), ("official_averages", series.official_averages),
                       ("conflicts", series.conflicts)] + \
            [(f"editions[{i}].params", e.params) for i, e in enumerate(series.editions)]:
        if value is not None and not resolve(value).is_file():
            raise UserError(f"{display(path)}: key {key!r}: file not found: {value}")
    return series
