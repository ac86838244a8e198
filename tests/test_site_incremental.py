"""The incremental site (issue 24): ``iq site`` builds again only the runs whose inputs
changed; what it keeps and what it writes are the bytes a build from scratch writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from iqlib.publishing import site as site_module
from iqlib.publishing.site import STATE, build_site, published_runs, run_keys


def _files(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Every file under ``folder``: its modification time (ns) and bytes."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _keys(outputs: Path) -> dict[str, str]:
    runs = published_runs(outputs)
    return run_keys(runs, outputs, {r.key: None for r in runs})


@pytest.mark.slow
def test_a_run_key_changes_with_its_own_files_and_with_the_runs_its_pages_read(tmp_path):
    """The published demo runs: a file of the scenario run changes its key only; a file of
    the 2018 base run changes the keys of every base run (their city pages show each
    edition of the scenario) but not the scenario's (it reads the 2019 base run only)."""
    outputs = tmp_path / "outputs"
    shutil.copytree(ROOT / "outputs", outputs)
    before = _keys(outputs)
    assert set(before) == {"2018/base", "2019/base", "2019/reference-bounds", "2020/base", "2021/base"}
    assert len(set(before.values())) == 5
    assert _keys(outputs) == before                             # the same inputs, the same keys

    scores = outputs / "2019/reference-bounds/results/scores.csv"
    scores.write_bytes(scores.read_bytes() + b"\n")
    after = _keys(outputs)
    assert {k for k in before if after[k] != before[k]} == {"2019/reference-bounds"}

    old = outputs / "2018/base/results/values.csv"
    old.write_bytes(old.read_bytes() + b"\n")
    later = _keys(outputs)
    assert {k for k in after if later[k] != after[k]} == {"2018/base", "2019/base", "2020/base", "2021/base"}


@pytest.mark.slow
def test_a_second_build_with_nothing_changed_rewrites_nothing(demo_site, tmp_path):
    """The site of every published run built again over itself: no run is built, and every
    file keeps its bytes and its modification time."""
    site = tmp_path / "site"
    shutil.copytree(demo_site, site)                            # copy2: the times come along
    before = _files(site)
    built = build_site(ROOT / "outputs", site, log=lambda _: None)
    assert built.rebuilt == []
    assert built.kept == ["2018/base", "2019/base", "2019/reference-bounds", "2020/base", "2021/base"]
    assert _files(site) == before


@pytest.mark.slow
def test_a_changed_run_is_built_again_and_the_site_is_the_one_a_build_from_scratch_makes(published_mini, tmp_path):
    """The fixture run published, its site built; then a file of the run changes (its
    manifest's finishing time, which the data package shows as its creation date): the
    next build makes that run again, and its site is byte for byte a build from scratch.
    A build that fails then leaves that site as it was; a page changed by hand in the site
    has its run built again."""
    outputs = tmp_path / "outputs"
    shutil.copytree(published_mini / "outputs", outputs)
    site = tmp_path / "site"
    first = build_site(outputs, site, log=lambda _: None)
    assert first.rebuilt == ["2019/mini"] and first.kept == []
    state = json.loads((site / STATE).read_text(encoding="utf-8"))["runs"]
    assert list(state) == ["2019/mini"] and len(state["2019/mini"]["key"]) == 64

    manifest = outputs / "2019/mini/manifest.json"
    record = json.loads(manifest.read_text(encoding="utf-8"))
    record["finished"] = "2030-01-02T03:04:05+00:00"
    manifest.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    again = build_site(outputs, site, log=lambda _: None)
    assert again.rebuilt == ["2019/mini"] and again.kept == []
    assert "2030-01-02" in (site / "2019/mini/downloads/data/datapackage.json").read_text(encoding="utf-8")

    scratch = build_site(outputs, tmp_path / "scratch", log=lambda _: None, incremental=False)
    assert scratch.rebuilt == ["2019/mini"]
    assert {k: v[1] for k, v in _files(site).items()} == {k: v[1] for k, v in _files(tmp_path / "scratch").items()}

    # a build that fails after moving the kept run out of the old site puts it back: the old site is whole
    before = _files(site)

    def broken(*args, **kwargs):
        raise RuntimeError("the API could not be written")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(site_module.opendata, "write_api", broken)
        with pytest.raises(RuntimeError, match="API"):
            build_site(outputs, site, log=lambda _: None)
    assert _files(site) == before
    assert not (tmp_path / ".site-building").exists()

    # a page of the run changed by hand: the run is built again, the page as a build from scratch has it
    page = next((site / "2019/mini/city").glob("*.html"))
    page.write_text("changed by hand", encoding="utf-8")
    mended = build_site(outputs, site, log=lambda _: None)
    assert mended.rebuilt == ["2019/mini"]
    assert {k: v[1] for k, v in _files(site).items()} == {k: v[1] for k, v in _files(tmp_path / "scratch").items()}
