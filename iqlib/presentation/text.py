"""The words of a run in its language: Russian by default, English when the edition
says ``language: en``. Every label a reader sees is looked up here or taken from the
methodology and edition (names, titles, the index's short name and maximum score)."""

from __future__ import annotations

from typing import Any

from iqlib.config.params import Params

TEXT: dict[str, dict[str, Any]] = {
    "ru": {
        "synthetic": "Синтетические демонстрационные данные — не официальные значения",
        "score": "Баллы {short}",
        "group": "Группа",
        "leaderboard": "Рейтинг",
        "distribution": "Распределение {short} по группам",
        "profile": "Средний нормированный балл показателя по группам",
        "stages": "Этапы расчёта",
        "notebook": "исполненный блокнот",
        "page": "страница",
        "results": "Результаты",
        "figures": "Графики",
        "manifest": "Манифест запуска (параметры, хеши входных файлов, версии пакетов)",
        "top": "Лидеры групп",
        "none": "Нет.",
        "banner": "Издание {edition}, сценарий «{scenario}», методика {method}.",
        "warning": "ВНИМАНИЕ: синтетические демонстрационные данные, не официальные значения.",
        "rank": "Место",
        "rank_interval": "Интервал места [a–b]",
        "interval": "[a–b] — {lo:g}–{hi:g}-й процентили места в группе по {n} повторам анализа неопределённости",
        "city": "Город",
        "stage_names": {"01_load": "1. Загрузка и проверка данных", "02_normalise": "2. Нормирование",
                        "03_weight": "3. Взвешивание и агрегирование", "04_rank": "4. Ранжирование",
                        "05_report": "5. Отчёт"},
    },
    "en": {
        "synthetic": "Synthetic demonstration data — not official values",
        "score": "{short} points",
        "group": "Group",
        "leaderboard": "Ranking",
        "distribution": "{short} by population group",
        "profile": "Mean normalised indicator score by group",
        "stages": "Stages",
        "notebook": "executed notebook",
        "page": "page",
        "results": "Results",
        "figures": "Figures",
        "manifest": "Run manifest (parameters, input hashes, package versions)",
        "top": "Group leaders",
        "none": "None.",
        "banner": "Edition {edition}, scenario '{scenario}', methodology {method}.",
        "warning": "WARNING: synthetic demonstration data, not official values.",
        "rank": "Rank",
        "rank_interval": "Rank interval [a–b]",
        "interval": "[a–b]: {lo:g}th–{hi:g}th percentile of the rank in group over {n} uncertainty replications",
        "city": "City",
        "stage_names": {"01_load": "1. Load and validate", "02_normalise": "2. Normalise",
                        "03_weight": "3. Weight and aggregate", "04_rank": "4. Rank", "05_report": "5. Report"},
    },
}


def text(params: Params, key: str) -> Any:
    return TEXT[params.language][key]


def short_name(params: Params) -> str:
    """The index's short name for labels ('IQ'): its ``short_ru``/``short_en``, else its code."""
    meth = params.methodology
    return params.local(meth.node(meth.index_code), "short") or meth.index_code


def score_label(params: Params) -> str:
    """'Баллы IQ (0–120)': the index's points and, when the methodology sets one, its range."""
    label = text(params, "score").format(short=short_name(params))
    top = params.methodology.scoring.max_score
    return f"{label} (0–{top:g})" if top else label


def banner(params: Params) -> str:
    """First lines of every notebook: which edition, scenario and method; synthetic or not."""
    ed = params.edition
    lines = [text(params, "banner").format(edition=ed.edition, scenario=ed.scenario, method=params.methodology.id)]
    if ed.synthetic:
        lines.append(text(params, "warning"))
    return "\n".join(lines)


def interval_note(params: Params) -> str:
    """What the [a–b] after a city means (percentiles, number of replications)."""
    u = params.edition.uncertainty
    assert u is not None, "no uncertainty analysis in this edition"
    return text(params, "interval").format(lo=u.interval[0], hi=u.interval[1], n=u.replications)
