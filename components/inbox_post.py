"""The social inbox's post panel: one post, its author, and the forms that work it — each keyed by the post, so a
value typed or chosen for one post can never be saved onto another."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from components.post_reading import post_reading
from components.session import open_customer
from components.tables import data_table
from models.operations import INBOX_STATUSES, OperationError
from queries import inbox
from queries.access import Viewer

STATUS_LABELS = {"new": "New", "in_progress": "In progress", "answered": "Answered", "closed": "Closed"}


def post_panel(post: pd.Series, viewer: Viewer, saved: Callable[[str], None]) -> None:
    """The post and, for a role that works the inbox, assign/status, notes and hand-off; `saved` is told each change."""
    key = post["post_key"]
    with st.container(border=True, key="inbox-post"):
        st.text(f"{post['network']} · {post['posted_at']:%Y-%m-%d %H:%M} · {post['display_name']}")
        st.text(post["text"])
        st.caption(f"Routed to {post['team']} by rule “{post['rule']}”.")
        st.text(post["explanation"])
        post_reading(post, viewer, saved)
        profile, assign_col = st.columns(2)
        if profile.button("Open the author's profile", icon=":material/person:", key=f"inbox-open-{key}"):
            open_customer(int(post["customer_id"]))
        if not viewer.may("work_inbox"):
            st.caption(f"The {viewer.role.label} role may read the inbox but not work it.")
            return
        with assign_col:
            assign_form(post, viewer, saved)
        note_form(key, viewer, saved)
        notes = inbox.notes(viewer, key)
        if not notes.empty:
            data_table(notes)
        if post["handed_off"]:
            st.caption("Handed off: it is on the author's timeline as a ticket-like event.")
        elif st.button("Hand off as ticket", icon=":material/confirmation_number:", key=f"inbox-handoff-{key}"):
            inbox.hand_off(viewer, key, post["team"], None)
            saved("Handed off: every employee now sees it on the customer's timeline.")


def assign_form(post: pd.Series, viewer: Viewer, saved: Callable[[str], None]) -> None:
    key = post["post_key"]
    current = None if pd.isna(post["assignee"]) else str(post["assignee"])
    with st.form(f"assign-{key}"):
        assignee = st.text_input("Assign to", value=current or "", key=f"inbox-assignee-{key}",
                                 placeholder=f"e.g. {viewer.actor}")
        status = st.selectbox("Set status", list(INBOX_STATUSES), index=list(INBOX_STATUSES).index(post["status"]),
                              format_func=STATUS_LABELS.get, key=f"inbox-new-status-{key}")
        if st.form_submit_button("Save", icon=":material/save:"):
            try:
                message = save_changes(viewer, key, current, assignee.strip() or None, post["status"], status)
            except OperationError as error:
                st.error(str(error))
            else:
                saved(message)


def save_changes(viewer: Viewer, post_key: str, old_assignee: str | None, new_assignee: str | None,
                 old_status: str, new_status: str) -> str:
    """Write only what the person changed (assigning moves a new post along by itself); say what was saved."""
    said = []
    if new_assignee != old_assignee:
        inbox.assign(viewer, post_key, new_assignee)
        said.append(f"assigned to {new_assignee}" if new_assignee else "unassigned")
    if new_status != old_status:
        inbox.set_status(viewer, post_key, new_status)
        said.append(f"now {STATUS_LABELS[new_status]}")
    return f"Saved: {', '.join(said)}." if said else "Nothing to save: the assignee and status are as they were."


def note_form(post_key: str, viewer: Viewer, saved: Callable[[str], None]) -> None:
    with st.form(f"note-{post_key}", clear_on_submit=True):
        note = st.text_area("Internal note", key=f"inbox-note-{post_key}")
        if st.form_submit_button("Add note", icon=":material/note_add:") and note.strip():
            inbox.add_note(viewer, post_key, note)
            saved("Note added.")
