"""Who is using the dashboard, in which of their roles, kept in the Streamlit session."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from queries.access import Policy, Viewer, current_policy, viewer_for

ROLE_KEY = "role_name"
# the role travels in the address, so a link opened in a new tab (a new session) or a reload keeps it; the role in
# an address is only ever taken if it is one of the person's own (viewer_for), so a link can narrow, never widen
ROLE_PARAM = "role"


def sign_in_configured() -> bool:
    """Whether .streamlit/secrets.toml names an identity provider ([auth] with its settings)."""
    return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets


@dataclass(frozen=True)
class SignedInPerson:
    """What the identity provider said about the person, with only the claims Rapport may trust for roles."""

    actor: str
    email: str | None  # None unless the provider verified it (or the roles file says not to ask)
    groups: list[str]  # empty unless the token comes from a trusted issuer
    subject: str
    unverified_email: str | None = None


def claimed_true(value: object) -> bool:
    return value is True or str(value).strip().lower() == "true"


def trusted_issuers(policy: Policy) -> set[str]:
    """The roles file's group_issuers, else the issuer of every provider in the secrets file."""
    if policy.group_issuers:
        return set(policy.group_issuers)
    auth = st.secrets.get("auth", {})
    providers = [auth, *(value for value in auth.values() if isinstance(value, Mapping))]
    return {str(p["server_metadata_url"]).removesuffix("/.well-known/openid-configuration").rstrip("/")
            for p in providers if p.get("server_metadata_url")}


def signed_in_person(policy: Policy) -> SignedInPerson:
    """The signed-in person: an unverified email gives no roles (anyone can register any address with some
    providers), and group claims count only from the issuers the company trusts."""
    claims = st.user
    email = claims.get("email")
    verified = claimed_true(claims.get("email_verified")) or not policy.require_verified_email
    groups = claims.get(policy.group_claim) or []
    groups = [groups] if isinstance(groups, str) else list(groups)
    trusted = str(claims.get("iss") or "").rstrip("/") in trusted_issuers(policy)
    return SignedInPerson(actor=str(email or claims.get("name") or "signed-in user"),
                          email=email if verified else None, groups=[str(g) for g in groups] if trusted else [],
                          subject=str(claims.get("sub") or ""), unverified_email=None if verified else email)


def session_id() -> str:
    context = get_script_run_ctx()
    return context.session_id if context else ""


def chosen_role() -> str | None:
    """The role chosen in this session's selector; in a session's first run, the role its address carries."""
    return st.session_state.get(ROLE_KEY) or st.query_params.get(ROLE_PARAM)


def current_viewer(policy: Policy | None = None) -> Viewer | None:
    """The person and the role they chose (only ever one of their own); None for a signed-in person with no role.
    Without sign-in configured there is one local user with every role."""
    policy = policy or current_policy()
    if sign_in_configured():
        person = signed_in_person(policy)
        return viewer_for(policy, actor=person.actor, signed_in=True, email=person.email, groups=person.groups,
                          chosen_role=chosen_role(), session=session_id(), subject=person.subject)
    return viewer_for(policy, actor="local user", signed_in=False, chosen_role=chosen_role(), session=session_id())


def role_selector(viewer: Viewer) -> None:
    """The sidebar's role choice, offering the person's own roles and nothing else."""
    names = [role.name for role in viewer.roles]
    if st.session_state.get(ROLE_KEY) not in names:
        st.session_state[ROLE_KEY] = viewer.role.name
    labels = {role.name: role.label for role in viewer.roles}
    st.selectbox("Your role", names, key=ROLE_KEY, format_func=labels.get,
                 help="Decides what you see and may do, and orders the talking points.")
    st.query_params[ROLE_PARAM] = st.session_state[ROLE_KEY]


def role_query() -> dict[str, str]:
    """The address query that keeps this session's role."""
    role = st.session_state.get(ROLE_KEY)
    return {ROLE_PARAM: role} if role else {}


def profile_links(customer_ids: pd.Series) -> pd.Series:
    """Links to customers' profiles that open in the role of this session (a new tab is a new session); none for a
    row without a customer. Built column-wise: one urlencode per row cost a drill-down of thousands of rows a tenth of
    a second on every rerun."""
    role = urlencode(role_query())
    ids = pd.to_numeric(customer_ids, errors="coerce").astype("Int64").astype("string")
    links = "./?customer=" + ids + (f"&{role}" if role else "")
    return links.astype(object).where(links.notna(), None)


def leave_customer() -> None:
    """Drop the customer from the address, keeping the role."""
    if "customer" in st.query_params:
        del st.query_params["customer"]


def open_customer(customer_id: int, page: str = "pages/customer.py") -> None:
    """Go to a customer's profile (a deep link others can share)."""
    st.query_params["customer"] = str(customer_id)
    st.switch_page(page, query_params={"customer": str(customer_id), **role_query()})
