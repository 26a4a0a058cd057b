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
    add_to_multiselect,
    chosen,
    click_point,
    grid_rows,
    grid_rows_once,
    grid_with_column,
    page_text,
    pick_row,
    plot_points,
    press,
    private_dashboard,
    settle,
    type_into,
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


def clickable(mark: dict, marks: list[dict]) -> bool:
    """A marker clear of its neighbours, or a bar big enough to hit."""
    return apart(mark, marks) if mark["w"] < 20 and mark["h"] < 20 and mark["w"] == mark["h"] else \
        mark["w"] >= 3 and mark["h"] >= 8


@pytest.mark.parametrize("chart", ["sentiment-chart", "negative-chart"])
def test_clicking_a_sentiment_point_or_bar_drills_into_its_week_and_network(page: Page, dashboard, demo_store,
                                                                             chart):
    open_leadership(page, dashboard)
    before = (chosen(page, "Drill into week"), chosen(page, "Network"))
    points = plot_points(page, page.locator(f".st-key-{chart} .js-plotly-plot").first)
    # a point of another week and another network than the drill-down shows now, that a click cannot miss
    target = next(p for p in reversed(points) if clickable(p, points) and p["custom"][0] != before[1]
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
    assert chosen(page, "Tickets behind channel") != rows[2]["Channel"]
    pick_row(page, sla, 2)

    channel = rows[2]["Channel"]
    expect_shown(page, "Tickets behind channel", channel)
    expected = read_store(demo_store, lambda con: leadership.tickets_behind(ADMIN, channel,
                                                                          page_filters(demo_store), con))
    expect_rows(grid_with_column(page, "Ticket"), len(expected))


def test_clicking_a_response_time_bar_drills_into_its_channel(page: Page, dashboard):
    open_leadership(page, dashboard)
    before = chosen(page, "Tickets behind channel")
    plot = page.locator(".js-plotly-plot").filter(has_text="Median response and resolution time").first
    bars = [bar for bar in plot_points(page, plot) if bar["h"] >= 6 and bar["x"] != before]
    click_point(page, bars[0])
    expect_shown(page, "Tickets behind channel", bars[0]["x"])


def test_clicking_a_topic_bar_drills_into_its_complaints(page: Page, dashboard, demo_store):
    open_leadership(page, dashboard)
    before = chosen(page, "Complaints behind topic")
    plot = page.locator(".js-plotly-plot").filter(has_text="Top complaint topics").first
    bars = [bar for bar in plot_points(page, plot) if bar["w"] >= 6 and bar["y"] != before]
    click_point(page, bars[-1])
    topic = bars[-1]["y"]
    expect_shown(page, "Complaints behind topic", topic)
    expected = read_store(demo_store, lambda con: leadership.complaints_behind(ADMIN, topic,
                                                                             page_filters(demo_store), con))
    expect_rows(grid_with_column(page, "What"), len(expected))
    assert "Nothing behind this point" not in page_text(page)


# ---------------------------------------------------------------- 10: what a screen shows after an action

REFUSED_CSV = ("source_id,first_name,last_name,email\n"
               "U1,Una,Upload,una.upload@example.com\n"
               ",Nora,Noid,nora.noid@example.com\n")


def test_an_upload_shows_its_refused_rows_and_source_at_once(page: Page, demo_store, tmp_path):
    with private_dashboard(demo_store, tmp_path / "upload") as dashboard:
        page.goto(f"{dashboard.url}/data_sources")
        settle(page)
        expect(page.get_by_text("No refused rows", exact=False)).to_be_visible(timeout=RENDER_TIMEOUT)
        assert chosen(page, "Kind") == "customers"  # the first kind, as the form opens
        type_into(page, "Source name", "upload-test")
        page.locator('[data-testid="stFileUploader"] input[type=file]').set_input_files(
            files=[{"name": "refused.csv", "mimeType": "text/csv", "buffer": REFUSED_CSV.encode()}])
        expect(page.get_by_text("refused.csv").first).to_be_visible(timeout=RENDER_TIMEOUT)
        press(page, "Load")

        expect(page.get_by_text("Loaded, and the profiles are refreshed.")).to_be_visible(timeout=RENDER_TIMEOUT)
        expect(page.get_by_text("No refused rows", exact=False)).to_have_count(0)
        refused = grid_rows(grid_with_column(page, "Original row"))
        assert [(row["Source"], row["File"]) for row in refused] == [("upload-test", "upload:refused.csv")]
        sources = {row["Source"]: row for row in grid_rows(grid_with_column(page, "Rejected"))}
        assert sources["upload-test"]["Rejected"] == "1"
        assert sources["upload-test"]["Rows"] == "1"


def busy_customer(demo_store) -> tuple[int, int, int]:
    """A customer with more events than one page, and of several kinds: (id, events, purchases)."""
    return read_store(demo_store, lambda con: con.execute("""
        select customer_id, count(*), count(*) filter (where kind = 'purchase')
        from customer_timeline group by customer_id
        having count(*) > 30 and count(*) filter (where kind = 'purchase') between 1 and 25
        order by customer_id limit 1""").fetchall()[0])


def test_the_timeline_count_follows_its_filters(page: Page, dashboard, demo_store):
    customer_id, events, purchases = busy_customer(demo_store)
    page.goto(f"{dashboard}/?customer={customer_id}")
    expect(page.get_by_text("Timeline", exact=True)).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    expect(page.get_by_text(f"{events} events in all", exact=False)).to_be_visible(timeout=RENDER_TIMEOUT)

    add_to_multiselect(page, "Kinds", "purchase")
    expect(page.get_by_text(f"{purchases} of {events} events match the filters", exact=False)).to_be_visible(
        timeout=RENDER_TIMEOUT)
    assert f"{events} events in all" not in page_text(page)
    assert page.get_by_label("Page", exact=True).first.get_attribute("max") == "1"


def test_leadership_social_and_missed_target_tables_follow_the_channel_filter(page: Page, dashboard, demo_store):
    open_leadership(page, dashboard)
    add_to_multiselect(page, "Channels and networks", "mastodon")

    mastodon = {"social: mastodon", "ticket: mastodon"}
    social = grid_rows_once(page, "Median first answer (min)",
                            lambda rows: bool(rows) and {row["Channel"] for row in rows} <= mastodon)
    assert social and {row["Channel"] for row in social} <= mastodon
    filters = page_filters(demo_store)
    expected = dict(read_store(demo_store, lambda con: con.execute("""
        select team, count(*)::varchar from social_inbox
        where network = 'mastodon' and posted_at >= ? and posted_at < ? group by team""",
        [filters.start, filters.end]).fetchall()))
    teams = grid_rows(grid_with_column(page, "Missed target"))
    assert {row["Team"]: row["Social items"] for row in teams} == expected


def addressed_customer(demo_store) -> tuple[int, set[str], set[str]]:
    """A customer with an address and records that carry none: (id, sources holding the address, all sources)."""
    return read_store(demo_store, lambda con: con.execute("""
        with held as (
            select s.customer_id, s.source,
                   lower(coalesce(c.street, p.billing_street)) = lower(pr.street) as holds_address
            from customer_sources s
            join customer_profiles pr using (customer_id)
            left join stg_customers c on c.record_key = s.record_key
            left join stg_purchases p on p.record_key = s.record_key
            where pr.street is not null
        )
        select customer_id, list(distinct source) filter (where holds_address), list(distinct source)
        from held group by customer_id
        having count(distinct source) filter (where holds_address) >= 1
           and count(distinct source) > count(distinct source) filter (where holds_address)
        order by customer_id limit 1""").fetchall()[0])


def test_seen_in_for_the_address_lists_only_sources_that_hold_it(page: Page, dashboard, demo_store):
    customer_id, holding, everyone = addressed_customer(demo_store)
    assert set(holding) < set(everyone)
    page.goto(f"{dashboard}/?customer={customer_id}")
    expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    contacts = {row["Contact"]: row for row in grid_rows(grid_with_column(page, "Seen in"))}
    assert set(contacts["Address"]["Seen in"].split(", ")) == set(holding)
