"""Issue 19, flows that crashed or leaked when a person clicked through them: the data-subject export, order
numbers in the search, the command line while the dashboard holds the store, and an unexpected error on a page."""

from __future__ import annotations

import zipfile

import pytest
from playwright.sync_api import Page, expect

import store
from tests.e2e.person import RENDER_TIMEOUT, page_text, pick_row, press, settle

pytestmark = pytest.mark.e2e


def one_row(store_file, sql: str, params=None) -> tuple:
    con = store.connect(store_file, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()[0]
    finally:
        con.close()


def as_admin(page: Page, url: str) -> None:
    """Open the dashboard as the one local user (every role without sign-in), who starts as an admin."""
    page.goto(url)
    expect(page.get_by_text("Your role", exact=True)).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)
    expect(page.get_by_role("combobox", name="Your role")).to_have_value("Admin")


def find_and_open(page: Page, text: str) -> None:
    """Type `text` into "Find a customer" as a person does (Enter), then pick the first result."""
    search = page.get_by_role("textbox", name="Find a customer")
    search.fill(text)
    search.press("Enter")
    settle(page)
    pick_row(page, page.locator('[data-testid="stDataFrame"]').first, 0)


# ---------------------------------------------------------------- 3. the data-subject export


def test_prepare_the_export_for_a_customer_with_list_valued_data_offers_the_download(page: Page, dashboard,
                                                                                    demo_store):
    customer_id, name, email = one_row(demo_store, """
        select customer_id, display_name, emails[1] from customer_profiles
        where len(emails) >= 1 and len(phones) >= 2 and len(handles) >= 1 and not is_prospect
        order by customer_id limit 1""")
    as_admin(page, dashboard)
    page.get_by_role("link", name="Privacy requests").click()
    settle(page)
    find_and_open(page, email)
    expect(page.get_by_text(f"#{customer_id} · {name}")).to_be_visible(timeout=RENDER_TIMEOUT)
    press(page, "Prepare the export")
    download_button = page.get_by_role("button", name="Download the zip (JSON and CSV)")
    expect(download_button).to_be_visible(timeout=RENDER_TIMEOUT)
    text = page_text(page)
    assert "Traceback" not in text and "ambiguous" not in text
    with page.expect_download() as download:
        download_button.click()
    archive = zipfile.ZipFile(download.value.path())
    assert "profile.json" in archive.namelist() and archive.testzip() is None


# ---------------------------------------------------------------- 6. order numbers in the search


def shopify_order_of_a_customer(demo_store) -> tuple[int, str, str]:
    """(customer id, name, Shopify order name such as '#1042') of a customer with an order on their timeline."""
    return one_row(demo_store, """
        select customer_id, display_name, ref_id from customer_timeline join customer_profiles using (customer_id)
        where kind = 'purchase' and source = 'shopify' and ref_id like '#%'
        order by ref_id desc limit 1""")


@pytest.mark.parametrize("written", ["as on the timeline, '#1042'", "without the '#', '1042'"])
def test_an_order_number_typed_into_find_a_customer_finds_its_customer(page: Page, dashboard, demo_store, written):
    customer_id, name, order_name = shopify_order_of_a_customer(demo_store)
    typed = order_name if written.startswith("as on") else order_name.lstrip("#")
    page.goto(dashboard)
    search = page.get_by_role("textbox", name="Find a customer")
    expect(search).to_be_visible(timeout=RENDER_TIMEOUT)
    search.fill(typed)
    search.press("Enter")
    settle(page)
    assert "No customer matches" not in page_text(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid.locator("td[role=gridcell]").first).to_have_text(name, timeout=RENDER_TIMEOUT)
    expect(grid.locator("td[role=gridcell]", has_text=order_name.lstrip("#")).first).to_be_attached()
    pick_row(page, grid, 0)
    expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
    assert f"customer={customer_id}" in page.url
