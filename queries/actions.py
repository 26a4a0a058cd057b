"""What the dashboard changes: identity decisions, uploaded files, API syncs and data-subject requests — each
allowed only to the roles the roles file grants it, and each followed by a model refresh — and corrections of the
post classifier (the post's inbox row follows at once; the rest at the worker's next refresh, within a minute)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb

from connectors.loader import LoadResult, load_file
from connectors.progress import Reporter, Status, throttled
from models import corrections, privacy
from models.build import refresh
from models.identity import decisions
from queries.access import Viewer
from queries.connection import cursor, rewrite_store
from store import Connection


def split_record(viewer: Viewer, customer_id: int, record_key: str, reason: str,
                 con: Connection | None = None) -> int:
    """"Not the same person": take one source record out of a profile."""
    viewer.require("merge_split")
    con = cursor(con)
    decision = decisions.split(con, record_key, customer_id, reason=reason, decided_by=viewer.actor)
    refresh(con, decided=True)
    return decision


def merge_profiles(viewer: Viewer, customer_id: int, other_customer_id: int, reason: str,
                   con: Connection | None = None) -> int:
    viewer.require("merge_split")
    con = cursor(con)
    decision = decisions.merge(con, customer_id, other_customer_id, reason=reason, decided_by=viewer.actor)
    refresh(con, decided=True)
    return decision


def dismiss_duplicate(viewer: Viewer, customer_id: int, other_customer_id: int, reason: str,
                      con: Connection | None = None) -> int:
    viewer.require("merge_split")
    con = cursor(con)
    decision = decisions.dismiss_duplicate(con, customer_id, other_customer_id, reason=reason,
                                           decided_by=viewer.actor)
    refresh(con, decided=True)
    return decision


def undo_decision(viewer: Viewer, decision_id: int, con: Connection | None = None) -> None:
    viewer.require("merge_split")
    con = cursor(con)
    decisions.undo(con, decision_id, undone_by=viewer.actor)
    refresh(con, decided=True)


def decision_history(viewer: Viewer, customer_id: int | None = None, con: Connection | None = None):
    viewer.require("merge_split")
    return decisions.history(cursor(con), customer_id)


def load_upload(viewer: Viewer, kind: str, file_name: str, data: bytes, source: str | None, mapping: str | None,
                con: Connection | None = None) -> LoadResult:
    """Load an uploaded file through the same connector code as the command line, then refresh the models."""
    viewer.require("upload")
    con = cursor(con)
    suffix = Path(file_name).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        result = load_file(con, kind, path, source=source or None, mapping=mapping or None,
                           file_label=f"upload:{Path(file_name).name}")
    refresh(con)
    return result


def configured_sources(viewer: Viewer) -> list[str]:
    """The API sources named in the sources file (none without one)."""
    viewer.require_page("data_sources")
    from connectors.api.sources import load_sources

    return [source.name for source in load_sources()]


def sync_now(viewer: Viewer, names: list[str] | None = None, con: Connection | None = None,
             progress: Callable[[Status], None] | None = None):
    """Pull what changed from the configured API sources, then refresh the models once. `progress` is handed how
    far the work got (records and pages fetched, a wait and why, the build's step), from the caller's own thread
    and at most twice a second, so a page can draw it."""
    viewer.require("sync")
    from connectors.sync import sync_all

    con = cursor(con)
    reporter = Reporter(throttled(progress) if progress else None)
    results = sync_all(con, names, reporter=reporter)
    if results:
        reporter.start("refreshing the profiles")
        refresh(con, step=reporter.step)
    return results


def sync_status(viewer: Viewer, con: Connection | None = None):
    viewer.require_page("data_sources")
    from connectors.sync import sync_status as status

    return status(cursor(con))


def export_customer(viewer: Viewer, customer_id: int, con: Connection | None = None) -> bytes:
    """Everything Rapport holds about one customer as a zip (GDPR art. 15); the export is audited."""
    viewer.require("privacy")
    return privacy.export_customer(cursor(con), customer_id, actor=viewer.actor)


def erase_customer(viewer: Viewer, customer_id: int, reason: str, con: Connection | None = None):
    """Erase one customer everywhere and suppress their identifiers (GDPR art. 17); logged without their data."""
    viewer.require("privacy")
    report = privacy.erase_customer(cursor(con), customer_id, viewer.actor, reason)
    if con is None:  # the app's own store: rewrite its file, so the erased bytes leave the disk too
        try:
            rewrite_store()
        except (duckdb.Error, OSError, RuntimeError) as error:  # the old file stays; the log says not rewritten
            report.rewrite_error = str(error).splitlines()[0]
        else:
            report.file_rewritten = True
    return report


def erasures(viewer: Viewer, con: Connection | None = None):
    """Past erasures: when, by whom, why, how much; no personal data."""
    viewer.require("privacy")
    return cursor(con).execute("select * from erasure_log order by erased_at desc").df()


def correct_post(viewer: Viewer, post_key: str, field: str, value: str,
                 con: Connection | None = None) -> corrections.Correction | None:
    """Give a post's intent, urgency or sentiment the value a person chose (the model's own value undoes the
    correction); audited. None when the post shows that value already."""
    viewer.require("work_inbox")
    return corrections.correct(cursor(con), post_key, field, value, viewer.actor)


def undo_correction(viewer: Viewer, post_key: str, field: str,
                    con: Connection | None = None) -> corrections.Correction | None:
    """Back to the model's reading of one field of a post; audited."""
    viewer.require("work_inbox")
    return corrections.undo(cursor(con), post_key, field, viewer.actor)

