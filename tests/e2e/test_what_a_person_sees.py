"""What an employee sees on every page of the demo, read from the browser: no missing value spelled as a word
("nan", "None", "NaT", "null") in the page text or in any grid cell, and no SQL column name (snake_case) as a grid
header."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

import store
from tests.e2e.person import RENDER_TIMEOUT, pick_row, settle, type_into

pytestmark = pytest.mark.e2e
MISSING_WORD = re.compile(r"\b(nan|NaN|None|NaT|null|<NA>)\b")
SQL_NAME = re.compile(r"\b[a-z]+(_[a-z0-9]+)+\b")
GRIDS = '[data-testid="stMain"] [data-testid="stDataFrame"]'


def customers_to_visit(demo_store) -> list[int]:
    """A few customers whose pages show the most: tickets, posts, orders and refunds, and a prospect."""
    con = store.connect(demo_store, read_only=True)
    try:
        return [r[0] for r in con.execute("""
            (select customer_id from customer_profiles where not is_prospect and ticket_count >= 1
             and post_count >= 1 and order_count >= 2 order by customer_id limit 3)
            union all (select customer_id from customer_profiles where is_prospect order by customer_id limit 1)
            union all (select distinct customer_id from customer_timeline where kind = 'refund'
                       order by customer_id limit 1)
        """).fetchall()]
    finally:
        con.close()


def what_is_shown(page: Page) -> tuple[str, list[str], list[str]]:
    """The main area's text, every grid cell's text and every grid header. A grid draws its accessible table once
    it is on screen, so each is scrolled to and waited for."""
    expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    page.wait_for_timeout(1000)  # a page's later parts (charts, grids) may start a second paint
    settle(page)
    cells, headers = [], []
    for grid in page.locator(GRIDS).all():
        if not grid.is_visible():  # inside a closed expander: a person does not see it either
            continue
        grid.scroll_into_view_if_needed()
        expect(grid.locator("th").first).to_be_attached(timeout=RENDER_TIMEOUT)
        page.wait_for_timeout(300)  # the rows follow the header in the same paint, or just after
        cells += grid.locator("td[role=gridcell]").all_inner_texts()
        headers += grid.locator("th").all_inner_texts()
    return page.locator('[data-testid="stMain"]').inner_text(), cells, headers


def problems(where: str, page: Page, read: list[int]) -> list[str]:
    """What is wrong on the page; `read` gets how many grid cells and headers were read (the test's own check)."""
    text, cells, headers = what_is_shown(page)
    read.append((where, len(cells), len(headers)))
    found = [f"{where}: text line {line!r}" for line in text.splitlines() if MISSING_WORD.search(line)]
    found += [f"{where}: cell {cell!r}" for cell in cells if MISSING_WORD.search(cell)]
    found += [f"{where}: header {header!r}" for header in headers if SQL_NAME.search(header)]
    return found


def test_no_page_shows_a_missing_value_as_a_word_or_a_column_by_its_sql_name(page: Page, dashboard, demo_store):
    visited, found, read = [], [], []

    def visit(where: str, address: str) -> None:
        page.goto(f"{dashboard}/{address}")
        visited.append(where)
        found.extend(problems(where, page, read))

    visit("customer search", "")
    type_into(page, "Find a customer", "an")
    page.keyboard.press("Enter")
    expect(page.locator(GRIDS).first).to_be_visible(timeout=RENDER_TIMEOUT)
    found.extend(problems("search results", page, read))
    for customer_id in customers_to_visit(demo_store):
        visit(f"profile {customer_id}", f"?customer={customer_id}")
        page.get_by_text("Identity: which records make this profile, and why").click()
        expect(page.locator(GRIDS).last).to_be_visible(timeout=RENDER_TIMEOUT)
        found.extend(problems(f"profile {customer_id} identity", page, read))
        visit(f"brief {customer_id}", f"meeting_prep?customer={customer_id}")
    visit("social inbox", "social_inbox")
    pick_row(page, page.locator(GRIDS).first, 0)
    found.extend(problems("social inbox, a post open", page, read))
    for address in ("ideas", "leadership", "data_sources", "privacy", "audit"):
        visit(address, address)
    assert len(visited) >= 16
    assert sum(1 for _, cells, _ in read if cells) >= 15, read  # the grids were read, not skipped
    assert found == []
