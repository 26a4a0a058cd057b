"""Operational state — what staff write while they work (inbox statuses, assignments, notes, hand-offs, idea
statuses, identity decisions, the view audit, the erasure log and the suppression list) — and where it lives: in
the DuckDB file (the default, as always), or in PostgreSQL when `RAPPORT_DATABASE_URL` is set, shared by every
dashboard replica and the worker.

The statements that write it are the same for both stores (store.postgres speaks DuckDB's placeholders). What
reads it beside the models — the inbox queue joins `inbox_state`, a build reads `identity_decisions` and
`suppressed_identifiers` — keeps reading DuckDB tables of the same names: with PostgreSQL those are copies,
refreshed from it (`Mirror`: a replica re-reads a table only when its change counter moved; the worker copies them
into temp tables of its build). Adding an operational table: a migration in each folder and one entry in MIRRORED
(or none, for a table only read in PostgreSQL itself, as the audit log is)."""

from __future__ import annotations

import threading
import weakref

import pyarrow as pa

from store import postgres

# copied into DuckDB beside the models wherever the models are read or built
MIRRORED = ("inbox_state", "inbox_notes", "handoffs", "idea_state", "identity_decisions", "suppressed_identifiers",
            "erasure_log")
# read in PostgreSQL itself: it grows with every profile opening, and only admins and the inbox's trail read it
UNMIRRORED = ("audit_log",)

# the pools whose database has the change triggers; weak, by the pool itself: an id() of a closed pool is reused by
# the next one, whose new database then got no triggers (its change counters never moved)
_triggers_installed: weakref.WeakSet = weakref.WeakSet()
_triggers_lock = threading.Lock()


def is_shared() -> bool:
    """Whether operational state lives in PostgreSQL (RAPPORT_DATABASE_URL is set)."""
    return postgres.database_url() is not None


def shared_connection(url: str | None = None) -> postgres.Postgres:
    """The PostgreSQL connection object, with the change counters of every mirrored table in place."""
    pg = postgres.connect(url)
    with _triggers_lock:
        if pg.pool not in _triggers_installed:
            install_change_triggers(pg)
            _triggers_installed.add(pg.pool)
    return pg


def install_change_triggers(pg: postgres.Postgres) -> None:
    """A statement trigger per mirrored table bumping its row in operational_changes (idempotent)."""
    for table in MIRRORED:
        pg.execute(f"""create or replace trigger {table}_changes
                       after insert or update or delete or truncate on {table}
                       for each statement execute function bump_operational_change()""")


def versions(pg: postgres.Postgres) -> dict[str, int]:
    return dict(pg.execute("select table_name, version from operational_changes").fetchall())


def rows_as_arrow(pg: postgres.Postgres, table: str) -> pa.Table:
    found = pg.execute(f"select * from {table}")
    return pa.table({column: [row[i] for row in found.rows] for i, column in enumerate(found.columns)})


def copy_into(pg: postgres.Postgres, con, table: str, target: str, like: str) -> None:
    """Replace DuckDB table `target` by PostgreSQL's `table`, typed as DuckDB's `like` (columns by position)."""
    rows = rows_as_arrow(pg, table)
    name = f"_operational_{table}"
    con.register(name, rows)
    try:
        kind = "temp table" if target.startswith("temp.") else "table"
        con.execute(f"create or replace {kind} {target.removeprefix('temp.main.')} as select * from {like} limit 0")
        con.execute(f"insert into {target} select * from {name}")
    finally:
        con.unregister(name)


def overlay_temp(pg: postgres.Postgres, con, tables: tuple[str, ...] = MIRRORED) -> None:
    """The worker's view before a load or build: every mirrored table as a temp table on `con`, which shadows the
    store's own (empty) one of the same name for every statement on this connection."""
    for table in tables:
        copy_into(pg, con, table, f"temp.main.{table}", f"main.{table}")


class Mirror:
    """A replica's copies of the mirrored tables in its in-memory catalog `into`, typed like the snapshot's
    tables in `like`; refresh() re-reads only the tables whose change counter moved since the last read."""

    def __init__(self, pg: postgres.Postgres, con, into: str = "memory.main", like: str = "snap.main"):
        self.pg, self.con, self.into, self.like = pg, con, into, like
        self.seen: dict[str, int | None] = {}
        self.lock = threading.Lock()

    def refresh(self) -> list[str]:
        """Bring the copies up to date; the tables re-read."""
        with self.lock:
            now = versions(self.pg)
            stale = [t for t in MIRRORED if t not in self.seen or self.seen[t] != now.get(t, 0)]
            con = self.con.cursor()
            for table in stale:
                copy_into(self.pg, con, table, f"{self.into}.{table}", f"{self.like}.{table}")
                self.seen[table] = now.get(table, 0)
            return stale


# the id columns PostgreSQL hands out from a sequence: after adopting rows, each sequence continues past them
SEQUENCES = {"audit_log": ("audit_id", "audit_id_seq"), "inbox_notes": ("note_id", "note_id_seq"),
             "identity_decisions": ("decision_id", "identity_decision_id_seq"),
             "erasure_log": ("erasure_id", "erasure_id_seq")}


def adopt(pg: postgres.Postgres, con) -> dict[str, int]:
    """Move the operational rows a DuckDB store holds into PostgreSQL (a company switching to the deployment with
    replicas keeps its notes, decisions, audit and — above all — its suppression list), then delete them from the
    store, so no copy is left behind for an erasure to miss. Run by the worker at every start: a no-op once done.
    PostgreSQL commits first; should the store's delete then fail, the next start adopts the same rows again and
    `on conflict do nothing` keeps them once. How many rows each table moved."""
    from store import transaction

    moved: dict[str, int] = {}
    for table in MIRRORED + UNMIRRORED:
        rows = con.execute(f"select * from main.{table}").fetchall()
        if not rows:
            continue
        marks = ", ".join("?" * len(rows[0]))
        with transaction(pg):
            pg.executemany(f"insert into {table} values ({marks}) on conflict do nothing", rows)
            if table in SEQUENCES:
                column, sequence = SEQUENCES[table]
                pg.execute(f"select setval('{sequence}', greatest((select max({column}) from {table}), "
                           f"(select last_value from {sequence})))")
        con.execute(f"delete from main.{table}")
        moved[table] = len(rows)
    return moved
