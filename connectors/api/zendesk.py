"""Zendesk Support: tickets from the incremental cursor export, with their requesters (sideloaded users) and their
comments; the cursor is the export's own `after_cursor`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from connectors.api.base import Page, Related, Setting, SourcesError, Stream
from connectors.api.http import ApiError, Auth, Http, basic, bearer

EXPORT_PATH = "/api/v2/incremental/tickets/cursor.json"
COMMENTS_PATH = "/api/v2/tickets/{id}/comments.json"
SETTINGS = {
    "base_url": Setting("text", required=True, help="your Zendesk address, e.g. https://yourcompany.zendesk.com"),
    "token_env": Setting("text", required=True, help="the environment variable holding the API or OAuth token"),
    "email_env": Setting("text", help="the variable holding the agent email an API token belongs to; without it "
                                      "the token is sent as an OAuth bearer token"),
    "start_time": Setting("text", default="1970-01-01", help="where the first sync starts: a date or Unix time"),
    "per_page": Setting("integer", default=1000, help="tickets per export page, at most 1000"),
    "comments": Setting("boolean", default=True, help="also fetch the comments of every changed ticket"),
}


def check(settings: dict, where: str) -> dict:
    try:
        start_seconds(settings["start_time"])
    except ValueError:
        raise SourcesError(f"{where}: setting 'start_time' must be a date (2024-01-31) or Unix time, "
                           f"not {settings['start_time']!r}") from None
    if not 1 <= settings["per_page"] <= 1000:
        raise SourcesError(f"{where}: setting 'per_page' must be between 1 and 1000")
    return settings


def auth(settings: dict) -> Auth:
    if settings["email_env"]:
        return basic(settings["email_env"], settings["token_env"], user_suffix="/token")
    return bearer(settings["token_env"])


def base_url(settings: dict) -> str:
    return settings["base_url"]


def streams(source, http: Http) -> list[Stream]:
    return [Tickets(source, http)]


def start_seconds(value: str) -> int:
    if value.strip().isdigit():
        return int(value)
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


class Tickets(Stream):
    """Tickets changed since the cursor; each page also carries its requesters and the tickets' comments."""

    name = "tickets"
    kind = "tickets"
    mapping = "zendesk_api_tickets"
    cursor_field = None  # the export's opaque after_cursor
    related = (Related("requesters", "customers", "zendesk_users"),
               Related("comments", "ticket_comments", "zendesk_ticket_comments"))

    def pages(self, since: str | None) -> Iterator[Page]:
        start = {"cursor": since} if since else {"start_time": start_seconds(self.settings["start_time"])}
        params = {**start, "include": "users", "per_page": self.settings["per_page"]}
        while True:
            body = self.http.json(EXPORT_PATH, params)
            tickets = body.get("tickets") or []
            users = {u.get("id"): u for u in body.get("users") or [] if isinstance(u, dict)}
            after = body.get("after_cursor")
            yield Page(records=[with_requester(t, users) for t in tickets], next_cursor=after,
                       related={"requesters": requesters(tickets, users), "comments": self.comments(tickets, users)})
            if body.get("end_of_stream") or not after:
                return
            if after == params.get("cursor"):
                raise ApiError(f"{self.source.name}: the export's after_cursor did not move; stopping")
            params = {"cursor": after, "include": "users", "per_page": self.settings["per_page"]}

    def comments(self, tickets: list, users: dict) -> list[dict]:
        if not self.settings["comments"]:
            return []
        found = []
        for ticket in tickets:
            if isinstance(ticket, dict) and ticket.get("id") is not None and ticket.get("status") != "deleted":
                found.extend(self.ticket_comments(ticket, users))
        return found

    def ticket_comments(self, ticket: dict, users: dict) -> list[dict]:
        """A ticket's comments, each with its ticket id and its author's role (`end-user`, `agent`, `admin`)."""
        url, params, found = COMMENTS_PATH.format(id=ticket["id"]), {"include": "users"}, []
        while url:
            try:
                body = self.http.json(url, params)
            except ApiError as exc:
                if exc.status == 404:  # deleted since the export listed it
                    return found
                raise
            known = {**users, **{u.get("id"): u for u in body.get("users") or [] if isinstance(u, dict)}}
            found.extend({**c, "ticket_id": ticket["id"], "author_role": author_role(c, ticket, known)}
                         if isinstance(c, dict) else c for c in body.get("comments") or [])
            url, params = body.get("next_page"), None
        return found


def with_requester(ticket, users: dict):
    """The ticket with its requester's name, email and phone, for tickets whose channel does not name them."""
    if not isinstance(ticket, dict) or ticket.get("requester_id") not in users:
        return ticket
    user = users[ticket["requester_id"]]
    return {**ticket, "requester": {k: user.get(k) for k in ("name", "email", "phone")}}


def requesters(tickets: list, users: dict) -> list[dict]:
    """The sideloaded users who asked these tickets (not the agents assigned to them)."""
    ids = dict.fromkeys(t.get("requester_id") for t in tickets if isinstance(t, dict))
    return [users[i] for i in ids if i in users]


def author_role(comment: dict, ticket: dict, users: dict) -> str:
    user = users.get(comment.get("author_id"))
    if user and user.get("role"):
        return user["role"]
    return "end-user" if comment.get("author_id") == ticket.get("requester_id") else "agent"
