"""The dashboard's one store connection, opened once per process, and a fresh cursor for every query."""

from __future__ import annotations

import streamlit as st

import store
from connectors.demo import ensure_demo
from models.build import build


@st.cache_resource(show_spinner="Preparing the store (the first start builds the demo company)…")
def shared_connection() -> store.Connection:
    """The app's one connection; an empty store gets the demo company so the dashboard never starts blank."""
    con = store.connect()
    if ensure_demo(con):
        build(con)
    return con


def cursor(con: store.Connection | None = None) -> store.Connection:
    """A cursor on `con`, or on the app's connection: a DuckDB connection is not thread-safe, and every
    Streamlit session runs in a thread of its own."""
    return (con or shared_connection()).cursor()
