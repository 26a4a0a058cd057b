"""Rapport's frame: page setup, the role selector and navigation; every screen lives in pages/."""

import streamlit as st

from components.frame import follow_requested_page, mark_frame, require_sign_in
from components.icons import ROLES

st.set_page_config(page_title="Rapport", page_icon=":material/diversity_3:", layout="wide")
require_sign_in()

navigation = st.navigation([
    st.Page("pages/customer.py", title="Customer", icon=":material/person_search:", default=True),
    st.Page("pages/meeting_prep.py", title="Meeting prep", icon=":material/event_note:"),
    st.Page("pages/social_inbox.py", title="Social inbox", icon=":material/forum:"),
    st.Page("pages/ideas.py", title="Ideas", icon=":material/lightbulb:"),
    st.Page("pages/leadership.py", title="Leadership", icon=":material/monitoring:"),
    st.Page("pages/data_sources.py", title="Data sources", icon=":material/database:"),
])
with st.sidebar:
    st.selectbox("Your role", list(ROLES), key="role_label",
                 help="Orders talking points and what each page puts first.")
    st.caption("Rapport — every customer on one screen")
mark_frame()
follow_requested_page()
navigation.run()
