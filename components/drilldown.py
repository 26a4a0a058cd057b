"""Drill-down tables: the rows behind a chart point, each linked to its customer, exportable as CSV.

Behind one point there can be tens of thousands of rows (the people who asked for the most-asked idea, at a
million customers). Nobody reads that many in a grid, and sending them to the browser on every rerun was most of
the page's time: the grid shows the first RAPPORT_DRILLDOWN_ROWS (default 1,000), says so, and the CSV — read when
it is clicked — has them all."""

from __future__ import annotations

import os
from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.safe import download_csv
from components.session import profile_links
from components.tables import data_table
from queries.access import Viewer

SHOWN_ROWS = 1000  # the default: a grid longer than this is not read row by row

# a reader of the rows behind a point: the first `limit` of them in the order shown, or all with limit=None
RowReader = Callable[[int | None], pd.DataFrame]


def with_customer_links(rows: pd.DataFrame) -> pd.DataFrame:
    linked = rows.copy()
    linked.insert(0, "profile", profile_links(linked["customer_id"]))
    return linked


def shown_rows() -> tuple[int, str | None]:
    """How many rows a drill-down grid shows (RAPPORT_DRILLDOWN_ROWS, else SHOWN_ROWS), and what is wrong with the
    setting if it is not a number of rows."""
    given = os.environ.get("RAPPORT_DRILLDOWN_ROWS", "").strip()
    if not given:
        return SHOWN_ROWS, None
    if not given.isdigit() or int(given) < 1:
        return SHOWN_ROWS, (f"RAPPORT_DRILLDOWN_ROWS={given!r} is not a number of rows (a whole number from 1): "
                            f"showing {SHOWN_ROWS:,}.")
    return int(given), None


def drilldown_table(read: RowReader, file_name: str, key: str, viewer: Viewer) -> None:
    """The first shown_rows() rows `read` gives, with a link to each customer's profile, and a CSV of every row."""
    shown, problem = shown_rows()
    if problem:  # a mistyped setting: said where it matters, and the page still works
        st.warning(problem, icon=":material/settings:")
    rows = read(shown + 1)  # one more than shown: whether there are more, without counting them all
    if rows.empty:
        st.info("Nothing behind this point with the current filters.")
        return
    more = len(rows) > shown
    rows = rows.head(shown)
    data_table(with_customer_links(rows), key=key, column_config={
        "profile": st.column_config.LinkColumn("Customer", display_text="Open ↗"),
        "customer_id": None,
        "display_name": "Name", "kind": "What", "channel": "Channel", "network": "Network", "title": "Title",
        "body": st.column_config.TextColumn("Text", width="large"),
        "text": st.column_config.TextColumn("Text", width="large"),
        "subject": "Subject", "status": "Status", "ticket": "Ticket", "satisfaction": "Rating",
        "first_response_minutes": st.column_config.NumberColumn("First reply (min)"),
        "resolution_minutes": st.column_config.NumberColumn("Resolved in (min)"),
        "occurred_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
        "opened_at": st.column_config.DatetimeColumn("Opened", format="YYYY-MM-DD HH:mm"),
        "sentiment": st.column_config.NumberColumn("Sentiment", format="%+.2f"),
        "url": st.column_config.LinkColumn("Post"),
    })
    if more:
        st.caption(f"The first {shown:,} rows are shown; the CSV has every one.")
    # every row is read only when the person clicks (on Streamlit's download thread); fewer are already here
    download_csv((lambda: read(None)) if more else rows, file_name, viewer, key=f"{key}-csv")
