"""The deployment with replicas, in one process with its real parts: a worker owning a DuckDB store, a real
PostgreSQL holding the operational state and the queue, and replicas reading the snapshots the worker publishes."""

from __future__ import annotations

import logging
import time

import duckdb
import pytest

import store
from connectors.jobs import shared_submit, shared_wait
from models import operations
from queries import replica as replica_module
from queries.replica import Replica
from rapport.worker import Worker
from store import operational, postgres, snapshots
from tests.model_fixtures import load_world, write_jsonl


@pytest.fixture
def deployment(pg_url, tmp_path, monkeypatch):
    """A worker on the tiny world's store, with snapshots in tmp_path/snapshots and no manifest throttling."""
    monkeypatch.setattr(replica_module, "CHECK_SECONDS", 0)
    db = tmp_path / "worker.duckdb"
    con = store.connect(db)
    load_world(con, tmp_path)
    con.close()
    pg = operational.shared_connection(pg_url)
    worker = Worker(db, tmp_path / "snapshots", pg, demo=False)
    yield worker
    worker.close()
    postgres.close_pools()


def count(reader: Replica, sql: str, params=None):
    return reader.cursor().execute(sql, params or []).fetchall()[0][0]


def test_a_replica_reads_the_published_snapshot_read_only(deployment):
    reader = Replica(deployment.folder, deployment.pg)
    assert count(reader, "select count(*) from customer_profiles") == \
        deployment.con.execute("select count(*) from customer_profiles").fetchall()[0][0] > 0
    with pytest.raises(duckdb.Error, match="read-only|read only"):
        reader.cursor().execute("delete from snap.main.customer_profiles")
    with pytest.raises(duckdb.Error, match="base table"):  # its names are views of the snapshot's tables
        reader.cursor().execute("delete from customer_profiles")
    reader.close()


def test_an_inbox_edit_in_postgres_is_seen_by_every_replica_at_its_next_query(deployment):
    first, second = Replica(deployment.folder, deployment.pg), Replica(deployment.folder, deployment.pg)
    assert count(second, "select count(*) from inbox_state") == 0
    operations.assign(deployment.pg, "social_posts:social:S2", "lee@corp", "kim@corp")
    for reader in (first, second):
        assert reader.cursor().execute("select assignee from inbox_state").fetchall() == [("lee@corp",)]
    first.close(), second.close()


def test_a_queued_load_is_published_and_replicas_switch_to_it(deployment, tmp_path):
    reader = Replica(deployment.folder, deployment.pg)
    before = count(reader, "select count(*) from raw_customers")
    serving = reader.serving()
    path = write_jsonl(tmp_path / "more.jsonl", [{"source_id": "C9", "first_name": "Eve", "last_name": "Stone",
                                                  "email": "eve@example.com", "created_at": "2026-01-02"}])
    job = shared_submit(deployment.pg, {"command": "load", "kind": "customers", "path": str(path), "source": "crm"})
    assert deployment.step() == 1
    result = shared_wait(deployment.pg, job, timeout=5)
    assert result["ok"] and result["load"]["inserted"] == 1 and result["snapshot"] != serving.path.name
    assert count(reader, "select count(*) from raw_customers") == before + 1
    assert reader.serving().path.name == result["snapshot"]
    reader.close()


def test_old_snapshots_go_once_unread_and_a_leased_one_stays(deployment):
    first = deployment.published.path
    reader = Replica(deployment.folder, deployment.pg)
    reader.cursor()  # holds `first`, leased
    deployment.publish(), deployment.publish()
    assert first.exists()  # two newer ones, but a reader holds it
    reader.close()  # lease released
    deployment.publish()
    assert not first.exists()
    assert len(snapshots.files(deployment.folder)) == snapshots.KEEP


def test_a_stale_lease_does_not_keep_a_snapshot(deployment, monkeypatch):
    first = deployment.published.path
    snapshots.take_lease(first, "gone-host-1")
    monkeypatch.setattr(snapshots, "LEASE_SECONDS", 0.01)
    time.sleep(0.05)
    deployment.publish(), deployment.publish()
    assert not first.exists()


def test_a_scheduled_refresh_that_fails_is_logged_and_the_queue_is_still_served(deployment, tmp_path,
                                                                                 monkeypatch, caplog):
    import rapport.worker

    def out_of_memory(*_args, **_kwargs):
        raise store.OutOfMemory("Out of Memory Error: could not allocate block of size 256.0 KiB")

    serving, real_refresh = deployment.published.path.name, rapport.worker.refresh
    monkeypatch.setattr(rapport.worker, "refresh", out_of_memory)
    deployment.last_check = time.monotonic() - rapport.worker.REFRESH_CHECK_SECONDS  # the check is due
    with caplog.at_level(logging.ERROR, logger="rapport.worker"):
        assert deployment.step() == 0
        assert deployment.step() == 0  # counted from the failure's end: not tried again at once
    assert caplog.text.count("the scheduled refresh failed") == 1 and "Out of Memory Error" in caplog.text
    assert deployment.published.path.name == serving  # nothing new was published
    # the worker goes on: a load queued next is run, refreshed and published
    monkeypatch.setattr(rapport.worker, "refresh", real_refresh)
    path = write_jsonl(tmp_path / "next.jsonl", [{"source_id": "C9", "first_name": "Eve", "last_name": "Stone",
                                                  "email": "eve@example.com", "created_at": "2026-01-02"}])
    job = shared_submit(deployment.pg, {"command": "load", "kind": "customers", "path": str(path), "source": "crm"})
    assert deployment.step() == 1
    result = shared_wait(deployment.pg, job, timeout=5)
    assert result["ok"] and result["snapshot"] != serving


def test_an_erasure_leaves_no_snapshot_holding_the_person(deployment, tmp_path):
    reader = Replica(deployment.folder, deployment.pg)
    ana = count(reader, "select customer_id from customer_sources where record_key = 'customers:crm:C1'")
    deployment.publish()
    older = snapshots.files(deployment.folder)
    operations.add_note(deployment.pg, "social_posts:social:S2", "note to keep", "kim@corp")
    job = shared_submit(deployment.pg, {"command": "erase", "customer_id": ana, "by": "dpo@corp",
                                        "reason": "request 42"})
    deployment.step()
    result = shared_wait(deployment.pg, job, timeout=5)
    assert result["ok"], result
    assert all(not p.exists() for p in older)  # leased or not: every older snapshot holds her
    assert snapshots.files(deployment.folder) == [deployment.published.path]
    assert count(reader, "select count(*) from raw_customers where email ilike 'ana.silva@example.com'") == 0
    assert reader.previous is None  # the snapshot it read before was removed: not held open either
    assert count(reader, "select count(*) from customer_profiles where customer_id = ?", [ana]) == 0
    logged = deployment.pg.execute("select records_removed > 0, file_rewritten_at is not null from erasure_log")
    assert logged.fetchall() == [(True, True)]
    assert deployment.pg.execute("select count(*) from suppressed_identifiers").fetchall()[0][0] > 0
    # a later load of her record is refused by the suppression list held in PostgreSQL
    again = write_jsonl(tmp_path / "again.jsonl", [{"source_id": "C1", "first_name": "Ana", "last_name": "Silva",
                                                    "email": "ana.silva@example.com", "created_at": "2024-01-05"}])
    job = shared_submit(deployment.pg, {"command": "load", "kind": "customers", "path": str(again), "source": "crm"})
    deployment.step()
    assert shared_wait(deployment.pg, job, timeout=5)["load"]["suppressed"] == 1
    reader.close()


def test_identity_decisions_from_a_replica_are_taken_by_the_worker_and_published(deployment):
    reader = Replica(deployment.folder, deployment.pg)
    first, second = (r[0] for r in reader.cursor().execute(
        "select customer_id from customer_profiles order by customer_id limit 2").fetchall())
    refused = shared_submit(deployment.pg, {"command": "decide", "action": "merge", "by": "kim@corp",
                                            "customer_id": first, "other_customer_id": first, "reason": "x"})
    merged = shared_submit(deployment.pg, {"command": "decide", "action": "merge", "by": "kim@corp",
                                           "customer_id": first, "other_customer_id": second,
                                           "reason": "same person, checked by phone"})
    assert deployment.step() == 2
    assert shared_wait(deployment.pg, refused, timeout=5) == {
        "ok": False, "error": "a profile cannot be merged with itself", "refusal": "DecisionError"}
    assert shared_wait(deployment.pg, merged, timeout=5)["ok"]
    assert count(reader, "select count(distinct customer_id) from customer_sources where customer_id in (?, ?)",
                 [first, second]) == 1
    assert count(reader, "select count(*) from identity_decisions") == 1  # the replica's copy, from PostgreSQL
    assert deployment.pg.execute("select action from audit_log").fetchall() == [("identity_merge",)]
    reader.close()


def test_a_correction_from_a_replica_is_made_by_the_worker_audited_in_postgres_and_published(deployment):
    reader = Replica(deployment.folder, deployment.pg)
    post_key, intent = reader.cursor().execute("""
        select p.record_key, c.intent from stg_social_posts p join post_classifications c
        on c.text_hash = md5(coalesce(p.text, '')) order by p.record_key limit 1""").fetchall()[0]
    other = "idea" if intent != "idea" else "question"
    corrected = shared_submit(deployment.pg, {"command": "correct", "post_key": post_key, "field": "intent",
                                              "value": other, "by": "kim@corp"})
    wrong = shared_submit(deployment.pg, {"command": "correct", "post_key": post_key, "field": "intent",
                                          "value": "furious", "by": "kim@corp"})
    assert deployment.step() == 2
    assert shared_wait(deployment.pg, corrected, timeout=5)["correction"] == {
        "field": "intent", "value": other, "undone": False}
    refused = shared_wait(deployment.pg, wrong, timeout=5)
    assert not refused["ok"] and refused["refusal"] == "OperationError" and "'furious' is not a intent" in \
        refused["error"]
    # the replica reads the correction from the snapshot the worker published
    assert count(reader, "select value from current_corrections where post_key = ?", [post_key]) == other
    assert deployment.pg.execute("select actor, action, object_id from audit_log").fetchall() == [
        ("kim@corp", "correct", post_key)]
    undone = shared_submit(deployment.pg, {"command": "correct", "post_key": post_key, "field": "intent",
                                           "value": None, "by": "kim@corp"})
    assert deployment.step() == 1 and shared_wait(deployment.pg, undone, timeout=5)["correction"]["undone"]
    assert count(reader, "select count(*) from current_corrections where post_key = ?", [post_key]) == 0
    reader.close()


def test_a_store_switching_to_postgres_brings_its_operational_rows_and_keeps_no_copy(pg_url, con, tmp_path):
    from models.privacy import identifier_hash

    operations.add_note(con, "social_posts:social:S2", "rang back", "kim@corp")
    con.execute("insert into suppressed_identifiers values (?, 'email', now()::timestamp)",
                [identifier_hash("email:gone@example.com")])
    pg = operational.shared_connection(pg_url)
    assert operational.adopt(pg, con) == {"inbox_notes": 1, "suppressed_identifiers": 1, "audit_log": 1}
    assert operational.adopt(pg, con) == {}  # once
    assert con.execute("select count(*) from inbox_notes").fetchall() == [(0,)]
    assert pg.execute("select body from inbox_notes").fetchall() == [("rang back",)]
    assert pg.execute("select count(*) from suppressed_identifiers").fetchall() == [(1,)]
    # PostgreSQL's ids continue after the adopted ones
    assert operations.add_note(pg, "social_posts:social:S2", "and again", "kim@corp") == 2
    postgres.close_pools()


def test_a_replicas_upload_export_and_erasure_go_through_the_worker(deployment, monkeypatch, tmp_path):
    import io
    import threading
    import zipfile

    from queries import actions
    from tests.viewers import ADMIN

    monkeypatch.setenv("RAPPORT_DATABASE_URL", deployment.pg.pool.conninfo)
    monkeypatch.setenv("RAPPORT_DB", str(deployment.db))
    stop = threading.Event()

    def keep_working() -> None:  # the worker's loop, as `python -m rapport worker` runs it
        while not stop.is_set():
            if not deployment.step():
                time.sleep(0.1)

    stepping = threading.Thread(target=keep_working)
    stepping.start()
    try:
        loaded = actions.load_upload(ADMIN, "customers", "crm.csv",
                                     b"source_id,first_name,last_name,email,created_at\n"
                                     b"Z1,Quinta,Zephyrine,qz@example.org,2026-10-01\n", "crm", None)
        assert (loaded.inserted, loaded.file) == (1, "upload:crm.csv")
        assert not list((tmp_path / "worker.duckdb.uploads").iterdir())  # the uploaded bytes are not kept
        reader = Replica(deployment.folder, deployment.pg)
        newcomer = count(reader, "select customer_id from customer_sources where record_key = 'customers:crm:Z1'")
        exported = zipfile.ZipFile(io.BytesIO(actions.export_customer(ADMIN, newcomer)))
        assert "qz@example.org" in exported.read("raw_customers.csv").decode()
        with pytest.raises(ValueError, match="say why"):
            actions.erase_customer(ADMIN, newcomer, " ")
        report = actions.erase_customer(ADMIN, newcomer, "request 9")
        assert report.file_rewritten and report.records_removed >= 1
        assert count(reader, "select count(*) from customer_sources where record_key = 'customers:crm:Z1'") == 0
        assert list(actions.erasures(ADMIN)["reason"]) == ["request 9"]
        assert deployment.pg.execute("select count(*) from audit_log where action = 'export'").fetchall() == [(1,)]
        reader.close()
    finally:
        stop.set()
        stepping.join(timeout=60)
