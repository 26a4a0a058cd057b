"""The only module that opens DuckDB: where the file lives, schema migrations, and transactions."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "rapport.duckdb"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

Connection = duckdb.DuckDBPyConnection
Error = duckdb.Error  # what a statement raises: models name the step and model it came from on it (add_note)
OutOfMemory = duckdb.OutOfMemoryException  # a step needed more than the memory limit, spilling what it could


def db_path() -> Path:
    """The store's file: `RAPPORT_DB` if set, else `data/rapport.duckdb`."""
    return Path(os.environ.get("RAPPORT_DB") or DEFAULT_DB_PATH)


def connect(path: str | Path | None = None, *, read_only: bool = False) -> Connection:
    """Open the store (migrating it to the current schema unless read-only)."""
    path = Path(path) if path is not None else db_path()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=memory_config())
    # Every timestamp Rapport stores is naive UTC; pin the session zone so parsing never depends on the host.
    con.execute("set TimeZone = 'UTC'")
    if not read_only:
        migrate(con)
    return con


def memory_config() -> dict[str, str]:
    """RAPPORT_MEMORY_LIMIT (e.g. `12GB`): the most memory DuckDB takes before it spills to disk. Unset, DuckDB
    takes up to 80 % of the machine's, which is too much where other services share the host."""
    limit = os.environ.get("RAPPORT_MEMORY_LIMIT", "").strip()
    if not limit:
        return {}
    try:
        duckdb.connect(":memory:", config={"memory_limit": limit}).close()
    except duckdb.Error as exc:
        raise ValueError(f"RAPPORT_MEMORY_LIMIT={limit!r} is not a memory size DuckDB reads ({exc})") from None
    return {"memory_limit": limit}


def memory() -> Connection:
    """A migrated in-memory store, for scratch work and quick experiments."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    migrate(con)
    return con


def open_snapshot(path: str | Path, own: tuple[str, ...] = ()) -> Connection:
    """A published snapshot (store.snapshots), read-only, attached as `snap` to an in-memory database that names
    each of its tables and views with a view of its own — but for the tables in `own`, which the caller adds as
    tables (a replica's copies of the operational tables) — so every cursor's unqualified names resolve as on the
    store itself. Any number of processes open one snapshot at once; nobody writes it again."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach {quote_literal(str(path))} as snap (read_only)")
    names = con.execute("""select table_name from duckdb_tables() where database_name = 'snap' and schema_name = 'main'
                           union select view_name from duckdb_views()
                           where database_name = 'snap' and schema_name = 'main' and not internal""").fetchall()
    for (name,) in names:
        if name not in own:
            con.execute(f"create view memory.main.{quote_identifier(name)} as "
                        f"select * from snap.main.{quote_identifier(name)}")
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


def rewrite(path: str | Path | None = None, finish: Callable[[Connection, str], None] | None = None) -> None:
    """Copy the store into a fresh file and put that in its place: DuckDB keeps the bytes of deleted rows in the
    blocks it frees, and VACUUM or CHECKPOINT do not wipe them, so only a new file is rid of erased data.

    Needs the store closed in this process (DuckDB refuses the read-only probe otherwise) and in every other (its
    lock refuses the open). `finish(con, catalog)` runs on the copy (catalog `_fresh`) before the swap. Any failure
    before the atomic rename leaves the old file as it was; the copy is checked table by table first.
    """
    path = Path(path) if path is not None else db_path()
    fresh = path.with_name(path.name + ".rewrite")
    for leftover in (fresh, wal_of(fresh)):
        leftover.unlink(missing_ok=True)
    duckdb.connect(str(path), read_only=True).close()  # raises while this process holds the store
    con = duckdb.connect(str(path))
    try:
        con.execute("force checkpoint")
        con.execute(f"attach {quote_literal(str(fresh))} as _fresh")
        con.execute(f"copy from database {quote_identifier(current_catalog(con))} to _fresh")
        check_copy(con, current_catalog(con), "_fresh")
        if finish:
            finish(con, "_fresh")
        con.execute("checkpoint _fresh")
        con.execute("detach _fresh")
    finally:
        con.close()
    if wal_of(path).exists() or wal_of(fresh).exists():
        raise RuntimeError(f"{path}: a write-ahead log is left after closing; the store was not replaced")
    with fresh.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(fresh, path)


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def current_catalog(con: Connection) -> str:
    return con.execute("select current_database()").fetchall()[0][0]


def check_copy(con: Connection, original: str, copy: str) -> None:
    """Refuse a copy that lacks a table, a row, a sequence's position or an index of the original."""
    checks = ["select table_name from duckdb_tables() where database_name = ? order by 1",
              "select sequence_name, last_value from duckdb_sequences() where database_name = ? order by 1",
              "select index_name from duckdb_indexes() where database_name = ? order by 1",
              "select view_name from duckdb_views() where database_name = ? and not internal order by 1"]
    tables = [r[0] for r in con.execute(checks[0], [original]).fetchall()]
    for sql in checks + [f"select count(*) from {{db}}.main.{quote_identifier(t)}" for t in tables]:
        found = [con.execute(sql.format(db=quote_identifier(db)), [db] if "?" in sql else []).fetchall()
                 for db in (original, copy)]
        if found[0] != found[1]:
            raise RuntimeError(f"the rewritten store differs from the original ({sql.split(' from ')[1][:40]}…)")


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
