"""The social inbox model: classify customers' posts, route the recent ones to a team with a response clock."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime, timedelta
from operator import attrgetter

import pandas as pd

from models import classify
from models.classify import Classification, classify_many
from models.corrections import apply_to_post_intents
from models.increments import scoped_to
from models.llm.apply import SENTIMENT_SCORES, llm_answers, with_llm
from models.llm.client import Answer
from models.routing import Post, Route, Rule, load_rules, route
from store import Connection, has_table

INBOX_WINDOW = timedelta(days=90)  # older posts need no action any more; their history stays on the timeline


def build_social_inbox(con: Connection, now: datetime, only_touched: bool = False) -> None:
    """social_inbox, whole; or, after an incremental build (`only_touched`), only the rows that can have changed:
    those of the touched customers and of anyone whose post staff still work on, and posts that left the window."""
    classify_new_texts(con)
    con.execute("""create or replace table post_intents as
                   select t.event_id, t.customer_id, c.intent, c.urgency, c.urgency_reason, c.explanation
                   from customer_timeline t
                   join post_classifications c on c.text_hash = md5(coalesce(t.body, '')) and c.rules_version = $v
                   where t.kind = 'social_post' and t.author_type = 'customer'""",
                {"v": with_llm(classify.RULES_VERSION)})
    apply_to_post_intents(con)  # staff corrections over the model's reading
    rules = load_rules()
    routed_by = fingerprint(rules)
    since = now - INBOX_WINDOW
    if only_touched and routed_with(con) == routed_by:
        con.execute(INBOX_SCOPE)
        with scoped_to(con, "_inbox_scope"):
            select_recent_posts(con, since)
        con.execute("""delete from social_inbox
                       where customer_id in (select customer_id from _inbox_scope)
                          or (posted_at < $since and post_key not in (select post_key from inbox_state
                                                                       where status in ('new', 'in_progress')))""",
                    {"since": since})
        route_recent_posts(con, rules, "insert into social_inbox by name")
        con.execute("drop table _inbox_scope")
    else:
        select_recent_posts(con, since)
        route_recent_posts(con, rules, "create or replace table social_inbox as")
    con.execute("create or replace table social_inbox_rules as select $f as fingerprint", {"f": routed_by})


# after an incremental build, the customers whose inbox rows are worked out again: the touched ones, and those with
# a post staff still work on (it stays in the inbox however old, and staff may have reopened it since the last build)
INBOX_SCOPE = """
    create or replace temp table _inbox_scope as
    select customer_id from _touched
    union
    select t.customer_id from customer_timeline t
    join inbox_state s on s.post_key = 'social_posts:' || t.source || ':' || t.source_id
    where t.kind = 'social_post' and s.status in ('new', 'in_progress')
"""


def route_recent_posts(con: Connection, rules: list[Rule], write: str) -> None:
    """Route every post of _recent_posts and write the rows with `write` (create or insert into social_inbox)."""
    # only what a rule reads comes into Python: a frame of every column of ~500k posts (1M customers) cost ~8 s
    # to convert, most of this step
    recent = con.execute(f"select post_key, {', '.join(POST_COLUMNS)} from _recent_posts").fetchall()
    routes = route_all((post_of(*values) for _, *values in recent), rules)
    con.register("_routes", pd.DataFrame({
        "post_key": pd.array([post[0] for post in recent], dtype="string"),
        "team": pd.array([r.team if r else None for r in routes], dtype="string"),
        "rule": pd.array([r.rule if r else None for r in routes], dtype="string"),
        "target_minutes": pd.array([r.target_minutes if r else None for r in routes], dtype="Int64")}))
    con.execute(f"""{write}
                    select p.* exclude (categories), r.team, r.rule, r.target_minutes,
                           p.posted_at + to_minutes(r.target_minutes) as due_at
                    from _recent_posts p join _routes r using (post_key)
                    order by p.posted_at desc""")
    con.unregister("_routes")
    con.execute("drop table _recent_posts")


def routed_with(con: Connection) -> str | None:
    """The fingerprint of the rules the inbox was last routed with (None before the first build)."""
    if not has_table(con, "social_inbox_rules"):
        return None
    return con.execute("select fingerprint from social_inbox_rules").fetchall()[0][0]


def fingerprint(rules: list[Rule]) -> str:
    """What the inbox rows were worked out with: the routing rules and the classifier's version (a new one changes
    the intents of every post, so the whole inbox is routed again)."""
    return hashlib.md5(f"{with_llm(classify.RULES_VERSION)}:{rules!r}".encode()).hexdigest()


def classify_new_texts(con: Connection) -> int:
    """Classify each distinct customer post text once per classifier version: the LLM provider's answer where it
    gave one in this build, else the learned model's (in one pass of the model)."""
    version = with_llm(classify.RULES_VERSION)
    texts = [row[0] for row in con.execute("""
        select distinct coalesce(body, '') as text from customer_timeline
        where kind = 'social_post' and author_type = 'customer'
          and md5(coalesce(body, '')) not in (select text_hash from post_classifications where rules_version = $v)
    """, {"v": version}).fetchall()]
    answers = llm_answers(con)
    hashes = [hashlib.md5(text.encode()).hexdigest() for text in texts]
    learned = iter(classify_many([t for t, h in zip(texts, hashes, strict=True) if h not in (answers or {})]))
    rows = []
    for h in hashes:
        if answers is not None and h in answers:
            c, by = from_llm(answers[h]), "llm"
        else:
            c, by = next(learned), "model" if answers is None else "fallback"
        rows.append((h, version, c.intent, c.urgency, c.explanation, c.urgency_reason, by))
    if rows:
        frame = pd.DataFrame(rows, columns=["text_hash", "rules_version", "intent", "urgency", "explanation",
                                            "urgency_reason", "classified_by"])
        con.register("_classified", frame)
        con.execute("insert into post_classifications by name select * from _classified")
        con.unregister("_classified")
    return len(rows)


def from_llm(answer: Answer) -> Classification:
    """The LLM's answer as a classification, its explanation saying who read the post."""
    score = SENTIMENT_SCORES[answer.sentiment]
    explanation = (f"{answer.intent}: read by the LLM; sentiment {score:+.2f} ({answer.sentiment}); "
                   f"urgency {answer.urgency}")
    if answer.urgency == "high":
        explanation += f": {answer.urgency_reason.replace('_', ' ')}"
    return Classification(answer.intent, answer.urgency, score, explanation, answer.urgency_reason)


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
               i.intent, i.urgency, i.urgency_reason, i.explanation, r.brand_replied_at
        from customer_timeline t
        join customer_profiles p using (customer_id)
        join post_intents i using (event_id)
        left join bought b using (customer_id)
        left join replies r on r.customer_id = t.customer_id and r.in_reply_to = t.ref_id
        where t.kind = 'social_post' and t.author_type = 'customer'
          -- a post staff corrected stays, "other" too: they may want to undo it
          and (i.intent <> 'other' or 'social_posts:' || t.source || ':' || t.source_id in (
                   select post_key from current_corrections))
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


POST_COLUMNS = ("text", "intent", "urgency", "urgency_reason", "network", "categories", "segment", "is_prospect",
                "lifetime_value")


def post_of(text, intent, urgency, urgency_reason, network, categories, segment, is_prospect, lifetime_value) -> Post:
    return Post(text=text or "", intent=intent, urgency=urgency, urgency_reason=urgency_reason or "",
                network=network, categories=tuple(categories), segment=segment, is_prospect=bool(is_prospect),
                lifetime_value=float(lifetime_value or 0.0))
