"""Operational state on a real PostgreSQL server: the same edits as on the DuckDB store, audited in the same
transaction, and copied into DuckDB beside the models for the queries and builds that join them."""

from __future__ import annotations

import gc
import json
import os

import pytest

import store
from models import operations
from models.build import build
from models.identity import decisions
from store import operational, postgres
from tests.conftest import rows
from tests.model_fixtures import NOW, load_world


@pytest.fixture
def pg(pg_url):
    connection = operational.shared_connection(pg_url)
    yield connection
    postgres.close_pools()


def test_migrations_apply_once_and_make_the_operational_tables(pg, pg_url):
    names = {r[0] for r in pg.execute("select tablename from pg_tables where schemaname = 'public'").fetchall()}
    assert set(operational.MIRRORED) | set(operational.UNMIRRORED) | {"jobs", "workers"} <= names
    postgres.close_pools()
    again = operational.shared_connection(pg_url)  # a second start migrates nothing twice
    assert again.execute("select count(*) from schema_version").fetchall() == [(len(postgres.migrations()),)]


def test_inbox_edits_are_stored_and_audited_in_postgres(pg):
    operations.assign(pg, "social_posts:social:S2", "lee@corp", "kim@corp")
    operations.set_status(pg, "social_posts:social:S2", "answered", "lee@corp")
    note = operations.add_note(pg, "social_posts:social:S2", "called 50% back", "lee@corp")
    operations.hand_off(pg, "social_posts:social:S2", "support", None, "kim@corp")
    operations.set_idea_status(pg, "idea:stove", "planned", "kim@corp")
    operations.set_idea_status(pg, "idea:stove", "shipped", "kim@corp")
    trail = pg.execute("select actor, action, object_id, details from audit_log order by audit_id").fetchall()
    assert [(a, b) for a, b, _, _ in trail] == [("kim@corp", "assign"), ("lee@corp", "status"), ("lee@corp", "note"),
                                                ("kim@corp", "hand_off"), ("kim@corp", "idea_status"),
                                                ("kim@corp", "idea_status")]
    assert json.loads(trail[2][3]) == {"note_id": note}
    assert pg.execute("select status, assignee from inbox_state").fetchall() == [("answered", "lee@corp")]
    assert pg.execute("select body from inbox_notes").fetchall() == [("called 50% back",)]
    assert pg.execute("select status from idea_state").fetchall() == [("shipped",)]


def test_a_refused_edit_changes_nothing_in_postgres(pg):
    with pytest.raises(operations.OperationError):
        operations.set_status(pg, "social_posts:social:S2", "lost", "kim@corp")
    # the audit insert fails inside the transaction: the state rolls back too
    with pytest.raises(postgres.Error), store.transaction(pg):
        operations.ensure_inbox_row(pg, "social_posts:social:S9", "kim@corp")
        pg.execute("insert into audit_log values (1, null, null, null, null, null, null)")
    assert pg.execute("select count(*) from inbox_state").fetchall() == [(0,)]
    assert pg.execute("select count(*) from audit_log").fetchall() == [(0,)]


def test_change_counters_move_only_for_the_tables_written(pg):
    before = operational.versions(pg)
    operations.set_idea_status(pg, "idea:stove", "planned", "kim@corp")
    after = operational.versions(pg)
    assert after.get("idea_state", 0) > before.get("idea_state", 0)
    assert after.get("inbox_state", 0) == before.get("inbox_state", 0)


def test_a_build_reads_decisions_and_suppression_from_postgres(pg, con, tmp_path):
    load_world(con, tmp_path)
    build(con, NOW)
    pair = rows(con, "select customer_id from customer_profiles order by customer_id limit 2")
    first, second = pair[0][0], pair[1][0]
    decisions.merge(pg, first, second, reason="same person, checked by phone", decided_by="kim@corp")
    assert rows(con, "select count(*) from identity_decisions") == [(0,)]  # nothing in the DuckDB file
    work = con.cursor()
    operational.overlay_temp(pg, work)
    build(work, NOW)
    merged = rows(con, "select count(distinct customer_id) from customer_sources where customer_id in (?, ?)",
                  [first, second])
    assert merged == [(1,)]


def test_a_mirror_rereads_only_what_changed(pg, con, tmp_path):
    import duckdb

    snapshot = tmp_path / "snap.duckdb"
    store.connect(snapshot).close()
    reader = duckdb.connect(":memory:")
    reader.execute(f"attach '{snapshot}' as snap (read_only)")
    mirror = operational.Mirror(pg, reader)
    assert set(mirror.refresh()) == set(operational.MIRRORED)
    assert mirror.refresh() == []
    operations.assign(pg, "social_posts:social:S2", "lee@corp", "kim@corp")
    assert mirror.refresh() == ["inbox_state"]
    assert reader.execute("select post_key, status, assignee from memory.main.inbox_state").fetchall() == [
        ("social_posts:social:S2", "in_progress", "lee@corp")]


def test_placeholders_are_translated_outside_quoted_text():
    assert postgres.translate("select ?, $name, '50%?', 'it''s $x' where a like '%' || ?") == \
        "select %s, %(name)s, '50%%?', 'it''s $x' where a like '%%' || %s"


def test_the_command_line_reads_the_newest_snapshot_when_the_worker_owns_the_store(pg_url, con, tmp_path,
                                                                                   monkeypatch):
    import subprocess
    import sys

    from store import snapshots
    from tests.e2e.conftest import PROJECT

    load_world(con, tmp_path)
    snapshots.publish(con, tmp_path / "snaps")
    env = {"RAPPORT_DATABASE_URL": pg_url, "RAPPORT_SNAPSHOTS": str(tmp_path / "snaps"),
           "RAPPORT_DB": str(tmp_path / "rapport.duckdb")}  # the test's store, still open here: the lock is held
    status = subprocess.run([sys.executable, "-m", "rapport", "status"], cwd=PROJECT, capture_output=True,
                            text=True, env={**os.environ, **env}, timeout=300)
    assert status.returncode == 0, status.stderr
    assert "social_posts" in status.stdout and "lock" not in status.stderr.lower()


def test_on_a_replica_the_query_layer_writes_and_reads_operational_state_in_postgres(pg_url, monkeypatch):
    from datetime import datetime, timedelta

    from queries import actions, audit, inbox
    from tests.viewers import ADMIN

    monkeypatch.setenv("RAPPORT_DATABASE_URL", pg_url)
    inbox.assign(ADMIN, "social_posts:social:S2", "Dana")
    inbox.add_note(ADMIN, "social_posts:social:S2", "rang back")
    audit.record_export(ADMIN, "inbox", rows=3)
    audit.flush()
    assert list(inbox.audit_trail(ADMIN, "social_posts:social:S2")["action"]) == ["note", "assign"]
    everything = audit.entries(ADMIN)
    assert sorted(everything["action"]) == ["assign", "export", "note"]
    assert list(audit.entries(ADMIN, actions=["export"])["object_id"]) == ["inbox"]
    assert audit.entries(ADMIN, actors=["nobody"]).empty
    today = datetime.now()
    assert len(audit.entries(ADMIN, start=today - timedelta(days=1), end=today + timedelta(days=1))) == 3
    assert audit.choices(ADMIN) == {"actor": ["tester"], "action": ["assign", "export", "note"]}
    assert actions.decision_history(ADMIN).empty and actions.erasures(ADMIN).empty
    pg = operational.shared_connection(pg_url)
    assert pg.execute("select assignee from inbox_state").fetchall() == [("Dana",)]


def test_every_database_gets_its_change_counters_after_the_pools_before_it_closed(pg_cluster):
    """The triggers were remembered per id() of a pool: a closed pool's id, reused by the next one, left that
    database without them (a full run failed so once; whether an id is reused depends on the allocator, so this
    checks the property over several databases rather than forcing the reuse)."""
    for _ in range(5):
        name = pg_cluster.create_database()
        try:
            pg = operational.shared_connection(pg_cluster.url(name))
            operations.set_idea_status(pg, "idea:stove", "planned", "kim@corp")
            assert operational.versions(pg).get("idea_state", 0) > 0
        finally:
            postgres.close_pools()
            gc.collect()
            pg_cluster.drop_database(name)
