"""Issue 19 in Chromium, as a person clicks: chart points and table rows drive Leadership's drill-down, and every
screen shows the state after an action (an upload's refused rows, the timeline's filtered count, the channel filter
on every leadership table, the sources that really hold an address)."""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

import store
from queries import leadership
from tests.e2e.person import (
    RENDER_TIMEOUT,
    click_point,
    grid_rows,
    grid_with_column,
    page_text,
    pick_row,
    plot_points,
    settle,
    shown_in,
)
from tests.viewers import ADMIN

pytestmark = pytest.mark.e2e


def page_filters(demo_store) -> leadership.Filters:
    """The filters Leadership opens with: the last 180 days of data, every channel and segment."""
    con = store.connect(demo_store, read_only=True)
    try:
        last_day = leadership.options(ADMIN, con)["last"].date()
    finally:
        con.close()
    return leadership.Filters(start=datetime.combine(last_day - timedelta(days=180), time.min),
                              end=datetime.combine(last_day, time.max))


def read_store(demo_store, query):
    """`query(con)` on a read-only connection to the demo store the dashboards were copied from."""
    con = store.connect(demo_store, read_only=True)
    try:
        return query(con)
    finally:
        con.close()


def expect_shown(page: Page, label: str, value: str) -> None:
    """The select box labelled `label` comes to show `value` (the run a click starts may still be under way)."""
    expect(page.get_by_role("combobox", name=label, exact=True).first).to_have_value(value, timeout=RENDER_TIMEOUT)


def expect_rows(table, count: int) -> None:
    """The data grid comes to hold `count` rows."""
    expect(table.locator("table[role=grid]")).to_have_attribute("aria-rowcount", str(count + 1),
                                                                timeout=RENDER_TIMEOUT)


def apart(point: dict, points: list[dict], pixels: float = 18) -> bool:
    """Whether no other marker sits within `pixels` of this one (so a click cannot land on a neighbour)."""
    return all(math.dist((point["cx"], point["cy"]), (other["cx"], other["cy"])) >= pixels
               for other in points if other is not point)


# ---------------------------------------------------------------- 5: chart points and rows drill down


def open_leadership(page: Page, dashboard: str) -> None:
    page.goto(f"{dashboard}/leadership")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)


def test_clicking_a_sentiment_point_drills_into_its_week_and_network(page: Page, dashboard, demo_store):
    open_leadership(page, dashboard)
    before = (shown_in(page, "Drill into week"), shown_in(page, "Network"))
    points = plot_points(page, page.locator(".st-key-sentiment-chart .js-plotly-plot").first)
    # a point of another week and another network than the drill-down shows now, clear of its neighbours
    target = next(p for p in reversed(points) if apart(p, points) and p["custom"][0] != before[1]
                  and f"week of {pd.Timestamp(p['x']):%d %b %Y}" != before[0])
    week, network = pd.Timestamp(target["x"]), target["custom"][0]
    click_point(page, target)

    expect_shown(page, "Drill into week", f"week of {week:%d %b %Y}")
    expect_shown(page, "Network", network)
    expected = read_store(demo_store, lambda con: leadership.posts_behind(
        ADMIN, week.to_pydatetime(), network, page_filters(demo_store), con))
    posts = grid_with_column(page, "Post")
    expect_rows(posts, len(expected))
    shown = grid_rows(posts)
    assert shown and all(row["Network"] == network for row in shown)
    assert all(week <= pd.Timestamp(row["When"]) < week + pd.Timedelta(days=7) for row in shown)


def test_picking_a_row_of_the_sla_table_drills_into_its_channel(page: Page, dashboard, demo_store):
    open_leadership(page, dashboard)
    sla = grid_with_column(page, "First reply target (min)")
    rows = grid_rows(sla)
    assert len(rows) >= 3
    assert shown_in(page, "Tickets behind channel") != rows[2]["Channel"]
    pick_row(page, sla, 2)

    channel = rows[2]["Channel"]
    expect_shown(page, "Tickets behind channel", channel)
    expected = read_store(demo_store, lambda con: leadership.tickets_behind(ADMIN, channel,
                                                                          page_filters(demo_store), con))
    expect_rows(grid_with_column(page, "Ticket"), len(expected))


def test_clicking_a_response_time_bar_drills_into_its_channel(page: Page, dashboard):
    open_leadership(page, dashboard)
    before = shown_in(page, "Tickets behind channel")
    plot = page.locator(".js-plotly-plot").filter(has_text="Median response and resolution time").first
    bars = [bar for bar in plot_points(page, plot) if bar["h"] >= 6 and bar["x"] != before]
    click_point(page, bars[0])
    expect_shown(page, "Tickets behind channel", bars[0]["x"])


def test_clicking_a_topic_bar_drills_into_its_complaints(page: Page, dashboard, demo_store):
    open_leadership(page, dashboard)
    before = shown_in(page, "Complaints behind topic")
    plot = page.locator(".js-plotly-plot").filter(has_text="Top complaint topics").first
    bars = [bar for bar in plot_points(page, plot) if bar["w"] >= 6 and bar["y"] != before]
    click_point(page, bars[-1])
    topic = bars[-1]["y"]
    expect_shown(page, "Complaints behind topic", topic)
    expected = read_store(demo_store, lambda con: leadership.complaints_behind(ADMIN, topic,
                                                                             page_filters(demo_store), con))
    expect_rows(grid_with_column(page, "What"), len(expected))
    assert "Nothing behind this point" not in page_text(page)
