"""The what-if explorer, driven through its widgets' callbacks (no browser): every change
recomputes the ranking, checked against rankings and scores worked out by hand from the
fixture's published directions, against what a method must give, and against golden
figures of the 2019 demo; settings that cannot be computed leave no stale ranking on
screen; the save button writes a scenario file the schema accepts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from iqlib.config.params import load_params
from iqlib.explorer import Explorer

MINI = "tests/fixtures/mini/edition.yaml"       # 12 cities, 3 per group, English
GOLDEN = ROOT / "tests" / "fixtures" / "mini" / "scores.golden.csv"   # its published scores, kept by hand


@pytest.fixture
def explorer(tmp_path):
    return Explorer("params/editions/2019.yaml", folder=tmp_path)


@pytest.fixture
def mini(tmp_path):
    return Explorer(MINI, folder=tmp_path)


def table(html: str) -> list[list[str]]:
    """The group table's rows as text: place, city, base score, new score, change in score,
    place in the edition, change in place."""
    body = re.search(r"<tbody>(.*?)</tbody>", html).group(1)
    return [[re.sub("<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in re.findall(r"<tr>(.*?)</tr>", body)]


def rows(html: str) -> list[tuple[str, str, str]]:
    """(rank, city, shift) of the group table in the output."""
    return [(r[0], r[1], r[6]) for r in table(html)]


def scored(html: str) -> list[tuple[str, str, str, str]]:
    """(rank, city, new score, shift) of the group table in the output."""
    return [(r[0], r[1], r[3], r[6]) for r in table(html)]


def test_the_base_ranking_is_shown_unchanged(explorer):
    explorer.group.value = "krupneyshie"
    # the published top three of 2019 (the demo is calibrated to them)
    assert rows(explorer.output.value)[:3] == [("1", "Москва", "—"), ("2", "Екатеринбург", "—"),
                                               ("3", "Казань", "—")]
    assert table(explorer.output.value)[0] == ["1", "Москва", "89,65", "89,65", "0,00", "1", "—"]
    assert explorer.overrides() == {}
    assert "сдвинулись 0 из 15" in explorer.output.value


def test_a_direction_weight_slider_recomputes_the_ranking(explorer):
    explorer.group.value = "krupneyshie"
    explorer.weights["D4"].value = 2.0          # the slider's callback runs the update
    assert explorer.overrides() == {"weights": {"D4": 2.0}}
    shown = rows(explorer.output.value)
    assert shown[2:4] == [("3", "Санкт-Петербург", "▲ 1"), ("4", "Екатеринбург", "▼ 2")]
    assert "Всего сдвинулись 133 из 203 городов" in explorer.output.value
    assert re.fullmatch(r"пересчитано за [\d\u202f]+ мс", explorer.status.value)


def test_an_indicator_weight_and_a_method_choice(explorer):
    explorer.indicator.value = "I12"
    explorer.indicator_weight.value = 0.0
    normalisation = explorer.choices["normalisation"]
    labels = [label for label, _ in normalisation.options]
    assert labels[0] == "как в методике" and labels[1].startswith("процентильный ранг")
    normalisation.value = 1
    assert explorer.overrides() == {"weights": {"I12": 0.0},
                                    "normalisation": {"method": "pctrank", "within": "group", "scale": 12.0}}
    explorer.group.value = "krupneyshie"     # golden (demo 2019): percentile ranks, I12 left out
    assert "сдвинулись 4 из 15, наибольший сдвиг 1; лидер: Москва" in explorer.output.value
    assert scored(explorer.output.value)[0][:3] == ("1", "Москва", "84,54")
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
    assert explorer.save() is None
    assert "Не записано: имя «d4-double-geo» занято" in explorer.status.value and "Перезаписать" in explorer.status.value
    explorer.name.value = "Плохое имя"
    assert explorer.save() is None
    assert "Не записано: в имени «Плохое имя» допустимы только строчные латинские буквы" in explorer.status.value
    explorer.name.value = "  "
    assert explorer.save() is None and "введите имя сценария" in explorer.status.value
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d4-double-geo.yaml"]
    explorer.weights["D4"].value = 3.0           # ticked «Перезаписать»: the file is replaced
    explorer.name.value, explorer.overwrite.value = "d4-double-geo", True
    assert explorer.save() == path and load_params(path).methodology.node("D4").weight == 3.0


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


# --------------------------------------------------------------------------- by hand, on the fixture
def test_the_groups_are_offered_in_the_editions_order(mini):
    assert [code for _, code in mini.group.options] == ["krupneyshie", "krupnye", "bolshie", "lt100k"]
    assert [label for label, _ in mini.group.options][2] == "Big cities (100 000 – 249 999)"
    mini.group.value = "bolshie"
    assert "<b>Big cities (100 000 – 249 999)</b>: 0 of 3 moved" in mini.output.value
    assert [c for _, c, _ in rows(mini.output.value)] == ["Серпухов", "Электросталь", "Реутов"]


def test_a_direction_at_weight_zero_ranks_the_cities_by_the_other_nine(mini):
    """The index is the sum of the ten directions (iq_v1): with D10 at 0 each city scores
    the sum of D1…D9 of the fixture's published scores, and the group is ranked by it."""
    golden = pd.read_csv(GOLDEN, comment="#")
    by_hand = golden.assign(score=golden[[f"D{i}" for i in range(1, 10)]].sum(axis=1))
    mini.weights["D10"].value = 0.0
    assert mini.overrides() == {"weights": {"D10": 0.0}}
    for group in ("krupneyshie", "krupnye", "bolshie", "lt100k"):
        mini.group.value = group
        shown = scored(mini.output.value)
        expected = by_hand[by_hand["group"] == group].sort_values("score", ascending=False, kind="stable")
        assert [c for _, c, _, _ in shown] == expected["city_ru"].tolist(), group
        # nine published values of two decimals each: within 9 × 0.005 of the shown score
        assert np.allclose([float(s) for _, _, s, _ in shown], expected["score"], atol=0.046), group
    mini.group.value = "bolshie"        # 46.11 + 0 > 46.44 − 4.76: Reutov passes Elektrostal
    assert rows(mini.output.value) == [("1", "Серпухов", "—"), ("2", "Реутов", "▲ 1"), ("3", "Электросталь", "▼ 1")]
    assert "2 of 12 cities moved." in mini.output.value


def test_an_indicator_at_weight_zero_leaves_its_direction(mini):
    """D5 is the weighted mean of its indicators' normalised scores: with I12 at 0 it is
    the mean of I13–I16 alone, each city's by hand from the normalised table."""
    meth = mini.params.methodology
    siblings = [c for c in meth.children("D5") if c != "I12"]
    assert siblings == ["I13", "I14", "I15", "I16"]
    before = mini.current().result()
    mini.indicator.value = "I12"
    mini.indicator_weight.value = 0.0
    assert mini.overrides() == {"weights": {"I12": 0.0}}
    after = mini.current().result()
    normalised = after.normalised[siblings].to_numpy()
    weights = np.array([meth.node(c).weight for c in siblings])
    present = ~np.isnan(normalised)
    by_hand = np.nansum(normalised * weights, axis=1) / (present * weights).sum(axis=1)
    assert np.allclose(after.aggregates["D5"].to_numpy(), by_hand, rtol=0, atol=1e-12)
    assert not np.allclose(before.aggregates["D5"].to_numpy(), by_hand)      # I12 counted before
    others = [d for d in meth.children("IQ") if d != "D5"]
    assert after.aggregates[others].equals(before.aggregates[others])        # no other direction moves


def test_a_percentile_rank_choice_gives_percentile_ranks(mini):
    """pctrank within the group, scale 12, over groups of three cities: every normalised
    score is 12·(rank − 1)/(n − 1) — 0, 6 or 12 for three values, 0 or 12 for two, 6 for
    one — and a group's highest value of a positive indicator, when no other city shares
    it, gets 12."""
    def scores(explorer: Explorer) -> set[float]:
        values = explorer.current().result().normalised.to_numpy()
        return set(values[~np.isnan(values)].tolist())

    normalisation = mini.choices["normalisation"]
    assert [label for label, _ in normalisation.options] == [
        "as in the methodology", "percentile rank (within: the group; scale up to: 12)"]
    assert scores(mini) - {0.0, 6.0, 12.0}        # min–max: other values
    normalisation.value = 1
    assert scores(mini) <= {0.0, 6.0, 12.0}
    normalised = mini.current().result().normalised
    assert mini.params.methodology.indicator("I07").polarity == 1
    values = pd.read_csv(ROOT / "tests/fixtures/mini/values.csv", comment="#").set_index("city_id")["I07"]
    group = mini.base_scores.set_index("city_id")["group"].reindex(values.index)
    best = [values[group == g].idxmax() for g in mini.params.group_codes
            if (values[group == g] == values[group == g].max()).sum() == 1]
    assert len(best) == 4 and (normalised.loc[best, "I07"] == 12.0).all()


def test_settings_that_cannot_be_computed_leave_no_stale_ranking(mini):
    mini.group.value = "bolshie"
    for slider in mini.weights.values():
        slider.value = 0.0                       # the last one makes every weight of the index 0
    assert mini.stale == "every weight under IQ is 0: there is nothing to add up"
    assert mini.status.value.startswith('<b style="color:#b00020">Not recomputed</b>: every weight under IQ is 0')
    marks = re.findall(r'<p class="iq-stale"[^>]*>(.*?)</p>', mini.output.value)
    assert marks == ["Not recomputed (every weight under IQ is 0: there is nothing to add up): below is the ranking "
                     "of the earlier settings, not of the current ones"] * 2      # the table and the moves list
    assert mini.output.value.count('<div style="opacity:0.45">') == 2
    mini.weights["D10"].value = 1.0              # only D10 counts: ranked by it
    assert [c for _, c, _ in rows(mini.output.value)] == ["Серпухов", "Электросталь", "Реутов"]
    assert [s for _, _, s, _ in scored(mini.output.value)] == ["12.00", "4.76", "0.00"]
    assert re.fullmatch(r"recomputed in [\d,]+ ms", mini.status.value)


# --------------------------------------------------------------------------- never stale, room to read
def test_a_name_the_schema_refuses_does_not_stop_the_recompute(explorer):
    """The name is checked when saving: with «D4 вдвое» in the field every change still
    recomputes (the issue: the old table stayed, «сдвинулись 0 из 15»), and saving says why
    in Russian."""
    explorer.group.value = "krupneyshie"
    explorer.name.value = "D4 вдвое"
    explorer.weights["D4"].value = 3.0
    assert explorer.stale is None and re.fullmatch(r"пересчитано за [\d\u202f]+ мс", explorer.status.value)
    assert "сдвинулись 0 из 15" not in explorer.output.value
    three = table(explorer.output.value)
    explorer.reset()
    assert explorer.overrides() == {} and "сдвинулись 0 из 15" in explorer.output.value
    assert table(explorer.output.value) != three
    assert explorer.save() is None and "допустимы только строчные латинские буквы" in explorer.status.value


def test_every_row_adds_up_and_the_shift_is_the_change_in_place(explorer):
    """Base score + change = new score (to the last decimal shown), change in place =
    place in the edition − new place, in every row of every group."""
    explorer.weights["D4"].value = 2.05
    for group in explorer.params.group_codes:
        explorer.group.value = group
        for place, _, base, new, change, base_place, shift in table(explorer.output.value):
            as_float = [float(x.replace(",", ".").replace("\u2212", "-").replace("+", "")) for x in (base, new, change)]
            assert round(as_float[0] + as_float[2], 2) == as_float[1]
            moved = int(base_place) - int(place)
            assert shift == ("—" if moved == 0 else f"▲ {moved}" if moved > 0 else f"▼ {-moved}")
            assert change == "0,00" or change[0] in "+\u2212"


def test_each_weight_shows_its_share_of_the_total(explorer):
    """Ten directions of weight 1: 10,0 % each; D4 at 2,05: 2,05 / 11,05 = 18,55 % and the
    others 1 / 11,05 = 9,05 %; an indicator's share is of its direction's weights."""
    assert {label.value for label in explorer.shares.values()} == {"1,00 · 10,0 % суммы весов"}
    explorer.weights["D4"].value = 2.05
    assert explorer.shares["D4"].value == "2,05 · 18,6 % суммы весов"
    assert explorer.shares["D1"].value == "1,00 · 9,0 % суммы весов"
    meth = explorer.params.methodology
    explorer.indicator.value = "I12"
    siblings = meth.children("D5")
    assert explorer.indicator_share.value == f"1,00 · {100 / len(siblings):.1f} % веса внутри D5".replace(".", ",")
    explorer.indicator_weight.value = 0.0
    assert explorer.indicator_share.value == "0,00 · 0,0 % веса внутри D5"


def test_the_widget_names_every_direction_in_full(explorer):
    """No cut names: each direction's label holds its code and whole name (and as a tooltip)."""
    for code, label in explorer.weight_labels.items():
        name = explorer.params.name(code)
        assert f">{code} {name}</div>" in label.value and f'title="{code} {name}"' in label.value
    assert explorer.indicator.options[0][0] == f"I01 {explorer.params.name('I01')}"


@pytest.fixture(scope="module")
def refuser(tmp_path_factory):
    """One explorer of the demo edition (Russian) for the refusals' words."""
    return Explorer("params/editions/2019.yaml", folder=tmp_path_factory.mktemp("refusals"))


@pytest.mark.parametrize(("message", "key"), [
    # today's Scenario.save and the scenario schema
    ("params/scenarios/x.yaml exists; choose another name or pass overwrite=True", "taken"),
    ("params/scenarios/D4 вдвое.yaml: key 'scenario': String should match pattern '^[a-z0-9][a-z0-9_-]*$'", "pattern"),
    ("params/scenarios/aaa.yaml: key 'scenario': 70 characters, at most 64 allowed", "length"),
    # the one name check of config.names (issue 23), as it words each rule
    ("scenario name 'aaa' is 45 characters long, at most 40 allowed (files are named after it, …)", "length"),
    ("scenario name 'X': only small Latin letters, digits, _ and -, starting with a letter or a digit", "pattern"),
    ("scenario name 'a__b': '__' separates the two runs in the name of a comparison; use one _ or -", "separator"),
    ("scenario name 'results' is the name of a folder of the project: a folder of every run; choose another name", "reserved"),
    ("scenario name 'nul' names a device on Windows (no file or folder may take it there); choose another name", "reserved"),
    ("scenario name 'x-draft': a name ending in -draft is the folder of a draft (iq run --draft); choose another name",
     "reserved"),
    ("params/scenarios/base.yaml: key 'scenario': 'base' is the name of the run of the edition it extends (…)", "reserved"),
    ("scenario name 'D4': params/scenarios/d4.yaml exists and differs from D4.yaml only in case or in _ against -", "clash"),
    ("scenario name 'd4': params/scenarios/x.yaml already declares scenario 'D4' of edition 2019 (…)", "clash"),
    ("something else entirely", "other"),
])
def test_every_refusal_of_a_name_is_worded_in_russian(refuser, message, key):
    """Each rule a name can break, as the library words it (today's schema and save, and the
    config.names check), is one sentence of the catalogue's ``explorer.refused``."""
    from iqlib.config.paths import display, resolve
    from iqlib.core.errors import UserError
    from iqlib.presentation.words import word

    path = display(resolve(refuser.folder) / "x.yaml")
    assert refuser.refusal(UserError(message), "x") == word("ru", f"explorer.refused.{key}", name="x", path=path)


def test_a_recompute_failing_for_any_reason_marks_the_ranking_not_recomputed(mini, monkeypatch):
    """Not only the library's refusals: any error while recomputing leaves the last ranking
    marked and dimmed, the reason in words and the error folded under them; the next
    change that computes clears the marks."""
    from iqlib.scenarios import Scenario

    shown = table(mini.output.value)

    def broken(self):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Scenario, "compute", broken)
    mini.weights["D2"].value = 2.0
    assert mini.stale == "these settings could not be computed"
    assert "Not recomputed" in mini.status.value and "<code>disk on fire</code>" in mini.status.value
    assert table(mini.output.value) == shown and mini.output.value.count('class="iq-stale"') == 2
    monkeypatch.undo()
    mini.weights["D2"].value = 2.5
    assert mini.stale is None and "iq-stale" not in mini.output.value and table(mini.output.value) != shown


def test_the_optimise_button_fills_the_sliders_with_the_optimised_weights(mini):
    """«Optimise weights» on the fixture: the sliders hold exactly what analysis.optimise
    finds for the base (equal importance, Pearson), the ranking is recomputed once with
    them, and the status gives the gap before and after, smaller after."""
    from iqlib.analysis.optimise import optimise_weights
    from iqlib.scenarios import scenario

    base = scenario(MINI, "whatif")
    fw = base.params.methodology.framework
    expected = optimise_weights(base.result().normalised, fw, fw.level_of("D1"))
    calls = []
    mini._redraw = lambda change=None, _redraw=mini._redraw: (calls.append(change), _redraw(change))[1]
    mini.optimise()
    assert {c: s.value for c, s in mini.weights.items()} == pytest.approx(expected.weights.to_dict(), abs=1e-12)
    assert mini.stale is None and len(calls) == 1
    assert mini.overrides()["weights"] == pytest.approx(expected.weights.to_dict(), abs=1e-12)
    gap = re.search(r"weights optimised: .* ([\d.]+) → ([\d.]+) percentage points", mini.status.value)
    assert gap and float(gap.group(2)) < float(gap.group(1))
