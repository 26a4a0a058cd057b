"""Rules on the relationship itself: a customer anniversary, and how and when they are best reached."""

from __future__ import annotations

from datetime import date

from models.talking_points.evidence import EVERYONE, SALES, SUPPORT, TalkingPoint, point
from models.talking_points.timeline import Context, first_name
from models.talking_points.wording import NAME_CHARS, shorten, timestamp

ANNIVERSARY_WINDOW_DAYS = 7


def same_day_in(since: date, year: int) -> date:
    try:
        return since.replace(year=year)
    except ValueError:  # 29 February in a non-leap year
        return since.replace(year=year, day=28)


def nearest_anniversary(since: date, today: date) -> tuple[int, date] | None:
    for year in (today.year - 1, today.year, today.year + 1):
        day = same_day_in(since, year)
        if year - since.year >= 1 and abs((day - today).days) <= ANNIVERSARY_WINDOW_DAYS:
            return year - since.year, day
    return None


def anniversary(ctx: Context) -> list[TalkingPoint]:
    since = timestamp(ctx.profile.get("customer_since"))
    found = nearest_anniversary(since.date(), ctx.now.date()) if since else None
    if found is None:
        return []
    years, day = found
    offset = (day - ctx.now.date()).days
    when = {0: "is today", 1: "is tomorrow", -1: "was yesterday"}.get(
        offset, f"is in {offset} days" if offset > 0 else f"was {-offset} days ago")
    whose = f"{first_name(ctx)}'s" if first_name(ctx) else "Their"
    sentence = (f"{whose} {years}-year anniversary as a customer {when} ({day.day} {day:%B}) — "
                "thank them for their loyalty.")
    return [point("anniversary", 4, sentence, [], {SALES, SUPPORT})]


def channel_phrase(channel: str) -> str:
    return {"email": "by email", "phone": "by phone", "sms": "by text message"}.get(channel.lower(), f"on {channel}")


def reach_them(ctx: Context) -> list[TalkingPoint]:
    channel = shorten(ctx.profile.get("preferred_channel"), NAME_CHARS)
    hours = shorten(ctx.profile.get("active_hours"), NAME_CHARS)
    if channel and hours:
        sentence = f"Best reached {channel_phrase(channel)}, usually active {hours}."
    elif channel:
        sentence = f"Best reached {channel_phrase(channel)}."
    elif hours:
        sentence = f"Usually active {hours}; reach out then."
    else:
        return []
    return [point("reach_them", 5, sentence, [], EVERYONE)]
