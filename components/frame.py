"""Every page runs inside app.py's frame. Streamlit treats a project with a pages/ folder as a legacy multipage app
until app.py has run once in the process, so a deep link opened first (a fresh server, /social_inbox) would run the
page bare: no role selector, no navigation. A page that finds itself bare goes through app.py and back."""

from __future__ import annotations

import streamlit as st

FRAME_RAN = "_rapport_frame_ran"
REQUESTED_PAGE = "_rapport_requested_page"


def mark_frame() -> None:
    """Called by app.py on every run."""
    st.session_state[FRAME_RAN] = True


def require_frame(page: str) -> None:
    """At the top of a page: if app.py has not run in this session, go through it, keeping the link's query."""
    if not st.session_state.get(FRAME_RAN):
        st.session_state[REQUESTED_PAGE] = (page, st.query_params.to_dict())
        st.switch_page("app.py")


def follow_requested_page() -> None:
    """Called by app.py once its navigation exists: finish the detour a bare page started."""
    requested = st.session_state.pop(REQUESTED_PAGE, None)
    if requested:
        page, query = requested
        st.switch_page(page, query_params=query)


def sign_in_configured() -> bool:
    """Whether .streamlit/secrets.toml names an identity provider ([auth] with its settings)."""
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def require_sign_in() -> None:
    """With a provider configured, nobody sees a page before signing in; without one, say so on every page."""
    if not sign_in_configured():
        st.warning("No sign-in configured: everyone who can reach this dashboard sees everything as one local "
                   "user. Connect your identity provider in .streamlit/secrets.toml (see the README).",
                   icon=":material/lock_open:")
        return
    if not st.user.get("is_logged_in", False):
        st.title("Rapport")
        st.write("Sign in with your company account to see customers.")
        st.button("Sign in", icon=":material/login:", on_click=st.login, type="primary")
        st.stop()
    st.sidebar.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'you'}")
    st.sidebar.button("Sign out", icon=":material/logout:", on_click=st.logout)
