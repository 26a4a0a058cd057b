"""Rules on tickets and ratings: a ticket waiting for our reply, open too long or reopened, and a bad rating."""

from __future__ import annotations

from models.talking_points.evidence import EVERYONE, LEADERSHIP, SUPPORT, TalkingPoint, point
from models.talking_points.tickets import (
    OPEN_STATUSES,
    WAITING_STATUSES,
    opening_event,
    rated_bad,
    ticket_label,
    unanswered_messages,
)
from models.talking_points.timeline import Context
from models.talking_points.wording import ago, number, plural, timestamp

UNANSWERED_TICKET_DAYS = 1
LONG_OPEN_TICKET_DAYS = 7
REOPENED_RECENT_DAYS = 90  # a reopen that has been solved again stops mattering after this
BAD_CSAT_DAYS = 90
BAD_CSAT_SCORE = 0.5
BAD_CSAT_MIN_RESPONSES = 2


def unanswered_ticket(ctx: Context) -> list[TalkingPoint]:
    points = []
    for ticket in ctx.tickets:
        waiting = unanswered_messages(ticket)
        if ticket.state not in WAITING_STATUSES or not waiting:
            continue
        days = ctx.days_since(waiting[0]["occurred_at"])
        if days >= UNANSWERED_TICKET_DAYS:
            sentence = (f"Open ticket {ticket_label(ticket)} — {plural(days, 'day')} without a reply. "
                        "Acknowledge it first.")
            points.append(point("unanswered_ticket", 1, sentence, [opening_event(ticket), *waiting], EVERYONE))
    return points


def long_open_ticket(ctx: Context) -> list[TalkingPoint]:
    points = []
    for ticket in ctx.tickets:
        opened = opening_event(ticket)
        days = ctx.days_since(opened["occurred_at"])
        if ticket.state in OPEN_STATUSES and days >= LONG_OPEN_TICKET_DAYS:
            sentence = (f"Ticket {ticket_label(ticket)} has been open for {days} days (status {ticket.state}). "
                        "Give them a concrete update and a date for the next step.")
            points.append(point("long_open_ticket", 2, sentence, [opened], {SUPPORT, LEADERSHIP}))
    return points


def reopened_ticket(ctx: Context) -> list[TalkingPoint]:
    points = []
    for ticket in ctx.tickets:
        if ticket.reopen is None:
            continue
        solved, reopened = ticket.reopen
        still_open = ticket.state in OPEN_STATUSES
        if not still_open and not ctx.within(reopened["occurred_at"], REOPENED_RECENT_DAYS):
            continue
        when = ago(ctx.days_since(reopened["occurred_at"]))
        advice = ("the first fix did not work; find out what went wrong before replying." if still_open
                  else "it is solved again now; check it really is fixed this time.")
        sentence = f"Ticket {ticket_label(ticket)} was reopened {when} after we marked it solved — {advice}"
        points.append(point("reopened_ticket", 2, sentence, [solved, reopened], {SUPPORT, LEADERSHIP}))
    return points


def bad_recent_csat(ctx: Context) -> list[TalkingPoint]:
    recent = [e for e in ctx.events if ctx.within(e["occurred_at"], BAD_CSAT_DAYS)]
    bad = [e for e in recent if rated_bad(e)]
    if bad:
        latest = bad[-1]
        ticket = next((t for t in ctx.tickets if t.ref_id == latest["ref_id"]), None)
        on = f" on ticket {ticket_label(ticket)}" if ticket else ""
        rating = "as bad" if latest["satisfaction"] == "bad" else f"{latest['satisfaction']} out of 5"
        sentence = (f"Bad rating {ago(ctx.days_since(latest['occurred_at']))}: they rated our help{on} {rating}. "
                    "Acknowledge it and show what changed before asking for anything.")
        return [point("bad_recent_csat", 2, sentence, bad, {SUPPORT, LEADERSHIP})]
    csat, responses = number(ctx.profile.get("csat")), number(ctx.profile.get("csat_responses"))
    if csat is None or responses is None or responses < BAD_CSAT_MIN_RESPONSES or csat >= BAD_CSAT_SCORE:
        return []
    # A low overall score only counts as "recent" when we were in touch within the window.
    recent_solves = [e for e in recent if e["kind"] == "ticket_solved"]
    last_contact = timestamp(ctx.profile.get("last_contact_at"))
    if not recent_solves and not (last_contact and ctx.within(last_contact, BAD_CSAT_DAYS)):
        return []
    sentence = (f"Low satisfaction: {good_ratings(round(csat * responses), int(responses))}. "
                "Acknowledge past problems before asking for anything.")
    return [point("bad_recent_csat", 2, sentence, recent_solves, {SUPPORT, LEADERSHIP})]


def good_ratings(good: int, responses: int) -> str:
    """How many of their ratings were good, in words that read right for none, one and many."""
    if good == 0:
        return f"neither of their {responses} ratings was good" if responses == 2 else \
            f"none of their {responses} ratings was good"
    return f"only {good} of their {responses} ratings {'was' if good == 1 else 'were'} good"
