"""Every data grid on every page, as Streamlit hands it to the browser: no missing value (the grid draws one as
"None" on its canvas, where no browser test can read it) and a human label on every column shown."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

import store
from tests.viewers import open_app

SQL_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def demo_customers(path) -> list[int]:
    con = store.connect(path, read_only=True)
    try:
        return [r[0] for r in con.execute("""
            (select customer_id from customer_profiles where not is_prospect and ticket_count >= 1
             and post_count >= 1 and order_count >= 2 order by customer_id limit 2)
            union all (select customer_id from customer_profiles where is_prospect order by customer_id limit 1)
        """).fetchall()]
    finally:
        con.close()


def grid_problems(where: str, grid) -> list[str]:
    """Missing values and unlabelled columns in one grid, as sent to the browser."""
    config = json.loads(grid.proto.columns or "{}")
    frame = grid.value
    problems = []
    for column in frame.columns:
        entry = config.get(str(column), {})
        if entry.get("hidden"):
            continue
        label = entry.get("label") or str(column)
        if SQL_NAME.match(label):
            problems.append(f"{where}: column shown as {label!r}")
        if frame[column].isna().any():
            problems.append(f"{where}: {label!r} has {int(frame[column].isna().sum())} missing values")
    return problems


def page_grids(page: str | None, **query) -> list:
    at = open_app(page, **query)
    return list(at.dataframe)


def test_no_grid_on_any_page_has_a_missing_value_or_an_unlabelled_column(app_store):
    visits = {f"profile {c}": (None, {"customer": str(c)}) for c in demo_customers(app_store)}
    visits |= {f"brief {c}": ("pages/meeting_prep.py", {"customer": str(c)}) for c in demo_customers(app_store)}
    visits |= {name: (f"pages/{name}.py", {}) for name in ("social_inbox", "ideas", "leadership", "data_sources",
                                                             "privacy", "audit")}
    found, grids = [], 0
    for where, (page, query) in visits.items():
        for grid in page_grids(page, **query):
            grids += 1
            found += grid_problems(where, grid)
    assert grids >= 15
    assert found == []


def a_table_with_gaps():
    """A page drawing one table with a missing number, date and text (AppTest runs this function's body alone)."""
    import pandas as pd
    import streamlit as st

    from components.tables import data_table
    frame = pd.DataFrame({"amount": [1.5, None], "posted_at": pd.to_datetime(["2026-01-02 03:04", None]),
                          "last_error": ["disk full", None], "rows": [3.0, 4.0]})
    data_table(frame, {"amount": st.column_config.NumberColumn("Amount", format="%.2f")})


def test_a_table_shows_missing_numbers_dates_and_text_as_empty_cells_in_their_format():
    [grid] = AppTest.from_function(a_table_with_gaps).run().dataframe
    assert grid.value.to_dict("list") == {"amount": ["1.50", ""], "posted_at": ["2026-01-02 03:04", ""],
                                          "last_error": ["disk full", ""], "rows": [3.0, 4.0]}
    labels = {column: entry["label"] for column, entry in json.loads(grid.proto.columns).items()
              if not entry.get("hidden")}
    assert labels == {"amount": "Amount", "posted_at": "Posted", "last_error": "Last error", "rows": "Rows"}
