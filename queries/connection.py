"""The dashboard's one store connection, opened once per process, a fresh cursor for every query, and the worker
that runs the work the command line hands over while the dashboard holds the store (loads, syncs, builds and
data-subject requests; see connectors/jobs.py). On a replica (RAPPORT_DATABASE_URL set) there is neither: queries
read the worker's newest snapshot (queries/replica.py), edits go to PostgreSQL, and work goes to the worker."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path

import duckdb
import streamlit as st

import store
from connectors.demo import ensure_demo
from connectors.jobs import BEAT_SECONDS, beat, jobs_dir, run_pending
from connectors.loader import load_file
from models.build import build, needs_full_build, refresh
from models.corrections import pending as corrections_pending
from models.llm.apply import settings_pinned
from models.privacy import rewrite_store as rewrite_erased
from queries import background, served
from store import operational
from store.documents import documents_of

log = logging.getLogger(__name__)
JOB_POLL_SECONDS = 1.0
# how often the worker checks whether the models are out of date without a load (a day old: posts left the last 90
# days); a check that finds them current costs one query
REFRESH_CHECK_SECONDS = 15 * 60
# how often it looks for staff corrections of the classifier the models do not hold yet (one query): the author's
# timeline, profile, the leadership figures and talking points follow a correction within this
CORRECTIONS_CHECK_SECONDS = 60


def sync_interval_seconds() -> float | None:
    """RAPPORT_SYNC_MINUTES: how often the dashboard pulls its API sources by itself (unset: never)."""
    minutes = os.environ.get("RAPPORT_SYNC_MINUTES", "").strip()
    try:
        return float(minutes) * 60 if minutes and float(minutes) > 0 else None
    except ValueError:
        return None


@st.cache_resource(show_spinner="Preparing the store (the first start builds the demo company)…")
def shared_connection() -> store.Connection:
    """The app's one connection; an empty store gets the demo company so the dashboard never starts blank."""
    con = store.connect()
    with settings_pinned():  # the LLM settings that decide to build are those it builds with
        if ensure_demo(con) or needs_full_build(con):
            build(con)
    start_job_worker(con)
    start_warming(con)
    return con


def rewrite_store() -> None:
    """Rewrite the store file after an erasure (models.privacy.rewrite_store): the app's connection is closed
    first, every cursor with it (the worker stops at its next query, a page's query in flight fails once), and the
    next query reopens the new file, with a new worker."""
    shared_connection().close()
    shared_connection.clear()
    rewrite_erased(store.db_path())


def start_warming(con: store.Connection) -> threading.Thread:
    """Load the blocks customer lookups read into memory, in the background (seconds at a million customers).
    At start and after each rebuild: a build does not leave the blocks it wrote in DuckDB's buffer pool (at 1M,
    contexts in the process that built: p50/p95 4.3-4.9/9.1-9.2 ms as left, 3.5-4.4/6.9-8.3 ms warmed)."""
    def warm(stopping: threading.Event) -> None:
        # the store closed, or its models are not built yet: nothing to warm, and nothing lost
        with contextlib.suppress(duckdb.Error):
            warm_lookups(con)
            if not stopping.is_set():
                warm_documents(con)

    return background.start("rapport-warm", warm)


def refresh_and_warm(work: store.Connection) -> str:
    """Refresh the models; a rebuild wrote new blocks, so warm those."""
    done = refresh(work)
    if done.report is not None:
        start_warming(work)
    return done.summary()


def scheduled_refresh(work: store.Connection) -> bool:
    """refresh_and_warm for the worker's own schedule; whether it went through. One that fails (a build that ran
    out of memory, say: the store is left as it was) is logged and tried again at the next check, and the worker
    goes on running the jobs handed to it."""
    try:
        refresh_and_warm(work)
    except duckdb.ConnectionException:
        raise  # the app closed the store: the worker ends
    except Exception:
        log.exception("the scheduled refresh failed; the models stay as they were until the next check")
        return False
    return True


def cursor(con: store.Connection | None = None) -> store.Connection:
    """A cursor on `con`, or on the app's connection: a DuckDB connection is not thread-safe, and every
    Streamlit session runs in a thread of its own. A replica's (RAPPORT_DATABASE_URL set) reads the newest
    published snapshot (queries/replica.py)."""
    if con is None and operational.is_shared():
        return replica().cursor()
    return (con or shared_connection()).cursor()


@st.cache_resource(show_spinner="Opening the newest snapshot…")
def replica():
    """This replica's snapshot reader (the worker owns the store itself)."""
    from queries.replica import Replica

    return Replica()


def operational_store(con: store.Connection | None = None):
    """Where a staff edit goes and the audit is read: PostgreSQL when it holds the operational state, else `con`
    or the app's store."""
    if operational.is_shared():  # `con` is then a cursor on the read-only snapshot
        return operational.shared_connection()
    return cursor(con)


def hand_to_worker(job: dict) -> dict:
    """Queue a job for the worker (replicas never write the store) and wait for its result; a RuntimeError with
    the reason when it failed or nobody took it."""
    from connectors.jobs import NoWorker, shared_submit, shared_wait

    pg = operational.shared_connection()
    try:
        result = shared_wait(pg, shared_submit(pg, job))
    except (NoWorker, TimeoutError) as exc:
        raise RuntimeError(str(exc)) from exc
    if not result.get("ok"):
        raise refusal(result.get("refusal"), result.get("error") or "the worker could not do it")
    return result


def refusal(kind: str | None, message: str) -> Exception:
    """The worker's refusal as the exception the page would have met doing the work itself (a bad file, a
    decision or erasure that cannot be taken), so it shows the same message; any other failure as a RuntimeError."""
    from connectors.files import FatalLoadError
    from connectors.mapping import MappingError
    from models.identity.decisions import DecisionError
    from models.operations import OperationError
    from models.privacy import PrivacyError

    known = {c.__name__: c for c in (FatalLoadError, MappingError, DecisionError, OperationError, PrivacyError,
                                     ValueError)}
    return known.get(kind or "", RuntimeError)(message)


# the columns that reading one customer at a time touches (queries.customers: context, profile, timeline)
LOOKUP_COLUMNS = {"customer_cards": ("customer_id", "card", "ltv_top_decile"),
                  "customer_timeline": ("customer_id", "event_id", "occurred_at", "packed")}


def warm_lookups(con: store.Connection | None = None) -> None:
    """Read every block of LOOKUP_COLUMNS once, so they stay in DuckDB's buffer pool: a first lookup of a customer
    then finds its blocks in memory instead of loading one per column (1M customers: ~2.5 GB in ~4 s; cold context
    p50/p95 ~5.2/9.9 ms, warmed ~3.9/7.7). The buffer pool evicts them again if memory runs short."""
    con = cursor(con)
    for table, columns in LOOKUP_COLUMNS.items():
        # hash() reads each value: count() alone would only read the validity masks
        con.execute(f"select {', '.join(f'sum(hash({c}))' for c in columns)} from {table}").fetchall()


def warm_documents(con: store.Connection, path: Path | None = None) -> None:
    """Read the served documents' names and handles (of the store at `path`, default the app's) into the in-memory
    typo index once, so no search waits for it; the documents themselves stay in the OS's page cache."""
    found = served.served(documents_of(path or store.db_path()), con.cursor())
    if found is not None:
        served.fuzzy_index(found, con.cursor())


def run_job(con: store.Connection, job: dict) -> dict:
    """One job from the command line, on the worker's own cursor: load a file or sync sources, then refresh the
    models; or a data-subject request or a rebuild (run_model_job). The summaries are what the command line
    prints."""
    work = con.cursor()
    if job.get("command") in MODEL_JOBS:
        return run_model_job(work, job)
    if job.get("command") == "load":
        result = load_file(work, job["kind"], job["path"], source=job.get("source"), mapping=job.get("mapping"))
        return {"ok": True, "warnings": result.warnings, "summaries": [result.summary(), refresh_and_warm(work)]}
    if job.get("command") == "sync":
        from connectors.sync import sync_all

        results = sync_all(work, job.get("names"))
        summaries = [r.summary() for r in results] or ["no API sources configured"]
        if results:
            summaries.append(refresh_and_warm(work))
        return {"ok": True, "summaries": summaries, "all_ok": all(r.outcome == "ok" for r in results)}
    return {"ok": False, "error": f"unknown job {job.get('command')!r}"}


MODEL_JOBS = ("build", "export", "erase", "train-classifier")


def run_model_job(work: store.Connection, job: dict) -> dict:
    """`python -m models build`, `export`, `erase` or `train-classifier --company`, handed over: a rebuild, a
    retrain (which rebuilds) or an erasure (which rebuilds) wrote new blocks, so those are warmed; an export's zip
    goes into the jobs folder, under the plain file name the command chose, for the command to move where it was
    asked to."""
    from models.privacy import erase_customer, export_customer

    if job["command"] == "export":
        target = jobs_dir(store.db_path()) / Path(job["file"]).name
        target.write_bytes(export_customer(work, int(job["customer_id"]), job["by"]))
        return {"ok": True, "file": target.name}
    if job["command"] == "erase":
        report = erase_customer(work, int(job["customer_id"]), job["by"], job["reason"])
        rewrite_store()  # closes this connection (this worker stops at its next query) and rewrites the file
        shared_connection()  # open the new file at once, with a new worker for the next job
        report.file_rewritten = True
        return {"ok": True, "summaries": [report.summary()]}
    if job["command"] == "train-classifier":  # the company's model, with the store's corrections
        from models.classifier.retrain import retrain_now

        summary = retrain_now(work)
    else:
        summary = build(work).summary()
    start_warming(work)
    return {"ok": True, "summaries": [summary]}


def scheduled_sync(con: store.Connection) -> None:
    """Pull every API source and refresh the models; failures are in sync_state for the Data sources page."""
    from connectors.sync import sync_all

    work = con.cursor()
    if sync_all(work):
        scheduled_refresh(work)


def start_job_worker(con: store.Connection) -> threading.Thread:
    """A daemon thread that runs handed-over jobs, scheduled syncs and model refreshes until the connection
    closes."""
    db = store.db_path()
    interval = sync_interval_seconds()
    last_sync = last_check = last_corrections = time.monotonic()
    failing = False  # the last scheduled refresh failed
    last_beat: float | None = None

    def work(stopping: threading.Event) -> None:
        nonlocal last_sync, last_check, last_corrections, last_beat, failing
        while not stopping.is_set():
            try:
                if last_beat is None or time.monotonic() - last_beat >= BEAT_SECONDS:
                    last_beat = time.monotonic()
                    beat(db)  # command-line loads hand over to a process that says it takes jobs
                run_pending(db, lambda job: run_job(con, job))
                if interval and time.monotonic() - last_sync >= interval:
                    last_sync = time.monotonic()
                    scheduled_sync(con)
                if time.monotonic() - last_check >= REFRESH_CHECK_SECONDS:
                    failing = not scheduled_refresh(con.cursor())
                    # counted from its end: a failed build as long as the interval is not started again at once
                    last_check = last_corrections = time.monotonic()
                # while refreshes fail, only the day-old check tries again (not a build a minute for corrections)
                if not failing and time.monotonic() - last_corrections >= CORRECTIONS_CHECK_SECONDS:
                    if corrections_pending(con.cursor()):
                        failing = not scheduled_refresh(con.cursor())
                    last_corrections = time.monotonic()
            except duckdb.ConnectionException:
                return  # the connection was closed: this worker's app is gone
            stopping.wait(JOB_POLL_SECONDS)

    return background.start("rapport-jobs", work)
