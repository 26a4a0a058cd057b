"""Helpers for the API connector tests: sources from TOML text, small and fast HTTP settings, table contents."""

from __future__ import annotations

from pathlib import Path

from connectors.api.sources import Source, load_sources

# tiny waits, so retries cost milliseconds
FAST = """
[defaults]
retries = 2
backoff = 0.01
timeout = 5
"""


def configured(tmp_path: Path, text: str, defaults: str = FAST) -> list[Source]:
    """The sources a sources.toml with `text` (after fast defaults) configures."""
    path = tmp_path / "sources.toml"
    path.write_text(defaults + text)
    return load_sources(path)


def every_table_as_text(con) -> str:
    """Every table's full contents as one text, to prove something never reached the store."""
    tables = [r[0] for r in con.execute("select table_name from duckdb_tables() where not temporary").fetchall()]
    return "\n".join(repr(con.execute(f'select * from "{t}"').fetchall()) for t in tables)
