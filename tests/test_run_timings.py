"""``iq run`` times its steps (issue 24): one line per step printed, the same seconds kept in
the manifest beside its start and finish times, outside the reproducible outputs."""

from __future__ import annotations

import json
import re

from iqlib.io.hashing import hash_tree
from iqlib.publishing.run import Timings
from iqlib.stages import STAGES

STEPS = ["params", "pre-flight checks",
         *(f"{stage} {part}" for stage in STAGES for part in ("kernel", "cells", "notebook page")),
         "notebook pages written", "audit report", "index page"]


def test_the_run_prints_a_line_per_step_and_keeps_them_in_the_manifest(published_mini):
    run = published_mini / "outputs/2019/mini"
    man = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert list(man["timings"]) == STEPS                       # in the order they happened
    assert all(isinstance(s, float) and 0 <= s < 600 for s in man["timings"].values())
    assert man["timings"]["04_rank cells"] > 0 and man["timings"]["05_report cells"] > 0
    printed = (published_mini.parent / "iq-run.stdout").read_text(encoding="utf-8")
    lines = {m.group(1): float(m.group(2)) for m in re.finditer(r"^  (\S.*?) +(\d+\.\d\d) s$", printed, flags=re.M)}
    assert list(lines) == [*STEPS, "manifest and checksums"]
    assert all(abs(lines[k] - man["timings"][k]) < 0.006 for k in STEPS)   # the same seconds, rounded to 0.01
    # the timings are a record of the run, like its start and finish: no output file holds them
    assert not any("timings" in name for name in hash_tree(run))
    assert set(man["outputs"]) == set(hash_tree(run))


def test_timings_add_up_per_step_in_order():
    t = Timings()
    t.add("b", 1.0)
    t.add("a", 0.25)
    t.add("b", 0.5)
    assert t.seconds == {"b": 1.5, "a": 0.25}
    assert t.lines() == ["  b    1.50 s", "  a    0.25 s"]
    with t.timed("c"):
        pass
    assert list(t.seconds) == ["b", "a", "c"] and 0 <= t.seconds["c"] < 1
