"""Social inbox: complaints, questions and ideas from social media, routed to a team with a response clock."""

import pandas as pd
import streamlit as st

from components.frame import enter_page
from components.safe import download_csv
from components.session import open_customer
from models.operations import INBOX_STATUSES, OperationError
from queries import inbox

viewer = enter_page("pages/social_inbox.py", "social_inbox")

STATUS_LABELS = {"new": "New", "in_progress": "In progress", "answered": "Answered", "closed": "Closed"}

st.title("Social inbox")
st.caption("Posts that need someone: each routed to a team by the rules in config/routing.toml, with a clock "
           "against the team's response-time target. Breached items come first.")

choices = inbox.choices(viewer)
if not choices["team"]:
    st.info("No recent social posts need action. New posts arrive with the next load or sync.")
    st.stop()
team_col, status_col, network_col, intent_col = st.columns(4)
teams = team_col.multiselect("Team", choices["team"], key="inbox-team")
statuses = status_col.multiselect("Status", list(INBOX_STATUSES), default=["new", "in_progress"],
                                  format_func=STATUS_LABELS.get, key="inbox-status")
networks = network_col.multiselect("Network", choices["network"], key="inbox-network")
intents = intent_col.multiselect("Intent", choices["intent"], key="inbox-intent")
queue = inbox.queue(viewer, teams, statuses, networks, intents)

breached = int((queue["breached"] & queue["status"].isin(["new", "in_progress"])).sum())
left, middle, right = st.columns(3)
left.metric("In the queue", len(queue))
middle.metric("Past their target", breached)
right.metric("Unassigned", int(queue["assignee"].isna().sum()))
if queue.empty:
    st.success("Nothing matches these filters: the queue is clear.")
    st.stop()

shown = pd.DataFrame({
    "Clock": ["⏰ late" if b and s in ("new", "in_progress") else "on time" for b, s in
              zip(queue["breached"], queue["status"], strict=True)],
    "Status": queue["status"].map(STATUS_LABELS), "Assignee": queue["assignee"], "Team": queue["team"],
    "Intent": queue["intent"], "Urgency": queue["urgency"],
    "Waited (h)": queue["minutes_to_answer"] / 60, "Target (h)": queue["target_minutes"] / 60,
    "Network": queue["network"],
    "Author": queue["display_name"] + queue["is_prospect"].map({True: " (prospect)", False: ""}),
    "Post": queue["text"], "Posted": queue["posted_at"],
})
picked = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                      key="inbox-table", column_config={
                          "Waited (h)": st.column_config.NumberColumn(format="%.1f"),
                          "Target (h)": st.column_config.NumberColumn(format="%.1f"),
                          "Post": st.column_config.TextColumn(width="large"),
                          "Posted": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
download_csv(queue.drop(columns=["explanation"]), "social-inbox.csv", viewer, key="inbox-csv")
rows = picked.selection.rows if picked and picked.selection else []
if not rows:
    st.caption("Select a post to assign it, move it along, add a note or hand it off as a ticket.")
    st.stop()

post = queue.iloc[rows[0]]
with st.container(border=True, key="inbox-post"):
    st.text(f"{post['network']} · {post['posted_at']:%Y-%m-%d %H:%M} · {post['display_name']}")
    st.text(post["text"])
    st.caption(f"Routed to {post['team']} by rule “{post['rule']}”.")
    st.text(post["explanation"])
    profile, assign_col = st.columns(2)
    if profile.button("Open the author's profile", icon=":material/person:", key="inbox-open"):
        open_customer(int(post["customer_id"]))
    if not viewer.may("work_inbox"):
        st.caption(f"The {viewer.role.label} role may read the inbox but not work it.")
        st.stop()
    with assign_col.form("assign"):
        assignee = st.text_input("Assign to", value=post["assignee"] or viewer.actor, key="inbox-assignee")
        status = st.selectbox("Status", list(INBOX_STATUSES), index=list(INBOX_STATUSES).index(post["status"]),
                              format_func=STATUS_LABELS.get, key="inbox-new-status")
        if st.form_submit_button("Save", icon=":material/save:"):
            try:
                inbox.assign(viewer, post["post_key"], assignee.strip() or None)
                if status != post["status"]:  # assigning moves a new post along by itself
                    inbox.set_status(viewer, post["post_key"], status)
            except OperationError as error:
                st.error(str(error))
            else:
                st.toast("Saved.")
                st.rerun()
    with st.form("note", clear_on_submit=True):
        note = st.text_area("Internal note", key="inbox-note")
        if st.form_submit_button("Add note", icon=":material/note_add:") and note.strip():
            inbox.add_note(viewer, post["post_key"], note)
            st.rerun()
    notes = inbox.notes(viewer, post["post_key"])
    if not notes.empty:
        st.dataframe(notes, hide_index=True, width="stretch")
    if post["handed_off"]:
        st.caption("Handed off: it is on the author's timeline as a ticket-like event.")
    elif st.button("Hand off as ticket", icon=":material/confirmation_number:", key="inbox-handoff"):
        inbox.hand_off(viewer, post["post_key"], post["team"], None)
        st.toast("Handed off: every employee now sees it on the customer's timeline.")
        st.rerun()
