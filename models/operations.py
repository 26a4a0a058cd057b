"""Staff edits in the dashboard — inbox statuses, assignments, notes, hand-offs, idea statuses — each stored
durably next to an audit entry (who, what, when) in one transaction. Builds read these tables, never rewrite them.
The statements run on the DuckDB store or on PostgreSQL alike (store.operational: `con` is either)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from models.serving import database_file
from store import Connection, has_table, transaction
from store.documents import documents_path, forget_customers

INBOX_STATUSES = ("new", "in_progress", "answered", "closed")
IDEA_STATUSES = ("new", "under_review", "planned", "shipped")


class OperationError(ValueError):
    """An edit that cannot be made; the message says why."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def audit(con: Connection, actor: str, action: str, object_type: str, object_id: str, **details) -> None:
    """Append one entry to the audit log (the log is append-only: nothing updates or deletes it)."""
    con.execute("insert into audit_log values (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?)",
                [utc_now(), actor, action, object_type, str(object_id), json.dumps(details, default=str)])


def require_actor(actor: str) -> None:
    if not actor or not actor.strip():
        raise OperationError("an edit needs the name of who made it")


def ensure_inbox_row(con: Connection, post_key: str, actor: str) -> None:
    con.execute("""insert into inbox_state (post_key, status, updated_at, updated_by) values (?, 'new', ?, ?)
                   on conflict do nothing""", [post_key, utc_now(), actor])


def set_status(con: Connection, post_key: str, status: str, actor: str) -> None:
    """Move a post through new → in progress → answered → closed (or back), remembering when."""
    require_actor(actor)
    if status not in INBOX_STATUSES:
        raise OperationError(f"status {status!r} is not one of {', '.join(INBOX_STATUSES)}")
    with transaction(con):
        ensure_inbox_row(con, post_key, actor)
        con.execute("""update inbox_state set status = $status, updated_at = $now, updated_by = $actor,
                           answered_at = case when $status in ('answered', 'closed')
                                              then coalesce(answered_at, $now) end,
                           closed_at = case when $status = 'closed' then $now end
                       where post_key = $key""", {"status": status, "now": utc_now(), "actor": actor, "key": post_key})
        audit(con, actor, "status", "post", post_key, status=status)


def assign(con: Connection, post_key: str, assignee: str | None, actor: str) -> None:
    """Give a post to a person (None takes it back); a new post becomes in progress."""
    require_actor(actor)
    with transaction(con):
        ensure_inbox_row(con, post_key, actor)
        con.execute("""update inbox_state set assignee = $who, updated_at = $now, updated_by = $actor,
                           status = case when status = 'new' and $who is not null then 'in_progress' else status end
                       where post_key = $key""", {"who": assignee or None, "now": utc_now(), "actor": actor,
                                                  "key": post_key})
        audit(con, actor, "assign", "post", post_key, assignee=assignee)


def add_note(con: Connection, post_key: str, body: str, actor: str) -> int:
    """An internal note on a post, seen by staff only."""
    require_actor(actor)
    if not body or not body.strip():
        raise OperationError("a note cannot be empty")
    with transaction(con):
        forget_authors(con, post_key)
        note_id = con.execute("select nextval('note_id_seq')").fetchall()[0][0]
        con.execute("insert into inbox_notes values (?, ?, ?, ?, ?)", [note_id, post_key, body.strip(), utc_now(),
                                                                      actor])
        audit(con, actor, "note", "post", post_key, note_id=note_id)
    return note_id


def hand_off(con: Connection, post_key: str, team: str, note: str | None, actor: str) -> None:
    """Hand a post off as a ticket-like event on its author's timeline, so every employee sees it."""
    require_actor(actor)
    with transaction(con):
        forget_authors(con, post_key)
        con.execute("""insert into handoffs values (?, ?, ?, ?, ?)
                       on conflict (post_key) do update set team = excluded.team, note = excluded.note,
                                                 created_at = excluded.created_at, created_by = excluded.created_by""",
                    [post_key, team, (note or "").strip() or None, utc_now(), actor])
        ensure_inbox_row(con, post_key, actor)
        con.execute("""update inbox_state set status = case when status = 'new' then 'in_progress' else status end,
                       updated_at = ?, updated_by = ? where post_key = ?""", [utc_now(), actor, post_key])
        audit(con, actor, "hand_off", "post", post_key, team=team)


def forget_authors(con: Connection, post_key: str) -> None:
    """A note or hand-off joins its post's author's timeline at once: their point-read document (which holds the
    timeline as built) goes, so their pages read DuckDB until the next build."""
    db_file = database_file(con)
    if db_file is None or not has_table(con, "customer_sources"):  # no documents, or no models built yet
        return
    authors = [r[0] for r in con.execute("select customer_id from customer_sources where record_key = ?",
                                         [post_key]).fetchall()]
    forget_customers(documents_path(db_file), authors)


def set_idea_status(con: Connection, idea_key: str, status: str, actor: str) -> None:
    require_actor(actor)
    if status not in IDEA_STATUSES:
        raise OperationError(f"status {status!r} is not one of {', '.join(IDEA_STATUSES)}")
    with transaction(con):
        con.execute("""insert into idea_state values (?, ?, ?, ?)
                       on conflict (idea_key) do update set status = excluded.status, updated_at = excluded.updated_at,
                                                 updated_by = excluded.updated_by""",
                    [idea_key, status, utc_now(), actor])
        audit(con, actor, "idea_status", "idea", idea_key, status=status)
