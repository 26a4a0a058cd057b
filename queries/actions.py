"""What the dashboard changes: identity decisions, uploaded files, API syncs and data-subject requests — each
allowed only to the roles the roles file grants it, and each followed by a model refresh — and corrections of the
post classifier (the post's inbox row follows at once; the rest at the next refresh). On a replica
(RAPPORT_DATABASE_URL set) each is handed to the worker, which owns the store, and waited for: the change is in the
snapshot it publishes before the call returns."""

from __future__ import annotations

import dataclasses
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from connectors.loader import LoadResult, load_file
from connectors.progress import Reporter, Status, throttled
from models import corrections, privacy
from models.build import refresh
from models.identity import decisions
from queries.access import Viewer
from queries.connection import cursor, hand_to_worker, operational_store, rewrite_store
from store import Connection, db_path, operational


def on_replica(con: Connection | None) -> bool:
    """Whether this call's work goes to the worker: the app's own store on a replica."""
    return con is None and operational.is_shared()


def decided_by_worker(viewer: Viewer, action: str, **job) -> int:
    return int(hand_to_worker({"command": "decide", "action": action, "by": viewer.actor, **job})["decision_id"])


@dataclasses.dataclass
class HandedOver:
    """What the worker said about one piece of handed-over work (a sync's source)."""

    text: str
    outcome: str = "ok"

    def summary(self) -> str:
        return self.text


def split_record(viewer: Viewer, customer_id: int, record_key: str, reason: str,
                 con: Connection | None = None) -> int:
    """"Not the same person": take one source record out of a profile."""
    viewer.require("merge_split")
    if on_replica(con):
        return decided_by_worker(viewer, "split", record_key=record_key, customer_id=customer_id, reason=reason)
    con = cursor(con)
    decision = decisions.split(con, record_key, customer_id, reason=reason, decided_by=viewer.actor)
    refresh(con, decided=True)
    return decision


def merge_profiles(viewer: Viewer, customer_id: int, other_customer_id: int, reason: str,
                   con: Connection | None = None) -> int:
    viewer.require("merge_split")
    if on_replica(con):
        return decided_by_worker(viewer, "merge", customer_id=customer_id, other_customer_id=other_customer_id,
                                 reason=reason)
    con = cursor(con)
    decision = decisions.merge(con, customer_id, other_customer_id, reason=reason, decided_by=viewer.actor)
    refresh(con, decided=True)
    return decision


def dismiss_duplicate(viewer: Viewer, customer_id: int, other_customer_id: int, reason: str,
                      con: Connection | None = None) -> int:
    viewer.require("merge_split")
    if on_replica(con):
        return decided_by_worker(viewer, "not_duplicate", customer_id=customer_id,
                                 other_customer_id=other_customer_id, reason=reason)
    con = cursor(con)
    decision = decisions.dismiss_duplicate(con, customer_id, other_customer_id, reason=reason,
                                           decided_by=viewer.actor)
    refresh(con, decided=True)
    return decision


def undo_decision(viewer: Viewer, decision_id: int, con: Connection | None = None) -> None:
    viewer.require("merge_split")
    if on_replica(con):
        decided_by_worker(viewer, "undo", decision_id=decision_id)
        return
    con = cursor(con)
    decisions.undo(con, decision_id, undone_by=viewer.actor)
    refresh(con, decided=True)


def decision_history(viewer: Viewer, customer_id: int | None = None, con: Connection | None = None):
    viewer.require("merge_split")
    return decisions.history(operational_store(con), customer_id)


def load_upload(viewer: Viewer, kind: str, file_name: str, data: bytes, source: str | None, mapping: str | None,
                con: Connection | None = None) -> LoadResult:
    """Load an uploaded file through the same connector code as the command line, then refresh the models."""
    viewer.require("upload")
    suffix = Path(file_name).suffix.lower()
    if on_replica(con):
        return loaded_by_worker(kind, file_name, data, source, mapping)
    con = cursor(con)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        result = load_file(con, kind, path, source=source or None, mapping=mapping or None,
                           file_label=f"upload:{Path(file_name).name}")
    refresh(con)
    return result


def loaded_by_worker(kind: str, file_name: str, data: bytes, source: str | None, mapping: str | None) -> LoadResult:
    """An upload on a replica: written into the uploads folder beside the store (a volume the worker shares),
    loaded by the worker, removed afterwards."""
    folder = db_path().parent / f"{db_path().name}.uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(file_name).suffix.lower()}"
    path.write_bytes(data)
    try:
        result = hand_to_worker({"command": "load", "kind": kind, "path": str(path), "source": source or None,
                                 "mapping": mapping or None, "file_label": f"upload:{Path(file_name).name}"})
    finally:
        path.unlink(missing_ok=True)
    return LoadResult(**result["load"])


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

    if on_replica(con):
        result = hand_to_worker({"command": "sync", "names": names})
        outcome = "ok" if result.get("all_ok", True) else "failed"
        return [HandedOver(text, outcome) for text in result.get("summaries", [])]
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
    if on_replica(con):
        result = hand_to_worker({"command": "export", "customer_id": customer_id, "by": viewer.actor,
                                 "file": f"export-{uuid.uuid4().hex}.zip"})
        path = Path(result["path"])
        data = path.read_bytes()
        path.unlink(missing_ok=True)
        return data
    return privacy.export_customer(cursor(con), customer_id, actor=viewer.actor)


def erase_customer(viewer: Viewer, customer_id: int, reason: str, con: Connection | None = None):
    """Erase one customer everywhere and suppress their identifiers (GDPR art. 17); logged without their data."""
    viewer.require("privacy")
    if on_replica(con):
        if not reason or not reason.strip():  # said here, before a job: as the one-process dashboard does
            raise privacy.PrivacyError("say why: an erasure needs a reason (a ticket number, not the person's details)")
        result = hand_to_worker({"command": "erase", "customer_id": customer_id, "by": viewer.actor,
                                 "reason": reason})
        return privacy.ErasureReport(**result["report"])
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
    return operational_store(con).execute("select * from erasure_log order by erased_at desc").df()


def correct_post(viewer: Viewer, post_key: str, field: str, value: str,
                 con: Connection | None = None) -> corrections.Correction | None:
    """Give a post's intent, urgency or sentiment the value a person chose (the model's own value undoes the
    correction); audited. None when the post shows that value already."""
    viewer.require("work_inbox")
    if on_replica(con):
        return corrected_by_worker(viewer, post_key, field, value)
    return corrections.correct(cursor(con), post_key, field, value, viewer.actor)


def undo_correction(viewer: Viewer, post_key: str, field: str,
                    con: Connection | None = None) -> corrections.Correction | None:
    """Back to the model's reading of one field of a post; audited."""
    viewer.require("work_inbox")
    if on_replica(con):
        return corrected_by_worker(viewer, post_key, field, None)
    return corrections.undo(cursor(con), post_key, field, viewer.actor)


def corrected_by_worker(viewer: Viewer, post_key: str, field: str,
                        value: str | None) -> corrections.Correction | None:
    """A correction (or its undo, `value` None) on a replica: made by the worker, in the snapshot it publishes."""
    done = hand_to_worker({"command": "correct", "post_key": post_key, "field": field, "value": value,
                           "by": viewer.actor})["correction"]
    return None if done is None else corrections.Correction(**done)

