"""The demo company: generate Fernwood Outdoor's exports and load each through its shipped mapping."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connectors.loader import LoadResult, load_file
from connectors.progress import Reporter
from store import PROJECT_ROOT, Connection

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
    generate(out_dir, seed=seed, as_of=as_of, customers=customers)
    return [load_file(con, kind, out_dir / name, mapping=mapping, source=source, reporter=reporter)
            for name, kind, mapping, source in DEMO_FILES]


def store_is_empty(con: Connection) -> bool:
    return con.execute("select count(*) from load_log").fetchone()[0] == 0


def ensure_demo(con: Connection) -> list[LoadResult]:
    """Load the demo into a store that has never loaded anything; leave any other store alone."""
    return load_demo(con) if store_is_empty(con) else []
