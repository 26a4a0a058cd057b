"""The only module that opens PostgreSQL: where the shared operational state lives when `RAPPORT_DATABASE_URL`
is set (psycopg 3 with a pool), its numbered migrations (store/pg_migrations/), and a connection object that
speaks to PostgreSQL the way the rest of Rapport speaks to DuckDB — `execute(sql, params)` with `?` or `$name`
parameters, results read with `fetchall()`, `fetchone()` or `df()`, and `store.transaction()` around a block —
so the code that writes operational state (models.operations, the view audit, identity decisions) runs unchanged
on either store."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pandas as pd
import psycopg
from psycopg_pool import ConnectionPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "pg_migrations"
# `?` and `$name` placeholders outside quoted text; `%` is psycopg's own marker and is doubled first
PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|\$([A-Za-z_][A-Za-z0-9_]*)|%")
POOL_SIZE = int(os.environ.get("RAPPORT_DATABASE_POOL", "8"))

Error = psycopg.Error


def database_url() -> str | None:
    """RAPPORT_DATABASE_URL when it names a PostgreSQL database; None keeps everything in the DuckDB file."""
    url = os.environ.get("RAPPORT_DATABASE_URL", "").strip()
    if not url:
        return None
    if not url.startswith(("postgresql://", "postgres://")):
        raise ValueError(f"RAPPORT_DATABASE_URL must start with postgresql:// (it is {url.split(':', 1)[0]}:…)")
    return url


_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()


def pool(url: str) -> ConnectionPool:
    """One pool per database per process, migrated when first opened. Client-side binding (ClientCursor): a
    parameter's type then never needs inferring (`$ids is null` with a list or with None)."""
    with _pools_lock:
        if url not in _pools:
            opened = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, open=True, name="rapport",
                                    kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor})
            with opened.connection() as con:
                migrate(con)
            _pools[url] = opened
        return _pools[url]


def close_pools() -> None:
    """Close every pool (a test's database is about to be dropped, or the process ends)."""
    with _pools_lock:
        for opened in _pools.values():
            opened.close()
        _pools.clear()


def connect(url: str | None = None) -> Postgres:
    """A connection to the operational database (RAPPORT_DATABASE_URL unless given)."""
    url = url or database_url()
    if url is None:
        raise RuntimeError("RAPPORT_DATABASE_URL is not set")
    return Postgres(pool(url))


def migrations() -> list[tuple[int, Path]]:
    found = [(int(p.name.split("_", 1)[0]), p) for p in MIGRATIONS_DIR.glob("[0-9]*_*.sql")]
    return sorted(found)


def migrate(con: psycopg.Connection) -> int:
    """Apply every migration the database has not had, in order, each in its own transaction; an advisory lock
    keeps two processes starting at once from applying one twice."""
    with con.transaction():
        con.execute("select pg_advisory_xact_lock(7265707)")  # 'rep' in hex digits: any constant all agree on
        con.execute("create table if not exists schema_version (version integer primary key, applied_at timestamp)")
        applied = {r[0] for r in con.execute("select version from schema_version").fetchall()}
        for version, path in migrations():
            if version not in applied:
                con.execute(path.read_text())
                con.execute("insert into schema_version values (%s, now() at time zone 'utc')", [version])
        return con.execute("select coalesce(max(version), 0) from schema_version").fetchone()[0]


def translate(sql: str) -> str:
    """DuckDB-style placeholders (`?`, `$name`) as psycopg's (`%s`, `%(name)s`)."""
    def replace(match: re.Match) -> str:
        text = match.group(0)
        if text.startswith("'"):
            return text.replace("%", "%%")
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        return f"%({match.group(1)})s"

    return PLACEHOLDER.sub(replace, sql)


class Result:
    """A statement's rows, read at once (the connection goes back to the pool straight after)."""

    def __init__(self, cursor: psycopg.Cursor | None):
        if cursor is None:
            self.columns, self.rows, self.rowcount = [], [], -1
            return
        self.columns = [c.name for c in cursor.description] if cursor.description else []
        self.rows = cursor.fetchall() if cursor.description else []
        self.rowcount = cursor.rowcount

    def fetchall(self) -> list[tuple]:
        return list(self.rows)

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def df(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)


class Postgres:
    """A DuckDB-connection look-alike over the pool: each statement borrows a connection and gives it back, and
    `begin transaction` ... `commit` (what store.transaction runs) holds one connection for the whole block."""

    def __init__(self, pool: ConnectionPool):
        self.pool = pool
        self.held: psycopg.Connection | None = None

    def cursor(self) -> Postgres:
        """A connection of its own (its own transaction), as DuckDB's cursor() is."""
        return Postgres(self.pool)

    def execute(self, sql: str, params=None) -> Result:
        statement = sql.strip().rstrip(";").lower()
        if statement in ("begin", "begin transaction"):
            return self.begin()
        if statement in ("commit", "rollback"):
            return self.end(statement)
        if self.held is not None:
            return Result(self.held.execute(translate(sql), params))
        with self.pool.connection() as con:
            return Result(con.execute(translate(sql), params))

    def executemany(self, sql: str, rows) -> None:
        if self.held is not None:
            self.held.cursor().executemany(translate(sql), rows)
            return
        with self.pool.connection() as con, con.transaction():
            con.cursor().executemany(translate(sql), rows)

    def begin(self) -> Result:
        if self.held is not None:
            raise RuntimeError("a transaction is already open on this connection")
        self.held = self.pool.getconn()
        self.held.execute("begin")
        return Result(None)

    def end(self, how: str) -> Result:
        held, self.held = self.held, None
        if held is None:
            raise RuntimeError(f"{how} without a transaction")
        try:
            held.execute(how)
        finally:
            self.pool.putconn(held)
        return Result(None)

    def close(self) -> None:
        if self.held is not None:
            self.end("rollback")
