"""The what-if explorer, driven through its widgets' callbacks (no browser): every change
recomputes the ranking as ``iqlib.scenario`` does, and the save button writes a scenario
file the schema accepts."""

from __future__ import annotations

import re

import pytest

from iqlib.config.params import load_params
from iqlib.explorer import Explorer
from iqlib.scenarios import scenario


@pytest.fixture
def explorer(tmp_path):
    return Explorer("params/editions/2019.yaml", folder=tmp_path)


def rows(html: str) -> list[tuple[str, str, str]]:
    """(rank, city, shift) of the group table in the output."""
    return [(r, c, re.sub("<[^>]+>", "", s)) for r, c, s in
            re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td>[^<]+</td><td>\d+</td>(<td[^>]*>[^<]*</td>)", html)]


def test_the_base_ranking_is_shown_unchanged(explorer):
    explorer.group.value = "krupneyshie"
    # the published top three of 2019 (the demo is calibrated to them)
    assert rows(explorer.output.value)[:3] == [("1", "Москва", "—"), ("2", "Екатеринбург", "—"),
                                               ("3", "Казань", "—")]
    assert explorer.overrides() == {}
    assert "сдвинулись 0 из 15" in explorer.output.value


def test_a_direction_weight_slider_recomputes_the_ranking(explorer):
    explorer.group.value = "krupneyshie"
    explorer.weights["D4"].value = 2.0          # the slider's callback runs the update
    assert explorer.overrides() == {"weights": {"D4": 2.0}}
    shown = rows(explorer.output.value)
    assert shown[2:4] == [("3", "Санкт-Петербург", "▲ 1"), ("4", "Казань", "▼ 1")]
    assert "Всего сдвинулись 108 из 203 городов" in explorer.output.value
    expected = scenario("params/editions/2019.yaml", weights={"D4": 2}).compute()
    assert explorer.current().compute().equals(expected)
    assert explorer.status.value.startswith("пересчитано за")


def test_an_indicator_weight_and_a_method_choice(explorer):
    explorer.indicator.value = "I12"
    explorer.indicator_weight.value = 0.0
    normalisation = explorer.choices["normalisation"]
    labels = [label for label, _ in normalisation.options]
    assert labels[0] == "как в методике" and labels[1].startswith("процентильный ранг")
    normalisation.value = 1
    assert explorer.overrides() == {"weights": {"I12": 0.0},
                                    "normalisation": {"method": "pctrank", "within": "group", "scale": 12.0}}
    expected = scenario("params/editions/2019.yaml", weights={"I12": 0},
                        normalisation={"method": "pctrank", "within": "group", "scale": 12}).compute()
    assert explorer.current().compute().equals(expected)
    explorer.indicator.value = "I13"
    assert explorer.indicator_weight.value == 1.0
    explorer.indicator.value = "I12"
    assert explorer.indicator_weight.value == 0.0
    explorer.reset()
    assert explorer.overrides() == {}


def test_save_writes_a_valid_scenario_and_refuses_a_taken_or_bad_name(explorer, tmp_path):
    explorer.weights["D4"].value = 2.0
    explorer.choices["aggregation.index"].value = 1
    explorer.name.value = "d4-double-geo"
    path = explorer.save()
    assert path == tmp_path / "d4-double-geo.yaml"
    assert "записано" in explorer.status.value and "iq run" in explorer.status.value
    params = load_params(path)
    assert params.methodology.node("D4").weight == 2.0
    assert params.methodology.scoring.aggregation["index"].method == "geometric_mean"
    assert explorer.save() is None and "exists" in explorer.status.value
    explorer.name.value = "Плохое имя"
    assert explorer.save() is None and "scenario" in explorer.status.value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d4-double-geo.yaml"]


def test_the_widget_holds_every_control(explorer):
    box = explorer.widget()
    flat, todo = [], [box]
    while todo:
        w = todo.pop()
        flat.append(w)
        todo += list(getattr(w, "children", []))
    for control in [*explorer.weights.values(), *explorer.choices.values(), explorer.save_button, explorer.output]:
        assert control in flat
    assert len(explorer.weights) == 10 and set(explorer.choices) == {
        "imputation", "treatment", "normalisation", "aggregation.direction", "aggregation.index"}


@pytest.mark.e2e
def test_the_whatif_notebook_runs_headless_and_shows_the_explorer(tmp_path):
    """What ``make lab`` opens: notebooks/whatif.ipynb executed from notebooks/ as JupyterLab
    would, on the kernel python3 of this environment."""
    import nbformat
    from conftest import ROOT
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "whatif.ipynb", as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(ROOT / "notebooks")}}
                   ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = next(o for o in outputs if o.output_type == "execute_result")
    assert "application/vnd.jupyter.widget-view+json" in shown["data"]
    assert "VBox" in shown["data"]["text/plain"]


def test_a_linked_aggregation_draw_offers_its_alternatives_on_every_level(tmp_path):
    """Linked in the uncertainty analysis, the alternatives are still set level by level
    in the explorer (a what-if of one level is legitimate)."""
    path = tmp_path / "linked.yaml"
    path.write_text("extends: tests/fixtures/mini/edition.yaml\nscenario: linked\nedition:\n  uncertainty:\n"
                    "    aggregation: {levels: all, alternatives: [nominal, {method: geometric_mean, nonpositive: shift}]}\n",
                    encoding="utf-8")
    explorer = Explorer(str(path), folder=tmp_path)
    assert sorted(explorer.choices) == ["aggregation.direction", "aggregation.index", "normalisation"]
    assert all(len(d.options) == 2 for d in explorer.choices.values())
    explorer.choices["aggregation.index"].value = 1
    assert list(explorer.overrides()["aggregation"]) == ["index"]
    assert explorer.overrides()["aggregation"]["index"]["method"] == "geometric_mean"
