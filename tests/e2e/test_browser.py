"""End to end in Chromium: search a customer, open the profile, read talking points and timeline, drill down."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

import store

pytestmark = pytest.mark.e2e
RENDER_TIMEOUT = 60_000


def settle(page: Page) -> None:
    """Wait until Streamlit has finished running the script (no status widget saying it is running)."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=RENDER_TIMEOUT)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=RENDER_TIMEOUT)


def rich_customer(demo_store) -> tuple[int, str]:
    con = store.connect(demo_store, read_only=True)
    row = con.execute("""select customer_id, display_name from customer_profiles
                         where order_count >= 2 and ticket_count >= 1 and not is_prospect
                         order by customer_id limit 1""").fetchall()[0]
    con.close()
    return row


def test_search_then_open_the_profile(page: Page, dashboard, demo_store, screenshot_dir):
    customer_id, name = rich_customer(demo_store)
    page.goto(dashboard)
    settle(page)
    search = page.get_by_role("textbox", name="Find a customer")
    search.fill(name)
    search.press("Enter")
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(grid.locator("td[role=gridcell]", has_text=name).first).to_be_attached(timeout=RENDER_TIMEOUT)
    page.screenshot(path=screenshot_dir / "search.png")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 52)  # the first result row's selection box
    expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
    assert f"customer={customer_id}" in page.url
    expect(page.get_by_text(name, exact=True).first).to_be_visible()


def test_profile_deep_link_renders_talking_points_and_timeline(page: Page, dashboard, demo_store, screenshot_dir,
                                                                record_property):
    customer_id, name = rich_customer(demo_store)
    started = time.perf_counter()
    page.goto(f"{dashboard}/?customer={customer_id}")
    expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.get_by_text("Timeline", exact=True)).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    elapsed = time.perf_counter() - started
    record_property("profile_render_seconds", round(elapsed, 2))
    print(f"\nprofile rendered in {elapsed:.2f} s")
    expect(page.get_by_text(name, exact=True).first).to_be_visible()
    points = page.locator('[class*="st-key-point-"]')
    assert points.count() >= 1
    expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible(timeout=RENDER_TIMEOUT)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=RENDER_TIMEOUT)
    page.wait_for_timeout(1500)  # let the data grids paint before the picture
    page.screenshot(path=screenshot_dir / "profile.png", full_page=True)


def test_leadership_page_and_drilldown(page: Page, dashboard, screenshot_dir, record_property):
    started = time.perf_counter()
    page.goto(f"{dashboard}/leadership")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    elapsed = time.perf_counter() - started
    record_property("leadership_render_seconds", round(elapsed, 2))
    print(f"\nleadership rendered in {elapsed:.2f} s")
    expect(page.get_by_text("No sign-in configured")).to_be_visible()
    page.screenshot(path=screenshot_dir / "leadership.png", full_page=True)
    topic_box = page.get_by_label("Complaints behind topic")
    topic_box.scroll_into_view_if_needed()
    topic_box.click()
    page.get_by_role("option", name="Delivery").click()
    settle(page)
    drill = page.locator('[data-testid="stDataFrame"]').last
    drill.scroll_into_view_if_needed()
    expect(drill.locator("td[role=gridcell]").first).to_be_attached(timeout=RENDER_TIMEOUT)
    page.screenshot(path=screenshot_dir / "drilldown.png")


def test_unknown_customer_link_shows_a_message(page: Page, dashboard):
    page.goto(f"{dashboard}/?customer=987654321")
    expect(page.get_by_text("There is no customer with that id")).to_be_visible(timeout=RENDER_TIMEOUT)
