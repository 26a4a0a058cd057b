"""Who is using the dashboard and in which role, kept in the Streamlit session."""

from __future__ import annotations

import streamlit as st

from components.icons import ROLES


def role() -> str:
    """The role chosen in the sidebar: support, sales or leadership."""
    return ROLES.get(st.session_state.get("role_label", "Support agent"), "support")


def who() -> str:
    """The signed-in person's email, or "local user" when no sign-in is configured."""
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or st.user.get("name") or "signed-in user")
    except (AttributeError, KeyError):
        pass
    return "local user"


def open_customer(customer_id: int, page: str = "pages/customer.py") -> None:
    """Go to a customer's profile (a deep link others can share)."""
    st.query_params["customer"] = str(customer_id)
    st.switch_page(page, query_params={"customer": str(customer_id)})
