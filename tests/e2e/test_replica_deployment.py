"""The deployment with replicas, all real: PostgreSQL (a throw-away cluster), `python -m rapport worker` owning a
copy of the demo store, and two `streamlit run` dashboards on their own ports reading its snapshots, driven by
Chromium as two people would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from playwright.sync_api import Page, expect

import store
from store import snapshots
from tests.e2e.conftest import PROJECT, free_port, start_dashboard, stop_dashboard
from tests.e2e.person import RENDER_TIMEOUT, field_value, pick_row, press, settle, type_into
from tests.e2e.test_forms import inbox_table, open_post_text

NEWCOMER = "Quinta Zephyrine"
# how DuckDB says another process holds a file ("IO Error: Could not set lock on file … Conflicting lock …")
LOCK_ERRORS = ("could not set lock", "conflicting lock")


def command(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=600)


def wait_for(check, seconds: float = 120, what: str = "it") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise TimeoutError(f"{what} did not happen within {seconds} s")


@pytest.fixture
def deployment(demo_store, pg_url, tmp_path):
    """A worker and two replicas over one store; yields (env, [(process, url)] * 2, worker store file)."""
    db = tmp_path / "worker.duckdb"
    shutil.copy(demo_store, db)
    env = {**os.environ, "RAPPORT_DB": str(db), "RAPPORT_DATABASE_URL": pg_url}
    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "rapport", "worker"], cwd=PROJECT, env=env, stdout=worker_log,
                              stderr=subprocess.STDOUT)
    started = []
    try:
        wait_for(lambda: snapshots.current(snapshots.snapshots_dir(db)) is not None or worker.poll() is not None,
                 what="the worker's first snapshot")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
        for name in ("one", "two"):
            started.append(start_dashboard(db, free_port(), tmp_path / f"{name}.log",
                                           extra_env={"RAPPORT_DATABASE_URL": pg_url}))
        yield env, started, db
    finally:
        for process, _ in started:
            if process.poll() is None:
                stop_dashboard(process)
        worker.terminate()
        worker.wait(timeout=30)
        logs = "".join(p.read_text() for p in tmp_path.glob("*.log")).lower()
        assert not any(error in logs for error in LOCK_ERRORS), "a process met a lock"


def search(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Find a customer")
    box.fill(text)
    box.press("Enter")
    settle(page)


def shows_in_results(page: Page, name: str) -> bool:
    return page.locator('[data-testid="stDataFrame"] td[role=gridcell]', has_text=name).count() > 0


def newest_snapshot_rows(db: Path, sql: str, params=None) -> list[tuple]:
    con = store.open_snapshot(snapshots.current(snapshots.snapshots_dir(db)).path)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_two_replicas_and_a_worker_on_one_store(deployment, browser, pg_url, tmp_path):
    env, ((first_process, first_url), (_, second_url)), db = deployment
    ana = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    bo = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    for page, url in ((ana, first_url), (bo, second_url)):
        page.goto(url)
        settle(page)
        search(page, NEWCOMER)
        assert not shows_in_results(page, NEWCOMER)

    # a load from the command line while both serve: handed to the worker, published, seen at the next rerun
    csv = tmp_path / "crm.csv"
    csv.write_text("source_id,first_name,last_name,email,created_at\nZ1,Quinta,Zephyrine,qz@example.org,2026-10-01\n")
    loaded = command(env, "rapport", "load", "customers", str(csv), "--source", "crm")
    assert loaded.returncode == 0, loaded.stderr
    assert "handing this over to the worker" in loaded.stderr and "1 inserted" in loaded.stdout
    for page in (ana, bo):
        search(page, NEWCOMER.split()[0])  # one rerun of the same session
        expect(page.locator('[data-testid="stDataFrame"] td[role=gridcell]', has_text=NEWCOMER).first) \
            .to_be_attached(timeout=RENDER_TIMEOUT)

    # each person opens a profile: both openings are in the shared audit
    (newcomer,), (other,) = (newest_snapshot_rows(db, "select customer_id from customer_profiles "
                                                      "where display_name = ?", [NEWCOMER])[0],
                             newest_snapshot_rows(db, "select min(customer_id) from customer_profiles")[0])
    ana.goto(f"{first_url}/?customer={newcomer}")
    bo.goto(f"{second_url}/?customer={other}")
    for page in (ana, bo):
        expect(page.get_by_text("Talking points")).to_be_visible(timeout=RENDER_TIMEOUT)

    def opened() -> set[str]:
        with psycopg.connect(pg_url) as con:
            return {r[0] for r in con.execute("select object_id from audit_log where action = 'open_profile'")}

    wait_for(lambda: {str(newcomer), str(other)} <= opened(), 30, "both openings in the audit")

    # an inbox edit on one replica is on the other at its next rerun; the replica then dies and loses nothing
    ana.goto(f"{first_url}/social_inbox")
    settle(ana)
    pick_row(ana, inbox_table(ana), 0)
    post = open_post_text(ana)
    type_into(ana, "Assign to", "Dana")
    press(ana, "Save")
    expect(ana.get_by_text("Saved: assigned to Dana.")).to_be_visible(timeout=RENDER_TIMEOUT)
    os.kill(first_process.pid, signal.SIGKILL)
    first_process.wait(timeout=30)
    bo.goto(f"{second_url}/social_inbox")
    settle(bo)
    pick_row(bo, inbox_table(bo), 0)
    assert open_post_text(bo) == post and field_value(bo, "Assign to") == "Dana"

    # an erasure from the command line: gone from the next snapshot, and no older snapshot file is left
    before = snapshots.files(snapshots.snapshots_dir(db))
    assert len(before) >= 2
    erased = command(env, "models", "erase", str(newcomer), "--by", "dpo@corp", "--reason", "request 7")
    assert erased.returncode == 0, erased.stderr
    left = snapshots.files(snapshots.snapshots_dir(db))
    assert left == [snapshots.current(snapshots.snapshots_dir(db)).path] and not set(left) & set(before)
    assert newest_snapshot_rows(db, "select count(*) from raw_customers where source_id = 'Z1'") == [(0,)]
    bo.goto(second_url)
    settle(bo)
    search(bo, NEWCOMER)
    assert not shows_in_results(bo, NEWCOMER)
    search(bo, "Zephyrine")  # a second rerun in the same session: still nobody
    assert not shows_in_results(bo, NEWCOMER)
    shown = bo.locator('[data-testid="stMain"]').inner_text().lower()
    assert not any(error in shown for error in LOCK_ERRORS) and "something went wrong" not in shown
