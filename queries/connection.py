"""The dashboard's one store connection, opened once per process, a fresh cursor for every query, and the worker
that runs loads handed over by the command line while the dashboard holds the store (see connectors/jobs.py)."""

from __future__ import annotations

import threading
import time

import duckdb
import streamlit as st

import store
from connectors.demo import ensure_demo
from connectors.jobs import run_pending
from connectors.loader import load_file
from models.build import build

JOB_POLL_SECONDS = 1.0


@st.cache_resource(show_spinner="Preparing the store (the first start builds the demo company)…")
def shared_connection() -> store.Connection:
    """The app's one connection; an empty store gets the demo company so the dashboard never starts blank."""
    con = store.connect()
    if ensure_demo(con):
        build(con)
    start_job_worker(con)
    return con


def cursor(con: store.Connection | None = None) -> store.Connection:
    """A cursor on `con`, or on the app's connection: a DuckDB connection is not thread-safe, and every
    Streamlit session runs in a thread of its own."""
    return (con or shared_connection()).cursor()


def run_job(con: store.Connection, job: dict) -> dict:
    """One job from the command line, on the worker's own cursor: load the file, then refresh the models."""
    if job.get("command") != "load":
        return {"ok": False, "error": f"unknown job {job.get('command')!r}"}
    work = con.cursor()
    result = load_file(work, job["kind"], job["path"], source=job.get("source"), mapping=job.get("mapping"))
    report = build(work)
    return {"ok": True, "summary": result.summary(), "warnings": result.warnings, "build": report.summary(),
            "rejected": result.rejected, "source": result.source}


def start_job_worker(con: store.Connection) -> threading.Thread:
    """A daemon thread that runs handed-over jobs until the connection closes."""
    db = store.db_path()

    def work() -> None:
        while True:
            try:
                run_pending(db, lambda job: run_job(con, job))
            except duckdb.ConnectionException:
                return  # the connection was closed: this worker's app is gone
            time.sleep(JOB_POLL_SECONDS)

    thread = threading.Thread(target=work, name="rapport-jobs", daemon=True)
    thread.start()
    return thread
