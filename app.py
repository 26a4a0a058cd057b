"""Rapport's frame: page setup, sign-in, the role selector and the navigation of the pages the role may open."""

import streamlit as st

from components.errors import run_page
from components.frame import deployment_gate, follow_requested_page, mark_frame, sign_in_gate, viewer_gate
from components.session import role_selector

st.set_page_config(page_title="Rapport", page_icon=":material/diversity_3:", layout="wide")
viewer = viewer_gate() if deployment_gate() and sign_in_gate() else None
if viewer is None:
    # a navigation must exist even here: without one Streamlit lists every file in pages/ in the sidebar
    st.navigation([st.Page("pages/customer.py")], position="hidden")
    st.stop()

PAGES = [  # (page name in the roles file, file, title, icon)
    ("customer", "pages/customer.py", "Customer", ":material/person_search:"),
    ("meeting_prep", "pages/meeting_prep.py", "Meeting prep", ":material/event_note:"),
    ("social_inbox", "pages/social_inbox.py", "Social inbox", ":material/forum:"),
    ("ideas", "pages/ideas.py", "Ideas", ":material/lightbulb:"),
    ("leadership", "pages/leadership.py", "Leadership", ":material/monitoring:"),
    ("data_sources", "pages/data_sources.py", "Data sources", ":material/database:"),
    ("privacy", "pages/privacy.py", "Privacy requests", ":material/policy:"),
    ("audit", "pages/audit.py", "Audit log", ":material/history:"),
]
allowed = [(name, path, title, icon) for name, path, title, icon in PAGES if viewer.may_open(name)]
if not allowed:
    st.error(f"The {viewer.role.label} role may open no page. Pick another of your roles or ask for access.")
    with st.sidebar:
        role_selector(viewer)
    st.navigation([st.Page("pages/customer.py")], position="hidden")
    st.stop()
navigation = st.navigation([st.Page(path, title=title, icon=icon, default=index == 0)
                            for index, (_, path, title, icon) in enumerate(allowed)])
with st.sidebar:
    role_selector(viewer)
    st.caption("Rapport — every customer on one screen")
mark_frame()
follow_requested_page()
run_page(navigation)
