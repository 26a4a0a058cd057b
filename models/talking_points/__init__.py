"""Talking points: plain-text rules that turn one customer's profile and timeline into what to say, how and when.

`talking_points()` is the entry point. The house inside: `timeline.py` reads the profile and the timeline into a
Context (`tickets.py`: each ticket's state), `rules/` holds the rules by family with their registry, `evidence.py`
the point, its audience and the events it cites, and the order points are shown in; `wording.py` the plain text
they are said in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from models.talking_points.evidence import ROLES, TalkingPoint, rank
from models.talking_points.rules import RULES
from models.talking_points.tickets import build_tickets
from models.talking_points.timeline import TIMELINE_COLUMNS, Context, belongs_to, profile_fields, timeline_events
from models.talking_points.wording import number, shorten, timestamp

__all__ = ["ROLES", "RULES", "TIMELINE_COLUMNS", "TalkingPoint", "shorten", "talking_points"]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def talking_points(profile: Mapping[str, Any], timeline: pd.DataFrame | Sequence[Mapping[str, Any]],
                   role: str = "anyone", now: datetime | None = None, *,
                   ltv_top_decile: float | None = None) -> list[TalkingPoint]:
    """Every rule that fires for this customer, the role's own points first, then by priority and recency."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; valid roles are: {', '.join(ROLES)}")
    fields = profile_fields(profile)
    everything = timeline_events(timeline)
    own = [e for e in everything if belongs_to(e, fields.get("customer_id"))]
    ctx = Context(fields, tuple(own), tuple(everything), build_tickets(own), timestamp(now) or utc_now(),
                  number(ltv_top_decile))
    points = [p for rule in RULES for p in rule(ctx)]
    cited_at = {e["event_id"]: e["occurred_at"] for e in everything}
    ranked = sorted(enumerate(points), key=lambda indexed: rank(indexed, role, cited_at, ctx.now))
    return [p for _, p in ranked]
