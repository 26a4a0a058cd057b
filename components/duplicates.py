"""The list of possible duplicates, each side a link to its profile, where staff decide."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.session import profile_links
from components.tables import data_table


def duplicates_table(duplicates: pd.DataFrame) -> None:
    shown = pd.DataFrame({
        "One": duplicates["display_name"], "Open one": profile_links(duplicates["customer_id"]),
        "Other": duplicates["other_display_name"], "Open other": profile_links(duplicates["other_customer_id"]),
        "Match probability": duplicates["match_probability"], "Why": duplicates["reasons"]})
    with st.container(key="possible-duplicates"):
        data_table(shown, column_config={
            "Open one": st.column_config.LinkColumn(display_text="Open ↗"),
            "Open other": st.column_config.LinkColumn(display_text="Open ↗"),
            "Match probability": st.column_config.NumberColumn(format="%.2f"),
            "Why": st.column_config.TextColumn(width="large")})
