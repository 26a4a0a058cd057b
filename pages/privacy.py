"""Privacy requests: export everything Rapport holds about a customer (GDPR art. 15, CCPA access) or erase them
(GDPR art. 17, CCPA deletion) — admins only, every step in the audit log."""

import streamlit as st

from components.frame import enter_page
from components.search import search_box
from components.session import leave_customer
from components.tables import data_table
from models.privacy import PrivacyError
from queries import actions, customers

viewer = enter_page("pages/privacy.py", "privacy")

st.title("Privacy requests")
st.caption("Find the customer the request is about, then export their data or erase them. Erasure cannot be undone: "
           "their rows leave every table and their identifiers are suppressed so later loads skip them.")

requested = st.query_params.get("customer")
customer_id = customers.resolve_customer_id(requested) if requested is not None else None
if customer_id is None:
    picked = search_box(viewer, "privacy-search")
    if picked is not None:
        st.query_params["customer"] = str(picked)
        st.rerun()
    erased = actions.erasures(viewer)
    if not erased.empty:
        st.subheader("Erasures so far")
        data_table(erased)
    st.stop()

found = customers.profile(customer_id, viewer)
st.subheader("Customer")
st.text(f"#{customer_id} · {found['display_name']}")
if st.button("Another customer", icon=":material/search:"):
    leave_customer()
    st.rerun()

st.header("Export (right of access)")
if st.button("Prepare the export", icon=":material/inventory_2:", key="prepare-export"):
    st.session_state[f"export-{customer_id}"] = actions.export_customer(viewer, customer_id)
prepared = st.session_state.get(f"export-{customer_id}")
if prepared:
    st.download_button("Download the zip (JSON and CSV)", prepared, file_name=f"rapport-customer-{customer_id}.zip",
                       mime="application/zip", icon=":material/download:", key="export-download")
    st.caption("The export is recorded in the audit log.")

st.header("Erase (right to erasure)")
with st.form("erase"):
    reason = st.text_input("Reason", help="The request's reference, e.g. a ticket number — not the person's details.")
    confirm = st.text_input(f"Type {customer_id} to confirm")
    if st.form_submit_button("Erase this customer", icon=":material/delete_forever:", type="primary"):
        if confirm.strip() != str(customer_id):
            st.error("The confirmation does not match the customer id; nothing was erased.")
        else:
            try:
                with st.spinner("Erasing and refreshing the profiles…"):
                    report = actions.erase_customer(viewer, customer_id, reason)
            except PrivacyError as error:
                st.error(str(error))
            else:
                st.session_state.pop(f"export-{customer_id}", None)
                leave_customer()
                st.success(report.summary())
