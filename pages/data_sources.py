"""Data sources: what each source has loaded, when, and which rows were refused and why."""

import streamlit as st

import queries

st.title("Data sources")
st.caption("Every file and system Rapport loads from, and the rows it refused.")

sources = queries.sources.sources()
if sources.empty:
    st.info("Nothing loaded yet. Load a file with `python -m connectors load KIND PATH`.")
    st.stop()

st.dataframe(
    sources,
    hide_index=True,
    column_config={
        "source": "Source", "kind": "Kind", "row_count": st.column_config.NumberColumn("Rows", format="%d"),
        "last_load_at": st.column_config.DatetimeColumn("Last load", format="YYYY-MM-DD HH:mm"),
        "last_outcome": "Outcome", "rejected_rows": st.column_config.NumberColumn("Rejected", format="%d"),
        "last_error": "Last error",
    },
)

st.subheader("Quarantine")
rejected = queries.sources.quarantine()
if rejected.empty:
    st.success("No refused rows: every row of every file loaded.")
else:
    st.dataframe(rejected, hide_index=True)
