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
        "no_data": "нет данных",
        "no_data_note": "«нет данных: D…» — направление без единого значения показателей; его 0 — не результат, а пропуск",
        "nominal_max": "номинальный максимум",
        "stages": "Этапы расчёта",
        "notebook": "исполненный блокнот",
        "page": "страница",
        "results": "Результаты",
        "figures": "Графики",
        "manifest": "Манифест запуска (параметры, хеши входных файлов, версии пакетов)",
        "top": "Лидеры групп",
        "none": "Нет.",
        "banner": "Издание {edition}, сценарий «{scenario}», методика {method}.",
        "edition_line": "{method}. Издание {edition}, сценарий «{scenario}».",
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
        "no_data": "no data",
        "no_data_note": "'no data: D…' — a direction without any indicator value: its 0 is a gap, not a result",
        "nominal_max": "nominal maximum",
        "stages": "Stages",
        "notebook": "executed notebook",
        "page": "page",
        "results": "Results",
        "figures": "Figures",
        "manifest": "Run manifest (parameters, input hashes, package versions)",
        "top": "Group leaders",
        "none": "None.",
        "banner": "Edition {edition}, scenario '{scenario}', methodology {method}.",
        "edition_line": "{method}. Edition {edition}, scenario '{scenario}'.",
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


THIN = "\u202f"  # narrow no-break space: the thousands separator of Russian typography


def number(x: float | int | None, decimals: int = 2, language: str = "ru") -> str:
    """A number as a reader of ``language`` writes it: '105,70' and '1 234 567' (thin space)
    in Russian, '105.70' and '1,234,567' in English; a minus sign (−), never a hyphen and
    never before a zero ('−0,00'); '—' when missing."""
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    text = f"{x:,.{decimals}f}"
    if text.startswith("-"):
        text = text[1:] if not text.strip("-0.,") else "\u2212" + text[1:]
    if language == "ru":
        return text.replace(",", THIN).replace(".", ",")
    return text


# column headers of the tables offered for download (Russian, English); node codes
# (indicators, directions, the index) are labelled with their names by the caller
COLUMNS: dict[str, tuple[str, str]] = {
    "city_id": ("Код города", "City code"), "city_ru": ("Город", "City"), "region_ru": ("Субъект РФ", "Region"),
    "group": ("Группа", "Group"), "rank_in_group": ("Место в группе", "Rank in group"),
    "rank_overall": ("Место среди всех городов", "Overall rank"), "indicator": ("Показатель", "Indicator"),
    "kind": ("Вид показателя", "Kind"), "polarity": ("Полярность", "Polarity"), "missing": ("Пропуски", "Missing data"),
    "treatment": ("Выбросы", "Outliers"), "normalisation": ("Нормирование", "Normalisation"),
    "rule": ("Правило", "Rule"), "value": ("Значение", "Value"), "cities": ("Городов", "Cities"),
    "mean": ("Среднее", "Mean"), "median": ("Медиана", "Median"), "min": ("Минимум", "Minimum"),
    "max": ("Максимум", "Maximum"), "leader": ("Лидер", "Leader"), "level": ("Уровень", "Level"),
    "parent": ("Родитель", "Parent"), "child": ("Узел", "Node"), "weight": ("Вес", "Weight"),
    "median_in_group": ("Медиана места в группе", "Median rank in group"),
    "outside_in_group": ("Место вне интервала", "Rank outside the interval"),
    "median_overall": ("Медиана места среди всех", "Median overall rank"),
    "outside_overall": ("Место вне интервала (все)", "Overall rank outside the interval"),
    "moved_most_by": ("Сильнее всего двигает место", "Moved most by"),
    "code": ("Код", "Code"), "nominal_share": ("Номинальная доля", "Nominal share"),
    "variance_share": ("Доля дисперсии", "Variance share"), "corr_with_index": ("Корреляция с индексом", "Correlation with the index"),
    "output": ("Результат", "Output"), "input": ("Решение методики", "Input"),
    # the tables the notebooks show and the run's other results
    "read": ("Прочитано", "Read"), "used": ("Использовано", "Used"), "rejected": ("Отклонено", "Rejected"),
    "to_impute": ("К заполнению", "To impute"), "left_missing": ("Осталось пропусков", "Left missing"),
    "aggregate": ("Составная оценка", "Aggregate"), "children": ("Составляющих", "Children"),
    "cronbach_alpha": ("α Кронбаха", "Cronbach's α"), "pc1_share": ("Доля 1-й главной компоненты", "PC1 share"),
    "eigenvalues_above_1": ("Собственных чисел > 1", "Eigenvalues > 1"), "a": ("Показатель A", "Indicator A"),
    "b": ("Показатель B", "Indicator B"), "r": ("r", "r"), "r_parent": ("r с родителем", "r with parent"),
    "p_parent": ("p (родитель)", "p (parent)"), "r_index": ("r с индексом", "r with the index"),
    "p_index": ("p (индекс)", "p (index)"), "flags": ("Отметки", "Flags"), "n": ("Значений", "Values"),
    "skew": ("Асимметрия", "Skewness"), "kurt": ("Эксцесс", "Kurtosis"), "jrc_flag": ("Отметка JRC", "JRC flag"),
    "population": ("Население", "Population"), "regional_capital": ("Административный центр субъекта", "Regional capital"),
    "pilot": ("Пилотный город", "Pilot city"), "oktmo": ("ОКТМО", "OKTMO"),
    "group_computed": ("Группа по численности", "Group by population"),
    "group_official": ("Группа в официальном списке", "Group in the official list"),
    "full_precision": ("Полная точность", "Full precision"), "published": ("Опубликовано", "Published"),
    "why": ("Причина", "Reason"), "other": ("Соседнее значение", "Neighbouring value"),
    "coverage": ("Покрытие", "Coverage"), "became": ("Стало", "Became"), "dropped": ("Исключено", "Dropped"),
    "mean_abs_shift": ("Средний сдвиг места", "Mean absolute rank shift"),
    "max_abs_shift": ("Наибольший сдвиг места", "Largest absolute rank shift"),
    "cities_moved": ("Городов сдвинулось", "Cities moved"), "Si": ("S_i", "S_i"), "Si_low": ("S_i, от", "S_i, low"),
    "Si_high": ("S_i, до", "S_i, high"), "STi": ("ST_i", "ST_i"), "STi_low": ("ST_i, от", "ST_i, low"),
    "STi_high": ("ST_i, до", "ST_i, high"), "samples": ("Строк выборки N", "Samples N"),
    "evaluations": ("Вычислений", "Evaluations"), "Si_width": ("Ширина интервала S_i", "S_i interval width"),
    "STi_width": ("Ширина интервала ST_i", "ST_i interval width"), "original": ("Исходное", "Original"),
    "treated": ("После обработки", "Treated"), "label": ("Отметка", "Label"), "scope": ("Область", "Scope"),
    "skew_before": ("Асимметрия до", "Skewness before"), "kurt_before": ("Эксцесс до", "Kurtosis before"),
    "action": ("Действие", "Action"), "points": ("Точек", "Points"), "skew_after": ("Асимметрия после", "Skewness after"),
    "kurt_after": ("Эксцесс после", "Kurtosis after"), "alternative": ("Вариант", "Alternative"),
    "setting": ("Настройка", "Setting"), "group_median": ("Медиана группы", "Group median"),
    "warning": ("Предупреждение", "Warning"), "data_present_pct": ("Есть данных, %", "Data present, %"),
    "present": ("Есть значений", "Values present"), "of": ("Из", "Of"), "present_pct": ("Есть значений, %", "Present, %"),
    "values": ("Значений", "Values"), "filled": ("Заполнено", "Filled"), "nodes": ("Узлов", "Nodes"),
    "method": ("Метод", "Method"), "p": ("p", "p"), "weights": ("Веса", "Weights"),
    "nonpositive": ("Неположительные значения", "Non-positive values"), "min_coverage": ("Мин. покрытие", "Min. coverage"),
    "name": ("Название", "Name"), "share_pct": ("Доля в индексе, %", "Share of the index, %"),
    "width": ("Ширина интервала", "Interval width"), "key": ("Поле", "Field"),
}


def column_label(params: Params, column: str) -> str:
    """A download's column header in the edition's language: a node's code and name, a
    known column's label, a percentile column ('p5_in_group' → '5-й процентиль места в
    группе'), or the column itself."""
    meth = params.methodology
    if column in meth.indicator_codes() or any(a.code == column for a in meth.aggregates):
        name = params.name(column)
        return name if name.startswith(column) else f"{column} {name}"
    ru = params.language == "ru"
    if column in COLUMNS:
        return COLUMNS[column][0 if ru else 1]
    if column.endswith("_full") and column[:-5] == meth.index_code:
        return f"{column_label(params, column[:-5])}, {'полная точность' if ru else 'full precision'}"
    for scope, ru_scope, en_scope in (("_in_group", "места в группе", "rank in group"),
                                      ("_overall", "места среди всех", "overall rank")):
        if column.startswith("p") and column.endswith(scope):
            p = column[1:-len(scope)]
            return f"{p}-й процентиль {ru_scope}" if ru else f"{p}th percentile of the {en_scope}"
    return column


LEVELS: dict[str, tuple[str, str]] = {"indicator": ("показатели", "indicators"), "direction": ("направления", "directions"),
                                      "pillar": ("столпы", "pillars"), "subindex": ("субиндексы", "sub-indices"),
                                      "index": ("индекс", "index")}
INPUTS: dict[str, tuple[str, str]] = {"weights": ("Веса", "Weights"), "imputation": ("Правило пропусков", "Missing-data rule"),
                                      "treatment": ("Обработка выбросов", "Outlier treatment"),
                                      "normalisation": ("Нормирование", "Normalisation"),
                                      "aggregation": ("Агрегирование", "Aggregation")}


def level_name(params: Params, level: str) -> str:
    """A framework level in words ('направления'); an unknown level name as it is."""
    return LEVELS.get(level, (level, level))[0 if params.language == "ru" else 1]


def input_name(params: Params, name: str) -> str:
    """An uncertain input of the robustness analysis in words: 'weights.direction' →
    'Веса: направления'."""
    family, _, level = name.partition(".")
    label = INPUTS.get(family, (family, family))[0 if params.language == "ru" else 1]
    return f"{label}: {level_name(params, level)}" if level else label
