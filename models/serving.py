"""Publish a build's point-read documents (store/documents.py): per customer the profile card and newest events,
and the search terms, copied from the marts right after the build commits; an incremental build rewrites only the
customers it touched."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import duckdb

from store import Connection, has_table
from store.documents import documents_path, publishing

log = logging.getLogger(__name__)
EVENTS_KEPT = 200  # a customer page's read: its newest 200 events (queries.customers.TALKING_POINT_EVENTS)
BATCH = 5_000
# documents are put together for this many customers at a time: the newest events of a million customers at once
# (a window and an ordered string_agg over 20M events) needed more than 15 GB and failed where DuckDB's memory was
# capped; a chunk's customers are a range of ids, which the timeline's zone maps skip to
CHUNK_CUSTOMERS = 100_000

# customers with staff notes or hand-offs on their posts: those join their timeline when it is read (live), so they
# get no document
LIVE_CUSTOMERS = """
    select s.customer_id from customer_sources s
    where s.record_key in (select post_key from handoffs union select post_key from inbox_notes)
"""

# the newest events of each customer as one JSON array text of [event_id, occurred_at, packed], put together as text
# (json_array would parse each packed array again: twice the time)
DOCUMENTS = f"""
    with newest as (
        select customer_id, event_id, occurred_at, packed from customer_timeline
        where customer_id between $low and $high and customer_id in (select customer_id from _publish)
        qualify row_number() over (partition by customer_id order by occurred_at desc, event_id) <= {EVENTS_KEPT}
    ),
    events as (
        select customer_id,
               '[' || string_agg('[' || to_json(event_id) || ',"' || occurred_at::varchar || '",' || packed || ']', ','
                                 order by occurred_at desc, event_id) || ']' as events
        from newest group by customer_id
    )
    select c.customer_id, p.display_name,
           case when c.customer_id not in ({LIVE_CUSTOMERS}) then c.card end as card,
           case when c.customer_id not in ({LIVE_CUSTOMERS}) then coalesce(e.events, '[]') end as events
    from customer_cards c
    join customer_profiles p using (customer_id)
    left join events e using (customer_id)
    where c.customer_id between $low and $high and c.customer_id in (select customer_id from _publish)
"""

# the customers to publish in ranges of CHUNK_CUSTOMERS ids: (lowest, highest) of each
CHUNKS = """
    select min(customer_id), max(customer_id)
    from (select customer_id, (row_number() over (order by customer_id) - 1) // $size as chunk from _publish)
    group by chunk order by 1
"""


def database_file(con: Connection) -> Path | None:
    """The DuckDB file behind `con` (None for an in-memory store, which gets no documents, and for PostgreSQL's
    operational store, which has no DuckDB file behind it)."""
    if not isinstance(con, duckdb.DuckDBPyConnection):
        return None
    found = con.execute("select path from duckdb_databases() where database_name = current_database()").fetchall()
    return Path(found[0][0]) if found and found[0][0] else None


def build_id(con: Connection) -> str | None:
    """The id of the models' build (None: not built, or built by a Rapport without build ids)."""
    if not has_table(con, "model_build"):
        return None
    try:
        return con.execute("select max(build_id) from model_build").fetchall()[0][0]
    except duckdb.Error:
        return None


def publish_documents(con: Connection, db_file: Path, previous: str | None, touched: bool) -> str:
    """Write the documents of the build just committed; in place for the touched customers when the retired file
    is the previous build's, else whole. Returns how it was published."""
    path = documents_path(db_file)
    whole = not touched or retired_build(path) != previous or previous is None
    con.execute(f"create or replace temp table _publish as select customer_id from "
                f"{'customer_cards' if whole else '_touched'}")
    try:
        with publishing(path, whole) as db:
            if not whole:
                forget_gone(con, db)
            copy_documents(con, db)
            write_meta(con, db)
    finally:
        con.execute("drop table if exists _publish")
    return "whole" if whole else "touched customers"


def retired_build(path: Path) -> str | None:
    """The build id of the file a build retired (None: there is none, or it cannot be read)."""
    retired = path.with_name(path.name + ".building")
    if not retired.exists():
        return None
    try:
        db = sqlite3.connect(f"file:{retired}?mode=ro", uri=True)
        try:
            return db.execute("select value from meta where key = 'build_id'").fetchone()[0]
        finally:
            db.close()
    except (sqlite3.Error, TypeError):
        return None


def forget_gone(con: Connection, db: sqlite3.Connection) -> None:
    """Before an in-place update: drop the touched customers, and those no longer in the marts (merged, erased)."""
    current = {r[0] for r in con.execute("select customer_id from customer_cards").fetchall()}
    held = {r[0] for r in db.execute("select customer_id from customers")}
    touched = [r[0] for r in con.execute("select customer_id from _publish").fetchall()]
    gone = sorted((held - current) | set(touched))
    db.execute("create temp table gone (customer_id integer primary key)")
    db.executemany("insert into gone values (?)", [(c,) for c in gone])
    db.execute("delete from customers where customer_id in (select customer_id from gone)")
    # one pass over the terms (they are indexed by term, not by customer)
    db.execute("delete from search where customer_id in (select customer_id from gone)")
    db.execute("drop table gone")


def copy_documents(con: Connection, db: sqlite3.Connection) -> None:
    """Copy the documents and search terms from DuckDB into SQLite, batch by batch. Stored as plain text: zlib
    would make the file a third as big but cost ~60 s more per million customers at build time."""
    chunks = con.execute(CHUNKS, {"size": CHUNK_CUSTOMERS}).fetchall()
    for low, high in chunks:
        stream(con, DOCUMENTS, lambda rows: db.executemany("insert into customers values (?, ?, ?, ?)", rows),
               {"low": low, "high": high})
    stream(con, """select term, field, customer_id, lifetime_value from customer_search
                   where customer_id in (select customer_id from _publish) order by term""",
           lambda rows: db.executemany("insert into search values (?, ?, ?, ?)", rows))


def stream(con: Connection, sql: str, write, params: dict | None = None) -> None:
    """Fetch `sql`'s rows in batches and `write` each (on `con` itself: the temp tables it reads are its own)."""
    result = con.execute(sql, params) if params else con.execute(sql)
    while rows := result.fetchmany(BATCH):
        write(rows)


def write_meta(con: Connection, db: sqlite3.Connection) -> None:
    """What a reader needs besides the rows: which build they are, the columns' DuckDB types, the store-wide
    figure the talking points compare against."""
    types = {table: {r[0]: r[1] for r in con.execute(f"describe {table}").fetchall()}
             for table in ("customer_profiles", "customer_timeline")}
    decile = con.execute("select ltv_top_decile from customer_stats").fetchall()
    meta = {"build_id": build_id(con), "events_kept": str(EVENTS_KEPT),
            "profile_types": json.dumps(types["customer_profiles"]),
            "timeline_types": json.dumps(types["customer_timeline"]),
            "ltv_top_decile": json.dumps(decile[0][0] if decile else None)}
    db.execute("delete from meta")
    db.executemany("insert into meta values (?, ?)", list(meta.items()))
