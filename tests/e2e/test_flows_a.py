"""Issue 19, flows that crashed or leaked when a person clicked through them: the data-subject export, order
numbers in the search, the command line while the dashboard holds the store, and an unexpected error on a page."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from playwright.sync_api import Page, expect

import store
from tests.e2e.conftest import PROJECT
from tests.e2e.person import RENDER_TIMEOUT, page_text, pick_row, press, private_dashboard, settle

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
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid.locator("td[role=gridcell]").first).to_be_attached(timeout=RENDER_TIMEOUT)
    settle(page)
    pick_row(page, grid, 0)


# ---------------------------------------------------------------- 3. the data-subject export


def test_prepare_the_export_for_a_customer_with_list_valued_data_offers_the_download(page: Page, dashboard,
                                                                                    demo_store):
    customer_id, name, email = one_row(demo_store, """
        select customer_id, display_name, emails[1] from customer_profiles
        where len(emails) >= 1 and len(phones) >= 2 and len(handles) >= 1 and not is_prospect
        order by customer_id limit 1""")
    as_admin(page, dashboard)
    page.get_by_role("link", name="Privacy requests").click()
    expect(page.get_by_role("heading", name="Privacy requests")).to_be_visible(timeout=RENDER_TIMEOUT)
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


# ---------------------------------------------------------------- 7. the command line while the dashboard runs


def models_command(store_file, *args: str) -> subprocess.CompletedProcess:
    """`python -m models ARGS` on the store the dashboard holds, as an administrator runs it in a terminal."""
    return subprocess.run([sys.executable, "-m", "models", *args], cwd=PROJECT,
                          env={**os.environ, "RAPPORT_DB": str(store_file)}, capture_output=True, text=True,
                          timeout=300)


def assert_handed_over(run: subprocess.CompletedProcess) -> None:
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "handing this over" in run.stderr, output
    assert "Traceback" not in output and "lock" not in output.lower(), output


def test_models_build_export_and_erase_while_the_dashboard_runs_are_handed_to_it(page: Page, demo_store, tmp_path):
    customer_id, name = one_row(demo_store, """select customer_id, display_name from customer_profiles
                                              where order_count >= 1 and not is_prospect order by customer_id
                                              limit 1""")
    customers = one_row(demo_store, "select count(*) from customer_profiles")[0]
    with private_dashboard(demo_store, tmp_path / "cli") as dashboard:
        page.goto(f"{dashboard.url}/?customer={customer_id}")  # the dashboard opens the store and starts its worker
        expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)

        build = models_command(dashboard.store_file, "build")
        assert_handed_over(build)
        assert re.search(rf"built {customers:,} customers and [\d,]+ timeline events", build.stdout), build.stdout

        zip_file = tmp_path / "out" / f"customer-{customer_id}.zip"
        zip_file.parent.mkdir()
        export = models_command(dashboard.store_file, "export", str(customer_id), "--out", str(zip_file),
                                "--by", "dpo@fernwood.example")
        assert_handed_over(export)
        assert f"wrote {zip_file}" in export.stdout
        with zipfile.ZipFile(zip_file) as archive:
            [profile] = json.loads(archive.read("profile.json"))
        assert profile["display_name"] == name

        erase = models_command(dashboard.store_file, "erase", str(customer_id), "--by", "dpo@fernwood.example",
                               "--reason", "request DSR-19")
        assert_handed_over(erase)
        assert re.search(rf"erasure \d+: customer {customer_id}, \d+ rows removed", erase.stdout), erase.stdout

        page.goto(f"{dashboard.url}/?customer={customer_id}")
        settle(page)
        expect(page.get_by_text(name, exact=True)).to_have_count(0)
    con = store.connect(dashboard.store_file, read_only=True)
    try:
        assert con.execute("select count(*) from customer_profiles where customer_id = ?",
                           [customer_id]).fetchall() == [(0,)]
        assert con.execute("select actor, reason from erasure_log").fetchall() == [
            ("dpo@fernwood.example", "request DSR-19")]
        assert con.execute("select count(*) from audit_log where action = 'export' and object_id = ?",
                           [str(customer_id)]).fetchall() == [(1,)]
    finally:
        con.close()


# ---------------------------------------------------------------- 8. an unexpected error on a page


def test_an_unexpected_error_shows_an_error_id_and_the_server_log_holds_its_traceback(page: Page, demo_store,
                                                                                      tmp_path):
    broken = tmp_path / "broken.duckdb"
    shutil.copy(demo_store, broken)
    con = store.connect(broken)
    # a damaged store: the erasure log lost its columns, so the Privacy page's list of erasures cannot be read
    con.execute("drop table erasure_log")
    con.execute("create table erasure_log (erasure_id bigint)")
    con.close()
    folder = tmp_path / "failing"
    with private_dashboard(broken, folder) as dashboard:
        as_admin(page, dashboard.url)
        page.get_by_role("link", name="Privacy requests").click()
        message = page.get_by_text(re.compile(r"Something went wrong \(error [0-9a-f]{8}\)"))
        expect(message).to_be_visible(timeout=RENDER_TIMEOUT)
        settle(page)
        shown = page.locator('[data-testid="stApp"]').inner_text()
        error_id = re.search(r"error ([0-9a-f]{8})", message.inner_text()).group(1)
    assert "tell your administrator" in shown
    for leak in ("Traceback", "/work/", ".py", "erased_at", "Binder", "duckdb", "File \""):
        assert leak not in shown, leak
    log = (folder / "streamlit.log").read_text()
    assert f"error {error_id}" in log
    logged = log[log.index(f"error {error_id}"):]
    assert "Traceback (most recent call last)" in logged and "pages/privacy.py" in logged and "erased_at" in logged
