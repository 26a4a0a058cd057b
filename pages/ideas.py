"""Ideas: product ideas customers posted, grouped when they ask for the same thing, for the product team."""

import streamlit as st

from components.drilldown import drilldown_table
from components.frame import enter_page
from components.tables import data_table
from models.money import sums
from models.operations import IDEA_STATUSES
from queries import inbox

viewer = enter_page("pages/ideas.py", "ideas")

STATUS_LABELS = {"new": "New", "under_review": "Under review", "planned": "Planned", "shipped": "Shipped"}

st.title("Ideas")
st.caption("What customers ask us to make, grouped when they say the same thing — so the product team sees demand, "
           "and everyone who asked can be told when it ships.")
groups = inbox.ideas(viewer)
if groups.empty:
    st.info("No product ideas in the posts yet.")
    st.stop()
# their lifetime value in each currency they paid in: one sum across currencies would mean nothing
shown = groups.assign(combined_lifetime_value=groups["combined_lifetime_values"].map(sums))
data_table(shown.drop(columns=["idea_key", "combined_lifetime_values"]), column_config={
    "label": st.column_config.TextColumn("Idea (in the words of a customer who asked)", width="large"),
    "customers": "Customers who asked", "posts": "Posts", "combined_lifetime_value": "Their lifetime value",
    "first_at": st.column_config.DatetimeColumn("First asked", format="YYYY-MM-DD"),
    "last_at": st.column_config.DatetimeColumn("Last asked", format="YYYY-MM-DD"),
    "status": "Status"})

labels = groups.set_index("idea_key")["label"]
chosen = st.selectbox("Look at idea", list(groups["idea_key"]), key="idea", format_func=labels.get)
current = groups.set_index("idea_key").loc[chosen, "status"]


def save_status(idea_key: str, shown: str) -> None:
    """Runs when the status box reports a change; writes only a status other than the one shown. (Streamlit also
    calls it when a box it had forgotten comes back with the value the browser kept: the same status, no write.)"""
    chosen_status = st.session_state[f"idea-status-{idea_key}"]
    if chosen_status != shown:
        inbox.set_idea_status(viewer, idea_key, chosen_status)
        st.session_state["idea-saved"] = idea_key


# keyed by the idea, so a status chosen for one idea is never carried to the next one looked at
st.selectbox("Status", list(IDEA_STATUSES), index=list(IDEA_STATUSES).index(current), format_func=STATUS_LABELS.get,
             key=f"idea-status-{chosen}", on_change=save_status, args=(chosen, current),
             disabled=not viewer.may("work_inbox"))
if st.session_state.pop("idea-saved", None) == chosen:
    st.success(f"Status saved: {STATUS_LABELS[current]}.", icon=":material/check_circle:")
st.subheader("Who asked")
drilldown_table(lambda limit: inbox.idea_posts(viewer, chosen, limit=limit), "idea-customers.csv", "idea-posts",
                viewer)
