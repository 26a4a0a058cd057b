"""The read API for pages: one cached store connection, a cursor per call, functions returning DataFrames."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import store
from connectors.demo import ensure_demo
from connectors.status import quarantined_rows, source_status


@st.cache_resource(show_spinner="Preparing the store (the first start builds the demo company)…")
def _store() -> store.Connection:
    """The app's one connection; an empty store gets the demo company so the dashboard never starts blank."""
    con = store.connect()
    ensure_demo(con)
    return con


def _cursor() -> store.Connection:
    # a DuckDB connection is not thread-safe and every Streamlit session runs in its own thread
    return _store().cursor()


def sources() -> pd.DataFrame:
    """Per source and kind: rows held, last load time and outcome, rows in quarantine."""
    return source_status(_cursor())


def quarantine(source: str | None = None, limit: int = 1000) -> pd.DataFrame:
    """Refused rows with their reasons, newest load first."""
    return quarantined_rows(_cursor(), source, limit)
