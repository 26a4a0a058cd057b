"""Who may see and do what: the roles file (config/roles.toml, or RAPPORT_ROLES) read into a policy, and the viewer
every query function is given, so pages, deep links and tampered query parameters all meet the same checks."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from store import PROJECT_ROOT

PAGES = {"customer": "Customer", "meeting_prep": "Meeting prep", "social_inbox": "Social inbox", "ideas": "Ideas",
         "leadership": "Leadership", "data_sources": "Data sources", "privacy": "Privacy requests",
         "audit": "Audit log"}
ACTIONS = {"work_inbox": "work the social inbox and ideas", "merge_split": "merge and split profiles",
           "upload": "upload files", "sync": "sync API sources", "privacy": "export or erase a customer's data",
           "audit": "read the audit log"}
MASKABLE = {"name": "name", "email": "email addresses", "phone": "phone numbers", "street": "street address",
            "birth_date": "birth date"}
TALKING_POINT_ROLES = ("support", "sales", "leadership")  # the roles talking points are ordered for
ROLE_SETTINGS = {"label", "pages", "masked", "may_reveal", "actions"}


class AccessConfigError(ValueError):
    """The roles file cannot be used; the message names the file and the entry."""


class Refused(PermissionError):
    """The viewer's role may not see or do this; the message says what and which role."""


@dataclass(frozen=True)
class Role:
    """What one role may open, sees masked, may reveal and may do."""

    name: str
    label: str
    pages: frozenset[str]
    masked: frozenset[str]
    may_reveal: frozenset[str]
    actions: frozenset[str]


@dataclass(frozen=True)
class Policy:
    """The roles, in selector order, and the rules that give people roles."""

    roles: dict[str, Role]
    people: dict[str, tuple[str, ...]]
    domains: dict[str, tuple[str, ...]]
    groups: dict[str, tuple[str, ...]]
    group_claim: str = "groups"
    ask: str = "your Rapport administrator"
    # the issuers whose group claims count (empty: those of the providers in the secrets file)
    group_issuers: tuple[str, ...] = ()
    # roles by email or domain only for an address the provider says it verified (email_verified in the ID token)
    require_verified_email: bool = True

    def roles_for(self, email: str | None, groups: list[str] | tuple[str, ...] = ()) -> tuple[str, ...]:
        """Every role a person gets from their email, its domain and their groups, in selector order."""
        email = (email or "").strip().lower()
        found = set(self.people.get(email, ()))
        if "@" in email:
            found |= set(self.domains.get(email.rpartition("@")[2], ()))
        for group in groups or ():
            found |= set(self.groups.get(str(group), ()))
        return tuple(name for name in self.roles if name in found)


@dataclass(frozen=True)
class Viewer:
    """A person looking at Rapport in one of their roles. Query functions take one and check it."""

    actor: str
    roles: tuple[Role, ...]
    role: Role
    signed_in: bool = False
    session: str = ""
    subject: str = ""  # the identity provider's id of the person (its `sub` claim), which an email cannot fake

    def may_open(self, page: str) -> bool:
        return page in self.role.pages

    def require_page(self, *pages: str) -> None:
        """Refuse unless the active role may open one of `pages`."""
        if not any(self.may_open(page) for page in pages):
            names = " or ".join(PAGES.get(page, page) for page in pages)
            raise Refused(f"The {self.role.label} role may not open {names}.")

    def may(self, action: str) -> bool:
        return action in self.role.actions

    def require(self, action: str) -> None:
        if not self.may(action):
            raise Refused(f"The {self.role.label} role may not {ACTIONS.get(action, action)}.")

    @property
    def masked(self) -> frozenset[str]:
        return self.role.masked

    @property
    def talking_point_role(self) -> str:
        return self.role.name if self.role.name in TALKING_POINT_ROLES else "anyone"



def viewer_for(policy: Policy, *, actor: str, signed_in: bool, email: str | None = None,
               groups: list[str] | tuple[str, ...] = (), chosen_role: str | None = None,
               session: str = "", subject: str = "") -> Viewer | None:
    """The viewer for a person, in the chosen role if it is theirs (else their first); None when they have no
    role. Without sign-in there is one local user, who has every role and starts in the one that opens the most
    pages (the demo shows everything; the selector switches to a narrower role)."""
    names = policy.roles_for(email, groups) if signed_in else tuple(policy.roles)
    if not names:
        return None
    roles = tuple(policy.roles[name] for name in names)
    first = roles[0] if signed_in else max(roles, key=lambda r: (len(r.pages), len(r.actions)))
    role = next((r for r in roles if r.name == chosen_role), first)
    return Viewer(actor, roles, role, signed_in, session, subject)


def full_access(actor: str = "system") -> Viewer:
    """A viewer with every permission and nothing masked: for the command line and tests of what a page shows."""
    admin = Role("admin", "Admin", frozenset(PAGES), frozenset(), frozenset(), frozenset(ACTIONS))
    return Viewer(actor, (admin,), admin)


# ---------------------------------------------------------------- the roles file


def roles_path() -> Path:
    return Path(os.environ.get("RAPPORT_ROLES") or PROJECT_ROOT / "config" / "roles.toml")


_cache: dict[tuple[str, float], Policy] = {}


def current_policy() -> Policy:
    """The roles file as it is now: an edit takes effect on the next page run, no restart needed."""
    path = roles_path()
    try:
        stamp = (str(path), path.stat().st_mtime)
    except OSError as error:
        raise AccessConfigError(f"{path}: cannot read the roles file ({error.strerror})") from error
    if stamp not in _cache:
        _cache.clear()
        _cache[stamp] = load_policy(path)
    return _cache[stamp]


def load_policy(path: Path) -> Policy:
    """Read and check a roles file; every mistake is reported with the file and entry it is in."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AccessConfigError(f"{path}: {error}") from error
    roles_table = raw.get("roles")
    if not isinstance(roles_table, dict) or not roles_table:
        raise AccessConfigError(f"{path}: no [roles.<name>] tables; at least one role is needed")
    roles = {name: parse_role(path, name, settings) for name, settings in roles_table.items()}
    return Policy(roles=roles,
                  people={k.strip().lower(): v for k, v in grants(path, raw, "people", roles).items()},
                  domains={k.strip().lower().lstrip("@"): v for k, v in grants(path, raw, "domains", roles).items()},
                  groups=grants(path, raw, "groups", roles),
                  group_claim=str(raw.get("group_claim", "groups")),
                  ask=str(raw.get("ask", "your Rapport administrator")),
                  group_issuers=tuple(str(i).rstrip("/") for i in raw.get("group_issuers", [])),
                  require_verified_email=setting_flag(path, raw, "require_verified_email", True))


def setting_flag(path: Path, raw: dict, key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise AccessConfigError(f"{path}: {key} must be true or false")
    return value


def parse_role(path: Path, name: str, settings: object) -> Role:
    where = f"{path}: [roles.{name}]"
    if not isinstance(settings, dict):
        raise AccessConfigError(f"{where} must be a table")
    unknown = set(settings) - ROLE_SETTINGS
    if unknown:
        raise AccessConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; "
                                f"use {', '.join(sorted(ROLE_SETTINGS))}")
    pages = names_in(where, settings, "pages", PAGES)
    masked = names_in(where, settings, "masked", MASKABLE)
    may_reveal = names_in(where, settings, "may_reveal", MASKABLE)
    if not may_reveal <= masked:
        raise AccessConfigError(f"{where}: may_reveal lists {', '.join(sorted(may_reveal - masked))}, "
                                "which the role does not have masked")
    return Role(name, str(settings.get("label", name.replace("_", " ").capitalize())), pages, masked, may_reveal,
                names_in(where, settings, "actions", ACTIONS))


def names_in(where: str, settings: dict, key: str, allowed: dict) -> frozenset[str]:
    values = settings.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise AccessConfigError(f"{where}: {key} must be a list of names")
    unknown = set(values) - set(allowed)
    if unknown:
        raise AccessConfigError(f"{where}: {key} has unknown {', '.join(sorted(unknown))}; "
                                f"known: {', '.join(allowed)}")
    return frozenset(values)


def grants(path: Path, raw: dict, section: str, roles: dict[str, Role]) -> dict[str, tuple[str, ...]]:
    table = raw.get(section, {})
    if not isinstance(table, dict):
        raise AccessConfigError(f"{path}: [{section}] must be a table of name = [roles]")
    found = {}
    for key, names in table.items():
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise AccessConfigError(f"{path}: [{section}] {key!r} must be a list of role names")
        unknown = [n for n in names if n not in roles]
        if unknown:
            raise AccessConfigError(f"{path}: [{section}] {key!r} names unknown role(s) {', '.join(unknown)}; "
                                    f"roles: {', '.join(roles)}")
        found[key] = tuple(names)
    return found
