"""Mastodon: statuses with the company's hashtags and statuses mentioning its account, as plain-text social posts;
each stream's cursor is the newest id stored, and pages run forward from it (`min_id`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

from connectors.api.base import Page, Setting, SourcesError, Stream, latest
from connectors.api.http import ApiError, Auth, Http, bearer

SETTINGS = {
    "base_url": Setting("text", required=True, help="the instance, e.g. https://mastodon.social"),
    "account": Setting("text", required=True, help="the company's own account (acct), e.g. fernwood or "
                                                   "fernwood@mastodon.social: its statuses are marked from_company"),
    "hashtags": Setting("texts", default=[], help="hashtags to follow, without '#'"),
    "mentions": Setting("boolean", default=False, help="statuses mentioning the account (needs token_env)"),
    "token_env": Setting("text", help="the variable holding the account's access token (read:notifications)"),
    "limit": Setting("integer", default=40, help="statuses per page (the API allows 40, notifications 80)"),
    "start_id": Setting("text", default="0", help="where the first sync starts: a status id; 0 for all the "
                                                  "instance holds"),
}
# the fields a post needs; the rest of a status (the author's HTML profile note among them) is not kept
STATUS_FIELDS = ("id", "created_at", "url", "uri", "in_reply_to_id", "spoiler_text", "language", "visibility",
                 "favourites_count", "reblogs_count", "replies_count")
ACCOUNT_FIELDS = ("id", "acct", "display_name", "url", "followers_count")


def check(settings: dict, where: str) -> dict:
    if not settings["hashtags"] and not settings["mentions"]:
        raise SourcesError(f"{where}: set 'hashtags' or 'mentions = true' (or both): there is nothing to sync")
    if settings["mentions"] and not settings["token_env"]:
        raise SourcesError(f"{where}: 'mentions' reads the account's notifications and needs 'token_env'")
    return settings


def auth(settings: dict) -> Auth | None:
    return bearer(settings["token_env"]) if settings["token_env"] else None


def base_url(settings: dict) -> str:
    return settings["base_url"]


def streams(source, http: Http) -> list[Stream]:
    found: list[Stream] = [Hashtag(source, http, tag.lstrip("#")) for tag in source.settings["hashtags"]]
    if source.settings["mentions"]:
        found.append(Mentions(source, http))
    return found


class Statuses(Stream):
    """Pages forward from the cursor with `min_id`: each answer holds the statuses right after it, so the newest
    id of a page is a safe point to resume from (`since_id` would answer the newest page first and skip the rest)."""

    kind = "social_posts"
    mapping = "mastodon_api_statuses"
    cursor_field = "id"
    path: str
    params: tuple = ()

    def pages(self, since: str | None) -> Iterator[Page]:
        cursor, limit = since or self.settings["start_id"], self.settings["limit"]
        while True:
            items = self.http.json(self.path, [*self.params, ("min_id", cursor), ("limit", limit)])
            if not isinstance(items, list):
                raise ApiError(f"{self.source.name}: GET {self.path} answered with something other than a list")
            if not items:
                return
            newest = latest((i.get("id") for i in items if isinstance(i, dict)), cursor)
            yield Page(records=[self.post(i) for i in items], next_cursor=newest)
            if len(items) < limit or newest == cursor:
                return
            cursor = newest

    def post(self, item):
        return post(item, self.settings["account"], urlsplit(self.settings["base_url"]).hostname or "")


class Hashtag(Statuses):
    def __init__(self, source, http: Http, tag: str):
        super().__init__(source, http)
        self.name, self.path = f"tag:{tag.lower()}", f"/api/v1/timelines/tag/{quote(tag, safe='')}"


class Mentions(Statuses):
    """The account's mention notifications; the cursor is the notification id."""

    name = "mentions"
    path = "/api/v1/notifications"
    params = (("types[]", "mention"),)

    def post(self, item):
        return super().post(item.get("status") if isinstance(item, dict) and item.get("status") else item)


def post(status, account: str, instance: str):
    """A status as the loader takes it: content as plain text, the author, and whether the company wrote it."""
    if not isinstance(status, dict):
        return status
    author = status.get("account") if isinstance(status.get("account"), dict) else {}
    return {**{k: status.get(k) for k in STATUS_FIELDS}, "content": html_to_text(status.get("content")),
            "account": {k: author.get(k) for k in ACCOUNT_FIELDS},
            "from_company": is_company(author.get("acct"), account, instance)}


def is_company(acct: str | None, account: str, instance: str) -> bool:
    """A local account's acct has no domain; the same account seen from elsewhere has one."""
    acct, account = (acct or "").lower().lstrip("@"), account.lower().lstrip("@")
    local = account.removesuffix(f"@{instance.lower()}")
    return bool(acct) and acct in (account, local)


class PlainText(HTMLParser):
    """Text of an HTML fragment: tags dropped, entities decoded, line and paragraph breaks kept."""

    BLOCKS = ("p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str | None) -> str | None:
    if html is None:
        return None
    parser = PlainText()
    parser.feed(str(html))
    parser.close()
    text = "\n".join(line.strip() for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", text).strip()
