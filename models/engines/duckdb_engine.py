"""The DuckDB engine: models run inside the store, on the build's connection and in its transaction."""

from __future__ import annotations

from pathlib import Path

from models.sql import run_model
from store import Connection


class DuckDBEngine:
    """Runs model SQL as written, on one store connection."""

    name = "duckdb"

    def __init__(self, con: Connection) -> None:
        self.con = con

    def run_model(self, path: Path) -> None:
        run_model(self.con, path)

    def create_table(self, name: str, duckdb_sql: str) -> None:
        self.con.execute(f"create or replace table {name} as\n{duckdb_sql}")

    def rows(self, duckdb_sql: str) -> list[tuple]:
        return self.con.execute(duckdb_sql).fetchall()
