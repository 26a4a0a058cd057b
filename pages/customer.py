"""Customer: find anyone, then one screen with who they are, what to say, and everything that happened."""

from datetime import datetime, time

import streamlit as st

from components import charts
from components.frame import enter_page
from components.identity_panel import identity_panel
from components.profile_card import profile_card
from components.search import search_box
from components.session import leave_customer, open_customer
from components.talking_points import talking_points_list
from components.timeline import timeline_table
from queries import customers
from queries.access import Viewer
from queries.timeline_page import timeline_page

viewer = enter_page("pages/customer.py", "customer")

PAGE_SIZE = 25


def first_page() -> None:
    st.session_state["page"] = 1  # other filters, other pages: the page number kept could be past the last


@st.fragment
def timeline_section(customer_id: int, viewer: Viewer, kinds_all: list[str], channels_all: list[str]) -> None:
    """Filters, pager and one page of events. A fragment: paging or filtering reruns this part alone, not the
    card, talking points, charts and identity panel above and below it."""
    kinds, channels, dates, page = st.columns([2, 2, 2, 1])
    kind_filter = kinds.multiselect("Kinds", kinds_all, key="kinds", on_change=first_page)
    channel_filter = channels.multiselect("Channels", channels_all, key="channels", on_change=first_page)
    date_range = dates.date_input("Dates", value=(), key="dates", on_change=first_page)
    filters = {"kinds": kind_filter, "channels": channel_filter,
               "start": datetime.combine(date_range[0], time.min) if len(date_range) >= 1 else None,
               "end": datetime.combine(date_range[1], time.max) if len(date_range) == 2 else None}
    # the page asked for is read before the pager is drawn (its limit is the count the same read gives)
    wanted = int(st.session_state.get("page", 1))
    events, matching, total = timeline_page(customer_id, viewer, **filters, limit=PAGE_SIZE,
                                            offset=(wanted - 1) * PAGE_SIZE)
    page_number = page.number_input("Page", min_value=1, max_value=max(1, -(-matching // PAGE_SIZE)), value=1,
                                    key="page")
    if page_number != wanted:
        events = timeline_page(customer_id, viewer, **filters, limit=PAGE_SIZE,
                               offset=(page_number - 1) * PAGE_SIZE)[0]
    timeline_table(events)
    if any(filters.values()):
        st.caption(f"{matching} of {total} events match the filters, newest first; {PAGE_SIZE} per page.")
    else:
        st.caption(f"{matching} events in all, newest first; {PAGE_SIZE} per page.")


st.title("Customer")
requested = st.query_params.get("customer")
if requested is None:
    st.caption("Search by name, email, phone, social handle, order or ticket number.")
    picked = search_box(viewer)
    if picked is not None:
        open_customer(picked)
    st.stop()

customer_id = customers.resolve_customer_id(requested)
if customer_id is None:
    st.error("There is no customer with that id. It may have been erased, or the link is mistyped.")
    if st.button("Search for a customer", icon=":material/search:"):
        leave_customer()
        st.rerun()
    st.stop()
if str(customer_id) != str(requested):
    st.info(f"Profile {int(str(requested).strip())} was merged into {customer_id}; showing the merged profile.")
    st.query_params["customer"] = str(customer_id)

with st.spinner("Loading the customer…"):
    context = customers.context(customer_id, viewer)
if st.button("Back to search", icon=":material/arrow_back:"):
    leave_customer()
    st.rerun()

profile_card(context.profile, customers.contact_points(customer_id, viewer), customer_id, viewer)

left, right = st.columns([3, 2])
with left:
    st.subheader("Talking points")
    talking_points_list(context.points, context.timeline, viewer.talking_point_role)
with right:
    for figure in (charts.spend_over_time(context.timeline), charts.sentiment_over_time(context.timeline)):
        if figure is not None:
            st.plotly_chart(figure, width="stretch")

st.subheader("Timeline")
timeline_section(customer_id, viewer, sorted(context.timeline["kind"].unique()),
                 sorted(context.timeline["channel"].dropna().unique()))

if viewer.may("merge_split"):
    # keyed, so it stays open through the rerun an action causes and shows what the action did; it tracks whether it
    # is open, so a closed panel costs a rerun nothing (its four reads were a third of the profile's server time)
    identity = st.expander("Identity: which records make this profile, and why", icon=":material/fingerprint:",
                           key=f"identity-{customer_id}", on_change="rerun")
    if identity.open:
        with identity:
            identity_panel(customer_id, viewer)
