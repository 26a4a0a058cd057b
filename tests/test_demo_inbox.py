"""The demo company's social inbox opens on a worked queue: a regression check on our own generator (its team's
replies on the networks and its inbox history), at the dashboard's demo size, on a weekday and after a weekend."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

import store
from components.charts import response_times_chart
from connectors.demo import load_demo, load_inbox_history
from data.demo import EXPORT_TIME
from models.build import build
from queries import inbox, leadership
from tests.viewers import ADMIN

# a Thursday, and a Monday (the product team does not work weekends, so ideas wait)
AS_OF_DAYS = (date(2026, 12, 3), date(2026, 12, 7))


@pytest.fixture(scope="module", params=AS_OF_DAYS, ids=str)
def demo(request, tmp_path_factory) -> tuple[store.Connection, datetime, Path]:
    folder = tmp_path_factory.mktemp("demo-inbox")
    now = datetime.combine(request.param, EXPORT_TIME)
    con = store.connect(folder / "demo.duckdb")
    load_demo(con, folder / "files", as_of=request.param)  # the dashboard's demo: 2,000 customers
    build(con, now)
    yield con, now, folder / "files"
    con.close()


def open_items(queue):
    return queue[queue["status"].isin(["new", "in_progress"])]


def test_the_inbox_opens_on_a_few_dozen_open_posts_some_of_them_late(demo):
    con, now, _ = demo
    queue = open_items(inbox.queue(ADMIN, now=now, con=con))
    assert 15 <= len(queue) <= 80, len(queue)
    assert 3 <= queue["breached"].sum() < len(queue)
    # nothing rots: the oldest post still waiting is days old, not months
    assert queue["posted_at"].min() >= now - timedelta(days=7)
    taken = queue[queue["status"] == "in_progress"]
    assert len(taken) > 0 and taken["assignee"].notna().all()


def test_most_posts_are_answered_within_hours(demo):
    con, now, _ = demo
    queue = inbox.queue(ADMIN, now=now, con=con)
    done = queue[queue["status"].isin(["answered", "closed"])]
    assert len(done) >= 0.85 * len(queue)
    assert 30 <= done["minutes_to_answer"].median() <= 12 * 60
    assert (queue["status"] == "closed").sum() > len(queue) / 2
    # answers come from replies on the networks, not only from inbox states
    assert done["answered_at"].notna().all()
    assert con.execute("select count(*) from social_inbox where brand_replied_at is not null").fetchone()[0] \
        > len(done) / 2


def test_leadership_response_times_show_a_working_team(demo):
    con, _, _ = demo
    social = leadership.social_vs_ticket_response(ADMIN, con=con).set_index("channel")
    for network in ("twitter", "instagram", "facebook"):
        row = social.loc[f"social: {network}"]
        assert 5 <= row["median_first_response_minutes"] <= 12 * 60, (network, row)
        assert row["median_close_minutes"] > row["median_first_response_minutes"]
    figure = response_times_chart(leadership.response_times_by_channel(ADMIN, con=con))
    hours = [y for trace in figure.data for y in trace.y if y == y]
    assert len(hours) >= 8 and all(0 < h < 24 * 14 for h in hours)


def test_the_history_is_audited_and_a_second_load_keeps_what_is_there(demo):
    con, _, files = demo
    states = con.execute("select count(*) from inbox_state").fetchone()[0]
    closed = con.execute("""select count(*) from inbox_state s join audit_log a
                            on a.object_id = s.post_key and a.action = 'status' and a.happened_at = s.closed_at
                            where s.status = 'closed'""").fetchone()[0]
    assert closed == con.execute("select count(*) from inbox_state where status = 'closed'").fetchone()[0] > 0
    assert con.execute("""select count(*) from inbox_state s where s.assignee is null or not exists (
                              select 1 from audit_log a where a.object_id = s.post_key and a.action = 'assign')
                       """).fetchone()[0] == 0
    assert con.execute("select count(*) from inbox_notes").fetchone()[0] > 0
    assert load_inbox_history(con, files / "inbox_history.jsonl") == 0
    assert con.execute("select count(*) from inbox_state").fetchone()[0] == states
