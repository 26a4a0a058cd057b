"""The dashboard frame on a real store: it starts, builds the demo into an empty store, and lists the sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import store
from connectors.demo import load_demo
from models.build import build
from tests.viewers import crashed

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AS_OF = date(2026, 11, 1)


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """RAPPORT_DB pointing at a fresh file, and no connection cached from an earlier test."""
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("RAPPORT_DB", str(path))
    st.cache_resource.clear()
    yield path
    st.cache_resource.clear()


def data_sources_page(timeout: int) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    assert not crashed(at), crashed(at)
    at.switch_page("pages/data_sources.py").run()
    assert not crashed(at), crashed(at)
    assert at.title[0].value == "Data sources"
    return at


def test_data_sources_page_lists_every_loaded_source(app_db, tmp_path):
    con = store.connect(app_db)
    load_demo(con, tmp_path / "demo", as_of=AS_OF, customers=200)
    build(con)
    con.close()
    shown = data_sources_page(60).dataframe[0].value
    assert set(shown["source"]) == {"crm", "shopify", "pos", "zendesk", "twitter", "social"}
    assert (shown["last_outcome"] == "ok").all()


def test_an_empty_store_gets_the_demo_company(app_db):
    at = data_sources_page(300)
    shown = at.dataframe[0].value
    customers = shown.loc[shown["kind"] == "customers", "row_count"].sum()
    assert customers > 1500
    assert int(at.metric[0].value.replace(",", "")) > 1500, "the demo is built into profiles too"
