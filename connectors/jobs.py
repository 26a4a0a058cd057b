"""Work handed to the process that holds the store. DuckDB lets one process open a file for writing, and while
the dashboard runs it is that process: a command-line load, sync, build, export or erasure then drops a job file
beside the store, the dashboard's worker runs it on its own connection (queries/connection.py, run_job), and writes
the result back for the command line to print.

With PostgreSQL (RAPPORT_DATABASE_URL) the queue is its `jobs` table instead, and the process that takes the jobs is
the worker (`python -m rapport worker`), which owns the store: every load, sync, build and data-subject request
goes to it, from the command line and from every dashboard replica alike."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

import store
from store import operational

JOB = ".job.json"
RUNNING = ".running.json"
RESULT = ".result.json"
WORKER = "worker.json"  # the heartbeat of the process that holds the store and takes jobs
BEAT_SECONDS = 10
ALIVE_SECONDS = 3 * BEAT_SECONDS


class NoWorker(RuntimeError):
    """Nobody picked the job up: the store is locked by a process that does not run jobs."""


def jobs_dir(db: Path) -> Path:
    return db.parent / f"{db.name}.jobs"


def is_lock_error(exc: BaseException) -> bool:
    """DuckDB's refusal to open a file another process holds."""
    return "lock" in str(exc).lower()


def write_atomically(path: Path, payload: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(payload))
    os.replace(temporary, path)


def submit(db: Path, job: dict) -> str:
    """Queue a job for the process holding `db`; returns its id."""
    folder = jobs_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    job_id = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
    write_atomically(folder / f"{job_id}{JOB}", job)
    return job_id


def wait_for_result(db: Path, job_id: str, timeout: float = 600, pickup_timeout: float = 15,
                    poll: float = 0.2) -> dict:
    """The job's result once the worker wrote it; NoWorker if nobody started it within `pickup_timeout`."""
    folder = jobs_dir(db)
    queued, result = folder / f"{job_id}{JOB}", folder / f"{job_id}{RESULT}"
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if result.exists():
            payload = json.loads(result.read_text())
            result.unlink(missing_ok=True)
            return payload
        if queued.exists() and time.monotonic() - started > pickup_timeout:
            queued.unlink(missing_ok=True)
            raise NoWorker(f"the store {db} is locked by another process that does not take jobs; "
                           f"stop it or wait until it finishes")
        time.sleep(poll)
    raise TimeoutError(f"job {job_id} did not finish within {timeout:.0f} s")


def beat(db: Path, now: float | None = None) -> None:
    """Say that this process holds the store and takes jobs (the worker calls it every BEAT_SECONDS)."""
    folder = jobs_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / WORKER, {"pid": os.getpid(), "at": time.time() if now is None else now})


def worker_alive(db: Path, now: float | None = None) -> bool:
    """Whether a process that takes jobs has said so within ALIVE_SECONDS."""
    try:
        heartbeat = json.loads((jobs_dir(db) / WORKER).read_text())
    except (OSError, ValueError):
        return False
    return (time.time() if now is None else now) - float(heartbeat.get("at", 0)) <= ALIVE_SECONDS


def run_pending(db: Path, handle: Callable[[dict], dict]) -> int:
    """Run every queued job, oldest first; each is claimed by renaming it, so two workers never run one twice."""
    folder = jobs_dir(db)
    if not folder.is_dir():
        return 0
    done = 0
    for queued in sorted(folder.glob(f"*{JOB}")):
        job_id = queued.name.removesuffix(JOB)
        running = folder / f"{job_id}{RUNNING}"
        try:
            os.replace(queued, running)
        except FileNotFoundError:
            continue  # another worker claimed it
        try:
            result = handle(json.loads(running.read_text()))
        except Exception as exc:  # noqa: BLE001 - any failure must reach the waiting command line, not kill the worker
            result = {"ok": False, "error": str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)}
        write_atomically(folder / f"{job_id}{RESULT}", result)
        running.unlink(missing_ok=True)
        done += 1
    return done


# ---------------------------------------------------------------- the command line's side


def open_store_or_none() -> store.Connection | None:
    """The store, or None when the running dashboard holds it, or the worker owns it (PostgreSQL is configured):
    then the work is handed over."""
    if operational.is_shared():
        return None
    try:
        return store.connect()
    except duckdb.IOException as exc:
        if is_lock_error(exc):
            return None
        raise


def handed_over(job: dict) -> dict | None:
    """Give the job to the dashboard holding the store and wait for it: its result, or None once the error is
    printed (nobody took the job, it timed out or it failed). Another process that holds the store but takes no
    jobs (a second command-line load) is said to be one, and nothing is handed over."""
    if operational.is_shared():
        return handed_to_worker(job)
    db = store.db_path()
    if not worker_alive(db):
        print(f"error: another process is writing to the store {db} (another load or build, not the dashboard); "
              "try again when it has finished", file=sys.stderr)
        return None
    print("the dashboard has the store open: handing this over to it…", file=sys.stderr)
    return waited_for(lambda: wait_for_result(db, submit(db, job)))


def waited_for(wait: Callable[[], dict]) -> dict | None:
    """A handed-over job's result, or None after saying why there is none (nobody took it, or it failed)."""
    try:
        result = wait()
    except (NoWorker, TimeoutError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    if not result.get("ok"):
        print(f"error: {result.get('error')}", file=sys.stderr)
        return None
    return result


def print_result(result: dict) -> int:
    """Print a handed-over job's warnings and summaries as the command would have; its exit status."""
    for warning in result.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    print("\n".join(result.get("summaries", [])))
    return 0 if result.get("all_ok", True) else 1


def hand_over(job: dict) -> int:
    """Give the job to the dashboard holding the store, wait for it, and print what it did."""
    result = handed_over(job)
    return 1 if result is None else print_result(result)


# ---------------------------------------------------------------- the queue in PostgreSQL


def shared_submit(pg, job: dict) -> int:
    """Queue a job for the worker; its id."""
    return pg.execute("insert into jobs (job) values (?::jsonb) returning job_id", [json.dumps(job)]).fetchall()[0][0]


def shared_claim(pg) -> tuple[int, dict] | None:
    """The oldest job nobody started, marked started (two workers never take one twice); None if there is none."""
    found = pg.execute("""update jobs set started_at = now() at time zone 'utc'
                          where job_id = (select job_id from jobs where started_at is null order by job_id
                                          for update skip locked limit 1)
                          returning job_id, job""").fetchall()
    return (found[0][0], found[0][1]) if found else None


def shared_finish(pg, job_id: int, result: dict) -> None:
    pg.execute("update jobs set finished_at = now() at time zone 'utc', result = ?::jsonb where job_id = ?",
               [json.dumps(result, default=str), job_id])


def shared_run_pending(pg, handle: Callable[[dict], dict]) -> int:
    """Run every queued job, oldest first (as run_pending does for the file spool)."""
    done = 0
    while (claimed := shared_claim(pg)) is not None:
        job_id, job = claimed
        try:
            result = handle(job)
        except Exception as exc:  # noqa: BLE001 - any failure must reach whoever waits, not kill the worker
            result = {"ok": False, "error": str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc),
                      "refusal": type(exc).__name__}  # a replica raises its own kind again (queries.connection)
        shared_finish(pg, job_id, result)
        done += 1
    return done


def shared_wait(pg, job_id: int, timeout: float = 3600, pickup_timeout: float = 15, poll: float = 0.2) -> dict:
    """The job's result once the worker wrote it; NoWorker if it was not started within `pickup_timeout` and the
    worker has stopped beating (a busy worker, minutes into a build, takes it when it is done)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        began, result = pg.execute("select started_at, result from jobs where job_id = ?", [job_id]).fetchall()[0]
        if result is not None:
            return result
        if began is None and time.monotonic() - started > pickup_timeout and \
                not (shared_worker(pg) or {}).get("alive"):
            pg.execute("delete from jobs where job_id = ? and started_at is null", [job_id])
            raise NoWorker("the worker did not take the job: is `python -m rapport worker` running?")
        time.sleep(poll)
    raise TimeoutError(f"job {job_id} did not finish within {timeout:.0f} s")


def shared_beat(pg, snapshot: str | None = None, published_at=None) -> None:
    """The worker says it is alive (and which snapshot it published last)."""
    pg.execute("""insert into workers (name, pid, host, beat_at, snapshot, published_at)
                  values ('worker', ?, ?, now() at time zone 'utc', ?, ?)
                  on conflict (name) do update set pid = excluded.pid, host = excluded.host, beat_at = excluded.beat_at,
                      snapshot = coalesce(excluded.snapshot, workers.snapshot),
                      published_at = coalesce(excluded.published_at, workers.published_at)""",
               [os.getpid(), os.uname().nodename, snapshot, published_at])


def shared_worker(pg) -> dict | None:
    """The worker's last heartbeat: pid, host, beat_at, seconds since, snapshot, published_at; None if never."""
    found = pg.execute("""select pid, host, beat_at, extract(epoch from (now() at time zone 'utc') - beat_at),
                                 snapshot, published_at from workers where name = 'worker'""").fetchall()
    if not found:
        return None
    pid, host, beat_at, since, snapshot, published_at = found[0]
    return {"pid": pid, "host": host, "beat_at": beat_at, "seconds_since": float(since), "snapshot": snapshot,
            "published_at": published_at, "alive": float(since) <= ALIVE_SECONDS}


def handed_to_worker(job: dict, quiet: bool = False) -> dict | None:
    """Give the job to the worker through PostgreSQL and wait: its result, or None once the error is printed."""
    pg = operational.shared_connection()
    worker = shared_worker(pg)
    if worker is None or not worker["alive"]:
        print("error: the worker is not running (start it with `python -m rapport worker`)", file=sys.stderr)
        return None
    if not quiet:
        print(f"handing this over to the worker (pid {worker['pid']} on {worker['host']})…", file=sys.stderr)
    return waited_for(lambda: shared_wait(pg, shared_submit(pg, job)))
