"""The words of a run in its language: Russian by default, English when the edition says
``language: en``. Every word is looked up by key in the language's catalogue
(``presentation/catalogue/<language>.yaml`` through ``presentation.words``); the functions
here only pick the key and fill in names, titles, the index's short name and maximum score
taken from the methodology and edition. None of them branches on the language."""

from __future__ import annotations

from functools import cache
from typing import Any

from iqlib.config.params import Params
from iqlib.presentation.titles import scenario_name
from iqlib.presentation.words import DEFAULT, word
from iqlib.presentation.words import words as _words


@cache
def section(language: str, prefix: str) -> dict[str, Any]:
    """Every entry under ``prefix`` in ``language``'s catalogue (``words.words``, read once
    per section: tables and pages look labels up for every cell). Do not modify it."""
    return _words(language, prefix)


def text(params: Params, key: str) -> Any:
    """The run's word ``text.<key>`` (a template the caller formats, or a section such as
    ``stage_names`` as a mapping)."""
    return entry(params.language, f"text.{key}")


def entry(language: str, key: str) -> Any:
    """The catalogue entry ``key`` of ``language``, or the section under it as a mapping
    (``text.stage_names`` → ``{'01_load': …}``); an unknown key is a ``KeyError`` naming it."""
    found = section(language, key)
    return found if found else word(language, key)


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
    """First lines of every notebook: which edition, scenario (and its base) and method, by
    their names (no code, file or path: the notebooks' pages are for readers); synthetic or
    not; a draft or not."""
    ed = params.edition
    lines = [text(params, "banner").format(edition=ed.edition, scenario=scenario_name(params),
                                           method=params.methodology_title)]
    if params.extends is not None:
        lines.append(text(params, "scenario_of").format(base=ed.edition))
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


THIN = "\u202f"  # narrow no-break space: the thousands separator of Russian typography (ru.yaml, format)


def number(x: float | int | None, decimals: int = 2, language: str = DEFAULT) -> str:
    """A number as a reader of ``language`` writes it, with the decimal mark and thousands
    separator of its catalogue (``format``): '105,70' and '1 234 567' (thin space) in
    Russian, '105.70' and '1,234,567' in English; a minus sign (−), never a hyphen and
    never before a zero ('−0,00'); '—' when missing."""
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    text = f"{x:,.{decimals}f}"
    if text.startswith("-"):
        text = text[1:] if not text.strip("-0.,") else "\u2212" + text[1:]
    return decimal_marks(text, language)


def decimal_marks(text: str, language: str) -> str:
    """A number written the Python way ('1,234.5', '0.9') with ``language``'s marks."""
    fmt = section(language, "format")
    return text.replace(",", "\0").replace(".", fmt["decimal"]).replace("\0", fmt["thousands"])


def shift_arrow(shift: int) -> tuple[str, str]:
    """A rank shift as readers see it, and its direction: ('▲ 3', 'up'), ('▼ 2', 'down'),
    ('—', '') for none."""
    if shift > 0:
        return f"▲ {shift}", "up"
    if shift < 0:
        return f"▼ {-shift}", "down"
    return "—", ""


def table_name(params: Params, name: str) -> str:
    """A results table's name for readers ('scores' → 'Рейтинг'); an unknown one as it is."""
    return table_title(params.language, name)


def table_title(language: str, name: str) -> str:
    """``table_name`` for a language rather than a run (the series, the site)."""
    return section(language, "tables").get(name, name)


def status_word(language: str, status: str) -> str:
    """A city's status in a comparison or a series ('only_a' → 'только в А')."""
    return word(language, f"status.{status}")


def _is_node(params: Params, code: str) -> bool:
    meth = params.methodology
    return code in meth.indicator_codes() or any(a.code == code for a in meth.aggregates)


def column_label(params: Params, column: str) -> str:
    """A download's column header in the edition's language: a node's code and name, a
    known column's label, a run's side of a comparison ('D1_a' → 'D1 …, А'), a declared
    roster column and the ranks within it, a percentile column ('p5_in_group' → '5-й
    процентиль места в группе'), or the column itself."""
    lang = params.language
    if _is_node(params, column):
        name = params.name(column)
        return name if name.startswith(column) else f"{column} {name}"
    labels = section(lang, "columns")
    if column in labels:
        return labels[column]
    for suffix in ("_a", "_b", "_delta"):
        node = column.removesuffix(suffix)
        if column.endswith(suffix) and _is_node(params, node):
            return word(lang, f"column_forms.side{suffix}", label=column_label(params, node))
    for declared in params.edition.roster_columns:      # an extra roster column and the ranks within it
        name = params.local(declared, "name") or declared.name
        if column == declared.name:
            return name
        if column == f"rank_in_{declared.name}":
            return word(lang, "column_forms.rank_within", name=name)
    if column.endswith("_full") and column[:-5] == params.methodology.index_code:
        return word(lang, "column_forms.full_precision", label=column_label(params, column[:-5]))
    for scope in ("_in_group", "_overall"):
        if column.startswith("p") and column.endswith(scope):
            return word(lang, f"column_forms.percentile{scope}", p=column[1:-len(scope)])
    return column


def _level(language: str, level: str, form: str) -> str:
    """A framework level in one ``form`` ('one', 'many', 'with'); an unknown level as it is."""
    return section(language, f"levels.{level}").get(form, level)


def level_word(params: Params, level: str) -> str:
    """One node of a level in words ('направление'); an unknown level as it is."""
    return _level(params.language, level, "one")


def level_name(params: Params, level: str) -> str:
    """A framework level in words ('направления'); an unknown level name as it is."""
    return _level(params.language, level, "many")


def flag_words(params: Params, flags: str) -> str:
    """The audit's flags of a correlation ('negative; not significant; above 0.9 with its
    direction', as ``analysis.audit`` writes them) in the edition's language."""
    if not flags:
        return flags
    lang = params.language
    audit = section(lang, "audit")
    out = []
    for flag in flags.split("; "):
        if flag == "negative":
            out.append(audit["negative"])
        elif flag == "not significant":
            out.append(audit["not_significant"])
        elif flag.startswith("undefined"):
            out.append(audit["undefined"])
        elif flag.startswith("above ") and " with its " in flag:
            limit, level = flag[len("above "):].split(" with its ")
            out.append(audit["above"].format(limit=decimal_marks(limit, lang), level=_level(lang, level, "with")))
        else:
            out.append(flag)
    return "; ".join(out)


def input_name(params: Params, name: str) -> str:
    """An uncertain input of the robustness analysis in words: 'weights.direction' →
    'Веса: направления'."""
    lang = params.language
    family, _, level = name.partition(".")
    label = section(lang, "inputs.names").get(family, family)
    if "+" in level:  # a linked aggregation: one draw for every level named
        levels = ", ".join(level_name(params, lv) for lv in level.split("+"))
        return word(lang, "inputs.linked", input=label, levels=levels)
    return word(lang, "inputs.of_level", input=label, level=level_name(params, level)) if level else label
