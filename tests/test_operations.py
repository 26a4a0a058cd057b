"""Staff edits: every change is stored, audited, and survives model rebuilds and new loads."""

from __future__ import annotations

import json

import pytest

from connectors.loader import load_file
from models import operations
from models.build import build
from queries import customers, inbox
from tests.conftest import rows
from tests.model_fixtures import NOW, load_world, write_jsonl
from tests.viewers import ADMIN


@pytest.fixture
def world(con, tmp_path):
    load_world(con, tmp_path)
    build(con, NOW)
    return con


def test_edits_are_audited_with_who_what_and_when(world):
    operations.assign(world, "social_posts:social:S2", "lee@corp", "kim@corp")
    operations.set_status(world, "social_posts:social:S2", "answered", "lee@corp")
    operations.add_note(world, "social_posts:social:S2", "called him back", "lee@corp")
    trail = rows(world, "select actor, action, object_id, details from audit_log order by audit_id")
    assert [(a, b, c) for a, b, c, _ in trail] == [
        ("kim@corp", "assign", "social_posts:social:S2"), ("lee@corp", "status", "social_posts:social:S2"),
        ("lee@corp", "note", "social_posts:social:S2")]
    assert json.loads(trail[0][3]) == {"assignee": "lee@corp"}
    assert rows(world, "select status, assignee from inbox_state") == [("answered", "lee@corp")]


def test_assigning_a_new_post_starts_it(world):
    operations.assign(world, "social_posts:social:S2", "lee@corp", "kim@corp")
    assert rows(world, "select status from inbox_state") == [("in_progress",)]


def test_bad_edits_are_refused_and_change_nothing(world):
    with pytest.raises(operations.OperationError):
        operations.set_status(world, "social_posts:social:S2", "lost", "kim@corp")
    with pytest.raises(operations.OperationError):
        operations.add_note(world, "social_posts:social:S2", "  ", "kim@corp")
    with pytest.raises(operations.OperationError):
        operations.assign(world, "social_posts:social:S2", "x", "")
    assert rows(world, "select count(*) from audit_log")[0][0] == 0
    assert rows(world, "select count(*) from inbox_state")[0][0] == 0


def test_edits_survive_rebuilds_and_new_loads(world, tmp_path):
    operations.assign(world, "social_posts:social:S2", "lee@corp", "kim@corp")
    operations.hand_off(world, "social_posts:social:S2", "support", "please call", "kim@corp")
    load_file(world, "social_posts", write_jsonl(tmp_path / "more.jsonl", [
        {"post_id": "S7", "posted_at": "2026-02-28T10:00:00", "network": "twitter", "handle": "TrailTom",
         "text": "Still waiting for an answer about the stove"}]), source="social")
    build(world, NOW)
    assert rows(world, "select assignee from inbox_state") == [("lee@corp",)]
    tom = rows(world, "select customer_id from customer_sources where source_id = 'S2'")[0][0]
    events = customers.timeline(tom, ADMIN, con=world)
    assert "handoff:social_posts:social:S2" in set(events["event_id"])
    assert "post:social:S7" in set(events["event_id"])


def test_notes_and_hand_offs_join_the_context_and_the_filtered_timeline_before_any_rebuild(world):
    operations.add_note(world, "social_posts:social:S2", "Called back, all fine", "kim@corp")
    operations.hand_off(world, "social_posts:social:S2", "support", "please call", "kim@corp")
    tom = rows(world, "select customer_id from customer_sources where source_id = 'S2'")[0][0]
    found = customers.context(tom, ADMIN, now=NOW, con=world)
    kinds = dict(zip(found.events.column("event_id"), found.events.column("kind"), strict=True))
    assert kinds["handoff:social_posts:social:S2"] == "handoff"
    assert "note" in kinds.values()
    notes = customers.timeline(tom, ADMIN, kinds=["note"], con=world)
    assert list(notes["kind"]) == ["note"] and list(notes["body"]) == ["Called back, all fine"]
    assert notes["customer_id"].tolist() == [tom]


def test_the_queue_puts_breached_posts_first(world):
    queue = inbox.queue(ADMIN, now=NOW, con=world)
    assert not queue.empty
    assert set(queue["status"]) <= {"new", "in_progress", "answered", "closed"}
    breached = list(queue["breached"] & queue["status"].isin(["new", "in_progress"]))
    assert breached == sorted(breached, reverse=True)
    tom = queue[queue["text"].str.contains("Alpine stove")].iloc[0]
    assert tom["status"] == "answered", "the brand replied to Tom's question on twitter"
    assert tom["team"] == "sales" and tom["is_prospect"]


def test_a_post_being_worked_on_stays_in_the_queue_when_it_ages(world):
    operations.assign(world, "social_posts:social:S2", "lee@corp", "kim@corp")
    build(world, NOW.replace(year=NOW.year + 1))  # a year later: far outside the inbox window
    assert list(inbox.queue(ADMIN, con=world)["post_key"]) == ["social_posts:social:S2"]


def test_leadership_puts_social_issues_next_to_ticket_channels(world):
    from queries import leadership

    operations.set_status(world, "social_posts:social:S2", "closed", "kim@corp")
    table = leadership.social_vs_ticket_response(ADMIN, con=world).set_index("channel")
    assert {"social: twitter", "ticket: email", "ticket: phone", "ticket: web"} <= set(table.index)
    assert table.loc["social: twitter", "median_first_response_minutes"] == 30, "the brand replied after 30 min"
    assert table.loc["ticket: email", "median_first_response_minutes"] == 90
    teams = leadership.breaches_by_team(ADMIN, NOW, con=world).set_index("team")
    assert teams.loc["sales", "items"] == 1 and teams.loc["sales", "breached"] == 0


def test_identity_decisions_are_in_the_audit_log(world):
    from models.identity import decisions

    decision = decisions.dismiss_duplicate(world, 1, 2, reason="different people", decided_by="kim@corp")
    decisions.undo(world, decision, undone_by="lee@corp")
    assert rows(world, "select actor, action from audit_log order by audit_id") == [
        ("kim@corp", "identity_not_duplicate"), ("lee@corp", "identity_undo")]
