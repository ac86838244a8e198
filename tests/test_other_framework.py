"""Another method version end to end (issue 14): 14 directions, 29 indicators, directions
scored 0–10 and weighted 2 or 1, maximum 260. The engine, the notebooks, the charts and the
pages take every number from the methodology; nothing assumes 47 indicators, 10 directions,
0–12 or 120 points."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import iq

EDITION = "tests/fixtures/v2/edition.yaml"


@pytest.mark.e2e
def test_a_fourteen_direction_260_point_method_runs_end_to_end(tmp_path):
    out = tmp_path / "v2"
    result = iq("run", EDITION, "--out", str(out))
    assert result.returncode == 0, result.stderr
    scores = pd.read_csv(out / "results" / "scores.csv")
    directions = [f"N{d}" for d in range(1, 15)]
    assert list(scores.columns) == ["city_id", "city_ru", "region_ru", "group", *directions, "IQ2", "rank_in_group",
                                    "rank_overall"]
    assert len(scores) == 12 and scores[directions].to_numpy().min() >= 0 and scores[directions].to_numpy().max() <= 10
    # the index is the weighted sum of the directions at full precision: weight 2 for N1–N12, 1 for N13, N14
    agg = pd.read_csv(out / "results" / "aggregates.csv").set_index("city_id")
    weights = np.array([2.0] * 12 + [1.0, 1.0])
    assert np.allclose(agg["IQ2"], agg[directions].to_numpy() @ weights, rtol=0, atol=1e-12)
    assert scores["IQ2"].max() <= 260 and scores["IQ2"].max() > 120      # beyond the first method's maximum
    for chart in (out / "figures").glob("*.svg"):
        svg = chart.read_text(encoding="utf-8")
        assert "(0–260)" in svg or "leaderboard" not in chart.name, chart.name
        assert "0–120" not in svg and "(0–12)" not in svg, chart.name
    pages = [out / "index.html", *sorted((out / "html").glob("*.html"))]
    text = "\n".join(re.sub(r"<[^>]+>", " ", p.read_text(encoding="utf-8")) for p in pages)
    for leftover in ("0–120", "0–12 ", "47 показател", "10 направлени", "IQ городов"):
        assert leftover not in text, leftover
    assert "Тестовый индекс" in text and "Баллы ИТ (0–260)" in "".join(
        p.read_text(encoding="utf-8") for p in (out / "figures").glob("leaderboard_*.svg"))
