"""Loading while the dashboard holds the store: the command line hands the load to the dashboard's worker."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import streamlit as st

import store
from models.build import build, refresh
from models.operations import assign
from queries import connection
from queries.connection import start_job_worker
from tests.model_fixtures import NOW, load_world

PROJECT = Path(__file__).resolve().parent.parent


def test_a_command_line_load_is_handed_to_the_process_holding_the_store(tmp_path, monkeypatch):
    db = tmp_path / "held.duckdb"
    monkeypatch.setenv("RAPPORT_DB", str(db))
    st.cache_resource.clear()
    con = store.connect(db)  # this process now holds the store, as the dashboard does
    load_world(con, tmp_path)
    build(con, NOW)
    assign(con, "social_posts:social:S2", "lee@corp", "kim@corp")
    start_job_worker(con)
    posts = tmp_path / "late.jsonl"
    posts.write_text(json.dumps({"post_id": "L1", "posted_at": "2026-02-28T09:00:00", "network": "twitter",
                                 "handle": "TrailTom", "text": "Still no answer about the stove?"}) + "\n")
    load = subprocess.run([sys.executable, "-m", "rapport", "load", "social_posts", str(posts), "--source",
                           "social"], cwd=PROJECT, env={**os.environ, "RAPPORT_DB": str(db)},
                          capture_output=True, text=True, timeout=300)
    assert load.returncode == 0, load.stderr
    assert "handing this over" in load.stderr and "lock" not in load.stderr.lower()
    assert "social_posts from late.jsonl into source 'social': 1 inserted" in load.stdout
    check = con.cursor()
    assert check.execute("select count(*) from customer_timeline where event_id = 'post:social:L1'").fetchall() == [
        (1,)], "the worker rebuilt the model"
    assert check.execute("select assignee from inbox_state").fetchall() == [("lee@corp",)]
    con.close()


def test_the_dashboards_worker_refreshes_models_a_day_old_without_any_load(tmp_path, monkeypatch):
    db = tmp_path / "idle.duckdb"
    monkeypatch.setenv("RAPPORT_DB", str(db))
    monkeypatch.setattr(connection, "REFRESH_CHECK_SECONDS", 0.2)
    con = store.connect(db)
    load_world(con, tmp_path)
    build(con, NOW)  # months before the clock of this machine: a day old and more
    start_job_worker(con)
    check = con.cursor()
    deadline = time.monotonic() + 120
    while check.execute("select built_at from model_build").fetchall() == [(NOW,)] and time.monotonic() < deadline:
        time.sleep(0.2)
    [(built_at, full_built_at)] = check.execute("select built_at, full_built_at from model_build").fetchall()
    assert built_at > NOW and full_built_at == NOW, "an incremental refresh, by the worker alone"
    monkeypatch.setattr(connection, "REFRESH_CHECK_SECONDS", 10**9)  # no further checks
    close_when_idle(con)


def test_a_scheduled_refresh_that_fails_is_logged_and_the_worker_goes_on(tmp_path, monkeypatch, caplog):
    db = tmp_path / "failing.duckdb"
    monkeypatch.setenv("RAPPORT_DB", str(db))
    monkeypatch.setattr(connection, "REFRESH_CHECK_SECONDS", 0.2)
    tries = []

    def out_of_memory_once(work, *args, **kwargs):
        tries.append(work)
        if len(tries) == 1:
            raise store.OutOfMemory("Out of Memory Error: could not allocate block of size 256.0 KiB")
        return refresh(work, *args, **kwargs)

    monkeypatch.setattr(connection, "refresh", out_of_memory_once)
    con = store.connect(db)
    load_world(con, tmp_path)
    build(con, NOW)  # a day old and more: the worker's first check refreshes
    with caplog.at_level(logging.ERROR, logger="queries.connection"):
        start_job_worker(con)
        check = con.cursor()
        deadline = time.monotonic() + 120
        while check.execute("select built_at from model_build").fetchall() == [(NOW,)] and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        monkeypatch.setattr(connection, "REFRESH_CHECK_SECONDS", 10**9)  # no further checks
    assert len(tries) >= 2, "the worker tried again at its next check"
    assert check.execute("select built_at from model_build").fetchall()[0][0] > NOW
    assert "the scheduled refresh failed" in caplog.text and "Out of Memory Error" in caplog.text
    close_when_idle(con)


def test_a_refresh_for_corrections_that_fails_waits_for_the_day_old_check(tmp_path, monkeypatch):
    from models import corrections

    db = tmp_path / "corrected.duckdb"
    monkeypatch.setenv("RAPPORT_DB", str(db))
    monkeypatch.setattr(connection, "REFRESH_CHECK_SECONDS", 10**9)
    monkeypatch.setattr(connection, "CORRECTIONS_CHECK_SECONDS", 0.1)
    tries = []

    def out_of_memory(work, *args, **kwargs):
        tries.append(work)
        raise store.OutOfMemory("Out of Memory Error: could not allocate block of size 256.0 KiB")

    monkeypatch.setattr(connection, "refresh", out_of_memory)
    con = store.connect(db)
    load_world(con, tmp_path)
    build(con, NOW)
    corrections.correct(con, "social_posts:social:S1", "intent", "complaint", "kim@corp")
    worker = start_job_worker(con)
    deadline = time.monotonic() + 60
    while not tries and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # the worker polls each second: without the wait it would try a build every turn
    assert len(tries) == 1 and worker.is_alive()
    close_when_idle(con)


def close_when_idle(con, seconds: float = 120) -> None:
    """Close the store once the worker's refresh in flight (one more may have begun) has finished with it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            con.close()
            return
        except duckdb.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_load_while_another_command_line_load_holds_the_store_says_so_without_handing_over(tmp_path):
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time, store; con = store.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(900)", str(db)],
                              cwd=PROJECT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"  # a process holding the store that takes no jobs
        posts = tmp_path / "posts.jsonl"
        posts.write_text(json.dumps({"post_id": "P1", "posted_at": "2026-02-28T09:00:00", "network": "twitter",
                                     "handle": "TrailTom", "text": "Hello"}) + "\n")
        load = subprocess.run([sys.executable, "-m", "rapport", "load", "social_posts", str(posts)],
                              cwd=PROJECT, env={**os.environ, "RAPPORT_DB": str(db)}, capture_output=True,
                              text=True, timeout=600)
        assert load.returncode == 1
        assert "another process is writing to the store" in load.stderr
        assert "handing this over" not in load.stderr and "Traceback" not in load.stderr
        # said while the holder still holds the store: the command gave up at once instead of waiting for it
        assert holder.poll() is None
        assert not list((tmp_path / "busy.duckdb.jobs").glob("*.job.json"))
    finally:
        holder.kill()
        holder.wait()
