"""Meeting prep: a one-page brief on a customer for a sales conversation, printable and downloadable."""

import streamlit as st

from components.brief import brief_markdown, build_brief
from components.frame import enter_page
from components.safe import audited_download, big_text
from components.search import search_box
from components.session import leave_customer, open_customer
from queries import customers

viewer = enter_page("pages/meeting_prep.py", "meeting_prep")

PRINT_STYLE = """<style>@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], .stDownloadButton, .stTextInput, .stButton {display: none;}
}</style>"""

st.title("Meeting prep")
requested = st.query_params.get("customer")
customer_id = customers.resolve_customer_id(requested) if requested is not None else None
if customer_id is None:
    if requested is not None:
        st.error("There is no customer with that id. Search for them instead.")
    st.caption("Pick the customer you are meeting; you get a one-page brief to read, print or download.")
    picked = search_box(viewer, "prep-search")
    if picked is not None:
        open_customer(picked, "pages/meeting_prep.py")
    st.stop()

with st.spinner("Preparing the brief…"):
    brief = build_brief(customers.context(customer_id, viewer, page="meeting_prep"))
st.html(PRINT_STYLE)
top = st.columns([3, 1, 1])
with top[0]:
    big_text(brief.name)
with top[1]:
    audited_download("Download Markdown", lambda: (1, brief_markdown(brief)), f"brief-{customer_id}.md",
                     "text/markdown", viewer, key="brief-download", customer_id=customer_id)
if top[2].button("Another customer", icon=":material/search:"):
    leave_customer()
    st.rerun()
st.caption("Use your browser's Print to get a clean paper copy: the menus are left out.")

for title, lines, empty in (
    ("Summary", brief.summary, ""), ("What to bring up", brief.points, "Nothing in particular."),
    ("Last five interactions", brief.interactions, "No interactions yet."),
    ("Open issues to be aware of", brief.open_issues, "No open issues."),
    ("Purchase pattern", brief.purchases, ""), ("Social presence", brief.social, ""),
):
    with st.container(border=True):
        st.subheader(title)
        st.text("\n".join(f"• {line}" for line in lines) if lines else empty)
