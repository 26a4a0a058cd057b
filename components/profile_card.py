"""The customer header card: who they are, how to reach them, what they are worth, how they feel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.icons import sentiment_badge
from components.safe import big_text


def money(value) -> str:
    return "—" if value is None or value != value else f"{value:,.2f}"


def contact_points(profile: dict, identity: pd.DataFrame) -> pd.DataFrame:
    """Each email, phone and handle with the sources it was seen in."""
    rows = [("Email", e) for e in profile.get("emails") or []] + [("Phone", p) for p in profile.get("phones") or []]
    rows += [("Handle", h.replace(":", " @", 1)) for h in profile.get("handles") or []]
    sources = ", ".join(sorted(set(identity["source"]))) if not identity.empty else ""
    evidence = identity["evidence"].fillna("") if not identity.empty else pd.Series(dtype=str)
    return pd.DataFrame([(kind, value, seen_in(value, identity, evidence) or sources) for kind, value in rows],
                        columns=["Contact", "Value", "Seen in"])


def seen_in(value: str, identity: pd.DataFrame, evidence: pd.Series) -> str:
    needle = value.replace(" @", ":").lower()
    found = identity.loc[evidence.str.lower().str.contains(needle, regex=False), "source"]
    return ", ".join(sorted(set(found)))


def profile_card(profile: dict, identity: pd.DataFrame) -> None:
    """Name, facts and contact points; every value that came from customers' data is drawn as plain text."""
    with st.container(border=True):
        big_text(profile["display_name"])
        facts = [profile.get("company"), profile.get("city"), profile.get("country")]
        st.text(" · ".join(str(f) for f in facts if f) or "No company or location on file")
        since = profile.get("customer_since")
        columns = st.columns(5)
        columns[0].metric("Lifetime value", money(profile.get("lifetime_value")))
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
        contacts = contact_points(profile, identity)
        if not contacts.empty:
            st.dataframe(contacts, hide_index=True, width="stretch")
