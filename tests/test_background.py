"""The dashboard's background threads stop before the process ends: a daemon thread inside DuckDB when Python
ends it aborts the process (exit code 134), which once failed a test run whose every test had passed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import store
from queries import background
from queries.connection import start_job_worker, start_warming

ROOT = Path(__file__).resolve().parents[1]

BUSY_THREADS_THEN_EXIT = textwrap.dedent("""
    import sys, time
    import duckdb
    from queries import background

    con = duckdb.connect()

    def query_until(stopping):
        cursor = con.cursor()
        while not stopping.is_set():
            cursor.execute("select count(*) from range(3000000)").fetchall()

    for _ in range(4):
        background.start("busy", query_until)
    time.sleep(0.3)
    sys.exit(0)
""")


def test_a_process_ends_cleanly_while_its_threads_are_inside_duckdb():
    for _ in range(3):  # the abort depends on where the threads are at exit: busy threads make it near-certain
        done = subprocess.run([sys.executable, "-c", BUSY_THREADS_THEN_EXIT], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]


def test_the_apps_worker_and_warming_stop_when_asked(db_file: Path):
    con = store.connect(db_file)
    try:
        start_job_worker(con)
        start_warming(con)
        assert "rapport-jobs" in background.running()
        assert background.stop_all(timeout=30) == []
        assert background.running() == []
        # threads started after a stop run normally
        start_job_worker(con)
        assert background.running() == ["rapport-jobs"]
    finally:
        background.stop_all(timeout=30)
        con.close()
