"""The unified timeline: newest first, an icon per kind, customers' words as plain text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.icons import kind_label
from components.tables import data_table
from models.money import money


def timeline_table(events: pd.DataFrame, key: str = "timeline") -> None:
    """Events as a table; bodies are cells of a data grid, which never renders Markdown or HTML."""
    if events.empty:
        st.info("No events match these filters. Widen the date range or clear the kind and channel filters.")
        return
    shown = pd.DataFrame({
        "When": events["occurred_at"],
        "What": events["kind"].map(kind_label),
        "Channel": events["channel"],
        "Title": events["title"],
        "Text": events["body"].fillna("").str.slice(0, 500),
        "Amount": [money(amount, currency) if pd.notna(amount) else ""
                   for amount, currency in zip(events["amount"], events["currency"], strict=True)],
        "Sentiment": events["sentiment"],
        "Status": events["status"],
    })
    data_table(shown, key=key, column_config={
        "When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        "Sentiment": st.column_config.NumberColumn(format="%+.2f"),
        "Text": st.column_config.TextColumn(width="large"),
    })
