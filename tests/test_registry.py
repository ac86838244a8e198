"""One registry per method family: the config union, the error messages, the docs and the
reproducibility contract all follow what is registered."""

import re
from typing import Literal

import pytest
from conftest import ROOT
from pydantic import BaseModel, ValidationError

from iqlib.config.params import load_params
from iqlib.core.aggregate import AGGREGATIONS
from iqlib.core.errors import UserError
from iqlib.core.impute import IMPUTATIONS
from iqlib.core.normalise import NORMALISATIONS
from iqlib.core.registry import Registry, Strict
from iqlib.core.treat import TREATMENTS
from iqlib.core.weighting import WEIGHTS
from iqlib.presentation import words
from iqlib.publishing.contract import arithmetic

DOCS = (ROOT / "docs" / "methods.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    return DOCS.split(f"\n## {title}", 1)[1].split("\n## ", 1)[0]


@pytest.mark.parametrize("family,title,pattern", [
    (IMPUTATIONS, "Missing data", r"^\| (`[^|]+) \|"),
    (TREATMENTS, "Outlier treatment", r"^- `\{method: (\w+)"),
    (NORMALISATIONS, "Normalisation", r"^\| `(\w+)` \|"),
    (AGGREGATIONS, "Aggregation", r"^\| `(\w+)`(?: \(`p`\))? \|"),
])
def test_every_registered_method_has_its_paragraph_in_the_docs_and_no_other(family, title, pattern):
    documented = set()
    for match in re.findall(pattern, section(title), re.M):
        documented |= set(re.findall(r"`?(\w+)`?", match))
    assert documented == set(family.names)


def test_the_docs_name_every_weights_rule():
    paragraph = section("Aggregation").split("Weights (`weights`):", 1)[1].split("\n\n", 1)[0]
    assert set(re.findall(r"`(\w+)`", paragraph)) >= set(WEIGHTS.names)


def test_an_unknown_method_lists_the_registered_ones(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("extends: params/editions/2019.yaml\nscenario: s\nmethodology:\n  scoring:\n"
                        "    normalisation: {method: logistik}\n    aggregation: {index: {method: median}}\n"
                        "  kinds: {share: {missing: nearest}}\n", encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_params(scenario)
    message = str(err.value)
    known = ", ".join(f"'{n}'" for n in NORMALISATIONS.names)
    assert (f"key 'scoring.normalisation': Input tag 'logistik' found using 'method' does not match any of the "
            f"expected tags: {known}") in message
    assert f"key 'scoring.aggregation.index.method': unknown aggregation 'median'; known: {', '.join(AGGREGATIONS.names)}" in message
    assert f"key 'kinds.share.missing': unknown missing-data rule 'nearest'; known: {', '.join(IMPUTATIONS.names)}" in message


def test_a_registered_method_is_part_of_the_union_and_of_the_docs_list():
    family = Registry("smoothing")

    class Box(Strict):
        method: Literal["box"]
        width: int = 3

    @family.register("box", Box)
    def box(x, cfg):
        """Moving average over ``width`` values."""
        return x

    @family.register("raw", exact=False)
    def raw(x, cfg):
        """The values as they are.

        More text that is not the summary."""
        return x

    class Holder(BaseModel):
        choice: family.union()

    assert Holder.model_validate({"choice": {"method": "box", "width": 5}}).choice.width == 5
    with pytest.raises(ValidationError, match="expected tags: 'box'"):
        Holder.model_validate({"choice": {"method": "bax"}})
    assert family.describe() == [("box", "Moving average over ``width`` values."), ("raw", "The values as they are.")]
    assert family.names == ("box", "raw") and family["box"] is box and "raw" in family
    assert family.exact("box") and not family.exact("raw")
    with pytest.raises(ValueError, match="registered twice"):
        family.register("box")(raw)
    with pytest.raises(ValueError, match="unknown smoothing 'mean'; known: box, raw"):
        family.check("mean")


def test_the_contract_reads_exactness_from_the_registry(tmp_path):
    """The reconstructed IQ method is exact; a logistic normalisation (exp) is not."""
    assert arithmetic(load_params(ROOT / "params/editions/2019.yaml").methodology.framework)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("extends: params/editions/2019.yaml\nscenario: s\nmethodology:\n  kinds:\n"
                        "    share: {normalisation: {method: logistic, scale: 12}}\n", encoding="utf-8")
    fw = load_params(scenario).methodology.framework
    assert fw.normalisation["I05"].method == "logistic" and not arithmetic(fw)


@pytest.mark.parametrize("family,registry", [("imputation", IMPUTATIONS), ("treatment", TREATMENTS),
                                             ("normalisation", NORMALISATIONS), ("aggregation", AGGREGATIONS),
                                             ("weights", WEIGHTS)])
@pytest.mark.parametrize("language", words.languages())
def test_every_method_option_and_named_value_has_words_for_the_method_page(family, registry, language):
    """In every language's catalogue (section ``methods``): each registered method, each
    option of its config and each named value an option takes."""
    from typing import get_args, get_origin

    from iqlib.core.aggregate import Aggregation

    where = f"catalogue/{language}.yaml, methods"
    assert set(words.words(language, f"methods.{family}")) == set(registry.names), f"{where}.{family}"
    options, values = words.words(language, "methods.options"), words.words(language, "methods.values")
    configs = {registry.config(n) for n in registry.names} - {None}
    if family == "aggregation":
        configs.add(Aggregation)
    for config in configs:
        for option, field in config.model_fields.items():
            if option in ("method", registry.key):
                continue
            assert option in options, f"{where}.options lacks {option!r} ({config.__name__})"
            kinds = [field.annotation, *get_args(field.annotation)]
            for value in (v for k in kinds if get_origin(k) is Literal for v in get_args(k)):
                assert value in values or value in words.words(language, f"methods.option_values.{option}"), \
                    f"{where}.values lacks {value!r} ({config.__name__}.{option})"


def test_a_method_choice_reads_as_words():
    from iqlib.core.normalise import Goalposts, MinMax
    from iqlib.core.treat import JRCTreatment
    from iqlib.presentation.method_words import method_words

    ru = load_params(ROOT / "params" / "editions" / "2019.yaml", check_inputs=False)
    assert method_words(ru, "normalisation", MinMax(method="minmax", within="all", lower=0, upper=12)) == \
        "мин–макс (в пределах: все города; нижняя граница: 0; верхняя граница: 12; " \
        "постоянный показатель получает: середину шкалы)"
    assert method_words(ru, "normalisation", Goalposts(method="goalposts", lower=0, upper="base_group_max",
                                                       scale=12.5)) == \
        "по фиксированным границам (в пределах: группы; нижняя граница: 0; верхняя граница: максимум группы в " \
        "базовом издании; шкала до: 12,5; обрезать за границами: да)"
    assert method_words(ru, "treatment", JRCTreatment(method="jrc")) == \
        "винзоризация выбросов по асимметрии и эксцессу (порог асимметрии: 2; порог эксцесса: 3,5; не больше точек: 5; " \
        "в пределах: все города)"
    assert method_words(ru, "imputation", "group_median") == "медиана по группе города"
    agg = ru.methodology.scoring.aggregation["direction"]
    assert method_words(ru, "aggregation", agg).startswith("взвешенн")
    en = type(ru)(ru.edition.model_copy(update={"language": "en"}), ru.methodology, ru.edition_path, ru.methodology_path,
                  ru.files)
    assert method_words(en, "normalisation", Goalposts(method="goalposts", lower=0, upper="base_group_max",
                                                       scale=12.5)) == \
        "fixed goalposts (within: the group; lower bound: 0; upper bound: the group's maximum in the base edition; " \
        "scale up to: 12.5; truncate outside the bounds: yes)"
