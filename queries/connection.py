"""The dashboard's one store connection, opened once per process, a fresh cursor for every query, and the worker
that runs loads handed over by the command line while the dashboard holds the store (see connectors/jobs.py)."""

from __future__ import annotations

import os
import threading
import time

import duckdb
import streamlit as st

import store
from connectors.demo import ensure_demo
from connectors.jobs import run_pending
from connectors.loader import load_file
from models.build import build, is_current, refresh

JOB_POLL_SECONDS = 1.0


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
    if ensure_demo(con) or not is_current(con):
        build(con)
    start_job_worker(con)
    return con


def cursor(con: store.Connection | None = None) -> store.Connection:
    """A cursor on `con`, or on the app's connection: a DuckDB connection is not thread-safe, and every
    Streamlit session runs in a thread of its own."""
    return (con or shared_connection()).cursor()


def run_job(con: store.Connection, job: dict) -> dict:
    """One job from the command line, on the worker's own cursor: load a file or sync sources, then refresh the
    models; the summaries are what the command line prints."""
    work = con.cursor()
    if job.get("command") == "load":
        result = load_file(work, job["kind"], job["path"], source=job.get("source"), mapping=job.get("mapping"))
        return {"ok": True, "warnings": result.warnings, "summaries": [result.summary(), refresh(work).summary()]}
    if job.get("command") == "sync":
        from connectors.sync import sync_all

        results = sync_all(work, job.get("names"))
        summaries = [r.summary() for r in results] or ["no API sources configured"]
        if results:
            summaries.append(refresh(work).summary())
        return {"ok": True, "summaries": summaries, "all_ok": all(r.outcome == "ok" for r in results)}
    return {"ok": False, "error": f"unknown job {job.get('command')!r}"}


def scheduled_sync(con: store.Connection) -> None:
    """Pull every API source and refresh the models; failures are in sync_state for the Data sources page."""
    from connectors.sync import sync_all

    work = con.cursor()
    if sync_all(work):
        refresh(work)


def start_job_worker(con: store.Connection) -> threading.Thread:
    """A daemon thread that runs handed-over jobs until the connection closes."""
    db = store.db_path()
    interval = sync_interval_seconds()
    last_sync = time.monotonic()

    def work() -> None:
        nonlocal last_sync
        while True:
            try:
                run_pending(db, lambda job: run_job(con, job))
                if interval and time.monotonic() - last_sync >= interval:
                    last_sync = time.monotonic()
                    scheduled_sync(con)
            except duckdb.ConnectionException:
                return  # the connection was closed: this worker's app is gone
            time.sleep(JOB_POLL_SECONDS)

    thread = threading.Thread(target=work, name="rapport-jobs", daemon=True)
    thread.start()
    return thread
