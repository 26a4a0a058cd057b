"""Reads of the built models, cached per build: a figure every person of every role sees alike (the leadership
aggregates) is computed once per build and filter, not on every rerun of every session.

The key is the store file and its build id (model_build.build_id, a new uuid for every build, full or incremental:
after a load, a sync, a staff decision, a correction refresh, an erasure). A read that touches what people edit between
builds (the inbox's state, notes, corrections) or that depends on who is looking (masking) must not be cached here:
it would show an edit late, or one role's view to another. Who may open the page is checked before the cache is
asked, on every call."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import duckdb
import streamlit as st

from queries.connection import cursor
from store import db_path

# how many answers are kept: each is a small aggregate frame (filters × figures of the last builds)
MAX_ENTRIES = 512

_reads: dict[str, Callable[..., Any]] = {}
_lock = threading.Lock()
_last_key: list[tuple[str, str | None]] = []  # the key the last read saw


def build_key() -> tuple[str, str | None]:
    """The store the app reads and its build: (file, build id); None as id for a store not built yet. When it
    changes, the answers of the build before are dropped at once rather than left to age out: nothing of it is read
    again, and an erasure's rebuild must leave nothing of the erased person behind in this process."""
    key = (str(db_path()), current_build())
    with _lock:
        if _last_key and _last_key[0] != key:
            _cached.clear()
        _last_key[:] = [key]
    return key


def current_build() -> str | None:
    """The build id, in one query (models.serving.build_id asks first whether the table exists: two)."""
    try:
        return cursor().execute("select max(build_id) from model_build").fetchall()[0][0]
    except duckdb.Error:  # not built yet, or by a Rapport without build ids
        return None


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _cached(name: str, build: tuple[str, str | None], args: tuple) -> Any:
    return _reads[name](*args)


def by_build(read: Callable[..., Any]) -> Callable[..., Any]:
    """Cache `read(*args, con=None)` by build when it reads the app's store; a caller with its own connection (tests,
    benchmarks, the command line) reads directly. `read` must depend only on the built models and its arguments."""
    name = f"{read.__module__}.{read.__qualname__}"
    _reads[name] = read

    @functools.wraps(read)
    def reader(*args: Any, con: Any = None) -> Any:
        if con is not None:
            return read(*args, con=con)
        key = build_key()
        if key[1] is None:  # nothing built to key by: read directly
            return read(*args)
        return _cached(name, key, args)

    return reader
