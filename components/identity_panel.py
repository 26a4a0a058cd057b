"""The identity panel: the source records behind a profile, how each was linked, and staff decisions on them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.session import role_query
from components.tables import data_table
from models.identity.decisions import DecisionError
from queries import actions, customers
from queries.access import Viewer

METHOD_LABELS = {"key": "shared key", "probabilistic": "splink match", "manual": "staff decision",
                 "single": "only record"}


RESULT_KEY = "identity-result"


def identity_panel(customer_id: int, viewer: Viewer) -> None:
    """The panel's body; the outcome of the last action (kept across the rerun it causes) comes first."""
    result = st.session_state.pop(RESULT_KEY, None)
    if result:
        st.success(result, icon=":material/check_circle:")
    records = customers.identity(customer_id, viewer)
    shown = records.assign(link_method=records["link_method"].map(METHOD_LABELS))
    data_table(shown.drop(columns="record_key"), column_config={
        "kind": "Kind", "source": "Source", "source_id": "Record", "link_method": "Linked by",
        "evidence": st.column_config.TextColumn("Why", width="large")})
    split_form(customer_id, records, viewer)
    duplicates_section(customer_id, viewer)
    history_section(customer_id, viewer)


def split_form(customer_id: int, records, viewer: Viewer) -> None:
    if len(records) < 2:
        return
    with st.form(f"split-{customer_id}"):
        st.caption("Not the same person? Take a record out of this profile. It can be undone below.")
        record = st.selectbox("Record", records["record_key"], key=f"split-record-{customer_id}")
        reason = st.text_input("Why it is another person", key=f"split-reason-{customer_id}")
        if st.form_submit_button("Not the same person", icon=":material/call_split:"):
            act(lambda: actions.split_record(viewer, customer_id, record, reason), "Record split out.")


def duplicates_section(customer_id: int, viewer: Viewer) -> None:
    duplicates = customers.possible_duplicates(viewer, customer_id)
    if duplicates.empty:
        st.caption("No possible duplicates waiting for this profile.")
        return
    st.markdown("**Possible duplicates** — splink finds these alike but is not sure enough to merge.")
    for row in duplicates.itertuples():
        other = row.other_customer_id if row.customer_id == customer_id else row.customer_id
        other_name = row.other_display_name if row.customer_id == customer_id else row.display_name
        with st.container(border=True):
            st.text(f"{other_name} (#{other}) — match probability {row.match_probability:.2f}")
            profile_link(other)
            st.text(row.reasons)
            reason = st.text_input(f"Why #{other} is or is not the same person", key=f"dup-reason-{other}")
            merge, dismiss = st.columns(2)
            if merge.button("Merge into this profile", key=f"merge-{other}", icon=":material/merge:"):
                act(lambda o=other, r=reason: actions.merge_profiles(viewer, customer_id, o, r), "Merged.")
            if dismiss.button("Not a duplicate", key=f"dismiss-{other}", icon=":material/block:"):
                act(lambda o=other, r=reason: actions.dismiss_duplicate(viewer, customer_id, o, r), "Dismissed.")


def history_section(customer_id: int, viewer: Viewer) -> None:
    history = actions.decision_history(viewer, customer_id)
    if history.empty:
        return
    st.markdown("**Decisions about this profile**")
    for row in history.itertuples():
        state = f"undone by {row.undone_by}" if pd.notna(row.undone_at) else ""
        st.text(f"{row.decided_at:%Y-%m-%d %H:%M} · {row.action} by {row.decided_by}: {row.reason} {state}".strip())
        other = next((int(c) for c in (row.customer_id, row.other_customer_id) if pd.notna(c) and c != customer_id),
                     None)
        if other is not None:
            profile_link(other)
        if not state and st.button("Undo", key=f"undo-{row.decision_id}", icon=":material/undo:"):
            act(lambda d=row.decision_id: actions.undo_decision(viewer, d), "Undone.")


def profile_link(customer_id: int) -> None:
    """A link to another profile, in this session's role."""
    st.page_link("pages/customer.py", label=f"Open profile #{customer_id}", icon=":material/person:",
                 query_params={"customer": str(customer_id), **role_query()})


def act(action, done: str) -> None:
    """Run a decision; its error shows here, its outcome at the top of the panel after the refresh."""
    try:
        with st.spinner("Saving and refreshing the profiles…"):
            action()
    except DecisionError as error:
        st.error(str(error).capitalize() + ".", icon=":material/error:")
        return
    st.session_state[RESULT_KEY] = done
    st.rerun()
