"""Where the models run: DuckDB inside the store (the default), or Spark when the data outgrows one machine.

An engine reads tables, runs a model's SQL file into a table of the model's name, and runs a statement of its own;
the model files are written once, in DuckDB's dialect (models.engines.dialect translates them for Spark).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Engine(Protocol):
    """What the build asks of an engine."""

    name: str

    def run_model(self, path: Path) -> None:
        """(Re)create the table named after `path` from the select it holds."""

    def create_table(self, name: str, duckdb_sql: str) -> None:
        """(Re)create table `name` from a select written in DuckDB's dialect."""

    def rows(self, duckdb_sql: str) -> list[tuple]:
        """A query's rows (small results only: counts, a few ids)."""
