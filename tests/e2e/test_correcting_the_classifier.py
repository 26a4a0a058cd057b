"""A person corrects the classifier in the social inbox, in Chromium on a private demo dashboard: the correction shows
who made it, holds across a reload and across looking at another post, and Model quality then shows figures."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import Page, expect

import store
from models import operations
from queries.model_quality import MIN_LABELS, model_quality
from tests.e2e.person import (
    RENDER_TIMEOUT,
    add_to_multiselect,
    grid_rows,
    grid_with_column,
    page_text,
    pick_row,
    private_dashboard,
    settle,
    work_written,
)
from tests.viewers import ADMIN

pytestmark = pytest.mark.e2e
INTENTS = ("Complaint", "Question", "Praise", "Idea", "Other")


def labelled_store(demo_store, folder):
    """The demo store with MIN_LABELS posts other staff closed (each a confirmed reading), the inbox's others left."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "labelled.duckdb"
    shutil.copy(demo_store, path)
    con = store.connect(path)
    try:
        keys = [r[0] for r in con.execute("select post_key from social_inbox where brand_replied_at is null "
                                          "order by post_key desc limit ?", [MIN_LABELS]).fetchall()]
        for key in keys:
            operations.set_status(con, key, "closed", "lee@fernwood.example")
    finally:
        con.close()
    return path


def intent_corrections(path) -> int:
    """How many intent corrections Model quality counts on the store before anybody here corrects one."""
    con = store.connect(path, read_only=True)
    try:
        return model_quality(ADMIN, con)["intent"].corrected
    finally:
        con.close()


def inbox_table(page: Page):
    return page.locator('[data-testid="stDataFrame"]').first


def open_post_text(page: Page) -> str:
    texts = page.locator('.st-key-inbox-post [data-testid="stText"]')
    texts.nth(1).wait_for(timeout=RENDER_TIMEOUT)
    return texts.nth(1).inner_text()


def intent_control(page: Page):
    """The open post's intent control: one radio button per value, the shown one checked."""
    return page.locator(".st-key-inbox-post").get_by_role("radiogroup", name="Intent")


def shown_intent(page: Page) -> str:
    checked = intent_control(page).get_by_role("radio", checked=True)
    expect(checked).to_have_count(1, timeout=RENDER_TIMEOUT)
    return checked.inner_text().strip()


def corrected_by(page: Page) -> list[str]:
    return [t for t in page.locator('.st-key-inbox-post [data-testid="stText"]').all_inner_texts()
            if t.startswith("Corrected by ")]


def expect_corrected_once(page: Page) -> None:
    """The open post says once who corrected it (waiting for the panel to be drawn)."""
    said = page.locator('.st-key-inbox-post [data-testid="stText"]').filter(has_text=re.compile("^Corrected by "))
    expect(said).to_have_count(1, timeout=RENDER_TIMEOUT)


def pick_post(page: Page, text: str) -> None:
    """Open the post with this text from the queue the grid shows."""
    for index, row in enumerate(grid_rows(inbox_table(page))):
        if row.get("Post") == text:
            pick_row(page, inbox_table(page), index)
            # the panel shows it once the run the click started has drawn it (a loaded machine may lag the grid)
            expect(page.locator('.st-key-inbox-post [data-testid="stText"]').nth(1)).to_have_text(
                text, timeout=RENDER_TIMEOUT)
            return
    raise AssertionError(f"the post is not in the queue shown: {text!r}")


def test_a_person_corrects_a_posts_intent_and_it_holds(page: Page, demo_store, tmp_path):
    labelled = labelled_store(demo_store, tmp_path / "store")
    team_corrections = intent_corrections(labelled)
    before = work_written(labelled)  # the demo team's history (its corrections among it)
    with private_dashboard(labelled, tmp_path / "run") as running:
        page.goto(f"{running.url}/social_inbox")
        settle(page)
        pick_row(page, inbox_table(page), 0)
        post = open_post_text(page)
        read = shown_intent(page)
        assert read in INTENTS and corrected_by(page) == []
        new = "Idea" if read != "Idea" else "Question"

        intent_control(page).get_by_role("radio", name=new, exact=True).click()  # one click
        settle(page)

        expect(page.get_by_text(f"Intent corrected to {new.lower()}.")).to_be_visible(timeout=RENDER_TIMEOUT)
        assert open_post_text(page) == post and shown_intent(page) == new
        said = corrected_by(page)
        assert len(said) == 1 and re.fullmatch(rf"Corrected by .+ \d{{4}}-\d\d-\d\d \d\d:\d\d UTC "
                                               rf"\(the model read {read.lower()}\)\.", said[0]), said

        page.reload()                                      # a new session: nothing kept but the store
        settle(page)
        add_to_multiselect(page, "Intent", new.lower())    # the queue now files it under the corrected intent
        pick_post(page, post)
        expect_corrected_once(page)
        assert shown_intent(page) == new

        others = [r["Post"] for r in grid_rows(inbox_table(page)) if r.get("Post") != post]
        assert others, "another post under the same intent to look at"
        pick_post(page, others[0])                          # another post, then back
        assert open_post_text(page) == others[0]
        pick_post(page, post)
        expect_corrected_once(page)
        assert shown_intent(page) == new

        page.goto(f"{running.url}/data_sources")
        settle(page)
        expect(page.get_by_role("heading", name="Model quality")).to_be_visible(timeout=RENDER_TIMEOUT)
        # the intent tab (shown first): figures, the person's correction among the labels, the confusion matrix
        corrected = page.get_by_test_id("stMetric").filter(has_text="Of them corrections").first
        expect(corrected).to_be_visible(timeout=RENDER_TIMEOUT)
        # the demo team's own corrections (data/demo: where the model misread a post it worked) and this person's
        assert corrected.get_by_test_id("stMetricValue").inner_text().strip() == str(team_corrections + 1)
        assert len(grid_rows(grid_with_column(page, "People said"))) == len(INTENTS)
        assert "Not enough labels yet to measure the intent" not in page_text(page)
        page.close()
    after = work_written(running.store_file)
    written = {table: [row for row in rows if row not in before[table]] for table, rows in after.items()}
    assert [row for row in written["classification_corrections"] if "'intent'" in row] == written[
        "classification_corrections"]
    assert len(written["classification_corrections"]) == 1 and f"'{new.lower()}'" in written[
        "classification_corrections"][0]
    assert sum("'correct'" in entry for entry in written["audit_log (changes)"]) == 1
