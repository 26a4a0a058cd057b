"""Every download is an audited click: no file reaches the browser, or Streamlit's media store, before the person
asks for it, and the click is in the audit log (Chromium on a private dashboard; the websocket traffic is read as
the browser receives it)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import store
from tests.e2e.person import RENDER_TIMEOUT, private_dashboard, settle

pytestmark = pytest.mark.e2e


def rich_customer_id(path) -> int:
    con = store.connect(path, read_only=True)
    try:
        return con.execute("select customer_id from customer_profiles where order_count >= 2 and ticket_count >= 1 "
                           "order by customer_id limit 1").fetchall()[0][0]
    finally:
        con.close()


def exports_audited(path) -> list[str]:
    con = store.connect(path, read_only=True)
    try:
        return [r[0] for r in con.execute("""select coalesce(json_extract_string(details, '$.export'), object_id)
                                              from audit_log where action = 'export' order by audit_id""").fetchall()]
    finally:
        con.close()


def test_no_file_is_handed_over_before_an_audited_click(page: Page, demo_store, tmp_path):
    received: list[bytes] = []
    page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda frame: received.append(frame if isinstance(frame, bytes) else frame.encode())))
    customer_id = rich_customer_id(demo_store)
    with private_dashboard(demo_store, tmp_path / "downloads") as running:
        for path in ("leadership", f"meeting_prep?customer={customer_id}", "social_inbox", "data_sources", "audit"):
            page.goto(f"{running.url}/{path}")
            settle(page)
            expect(page.get_by_role("button", name="Download").first).to_be_visible(timeout=RENDER_TIMEOUT)
        assert not any(b"/media/" in frame for frame in received)  # nothing to fetch without a click

        page.goto(f"{running.url}/meeting_prep?customer={customer_id}")
        settle(page)
        with page.expect_download(timeout=RENDER_TIMEOUT) as download:
            page.get_by_role("button", name="Download Markdown").click()
        assert download.value.suggested_filename == f"brief-{customer_id}.md"
        assert "What to bring up" in Path(download.value.path()).read_text(encoding="utf-8")
        settle(page)
        page.close()
    assert exports_audited(running.store_file) == [f"brief-{customer_id}.md"]


def test_a_drilldown_longer_than_its_grid_downloads_every_row_read_at_the_click(page: Page, demo_store, tmp_path):
    # the grid shows 3 of the most-asked idea's posts; its CSV is read when clicked (on Streamlit's download
    # thread, not the page's) and has every post, and the audit entry counts them
    con = store.connect(demo_store, read_only=True)
    try:
        idea_key, posts = con.execute("""select idea_key, posts from idea_groups
                                         order by customers desc, combined_lifetime_value desc limit 1""").fetchall()[0]
        authors = sorted(r[0] for r in con.execute("select customer_id from idea_posts where idea_key = ?",
                                                   [idea_key]).fetchall())
    finally:
        con.close()
    assert posts == len(authors) > 3
    with private_dashboard(demo_store, tmp_path / "drill", extra_env={"RAPPORT_DRILLDOWN_ROWS": "3"}) as running:
        page.goto(f"{running.url}/ideas")
        settle(page)
        expect(page.get_by_text("The first 3 rows are shown; the CSV has every one.")).to_be_visible(
            timeout=RENDER_TIMEOUT)
        with page.expect_download(timeout=RENDER_TIMEOUT) as download:
            page.get_by_role("button", name="Download CSV").click()
        assert download.value.suggested_filename == "idea-customers.csv"
        with open(download.value.path(), encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
        settle(page)
        page.close()
    assert sorted(int(row["customer_id"]) for row in rows) == authors
    con = store.connect(running.store_file, read_only=True)
    try:
        audited = con.execute("""select object_id, json_extract(details, '$.rows')::int from audit_log
                                 where action = 'export'""").fetchall()
    finally:
        con.close()
    assert audited == [("idea-customers.csv", posts)]
