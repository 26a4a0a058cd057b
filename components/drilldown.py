"""Drill-down tables: the rows behind a chart point, each linked to its customer, exportable as CSV."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.safe import download_csv
from components.session import profile_links
from components.tables import data_table
from queries.access import Viewer


def with_customer_links(rows: pd.DataFrame) -> pd.DataFrame:
    linked = rows.copy()
    linked.insert(0, "profile", profile_links(linked["customer_id"]))
    return linked


def drilldown_table(rows: pd.DataFrame, file_name: str, key: str, viewer: Viewer) -> None:
    """The rows, newest first, with a link to each customer's profile and a CSV export."""
    if rows.empty:
        st.info("Nothing behind this point with the current filters.")
        return
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
    download_csv(rows, file_name, viewer, key=f"{key}-csv")
