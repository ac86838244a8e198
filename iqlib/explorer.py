"""The what-if explorer of ``notebooks/whatif.ipynb``: sliders for the weights and lists
for the method choices of an edition; every change recomputes the ranking in memory
(``iqlib.scenario``: the stages' own functions) and shows, per group, the new ranking
beside the base with the shifts coloured, and the cities that moved most. A button writes
the current settings as a scenario file in ``params/scenarios/``, checked by the schema
every scenario goes through, ready for ``iq run``.

The method choices offered are the edition's own alternatives (its ``uncertainty:``
block), so what a methodologist can try is set in YAML like everything else.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from iqlib.analysis.compare import BOTH, compare
from iqlib.config.paths import display
from iqlib.core.errors import UserError
from iqlib.presentation.method_words import method_words
from iqlib.presentation.text import input_name, number, shift_arrow
from iqlib.presentation.words import word
from iqlib.scenarios import SCENARIOS, Scenario, scenario

FAMILIES = ("imputation", "treatment", "normalisation")   # per-indicator choices, as in ``uncertainty:``


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
        words = self.params.name
        layout = w.Layout(width="34em")
        style = {"description_width": "16em"}
        self.weights = {c: w.FloatSlider(value=meth.node(c).weight, min=0.0, max=3.0, step=0.05,
                                         description=f"{c} {words(c)}"[:38], style=style, layout=layout,
                                         continuous_update=False, readout_format=".2f")
                        for c in meth.children(self.index)}
        self.indicator = w.Dropdown(options=[(f"{i.code} {words(i.code)}"[:70], i.code) for i in meth.indicators],
                                    description=say("indicator"), layout=w.Layout(width="46em"))
        self.indicator_weight = w.FloatSlider(value=meth.indicator(meth.indicators[0].code).weight, min=0.0, max=3.0,
                                              step=0.05, description=say("its_weight"),
                                              continuous_update=False, readout_format=".2f")
        self.indicator_weights: dict[str, float] = {}
        self.choices: dict[str, Any] = {}
        for key, options in self._alternatives().items():
            self.choices[key] = w.Dropdown(options=options, value=0, description=input_name(self.params, key)[:30],
                                           style={"description_width": "16em"}, layout=w.Layout(width="60em"))
        self.group = w.Dropdown(options=[(self.params.group_name(g), g) for g in self.params.group_codes],
                                description=say("group"), layout=w.Layout(width="40em"))
        self.name = w.Text(value="whatif-1", description=say("scenario_name"))
        self.save_button = w.Button(description=say("save"), icon="save")
        self.reset_button = w.Button(description=say("reset"), icon="undo")
        self.status = w.HTML()
        self.output = w.HTML()
        self.last_update_ms = 0.0
        for slider in self.weights.values():
            slider.observe(self.update, names="value")
        self.indicator.observe(self._show_indicator_weight, names="value")
        self.indicator_weight.observe(self._set_indicator_weight, names="value")
        for dropdown in self.choices.values():
            dropdown.observe(self.update, names="value")
        self.group.observe(self.update, names="value")
        self.save_button.on_click(self.save)
        self.reset_button.on_click(self.reset)
        self.update()

    def say(self, key: str, **fields: Any) -> str:
        """The explorer's word ``key`` (catalogue section ``explorer``) in the edition's language."""
        return word(self.language, f"explorer.{key}", **fields)

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

    def current(self) -> Scenario:
        """The scenario the widgets describe."""
        return scenario(self.base_file, self.name.value.strip() or "whatif", **self.overrides())

    # ------------------------------------------------------------------ callbacks
    def _show_indicator_weight(self, change: dict | None = None) -> None:
        code = self.indicator.value
        self.indicator_weight.value = self.indicator_weights.get(code, self.params.methodology.node(code).weight)

    def _set_indicator_weight(self, change: dict | None = None) -> None:
        self.indicator_weights[self.indicator.value] = self.indicator_weight.value
        self.update()

    def update(self, change: dict | None = None) -> None:
        """Recompute the ranking for the current settings and redraw the output; settings
        that cannot be computed (every weight 0) show why and clear the output, so that no
        ranking of earlier settings stays on screen as if it were theirs."""
        started = time.perf_counter()
        try:
            scores = self.current().compute()
        except UserError as exc:
            self.status.value = f'<span style="color:#b00020">{escape(str(exc))}</span>'
            self.output.value = ""
            return
        self.output.value = self.render(scores)
        self.last_update_ms = 1000 * (time.perf_counter() - started)
        self.status.value = escape(self.say("recomputed", ms=number(self.last_update_ms, 0, self.language)))

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

    def save(self, button: Any = None) -> Path | None:
        """Write the current settings as params/scenarios/<name>.yaml (refused, with the
        reason shown, if the name is taken or not a valid scenario name)."""
        try:
            path = self.current().save(self.folder)
        except UserError as exc:
            self.status.value = f'<span style="color:#b00020">{escape(str(exc))}</span>'
            return None
        self.status.value = self.say("saved", path=escape(display(path)))
        return path

    # ------------------------------------------------------------------ output
    def render(self, scores: pd.DataFrame) -> str:
        """The selected group's ranking beside the base's, and the biggest moves overall."""
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
        cols = [self.say(f"columns.{c}") for c in ("rank", "city", "score", "base_rank", "shift")]
        body = "".join(f"<tr><td>{r.rank_b}</td><td>{escape(r.city_ru)}</td>"
                       f"<td>{number(getattr(r, f'{self.index}_b'), dec, lang)}</td><td>{r.rank_a}</td>{_shift(r.shift)}</tr>"
                       for r in rows.itertuples())
        group_table = (f"<table><thead><tr>{''.join(f'<th>{escape(c)}</th>' for c in cols)}</tr></thead>"
                       f"<tbody>{body}</tbody></table>")
        moved = table[table["status"] == BOTH].assign(size=lambda t: t["shift"].abs())
        moved = moved[moved["size"] > 0].sort_values(["size", "city_id"], ascending=[False, True]).head(10)
        movers = "".join(f"<li>{escape(r.city_ru)} ({escape(self.params.group_name(r.group))}): {r.rank_a} → {r.rank_b} "
                         f"{_shift(r.shift, 'span')}</li>" for r in moved.itertuples())
        title = escape(self.say("moved_most"))
        overall = summary.loc["all"]
        total = f"<p>{escape(self.say('moved_total', moved=overall['moved'], compared=overall['compared']))}</p>"
        return (f'<div style="display:flex;gap:2em;flex-wrap:wrap"><div>{head}{group_table}</div>'
                f"<div><h4>{title}</h4>{total}<ol>{movers}</ol></div></div>")

    def widget(self) -> Any:
        """The explorer as one widget for ``display``."""
        import ipywidgets as w

        heading, methods = escape(self.say("weights")), escape(self.say("methods"))
        return w.VBox([w.HTML(f"<b>{heading}</b>"), *self.weights.values(), w.HBox([self.indicator, self.indicator_weight]),
                       w.HTML(f"<b>{methods}</b>"), *self.choices.values(), self.group,
                       w.HBox([self.name, self.save_button, self.reset_button]), self.status, self.output])


COLOURS = {"up": "#00734a", "down": "#b00020"}   # the site's .up and .down


def _shift(value: Any, tag: str = "td") -> str:
    """A rank shift coloured: green ▲ up, red ▼ down, '—' none."""
    text, direction = shift_arrow(int(value))
    return f'<{tag} style="color:{COLOURS[direction]}">{text}</{tag}>' if direction else f"<{tag}>{text}</{tag}>"
