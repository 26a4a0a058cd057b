"""Open issues in the meeting brief are what is open now: unresolved tickets, and the customer's posts nobody
answered that still ask for an answer — each with the reason it counts."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.open_issues import open_issues

NOW = datetime(2026, 11, 1, 12, 0)


def ev(event_id: str, kind: str, days_ago: float, **fields) -> dict:
    return {"event_id": event_id, "customer_id": "c1", "occurred_at": NOW - timedelta(days=days_ago), "kind": kind,
            **fields}


def post(event_id: str, days_ago: float, body: str, sentiment: float, **fields) -> dict:
    return ev(event_id, "social_post", days_ago, ref_id=event_id, body=body, sentiment=sentiment,
              network="twitter", author_type="customer", **fields)


def reply(event_id: str, days_ago: float, to: str) -> dict:
    return ev(event_id, "social_post", days_ago, ref_id=event_id, body="Sorry to hear that, DM us",
              network="twitter", author_type="company", in_reply_to=to)


HISTORY = [
    # a ticket still waiting on us, one we answered that is not solved, and one solved long ago
    ev("t1-open", "ticket_opened", 6, ref_id="t1", title="Zip broke", status="open", author_type="customer"),
    ev("t2-open", "ticket_opened", 10, ref_id="t2", title="Invoice copy", status="pending", author_type="customer"),
    ev("t2-reply", "ticket_replied", 9, ref_id="t2", status="pending", author_type="agent", is_public=True),
    ev("t3-open", "ticket_opened", 400, ref_id="t3", title="Old question", status="solved"),
    ev("t3-solved", "ticket_solved", 399, ref_id="t3", status="solved"),
    # a negative post 21 months ago: history, not an open issue
    post("p-old", 640, "Worst tent ever, it leaked all night", -0.8),
    # praise VADER scores below zero: not an issue
    post("p-praise", 5, "Not bad at all, I love it, thank you!", -0.1),
    # a recent complaint we answered: not open
    post("p-answered", 4, "My order never arrived, still waiting", -0.6),
    reply("r1", 3, "p-answered"),
    # open: a complaint of 50 days with no reply, and a negative post of 2 days with no reply
    post("p-complaint", 50, "Still waiting for my refund, no reply to my emails", -0.4),
    post("p-negative", 2, "Honestly sad how this trip went", -0.5),
]


def test_open_issues_are_what_is_open_now_and_say_why():
    assert open_issues(HISTORY, NOW) == [
        "Open ticket 'Invoice copy' since 2026-10-22 (status pending): we replied last; not solved yet",
        "Open ticket 'Zip broke' since 2026-10-26 (status open): waiting 6 days for our reply",
        "Post on twitter, 2026-09-12 — a complaint, 50 days without a reply: Still waiting for my refund, "
        "no reply to my emails",
        "Post on twitter, 2026-10-30 — a complaint, 2 days without a reply: Honestly sad how this trip went",
    ]


def test_a_negative_post_stops_being_open_after_thirty_days_and_a_complaint_after_ninety():
    later = NOW + timedelta(days=95)
    assert [line for line in open_issues(HISTORY, later) if line.startswith("Post")] == []
    assert open_issues([post("p", 91, "Honestly sad how this trip went", -0.5)], NOW) == []
    assert open_issues([post("p", 89, "Honestly sad how this trip went", -0.5)], NOW) != []


def test_a_customer_with_nothing_open_has_no_open_issues():
    assert open_issues([], NOW) == []
    assert open_issues([post("p", 1, "Love the new boots!", 0.8)], NOW) == []
