"""Staff corrections of the post classifier: the intent, urgency or sentiment a person gives a post in the social
inbox, stored next to an audit entry, applied over the model's output by every build (full or incremental), and
learnt from when the company's model is retrained (models/classifier/retrain.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from models.classifier.train import LABELS
from models.increments import scoped_to
from models.operations import OperationError, audit, require_actor, utc_now
from store import Connection, transaction

FIELDS = ("intent", "urgency", "sentiment")
# a post's model reading of each field, as the inbox shows it: intent and urgency from the classification of its
# text by the model in use, sentiment from its score in VADER's bands (models.sentiment.label)
MODEL_READING = """
    select c.intent, c.urgency,
           case when s.compound >= 0.05 then 'positive' when s.compound <= -0.05 then 'negative'
                when s.compound is not null then 'neutral' end as sentiment
    from stg_social_posts p
    left join post_classifications c on c.text_hash = md5(coalesce(p.text, '')) and c.rules_version = $version
    left join sentiment_scores s on s.text_hash = md5(p.text)
    where p.record_key = $post_key
"""
# the inbox's post_intents over the model's classification: the corrected intent and urgency, a reason for high
# urgency only where the post is still high (a person who makes a post urgent gives no reason)
APPLY_TO_POST_INTENTS = """
    update post_intents set
        intent = coalesce(i.value, post_intents.intent),
        urgency = coalesce(u.value, post_intents.urgency),
        urgency_reason = case when coalesce(u.value, post_intents.urgency) = 'high'
                              then post_intents.urgency_reason else '' end
    from (select distinct post_key from current_corrections where field in ('intent', 'urgency')) as k
    left join current_corrections i on i.post_key = k.post_key and i.field = 'intent'
    left join current_corrections u on u.post_key = k.post_key and u.field = 'urgency'
    where post_intents.event_id = 'post:' || substr(k.post_key, length('social_posts:') + 1)
"""

# the post's sentiment in its inbox row: the corrected one (scored as customer_timeline.sql scores it), else the
# model's; the timeline itself follows at the next refresh
INBOX_SENTIMENT = """
    update social_inbox set sentiment = coalesce(
        (select case value when 'positive' then 0.5 when 'negative' then -0.5 else 0.0 end
         from current_corrections where post_key = $key and field = 'sentiment'),
        (select s.compound from stg_social_posts p join sentiment_scores s on s.text_hash = md5(p.text)
         where p.record_key = $key))
    where post_key = $key
"""


@dataclass(frozen=True)
class Correction:
    """What one correction did: the field, the value the post shows now, and whether that is the model's."""

    field: str
    value: str
    undone: bool  # the post shows the model's reading again


def check(field: str, value: str) -> None:
    if field not in FIELDS:
        raise OperationError(f"{field!r} cannot be corrected: only {', '.join(FIELDS)}")
    if value not in LABELS[field]:
        raise OperationError(f"{value!r} is not a {field}: one of {', '.join(LABELS[field])}")


def correct(con: Connection, post_key: str, field: str, value: str, actor: str, ops=None) -> Correction | None:
    """Give a post's `field` the label `value` (picking the model's own reading undoes a correction); audited
    (in `ops`, the operational store, when it is not the store itself: PostgreSQL with replicas). None when the post
    already shows `value`. The post's inbox row follows at once (labels and route); its author's timeline, profile,
    the leadership figures and talking points at the next refresh. Corrections are kept with the store, as a build's
    input: replicas read them from its snapshots."""
    require_actor(actor)
    check(field, value)
    with transaction(con):
        model = model_reading(con, post_key)
        if model is None:
            raise OperationError("this post is not in the store any more")
        shown = current(con, post_key).get(field, model[field])
        if value == shown:
            return None
        undone = value == model[field]
        con.execute("""insert into classification_corrections
                       values (nextval('correction_id_seq'), ?, ?, ?, ?, ?, ?, ?)""",
                    [post_key, field, None if undone else value, shown, model[field], utc_now(), actor])
        audit(ops or con, actor, "undo_correction" if undone else "correct", "post", post_key, field=field,
              value=value, previous=shown)
    follow_in_inbox(con, post_key)
    return Correction(field, value, undone)


def undo(con: Connection, post_key: str, field: str, actor: str, ops=None) -> Correction | None:
    """Back to the model's reading of `field` (None when the post shows it already)."""
    model = model_reading(con, post_key)
    if model is None or model[field] is None:
        raise OperationError("the model's reading of this post is not known yet: try again after the next refresh")
    return correct(con, post_key, field, model[field], actor, ops)


def model_reading(con: Connection, post_key: str) -> dict[str, str | None] | None:
    """The model in use's reading of a post (None: no such post)."""
    from models import classify

    found = con.execute(MODEL_READING, {"post_key": post_key, "version": classify.RULES_VERSION}).fetchall()
    return dict(zip(FIELDS, found[0], strict=True)) if found else None


def current(con: Connection, post_key: str) -> dict[str, str]:
    """The corrections in force on a post, by field."""
    return dict(con.execute("select field, value from current_corrections where post_key = ?", [post_key]).fetchall())


def apply_to_post_intents(con: Connection) -> None:
    """Every correction in force of intent and urgency over the model's post_intents (the build calls this)."""
    con.execute(APPLY_TO_POST_INTENTS)


def follow_in_inbox(con: Connection, post_key: str) -> None:
    """The corrected post's inbox rows at once: its classification again with the corrections over it, and its
    author's inbox rows routed again (the rows of one customer, as an incremental build writes them). A refresh
    running at the same moment may win the write; it applies the correction itself, so nothing is lost."""
    from models import classify

    try:
        with transaction(con):
            con.execute("""update post_intents set intent = c.intent, urgency = c.urgency,
                                                   urgency_reason = c.urgency_reason
                           from stg_social_posts p, post_classifications c
                           where p.record_key = $key and c.text_hash = md5(coalesce(p.text, ''))
                             and c.rules_version = $version
                             and post_intents.event_id = 'post:' || p.source || ':' || p.post_id""",
                        {"key": post_key, "version": classify.RULES_VERSION})
            apply_to_post_intents(con)
            con.execute("""create or replace temp table _inbox_scope as
                           select distinct customer_id from post_intents
                           where event_id = 'post:' || substr($key, length('social_posts:') + 1)""",
                        {"key": post_key})
            built_at = con.execute("select max(built_at) from model_build").fetchall()[0][0]
            rewrite_inbox_rows(con, built_at)
            con.execute(INBOX_SENTIMENT, {"key": post_key})
    except duckdb.TransactionException:
        pass  # a build wrote these rows meanwhile, with the correction (it reads the corrections as it runs)


def rewrite_inbox_rows(con: Connection, built_at: datetime) -> None:
    """social_inbox's rows of the customers in _inbox_scope, as the last build (at `built_at`) would write them."""
    from models import inbox

    with scoped_to(con, "_inbox_scope"):
        inbox.select_recent_posts(con, built_at - inbox.INBOX_WINDOW)
    con.execute("delete from social_inbox where customer_id in (select customer_id from _inbox_scope)")
    inbox.route_recent_posts(con, inbox.load_rules(), "insert into social_inbox by name")
    con.execute("drop table _inbox_scope")


def pending(con: Connection) -> bool:
    """Whether a correction (or an undo) was made since the models were last built."""
    return con.execute("""select coalesce(max(correction_id), 0) > (select max(through_id) from corrections_built)
                          from classification_corrections""").fetchall()[0][0]


def mark_built(con: Connection) -> None:
    """The models now hold every correction made so far (the build calls this last)."""
    con.execute("""update corrections_built
                   set through_id = (select coalesce(max(correction_id), 0) from classification_corrections)""")
