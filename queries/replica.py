"""A dashboard replica's store (RAPPORT_DATABASE_URL set): the worker's newest published snapshot, read-only, with
the operational tables copied from PostgreSQL beside it, under the same names as on the one-process dashboard's store
(store.open_snapshot), so the query layer's SQL is the same.

A replica checks the manifest as a query starts and moves to a newer snapshot when there is one: the next rerun
of every session reads it, sessions are never dropped. The snapshot before stays open (a query in flight finishes
on it) until the next switch; a lease file tells the worker which snapshots are still read."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import store
from store import operational, postgres, snapshots

# the manifest is a small file on a shared volume: read at most this often, and the lease touched as often
CHECK_SECONDS = 0.5
LEASE_TOUCH_SECONDS = 20


class NoSnapshot(RuntimeError):
    """The worker has not published a snapshot yet."""


@dataclass
class Opened:
    current: snapshots.Current
    con: store.Connection
    mirror: operational.Mirror


class Replica:
    """The snapshot this process reads, and its copies of the operational tables."""

    def __init__(self, folder: Path | None = None, pg: postgres.Postgres | None = None):
        self.folder = folder or snapshots.snapshots_dir()
        self.pg = pg or operational.shared_connection()
        self.lock = threading.Lock()
        self.open: Opened | None = None
        self.previous: Opened | None = None
        self.checked = self.touched = 0.0

    def cursor(self) -> store.Connection:
        """A cursor on the newest snapshot, with the operational copies brought up to date."""
        opened = self.newest()
        opened.mirror.refresh()
        return opened.con.cursor()

    def newest(self) -> Opened:
        with self.lock:
            now = time.monotonic()
            if self.open is not None and now - self.checked < CHECK_SECONDS:
                return self.open
            self.checked = now
            current = snapshots.current(self.folder)
            if current is None:
                raise NoSnapshot(f"no snapshot published in {self.folder} yet: is `python -m rapport worker` "
                                 "running?")
            if self.open is not None and self.open.current.path == current.path:
                if now - self.touched >= LEASE_TOUCH_SECONDS:
                    self.touched = now
                    snapshots.take_lease(current.path)
                return self.open
            self.switch(current)
            return self.open

    def switch(self, current: snapshots.Current) -> None:
        snapshots.take_lease(current.path)
        self.touched = time.monotonic()
        con = store.open_snapshot(current.path, own=operational.MIRRORED)
        mirror = operational.Mirror(self.pg, con)
        mirror.refresh()
        retired, self.previous, self.open = self.previous, self.open, Opened(current, con, mirror)
        if retired is not None:
            self.close_one(retired)
        if self.previous is not None and not self.previous.current.path.exists():
            # removed by an erasure: its blocks stay on disk while a process holds the file open, so let go now
            # (a query in flight on it fails once, as on the one-process dashboard)
            self.close_one(self.previous)
            self.previous = None

    @staticmethod
    def close_one(opened: Opened) -> None:
        opened.con.close()
        snapshots.release_lease(opened.current.path)

    def serving(self) -> snapshots.Current | None:
        return self.open.current if self.open else None

    def close(self) -> None:
        for opened in (self.open, self.previous):
            if opened is not None:
                self.close_one(opened)
        self.open = self.previous = None
