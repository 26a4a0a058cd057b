"""Published snapshots: after each build the worker copies its store into a new DuckDB file beside the old ones
(`<store>.snapshots/000012.duckdb`, never written again) and names it current in a manifest written atomically
(`current.json`). Dashboard replicas open the current one read-only and take a lease on it (a file touched while
they hold it); a snapshot is removed once it is neither among the newest KEEP nor leased. After an erasure every
older snapshot is removed at once, leased or not: they hold the erased person."""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import store

MANIFEST = "current.json"
LEASES = "leases"
KEEP = 2
# a replica touches its lease at every switch check; one untouched this long belongs to a process that is gone
LEASE_SECONDS = 120


def snapshots_dir(db: Path | None = None) -> Path:
    """Where snapshots live: RAPPORT_SNAPSHOTS, else `<store>.snapshots` beside the worker's store."""
    if os.environ.get("RAPPORT_SNAPSHOTS"):
        return Path(os.environ["RAPPORT_SNAPSHOTS"])
    db = db or store.db_path()
    return db.parent / f"{db.name}.snapshots"


@dataclass(frozen=True)
class Current:
    """The snapshot named current: its file and when it was published (naive UTC)."""

    path: Path
    number: int
    published_at: datetime

    def age_seconds(self, now: datetime | None = None) -> float:
        now = now or datetime.now(UTC).replace(tzinfo=None)
        return (now - self.published_at).total_seconds()


def current(folder: Path | None = None) -> Current | None:
    """The snapshot the manifest names, or None before the worker's first publication."""
    folder = folder or snapshots_dir()
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return Current(folder / manifest["file"], int(manifest["number"]),
                   datetime.fromisoformat(manifest["published_at"]))


def files(folder: Path) -> list[Path]:
    """The snapshot files, oldest first."""
    return sorted(folder.glob("[0-9]" * 6 + ".duckdb"))


def publish(con: store.Connection, folder: Path | None = None) -> Current:
    """Copy the store `con` holds into the next snapshot file and make it current (the manifest is replaced in
    one rename, so a reader sees the old snapshot or the new one, never a half-written file)."""
    folder = folder or snapshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    existing = files(folder)
    number = int(existing[-1].stem) + 1 if existing else 1
    target = folder / f"{number:06d}.duckdb"
    partial = folder / f"{number:06d}.duckdb.partial"
    for leftover in (partial, store.wal_of(partial)):
        leftover.unlink(missing_ok=True)
    catalog = store.current_catalog(con)
    con.execute(f"attach {store.quote_literal(str(partial))} as _snapshot")
    try:
        con.execute(f"copy from database {store.quote_identifier(catalog)} to _snapshot")
        con.execute("checkpoint _snapshot")
    finally:
        con.execute("detach _snapshot")
    with partial.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(partial, target)
    published = datetime.now(UTC).replace(tzinfo=None)
    write_manifest(folder, {"file": target.name, "number": number, "published_at": published.isoformat()})
    return Current(target, number, published)


def write_manifest(folder: Path, manifest: dict) -> None:
    temporary = folder / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest))
    with temporary.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(temporary, folder / MANIFEST)


def lease_path(snapshot: Path, holder: str | None = None) -> Path:
    holder = holder or f"{socket.gethostname()}-{os.getpid()}"
    return snapshot.parent / LEASES / f"{snapshot.name}.{holder}"


def take_lease(snapshot: Path, holder: str | None = None) -> Path:
    """Say that this process reads `snapshot` (touched again while it does)."""
    lease = lease_path(snapshot, holder)
    lease.parent.mkdir(parents=True, exist_ok=True)
    lease.touch()
    return lease


def release_lease(snapshot: Path, holder: str | None = None) -> None:
    lease_path(snapshot, holder).unlink(missing_ok=True)


def leased(snapshot: Path, now: float | None = None) -> bool:
    now = time.time() if now is None else now
    for lease in (snapshot.parent / LEASES).glob(f"{snapshot.name}.*"):
        try:
            if now - lease.stat().st_mtime <= LEASE_SECONDS:
                return True
        except FileNotFoundError:
            continue
    return False


def remove_old(folder: Path | None = None, keep: int = KEEP, everything_older: bool = False) -> list[Path]:
    """Remove the snapshots no reader needs: older than the newest `keep` and not leased; with
    `everything_older` (after an erasure) every snapshot but the current one. The removed files."""
    folder = folder or snapshots_dir()
    now_current = current(folder)
    candidates = [p for p in files(folder) if now_current is None or p != now_current.path]
    if not everything_older:
        candidates = [p for p in candidates[: max(len(candidates) - (keep - 1), 0)] if not leased(p)]
    for path in candidates:
        path.unlink(missing_ok=True)
        store.wal_of(path).unlink(missing_ok=True)
        for lease in (folder / LEASES).glob(f"{path.name}.*"):
            lease.unlink(missing_ok=True)
    return candidates
