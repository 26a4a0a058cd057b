"""The meeting brief: a one-page summary of a customer for a sales conversation, on screen and as Markdown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from components.icons import KIND_LABELS, sentiment_badge
from components.profile_card import lifetime_value
from components.safe import markdown_escape
from models.money import money
from models.open_issues import open_issues
from models.talking_points import shorten
from queries.customers import CustomerContext


@dataclass(frozen=True)
class Brief:
    """The brief's sections as plain text lines: built once, drawn on the page and written as Markdown."""

    name: str
    summary: list[str]
    points: list[str]
    interactions: list[str]
    open_issues: list[str]
    purchases: list[str]
    social: list[str]


def build_brief(context: CustomerContext, now: datetime | None = None) -> Brief:
    """The brief as of `now` (default: this moment, in UTC as the timeline is)."""
    profile, events = context.profile, context.timeline
    return Brief(
        name=profile["display_name"],
        summary=summary_lines(profile),
        points=[p.sentence for p in context.points if "sales" in p.audience][:6] or
               [p.sentence for p in context.points][:4],
        interactions=[interaction_line(e) for e in events.head(5).itertuples()],
        open_issues=open_issues(context.events.records(), now or datetime.now(UTC).replace(tzinfo=None)),
        purchases=purchase_lines(profile, events),
        social=social_lines(profile),
    )


def summary_lines(profile: dict) -> list[str]:
    since = profile.get("customer_since")
    where = ", ".join(str(p) for p in (profile.get("company"), profile.get("city"), profile.get("country")) if p)
    return [line for line in (
        where or None,
        f"Customer since {since:%B %Y}" if since else "Not a customer yet (prospect)",
        f"Segment: {profile['segment']}" if profile.get("segment") else None,
        f"Lifetime value {lifetime_value(profile)} over {profile.get('order_count') or 0} orders",
        f"Best reached by {profile['preferred_channel']}" if profile.get("preferred_channel") else None,
    ) if line]


def interaction_line(event) -> str:
    text = shorten(event.body, 140)  # a missing body is NaN in the frame: it must read as nothing, not "nan"
    return f"{event.occurred_at:%Y-%m-%d} · {KIND_LABELS.get(event.kind, event.kind)} · {event.title}" + (
        f" — {text}" if text else "")


def purchase_lines(profile: dict, events: pd.DataFrame) -> list[str]:
    purchases = events[events["kind"] == "purchase"]
    if purchases.empty:
        return ["No purchases yet."]
    categories = purchases["category"].dropna().value_counts().head(5)
    cadence = profile.get("purchase_cadence_days")
    return [line for line in (
        f"Last order {profile['last_purchase_at']:%Y-%m-%d}" + average_order(profile),
        f"Orders about every {cadence:.0f} days" if cadence else "Too few orders to see a rhythm",
        ("Buys: " + ", ".join(f"{c} ({n})" for c, n in categories.items())) if not categories.empty else None,
    ) if line]


def average_order(profile: dict) -> str:
    """'; average order £42.00' — only for a customer who paid in one currency: an average across currencies
    means nothing."""
    if (profile.get("currency_count") or 0) > 1 or profile.get("avg_order_value") is None:
        return ""
    return f"; average order {money(profile['avg_order_value'], profile.get('currency'))}"


def social_lines(profile: dict) -> list[str]:
    handles = [h.replace(":", " @", 1) for h in profile.get("handles") or []]
    if not handles:
        return ["No social accounts known."]
    followers = profile.get("followers")
    mood = sentiment_badge(profile.get("sentiment_overall"))
    return [", ".join(handles),
            f"{profile.get('post_count') or 0} posts about us; sentiment {mood}"
            + (f"; {followers:,} followers" if followers else "")]


def brief_markdown(brief: Brief) -> str:
    """The brief as a Markdown file; customers' words are escaped so they read as text in any viewer."""
    sections = [("Summary", brief.summary), ("What to bring up", brief.points),
                ("Last five interactions", brief.interactions),
                ("Open issues", brief.open_issues or ["No open issues."]),
                ("Purchase pattern", brief.purchases), ("Social presence", brief.social)]
    lines = [f"# Meeting brief: {markdown_escape(brief.name)}", ""]
    for title, items in sections:
        lines += [f"## {title}", ""] + [f"- {markdown_escape(item)}" for item in items] + [""]
    return "\n".join(lines)
