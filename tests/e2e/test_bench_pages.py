"""`python -m bench pages` runs end to end on the demo store and times every step it names (no timing asserted:
speed lives in the benchmark's report, not in tests)."""

from __future__ import annotations

import json

import pytest

from bench import pages

pytestmark = pytest.mark.e2e


def test_bench_pages_times_every_step_of_the_walk(demo_store, capsys):
    pages.main(["--store", str(demo_store), "--profiles", "2", "--sessions", "2"])
    printed = capsys.readouterr().out
    result = json.loads((pages.OUT_DIR / "pages.json").read_text())
    steps = {"open the app", "search", "profile", "meeting brief", *(p.replace("_", " ") for p in pages.PAGES)}
    for run in ("single", "together"):
        assert steps <= set(result[run]), set(result[run])
        assert all(0 < figures["p95"] < 60 for figures in result[run].values())
    assert result["together"]["profile"]["n"] == 2 * 2  # two sessions, two profiles each
    assert "2 sessions p50/p95" in printed
