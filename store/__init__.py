"""The only module that opens DuckDB: where the file lives, schema migrations, and transactions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "rapport.duckdb"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

Connection = duckdb.DuckDBPyConnection


def db_path() -> Path:
    """The store's file: `RAPPORT_DB` if set, else `data/rapport.duckdb`."""
    return Path(os.environ.get("RAPPORT_DB") or DEFAULT_DB_PATH)


def connect(path: str | Path | None = None, *, read_only: bool = False) -> Connection:
    """Open the store (migrating it to the current schema unless read-only)."""
    path = Path(path) if path is not None else db_path()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    # Every timestamp Rapport stores is naive UTC; pin the session zone so parsing never depends on the host.
    con.execute("set TimeZone = 'UTC'")
    if not read_only:
        migrate(con)
    return con


def memory() -> Connection:
    """A migrated in-memory store, for scratch work and quick experiments."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    migrate(con)
    return con


@contextmanager
def transaction(con: Connection) -> Iterator[Connection]:
    """Run a block atomically: commit on success, roll back everything on any error."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def migrations() -> list[tuple[int, Path]]:
    """The migration files in order, as (version, path); `003_name.sql` is version 3."""
    found = [(int(p.name.split("_", 1)[0]), p) for p in MIGRATIONS_DIR.glob("[0-9]*_*.sql")]
    return sorted(found)


def schema_version(con: Connection) -> int:
    """The highest migration applied to this store (0 for a new file)."""
    con.execute("create table if not exists schema_version (version integer primary key, applied_at timestamp)")
    # fetchall, not fetchone: DuckDB 2.0 keeps a half-read result open and then refuses con.sql() on the connection
    return con.execute("select coalesce(max(version), 0) from schema_version").fetchall()[0][0]


def migrate(con: Connection) -> int:
    """Apply every migration this store has not had, in order, each in its own transaction."""
    schema_version(con)
    applied = {r[0] for r in con.execute("select version from schema_version").fetchall()}
    for version, path in migrations():
        if version in applied:
            continue
        with transaction(con):
            con.execute(path.read_text())
            con.execute("insert into schema_version values (?, now()::timestamp)", [version])
    return schema_version(con)


def has_table(con: Connection, name: str) -> bool:
    """Whether the store has a (not temporary) table of this name."""
    return con.execute("select count(*) from duckdb_tables() where table_name = ? and not temporary",
                       [name]).fetchall()[0][0] > 0


def quote_identifier(name: str) -> str:
    """A column or table name as a SQL identifier, whatever characters it has."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """A string as a SQL literal; only for configuration values (mappings), never for data from files."""
    return "'" + value.replace("'", "''") + "'"
