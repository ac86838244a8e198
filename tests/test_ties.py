"""Statistical ties (``analysis/ties.py``): P(A above B) from the replications' places,
the bands, the rows of results/ties.csv on hand-computed cases; the pre-filter (overlapping
90 % intervals, and neighbours) never leaves out a pair that is not settled; blocks do not
change the counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from iqlib.analysis import ties


def _table(ranks, nominal, groups=None, names=None):
    ranks = np.asarray(ranks, dtype=np.uint16)
    n = ranks.shape[1]
    ids = np.array([f"c{k}" for k in range(n)], dtype=object)
    return ties.ties(ranks, np.asarray(nominal, dtype=float), np.asarray(groups or ["g"] * n, dtype=object), ids,
                     np.asarray(names or [f"Город {k}" for k in range(n)], dtype=object), ["g"])


def test_four_cities_ten_replications_by_hand():
    # places in group of c0..c3 in 10 replications; the edition's places are 1, 2, 3, 4
    r = np.array([[1, 2, 3, 4]] * 6 + [[2, 1, 3, 4]] * 2 + [[1, 1, 4, 3]] + [[3, 1, 2, 4]])
    t = _table(r, [1, 2, 3, 4])
    p = {(a, b): v for a, b, v in zip(t["city_id"], t["other_id"], t["p_above"])}
    # c0 above c1: 6 replications + the shared first place (½) of 10 → 6.5 / 10
    assert p[("c0", "c1")] == pytest.approx(0.65)
    # c1 above c2: every replication → 1.0 (a neighbour: always counted)
    assert p[("c1", "c2")] == 1.0
    # c2 above c3: 9 of 10 → 0.9: settled (≥ 0.9)
    assert p[("c2", "c3")] == pytest.approx(0.9)
    # c0 vs c2: c0's 95th percentile place is 3 (inverted_cdf over 1,1,1,1,1,1,2,2,1,3), c2's 5th is 2: they overlap;
    # c0 above c2 in 9 of 10 (the last row puts c2 2nd and c0 3rd)
    assert p[("c0", "c2")] == pytest.approx(0.9)
    # one band: c0 and c1 (0.65 < 0.9); c1–c2 and c2–c3 are settled
    assert t.loc[(t["city_id"] == "c0") & (t["other_id"] == "c1"), "band"].tolist() == [1]
    assert t["band"].notna().sum() == 1
    assert list(t.columns) == ties.COLUMNS
    rows = ties.band_rows(t)
    assert rows[["group", "band", "first", "last"]].values.tolist() == [["g", 1, 1, 2]]
    assert rows["names"].tolist() == [["Город 0", "Город 1"]]


def test_a_chain_of_unsettled_neighbours_is_one_band_and_bands_are_numbered_in_order():
    # neighbours' P: c0–c1 0.6 (open), c1–c2 0.95, c2–c3 0.5, c3–c4 0.7, c4–c5 1.0 → {c0, c1}, {c2, c3, c4}; c5 in none
    assert ties.bands(np.array([0.6, 0.95, 0.5, 0.7, 1.0])).tolist() == [1, 1, 2, 2, 2, 0]
    assert ties.bands(np.array([0.95, 0.99])).tolist() == [0, 0, 0]
    assert ties.bands(np.array([np.nan])).tolist() == [1, 1]          # never placed together: not settled
    assert ties.bands(np.array([], dtype=float)).tolist() == [0]


def test_shared_places_count_one_half_and_replications_without_a_place_are_left_out():
    ranks = np.array([[1, 1], [1, 2], [0, 1], [2, 1]], dtype=np.uint16)      # 0: no place in that replication
    assert ties.shares(ranks, np.array([0]), np.array([1])).tolist() == [pytest.approx((0.5 + 1 + 0) / 3)]


def test_groups_are_apart_and_cities_without_a_place_are_left_out():
    r = np.array([[1, 2, 1, 2, 1]] * 4 + [[2, 1, 1, 2, 1]] * 6)
    t = _table(r, [1, 2, 1, 2, np.nan], groups=["g", "g", "h", "h", "h"])
    assert t[["group", "city_id", "other_id"]].values.tolist() == [["g", "c0", "c1"], ["h", "c2", "c3"]]
    assert t["p_above"].tolist() == [pytest.approx(0.4), 1.0]
    assert t["band"].iloc[0] == 1 and t["band"].iloc[1] is pd.NA


def test_the_pre_filter_keeps_every_pair_that_is_not_settled():
    rng = np.random.default_rng(3)
    for trial in range(20):
        n, reps = int(rng.integers(3, 30)), int(rng.integers(5, 200))
        noise = rng.normal(size=(reps, n)) * rng.uniform(0.1, 3) + np.sort(rng.normal(size=n) * 2)[None, :]
        ranks = (np.argsort(np.argsort(noise, axis=1), axis=1) + 1).astype(np.uint16)
        nominal = np.arange(1, n + 1, dtype=float)
        t = _table(ranks, nominal)
        kept = set(zip(t["city_id"], t["other_id"]))
        for a in range(n):
            for b in range(a + 1, n):
                pab = ((ranks[:, a] < ranks[:, b]).sum() + 0.5 * (ranks[:, a] == ranks[:, b]).sum()) / reps
                if pab < ties.SETTLED:
                    assert (f"c{a}", f"c{b}") in kept, (trial, a, b, pab)
                if (f"c{a}", f"c{b}") in kept:
                    got = t.loc[(t["city_id"] == f"c{a}") & (t["other_id"] == f"c{b}"), "p_above"].item()
                    assert got == pytest.approx(pab, abs=1e-12)


def test_blocks_do_not_change_the_table(monkeypatch):
    rng = np.random.default_rng(5)
    noise = rng.normal(size=(300, 40)) + np.linspace(0, 4, 40)[None, :]
    ranks = (np.argsort(np.argsort(noise, axis=1), axis=1) + 1).astype(np.uint16)
    whole = _table(ranks, np.arange(1, 41))
    monkeypatch.setattr(ties, "ELEMENTS", 7)
    pd.testing.assert_frame_equal(_table(ranks, np.arange(1, 41)), whole)


def test_each_city_lists_the_cities_it_is_not_told_apart_from():
    r = np.array([[1, 2, 3]] * 5 + [[2, 1, 3]] * 4 + [[3, 2, 1]])
    t = _table(r, [1, 2, 3])
    # c0 above c1 in 5 of 10 (the last replication too puts c1 above c0), above c2 in 9 of 10 (settled);
    # c1 above c2 in 9 of 10 (settled)
    open_ = ties.unsettled(t)
    assert open_["c0"] == [("c1", "Город 1", 0.5)]
    assert open_["c1"] == [("c0", "Город 0", 0.5)]
    assert "c2" not in open_


# --------------------------------------------------------------------------- the published edition's pages
@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from pathlib import Path

    from iqlib.publishing import passport, site
    root = Path(__file__).resolve().parents[1]
    runs = site.published_runs(root / "outputs")
    run = next(r for r in runs if r.key == "2019/base")
    site_run = site.SiteRun(run, runs, tmp_path_factory.mktemp("ties") / "2019" / "base")
    made = passport.Passports(site_run)
    made._queue = lambda context, path: None
    return site_run, made, pd.read_csv(root / "outputs/2019/base/results/ties.csv")


def test_the_published_run_has_its_ties_and_a_group_page_shows_its_bands(published):
    site_run, _, table = published
    assert list(table.columns) == ties.COLUMNS and len(table)
    # every neighbour pair of every group is there, and a band's neighbours are the unsettled ones
    scores = site_run.r.scores
    for g, part in scores.groupby("group"):
        order = part.sort_values(["rank_in_group"], kind="stable").index.tolist()
        pairs = table[table["group"] == g]
        got = dict(zip(zip(pairs["city_id"], pairs["other_id"]), pairs["p_above"]))
        neighbours = [got[(a, b)] for a, b in zip(order, order[1:])]
        assert (ties.bands(np.array(neighbours)) > 0).sum() == \
            len(set(pairs.dropna(subset=["band"])[["city_id", "other_id"]].to_numpy().ravel()))
    bands = site_run._tie_bands("krupneyshie")
    rows = ties.band_rows(table[table["group"] == "krupneyshie"])
    assert [b["places"] for b in bands["bands"]] == [f"Места {a}–{b}" for a, b in zip(rows["first"], rows["last"])]
    assert [[c["name"] for c in b["cities"]] for b in bands["bands"]] == rows["names"].tolist()
    site_run.group_page("krupneyshie")
    page = (site_run.out / "group-krupneyshie.html").read_text(encoding="utf-8")
    assert "<h2>Статистически неотличимые места</h2>" in page
    assert page.count("— статистически неотличимы</li>") == len(rows)


def test_a_passport_names_the_cities_it_is_not_told_apart_from(published):
    _, made, table = published
    open_ = ties.unsettled(table)
    city = next(c for c, others in open_.items() if len(others) >= 2)
    context = made.page(city)
    assert [o["name"] for o in context["ties"]["others"]] == [n for _, n, _ in open_[city]]
    share = f"{100 * open_[city][0][2]:.1f}".replace(".", ",")
    assert context["ties"]["line"].startswith("Статистически неотличим от: ") and f"{share}\u00a0% прогонов" in context["ties"]["line"]
    settled = next(c for c in made.s.r.scores.index if c not in open_)
    assert made.page(settled)["ties"]["line"] == made.page(settled)["ties"]["none"]


def test_a_city_missing_from_some_replications_is_counted_with_every_city():
    # c0 1st in 96 of 100 replications (its 95th percentile place is 1), c2 placed only in the 4 others, 3rd (its 5th
    # percentile place is 3): the intervals do not overlap, yet in every replication placing both c2 is above c0
    r = np.array([[1, 2, 0]] * 96 + [[5, 4, 3]] * 4)
    t = _table(r, [1, 2, 3])
    p = {(a, b): v for a, b, v in zip(t["city_id"], t["other_id"], t["p_above"])}
    assert p[("c0", "c2")] == 0.0
    assert ties.unplaced(r.astype(np.uint16)).tolist() == [False, False, True]


def test_the_csv_rows_of_the_hand_built_case_exactly(tmp_path):
    from iqlib.io.runfolder import RunFolder
    r = np.array([[1, 2, 3, 4]] * 6 + [[2, 1, 3, 4]] * 2 + [[1, 1, 4, 3]] + [[3, 1, 2, 4]])
    run = RunFolder(tmp_path)
    run.results.mkdir(parents=True, exist_ok=True)
    path = run.write_csv("ties.csv", _table(r, [1, 2, 3, 4]), float_format="%.4f")   # as stage 04 writes it
    # 90 % intervals (inverted_cdf): c0 [1, 3], c1 [1, 2], c2 [2, 4], c3 [3, 4]; counted: the neighbours and the
    # overlapping pairs, i.e. all but c1–c3 (2 < 3); c0 above c3 in every replication
    assert path.read_text(encoding="utf-8") == (
        "group,band,city_id,city_ru,rank_in_group,other_id,other_ru,other_rank,p_above\n"
        "g,1,c0,Город 0,1,c1,Город 1,2,0.6500\n"
        "g,,c0,Город 0,1,c2,Город 2,3,0.9000\n"
        "g,,c0,Город 0,1,c3,Город 3,4,1.0000\n"
        "g,,c1,Город 1,2,c2,Город 2,3,1.0000\n"
        "g,,c2,Город 2,3,c3,Город 3,4,0.9000\n")


def test_the_pre_filter_keeps_every_unsettled_pair_when_some_replications_leave_cities_out():
    rng = np.random.default_rng(11)
    for trial in range(15):
        n, reps = int(rng.integers(3, 20)), int(rng.integers(10, 150))
        noise = rng.normal(size=(reps, n)) * rng.uniform(0.1, 2) + np.sort(rng.normal(size=n) * 2)[None, :]
        ranks = (np.argsort(np.argsort(noise, axis=1), axis=1) + 1).astype(np.uint16)
        ranks[rng.random((reps, n)) < 0.05] = 0                                   # no place in that replication
        t = _table(ranks, np.arange(1, n + 1, dtype=float))
        kept = set(zip(t["city_id"], t["other_id"]))
        for a in range(n):
            for b in range(a + 1, n):
                both = (ranks[:, a] > 0) & (ranks[:, b] > 0)
                if not both.any():
                    continue
                ra, rb = ranks[both, a], ranks[both, b]
                pab = ((ra < rb).sum() + 0.5 * (ra == rb).sum()) / both.sum()
                if pab < ties.SETTLED:
                    assert (f"c{a}", f"c{b}") in kept, (trial, a, b, pab)


def test_a_run_without_an_uncertainty_analysis_has_no_band():
    from pathlib import Path

    from iqlib.config.params import load_params
    from iqlib.presentation import tables
    params = load_params(Path(__file__).resolve().parents[1] / "params" / "editions" / "2019.yaml")
    assert ties.band_rows(pd.DataFrame()).empty
    shown = tables.tie_bands(pd.DataFrame(), params)     # notebook 04 of an edition without uncertainty: an empty table
    assert shown.empty and list(shown.columns) == ["group", "tie_places", "tie_cities"]
