"""The PostgreSQL fixture is a real server: a fresh database per test, isolated from the others."""

from __future__ import annotations

import psycopg


def test_a_fresh_database_is_empty_and_writable(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as con:
        assert con.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone()[0] == 0
        con.execute("create table t (x int)")
        con.execute("insert into t values (41), (1)")
        assert con.execute("select sum(x) from t").fetchone()[0] == 42
        assert con.info.host == "127.0.0.1"


def test_each_test_has_its_own_database(pg_url):
    with psycopg.connect(pg_url) as con:
        # the table the other test made is not here, whatever the order they ran in
        assert con.execute("select count(*) from pg_tables where tablename = 't'").fetchone()[0] == 0
