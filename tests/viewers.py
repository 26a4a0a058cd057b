"""Viewers for tests: a person in one of the shipped roles file's roles, and one allowed everything."""

from __future__ import annotations

from queries.access import Viewer, full_access, load_policy, viewer_for
from store import PROJECT_ROOT

SHIPPED_POLICY = load_policy(PROJECT_ROOT / "config" / "roles.toml")
ADMIN = full_access("tester")


def as_role(role: str, actor: str = "tester@fernwood.example", session: str = "") -> Viewer:
    """The shipped roles file's `role`, for a person who has it."""
    viewer = viewer_for(SHIPPED_POLICY, actor=actor, signed_in=False, chosen_role=role, session=session)
    assert viewer is not None and viewer.role.name == role, role
    return viewer
