"""Forms clicked the way a person clicks them, in Chromium on a private demo dashboard: select, type, save, select
another. Each test pins a flow that once wrote data the person did not ask for, or edited the wrong item."""

from __future__ import annotations

import csv
import shutil

import pytest
from playwright.sync_api import Page, expect

import store
from connectors.loader import load_file
from models.build import build
from tests.conftest import DEMO_AS_OF
from tests.e2e.person import (
    RENDER_TIMEOUT,
    choose,
    chosen,
    field_value,
    grid_cells,
    grid_rows,
    open_in_new_tab,
    options,
    pick_row,
    press,
    private_dashboard,
    settle,
    type_into,
    work_written,
)

pytestmark = pytest.mark.e2e


def idea_labels(store_file) -> list[str]:
    con = store.connect(store_file, read_only=True)
    try:
        return [r[0] for r in con.execute("select label from idea_groups order by customers desc, "
                                          "combined_lifetime_value desc").fetchall()]
    finally:
        con.close()


# ---------------------------------------------------------------- ideas


def test_looking_at_another_idea_never_changes_its_status(page: Page, demo_store, tmp_path):
    labels = idea_labels(demo_store)
    assert len(labels) >= 3
    with private_dashboard(demo_store, tmp_path / "ideas") as running:
        page.goto(f"{running.url}/ideas")
        settle(page)
        choose(page, "Look at idea", labels[0])
        choose(page, "Status", "Planned")                 # the one change the person asks for
        expect(page.get_by_text("Status saved: Planned.")).to_be_visible(timeout=RENDER_TIMEOUT)
        choose(page, "Look at idea", labels[1])           # then only looking
        assert chosen(page, "Status") == "New"
        choose(page, "Look at idea", labels[2])
        assert chosen(page, "Status") == "New"
        choose(page, "Look at idea", labels[0])
        assert chosen(page, "Status") == "Planned"
        page.close()
    written = work_written(running.store_file)
    assert len(written["idea_state"]) == 1 and "'planned'" in written["idea_state"][0]
    assert sum("'idea_status'" in entry for entry in written["audit_log (changes)"]) == 1


# ---------------------------------------------------------------- social inbox


def inbox_table(page: Page):
    return page.locator('[data-testid="stDataFrame"]').first


def open_post_text(page: Page) -> str:
    """The open post's header line and text."""
    page.locator('.st-key-inbox-post [data-testid="stText"]').nth(1).wait_for(timeout=RENDER_TIMEOUT)
    return "\n".join(page.locator('.st-key-inbox-post [data-testid="stText"]').all_inner_texts()[:2])


def new_rows(page: Page) -> list[int]:
    """The queue's rows nobody has taken yet (the demo team has taken some of the others)."""
    return [at for at, row in enumerate(grid_rows(inbox_table(page))) if row.get("Status") == "New"]


def test_inbox_forms_belong_to_their_post_and_never_write_nan(page: Page, demo_store, tmp_path):
    before = set(work_written(demo_store)["inbox_state"])  # the demo team's history
    with private_dashboard(demo_store, tmp_path / "inbox") as running:
        page.goto(f"{running.url}/social_inbox")
        settle(page)
        untaken = new_rows(page)
        pick_row(page, inbox_table(page), untaken[0])
        first_post = open_post_text(page)
        assert field_value(page, "Assign to") == ""
        type_into(page, "Assign to", "Dana")
        press(page, "Save")                               # assigned: still in the queue, now in progress
        expect(page.get_by_text("Saved: assigned to Dana.")).to_be_visible(timeout=RENDER_TIMEOUT)
        assert open_post_text(page) == first_post and field_value(page, "Assign to") == "Dana"

        pick_row(page, inbox_table(page), untaken[1])     # another post, unassigned, while one is assigned
        second_post = open_post_text(page)
        assert second_post != first_post
        assert field_value(page, "Assign to") == ""       # once prefilled with "nan", and saved so
        assert chosen(page, "Set status") == "New"
        choose(page, "Set status", "Closed")
        press(page, "Save")                               # closed: leaves the queue of new and in-progress posts
        expect(page.get_by_text("Saved: now Closed. It has left this queue.")).to_be_visible(timeout=RENDER_TIMEOUT)
        # the panel does not carry "Closed" over to whichever post now sits in the saved one's row
        assert page.locator(".st-key-inbox-post").count() == 0
        pick_row(page, inbox_table(page), new_rows(page)[1])
        third_post = open_post_text(page)
        assert third_post not in (first_post, second_post)
        assert chosen(page, "Set status") == "New" and field_value(page, "Assign to") == ""
        press(page, "Save")
        expect(page.get_by_text("Nothing to save")).to_be_visible(timeout=RENDER_TIMEOUT)
        page.close()
    written = work_written(running.store_file)
    states = [row for row in written["inbox_state"] if row not in before]
    assert len(states) == 2, states
    assert sum("'Dana'" in row and "'in_progress'" in row for row in states) == 1
    assert sum("'closed'" in row and "'Dana'" not in row for row in states) == 1
    assert not any("'nan'" in row for row in states)
    assert not any("'nan'" in entry for entry in written["audit_log (changes)"])


# ---------------------------------------------------------------- the role across tabs


def test_a_link_opened_in_a_new_tab_keeps_the_role(page: Page, demo_store, tmp_path):
    with private_dashboard(demo_store, tmp_path / "role") as running:
        page.goto(running.url)
        settle(page)
        choose(page, "Your role", "Support agent")
        search = page.get_by_role("textbox", name="Find a customer")
        search.fill("Roberts")
        search.press("Enter")
        settle(page)
        links = [cell for cell in grid_cells(page.locator('[data-testid="stDataFrame"]').first)
                 if cell.startswith("./?customer=")]
        assert links and all("role=support" in link for link in links)
        tab = open_in_new_tab(page, running.url, links[0])
        expect(tab.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
        expect(tab.get_by_text("Page not found")).to_have_count(0)  # the link names a page that exists
        assert chosen(tab, "Your role") == "Support agent"
        expect(tab.get_by_role("link", name="Data sources")).to_have_count(0)   # an admin page: not offered
        tab.reload()                                                             # a reload is a new session too
        settle(tab)
        assert chosen(tab, "Your role") == "Support agent"
        customer_id = links[0].split("customer=")[1].split("&")[0]
        tab.close()
        page.close()
    con = store.connect(running.store_file, read_only=True)
    try:
        roles = con.execute("select distinct json_extract_string(details, '$.role') from audit_log "
                            "where action = 'open_profile' and object_id = ?", [customer_id]).fetchall()
    finally:
        con.close()
    assert roles == [("support",)]


# ---------------------------------------------------------------- possible duplicates and the identity panel


@pytest.fixture(scope="module")
def store_with_a_duplicate(demo_store, tmp_path_factory):
    """The demo store plus a newsletter sign-up that repeats a CRM contact's name and city under another email, with
    no birth date or street: alike enough for splink to list, never merged (a name is not enough)."""
    folder = tmp_path_factory.mktemp("duplicate")
    path = folder / "store.duckdb"
    shutil.copy(demo_store, path)
    con = store.connect(path)
    try:
        first, last, street, city, postcode, country = con.execute(
            "select first_name, last_name, street, city, postcode, country from raw_customers "
            "where source = 'crm' and street is not null order by source_id limit 1").fetchall()[0]
        signup = folder / "signups.csv"
        with signup.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["source_id", "first_name", "last_name", "email", "street", "city", "postcode",
                             "country", "created_at"])
            writer.writerow(["S-1", first, last, "someone.new@example.net", None, city, None, country,
                             "2026-10-01"])
        load_file(con, "customers", signup, source="newsletter")
        build(con, DEMO_AS_OF)
        pairs = con.execute("select customer_id, other_customer_id from possible_duplicates").fetchall()
        signup_id = con.execute("select customer_id from customer_sources where source = 'newsletter'").fetchone()[0]
    finally:
        con.close()
    # the demo's own identity noise may leave a suggestion of its own (data/demo_identity.py); the sign-up's is one
    ours = [pair for pair in pairs if signup_id in pair]
    assert len(ours) == 1, pairs
    return path, ours[0], pairs


def test_a_possible_duplicate_is_listed_linked_and_decided_with_the_outcome_in_view(page: Page,
                                                                                  store_with_a_duplicate, tmp_path):
    path, (one, other), pairs = store_with_a_duplicate
    with private_dashboard(path, tmp_path / "dup") as running:
        page.goto(f"{running.url}/data_sources")
        settle(page)
        links = [cell for cell in grid_cells(page.locator(".st-key-possible-duplicates"))
                 if cell.startswith("./?customer=")]
        assert sorted(links) == sorted(f"./?customer={c}&role=admin" for pair in pairs for c in pair)
        page = open_in_new_tab(page, running.url, f"./?customer={one}&role=admin")
        expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)
        expect(page.get_by_text("Page not found")).to_have_count(0)
        twin = other  # the profile shown is one's
        settle(page)
        page.get_by_text("Identity: which records make this profile, and why").click()
        settle(page)
        expect(page.get_by_role("link", name=f"Open profile #{twin}")).to_be_visible()

        press(page, "Merge into this profile")           # without saying why
        expect(page.get_by_text("Say why: a decision needs a reason.")).to_be_visible(timeout=RENDER_TIMEOUT)
        type_into(page, f"Why #{twin} is or is not the same person", "same home address, ticket 12")
        page.get_by_label(f"Why #{twin} is or is not the same person").press("Enter")
        settle(page)
        press(page, "Merge into this profile")
        expect(page.get_by_text("Merged.")).to_be_visible(timeout=RENDER_TIMEOUT)   # the panel stayed open
        expect(page.get_by_text("merge by local user: same home address, ticket 12")).to_be_visible()
        press(page, "Undo")
        expect(page.get_by_text("Undone.")).to_be_visible(timeout=RENDER_TIMEOUT)
        page.close()
    decisions = work_written(running.store_file)["identity_decisions"]
    assert len(decisions) == 1 and "'merge'" in decisions[0] and "'local user', datetime" in decisions[0]


# ---------------------------------------------------------------- a session of only looking


def test_a_session_of_only_looking_writes_nothing(page: Page, store_with_a_duplicate, tmp_path):
    """Every form with state, visited, picked from and moved between, and never saved: nothing a person's work
    writes may change (opening profiles is audited as looking)."""
    path, (one, other), _ = store_with_a_duplicate
    before = work_written(path)
    labels = idea_labels(path)
    with private_dashboard(path, tmp_path / "looking") as running:
        page.goto(f"{running.url}/social_inbox")
        settle(page)
        for row in (0, 1, 2, 1):
            pick_row(page, inbox_table(page), row)
            type_into(page, "Assign to", "Someone")        # typed, never saved
        choose(page, "Set status", "Closed")
        pick_row(page, inbox_table(page), 0)

        page.goto(f"{running.url}/ideas")
        settle(page)
        for label in (labels[1], labels[0], labels[2], labels[0]):
            choose(page, "Look at idea", label)

        page.goto(f"{running.url}/?customer={one}")
        settle(page)
        page.get_by_text("Identity: which records make this profile, and why").click()
        settle(page)
        type_into(page, f"Why #{other} is or is not the same person", "only typing")
        page.get_by_role("link", name=f"Open profile #{other}").click()
        settle(page)

        page.goto(f"{running.url}/leadership")
        settle(page)
        choose(page, "Complaints behind topic", options(page, "Complaints behind topic")[-1])

        page.goto(f"{running.url}/privacy?customer={one}")
        settle(page)
        type_into(page, f"Type {one} to confirm", "1")      # a wrong confirmation, never submitted

        page.goto(f"{running.url}/data_sources")
        settle(page)
        choose(page, "Kind", "purchases")
        page.goto(f"{running.url}/meeting_prep?customer={other}")
        settle(page)
        expect(page.get_by_text("What to bring up")).to_be_visible(timeout=RENDER_TIMEOUT)
        page.close()
    assert work_written(running.store_file) == before
