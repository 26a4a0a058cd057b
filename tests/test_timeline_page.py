"""The customer page's timeline page read from the point-read documents gives what DuckDB gives — every page,
filter and count, masked as the role sees it — and a note added between builds shows at once."""

from __future__ import annotations

import shutil
from datetime import datetime

import pandas as pd
import pytest

import store
from queries import customers, inbox
from queries.timeline_page import every_served_event, timeline_page
from tests.viewers import ADMIN, as_role

FILTERS = [{}, {"kinds": ["purchase"]}, {"channels": ["email", "web"]},
           {"start": datetime(2026, 1, 1), "end": datetime(2026, 9, 30, 23, 59, 59)},
           {"kinds": ["social_post", "comment"], "start": datetime(2025, 6, 1)}]


@pytest.fixture
def served_store(app_store, demo_store):
    """The app's store with the build's documents beside it, as a build leaves them."""
    shutil.copy(f"{demo_store}.documents", f"{app_store}.documents")
    return app_store


def from_duckdb(customer_id: int, viewer, limit: int, offset: int, **filters) -> tuple[pd.DataFrame, int, int]:
    """The page as DuckDB gives it, on the app's connection as before the documents answered it."""
    matching = customers.timeline_size(customer_id, **filters)
    total = customers.timeline_size(customer_id)
    return customers.timeline(customer_id, viewer, **filters, limit=limit, offset=offset), matching, total


def sample(path, count: int) -> list[int]:
    con = store.connect(path, read_only=True)
    try:
        return [r[0] for r in con.execute("""select customer_id from customer_timeline group by 1
                                             order by count(*) desc, customer_id limit ?""", [count]).fetchall()]
    finally:
        con.close()


@pytest.mark.parametrize("role", ["admin", "leadership"])  # leadership: names, emails, phones masked
def test_every_page_filter_and_count_is_what_duckdb_gives(served_store, role):
    viewer = ADMIN if role == "admin" else as_role(role)
    served = 0
    for customer_id in sample(served_store, 40):
        served += every_served_event(customer_id) is not None
        for filters in FILTERS:
            for offset in (0, 25):
                page, matching, total = timeline_page(customer_id, viewer, limit=25, offset=offset, **filters)
                expected, expected_matching, expected_total = from_duckdb(customer_id, viewer, 25, offset, **filters)
                assert (matching, total) == (expected_matching, expected_total), (customer_id, filters)
                pd.testing.assert_frame_equal(page, expected, obj=f"customer {customer_id} {filters} {offset}")
    assert served >= 30, "most of these customers are answered from their documents, or this compares nothing"


def test_a_customer_with_all_their_events_kept_is_read_from_the_document_and_one_with_more_is_not(served_store):
    con = store.connect(served_store, read_only=True)
    counts = dict(con.execute("select customer_id, count(*) from customer_timeline group by 1").fetchall())
    con.close()
    few = next(c for c, n in counts.items() if 30 < n < 200)
    assert every_served_event(few) is not None and len(every_served_event(few)[1].rows) == counts[few]
    many = [c for c, n in counts.items() if n >= 200]
    assert all(every_served_event(c) is None for c in many)


def test_a_note_added_between_builds_is_on_the_next_read(served_store):
    con = store.connect(served_store, read_only=True)
    posts = con.execute("""
        select s.customer_id, s.record_key from customer_sources s join social_inbox i on i.post_key = s.record_key
        order by s.customer_id limit 200""").fetchall()
    con.close()
    # the first author answered from their document (the demo's staff notes retire some documents already)
    customer_id, post_key = next((c, p) for c, p in posts if every_served_event(c) is not None)
    _, before, _ = timeline_page(customer_id, ADMIN, limit=25)
    inbox.add_note(ADMIN, post_key, "Called back, refund agreed")
    page, after, total = timeline_page(customer_id, ADMIN, limit=25)
    assert every_served_event(customer_id) is None, "a live note retires the document"
    assert after == before + 1 == total
    assert "Called back, refund agreed" in set(page["body"])
