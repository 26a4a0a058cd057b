"""The parts of a page that rerun alone (fragments), in Chromium as a person uses them: the profile's timeline pages
and filters (the page asked for shows, the rest of the profile stays, a filter starts again at page 1), and
Leadership's drill boxes (the table below a box follows the choice made in it)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

import store
from queries import customers, leadership
from tests.e2e.person import (
    RENDER_TIMEOUT,
    add_to_multiselect,
    choose,
    chosen,
    grid_rows,
    grid_with_column,
    options,
    page_text,
    settle,
)
from tests.e2e.test_flows_b import expect_rows, page_filters, read_store
from tests.viewers import ADMIN

pytestmark = pytest.mark.e2e


def long_history(demo_store) -> tuple[int, int]:
    """A customer with more than two pages of events (all among the newest 200 the filters offer, purchases among
    them), and how many they have."""
    con = store.connect(demo_store, read_only=True)
    try:
        return con.execute("""select customer_id, count(*) from customer_timeline group by 1
                              having count(*) between 51 and 200 and count(*) filter (where kind = 'purchase') > 0
                              order by customer_id limit 1""").fetchall()[0]
    finally:
        con.close()


def expected_whens(demo_store, customer_id: int, offset: int, **filters) -> list[str]:
    con = store.connect(demo_store, read_only=True)
    try:
        events = customers.timeline(customer_id, ADMIN, limit=25, offset=offset, con=con, **filters)
    finally:
        con.close()
    return [f"{at:%Y-%m-%d %H:%M:%S}" for at in events["occurred_at"]]


def shown_whens(page: Page, first: str) -> list[str]:
    """The times the timeline grid shows, once its first row is `first` (a run redraws the grid: read before it
    has, the headers may be gone)."""
    grid = grid_with_column(page, "When")
    expect(grid.locator("td[role=gridcell]", has_text=first).first).to_be_attached(timeout=RENDER_TIMEOUT)
    return [row.get("When") for row in grid_rows(grid_with_column(page, "When"))]


def test_paging_the_timeline_shows_that_page_and_keeps_the_rest_of_the_profile(page: Page, dashboard, demo_store):
    customer_id, events = long_history(demo_store)
    page.goto(f"{dashboard}/?customer={customer_id}")
    expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    first = expected_whens(demo_store, customer_id, 0)
    assert shown_whens(page, first[0])[:5] == first[:5]

    pager = page.get_by_label("Page", exact=True)
    pager.click()
    pager.press("ControlOrMeta+a")
    pager.press_sequentially("2")
    pager.press("Enter")
    settle(page)
    second = expected_whens(demo_store, customer_id, 25)
    assert shown_whens(page, second[0])[:5] == second[:5] and second[0] != first[0]
    text = page_text(page)
    assert "Talking points" in text and f"{events} events in all" in text

    add_to_multiselect(page, "Kinds", "purchase")
    expect(page.get_by_label("Page", exact=True)).to_have_value("1", timeout=RENDER_TIMEOUT)
    purchases = expected_whens(demo_store, customer_id, 0, kinds=["purchase"])
    assert purchases and shown_whens(page, purchases[0])[:5] == purchases[:5]
    assert f"of {events} events match the filters" in page_text(page)


def test_choosing_in_a_drill_box_shows_what_is_behind_that_choice(page: Page, dashboard, demo_store):
    page.goto(f"{dashboard}/leadership")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    filters = page_filters(demo_store)

    channel = next(c for c in reversed(options(page, "Tickets behind channel"))
                   if c != chosen(page, "Tickets behind channel"))
    choose(page, "Tickets behind channel", channel)
    tickets = read_store(demo_store, lambda con: leadership.tickets_behind(ADMIN, channel, filters, con))
    expect_rows(grid_with_column(page, "Ticket"), len(tickets))

    label = options(page, "Drill into week")[-1]
    choose(page, "Drill into week", label)
    week = pd.Timestamp(datetime.strptime(label, "week of %d %b %Y"))
    network = chosen(page, "Network")
    posts = read_store(demo_store, lambda con: leadership.posts_behind(ADMIN, week.to_pydatetime(), network,
                                                                       filters, con))
    expect_rows(grid_with_column(page, "Post"), len(posts))
    assert all(row["Network"] == network for row in grid_rows(grid_with_column(page, "Post")))
    assert "Response times" in page_text(page) and chosen(page, "Tickets behind channel") == channel
