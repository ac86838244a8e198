"""A method choice in words for readers of the method page: 'мин–макс (в пределах: группы;
нижняя граница: 0; верхняя граница: 12)' rather than 'minmax(within=group, lower=0.0, …)'.

Every method registered in a family, every option of its config and every named value
of an option has its words here; tests/test_registry.py fails when a new method or option
has none, naming what to add."""

from __future__ import annotations

from typing import Any

from iqlib.config.params import Params
from iqlib.presentation.text import number

# family → method → (Russian, English)
METHODS: dict[str, dict[str, tuple[str, str]]] = {
    "imputation": {
        "exclude": ("пропуск не заполняется (показатель не учитывается в агрегате)",
                    "not filled (the indicator is left out of the aggregate)"),
        "zero": ("пропуск считается нулём", "a missing value counts as zero"),
        "group_mean": ("среднее по группе города", "mean of the city's group"),
        "group_median": ("медиана по группе города", "median of the city's group"),
        "group_min": ("минимум по группе города", "minimum of the city's group"),
    },
    "treatment": {
        "none": ("без обработки выбросов", "no outlier treatment"),
        "jrc": ("винзоризация выбросов по правилу JRC", "outliers winsorised by the JRC rule"),
    },
    "normalisation": {
        "minmax": ("мин–макс", "min–max"),
        "zscore": ("z-оценка", "z-score"),
        "goalposts": ("по фиксированным границам", "fixed goalposts"),
        "dist2target": ("расстояние до цели", "distance to target"),
        "rank": ("место в ряду", "rank"),
        "pctrank": ("процентильный ранг", "percentile rank"),
        "borda": ("баллы Борда", "Borda points"),
        "fracmax": ("доля от максимума", "fraction of the maximum"),
        "logistic": ("логистическая кривая", "logistic curve"),
    },
    "aggregation": {
        "weighted_mean": ("взвешенное среднее", "weighted mean"),
        "weighted_sum": ("взвешенная сумма", "weighted sum"),
        "geometric_mean": ("взвешенное среднее геометрическое", "weighted geometric mean"),
        "harmonic_mean": ("взвешенное среднее гармоническое", "weighted harmonic mean"),
        "generalised_mean": ("обобщённое (степенное) среднее", "generalised (power) mean"),
    },
    "weights": {
        "yaml": ("веса из методики", "the methodology's weights"),
        "equal": ("равные веса", "equal weights"),
        "pca": ("веса по первой главной компоненте", "weights from the first principal component"),
    },
}

OPTIONS: dict[str, tuple[str, str]] = {
    "within": ("в пределах", "within"), "lower": ("нижняя граница", "lower bound"),
    "upper": ("верхняя граница", "upper bound"), "constant": ("постоянный показатель получает", "a constant indicator gets"),
    "mean": ("среднее", "mean"), "sd": ("стандартное отклонение", "standard deviation"),
    "scale": ("шкала до", "scale up to"), "truncate": ("обрезать за границами", "truncate outside the bounds"),
    "target": ("цель", "target"), "cap": ("не выше цели", "capped at the target"), "slope": ("крутизна", "slope"),
    "skew": ("порог асимметрии", "skewness threshold"), "kurt": ("порог эксцесса", "kurtosis threshold"),
    "winmax": ("не больше точек", "at most points"), "p": ("степень p", "exponent p"),
    "nonpositive": ("неположительные значения", "non-positive values"), "shift": ("сдвиг", "shift"),
    "weights": ("веса", "weights"), "min_coverage": ("минимальная доля веса с данными", "minimum weight share with data"),
    "missing": ("агрегат без данных", "an aggregate without data"), "by": ("группы по столбцу", "groups by column"),
}

VALUES: dict[str, tuple[str, str]] = {
    "group": ("группы", "the group"), "all": ("все города", "all cities"),
    "midpoint": ("середину шкалы", "the midpoint"), "base_group_max": ("максимум группы в базовом издании",
                                                                       "the group's maximum in the base edition"),
    "base_max": ("максимум в базовом издании", "the maximum in the base edition"),
    "zero": ("ноль", "zero"), "skip": ("не учитываются", "left out"), "missing": ("пропуск", "missing"),
}
# values whose words depend on the option (the bound named, the rule for a non-positive value)
OPTION_VALUES: dict[tuple[str, str], tuple[str, str]] = {
    ("constant", "lower"): ("нижнюю границу", "the lower bound"),
    ("constant", "upper"): ("верхнюю границу", "the upper bound"),
    ("nonpositive", "shift"): ("сдвигаются на величину сдвига", "shifted by the shift"),
}


def method_words(params: Params, family: str, choice: Any) -> str:
    """A method choice of ``family`` (its config, or a plain name such as a missing-data
    rule or 'nominal') in the edition's language."""
    i = 0 if params.language == "ru" else 1
    if isinstance(choice, str):
        if choice == "nominal":
            return ("как в методике", "as in the methodology")[i]
        return METHODS[family][choice][i]
    name = METHODS[family][choice.method][i]
    options = choice.model_dump(exclude={"method"}, exclude_none=True)
    if family == "aggregation":
        options["weights"] = METHODS["weights"][options["weights"]][i]
        if choice.method in ("weighted_mean", "weighted_sum"):  # these options only matter to other means
            options = {k: v for k, v in options.items() if k not in ("nonpositive", "shift")}
    if not options:
        return name
    return f"{name} ({'; '.join(f'{OPTIONS[k][i]}: {_value(k, v, params.language)}' for k, v in options.items())})"


def _value(option: str, value: object, language: str) -> str:
    i = 0 if language == "ru" else 1
    if isinstance(value, bool):
        return ("да", "yes")[i] if value else ("нет", "no")[i]
    if isinstance(value, (int, float)):
        decimals = 0 if float(value).is_integer() else len(repr(float(value)).split(".")[1])
        return number(value, decimals, language)
    if (option, value) in OPTION_VALUES:
        return OPTION_VALUES[(option, str(value))][i]
    return VALUES[str(value)][i] if str(value) in VALUES else str(value)
