"""The store: one file from RAPPORT_DB, created and migrated by code, raw tables matching the canonical kinds."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import store
from connectors.schema import KINDS


def test_db_path_comes_from_rapport_db(monkeypatch, tmp_path):
    monkeypatch.setenv("RAPPORT_DB", str(tmp_path / "elsewhere.duckdb"))
    assert store.db_path() == tmp_path / "elsewhere.duckdb"
    monkeypatch.delenv("RAPPORT_DB")
    assert store.db_path() == store.DEFAULT_DB_PATH


def test_connect_creates_the_file_and_applies_every_migration(db_file):
    con = store.connect(db_file)
    assert db_file.exists()
    latest = store.migrations()[-1][0]
    assert store.schema_version(con) == latest
    versions = [r[0] for r in con.execute("select version from schema_version order by 1").fetchall()]
    assert versions == [v for v, _ in store.migrations()]


def test_migrating_twice_changes_nothing(db_file):
    store.connect(db_file).close()
    con = store.connect(db_file)
    assert store.migrate(con) == store.migrations()[-1][0]
    assert con.execute("select count(*) from schema_version").fetchone()[0] == len(store.migrations())


def test_raw_tables_have_a_column_for_every_canonical_field(con):
    for kind in KINDS.values():
        columns = {r[0] for r in con.execute(f"select name from pragma_table_info('{kind.table}')").fetchall()}
        assert set(kind.field_names) <= columns, kind.name
        assert {"source", "record_id", "_row_hash", "_load_id"} <= columns


def test_transaction_rolls_back_on_error(con):
    con.execute("create table t (x integer)")
    try:
        with store.transaction(con):
            con.execute("insert into t values (1)")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert con.execute("select count(*) from t").fetchone()[0] == 0


def test_quoting_helpers_neutralise_quotes():
    assert store.quote_identifier('we"ird') == '"we""ird"'
    assert store.quote_literal("it's") == "'it''s'"


def test_the_memory_limit_a_company_sets_is_the_stores(db_file, monkeypatch):
    monkeypatch.setenv("RAPPORT_MEMORY_LIMIT", "1GB")
    con = store.connect(db_file)
    try:
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    assert limit.replace(" ", "") in {"1.0GiB", "953.6MiB", "1GB", "1000.0MB", "953.6MB"}, limit


def test_a_memory_limit_duckdb_cannot_read_is_said_plainly(db_file, monkeypatch):
    monkeypatch.setenv("RAPPORT_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="RAPPORT_MEMORY_LIMIT='lots' is not a memory size"):
        store.connect(db_file)


def test_a_build_that_outgrows_the_memory_limit_says_where_and_leaves_the_store_as_it_was(db_file):
    from bench.scale_data import NOW, generate
    from models.build import build
    from tests.conftest import snapshot

    con = store.connect(db_file)
    generate(con, 5_000, 20)
    build(con, NOW)
    before = snapshot(con)
    con.close()
    env = {**os.environ, "RAPPORT_DB": str(db_file), "RAPPORT_MEMORY_LIMIT": "20MB"}
    done = subprocess.run([sys.executable, "-m", "models", "build"], cwd=store.PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    said = done.stderr.strip().splitlines()[-1]
    assert said.startswith("error: the build ran out of memory (") and "build step: " in said, done.stderr
    assert "RAPPORT_MEMORY_LIMIT" in said and "--engine spark" in said and "Out of Memory Error" in said
    assert "Traceback" not in done.stderr
    con = store.connect(db_file)
    assert snapshot(con) == before
    con.close()


def test_the_out_of_memory_message_names_the_step_then_the_model(tmp_path):
    from models.__main__ import memory_error, out_of_memory
    from models.build import BuildReport, timed
    from models.sql import run_model

    con = store.memory()
    con.execute("set memory_limit = '10MB'")
    model = tmp_path / "everything.sql"
    model.write_text("select list(range) as everything from range(50000000)\n")  # one list: nothing to spill
    with pytest.raises(store.Error) as raised:
        timed(BuildReport(), "marts", run_model, con, model)
    memory = memory_error(raised.value)
    assert isinstance(memory, store.OutOfMemory)
    said = out_of_memory(con, raised.value, memory, "duckdb")
    assert said.startswith(f"error: the build ran out of memory (build step: marts; model: {model}) under DuckDB's "
                           "limit of "), said
    assert said.endswith(memory.args[0].splitlines()[0]) and "--engine spark" in said
    assert "--engine spark" not in out_of_memory(con, raised.value, memory, "spark")
    # an error that is not about memory is not taken for one
    with pytest.raises(store.Error) as other:
        con.execute("select * from no_such_table")
    assert memory_error(other.value) is None
