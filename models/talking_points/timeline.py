"""What the rules read: one customer's profile and timeline, cleaned into plain values, as a Context, and the
questions every rule family asks of it (events of a kind, an event's text, product and network)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from models.talking_points.tickets import Ticket
from models.talking_points.wording import NAME_CHARS, SUBJECT_CHARS, clean, plain, shorten, timestamp

TIMELINE_COLUMNS = ("event_id", "customer_id", "occurred_at", "kind", "channel", "title", "body", "amount",
                    "sentiment", "source", "source_id", "url", "ref_id", "status", "author_type", "is_public",
                    "network", "in_reply_to", "category", "product", "satisfaction", "currency")
LOWERCASE_COLUMNS = ("kind", "status", "author_type", "network", "channel", "satisfaction")


@dataclass(frozen=True)
class Context:
    profile: dict[str, Any]
    events: tuple[dict, ...]  # this customer's events, oldest first
    everything: tuple[dict, ...]  # every event in the frame, so a brand reply filed under another id still counts
    tickets: tuple[Ticket, ...]
    now: datetime
    ltv_top_decile: float | None

    def age(self, when: datetime) -> timedelta:
        return max(self.now - when, timedelta(0))  # clock skew must not make an event "minus one day" old

    def within(self, when: datetime, days: int) -> bool:
        return self.age(when) <= timedelta(days=days)

    def days_since(self, when: datetime) -> int:
        return self.age(when).days


def profile_fields(profile: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: clean(value) for key, value in (profile or {}).items()}


def timeline_events(timeline: pd.DataFrame | Sequence[Mapping[str, Any]] | None) -> list[dict]:
    """The timeline (a frame, or rows as dicts) as plain dicts, oldest first; rows without an id or a time cannot
    be cited or aged, so drop."""
    if timeline is None or len(timeline) == 0:
        return []
    events = []
    if isinstance(timeline, pd.DataFrame):
        # column by column: a column's tolist() is a tenth of the cost of to_dict("records") on 200 rows
        values = [timeline[c].tolist() if c in timeline else [None] * len(timeline) for c in TIMELINE_COLUMNS]
        rows = zip(*values, strict=True)
    else:
        rows = ([event.get(c) for c in TIMELINE_COLUMNS] for event in timeline)
    for row in rows:
        event = {column: clean(value) for column, value in zip(TIMELINE_COLUMNS, row, strict=True)}
        event["occurred_at"] = timestamp(event["occurred_at"])
        if event["event_id"] is None or event["occurred_at"] is None:
            continue
        event["event_id"] = str(event["event_id"])
        for column in ("ref_id", "in_reply_to", "customer_id"):
            event[column] = None if event[column] is None else str(event[column]).strip()
        for column in LOWERCASE_COLUMNS:
            event[column] = None if event[column] is None else str(event[column]).strip().lower()
        events.append(event)
    return sorted(events, key=lambda e: (e["occurred_at"], e["event_id"]))


def belongs_to(event: dict, customer_id: Any) -> bool:
    return customer_id is None or event["customer_id"] is None or event["customer_id"] == str(customer_id).strip()


def of_kind(ctx: Context, *kinds: str) -> list[dict]:
    return [e for e in ctx.events if e["kind"] in kinds]


def first_name(ctx: Context) -> str | None:
    name = plain(ctx.profile.get("first_name")) or plain(ctx.profile.get("display_name")).split(" ")[0]
    return shorten(name, NAME_CHARS) or None


def text_of(event: dict) -> str:
    return plain(" ".join(plain(event[c]) for c in ("title", "body")))


def product_of(event: dict) -> str | None:
    for column in ("product", "category", "title"):
        name = shorten(event[column], SUBJECT_CHARS)
        if name:
            return name
    return None


def network_of(event: dict) -> str:
    return shorten(event["network"] or event["channel"], NAME_CHARS) or "social media"
