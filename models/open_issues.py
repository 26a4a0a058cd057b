"""Open issues: what is open with a customer now, each with the reason it counts — for the meeting brief."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from models.classify import classify
from models.talking_points.rules.social import NEGATIVE_POST_DAYS, NEGATIVE_SENTIMENT
from models.talking_points.tickets import (
    OPEN_STATUSES,
    Ticket,
    build_tickets,
    opening_event,
    ticket_label,
    unanswered_messages,
)
from models.talking_points.timeline import timeline_events
from models.talking_points.wording import number, plain, plural, shorten

COMPLAINT_DAYS = 90  # the inbox's window: an older complaint needs no answer any more, only its history remains
QUOTE_CHARS = 120
MAX_POSTS = 3


def open_issues(timeline: pd.DataFrame | Sequence[Mapping[str, Any]], now: datetime) -> list[str]:
    """Unresolved tickets, then the customer's posts nobody answered that still ask for an answer: complaints of the
    last COMPLAINT_DAYS and negative posts of the last NEGATIVE_POST_DAYS (read by the inbox's classifier, so a
    post whose words praise us is not taken for a complaint because VADER scored it low)."""
    events = timeline_events(timeline)
    tickets = [ticket_line(t, now) for t in build_tickets(events) if t.state in OPEN_STATUSES]
    return tickets + [post_line(post, why) for post, why in unanswered_posts(events, now)][-MAX_POSTS:]


def ticket_line(ticket: Ticket, now: datetime) -> str:
    opened = opening_event(ticket)["occurred_at"]
    waiting = unanswered_messages(ticket)
    why = (f"waiting {plural(days_between(waiting[0]['occurred_at'], now), 'day')} for our reply" if waiting
           else "we replied last; not solved yet")
    return f"Open ticket {ticket_label(ticket)} since {opened:%Y-%m-%d} (status {ticket.state}): {why}"


def unanswered_posts(events: list[dict], now: datetime) -> list[tuple[dict, str]]:
    """(post, why it counts) for each of the customer's posts nobody answered that is still open, oldest first."""
    answered = {e["in_reply_to"] for e in events if e["kind"] == "social_post" and e["author_type"] == "company"}
    found = []
    for post in events:
        if post["kind"] != "social_post" or post["author_type"] == "company" or post["ref_id"] in answered:
            continue
        why = still_open_because(post, now)
        if why:
            found.append((post, why))
    return found


def still_open_because(post: dict, now: datetime) -> str | None:
    """Why an unanswered post is still open ('a complaint, 12 days without a reply'), or None if it is not."""
    age = now - post["occurred_at"]
    if age > timedelta(days=COMPLAINT_DAYS):
        return None
    sentiment = number(post["sentiment"])
    intent = classify(plain(post["body"])).intent  # the learned classifier reads the text whole
    unanswered = f"{plural(days_between(post['occurred_at'], now), 'day')} without a reply"
    if intent == "complaint":
        return f"a complaint, {unanswered}"
    negative = sentiment is not None and sentiment <= NEGATIVE_SENTIMENT and intent != "praise"
    if negative and age <= timedelta(days=NEGATIVE_POST_DAYS):
        return f"negative ({sentiment:+.2f}), {unanswered}"
    return None


def post_line(post: dict, why: str) -> str:
    where = shorten(post["network"] or post["channel"], 40) or "social media"
    return f"Post on {where}, {post['occurred_at']:%Y-%m-%d} — {why}: {shorten(post['body'], QUOTE_CHARS)}"


def days_between(start: datetime, now: datetime) -> int:
    return max((now - start).days, 0)
