"""Audit log: who opened which customer, revealed what and why, exported, edited or erased — admins only, read-only."""

from datetime import UTC, datetime, time, timedelta

import streamlit as st

from components.frame import enter_page
from components.safe import download_csv
from components.tables import DATE_TIME, data_table
from queries import audit

viewer = enter_page("pages/audit.py", "audit")

st.title("Audit log")
st.caption("Every profile opening, reveal of a masked detail, export and edit, newest first. Nobody can change it "
           "here, and rebuilding the models never touches it.")
choices = audit.choices(viewer)
who_col, what_col, customer_col, dates_col = st.columns([2, 2, 1, 2])
actors = who_col.multiselect("Who", choices["actor"], key="audit-actors")
actions = what_col.multiselect("What", choices["action"], key="audit-actions")
customer = customer_col.text_input("Customer id", key="audit-customer").strip()
today = datetime.now(UTC).date()
dates = dates_col.date_input("Dates", value=(today - timedelta(days=30), today), key="audit-dates")
if customer and not customer.isdigit():
    st.warning("A customer id is a number.")
    st.stop()
entries = audit.entries(viewer, actors=actors, actions=actions, customer_id=int(customer) if customer else None,
                        start=datetime.combine(dates[0], time.min) if len(dates) >= 1 else None,
                        end=datetime.combine(dates[1], time.max) if len(dates) == 2 else None)
st.metric("Entries", f"{len(entries):,}")
data_table(entries, column_config={
    "audit_id": None, "happened_at": st.column_config.DatetimeColumn("When", format=DATE_TIME),
    "actor": "Who", "action": "What", "object_type": "On", "object_id": "Which",
    "details": st.column_config.TextColumn("Details", width="large")})
download_csv(entries, "audit-log.csv", viewer, key="audit-csv")
