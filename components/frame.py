"""Every page runs inside app.py's frame. Streamlit treats a project with a pages/ folder as a legacy multipage app
until app.py has run once in the process, so a deep link opened first (a fresh server, /social_inbox) would run the
page bare: no sign-in, no role selector, no navigation. A page that finds itself bare goes through app.py and back;
then it checks that the viewer's role may open it, whatever the URL said."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import streamlit as st
from streamlit import config

from components.session import current_viewer, sign_in_configured, signed_in_person
from queries.access import AccessConfigError, Viewer, current_policy

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


def enter_page(path: str, page: str) -> Viewer:
    """At the top of every page: run inside the frame, and refuse a viewer whose role may not open `page` (a page
    missing from their navigation can still be typed into the address bar)."""
    require_frame(path)
    viewer = require_viewer()
    if not viewer.may_open(page):
        st.error(f"The {viewer.role.label} role may not open this page. Pick another of your roles in the sidebar, "
                 f"or ask {current_policy().ask} for access.", icon=":material/block:")
        st.stop()
    return viewer


def follow_requested_page() -> None:
    """Called by app.py once its navigation exists: finish the detour a bare page started."""
    requested = st.session_state.pop(REQUESTED_PAGE, None)
    if requested:
        page, query = requested
        st.switch_page(page, query_params=query)


LOOPBACK = ("127.0.0.1", "localhost", "::1")
OPEN_ACCESS = "RAPPORT_OPEN_ACCESS"  # "1": serve other addresses without sign-in, knowingly


def listen_address() -> str | None:
    """The address the server listens on; None is Streamlit's default, every network interface."""
    return config.get_option("server.address") or None


def local_only() -> bool:
    address = listen_address()
    return address is not None and (address in LOOPBACK or address.startswith("127."))


def secrets_problem() -> str | None:
    """Why the secrets files cannot be trusted, if they cannot: a file the settings name that is missing, or any
    that exists but cannot be read. Streamlit would treat both as "no secrets", which here would mean no sign-in."""
    named = config.is_manually_set("secrets.files")
    for path in map(Path, config.get_option("secrets.files")):
        if named and not path.exists():
            return f"the secrets file {path} named in the settings does not exist"
        try:
            if path.exists():
                tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            return f"the secrets file {path} cannot be read ({error})"
    return None


def deployment_gate() -> bool:
    """Refuse to serve (False, with the reason on screen) rather than fall back to open access by mistake."""
    problem = secrets_problem()
    if problem:
        st.error(f"Rapport will not start: {problem}. Without it nobody could sign in, and it does not fall back "
                 "to open access. Fix the file, or remove the setting that names it.", icon=":material/error:")
        return False
    if not sign_in_configured() and not local_only() and os.environ.get(OPEN_ACCESS) != "1":
        st.error(f"Rapport will not serve without sign-in on {listen_address() or 'every network interface'}: "
                 "everyone who can reach it would see every customer as an admin. Connect your identity provider "
                 "in .streamlit/secrets.toml, listen on 127.0.0.1 only, or set "
                 f"{OPEN_ACCESS}=1 to allow it knowingly.", icon=":material/lock_open:")
        return False
    return True


def sign_in_gate() -> bool:
    """With a provider configured, nobody gets past a sign-in prompt without signing in (False while it shows);
    without one, every page says so in a banner that says who can reach it."""
    if not sign_in_configured():
        who = ("only people using this computer can open it (it listens on 127.0.0.1)" if local_only() else
               f"anyone who can reach {listen_address() or 'any of this server’s addresses'} can open it")
        st.warning(f"No sign-in configured: {who}, and they see everything as one local user. Connect your "
                   "identity provider in .streamlit/secrets.toml (see the README).", icon=":material/lock_open:")
        return True
    if not st.user.get("is_logged_in", False):
        st.title("Rapport")
        st.write("Sign in with your company account to see customers.")
        st.button("Sign in", icon=":material/login:", on_click=st.login, type="primary")
        return False
    st.sidebar.caption(f"Signed in as {st.user.get('email') or st.user.get('name') or 'you'}")
    st.sidebar.button("Sign out", icon=":material/logout:", on_click=st.logout)
    return True


def viewer_gate() -> Viewer | None:
    """The viewer; for a person with no role, or with a broken roles file, a page saying so and None."""
    try:
        viewer = current_viewer()
        ask = current_policy().ask
    except AccessConfigError as error:
        st.error(f"Rapport's roles file cannot be used, so nobody sees any data: {error}", icon=":material/error:")
        return None
    if viewer is None:
        st.title("No access yet")
        person = signed_in_person(current_policy())
        why = (f"Your identity provider has not verified the email address {person.unverified_email}, so roles "
               "given to that address do not apply. " if person.unverified_email else "")
        st.text(f"You are signed in as {person.actor}, but no role in Rapport is given to you, so you see no "
                f"customer data. {why}Ask {ask} to add you to config/roles.toml.")
    return viewer


def require_viewer() -> Viewer:
    viewer = viewer_gate()
    if viewer is None:
        st.stop()
    return viewer
