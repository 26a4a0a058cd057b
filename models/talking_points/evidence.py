"""A talking point: its sentence, whom it is for, and the events it cites; and the order they are shown in (the
role's own first, then priority, then the newest evidence)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

ROLES = ("support", "sales", "leadership", "anyone")
SUPPORT, SALES, LEADERSHIP = "support", "sales", "leadership"
EVERYONE = frozenset({SUPPORT, SALES, LEADERSHIP})


@dataclass(frozen=True)
class TalkingPoint:
    rule: str
    priority: int
    sentence: str
    cites: tuple[str, ...]
    audience: frozenset[str]


def unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


def point(rule: str, priority: int, sentence: str, cited: Iterable[dict], audience: Iterable[str]) -> TalkingPoint:
    ordered = sorted(cited, key=lambda e: (e["occurred_at"], e["event_id"]))
    return TalkingPoint(rule, priority, sentence, unique(e["event_id"] for e in ordered), frozenset(audience))


def rank(indexed: tuple[int, TalkingPoint], role: str, cited_at: dict[str, datetime], now: datetime) -> tuple:
    """The role's own points first, then priority, then newest evidence (uncited points last), then rule order."""
    position, p = indexed
    times = [cited_at[c] for c in p.cites if c in cited_at]
    staleness = (now - max(times)).total_seconds() if times else math.inf
    return (role != "anyone" and role not in p.audience, p.priority, staleness, position)
