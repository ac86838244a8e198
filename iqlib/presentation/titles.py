"""The title a reader sees for a run, in the catalogue's words (``run:``): the edition's own
title; a scenario that gave none gets its edition's title naming the scenario and the
edition; a draft's title says so first. ``Params`` keeps only the data (``config.params``)."""

from __future__ import annotations

from iqlib.config.params import Params
from iqlib.presentation.words import word


def run_title(params: Params) -> str:
    """The run's title in the edition's language (figures, pages, the site, comparisons)."""
    language = params.language
    title = params.local(params.edition, "title")
    if params.title_inherited:
        title = word(language, "run.scenario_title", title=title, scenario=params.edition.scenario,
                     edition=params.edition.edition)
    return word(language, "run.draft_title", title=title) if params.draft else title


def scenario_name(params: Params) -> str:
    """The run's scenario as a reader names it, never its code: 'базовый расчёт' for an
    edition, a scenario's own title when it gives one, else 'сценарий «<name>»'."""
    language = params.language
    if params.extends is None:
        return word(language, "run.base")
    if not params.title_inherited:
        return params.local(params.edition, "title")
    return word(language, "run.scenario", scenario=params.edition.scenario)
