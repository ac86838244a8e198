"""The names of the files a reader downloads: they carry the index, the edition and the
scenario, so two downloads of different editions never overwrite each other
(``iq-2019-base.xlsx``, ``iq-2019-base-scores.csv``, ``iq-series-2018-2021.xlsx``)."""

from __future__ import annotations

import re
from typing import Protocol

from iqlib.config.params import Params


class HasParams(Protocol):
    params: Params


def _slug(text: str) -> str:
    """Lower case letters, digits and single hyphens ('IQ' → 'iq', 'D4 double' → 'd4-double')."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


def index_slug(params: Params) -> str:
    """The index's code as a file name part ('iq')."""
    return _slug(params.methodology.index_code)


def run_stem(run: Params | HasParams) -> str:
    """``<index>-<edition>-<scenario>`` of a run ('iq-2019-base'), from its params or any
    object holding them (the site's ``Run``)."""
    p = run if isinstance(run, Params) else run.params
    return f"{index_slug(p)}-{p.edition.edition}-{_slug(p.edition.scenario)}"


def series_stem(params: Params, first: int, last: int) -> str:
    """``<index>-series-<first>-<last>`` of a series of editions ('iq-series-2018-2021')."""
    return f"{index_slug(params)}-series-{first}-{last}"


def book_name(run: Params | HasParams) -> str:
    """The officials' workbook of a run ('iq-2019-base.xlsx')."""
    return f"{run_stem(run)}.xlsx"


def excel_csv_name(stem: str, table: str) -> str:
    """A CSV for Excel of a table ('iq-2019-base-scores.csv')."""
    return f"{stem}-{table}.csv"
