"""The social inbox: posts that need action with their team, status and response clock; staff edits; ideas."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from models import operations
from queries.access import Viewer
from queries.connection import cursor, operational_store
from queries.masking import mask_frame, mask_results
from store import Connection

# a post's live state: a staff edit wins; a brand reply found in the data counts as answered
QUEUE = """
    select i.post_key, i.event_id, i.customer_id, i.display_name, i.is_prospect, i.network, i.title, i.text, i.url,
           i.posted_at, i.intent, i.urgency, i.sentiment, i.explanation, i.team, i.rule, i.target_minutes, i.due_at,
           coalesce(s.status, case when i.brand_replied_at is not null then 'answered' else 'new' end) as status,
           s.assignee,
           least(s.answered_at, i.brand_replied_at) as answered_at,
           s.closed_at,
           exists (select 1 from handoffs h where h.post_key = i.post_key) as handed_off
    from social_inbox i
    left join inbox_state s using (post_key)
"""


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def queue(viewer: Viewer, teams: list[str] | None = None, statuses: list[str] | None = None,
          networks: list[str] | None = None, intents: list[str] | None = None, now: datetime | None = None,
          con: Connection | None = None) -> pd.DataFrame:
    """Posts needing action, breached response clocks first, then the soonest due."""
    viewer.require_page("social_inbox")
    return mask_results(cursor(con).execute(f"""
        with q as ({QUEUE})
        select *,
               date_diff('minute', posted_at, coalesce(answered_at, $now)) as minutes_to_answer,
               date_diff('minute', posted_at, coalesce(answered_at, $now)) > target_minutes as breached
        from q
        where ($teams is null or team in (select unnest($teams)))
          and ($statuses is null or status in (select unnest($statuses)))
          and ($networks is null or network in (select unnest($networks)))
          and ($intents is null or intent in (select unnest($intents)))
        order by (status in ('new', 'in_progress') and breached) desc, status in ('answered', 'closed'), due_at
    """, {"teams": teams or None, "statuses": statuses or None, "networks": networks or None,
          "intents": intents or None, "now": now or now_utc()}).df(), viewer.masked, con)


def choices(viewer: Viewer, con: Connection | None = None) -> dict[str, list[str]]:
    viewer.require_page("social_inbox")
    con = cursor(con)
    return {column: [r[0] for r in con.execute(f"select distinct {column} from social_inbox "
                                               f"where {column} is not null order by 1").fetchall()]
            for column in ("team", "network", "intent")}


def notes(viewer: Viewer, post_key: str, con: Connection | None = None) -> pd.DataFrame:
    viewer.require_page("social_inbox")
    return mask_frame(cursor(con).execute("""select created_at, created_by, body from inbox_notes where post_key = ?
                                             order by created_at""", [post_key]).df(), viewer.masked)


def audit_trail(viewer: Viewer, object_id: str, limit: int = 200, con: Connection | None = None) -> pd.DataFrame:
    """What staff did to one inbox post or idea, newest first."""
    viewer.require_page("social_inbox", "ideas")
    return operational_store(con).execute("""select happened_at, actor, action, object_type, object_id, details
                                  from audit_log
                                  where object_id = $id order by audit_id desc limit $limit""",
                               {"id": object_id, "limit": limit}).df()


def assign(viewer: Viewer, post_key: str, assignee: str | None, con: Connection | None = None) -> None:
    viewer.require("work_inbox")
    operations.assign(operational_store(con), post_key, assignee, viewer.actor)


def set_status(viewer: Viewer, post_key: str, status: str, con: Connection | None = None) -> None:
    viewer.require("work_inbox")
    operations.set_status(operational_store(con), post_key, status, viewer.actor)


def add_note(viewer: Viewer, post_key: str, body: str, con: Connection | None = None) -> int:
    viewer.require("work_inbox")
    return operations.add_note(operational_store(con), post_key, body, viewer.actor)


def hand_off(viewer: Viewer, post_key: str, team: str, note: str | None, con: Connection | None = None) -> None:
    viewer.require("work_inbox")
    operations.hand_off(operational_store(con), post_key, team, note, viewer.actor)


def ideas(viewer: Viewer, con: Connection | None = None) -> pd.DataFrame:
    """Idea groups, most-asked first, with their status."""
    viewer.require_page("ideas")
    return cursor(con).execute("""
        select g.idea_key, g.label, g.customers, g.posts, g.combined_lifetime_value, g.combined_lifetime_values,
               g.first_at, g.last_at,
               coalesce(s.status, 'new') as status
        from idea_groups g left join idea_state s using (idea_key)
        order by g.customers desc, g.combined_lifetime_value desc
    """).df()


def idea_posts(viewer: Viewer, idea_key: str, con: Connection | None = None,
               limit: int | None = None) -> pd.DataFrame:
    """The posts in one idea group, newest first (the first `limit`; all by default), with their authors, so they
    can be told when it ships."""
    viewer.require_page("ideas")
    return mask_results(cursor(con).execute("""
        select i.posted_at, i.customer_id, p.display_name, p.is_prospect, i.network, i.text
        from idea_posts i join customer_profiles p using (customer_id)
        where i.idea_key = $idea order by i.posted_at desc, i.customer_id, i.text
        limit $limit
    """, {"idea": idea_key, "limit": limit}).df(), viewer.masked, con)


def set_idea_status(viewer: Viewer, idea_key: str, status: str, con: Connection | None = None) -> None:
    viewer.require("work_inbox")
    operations.set_idea_status(operational_store(con), idea_key, status, viewer.actor)


def post_corrections(viewer: Viewer, post_key: str, con: Connection | None = None) -> dict[str, dict]:
    """The corrections in force on a post, by field: the value, the model's reading it replaced, who and when."""
    viewer.require_page("social_inbox")
    found = cursor(con).execute("""select field, value, model_value, corrected_by, corrected_at
                                   from current_corrections where post_key = ?""", [post_key]).fetchall()
    return {field: {"value": value, "model_value": model, "by": by, "at": at}
            for field, value, model, by, at in found}
