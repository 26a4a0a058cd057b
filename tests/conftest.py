"""Shared fixtures: a fresh, migrated DuckDB file per test, and helpers to read tables back."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
import streamlit as st

import store
from connectors.demo import load_demo
from models.build import build
from queries.audit import forget_openings
from queries.customers import forget_searches

FIXTURES = Path(__file__).parent / "fixtures"
# a real PostgreSQL server (pg_cluster, session-scoped) and a fresh database per test (pg_url)
pytest_plugins = ["tests.pg"]


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "rapport.duckdb"


@pytest.fixture
def con(db_file: Path):
    connection = store.connect(db_file)
    yield connection
    connection.close()


def rows(con, sql: str, params=None) -> list[tuple]:
    """A query's rows as tuples, for literal comparisons."""
    return con.execute(sql, params or []).fetchall()


def snapshot(con) -> dict[str, list[tuple]]:
    """Every data table's full contents (the load log aside), to prove a failed load changed nothing."""
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where not temporary "
                                        "and table_name <> 'load_log' order by 1").fetchall()]
    return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in tables}


DEMO_AS_OF = datetime(2026, 11, 1, 6, 0)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    """A small demo company (300 customers), loaded and built once per test session."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.duckdb"
    con = store.connect(path)
    load_demo(con, folder / "files", as_of=DEMO_AS_OF.date(), customers=300)
    build(con, DEMO_AS_OF)
    con.close()
    return path


@pytest.fixture
def app_store(demo_store, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo store as RAPPORT_DB, with no connection cached from another test."""
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_store, path)
    monkeypatch.setenv("RAPPORT_DB", str(path))
    st.cache_resource.clear()
    forget_openings()
    forget_searches()
    yield path
    st.cache_resource.clear()
