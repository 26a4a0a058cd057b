"""What the dashboard changes: identity decisions and uploaded files, each followed by a model refresh."""

from __future__ import annotations

import tempfile
from pathlib import Path

from connectors.loader import LoadResult, load_file
from models.build import build
from models.identity import decisions
from queries.connection import cursor
from store import Connection


def split_record(customer_id: int, record_key: str, reason: str, who: str, con: Connection | None = None) -> int:
    """"Not the same person": take one source record out of a profile."""
    con = cursor(con)
    decision = decisions.split(con, record_key, customer_id, reason=reason, decided_by=who)
    build(con)
    return decision


def merge_profiles(customer_id: int, other_customer_id: int, reason: str, who: str,
                   con: Connection | None = None) -> int:
    con = cursor(con)
    decision = decisions.merge(con, customer_id, other_customer_id, reason=reason, decided_by=who)
    build(con)
    return decision


def dismiss_duplicate(customer_id: int, other_customer_id: int, reason: str, who: str,
                      con: Connection | None = None) -> int:
    con = cursor(con)
    decision = decisions.dismiss_duplicate(con, customer_id, other_customer_id, reason=reason, decided_by=who)
    build(con)
    return decision


def undo_decision(decision_id: int, who: str, con: Connection | None = None) -> None:
    con = cursor(con)
    decisions.undo(con, decision_id, undone_by=who)
    build(con)


def decision_history(customer_id: int | None = None, con: Connection | None = None):
    return decisions.history(cursor(con), customer_id)


def load_upload(kind: str, file_name: str, data: bytes, source: str | None, mapping: str | None,
                con: Connection | None = None) -> LoadResult:
    """Load an uploaded file through the same connector code as the command line, then refresh the models."""
    con = cursor(con)
    suffix = Path(file_name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        result = load_file(con, kind, path, source=source or None, mapping=mapping or None,
                           file_label=f"upload:{Path(file_name).name}")
    build(con)
    return result


def configured_sources() -> list[str]:
    """The API sources named in the sources file (none without one)."""
    from connectors.api.sources import load_sources

    return [source.name for source in load_sources()]


def sync_now(names: list[str] | None = None, con: Connection | None = None):
    """Pull what changed from the configured API sources, then refresh the models once."""
    from connectors.sync import sync_all

    con = cursor(con)
    results = sync_all(con, names)
    if results:
        build(con)
    return results


def sync_status(con: Connection | None = None):
    from connectors.sync import sync_status as status

    return status(cursor(con))
