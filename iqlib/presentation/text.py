"""The words of a run in its language: Russian by default, English when the edition
says ``language: en``. Every label a reader sees is looked up here or taken from the
methodology and edition (names, titles, the index's short name and maximum score)."""

from __future__ import annotations

from typing import Any

from iqlib.config.params import Params
from iqlib.config.paths import display

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
        "no_official": "Издание не называет официальных данных (ключ inputs.published_results).",
        "banner": "Издание {edition}, сценарий «{scenario}», методика {method}.",
        "edition_line": "{method}. Издание {edition}, сценарий «{scenario}».",
        "warning": "ВНИМАНИЕ: синтетические демонстрационные данные, не официальные значения.",
        "scenario_of": "Сценарий на основе издания {base}: меняет только то, что задано в его файле.",
        "draft": "ЧЕРНОВИК (iq run --draft): без анализа устойчивости мест; не для публикации.",
        "comparison": "Сравнение с базовым расчётом",
        "draft_no_chart": "Черновик: профиль показателей не рисуется (он есть в полном расчёте).",
        "no_screening": "Отсев по доступности данных не задан (scoring.screening): оцениваются все города и показатели.",
        "no_base_run": "Базового расчёта нет: выполните iq run {base}, затем iq compare.",
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
        "no_official": "The edition names no official figures (key inputs.published_results).",
        "banner": "Edition {edition}, scenario '{scenario}', methodology {method}.",
        "edition_line": "{method}. Edition {edition}, scenario '{scenario}'.",
        "warning": "WARNING: synthetic demonstration data, not official values.",
        "scenario_of": "A scenario of the edition {base}: it changes only what its file sets.",
        "draft": "DRAFT (iq run --draft): no robustness analysis of the ranks; not for publication.",
        "comparison": "Comparison with the base run",
        "draft_no_chart": "Draft: the indicator profile is not drawn (the full run has it).",
        "no_screening": "No screening by data availability (scoring.screening): every city and indicator is scored.",
        "no_base_run": "No base run to compare with: run iq run {base}, then iq compare.",
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
    """First lines of every notebook: which edition, scenario (and its base) and method;
    synthetic or not; a draft or not."""
    ed = params.edition
    lines = [text(params, "banner").format(edition=ed.edition, scenario=ed.scenario, method=params.methodology.id)]
    if params.extends is not None:
        lines.append(text(params, "scenario_of").format(base=display(params.extends)))
    if ed.synthetic:
        lines.append(text(params, "warning"))
    if params.draft:
        lines.append(text(params, "draft"))
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


def shift_arrow(shift: int) -> tuple[str, str]:
    """A rank shift as readers see it, and its direction: ('▲ 3', 'up'), ('▼ 2', 'down'),
    ('—', '') for none."""
    if shift > 0:
        return f"▲ {shift}", "up"
    if shift < 0:
        return f"▼ {-shift}", "down"
    return "—", ""


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
    "cities_moved": ("Городов сдвинулось", "Cities moved"), "Si": ("Sᵢ", "Sᵢ"), "Si_low": ("Sᵢ, от", "Sᵢ, low"),
    "Si_high": ("Sᵢ, до", "Sᵢ, high"), "STi": ("STᵢ", "STᵢ"), "STi_low": ("STᵢ, от", "STᵢ, low"),
    "STi_high": ("STᵢ, до", "STᵢ, high"), "samples": ("Строк выборки N", "Samples N"),
    "evaluations": ("Вычислений", "Evaluations"), "Si_width": ("Ширина интервала Sᵢ", "Sᵢ interval width"),
    "STi_width": ("Ширина интервала STᵢ", "STᵢ interval width"), "original": ("Исходное", "Original"),
    "treated": ("После обработки", "Treated"), "label": ("Отметка", "Label"), "scope": ("Область", "Scope"),
    "skew_before": ("Асимметрия до", "Skewness before"), "kurt_before": ("Эксцесс до", "Kurtosis before"),
    "action": ("Действие", "Action"), "points": ("Точек", "Points"), "skew_after": ("Асимметрия после", "Skewness after"),
    "kurt_after": ("Эксцесс после", "Kurtosis after"), "alternative": ("Вариант", "Alternative"),
    "setting": ("Настройка", "Setting"), "group_median": ("Медиана группы", "Group median"),
    "warning": ("Предупреждение", "Warning"), "data_present_pct": ("Есть данных, %", "Data present, %"),
    "present": ("Есть значений", "Values present"), "of": ("Из", "Of"), "present_pct": ("Есть значений, %", "Present, %"),
    "values": ("Значений", "Values"), "filled": ("Заполнено", "Filled"), "nodes": ("Узлов", "Nodes"),
    "zeros": ("Нулей", "Zeros"), "availability": ("Доступность данных", "Data availability"),
    "nonzero_share": ("Доля ненулевых", "Non-zero share"), "threshold": ("Порог", "Threshold"),
    "nonzero_threshold": ("Порог ненулевых", "Non-zero threshold"), "when": ("Когда", "When"),
    "not_ranked": ("Без места", "Not ranked"),
    "method": ("Метод", "Method"), "p": ("p", "p"), "weights": ("Веса", "Weights"),
    "nonpositive": ("Неположительные значения", "Non-positive values"), "min_coverage": ("Мин. покрытие", "Min. coverage"),
    "name": ("Название", "Name"), "share_pct": ("Доля в индексе, %", "Share of the index, %"),
    "width": ("Ширина интервала", "Interval width"), "key": ("Поле", "Field"),
    "rank": ("Место", "Rank"), "region": ("Субъект РФ", "Region"), "best_city": ("Лучший город", "Best city"),
    # official figures beside this calculation
    "official_rank": ("Место (официально)", "Rank (official)"), "official_score": ("Балл (официально)", "Score (official)"),
    "score": ("Балл (этот расчёт)", "Score (this calculation)"), "rank_matches": ("Место совпадает", "Rank matches"),
    "score_matches": ("Балл совпадает", "Score matches"), "flag": ("Как опубликовано", "How published"),
    "source": ("Источник", "Source"), "official_average": ("Средний IQ (официально)", "Average (official)"),
    "average": ("Средний IQ (этот расчёт)", "Average (this calculation)"), "matches": ("Совпадает", "Matches"),
    "official_growth_pct": ("Рост к базе 2018 г., % (официально)", "Growth on the 2018 base, % (official)"),
    "year": ("Год", "Year"), "year_from": ("Год (было)", "Year (from)"), "year_to": ("Год (стало)", "Year (to)"),
    "growth_pct": ("Рост к базовому году, % (расчёт)", "Growth on the base year, % (calculation)"),
    "implied_base": ("База, следующая из офиц. цифр", "Base implied by the official figures"),
    "average_fixed": ("Средний IQ, фикс. границы", "Average, fixed goalposts"),
    "growth_fixed_pct": ("Рост, %, фикс. границы", "Growth, %, fixed goalposts"),
    "direction": ("Направление", "Direction"), "rank_from": ("Место (было)", "Rank (from)"),
    "rank_to": ("Место (стало)", "Rank (to)"), "group_from": ("Группа (было)", "Group (from)"),
    "group_to": ("Группа (стало)", "Group (to)"), "score_from": ("Балл (было)", "Score (from)"),
    "score_to": ("Балл (стало)", "Score (to)"), "delta": ("Изменение балла", "Score change"),
    "delta_fixed": ("Реальное изменение (фикс. границы)", "Real change (fixed goalposts)"),
    "delta_scale": ("Эффект подвижной шкалы", "Moving-scale effect"),
    "conflict": ("Противоречие", "Conflict"), "resolution": ("Как решено", "Resolution"),
    "fact_a": ("Факт А", "Fact A"), "source_a": ("Источник А", "Source A"), "fact_b": ("Факт Б", "Fact B"),
    "source_b": ("Источник Б", "Source B"),
    # comparisons of two runs (A and B)
    "group_a": ("Группа в А", "Group in A"), "group_b": ("Группа в Б", "Group in B"),
    "rank_a": ("Место в А", "Rank in A"), "rank_b": ("Место в Б", "Rank in B"),
    "shift": ("Сдвиг места (+ — выше в Б)", "Rank shift (+: higher in B)"), "status": ("Статус", "Status"),
    "cities_a": ("Городов в А", "Cities in A"), "cities_b": ("Городов в Б", "Cities in B"),
    "compared": ("Сравнено", "Compared"), "moved": ("Сдвинулось", "Moved"),
    "spearman": ("ρ Спирмена", "Spearman's ρ"), "kendall": ("τ Кендалла", "Kendall's τ"),
    "only_a": ("Только в А", "Only in A"), "only_b": ("Только в Б", "Only in B"),
    "group_changed": ("Сменили группу", "Changed group"), "leader_a": ("Лидер в А", "Leader in A"),
    "leader_b": ("Лидер в Б", "Leader in B"), "leader_changed": ("Лидер сменился", "Leader changed"),
}

# the run's tables (results/<name>.csv) as a reader names them
TABLES: dict[str, tuple[str, str]] = {
    "scores": ("Рейтинг", "Ranking"), "group_summary": ("Итоги по группам", "Summary by group"),
    "regions": ("Регионы", "Regions"),
    "official": ("Официальные данные и этот расчёт", "Official figures and this calculation"),
    "official_average": ("Средний IQ: официально и в этом расчёте", "National average: official and this calculation"),
    "official_conflicts": ("Противоречия в опубликованных данных", "Conflicts among the published figures"),
    # the series across editions (outputs/series/<name>/results)
    "averages": ("Средний IQ по годам", "National average by year"),
    "group_averages": ("Средний IQ по группам и годам", "Average by group and year"),
    "changes": ("Изменения городов от издания к изданию", "City changes from edition to edition"),
    "movers": ("Лидеры роста и падения", "Biggest climbers and fallers"),
    "panel": ("Баллы и места городов по годам", "City scores and ranks by year"),
    "editions": ("Издания ряда", "Editions of the series"),
    "uncertainty": ("Интервалы мест", "Rank intervals"), "uncertainty_inputs": ("Что варьируется в анализе неопределённости",
                                                                               "Inputs of the uncertainty analysis"),
    "sensitivity": ("Индексы Соболя", "Sobol indices"),
    "sensitivity_convergence": ("Сходимость индексов Соболя", "Convergence of the Sobol indices"),
    "methods": ("Методы по показателям", "Methods by indicator"), "values": ("Значения показателей", "Indicator values"),
    "normalised": ("Нормированные баллы", "Normalised scores"), "aggregates": ("Баллы направлений", "Aggregate scores"),
    "weights": ("Веса", "Weights"), "effective_weights": ("Действующие веса", "Effective weights"),
    "imputation": ("Заполненные пропуски", "Imputed values"), "missing": ("Пропуски", "Missing values"),
    "accounting": ("Учёт значений", "Accounting of values"), "cities": ("Города", "Cities"),
    "warnings": ("Предупреждения о значениях", "Value warnings"),
    "group_disagreements": ("Расхождения групп", "Group disagreements"),
    "missing_aggregates": ("Направления без данных", "Aggregates without data"),
    "treatment": ("Обработка выбросов", "Outlier treatment"), "treated_points": ("Изменённые выбросы", "Treated points"),
    "constant_indicators": ("Постоянные в группе показатели", "Indicators constant in a group"),
    "screened": ("Отсеянные по доступности данных (без места)", "Screened out for lack of data (not ranked)"),
    "audit_distribution": ("Аудит: распределения", "Audit: distributions"),
    "audit_correlations": ("Аудит: корреляции", "Audit: correlations"),
    "audit_collinear": ("Аудит: коллинеарные пары", "Audit: collinear pairs"),
    "audit_consistency": ("Аудит: согласованность", "Audit: consistency"),
    "leave_one_out": ("Исключение по одному", "Leave one out"),
    "leave_one_out_shifts": ("Исключение по одному: сдвиги городов", "Leave one out: shifts by city"),
    "published_ties": ("Равные опубликованные баллы", "Equal published scores"),
    "fragile": ("Значения у границы округления", "Values near a rounding boundary"), "pca": ("Главные компоненты", "PCA"),
}


def table_name(params: Params, name: str) -> str:
    """A results table's name for readers ('scores' → 'Рейтинг'); an unknown one as it is."""
    return TABLES.get(name, (name, name))[0 if params.language == "ru" else 1]


# how a published figure was found (data/reference/published_results.csv, column flag)
PUBLISHED_FLAGS: dict[str, tuple[str, str]] = {
    "C": ("названо в источнике", "stated in the source"),
    "L": ("по порядку списка лучших", "from the order of a top-N list"),
    "I": ("выведено", "inferred"),
}

# the status of a city in a comparison of two runs
STATUS: dict[str, tuple[str, str]] = {
    "both": ("в обоих расчётах", "in both runs"), "only_a": ("только в А", "only in A"),
    "only_b": ("только в Б", "only in B"), "group_changed": ("в другой группе", "in another group"),
    "unranked": ("без места в одном из расчётов", "unranked in one run"),
    # a city from one edition to the next (the series)
    "entered": ("вошёл в индекс", "entered the index"), "left": ("выбыл из индекса", "left the index"),
    "changed_group": ("сменил группу", "changed group"), "same_group": ("в той же группе", "in the same group"),
    "up": ("рост", "climbed"), "down": ("падение", "fell"),
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
    for suffix, ru_side, en_side in (("_a", "А", "A"), ("_b", "Б", "B"), ("_delta", "Б − А", "B − A")):
        node = column.removesuffix(suffix)
        if column.endswith(suffix) and (node in meth.indicator_codes() or any(a.code == node for a in meth.aggregates)):
            return f"{column_label(params, node)}, {ru_side if ru else en_side}"
    for declared in params.edition.roster_columns:      # an extra roster column and the ranks within it
        name = (declared.name_ru if ru else declared.name_en) or declared.name
        if column == declared.name:
            return name
        if column == f"rank_in_{declared.name}":
            return f"Место внутри «{name}»" if ru else f"Rank within '{name}'"
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


LEVEL: dict[str, tuple[str, str, str]] = {   # one node of a level: (Russian, its instrumental case, English)
    "indicator": ("показатель", "показателем", "indicator"), "direction": ("направление", "направлением", "direction"),
    "pillar": ("столп", "столпом", "pillar"), "subindex": ("субиндекс", "субиндексом", "sub-index"),
    "index": ("индекс", "индексом", "index")}


def level_word(params: Params, level: str) -> str:
    """One node of a level in words ('направление'); an unknown level as it is."""
    ru, _, en = LEVEL.get(level, (level, level, level))
    return ru if params.language == "ru" else en


def flag_words(params: Params, flags: str) -> str:
    """The audit's flags of a correlation ('negative; not significant; above 0.9 with its
    direction') in the edition's language."""
    if params.language != "ru" or not flags:
        return flags
    words = []
    for flag in flags.split("; "):
        if flag == "negative":
            words.append("отрицательная")
        elif flag == "not significant":
            words.append("незначима (p ≥ 0,05)")
        elif flag.startswith("undefined"):
            words.append("не определена (показатель постоянен или мало значений)")
        elif flag.startswith("above ") and " with its " in flag:
            limit, level = flag[len("above "):].split(" with its ")
            words.append(f"выше {limit.replace('.', ',')} с {LEVEL.get(level, (level, level, level))[1]}")
        else:
            words.append(flag)
    return "; ".join(words)


def level_name(params: Params, level: str) -> str:
    """A framework level in words ('направления'); an unknown level name as it is."""
    return LEVELS.get(level, (level, level))[0 if params.language == "ru" else 1]


def input_name(params: Params, name: str) -> str:
    """An uncertain input of the robustness analysis in words: 'weights.direction' →
    'Веса: направления'."""
    family, _, level = name.partition(".")
    label = INPUTS.get(family, (family, family))[0 if params.language == "ru" else 1]
    if "+" in level:  # a linked aggregation: one draw for every level named
        levels = ", ".join(level_name(params, lv) for lv in level.split("+"))
        return f"{label}: {levels} ({'один выбор для всех' if params.language == 'ru' else 'one draw for all'})"
    return f"{label}: {level_name(params, level)}" if level else label
