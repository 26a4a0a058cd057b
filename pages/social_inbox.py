"""Social inbox: complaints, questions and ideas from social media, routed to a team with a response clock."""

import pandas as pd
import streamlit as st

from components.frame import enter_page
from components.inbox_post import STATUS_LABELS, post_panel
from components.safe import download_csv
from components.tables import data_table
from models.operations import INBOX_STATUSES
from queries import inbox

viewer = enter_page("pages/social_inbox.py", "social_inbox")

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
# the table's key changes after a save, so its selection (a row number) cannot point at another post once the
# saved post moved in or out of the queue; the saved post stays open while it is still in the queue
generation = st.session_state.get("inbox-generation", 0)
picked = data_table(shown, on_select="rerun", selection_mode="single-row", key=f"inbox-table-{generation}",
                    column_config={"Waited (h)": st.column_config.NumberColumn(format="%.1f"),
                                   "Target (h)": st.column_config.NumberColumn(format="%.1f"),
                                   "Post": st.column_config.TextColumn(width="large"),
                                   "Posted": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
download_csv(queue.drop(columns=["explanation"]), "social-inbox.csv", viewer, key="inbox-csv")
rows = picked.selection.rows if picked and picked.selection else []
if rows:  # a row the person picked wins over the post kept open after a save
    st.session_state.pop("inbox-kept", None)
post_key = queue.iloc[rows[0]]["post_key"] if rows else st.session_state.get("inbox-kept")
open_post = queue[queue["post_key"] == post_key]
saved = st.session_state.pop("inbox-saved", None)
if saved:
    left_queue = " It has left this queue." if post_key is not None and open_post.empty else ""
    st.success(saved + left_queue, icon=":material/check_circle:")
if open_post.empty:
    st.caption("Select a post to assign it, move it along, add a note or hand it off as a ticket.")
    st.stop()


def remember_save(message: str) -> None:
    """After a change: say what was saved, keep the post open, and start the table afresh (see above)."""
    st.session_state["inbox-saved"] = message
    st.session_state["inbox-kept"] = post_key
    st.session_state["inbox-generation"] = generation + 1
    st.rerun()


post_panel(open_post.iloc[0], viewer, remember_save)
