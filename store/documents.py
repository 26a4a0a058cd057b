"""The point-read store beside the DuckDB file: one document per customer (profile card and newest events) and the
search terms, in a SQLite file each model build publishes, for the pages' one-customer reads.

DuckDB answers a point read in a millisecond or more whatever the plan (a query's fixed cost, p95 several ms on a
busy machine); SQLite's B-tree answers one in tens of microseconds. The file holds only what a build wrote: a
build retires it before its own commit (readers go to DuckDB meanwhile), and publishes it again after, so a page
never reads documents of another build than DuckDB's. A build that fails puts the old one back. A customer whose
data changes between builds (a note, a hand-off) loses their document, and is read from DuckDB until the next one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

SCHEMA = (
    "create table meta (key text primary key, value text not null)",
    # card: the profile as customer_cards' JSON; events: the newest events as a JSON array of
    # [event_id, occurred_at, packed] (no card: the customer has notes or hand-offs, read live from DuckDB)
    "create table customers (customer_id integer primary key, display_name text, card text, events text)",
    "create table search (term text not null, field text not null, customer_id integer not null, "
    "lifetime_value real)",
)
INDEXES = ("create index search_by_term on search (term)",)


def documents_path(db_file: str | Path) -> Path:
    """Where the documents of the DuckDB store at `db_file` are served from."""
    return Path(f"{db_file}.documents")


def _building(path: Path) -> Path:
    return path.with_name(path.name + ".building")


def retire(path: Path) -> None:
    """Before a build commits: stop serving the documents (kept aside, for an incremental publish to update)."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, _building(path))


def restore(path: Path) -> None:
    """After a build failed: DuckDB kept the old models, so their documents are served again."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(_building(path), path)


@contextlib.contextmanager
def publishing(path: Path, whole: bool) -> Iterator[sqlite3.Connection]:
    """A writable document file that becomes the served one when the block succeeds: a new one (`whole`), or the
    retired one updated in place. On failure nothing is served, and readers go to DuckDB."""
    target = path.with_name(path.name + ".new") if whole else _building(path)
    if whole:
        for stale in (target, _building(path)):
            stale.unlink(missing_ok=True)
    db = sqlite3.connect(target)
    try:
        db.execute("pragma journal_mode = off" if whole else "pragma journal_mode = delete")
        db.execute("pragma synchronous = off" if whole else "pragma synchronous = normal")
        db.execute("pragma secure_delete = on")  # an erased customer's bytes do not linger in freed pages
        if whole:
            for sql in SCHEMA:
                db.execute(sql)
        yield db
        if whole:
            for sql in INDEXES:
                db.execute(sql)
        db.commit()
    except BaseException:
        db.close()
        target.unlink(missing_ok=True)
        raise
    db.close()
    os.replace(target, path)


def forget_customers(path: Path, customer_ids: list[int]) -> None:
    """Drop the documents of customers whose data changed between builds: they are read from DuckDB until the next
    build publishes them again."""
    if not customer_ids or not path.exists():
        return
    db = sqlite3.connect(path, timeout=30)
    try:
        db.execute("pragma secure_delete = on")
        db.executemany("update customers set card = null, events = null where customer_id = ?",
                       [(c,) for c in customer_ids])
        db.commit()
    finally:
        db.close()


class Documents:
    """Read access to one store's served documents: a read-only SQLite connection per thread, reopened when a build
    publishes a new file. `check(meta)` says whether a newly opened file belongs to the DuckDB store it serves."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._shared: dict[tuple, object] = {}  # per file version: things derived from it (the fuzzy index)
        self._lock = threading.Lock()

    def version(self) -> tuple | None:
        """(inode, size, mtime) of the served file, or None when nothing is served."""
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return None
        return found.st_ino, found.st_size, found.st_mtime_ns

    def connection(self, check: Callable[[dict[str, str]], bool]) -> tuple[sqlite3.Connection, tuple] | None:
        """This thread's connection to the served file, and its version; None when none is served or it is not
        the DuckDB store's (`check` is asked once per file version and thread)."""
        version = self.version()
        if version is None:
            return None
        held = getattr(self._local, "held", None)
        if held is not None and held[1] == version:
            return (held[0], held[1]) if held[2] else None
        if held is not None:
            held[0].close()
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
        try:
            usable = check(dict(db.execute("select key, value from meta").fetchall()))
        except sqlite3.Error:
            usable = False
        self._local.held = (db, version, usable)
        return (db, version) if usable else None

    def derived(self, version: tuple, name: str, make: Callable[[], object]) -> object:
        """A value computed once per file version and shared by every thread (e.g. an index held in memory)."""
        key = (version, name)
        with self._lock:
            if key not in self._shared:
                self._shared = {k: v for k, v in self._shared.items() if k[0] == version}
                self._shared[key] = make()
            return self._shared[key]


_open: dict[Path, Documents] = {}
_open_lock = threading.Lock()


def documents_of(db_file: str | Path) -> Documents:
    """The one Documents of this process for the store at `db_file`."""
    path = documents_path(db_file)
    with _open_lock:
        return _open.setdefault(path, Documents(path))
