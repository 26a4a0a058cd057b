"""Rules on what the customer says in public and in writing: negative posts (answered or not), a complaint or praise
with reach, a product idea, and someone who talks about us but has not bought yet."""

from __future__ import annotations

import re

from models.talking_points.evidence import LEADERSHIP, SALES, SUPPORT, TalkingPoint, point
from models.talking_points.tickets import AGENT_AUTHORS, ticket_label
from models.talking_points.timeline import Context, first_name, network_of, of_kind, text_of
from models.talking_points.wording import NAME_CHARS, ago, excerpt, joined, number, plain, plural, said, shorten

NEGATIVE_SENTIMENT = -0.05  # VADER's conventional cut-off for "negative"
NEGATIVE_POST_DAYS = 30
PRODUCT_IDEA_DAYS = 365
INFLUENCER_FOLLOWERS = 5_000
ADVOCATE_SENTIMENT = 0.3
MAX_CITED_POSTS = 3
IDEA_PATTERN = re.compile(r"\b(would love|wish|please add|could you make|suggestion|idea|it would be great if)\b",
                          re.IGNORECASE)


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
