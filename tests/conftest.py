"""Shared fixtures: a fresh, migrated DuckDB file per test, and helpers to read tables back."""

from __future__ import annotations

from pathlib import Path

import pytest

import store

FIXTURES = Path(__file__).parent / "fixtures"


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
