"""The customer search box and its results, shared by the customer and meeting-prep pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.session import profile_links
from components.tables import data_table
from queries import customers
from queries.access import Refused, Viewer

FIELD_LABELS = {"name": "Name", "email": "Email", "phone": "Phone", "handle": "Handle", "order": "Order",
                "ticket": "Ticket"}


def search_box(viewer: Viewer, key: str = "search") -> int | None:
    """A search box with a result list; returns the customer id the user picked, if any."""
    text = st.text_input("Find a customer", key=key, placeholder="Name, email, phone, @handle, order or ticket no.",
                         help="Typos are fine: exact matches come first, then close ones.")
    if not text.strip():
        st.caption("Type at least two characters to search.")
        return None
    try:
        with st.spinner("Searching…"):
            results = customers.search(text, viewer)
    except Refused as refused:
        st.warning(str(refused), icon=":material/hourglass:")
        return None
    if results.empty:
        st.warning("No customer matches that. Try part of the name, the email or the last digits of a phone.")
        return None
    shown = pd.DataFrame({
        "Customer": results["display_name"],
        "Matched": results["field"].map(FIELD_LABELS) + ": " + results["term"],
        "Open in new tab": profile_links(results["customer_id"]),
    })
    picked = data_table(shown, key=f"{key}-results", on_select="rerun", selection_mode="single-row", column_config={
        "Open in new tab": st.column_config.LinkColumn(display_text="Open ↗")})
    st.caption("Select a row to open the profile here.")
    rows = picked.selection.rows if picked and picked.selection else []
    return int(results["customer_id"].iloc[rows[0]]) if rows else None
