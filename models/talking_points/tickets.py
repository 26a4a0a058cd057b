"""A customer's tickets as the timeline tells them: each ticket's state after its events, whether it was reopened,
and which of the customer's messages still wait for our reply."""

from __future__ import annotations

from dataclasses import dataclass

from models.talking_points.wording import SUBJECT_CHARS, plain, shorten

OPEN_STATUSES = ("new", "open", "pending", "hold")
WAITING_STATUSES = ("new", "open", "pending")  # "hold" waits on a third party, not on us
DONE_STATUSES = ("solved", "closed")
AGENT_AUTHORS = ("agent", "company", "admin", "staff")
# The timeline contract has no rating column; a ticket event may carry an optional "satisfaction" (good/bad/1-5).
BAD_RATINGS = ("bad", "1", "2")
TICKET_KINDS = ("ticket_opened", "ticket_replied", "ticket_solved", "comment")


@dataclass(frozen=True)
class Ticket:
    ref_id: str
    events: tuple[dict, ...]
    state: str | None
    reopen: tuple[dict, dict] | None  # (the event that solved it, the event that reopened it)


def ticket_state_after(state: str | None, event: dict) -> str | None:
    status = event["status"]
    if event["kind"] == "ticket_solved":
        return status if status in DONE_STATUSES else "solved"
    if status in OPEN_STATUSES + DONE_STATUSES:
        return status
    if event["kind"] == "ticket_opened" and (state is None or state in DONE_STATUSES):
        return "open"
    return state


def build_ticket(ref_id: str, events: list[dict]) -> Ticket:
    state, solved_by, reopen = None, None, None
    for event in events:
        after = ticket_state_after(state, event)
        if state in DONE_STATUSES and after in OPEN_STATUSES:
            reopen = (solved_by, event)
        if after in DONE_STATUSES and state not in DONE_STATUSES:
            solved_by = event
        state = after
    return Ticket(ref_id, tuple(events), state, reopen)


def build_tickets(events: list[dict]) -> tuple[Ticket, ...]:
    grouped: dict[str, list[dict]] = {}
    for event in events:
        if event["kind"] in TICKET_KINDS and event["ref_id"] is not None:
            grouped.setdefault(event["ref_id"], []).append(event)
    return tuple(build_ticket(ref_id, group) for ref_id, group in grouped.items())


def opening_event(ticket: Ticket) -> dict:
    return next((e for e in ticket.events if e["kind"] == "ticket_opened"), ticket.events[0])


def ticket_label(ticket: Ticket) -> str:
    titled = [opening_event(ticket), *ticket.events]
    subject = next((shorten(e["title"], SUBJECT_CHARS) for e in titled if plain(e["title"])), "")
    return f"'{subject}'" if subject else f"#{shorten(ticket.ref_id, SUBJECT_CHARS)}"


def message_author(event: dict) -> str | None:
    """Who wrote a public ticket message: "customer", "agent", or None when it is not one."""
    if event["is_public"] is False or event["kind"] not in ("ticket_opened", "ticket_replied", "comment"):
        return None
    if event["author_type"] is not None:
        return "agent" if event["author_type"] in AGENT_AUTHORS else "customer"
    return {"ticket_opened": "customer", "ticket_replied": "agent"}.get(event["kind"])


def unanswered_messages(ticket: Ticket) -> list[dict]:
    """The customer's public messages since our last public reply (empty when we spoke last)."""
    waiting: list[dict] = []
    for event in ticket.events:
        author = message_author(event)
        if author == "agent":
            waiting = []
        elif author == "customer":
            waiting.append(event)
    return waiting


def rated_bad(event: dict) -> bool:
    return event["satisfaction"] in BAD_RATINGS
