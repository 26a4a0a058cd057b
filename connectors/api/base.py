"""The stream contract of the API connectors (Singer/dlt style): what a stream declares and what it yields."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from connectors.api.http import Http
from connectors.mapping import Mapping

if TYPE_CHECKING:
    from connectors.api.sources import Source


class SourcesError(ValueError):
    """A sources file that cannot be used; the message names the file, the source and the setting."""


@dataclass(frozen=True)
class Setting:
    """One setting a connector reads from its source's table in sources.toml."""

    type: str  # text | number | integer | boolean | texts (a list of text) | table
    required: bool = False
    default: object = None
    help: str = ""


@dataclass
class Page:
    """One answer of an API, as the sync stores it in one transaction.

    `records` are of the stream's kind; `related` holds records of other kinds that came with them (Zendesk's
    sideloaded users, a ticket's comments), by the name of a `Related` the stream declares. `next_cursor` is where
    a later sync resumes once these records are stored, or None when this page is no safe point to resume from
    (the saved cursor then stays as it was).
    """

    records: list[dict]
    next_cursor: str | None = None
    related: dict[str, list[dict]] = field(default_factory=dict)
    # the answer as the API sent it, when `records` are exactly what it holds at the stream's `records_at` path:
    # handed to the loader as it is, which spares serialising the records again
    answer: str | None = None


@dataclass(frozen=True)
class Related:
    """Records of another kind that a stream's pages carry, and how to map them."""

    name: str
    kind: str
    mapping: str | Mapping


class Stream:
    """One incremental stream of one configured source.

    A stream declares what it loads: `name` (unique within its source; the key of its cursor), `kind` and
    `mapping` (a shipped mapping's name, or a Mapping), the records of other kinds its pages carry (`related`),
    and the record field its cursor follows (`cursor_field`; None when the API hands out an opaque cursor).
    `pages(since)` yields the records changed since the cursor `since` (None: from the configured start), page by
    page, oldest change first wherever the API allows, each with the cursor to resume after it. A stream whose
    records are exactly what the API sent sets `records_at` and hands each answer's text over with its page.

    A stream never writes: the sync loads each page through the loader and saves its `next_cursor` in the same
    transaction, so an interrupted sync resumes exactly after the last stored page.
    """

    name: str
    kind: str
    mapping: str | Mapping
    cursor_field: str | None = None
    related: tuple[Related, ...] = ()
    records_at: str | None = None  # the dotted path of the records in a page's `answer` ("" for the answer itself)

    def __init__(self, source: Source, http: Http):
        self.source, self.http = source, http
        self.settings = source.settings

    def pages(self, since: str | None) -> Iterator[Page]:
        raise NotImplementedError


def field_value(record: dict, dotted: str):
    """The value at a dotted path in a JSON record ("meta.updated_at"), or None."""
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def latest(values: Iterable, current: str | None = None) -> str | None:
    """The latest of some cursor values (and `current`): timestamps by time, whole numbers by size, else text."""
    candidates = [str(v) for v in values if v is not None and str(v) != ""]
    if current:
        candidates.append(current)
    return max(candidates, key=cursor_order) if candidates else None


def cursor_order(value: str) -> tuple:
    if value.lstrip("-").isdigit():
        return (0, int(value), "")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return (2, 0, value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (1, moment.timestamp(), "")
