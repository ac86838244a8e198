"""The what-if explorer of ``notebooks/whatif.ipynb``: sliders for the weights and lists
for the method choices of an edition; every change recomputes the ranking in memory
(``iqlib.scenario``: the stages' own functions) and shows, per group, the new ranking
beside the base (place, city, base and new score, the change in score and in place, the
shifts coloured) and the cities that moved most. A button writes the current settings as
a scenario file in ``params/scenarios/``, checked by the schema every scenario goes
through, ready for ``iq run``.

Never stale: the scenario's name is checked when saving, not when recomputing (a name the
schema refuses does not stop the ranking); when a recompute fails, for any reason, the
table and the moves list stay on screen marked «не пересчитано» with the reason, so a
ranking of earlier settings never passes for the current one. Every word comes from the
catalogue (section ``explorer``).

The method choices offered are the edition's own alternatives (its ``uncertainty:``
block), so what a methodologist can try is set in YAML like everything else.
"""

from __future__ import annotations

import math
import re
import time
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from iqlib.analysis.compare import BOTH, compare
from iqlib.analysis.optimise import optimise_weights
from iqlib.config.paths import display, resolve
from iqlib.core.errors import UserError
from iqlib.presentation.method_words import method_words
from iqlib.presentation.text import input_name, number, shift_arrow
from iqlib.presentation.words import word
from iqlib.scenarios import SCENARIOS, Scenario, scenario

FAMILIES = ("imputation", "treatment", "normalisation")   # per-indicator choices, as in ``uncertainty:``
COMPUTE_NAME = "whatif"     # the name the settings are computed under: the user's name matters only when saving
STEP, TOP = 0.05, 3.0       # the sliders: 0–3 in steps of 0.05 (60 steps over SLIDER)
SLIDER = "28em"             # 364 px at Lab's 13 px: 6 px a step (every step also with the arrow keys)
LABEL = "19em"              # a direction's code and full name, wrapped
NAME_RULES = "explorer.refused"   # the catalogue's words for each reason a name is refused

# Why Scenario.save or iqlib.scenario refused a name, told by their messages (English, the
# library's): the rule's key in the catalogue (``explorer.refused.<key>``). The config.names
# check (issue 23) words each rule as below; the first line is the schema's pattern today.
REFUSALS: tuple[tuple[str, str], ...] = (
    (r"exists; choose another name", "taken"),
    (r"characters long, at most|characters, at most \d+ allowed|String should have at most", "length"),
    (r"'__' separates", "separator"),
    (r"only small Latin letters|String should match pattern", "pattern"),
    (r"name of a folder of the project|names a device on Windows|is the folder of a draft|is the name of the run of",
     "reserved"),
    (r"only in case|already declares scenario", "clash"),
    (r"key 'scenario'", "pattern"),          # any other refusal of the schema's key: its rule is the pattern
)
# Why a recompute failed, told by the core's messages: the key in ``explorer.failed``
FAILURES: tuple[tuple[str, str], ...] = (
    (r"every child of (?P<node>.+?) has weight 0", "zero_weights"),
    (r"negative values|nonpositive|non-positive|needs positive values", "nonpositive"),
    (r"screening .* leaves no", "screening"),
)
COLOURS = {"up": "#00734a", "down": "#b00020"}   # the site's .up and .down
STALE = "#b00020"
NUM = "text-align:right;padding:2px 10px;white-space:nowrap"
CELL = "text-align:left;padding:2px 10px"


class Explorer:
    """Widgets over one edition (or scenario) file; ``update`` is what every change calls."""

    def __init__(self, base: str | Path = "params/editions/2019.yaml", folder: str | Path = SCENARIOS):
        import ipywidgets as w

        self.base_file = str(base)
        self.folder = folder
        self.base = scenario(base, name="base")
        self.params = self.base.params
        self.base_scores = self.base.compute()
        meth = self.params.methodology
        self.index = meth.index_code
        self.language = self.params.language
        say = self.say
        self.weights = {c: self._slider(meth.node(c).weight) for c in meth.children(self.index)}
        self.weight_labels = {c: self._name_label(c) for c in self.weights}
        self.shares = {c: w.HTML(layout=w.Layout(width="15em")) for c in self.weights}
        self.indicator = w.Dropdown(options=[(f"{i.code} {self.params.name(i.code)}", i.code) for i in meth.indicators],
                                    layout=w.Layout(width="auto", min_width="20em", max_width="46em"))
        self.indicator_weight = self._slider(meth.indicator(meth.indicators[0].code).weight)
        self.indicator_share = w.HTML(layout=w.Layout(width="18em"))
        self.indicator_weights: dict[str, float] = {}
        self.choices: dict[str, Any] = {}
        for key, options in self._alternatives().items():
            self.choices[key] = w.Dropdown(options=options, value=0, layout=w.Layout(width="auto", max_width="40em"))
        self.group = w.Dropdown(options=[(self.params.group_name(g), g) for g in self.params.group_codes],
                                layout=w.Layout(width="auto", max_width="30em"))
        self.name = w.Text(value="whatif-1", placeholder="d4-double", layout=w.Layout(width="16em"))
        self.overwrite = w.Checkbox(value=False, description=say("overwrite"), indent=False, layout=w.Layout(width="auto"))
        self.save_button = w.Button(description=say("save"), icon="save", layout=w.Layout(width="auto"))
        self.reset_button = w.Button(description=say("reset"), icon="undo", layout=w.Layout(width="auto"),
                                     tooltip=say("reset_tooltip"))
        self.optimise_button = w.Button(description=word(self.language, "optimise.button"), icon="balance-scale",
                                        layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.output = w.HTML()
        self.last_update_ms = 0.0
        self.stale: str | None = None            # why the output is not the current settings' (None: it is)
        self._shown: pd.DataFrame | None = None  # the scores the output shows
        for slider in self.weights.values():
            slider.observe(self.update, names="value")
        self.indicator.observe(self._show_indicator_weight, names="value")
        self.indicator_weight.observe(self._set_indicator_weight, names="value")
        for dropdown in self.choices.values():
            dropdown.observe(self.update, names="value")
        self.group.observe(self._redraw, names="value")
        self.save_button.on_click(self.save)
        self.reset_button.on_click(self.reset)
        self.optimise_button.on_click(self.optimise)
        self.update()

    def say(self, key: str, **fields: Any) -> str:
        """The explorer's word ``key`` (catalogue section ``explorer``) in the edition's language."""
        return word(self.language, f"explorer.{key}", **fields)

    def _slider(self, value: float) -> Any:
        import ipywidgets as w

        return w.FloatSlider(value=value, min=0.0, max=TOP, step=STEP, readout=False, continuous_update=False,
                             layout=w.Layout(width=SLIDER), style={"description_width": "0px"})

    def _name_label(self, code: str) -> Any:
        """A node's code and full name, wrapped over as many lines as it needs (and as a tooltip)."""
        import ipywidgets as w

        text = escape(f"{code} {self.params.name(code)}")
        return w.HTML(f'<div title="{text}" style="line-height:1.25;white-space:normal">{text}</div>',
                      layout=w.Layout(width=LABEL))

    # ------------------------------------------------------------------ settings
    def _alternatives(self) -> dict[str, list[tuple[str, int]]]:
        """Per choice (imputation, treatment, normalisation, aggregation.<level>), the
        edition's alternatives as (words, position) with 'as in the methodology' first."""
        u = self.params.edition.uncertainty
        found: dict[str, list] = {}
        if u is not None:
            for family in FAMILIES:
                if getattr(u, family):
                    found[family] = getattr(u, family)
            for level, alternatives in u.aggregation_levels(self.params.methodology.levels[1:]).items():
                found[f"aggregation.{level}"] = alternatives
        self._options = {key: ["nominal", *[a for a in alts if a != "nominal"]] for key, alts in found.items()}
        return {key: [(method_words(self.params, key.split(".")[0], a), k) for k, a in enumerate(alts)]
                for key, alts in self._options.items()}

    def overrides(self) -> dict[str, Any]:
        """The current settings as ``iqlib.scenario`` arguments (only what differs)."""
        meth = self.params.methodology
        weights = {c: s.value for c, s in self.weights.items() if s.value != meth.node(c).weight}
        weights.update({c: v for c, v in self.indicator_weights.items() if v != meth.node(c).weight})
        out: dict[str, Any] = {"weights": weights} if weights else {}
        aggregation = {}
        for key, dropdown in self.choices.items():
            choice = self._options[key][dropdown.value]
            if choice == "nominal":
                continue
            value = choice if isinstance(choice, str) else choice.model_dump(mode="json", exclude_none=True)
            family, _, level = key.partition(".")
            if family == "aggregation":
                aggregation[level] = value
            else:
                out["missing" if family == "imputation" else family] = value
        if aggregation:
            out["aggregation"] = aggregation
        return out

    def current(self, name: str = COMPUTE_NAME) -> Scenario:
        """The scenario the widgets describe, under ``name`` (the name only matters when saving:
        recomputing never depends on the name field)."""
        return scenario(self.base_file, name, **self.overrides())

    def weight_of(self, code: str) -> float:
        """A node's weight as the widgets set it now."""
        if code in self.weights:
            return float(self.weights[code].value)
        return float(self.indicator_weights.get(code, self.params.methodology.node(code).weight))

    def share(self, code: str) -> float | None:
        """A node's weight as a share of its siblings' total (None when they are all 0)."""
        meth = self.params.methodology
        parent = self.index if code in self.weights else meth.node(code).parent
        total = float(sum(self.weight_of(c) for c in meth.children(parent or self.index)))
        return self.weight_of(code) / total if total else None

    def _show_shares(self) -> None:
        lang = self.language
        for code, label in self.shares.items():
            share = self.share(code)
            label.value = escape(self.say("weight_share", weight=number(self.weight_of(code), 2, lang),
                                          share=number(100 * share, 1, lang) if share is not None else "—"))
        code = self.indicator.value
        share = self.share(code)
        self.indicator_share.value = escape(self.say(
            "indicator_share", weight=number(self.weight_of(code), 2, lang), parent=self.params.methodology.node(code).parent,
            share=number(100 * share, 1, lang) if share is not None else "—"))

    # ------------------------------------------------------------------ callbacks
    def _show_indicator_weight(self, change: dict | None = None) -> None:
        code = self.indicator.value
        self.indicator_weight.value = self.indicator_weights.get(code, self.params.methodology.node(code).weight)
        self._show_shares()

    def _set_indicator_weight(self, change: dict | None = None) -> None:
        self.indicator_weights[self.indicator.value] = self.indicator_weight.value
        self.update()

    def update(self, change: dict | None = None) -> None:
        """Recompute the ranking for the current settings and redraw the output. When the
        settings cannot be computed (every weight 0, a method refusing the values, any
        error) the status says why in words and the output keeps the last ranking marked
        «не пересчитано»: no ranking of earlier settings stays on screen as if it were theirs."""
        self._show_shares()
        started = time.perf_counter()
        try:
            scores = self.current().compute()
        except Exception as exc:  # noqa: BLE001 — any failure: the ranking on screen is marked, never passed off
            self.stale = self.failure(exc)
            self.status.value = (f'<b style="color:{STALE}">{escape(self.say("not_recomputed"))}</b>: '
                                 f"{escape(self.stale)}{self._detail(exc)}")
            self._redraw()
            return
        self.stale, self._shown = None, scores
        self._redraw()
        self.last_update_ms = 1000 * (time.perf_counter() - started)
        self.status.value = escape(self.say("recomputed", ms=number(self.last_update_ms, 0, self.language)))

    def failure(self, exc: BaseException) -> str:
        """Why a recompute failed, in the reader's words (the library's own text, when no
        rule below words it, follows in the status as a detail)."""
        text = str(exc)
        for pattern, key in FAILURES:
            if found := re.search(pattern, text):
                return self.say(f"failed.{key}", **found.groupdict())
        return self.say("failed.other")

    def _redraw(self, change: dict | None = None) -> None:
        self.output.value = self.render(self._shown, self.stale) if self._shown is not None else (
            f'<p style="color:{STALE}"><b>{escape(self.say("not_recomputed"))}</b>: {escape(self.stale or "")}</p>')

    def reset(self, button: Any = None) -> None:
        """Every setting back to the edition's."""
        meth = self.params.methodology
        self.indicator_weights.clear()
        for code, slider in self.weights.items():
            slider.value = meth.node(code).weight
        for dropdown in self.choices.values():
            dropdown.value = 0
        self._show_indicator_weight()
        self.update()

    def optimise(self, button: Any = None) -> None:
        """«Подобрать веса»: the direction sliders set to the weights that make each direction's
        share of the correlations with the index equal (``analysis.optimise``, Pearson), from
        the current methods and indicator weights; one recompute, and the gap before and after
        in the status. A failure leaves the sliders as they were and says why."""
        try:
            current = self.current()
            fw = current.params.methodology.framework
            found = optimise_weights(current.result().normalised, fw, fw.level_of(next(iter(self.weights))))
        except Exception as exc:  # noqa: BLE001 — any failure: the sliders stay, the status says why
            self.status.value = (f'<b style="color:{STALE}">{escape(self.failure(exc))}</b>{self._detail(exc)}')
            return
        for code, slider in self.weights.items():   # one recompute for all the sliders, not one each
            slider.unobserve(self.update, names="value")
            slider.max = max(TOP, math.ceil(float(found.weights[code])))
            slider.value = float(found.weights[code])
            slider.observe(self.update, names="value")
        self.update()
        if self.stale is None:
            self.status.value += "; " + escape(word(self.language, "optimise.done",
                                                    before=number(100 * found.gap_nominal, 1, self.language),
                                                    after=number(100 * found.gap, 1, self.language)))

    def save(self, button: Any = None) -> Path | None:
        """Write the current settings as params/scenarios/<name>.yaml through ``Scenario.save``
        (refused, with the reason in words, if the name is empty, taken or breaks a rule; an
        existing file is replaced only with «Перезаписать» ticked)."""
        name = self.name.value.strip()
        if not name:
            self.status.value = f'<span style="color:{STALE}">{escape(self.say("refused.empty"))}</span>'
            return None
        try:
            path = self.current(name).save(self.folder, overwrite=self.overwrite.value)
        except UserError as exc:
            self.status.value = f'<span style="color:{STALE}">{escape(self.refusal(exc, name))}</span>{self._detail(exc)}'
            return None
        self.status.value = self.say("saved", path=escape(display(path)))
        return path

    def _detail(self, exc: BaseException) -> str:
        """The library's own message, folded under the reader's words (for an auditor)."""
        return (f' <details style="display:inline-block;vertical-align:top"><summary>{escape(self.say("detail"))}</summary>'
                f"<code>{escape(str(exc)[:400])}</code></details>")

    def refusal(self, exc: UserError, name: str) -> str:
        """Why ``name`` could not be saved, in the reader's words (``REFUSALS``)."""
        text = str(exc)
        path = display(resolve(self.folder) / f"{name}.yaml")
        shown = name if len(name) <= 60 else f"{name[:60]}…"     # a very long name is not echoed whole
        for pattern, key in REFUSALS:
            if re.search(pattern, text):
                return self.say(f"refused.{key}", name=shown, path=path)
        return self.say("refused.other", name=shown)

    # ------------------------------------------------------------------ output
    def render(self, scores: pd.DataFrame, stale: str | None = None) -> str:
        """The selected group's ranking beside the base's (place, city, base and new score,
        change in score and in place), and the biggest moves overall; with ``stale`` (why the
        settings could not be recomputed) both are marked as not recomputed and dimmed."""
        result = compare(self.base_scores, scores, self.params.group_codes, [self.index])
        table, summary = result.cities, result.summary.set_index("group")
        lang, dec = self.language, self.params.methodology.scoring.decimals
        g = self.group.value
        s = summary.loc[g]
        head = (f"<p><b>{escape(self.params.group_name(g))}</b>: "
                + escape(self.say("moved_in_group", moved=s["moved"], compared=s["compared"], largest=s["max_abs_shift"],
                                  leader=s["leader_b"]))
                + (escape(self.say("leader_was", leader=s["leader_a"])) if s["leader_changed"] else "") + "</p>")
        rows = table[(table["group"] == g) & (table["status"] == BOTH)]
        cols = [("rank", True), ("city", False), ("base_score", True), ("new_score", True), ("score_change", True),
                ("base_rank", True), ("shift", True)]
        header = "".join(f'<th scope="col" style="{NUM if num else CELL};vertical-align:bottom">{escape(self.say(f"columns.{c}"))}</th>'
                         for c, num in cols)
        base, new = f"{self.index}_a", f"{self.index}_b"
        body = "".join(f'<tr><td style="{NUM}">{r.rank_b}</td><td style="{CELL}">{escape(r.city_ru)}</td>'
                       f'<td style="{NUM}">{number(getattr(r, base), dec, lang)}</td>'
                       f'<td style="{NUM}">{number(getattr(r, new), dec, lang)}</td>'
                       f"{_change(getattr(r, new) - getattr(r, base), dec, lang)}"
                       f'<td style="{NUM}">{r.rank_a}</td>{_shift(r.shift)}</tr>'
                       for r in rows.itertuples())
        group_table = (f'<table style="border-collapse:collapse;font-variant-numeric:tabular-nums">'
                       f'<thead><tr style="border-bottom:1px solid #888">{header}</tr></thead><tbody>{body}</tbody></table>')
        moved = table[table["status"] == BOTH].assign(size=lambda t: t["shift"].abs())
        moved = moved[moved["size"] > 0].sort_values(["size", "city_id"], ascending=[False, True]).head(10)
        movers = "".join(f"<li>{escape(r.city_ru)} ({escape(self.params.group_name(r.group))}): "
                         f'<span style="white-space:nowrap">{r.rank_a} → {r.rank_b} {_shift(r.shift, "span")}</span></li>'
                         for r in moved.itertuples())
        title = escape(self.say("moved_most"))
        overall = summary.loc["all"]
        total = f"<p>{escape(self.say('moved_total', moved=overall['moved'], compared=overall['compared']))}</p>"
        mark = dim = ""
        if stale is not None:
            mark = (f'<p class="iq-stale" style="color:{STALE};font-weight:bold;border-left:4px solid {STALE};'
                    f'padding-left:6px">{escape(self.say("stale_mark", reason=stale))}</p>')
            dim = ' style="opacity:0.45"'
        return (f'<div class="iq-whatif" style="display:flex;gap:2em;flex-wrap:wrap;align-items:flex-start">'
                f'<div class="iq-whatif-group">{mark}<div{dim}>{head}{group_table}</div></div>'
                f'<div class="iq-whatif-moved" style="max-width:40em">{mark}<div{dim}><h4>{title}</h4>{total}'
                f"<ol>{movers}</ol></div></div></div>")

    def widget(self) -> Any:
        """The explorer as one widget for ``display``: each direction's full name, its slider
        and its weight with its share of the total; the indicator list; the methods, each
        named in full; the group; the scenario's name and the buttons; the status; the output."""
        import ipywidgets as w

        def row(label: str, control: Any) -> Any:
            return w.HBox([w.HTML(f'<div style="line-height:1.25">{escape(label)}</div>', layout=w.Layout(width=LABEL)),
                           control], layout=w.Layout(align_items="center"))

        heading, methods = escape(self.say("weights")), escape(self.say("methods"))
        weights = [w.HBox([self.weight_labels[c], self.weights[c], self.shares[c]], layout=w.Layout(align_items="center"))
                   for c in self.weights]
        indicator = [row(self.say("indicator"), self.indicator),
                     w.HBox([w.HTML(f'<div>{escape(self.say("its_weight"))}</div>', layout=w.Layout(width=LABEL)),
                             self.indicator_weight, self.indicator_share], layout=w.Layout(align_items="center"))]
        choices = [row(input_name(self.params, key), dropdown) for key, dropdown in self.choices.items()]
        saving = w.HBox([w.HTML(f"<div>{escape(self.say('scenario_name'))}</div>", layout=w.Layout(width=LABEL)), self.name,
                         self.save_button, self.overwrite, self.reset_button, self.optimise_button],
                        layout=w.Layout(align_items="center", flex_flow="row wrap", grid_gap="0.5em"))
        return w.VBox([w.HTML(f"<b>{heading}</b>"), *weights, *indicator, w.HTML(f"<b>{methods}</b>"), *choices,
                       row(self.say("group"), self.group), saving, self.status, self.output],
                      layout=w.Layout(max_width="100%"))


def _change(delta: float, decimals: int, language: str) -> str:
    """A change in score, signed and coloured: green up, red down."""
    text = number(delta, decimals, language)
    if round(delta, decimals) > 0:
        return f'<td style="{NUM};color:{COLOURS["up"]}">+{text}</td>'
    if round(delta, decimals) < 0:
        return f'<td style="{NUM};color:{COLOURS["down"]}">{text}</td>'
    return f'<td style="{NUM}">{number(0.0, decimals, language)}</td>'


def _shift(value: Any, tag: str = "td") -> str:
    """A rank shift coloured: green ▲ up, red ▼ down, '—' none."""
    text, direction = shift_arrow(int(value))
    style = f"{NUM};" if tag == "td" else ""
    return (f'<{tag} style="{style}color:{COLOURS[direction]}">{text}</{tag}>' if direction
            else f'<{tag} style="{style}">{text}</{tag}>')
