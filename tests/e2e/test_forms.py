"""Forms clicked the way a person clicks them, in Chromium on a private demo dashboard: select, type, save, select
another. Each test pins a flow that once wrote data the person did not ask for, or edited the wrong item."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import store
from tests.e2e.person import (
    RENDER_TIMEOUT,
    choose,
    chosen,
    private_dashboard,
    settle,
    work_written,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def forms_dashboard(demo_store, tmp_path_factory):
    """A dashboard of its own: these tests save, and the shared one must stay as the demo left it."""
    with private_dashboard(demo_store, tmp_path_factory.mktemp("forms")) as running:
        yield running


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
