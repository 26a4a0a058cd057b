"""Every download is an audited click: no file reaches the browser, or Streamlit's media store, before the person
asks for it, and the click is in the audit log (Chromium on a private dashboard; the websocket traffic is read as
the browser receives it)."""

from __future__ import annotations

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
