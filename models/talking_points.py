"""Talking points: plain-text rules that turn one customer's profile and timeline into what to say, how and when."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from models.money import money as in_currency
from models.money import sums

ROLES = ("support", "sales", "leadership", "anyone")
SUPPORT, SALES, LEADERSHIP = "support", "sales", "leadership"
EVERYONE = frozenset({SUPPORT, SALES, LEADERSHIP})

UNANSWERED_TICKET_DAYS = 1
LONG_OPEN_TICKET_DAYS = 7
REOPENED_RECENT_DAYS = 90  # a reopen that has been solved again stops mattering after this
NEGATIVE_SENTIMENT = -0.05  # VADER's conventional cut-off for "negative"
NEGATIVE_POST_DAYS = 30
RECENT_PURCHASE_DAYS = 14
RECENT_REFUND_DAYS = 60
CHURN_MIN_ORDERS = 3
CHURN_CADENCE_MULTIPLE = 2
CHURN_MIN_DAYS = 60
BAD_CSAT_DAYS = 90
BAD_CSAT_SCORE = 0.5
BAD_CSAT_MIN_RESPONSES = 2
PRODUCT_IDEA_DAYS = 365
INFLUENCER_FOLLOWERS = 5_000
ADVOCATE_SENTIMENT = 0.3
ANNIVERSARY_WINDOW_DAYS = 7
FIRST_ORDER_DAYS = 30
EXCERPT_CHARS = 80
SUBJECT_CHARS = 60
NAME_CHARS = 40
MAX_NAMED_PRODUCTS = 3
MAX_CITED_POSTS = 3

OPEN_STATUSES = ("new", "open", "pending", "hold")
WAITING_STATUSES = ("new", "open", "pending")  # "hold" waits on a third party, not on us
DONE_STATUSES = ("solved", "closed")
VOID_ORDER_STATUSES = ("cancelled", "canceled", "refunded", "voided", "failed")
AGENT_AUTHORS = ("agent", "company", "admin", "staff")
# The timeline contract has no rating column; a ticket event may carry an optional "satisfaction" (good/bad/1-5).
BAD_RATINGS = ("bad", "1", "2")
IDEA_PATTERN = re.compile(r"\b(would love|wish|please add|could you make|suggestion|idea|it would be great if)\b",
                          re.IGNORECASE)
TICKET_KINDS = ("ticket_opened", "ticket_replied", "ticket_solved", "comment")
TIMELINE_COLUMNS = ("event_id", "customer_id", "occurred_at", "kind", "channel", "title", "body", "amount",
                    "sentiment", "source", "source_id", "url", "ref_id", "status", "author_type", "is_public",
                    "network", "in_reply_to", "category", "product", "satisfaction", "currency")
LOWERCASE_COLUMNS = ("kind", "status", "author_type", "network", "channel", "satisfaction")


@dataclass(frozen=True)
class TalkingPoint:
    rule: str
    priority: int
    sentence: str
    cites: tuple[str, ...]
    audience: frozenset[str]


@dataclass(frozen=True)
class Ticket:
    ref_id: str
    events: tuple[dict, ...]
    state: str | None
    reopen: tuple[dict, dict] | None  # (the event that solved it, the event that reopened it)


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


# ---------------------------------------------------------------- cleaning untrusted, possibly missing values


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, list | tuple | set | frozenset):
        return not value
    if pd.api.types.is_scalar(value):
        return bool(pd.isna(value))
    return len(value) == 0 if hasattr(value, "__len__") else False


def clean(value: Any) -> Any:
    """None for anything missing; numpy scalars as Python values; arrays as lists."""
    # the common plain values first: this runs for every cell of 200 events
    if value is None or type(value) in (int, bool, datetime):
        return value
    if type(value) is str:
        return value if value.strip() else None
    if type(value) is float:
        return None if math.isnan(value) else value
    if is_missing(value):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str | pd.Timestamp):
        return value.tolist()
    return value


def plain(text: Any) -> str:
    """One line of plain text: control and format characters dropped, whitespace collapsed."""
    if is_missing(text):
        return ""
    kept = []
    for char in str(text):
        category = unicodedata.category(char)
        if category == "Cc" or category in ("Zl", "Zp"):
            kept.append(" ")
        elif not category.startswith("C"):  # format chars (bidi overrides, zero-width) are invisible tricks
            kept.append(char)
    return " ".join("".join(kept).split())


def shorten(text: Any, limit: int) -> str:
    words = plain(text)
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut[limit // 2:]:  # end on a word boundary when that keeps most of the text
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def excerpt(text: Any) -> str:
    return shorten(text, EXCERPT_CHARS).replace('"', "'")  # our own double quotes delimit it


def said(text: Any) -> str:
    """': "excerpt"' to append after a mention of a post, or nothing when the post has no text."""
    quote = excerpt(text)
    return f': "{quote}"' if quote else ""


def number(value: Any) -> float | None:
    if is_missing(value):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) or math.isinf(result) else result


def timestamp(value: Any) -> datetime | None:
    """A naive UTC datetime, or None."""
    if type(value) is datetime and value.tzinfo is None:  # as DuckDB gives it: nothing to convert
        return value
    if is_missing(value):
        return None
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if moment is pd.NaT:
        return None
    if moment.tzinfo is not None:
        moment = moment.tz_convert("UTC").tz_localize(None)
    return moment.to_pydatetime()


def money(value: float, currency: Any = None) -> str:
    """An amount as said to a customer: its size (a refund is not negative money) and its currency."""
    return in_currency(abs(value), currency)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def ago(days: int) -> str:
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def joined(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def unique(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(ids))


# ---------------------------------------------------------------- reading the profile and the timeline


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


def customer_posts(ctx: Context) -> list[dict]:
    return [e for e in of_kind(ctx, "social_post") if e["author_type"] != "company"]


def negative_recent_posts(ctx: Context) -> list[dict]:
    return [p for p in customer_posts(ctx) if (score := number(p["sentiment"])) is not None
            and score <= NEGATIVE_SENTIMENT and ctx.within(p["occurred_at"], NEGATIVE_POST_DAYS)]


def company_replies(ctx: Context, post: dict) -> list[dict]:
    if post["ref_id"] is None:
        return []
    return [e for e in ctx.everything if e["kind"] == "social_post" and e["author_type"] == "company"
            and e["in_reply_to"] == post["ref_id"]]


def followers(ctx: Context) -> int:
    return int(number(ctx.profile.get("followers")) or 0)


def newest(events: list[dict], limit: int) -> list[dict]:
    return sorted(events, key=lambda e: e["occurred_at"])[-limit:]


# ---------------------------------------------------------------- tickets


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


# ---------------------------------------------------------------- the rules


def point(rule: str, priority: int, sentence: str, cited: Iterable[dict], audience: Iterable[str]) -> TalkingPoint:
    ordered = sorted(cited, key=lambda e: (e["occurred_at"], e["event_id"]))
    return TalkingPoint(rule, priority, sentence, unique(e["event_id"] for e in ordered), frozenset(audience))


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


def negative_post_unanswered(ctx: Context) -> list[TalkingPoint]:
    points = []
    for post in negative_recent_posts(ctx):
        if company_replies(ctx, post):
            continue
        sentence = (f"Unanswered negative post on {network_of(post)} {ago(ctx.days_since(post['occurred_at']))}"
                    f"{said(text_of(post))}. Reply publicly and offer to continue in a private channel.")
        points.append(point("negative_post_unanswered", 1, sentence, [post], {SUPPORT, LEADERSHIP}))
    return points


def negative_post_answered(ctx: Context) -> list[TalkingPoint]:
    points = []
    for post in negative_recent_posts(ctx):
        replies = company_replies(ctx, post)
        if not replies:
            continue
        network = network_of(post)
        sentence = (f"Negative post on {network} {ago(ctx.days_since(post['occurred_at']))}{said(text_of(post))}"
                    f" — we replied on {network}; check they are satisfied.")
        points.append(point("negative_post_answered", 3, sentence, [post, *replies], {SUPPORT}))
    return points


def refunded_orders(ctx: Context) -> set[str]:
    return {e["ref_id"] for e in of_kind(ctx, "refund") if e["ref_id"] is not None}


def kept_purchases(ctx: Context) -> list[dict]:
    """Purchases that went through and were not refunded: the ones worth asking about."""
    refunded = refunded_orders(ctx)
    return [e for e in of_kind(ctx, "purchase")
            if e["status"] not in VOID_ORDER_STATUSES and (e["ref_id"] is None or e["ref_id"] not in refunded)]


def product_phrase(purchases: list[dict]) -> str | None:
    names = list(dict.fromkeys(name for e in purchases if (name := product_of(e))))
    if not names:
        return None
    shown = [f"the {name}" for name in names[:MAX_NAMED_PRODUCTS]]
    if len(names) > MAX_NAMED_PRODUCTS:
        shown.append(plural(len(names) - MAX_NAMED_PRODUCTS, "more item"))
    return joined(shown)


def recent_purchase_follow_up(ctx: Context) -> list[TalkingPoint]:
    recent = [e for e in kept_purchases(ctx) if ctx.within(e["occurred_at"], RECENT_PURCHASE_DAYS)]
    if not recent:
        return []
    products = product_phrase(recent)
    latest = ago(ctx.days_since(recent[-1]["occurred_at"]))
    amount = number(recent[0]["amount"]) if len(recent) == 1 else None
    if products and len({product_of(e) for e in recent}) == 1:
        paid = f" ({money(amount, recent[0]['currency'])})" if amount is not None else ""
        sentence = f"They bought {products}{paid} {latest} — ask how {products} is working out."
    elif products:
        sentence = f"They bought {products} in the last {RECENT_PURCHASE_DAYS} days — ask how they are working out."
    else:
        sentence = f"They placed an order {latest} — ask how it is working out."
    return [point("recent_purchase_follow_up", 3, sentence, recent, {SALES, SUPPORT})]


def refunded_product(ctx: Context, refund: dict) -> str | None:
    """The refund row's own product, else the products of the order it refunds; none for a partial refund, which
    names an amount but not the items it was for."""
    if refund["status"] == "partially_refunded":
        return None
    bought = [e for e in of_kind(ctx, "purchase") if refund["ref_id"] is not None and e["ref_id"] == refund["ref_id"]]
    return product_phrase([refund]) or product_phrase(bought)


def refund_phrase(amount: float | None, product: str | None, currency: str | None = None,
                  partial_of: str | None = None) -> str:
    if amount is not None and partial_of:
        return f"We refunded {money(amount, currency)} of order {partial_of}"
    if amount is not None and product:
        return f"We refunded {money(amount, currency)} for {product}"
    if amount is not None:
        return f"We refunded {money(amount, currency)}"
    return f"We refunded {product}" if product else "We issued a refund"


def recent_refund(ctx: Context) -> list[TalkingPoint]:
    points = []
    for refund in of_kind(ctx, "refund"):
        if not ctx.within(refund["occurred_at"], RECENT_REFUND_DAYS):
            continue
        partial_of = shorten(refund["ref_id"], SUBJECT_CHARS) if refund["status"] == "partially_refunded" else None
        refunded = refund_phrase(number(refund["amount"]), refunded_product(ctx, refund), refund["currency"],
                                 partial_of)
        sentence = (f"{refunded} {ago(ctx.days_since(refund['occurred_at']))} — acknowledge it and "
                    "check they are happy with how it was handled.")
        points.append(point("recent_refund", 2, sentence, [refund], {SUPPORT, SALES}))
    return points


def lifetime_text(profile: dict, value: float) -> str:
    """The lifetime value in each currency they paid in ('£900.00 + €120.00'), else the one figure as it is."""
    values = profile.get("lifetime_values")
    if isinstance(values, list) and values and all(isinstance(v, Mapping) for v in values):
        return sums(values)
    return money(value, profile.get("currency"))


def top_customer(ctx: Context) -> list[TalkingPoint]:
    value, threshold = number(ctx.profile.get("lifetime_value")), number(ctx.ltv_top_decile)
    if value is None or threshold is None or value <= 0 or value < threshold:
        return []
    orders = number(ctx.profile.get("order_count"))
    since = timestamp(ctx.profile.get("customer_since"))
    details = "".join([f" across {plural(int(orders), 'order')}" if orders else "",
                       f" since {since:%B %Y}" if since else ""])
    sentence = (f"Top-10% customer: {lifetime_text(ctx.profile, value)} lifetime value{details}. "
                "Give them priority and the best option you can offer.")
    return [point("top_customer", 2, sentence, [], {SALES, LEADERSHIP})]


def last_purchase(ctx: Context) -> tuple[datetime | None, list[dict]]:
    purchases = of_kind(ctx, "purchase")
    when = timestamp(ctx.profile.get("last_purchase_at")) or (purchases[-1]["occurred_at"] if purchases else None)
    if not purchases:
        return when, []
    latest = purchases[-1]
    same_order = [e for e in purchases if latest["ref_id"] is not None and e["ref_id"] == latest["ref_id"]]
    return when, same_order or [latest]


def every(days: float) -> str:
    """'every day' for a rhythm of a day or less ('every 0 days' reads wrong), else 'every N days'."""
    return "every day" if round(days) <= 1 else f"every {round(days)} days"


def churn_risk(ctx: Context) -> list[TalkingPoint]:
    orders, cadence = number(ctx.profile.get("order_count")), number(ctx.profile.get("purchase_cadence_days"))
    last_at, cited = last_purchase(ctx)
    if orders is None or orders < CHURN_MIN_ORDERS or not cadence or cadence <= 0 or last_at is None:
        return []
    days = ctx.days_since(last_at)
    if days <= CHURN_CADENCE_MULTIPLE * cadence or days <= CHURN_MIN_DAYS:
        return []
    sentence = (f"Usually orders {every(cadence)}, but the last order was {days} days ago — "
                "they may be drifting away; ask how things are going and what would bring them back.")
    return [point("churn_risk", 2, sentence, cited, {SALES, LEADERSHIP})]


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


def idea_events(ctx: Context) -> list[dict]:
    written_by_customer = [e for e in ctx.events if e["kind"] in ("social_post", "ticket_opened", "comment")
                           and (e["author_type"] is None or e["author_type"] not in AGENT_AUTHORS)]
    # "I wish it hadn't broken" is a complaint, not an idea: skip text that reads negative.
    not_negative = [e for e in written_by_customer
                    if (score := number(e["sentiment"])) is None or score > NEGATIVE_SENTIMENT]
    return [e for e in not_negative
            if ctx.within(e["occurred_at"], PRODUCT_IDEA_DAYS) and IDEA_PATTERN.search(text_of(e))]


def idea_excerpt(text: str) -> str:
    """Start the quote at the sentence holding the suggestion, not at the greeting before it."""
    found = IDEA_PATTERN.search(text)
    start = max(text.rfind(mark, 0, found.start()) for mark in ".!?") + 1 if found else 0
    return excerpt(text[start:])


def idea_place(ctx: Context, event: dict) -> str:
    if event["kind"] == "social_post":
        return network_of(event)
    ticket = next((t for t in ctx.tickets if t.ref_id == event["ref_id"]), None)
    return f"ticket {ticket_label(ticket)}" if ticket else "a ticket"


def product_idea(ctx: Context) -> list[TalkingPoint]:
    ideas = idea_events(ctx)
    if not ideas:
        return []
    latest = ideas[-1]
    more = f" (and {plural(len(ideas) - 1, 'more suggestion')})" if len(ideas) > 1 else ""
    sentence = (f"They suggested on {idea_place(ctx, latest)} {ago(ctx.days_since(latest['occurred_at']))}: "
                f"\"{idea_excerpt(text_of(latest))}\"{more}. Thank them and tell them it has been passed on "
                "to the product team.")
    return [point("product_idea", 4, sentence, ideas, {SALES, SUPPORT})]


def handle_phrase(ctx: Context) -> str:
    handles = ctx.profile.get("handles") or []
    handles = [handles] if isinstance(handles, str) else handles
    first = next((plain(h) for h in handles if plain(h)), "")
    network, _, name = first.partition(":")
    if name.strip():
        return f" (@{shorten(name.strip().lstrip('@'), NAME_CHARS)} on {shorten(network, NAME_CHARS)})"
    return ""


def advocate(ctx: Context) -> list[TalkingPoint]:
    sentiment = number(ctx.profile.get("sentiment_overall"))
    if followers(ctx) < INFLUENCER_FOLLOWERS or sentiment is None or sentiment < ADVOCATE_SENTIMENT:
        return []
    warm = [p for p in customer_posts(ctx) if (s := number(p["sentiment"])) is not None and s >= ADVOCATE_SENTIMENT]
    sentence = (f"Fan with reach: {followers(ctx):,} followers{handle_phrase(ctx)} and they speak well of us. "
                "Thank them; they are a good fit for reviews or an ambassador offer.")
    return [point("advocate", 3, sentence, newest(warm, MAX_CITED_POSTS), {SALES, LEADERSHIP})]


def influencer_unhappy(ctx: Context) -> list[TalkingPoint]:
    negative = negative_recent_posts(ctx)
    if followers(ctx) < INFLUENCER_FOLLOWERS or not negative:
        return []
    latest = negative[-1]
    sentence = (f"{followers(ctx):,} followers and a negative post on {network_of(latest)} "
                f"{ago(ctx.days_since(latest['occurred_at']))}{said(text_of(latest))}. "
                "A complaint with reach — escalate and make sure a senior person replies today.")
    return [point("influencer_unhappy", 1, sentence, negative, {LEADERSHIP, SUPPORT})]


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


def first_order(ctx: Context) -> tuple[datetime | None, list[dict]]:
    purchases = of_kind(ctx, "purchase")
    if not purchases:
        return timestamp(ctx.profile.get("first_purchase_at") or ctx.profile.get("last_purchase_at")), []
    first = purchases[0]
    same_order = [e for e in purchases if first["ref_id"] is not None and e["ref_id"] == first["ref_id"]]
    return first["occurred_at"], same_order or [first]


def order_count(ctx: Context) -> int:
    counted = number(ctx.profile.get("order_count"))
    if counted is not None:
        return int(counted)
    purchases = of_kind(ctx, "purchase")
    return len({e["ref_id"] or e["event_id"] for e in purchases})


def first_time_buyer(ctx: Context) -> list[TalkingPoint]:
    placed_at, order = first_order(ctx)
    if order_count(ctx) != 1 or placed_at is None or not ctx.within(placed_at, FIRST_ORDER_DAYS):
        return []
    products = product_phrase(order)
    what = f" ({products})" if products else ""
    sentence = (f"First-time buyer: first order {ago(ctx.days_since(placed_at))}{what}. "
                f"Welcome {first_name(ctx) or 'them'} and make sure everything arrived.")
    return [point("first_time_buyer", 3, sentence, order, {SALES, SUPPORT})]


def prospect(ctx: Context) -> list[TalkingPoint]:
    if ctx.profile.get("is_prospect") is not True:
        return []
    posts = customer_posts(ctx)
    who = first_name(ctx) or "they"
    if posts:
        count = max(len(posts), int(number(ctx.profile.get("post_count")) or 0))
        times = {1: "once", 2: "twice"}.get(count, f"{count} times")
        networks = joined(list(dict.fromkeys(network_of(p) for p in posts)))
        seen = (f"{who} posted about us {times} on {networks}, most recently "
                f"{ago(ctx.days_since(posts[-1]['occurred_at']))}")
    else:
        seen = f"{who} {'talk' if who == 'they' else 'talks'} about us on social media"
    sentence = f"Not a customer yet — {seen}. Be helpful rather than pushy and invite them to try us."
    return [point("prospect", 2, sentence, newest(posts, MAX_CITED_POSTS), {SALES})]


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


RULES: list[Callable[[Context], list[TalkingPoint]]] = [
    unanswered_ticket, long_open_ticket, reopened_ticket, negative_post_unanswered, negative_post_answered,
    recent_purchase_follow_up, recent_refund, top_customer, churn_risk, bad_recent_csat, product_idea,
    advocate, influencer_unhappy, anniversary, first_time_buyer, prospect, reach_them,
]


# ---------------------------------------------------------------- entry point


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


def rank(indexed: tuple[int, TalkingPoint], role: str, cited_at: dict[str, datetime], now: datetime) -> tuple:
    """The role's own points first, then priority, then newest evidence (uncited points last), then rule order."""
    position, p = indexed
    times = [cited_at[c] for c in p.cites if c in cited_at]
    staleness = (now - max(times)).total_seconds() if times else math.inf
    return (role != "anyone" and role not in p.audience, p.priority, staleness, position)
