"""The worker of the deployment with dashboard replicas: the one process that owns the analytical store. It runs
what is queued in PostgreSQL (loads, syncs, builds, identity decisions, data-subject requests, from the command
line and every replica), syncs the API sources on a schedule, refreshes day-old models, and after every change
publishes an immutable snapshot for the replicas (store.snapshots). Operational state is read from PostgreSQL
at the start of each job (store.operational: decisions, suppression, inbox state as temp tables)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import store
from connectors.demo import ensure_demo
from connectors.jobs import jobs_dir, shared_beat, shared_run_pending
from connectors.loader import load_file
from models.build import build, needs_full_build, refresh
from models.llm.apply import settings_pinned
from store import operational, postgres, snapshots

log = logging.getLogger("rapport.worker")
POLL_SECONDS = 0.5
BEAT_SECONDS = 5
# how often the models are checked for being a day old without any load (as the one-process dashboard does)
REFRESH_CHECK_SECONDS = 15 * 60
CHANGES = ("load", "sync", "build", "decide", "correct", "erase")


class Worker:
    """The store's connection, PostgreSQL, and the jobs they run; `step()` is one turn of the loop."""

    def __init__(self, db: Path | None = None, folder: Path | None = None, pg: postgres.Postgres | None = None,
                 demo: bool = True):
        self.db = db or store.db_path()
        self.folder = folder or snapshots.snapshots_dir(self.db)
        self.pg = pg or operational.shared_connection()
        self.con = store.connect(self.db)
        self.last_check = self.last_sync = time.monotonic()
        self.published: snapshots.Current | None = snapshots.current(self.folder)
        moved = operational.adopt(self.pg, self.con)
        if moved:
            log.info("moved the store's operational rows into PostgreSQL: %s", moved)
        with settings_pinned():
            if (ensure_demo(self.con) if demo else False) or needs_full_build(self.con):
                build(self.work())
        self.publish()  # at every start: the store may have changed while no worker ran (a command-line build)
        self.stopping = threading.Event()
        # its own thread: a build at a million customers takes minutes, and the queue's users must not think the
        # worker gone meanwhile
        threading.Thread(target=self.beat_forever, name="rapport-worker-beat", daemon=True).start()

    def beat_forever(self) -> None:
        pg = self.pg.cursor()
        while not self.stopping.wait(BEAT_SECONDS):
            with contextlib.suppress(postgres.Error):  # PostgreSQL away for a moment: the next beat says it
                self.beat(pg)

    def work(self) -> store.Connection:
        """A cursor for one job, with PostgreSQL's operational tables copied onto it."""
        cursor = self.con.cursor()
        operational.overlay_temp(self.pg, cursor)
        return cursor

    def beat(self, pg: postgres.Postgres | None = None) -> None:
        """The heartbeat replicas and the command line look for; finished jobs a week old are let go."""
        pg = pg or self.pg
        pg.execute("delete from jobs where finished_at < now() at time zone 'utc' - interval '7 days'")
        current = self.published
        shared_beat(pg, current.path.name if current else None, current.published_at if current else None)

    def publish(self, erased: bool = False) -> snapshots.Current:
        """A new snapshot of the store, current from now on; old ones removed (all of them after an erasure)."""
        self.published = snapshots.publish(self.con, self.folder)
        snapshots.remove_old(self.folder, everything_older=erased)
        self.beat()
        log.info("published %s", self.published.path.name)
        return self.published

    def step(self, sync_every: float | None = None) -> int:
        """Run the queued jobs, then a scheduled sync or refresh check if due; how many jobs ran."""
        done = shared_run_pending(self.pg, self.run)
        if sync_every and time.monotonic() - self.last_sync >= sync_every:
            on_schedule("sync", self.run, {"command": "sync", "names": None})
            self.last_sync = time.monotonic()
        if time.monotonic() - self.last_check >= REFRESH_CHECK_SECONDS:
            on_schedule("refresh", self.refresh_and_publish)
            # counted from its end: a failed build as long as the interval is not started again at once
            self.last_check = time.monotonic()
        return done

    def refresh_and_publish(self) -> None:
        """Refresh models a day old, and publish them if they were rebuilt."""
        if refresh(self.work()).report is not None:
            self.publish()

    def run(self, job: dict) -> dict:
        """One job; a job that changed the store publishes a new snapshot before it is reported done."""
        command = job.get("command")
        handler = getattr(self, f"run_{command}", None)
        if handler is None:
            return {"ok": False, "error": f"unknown job {command!r}"}
        result = handler(job)
        if result.get("ok") and command in CHANGES and command != "erase":
            result["snapshot"] = self.publish().path.name
        return result

    def run_load(self, job: dict) -> dict:
        work = self.work()
        loaded = load_file(work, job["kind"], job["path"], source=job.get("source"), mapping=job.get("mapping"),
                           file_label=job.get("file_label"))
        return {"ok": True, "warnings": loaded.warnings, "summaries": [loaded.summary(), refresh(work).summary()],
                "load": dataclasses.asdict(loaded)}

    def run_sync(self, job: dict) -> dict:
        from connectors.sync import sync_all

        work = self.work()
        results = sync_all(work, job.get("names"))
        summaries = [r.summary() for r in results] or ["no API sources configured"]
        if results:
            summaries.append(refresh(work).summary())
        return {"ok": True, "summaries": summaries, "all_ok": all(r.outcome == "ok" for r in results)}

    def run_build(self, job: dict) -> dict:
        return {"ok": True, "summaries": [build(self.work()).summary()]}

    def run_decide(self, job: dict) -> dict:
        """A merge, split, dismissal or undo from a replica: stored in PostgreSQL, then the models rebuilt."""
        from models.identity import decisions

        action, by, reason = job["action"], job["by"], job.get("reason", "")
        work = self.work()
        if action == "split":
            decision = decisions.split(work, job["record_key"], int(job["customer_id"]), reason=reason,
                                       decided_by=by, ops=self.pg)
        elif action == "undo":
            decisions.undo(self.pg, int(job["decision_id"]), undone_by=by)
            decision = int(job["decision_id"])
        else:
            choose = decisions.merge if action == "merge" else decisions.dismiss_duplicate
            decision = choose(self.pg, int(job["customer_id"]), int(job["other_customer_id"]), reason=reason,
                              decided_by=by)
        return {"ok": True, "decision_id": decision, "summaries": [refresh(self.work(), decided=True).summary()]}

    def run_correct(self, job: dict) -> dict:
        """A correction of a post's intent, urgency or sentiment from a replica (or its undo, `value` None): kept
        with the store, audited in PostgreSQL; the post's inbox row follows at once, in the snapshot published next."""
        from models import corrections

        if job.get("value") is None:
            done = corrections.undo(self.work(), job["post_key"], job["field"], job["by"], ops=self.pg)
        else:
            done = corrections.correct(self.work(), job["post_key"], job["field"], job["value"], job["by"],
                                       ops=self.pg)
        return {"ok": True, "correction": None if done is None else
                {"field": done.field, "value": done.value, "undone": done.undone}}

    def run_export(self, job: dict) -> dict:
        from models.privacy import export_customer

        work = self.work()
        operational.overlay_temp(self.pg, work, operational.UNMIRRORED)  # the export holds the person's audit too
        data = export_customer(work, int(job["customer_id"]), job["by"], ops=self.pg)
        target = jobs_dir(self.db) / Path(job["file"]).name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return {"ok": True, "file": target.name, "path": str(target)}

    def run_erase(self, job: dict) -> dict:
        """Erase in the store and in PostgreSQL, rebuild, rewrite the store's file (the erased bytes leave the
        disk), publish, and remove every older snapshot: each of them holds the person."""
        from models.privacy import erase_customer, rewrite_store

        report = erase_customer(self.work(), int(job["customer_id"]), job["by"], job["reason"], ops=self.pg,
                                rebuild=False)
        build(self.work())
        self.con.close()
        try:
            rewrite_store(self.db)
            report.file_rewritten = True
            self.pg.execute("update erasure_log set file_rewritten_at = now() at time zone 'utc' "
                            "where file_rewritten_at is null")
        finally:
            self.con = store.connect(self.db)
        result = {"ok": True, "summaries": [report.summary()], "erasure_id": report.erasure_id,
                  "report": dataclasses.asdict(report)}
        result["snapshot"] = self.publish(erased=True).path.name
        return result

    def close(self) -> None:
        self.stopping.set()
        self.con.close()


def on_schedule(what: str, work: Callable, *args) -> None:
    """A scheduled sync or refresh. One that fails (a build that ran out of memory, say: the store is left as it
    was) is logged and tried again when next due; the queue goes on being served."""
    try:
        work(*args)
    except Exception:
        log.exception("the scheduled %s failed; the models stay as they were until it is next due", what)


def run_forever(sync_every: float | None = None, stop=None) -> None:
    """The worker's loop, until `stop()` says so (never, from the command line)."""
    worker = Worker()
    log.info("worker ready on %s; snapshots in %s", worker.db, worker.folder)
    try:
        while stop is None or not stop():
            if not worker.step(sync_every):
                time.sleep(POLL_SECONDS)
    finally:
        worker.close()
