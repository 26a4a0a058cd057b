"""Ideas: product ideas customers posted, grouped when they ask for the same thing, for the product team."""

import streamlit as st

from components.drilldown import drilldown_table
from components.frame import enter_page
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
st.dataframe(groups.drop(columns="idea_key"), hide_index=True, width="stretch", column_config={
    "label": st.column_config.TextColumn("Idea (its most common words)", width="large"),
    "customers": "Customers who asked", "posts": "Posts",
    "combined_lifetime_value": st.column_config.NumberColumn("Their lifetime value", format="%.2f"),
    "first_at": st.column_config.DatetimeColumn("First asked", format="YYYY-MM-DD"),
    "last_at": st.column_config.DatetimeColumn("Last asked", format="YYYY-MM-DD"),
    "status": "Status"})

chosen = st.selectbox("Look at idea", list(groups["idea_key"]), key="idea",
                      format_func=lambda key: groups.set_index("idea_key").loc[key, "label"])
current = groups.set_index("idea_key").loc[chosen, "status"]
status = st.selectbox("Status", list(IDEA_STATUSES), index=list(IDEA_STATUSES).index(current),
                      format_func=STATUS_LABELS.get, key="idea-status", disabled=not viewer.may("work_inbox"))
if status != current:
    inbox.set_idea_status(viewer, chosen, status)
    st.toast("Status saved.")
    st.rerun()
st.subheader("Who asked")
drilldown_table(inbox.idea_posts(viewer, chosen), "idea-customers.csv", "idea-posts", viewer)
