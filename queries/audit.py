"""The view audit: who opened which customer, revealed which masked field and why, exported what — written to the
append-only audit_log next to the edits, read and exported by admins only.

Reveals and exports are written before the value or file is handed over. Profile openings, the one entry every
page view makes, are queued and written by a background writer a moment later (within FLUSH_SECONDS), so a page
does not wait for a commit; reading the log, and the end of the process, write the queue out first."""

from __future__ import annotations

import atexit
import json
import threading
import time
from datetime import datetime

import duckdb
import pandas as pd

from models.operations import audit, utc_now
from queries import background
from queries.access import Viewer
from queries.connection import operational_store
from store import Connection, postgres, transaction

# a page re-runs on every click; one person looking at one customer for a while is one opening, not fifty
REOPEN_AFTER_SECONDS = 30 * 60
_opened: dict[tuple[str, str, int, str], float] = {}
_opened_lock = threading.Lock()
FLUSH_SECONDS = 0.5
_queue: list[tuple[Connection, list]] = []  # (a connection to the store, the entry's values)
_queue_lock = threading.Lock()
_flush_lock = threading.Lock()  # one flush at a time: a reader's flush waits for the writer's batch to land
_writer: threading.Thread | None = None


def record(viewer: Viewer, action: str, object_type: str, object_id: object, con: Connection | None = None,
           **details) -> None:
    """One audit entry by the viewer, in the viewer's active role."""
    con = operational_store(con)
    with transaction(con):
        audit(con, viewer.actor, action, object_type, str(object_id), role=viewer.role.name, **who(viewer),
              **details)


def who(viewer: Viewer) -> dict[str, str]:
    """The identity provider's id of a signed-in viewer, beside the email the entry's actor shows."""
    return {"subject": viewer.subject} if viewer.subject else {}


def record_profile_open(viewer: Viewer, customer_id: int, page: str, con: Connection | None = None) -> bool:
    """Record that the viewer opened the customer on a page, once per session and half hour; True if written."""
    key = (viewer.session, viewer.actor, customer_id, page)
    now = time.monotonic()
    with _opened_lock:
        if now - _opened.get(key, -REOPEN_AFTER_SECONDS) < REOPEN_AFTER_SECONDS:
            return False
        _opened[key] = now
    details = json.dumps({"role": viewer.role.name, **who(viewer), "page": page})
    enqueue(operational_store(con), [utc_now(), viewer.actor, "open_profile", "customer", str(customer_id), details])
    return True


def enqueue(con: Connection, values: list) -> None:
    global _writer
    with _queue_lock:
        _queue.append((con, values))
        if _writer is None or not _writer.is_alive():
            _writer = background.start("rapport-audit-writer", write_queue_until)


def write_queue_until(stopping: threading.Event) -> None:
    """Write the queue every FLUSH_SECONDS; what is queued when it stops is written by the last flush."""
    while not stopping.wait(FLUSH_SECONDS):
        flush()
    flush()


def flush() -> None:
    """Write every queued entry, one transaction per store, on cursors of the writer's own; on return, every entry
    queued before the call is in the store, including a batch the background writer had already taken."""
    with _flush_lock:
        with _queue_lock:
            batch = _queue[:]
            _queue.clear()
        by_store: dict[int, tuple[Connection, list[list]]] = {}
        for con, values in batch:
            by_store.setdefault(id(con), (con, []))[1].append(values)
        for con, rows in by_store.values():
            try:
                writer = con.cursor()
                with transaction(writer):
                    writer.executemany("insert into audit_log values (nextval('audit_id_seq'), ?, ?, ?, ?, ?, ?)",
                                       rows)
            except (duckdb.ConnectionException, postgres.Error):
                continue  # the store was closed meanwhile (a test's, or the process is ending): nothing to write to


atexit.register(flush)


def forget_openings() -> None:
    """Forget which openings were recorded (a new store, a test): the next opening is recorded again."""
    with _opened_lock:
        _opened.clear()


def record_export(viewer: Viewer, what: str, rows: int, customer_id: int | None = None,
                  con: Connection | None = None) -> None:
    """Record a download: what it was, how many rows, about which customer if one."""
    if customer_id is None:
        record(viewer, "export", "export", what, con, rows=rows)
    else:
        record(viewer, "export", "customer", customer_id, con, export=what, rows=rows)


def entries(viewer: Viewer, *, actors: list[str] | None = None, actions: list[str] | None = None,
            customer_id: int | None = None, start: datetime | None = None, end: datetime | None = None,
            limit: int = 5000, con: Connection | None = None) -> pd.DataFrame:
    """Audit entries, newest first, filtered by who, what, which customer and when. Admins only."""
    viewer.require("audit")
    flush()
    return operational_store(con).execute("""
        select audit_id, happened_at, actor, action, object_type, object_id, details
        from audit_log
        where ($actors::varchar[] is null or actor in (select unnest($actors::varchar[])))
          and ($actions::varchar[] is null or action in (select unnest($actions::varchar[])))
          and ($customer is null or (object_type = 'customer' and object_id = $customer))
          and ($start is null or happened_at >= $start)
          and ($end is null or happened_at < $end)
        order by audit_id desc
        limit $limit
    """, {"actors": actors or None, "actions": actions or None,
          "customer": None if customer_id is None else str(customer_id), "start": start, "end": end,
          "limit": limit}).df()


def choices(viewer: Viewer, con: Connection | None = None) -> dict[str, list[str]]:
    """The actors and actions the audit log holds, for its filters. Admins only."""
    viewer.require("audit")
    flush()
    con = operational_store(con)
    return {column: [r[0] for r in con.execute(f"select distinct {column} from audit_log order by 1").fetchall()]
            for column in ("actor", "action")}

