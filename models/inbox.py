"""The social inbox model: classify customers' posts, route the recent ones to a team with a response clock."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime, timedelta
from operator import attrgetter

import pandas as pd

from models.classify import RULES_VERSION, classify
from models.routing import Post, Route, Rule, load_rules, route
from store import Connection

INBOX_WINDOW = timedelta(days=90)  # older posts need no action any more; their history stays on the timeline


def build_social_inbox(con: Connection, now: datetime) -> None:
    classify_new_texts(con)
    con.execute("""create or replace table post_intents as
                   select t.event_id, t.customer_id, c.intent, c.urgency, c.explanation
                   from customer_timeline t
                   join post_classifications c on c.text_hash = md5(coalesce(t.body, '')) and c.rules_version = $v
                   where t.kind = 'social_post' and t.author_type = 'customer'""", {"v": RULES_VERSION})
    select_recent_posts(con, now - INBOX_WINDOW)
    # only what a rule reads comes into Python: a frame of every column of ~500k posts (1M customers) cost ~8 s
    # to convert, most of this step
    recent = con.execute(f"select post_key, {', '.join(POST_COLUMNS)} from _recent_posts").fetchall()
    routes = route_all((post_of(*values) for _, *values in recent), load_rules())
    con.register("_routes", pd.DataFrame({
        "post_key": pd.array([post[0] for post in recent], dtype="string"),
        "team": pd.array([r.team if r else None for r in routes], dtype="string"),
        "rule": pd.array([r.rule if r else None for r in routes], dtype="string"),
        "target_minutes": pd.array([r.target_minutes if r else None for r in routes], dtype="Int64")}))
    con.execute("""create or replace table social_inbox as
                   select p.* exclude (categories), r.team, r.rule, r.target_minutes,
                          p.posted_at + to_minutes(r.target_minutes) as due_at
                   from _recent_posts p join _routes r using (post_key)
                   order by p.posted_at desc""")
    con.unregister("_routes")
    con.execute("drop table _recent_posts")


def classify_new_texts(con: Connection) -> int:
    """Classify each distinct customer post text once per rules version."""
    texts = con.execute("""
        select distinct coalesce(body, '') as text, sentiment from customer_timeline
        where kind = 'social_post' and author_type = 'customer'
          and md5(coalesce(body, '')) not in (select text_hash from post_classifications where rules_version = $v)
    """, {"v": RULES_VERSION}).fetchall()
    seen, rows = set(), []
    for text, sentiment in texts:
        digest = hashlib.md5(text.encode()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        found = classify(text, sentiment)
        rows.append((digest, RULES_VERSION, found.intent, found.urgency, found.explanation))
    if rows:
        frame = pd.DataFrame(rows, columns=["text_hash", "rules_version", "intent", "urgency", "explanation"])
        con.register("_classified", frame)
        con.execute("insert into post_classifications select * from _classified")
        con.unregister("_classified")
    return len(rows)


def select_recent_posts(con: Connection, since: datetime) -> None:
    """_recent_posts: customers' posts since `since` (and older ones still being worked on), with their
    classification, author and whether the brand replied."""
    con.execute("""
        create or replace temp table _recent_posts as
        with replies as (
            select customer_id, in_reply_to, min(occurred_at) as brand_replied_at
            from customer_timeline
            where kind = 'social_post' and author_type = 'company'
            group by all
        ),
        bought as (
            select customer_id, list(distinct category) as categories
            from customer_timeline where kind = 'purchase' and category is not null group by customer_id
        )
        select 'social_posts:' || t.source || ':' || t.source_id as post_key, t.event_id, t.customer_id,
               p.display_name, p.is_prospect, p.segment, p.lifetime_value, coalesce(b.categories, []) as categories,
               t.occurred_at as posted_at, t.network, t.title, t.body as text, t.url, t.sentiment,
               i.intent, i.urgency, i.explanation, r.brand_replied_at
        from customer_timeline t
        join customer_profiles p using (customer_id)
        join post_intents i using (event_id)
        left join bought b using (customer_id)
        left join replies r on r.customer_id = t.customer_id and r.in_reply_to = t.ref_id
        where t.kind = 'social_post' and t.author_type = 'customer' and i.intent <> 'other'
          and (t.occurred_at >= $since
               -- a post someone is still working on stays in the queue, however old it gets
               or 'social_posts:' || t.source || ':' || t.source_id in (
                   select post_key from inbox_state where status in ('new', 'in_progress')))
    """, {"since": since})


def route_all(posts: Iterable[Post], rules: list[Rule]) -> list[Route | None]:
    """route() of each post, worked out once per post that the rules cannot tell apart: same words, labels and
    author, and a lifetime value that reaches the same thresholds."""
    thresholds = sorted({r.min_lifetime_value for r in rules if r.min_lifetime_value is not None})
    all_but_value = attrgetter(*(f.name for f in fields(Post) if f.name != "lifetime_value"))
    seen: dict[tuple, Route | None] = {}
    routes = []
    for post in posts:
        key = (all_but_value(post), tuple(post.lifetime_value >= t for t in thresholds))
        if key not in seen:
            seen[key] = route(post, rules)
        routes.append(seen[key])
    return routes


POST_COLUMNS = ("text", "intent", "urgency", "network", "categories", "segment", "is_prospect", "lifetime_value")


def post_of(text, intent, urgency, network, categories, segment, is_prospect, lifetime_value) -> Post:
    return Post(text=text or "", intent=intent, urgency=urgency, network=network, categories=tuple(categories),
                segment=segment, is_prospect=bool(is_prospect), lifetime_value=float(lifetime_value or 0.0))
