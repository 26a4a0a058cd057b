"""Viewers for tests: a person in one of the shipped roles file's roles, one allowed everything, and the app as
a person sees it through AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from queries.access import Viewer, full_access, load_policy, viewer_for
from store import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")
SHIPPED_POLICY = load_policy(PROJECT_ROOT / "config" / "roles.toml")
ADMIN = full_access("tester")


def crashed(at: AppTest) -> list[str]:
    """What went wrong in the run: an exception Streamlit caught, or one app.py's page wrapper turned into an error
    id (components/errors.py; its traceback is in the log). Empty when the run went through."""
    wrapped = [e.value for e in at.error if e.value.startswith("Something went wrong (error ")]
    return [str(e.value) for e in at.exception] + wrapped


def as_role(role: str, actor: str = "tester@fernwood.example", session: str = "") -> Viewer:
    """The shipped roles file's `role`, for a person who has it."""
    viewer = viewer_for(SHIPPED_POLICY, actor=actor, signed_in=False, chosen_role=role, session=session)
    assert viewer is not None and viewer.role.name == role, role
    return viewer


def open_app(page: str | None = None, role: str | None = None, *, secrets: dict | None = None,
             user: dict | None = None, **query) -> AppTest:
    """The app run once (with `secrets`, as `user`, in `role` if given), then switched to `page` with the same
    query parameters; it must not raise."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    if role:
        at.session_state["role_name"] = role
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
    assert not crashed(at), crashed(at)
    return at
