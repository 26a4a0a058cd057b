"""The customer header card: who they are, how to reach them, what they are worth, how they feel — and, for a role
that may, revealing a masked detail for a stated reason."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.icons import sentiment_badge
from components.safe import big_text
from components.tables import data_table
from models.money import money, sums
from queries import customers
from queries.access import MASKABLE, Refused, Viewer

MASKED_COLUMNS = {"display_name": "name", "emails": "email", "phones": "phone", "street": "street",
                  "postcode": "street", "birth_date": "birth_date"}


def lifetime_value(profile: dict) -> str:
    """What they kept paying for, in each currency they paid in (never one number made of several currencies)."""
    return sums(profile.get("lifetime_values"), empty=money(0, profile.get("currency")))


def profile_card(profile: dict, contacts: pd.DataFrame, customer_id: int, viewer: Viewer) -> None:
    """Name, facts and contact points; every value that came from customers' data is drawn as plain text."""
    with st.container(border=True):
        big_text(profile["display_name"])
        facts = [profile.get("company"), profile.get("city"), profile.get("country")]
        st.text(" · ".join(str(f) for f in facts if f) or "No company or location on file")
        since = profile.get("customer_since")
        columns = st.columns(5)
        columns[0].metric("Lifetime value", lifetime_value(profile))
        columns[1].metric("Orders", profile.get("order_count") or 0)
        columns[2].metric("Open tickets", profile.get("open_ticket_count") or 0)
        columns[3].metric("Customer since", since.strftime("%b %Y") if since else ("Prospect" if
                          profile.get("is_prospect") else "—"))
        columns[4].metric("Sentiment", sentiment_badge(profile.get("sentiment_overall")),
                          help="VADER score of their posts: +0.05 and up is positive, -0.05 and down negative")
        reach = profile.get("preferred_channel")
        hours = profile.get("active_hours")
        st.text(f"Best reached by {reach}" + (f", usually active {hours}" if hours else "") if reach
                else "No preferred channel yet")
        if not contacts.empty:
            data_table(contacts.drop(columns="field"))
        masked = masked_here(profile)
        if masked:
            st.caption(f"Masked for the {viewer.role.label} role: {', '.join(MASKABLE[f] for f in masked)}.")
            reveal_form(customer_id, viewer, [f for f in masked if f in viewer.role.may_reveal])


def masked_here(profile: dict) -> list[str]:
    """The maskable fields this customer has a value for that the role sees masked."""
    found = {MASKED_COLUMNS[column] for column in profile.get("masked_fields") or [] if column in MASKED_COLUMNS}
    return [field for field in MASKABLE if field in found]


def reveal_form(customer_id: int, viewer: Viewer, fields: list[str]) -> None:
    """Reveal one masked field of this customer for a reason; the reveal is recorded in the view audit."""
    for field in fields:
        shown = st.session_state.get(f"revealed-{customer_id}-{field}")
        if shown is not None:
            st.text(f"{MASKABLE[field].capitalize()}: {shown}")
    if not fields:
        return
    with st.expander("Reveal a masked detail", icon=":material/visibility:"), st.form(f"reveal-{customer_id}"):
        field = st.selectbox("Detail", fields, format_func=MASKABLE.get, key=f"reveal-field-{customer_id}")
        reason = st.text_input("Why do you need it?", key=f"reveal-reason-{customer_id}",
                               help="Recorded with your name in the audit log, e.g. the ticket number.")
        if st.form_submit_button("Reveal", icon=":material/visibility:"):
            try:
                st.session_state[f"revealed-{customer_id}-{field}"] = customers.reveal(customer_id, field,
                                                                                      reason, viewer)
                st.rerun()
            except (ValueError, Refused, LookupError) as error:
                st.error(str(error))
