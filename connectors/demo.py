"""The demo company: generate Fernwood Outdoor's exports and load each through its shipped mapping, then its social
team's inbox history (who took which post, answered it by direct message, closed it) and its corrections of the post
classifier (connectors/demo_corrections.py) into the operational tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connectors.demo_corrections import load_corrections_history
from connectors.loader import LoadResult, load_file
from connectors.progress import Reporter
from store import PROJECT_ROOT, Connection, transaction

DEMO_DIR = PROJECT_ROOT / "data" / "demo"
# (file, kind, mapping, source): the same files a company would export from each system
DEMO_FILES = (
    ("crm_contacts.csv", "customers", "crm_contacts", "crm"),
    ("shopify_orders.csv", "purchases", "shopify_orders", "shopify"),
    ("pos_sales.csv", "purchases", None, "pos"),
    ("zendesk_tickets.json", "tickets", "zendesk_tickets", "zendesk"),
    ("zendesk_users.json", "customers", "zendesk_users", "zendesk"),
    ("zendesk_ticket_comments.jsonl", "ticket_comments", "zendesk_ticket_comments", "zendesk"),
    ("twcs.csv", "social_posts", "twcs", "twitter"),
    ("social_posts.jsonl", "social_posts", None, "social"),
)


def load_demo(con: Connection, out_dir: Path = DEMO_DIR, *, as_of: date | None = None, seed: int = 7,
              customers: int = 2000, reporter: Reporter | None = None) -> list[LoadResult]:
    """Generate the demo exports into `out_dir` and load them all (a `reporter` shows each load as it goes)."""
    from data.demo import generate  # imported here: the generator is only needed when the demo is wanted

    if reporter:
        reporter.start("demo: generating the exports")
    paths = generate(out_dir, seed=seed, as_of=as_of, customers=customers)
    results = [load_file(con, kind, out_dir / name, mapping=mapping, source=source, reporter=reporter)
               for name, kind, mapping, source in DEMO_FILES]
    load_inbox_history(con, paths["inbox_history"])
    load_corrections_history(con, paths["post_labels"], post_sources(), seed)
    return results


def load_inbox_history(con: Connection, path: Path) -> int:
    """The demo team's past inbox work, as staff edits with their own times, each with its audit entries; a post
    that already has a state (a second load, or a real edit) keeps it. Returns the states added."""
    sources = post_sources()
    with transaction(con):
        con.execute(HISTORY_ROWS, {"path": str(path), "files": [f for f, _ in sources],
                                   "sources": [s for _, s in sources]})
        for statement in HISTORY_WRITES:
            con.execute(statement)
        added = con.execute("select count(*) from _history").fetchone()[0]
        con.execute("drop table _history")
    return added


def post_sources() -> list[tuple[str, str]]:
    """The demo's export files of social posts, each with the source its posts are loaded as."""
    return [(name, source) for name, kind, _, source in DEMO_FILES if kind == "social_posts"]


# the history file's rows for posts without a state yet, keyed as the inbox keys posts
HISTORY_ROWS = """
    create or replace temp table _history as
    with files as (select unnest($files) as file, unnest($sources) as source),
    rows as (
        select 'social_posts:' || f.source || ':' || h.post_id as post_key, h.status, h.assignee, h.updated_by,
               h.assigned_at::timestamptz at time zone 'UTC' as assigned_at,
               h.answered_at::timestamptz at time zone 'UTC' as answered_at,
               h.closed_at::timestamptz at time zone 'UTC' as closed_at, h.note
        from read_json($path, format = 'newline_delimited', columns = {
            file: 'varchar', post_id: 'varchar', status: 'varchar', assignee: 'varchar', updated_by: 'varchar',
            assigned_at: 'varchar', answered_at: 'varchar', closed_at: 'varchar', note: 'varchar'}) h
        join files f using (file)
    )
    select * from rows where post_key not in (select post_key from inbox_state)
"""

HISTORY_WRITES = (
    """insert into inbox_state (post_key, status, assignee, updated_at, updated_by, answered_at, closed_at)
       select post_key, status, assignee, greatest(assigned_at, answered_at, closed_at), updated_by, answered_at,
              closed_at
       from _history""",
    """insert into inbox_notes
       select nextval('note_id_seq'), post_key, note, answered_at, updated_by from _history where note is not null""",
    # the audit entries the same edits made by hand would have left, in the order they happened
    """insert into audit_log
       select nextval('audit_id_seq'), happened_at, actor, action, 'post', post_key, details
       from (
           select assigned_at as happened_at, updated_by as actor, 'assign' as action, post_key,
                  json_object('assignee', assignee)::varchar as details
           from _history
           union all
           select answered_at, updated_by, 'status', post_key, json_object('status', 'answered')::varchar
           from _history where answered_at is not null and answered_at is distinct from closed_at
           union all
           select n.created_at, n.created_by, 'note', n.post_key, json_object('note_id', n.note_id)::varchar
           from inbox_notes n join _history using (post_key)
           union all
           select closed_at, updated_by, 'status', post_key, json_object('status', 'closed')::varchar
           from _history where closed_at is not null
       )
       order by happened_at, post_key""",
)


def store_is_empty(con: Connection) -> bool:
    return con.execute("select count(*) from load_log").fetchone()[0] == 0


def ensure_demo(con: Connection) -> list[LoadResult]:
    """Load the demo into a store that has never loaded anything; leave any other store alone."""
    return load_demo(con) if store_is_empty(con) else []
