"""A method choice in words for readers of the method page: 'мин–макс (в пределах: группы;
нижняя граница: 0; верхняя граница: 12)' rather than 'minmax(within=group, lower=0.0, …)'.

The words are the catalogue's ``methods`` section (``presentation/catalogue/<language>.yaml``):
every method registered in a family, every option of its config and every named value of
an option has its words there; tests/test_registry.py fails when a new method or option
has none, naming what to add."""

from __future__ import annotations

from typing import Any

from iqlib.config.params import Params
from iqlib.presentation.text import number, section
from iqlib.presentation.words import word

FAMILIES = ("imputation", "treatment", "normalisation", "aggregation", "weights")


def method_names(language: str, family: str) -> dict[str, str]:
    """Every method of ``family`` with its words in ``language`` (name → words)."""
    return section(language, f"methods.{family}")


def method_words(params: Params, family: str, choice: Any) -> str:
    """A method choice of ``family`` (its config, or a plain name such as a missing-data
    rule or 'nominal') in the edition's language."""
    lang = params.language
    if isinstance(choice, str):
        if choice == "nominal":
            return word(lang, "methods.nominal")
        return word(lang, f"methods.{family}.{choice}")
    name = word(lang, f"methods.{family}.{choice.method}")
    options = choice.model_dump(exclude={"method"}, exclude_none=True)
    if family == "aggregation":
        options["weights"] = word(lang, f"methods.weights.{options['weights']}")
        if choice.method in ("weighted_mean", "weighted_sum"):  # these options only matter to other means
            options = {k: v for k, v in options.items() if k not in ("nonpositive", "shift")}
    if not options:
        return name
    listed = "; ".join(word(lang, "methods.option", option=word(lang, f"methods.options.{k}"), value=value_words(k, v, lang))
                       for k, v in options.items())
    return word(lang, "methods.form", method=name, options=listed)


def value_words(option: str, value: object, language: str) -> str:
    """The value of a method's option in words: yes/no, a number in the language's
    format, a named value ('group' → 'группы'; some depend on the option), else as it is."""
    if isinstance(value, bool):
        return word(language, f"cells.{'yes' if value else 'no'}")
    if isinstance(value, (int, float)):
        decimals = 0 if float(value).is_integer() else len(repr(float(value)).split(".")[1])
        return number(value, decimals, language)
    by_option = section(language, f"methods.option_values.{option}")
    if str(value) in by_option:
        return by_option[str(value)]
    return section(language, "methods.values").get(str(value), str(value))
