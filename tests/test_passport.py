"""The city passport: direction places, peers and the leader's margins on hand-computed
cases; the levers' batched re-scoring against a full re-run of the pipeline; the PDF (one
A4 page, fonts embedded, the same bytes twice); the page names the leader and says what
can be compared across years."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import iqlib
from iqlib.analysis import passport as ap
from iqlib.config.params import load_params
from iqlib.io import inputs
from iqlib.io.runfolder import RunFolder
from iqlib.presentation import site as pages
from iqlib.presentation.words import words
from iqlib.publishing import passport as pp
from iqlib.publishing import site

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "outputs" / "2019" / "base"


# --------------------------------------------------------------------------- hand-computed
def test_direction_places_rank_within_the_group_with_the_project_s_tie_rule():
    aggregates = pd.DataFrame({"D1": [5.0, 7.0, 5.0 + 1e-14, 1.0, 9.0], "D2": [0.0, 3.0, 2.0, 8.0, 8.0]},
                              index=["a", "b", "c", "d", "e"])
    groups = pd.Series(["g", "g", "g", "h", "h"], index=aggregates.index)
    places = ap.direction_places(aggregates, groups, ["D1", "D2"])
    # D1 in g: b 7 first; a and c equal within 1e-12 share place 2; in h: e 9 first, d second
    assert places["D1"].tolist() == [2, 1, 2, 2, 1]
    # D2 in g: b 3, c 2, a 0; in h: d and e tie at 8
    assert places["D2"].tolist() == [3, 1, 2, 1, 1]


def test_peers_are_the_nearest_profiles_in_the_group_ties_by_code():
    profiles = pd.DataFrame({"D1": [0.0, 3.0, 0.0, 4.0, 100.0], "D2": [0.0, 4.0, 5.0, 0.0, 100.0]},
                            index=["a", "b", "c", "d", "x"])
    groups = pd.Series(["g", "g", "g", "g", "h"], index=profiles.index)
    table = ap.peers(profiles, groups, k=3)
    of_a = table[table["city_id"] == "a"]
    # from a (0, 0): b (3, 4) → 5, c (0, 5) → 5, d (4, 0) → 4; b and c tie at 5: by code
    assert of_a["peer"].tolist() == ["d", "b", "c"]
    assert of_a["distance"].tolist() == [4.0, 5.0, 5.0]
    of_b = table[table["city_id"] == "b"]
    # from b (3, 4): d √17, c √10, a 5 → c, d, a
    assert of_b["peer"].tolist() == ["c", "d", "a"]
    assert of_b["distance"].tolist() == pytest.approx([np.sqrt(10), np.sqrt(17), 5.0])
    assert table[table["city_id"] == "x"].empty          # alone in its group: no peer from another group


def test_peers_skip_a_missing_direction_and_scale_the_distance():
    profiles = pd.DataFrame({"D1": [0.0, 1.0, 2.0], "D2": [0.0, np.nan, 2.0]}, index=["a", "b", "c"])
    table = ap.peers(profiles, pd.Series("g", index=profiles.index), k=2)
    of_a = table[table["city_id"] == "a"]
    # a–b on D1 only: √(1 · 2/1) = √2; a–c: √8
    assert of_a["peer"].tolist() == ["b", "c"]
    assert of_a["distance"].tolist() == pytest.approx([np.sqrt(2), np.sqrt(8)])


def test_the_leader_s_margins_over_the_runner_up_smallest_first():
    profiles = pd.DataFrame({"D1": [6.0, 5.0, 1.0], "D2": [2.0, 4.0, 1.0], "D3": [3.0, 2.5, 0.0]}, index=["a", "b", "c"])
    index = profiles.sum(axis=1).rename("IQ")                 # a 11, b 11.5, c 2
    ranks = pd.Series([2, 1, 3], index=profiles.index)
    table = ap.runner_up_margins(profiles, index, ranks, pd.Series("g", index=profiles.index))
    assert table["leader"].unique().tolist() == ["b"] and table["runner_up"].unique().tolist() == ["a"]
    assert table["node"].tolist() == ["IQ", "D1", "D3", "D2"]
    assert table["margin"].tolist() == pytest.approx([0.5, -1.0, -0.5, 2.0])


def test_strengths_and_weaknesses_on_a_dict_match_the_summaries():
    from iqlib.analysis import summaries
    deltas = {"D1": 1.0, "D2": -2.0, "D3": 1.0, "D4": 0.0, "D5": -2.0, "D6": 3.0, "D7": -0.5}
    up, down = summaries.strengths_and_weaknesses(pd.Series(deltas))
    mine = pp.strengths_and_weaknesses(deltas)
    assert list(mine[0].items()) == list(up.items()) and list(mine[1].items()) == list(down.items())


# --------------------------------------------------------------------------- levers
def test_peers_in_blocks_equal_one_block_and_a_plain_sort(monkeypatch):
    """Distances are taken a block of cities at a time (bounded memory in groups of
    thousands): tiny blocks give the same table as one block, and each city's peers are
    those of a plain sort of all its group's distances (distance, then code)."""
    rng = np.random.default_rng(7)
    ids = [f"c{i:03d}" for i in rng.permutation(120)]
    profiles = pd.DataFrame(rng.integers(0, 4, size=(120, 3)).astype(float), index=ids, columns=["D1", "D2", "D3"])
    profiles.iloc[rng.integers(0, 120, 30), rng.integers(0, 3, 30)] = np.nan
    profiles.iloc[4] = np.nan                                  # no direction at all: at distance ∞ from everyone
    groups = pd.Series(rng.choice(["a", "b", "c"], 120, p=[0.7, 0.28, 0.02]), index=ids)
    whole = ap.peers(profiles, groups, k=5)
    monkeypatch.setattr(ap, "ELEMENTS", 7)
    pd.testing.assert_frame_equal(ap.peers(profiles, groups, k=5), whole)
    for cid in ids[:15]:
        same = [o for o in ids if o != cid and groups[o] == groups[cid]]
        a = profiles.loc[cid].to_numpy()

        def dist(o: str, a=a) -> float:
            b = profiles.loc[o].to_numpy()
            both = ~np.isnan(a) & ~np.isnan(b)
            return float(np.sqrt(((a - b)[both] ** 2).sum() * 3 / both.sum())) if both.any() else np.inf
        expected = sorted(same, key=lambda o: (dist(o), o))[:5]
        assert whole[whole["city_id"] == cid]["peer"].tolist() == expected


def test_levers_in_blocks_of_cases_equal_one_block(monkeypatch):
    """The batched re-scoring runs a block of cases at a time (each case is a column as long
    as the roster): blocks of 3 cases, or of one, give the same table, bit for bit, as one
    block (a block of one pair once summed its children in another order)."""
    params, values, cities = _run_inputs(RUN)
    fw = params.methodology.framework
    bounds = inputs.goalpost_bounds(params, values, cities)
    picks = ["moskva", "reutov", "kazan"]
    whole = ap.levers(values, cities, fw, bounds, own_bounds=True, ids=picks)
    assert len(whole) > 3 * 10 and len(whole) % 3 == 1          # blocks of 3: the last case is a block alone
    for cases_per_block in (3, 1):
        monkeypatch.setattr(ap, "ELEMENTS", cases_per_block * len(values.index))
        blocked = ap.levers(values, cities, fw, bounds, own_bounds=True, ids=picks)
        pd.testing.assert_frame_equal(blocked, whole, check_exact=True)


def _run_inputs(folder: Path):
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    params = load_params(man["params"]["path"])
    run = RunFolder(folder)
    cities = run.read_csv("cities.csv")
    values = run.read_csv("values.csv", index=True)[params.methodology.indicator_codes()]
    return params, values, cities


def _check_against_full_runs(table, values, cities, fw, bounds, own):
    assert len(table)
    for r in table.itertuples():
        index, rank = ap.rescore(values, cities, fw, bounds, own, r.city_id, r.indicator, r.best)
        assert (r.new_index, r.new_rank) == (index, rank), (r.city_id, r.indicator)
        assert r.places == r.rank - rank


def _goalpost_movers(values, cities, fw):
    """(city, indicator) where the city is alone at its group's worst value: raising it moves
    the min–max goalpost for every city of the group."""
    group = cities.set_index("city_id")["group"].reindex(values.index)
    oriented = values * fw.polarities()[values.columns]
    worst = oriented.groupby(group.to_numpy()).transform("min")
    alone = (oriented == worst) & (oriented.eq(worst).groupby(group.to_numpy()).transform("sum") == 1)
    return [(c, i) for c, i in zip(*np.nonzero(alone.to_numpy()))]


@pytest.mark.slow   # about fifty full re-runs of an edition: `make test`, not the fast loop
def test_levers_equal_a_full_re_run_for_moved_goalposts_missing_and_imputed_values():
    params, values, cities = _run_inputs(RUN)
    fw = params.methodology.framework
    bounds = inputs.goalpost_bounds(params, values, cities)
    movers = _goalpost_movers(values, cities, fw)
    missing = list(zip(*np.nonzero(values.isna().to_numpy())))
    picks = sorted({values.index[c] for c, _ in movers[:3] + missing[:3]} | {"reutov"})
    table = ap.levers(values, cities, fw, bounds, own_bounds=True, ids=picks)
    # every kind of case is there: a moved goalpost, a missing value (excluded or imputed as 0)
    cases = set(zip(table["city_id"], table["indicator"]))
    assert {(values.index[c], values.columns[i]) for c, i in movers[:3]} <= cases
    assert {(values.index[c], values.columns[i]) for c, i in missing[:3]} <= cases
    rng = np.random.default_rng(0)
    sample = table.iloc[np.sort(rng.choice(len(table), 25, replace=False))]
    must = table[[(c, i) in {(values.index[a], values.columns[b]) for a, b in movers[:3] + missing[:3]}
                  for c, i in zip(table["city_id"], table["indicator"])]]
    _check_against_full_runs(pd.concat([sample, must]).drop_duplicates(), values, cities, fw, bounds, True)
    # a moved goalpost really moves other cities: the batch had to re-score them
    c, i = values.index[movers[0][0]], values.columns[movers[0][1]]
    x = values.copy()
    x.at[c, i] = float(table[(table["city_id"] == c) & (table["indicator"] == i)]["best"].iloc[0])
    before = iqlib.core.engine.compute(values, cities, fw, bounds).normalised[i]
    after = iqlib.core.engine.compute(x, cities, fw, bounds).normalised[i]
    assert (before != after).sum() > 1


@pytest.mark.slow   # about fifty full re-runs of an edition: `make test`, not the fast loop
def test_levers_equal_a_full_re_run_with_imputation_treatment_and_own_goalposts():
    """A method where one value moves others in every step: group means fill the gaps, the
    JRC rule winsorises, and the upper goalpost is this edition's own maximum."""
    s = iqlib.scenario("params/editions/2019.yaml", missing="group_mean", treatment={"method": "jrc"},
                       normalisation={"method": "goalposts", "lower": 0, "upper": "base_max", "scale": 12, "within": "all"})
    params = s.params
    assert not params.edition.base_edition
    _, values, cities = _run_inputs(RUN)
    fw = params.methodology.framework
    bounds = inputs.goalpost_bounds(params, values, cities)
    # polarity −1: the best is the lowest; raising the city that holds the maximum lowers the upper post
    neg = [c for c in values.columns if fw.polarity[c] < 0]
    holder = values[neg[0]].idxmax()
    table = ap.levers(values, cities, fw, bounds, own_bounds=True, ids=[holder, "reutov", "moskva"])
    assert ((table["city_id"] == holder) & (table["indicator"] == neg[0])).any()
    rng = np.random.default_rng(1)
    sample = table.iloc[np.sort(rng.choice(len(table), 20, replace=False))]
    must = table[(table["city_id"] == holder) & (table["indicator"] == neg[0])]
    _check_against_full_runs(pd.concat([sample, must]).drop_duplicates(), values, cities, fw, bounds, True)


def test_levers_with_a_base_edition_s_goalposts_equal_a_full_re_run():
    folder = ROOT / "outputs" / "2019" / "reference-bounds"
    params, values, cities = _run_inputs(folder)
    assert params.edition.base_edition
    fw = params.methodology.framework
    bounds = inputs.goalpost_bounds(params, values, cities)
    table = ap.levers(values, cities, fw, bounds, own_bounds=False, ids=["reutov", "kazan"])
    rng = np.random.default_rng(2)
    _check_against_full_runs(table.iloc[np.sort(rng.choice(len(table), 12, replace=False))], values, cities, fw, bounds,
                             False)


def test_the_nominal_re_scoring_is_the_published_run():
    params, values, cities = _run_inputs(RUN)
    fw = params.methodology.framework
    base = ap.nominal(values, cities, fw, inputs.goalpost_bounds(params, values, cities))
    aggregates = RunFolder(RUN).read_csv("aggregates.csv", index=True)
    assert (base.index.reindex(aggregates.index) == aggregates[fw.index_code]).all()
    scores = RunFolder(RUN).read_csv("scores.csv", index=True)
    assert (base.rank.reindex(scores.index).astype(int) == scores["rank_in_group"]).all()


def test_a_value_already_the_best_is_no_lever_and_a_pca_method_is_scored_case_by_case():
    params, values, cities = _run_inputs(RUN)
    fw = params.methodology.framework
    table = ap.levers(values, cities, fw, None, own_bounds=True, ids=["moskva"])
    group = cities.set_index("city_id").at["moskva", "group"]
    best = ap.best_values(values, cities.set_index("city_id")["group"], fw.polarities()).loc[group]
    at_best = [i for i in values.columns if values.at["moskva", i] == best[i]]
    assert at_best and not set(at_best) & set(table["indicator"])
    pca = iqlib.scenario("params/editions/2019.yaml", aggregation={"direction": {"method": "weighted_mean", "weights": "pca"}})
    assert ap.batchable(fw) and not ap.batchable(pca.params.methodology.framework)


# --------------------------------------------------------------------------- page and PDF
@pytest.fixture(scope="module")
def passports(tmp_path_factory):
    runs = site.published_runs(ROOT / "outputs")
    run = next(r for r in runs if r.key == "2019/base")
    site_run = site.SiteRun(run, runs, tmp_path_factory.mktemp("passport") / "2019" / "base")
    made = pp.Passports(site_run)
    made._queue = lambda context, path: None           # the PDFs are drawn by the tests below
    return made


def test_the_page_names_the_leader_and_says_what_compares_across_years(passports):
    context = passports.page("reutov")
    page = pages.render("city", "ru", "../../../", section="passport", **context)
    w = words("ru", "passport")
    leader = passports.s.r.scores.sort_values("rank_in_group", kind="stable")
    leader = leader[leader["group"] == passports.s.r.scores.at["reutov", "group"]]["city_ru"].iloc[0]
    assert f"Лидер группы ({leader})" in page and f'>{leader}</a>' in page
    assert w["comparability"] in page and w["trend_heading"] in page
    assert 'href="reutov.pdf"' in page
    assert len(re.findall(r'<svg[^>]*role="img"', page)) == 2      # the directions and the trend
    # the trend's table: every edition of the series with both scores
    panel = pd.read_csv(ROOT / "outputs/series/iq_v1/results/panel.csv")
    mine = panel[panel["city_id"] == "reutov"]
    for score in mine["score_fixed"]:
        assert f"{score:.2f}".replace(".", ",") in page
    # the places on each direction, as computed
    n = int((passports.s.r.scores["group"] == passports.s.r.scores.at["reutov", "group"]).sum())
    assert [d["place"] for d in context["directions"]] == [f"{passports.places.at['reutov', d]} из {n}"
                                                           for d in passports.s.directions]


def test_the_leader_gets_its_margins_and_presence_is_yes_no_or_a_share_with_its_rule(passports):
    scores = passports.s.r.scores
    lead = scores[(scores["rank_in_group"] == 1)].index[0]
    context = passports.page(lead)
    assert context["margins"] is not None and context["leader"]["is_city"]
    page = pages.render("city", "ru", "../../../", section="passport", **context)
    assert "Отрыв от второго места" in page and context["margins"]["runner_up"] in page
    rows = {r["name"].split()[0]: r for r in passports.page("moskva")["indicators"]}
    raw = passports.s.r.values.loc["moskva"]
    assert raw["I04"] == 1.0 and rows["I04"]["raw"] == "есть" and rows["I04"]["unit"] == "есть / нет"
    assert raw["I09"] == 0.0 and rows["I09"]["raw"] == "нет"
    assert 0 < raw["I01"] < 1 and rows["I01"]["raw"] == "доля 0,455"
    assert rows["I01"]["rule"].startswith("I01: доля подкритериев анкеты (11)")


def _pdf(passports, city: str) -> bytes:
    return pp.render_pdf(pp.pdf_job(passports.page(city), passports.w, "ru"))


def test_the_pdf_is_one_a4_page_with_its_fonts_embedded_and_the_same_bytes_twice(passports):
    data = _pdf(passports, "reutov")
    assert data.startswith(b"%PDF-1.")
    assert data == _pdf(passports, "reutov")
    assert len(re.findall(rb"/Type /Page\b", data)) == 1
    box = re.search(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", data)
    assert box and round(float(box.group(1))) == 595 and round(float(box.group(2))) == 842
    assert data.count(b"/FontFile2") == 2 and data.count(b"/ToUnicode") == 2      # regular and bold, subsets
    # the city's name is drawn and extractable: the fonts' ToUnicode maps map its letters back
    streams = [zlib.decompressobj().decompress(m.group(1)) for m in re.finditer(rb"(?<!end)stream\r?\n(.*?)endstream", data, re.S)
               if m.group(1)[:2] in (b"x\x9c", b"x\xda")]
    cmaps = b"".join(s for s in streams if b"beginbfchar" in s)
    for letter in "Реутов":
        assert f"<{ord(letter):04X}>".encode() in cmaps
    assert _pdf(passports, "kazan") != data


def _font_streams(data: bytes) -> list[bytes]:
    """The embedded font files of a PDF, as written (compressed)."""
    return [m.group(1) for m in re.finditer(rb"/Length1 \d+[^>]*>>\s*stream\r?\n(.*?)endstream", data, re.S)]


def test_every_passport_embeds_the_same_font_subsets_made_once(passports, monkeypatch):
    """Passports embed COMMON's characters first, so every city's PDF holds the same font
    subsets, made and compressed once per process; a name with a letter outside COMMON
    gets subsets of its own (its letter drawn and extractable), and the shared ones are
    untouched by it."""
    from reportlab.pdfbase import pdfmetrics

    from iqlib.publishing import pdf as shared

    reutov, kazan = _pdf(passports, "reutov"), _pdf(passports, "kazan")
    fonts = _font_streams(reutov)
    assert len(fonts) == 2 and fonts == _font_streams(kazan)          # regular and bold, the same bytes
    for packed in fonts:                                              # whole TrueType fonts with every COMMON glyph
        font = zlib.decompress(packed)
        assert font[:4] == b"\x00\x01\x00\x00" and len(font) > 20_000
    made = []
    for name in (shared.FONT, shared.BOLD):
        cache = pdfmetrics.getFont(name).face.makeSubset.__self__
        assert isinstance(cache, shared._SubsetCache)
        monkeypatch.setattr(cache, "make", lambda codes, made=made: made.append(codes) or b"")
    assert _pdf(passports, "moskva")[:8] == b"%PDF-1.4" and made == []     # nothing made again for a third city
    monkeypatch.undo()
    # a name with a letter outside COMMON: its own subsets, the letter mapped back for extraction
    context = passports.page("reutov")
    context["city"] = {**context["city"], "name": "Øresund-Реутов"}
    data = pp.render_pdf(pp.pdf_job(context, passports.w, "ru"))
    assert _font_streams(data)[0] != fonts[0] or _font_streams(data)[1] != fonts[1]
    cmaps = b"".join(zlib.decompress(m.group(1)) for m in re.finditer(rb"(?<!end)stream\r?\n(.*?)endstream", data, re.S)
                     if m.group(1)[:2] in (b"x\x9c", b"x\xda") and b"beginbfchar" in zlib.decompress(m.group(1)))
    assert f"<{ord('Ø'):04X}>".encode() in cmaps
    assert _font_streams(_pdf(passports, "reutov")) == fonts                # the shared subsets unchanged by it
