"""Live sync in a real browser: an assignment made in the dashboard survives a command-line load that runs while
the dashboard holds the store, and the new posts appear without a restart."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PROJECT, free_port, start_dashboard, stop_dashboard
from tests.e2e.test_browser import RENDER_TIMEOUT, settle

pytestmark = pytest.mark.e2e
NEW_POST = "My Ridgeline tent arrived with a snapped pole and nobody answers my emails, really disappointed"


@pytest.fixture
def live_dashboard(demo_store, tmp_path):
    store_file = tmp_path / "live.duckdb"
    shutil.copy(demo_store, store_file)
    process, url = start_dashboard(store_file, free_port(), tmp_path / "streamlit.log")
    yield url, store_file
    stop_dashboard(process)


def metric(page: Page, label: str) -> int:
    """The value of the metric with this label."""
    found = page.locator('[data-testid="stMetric"]', has_text=label).locator('[data-testid="stMetricValue"]')
    return int(found.inner_text().replace(",", ""))


def test_assignment_survives_a_concurrent_load_and_new_posts_appear(page: Page, live_dashboard, tmp_path):
    url, store_file = live_dashboard
    page.goto(f"{url}/social_inbox")
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    assert metric(page, "In the queue") > 0
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 52)  # select the first post in the queue
    assignee = page.get_by_role("textbox", name="Assign to")
    expect(assignee).to_be_visible(timeout=RENDER_TIMEOUT)
    assignee.fill("e2e-agent@fernwood.example")
    page.get_by_role("button", name="Save").click()
    settle(page)
    expect(page.locator("td[role=gridcell]", has_text="e2e-agent@fernwood.example").first).to_be_attached(
        timeout=RENDER_TIMEOUT)

    posts = tmp_path / "new_posts.jsonl"
    posts.write_text(json.dumps({"post_id": "live-1", "posted_at": datetime.now(UTC).isoformat(),
                                 "network": "mastodon", "handle": "@late_larry@example.social",
                                 "author_name": "Larry Late", "text": NEW_POST}) + "\n")
    load = subprocess.run([sys.executable, "-m", "rapport", "load", "social_posts", str(posts),
                           "--source", "live"], cwd=PROJECT, env={**os.environ, "RAPPORT_DB": str(store_file)},
                          capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stderr
    assert "1 inserted" in load.stdout
    assert "lock" not in (load.stdout + load.stderr).lower()

    page.reload()
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    expect(page.locator("td[role=gridcell]", has_text="e2e-agent@fernwood.example").first).to_be_attached(
        timeout=RENDER_TIMEOUT)
    network = page.get_by_role("combobox", name="Network")
    network.click()
    page.get_by_role("option", name="mastodon").click()
    page.keyboard.press("Escape")
    settle(page)
    expect(page.locator("td[role=gridcell]", has_text="snapped pole").first).to_be_attached(timeout=RENDER_TIMEOUT)
