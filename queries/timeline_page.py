"""One page of a customer's timeline for the customer page, answered from the build's point-read document when it
holds every event of the customer, else from DuckDB (queries.customers): the same answer either way, for one lookup
and a filter in Python instead of three DuckDB queries (the page, the count it selects, the count of all)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from models.talking_points import TIMELINE_COLUMNS
from queries import served
from queries.access import Viewer
from queries.connection import cursor
from queries.customers import CUSTOMER_PAGES, app_documents, timeline, timeline_size
from queries.masking import OWN_FIELDS, mask_frame, own_pattern
from queries.results import Rows


def timeline_page(customer_id: int, viewer: Viewer, *, limit: int, offset: int = 0,
                  **filters) -> tuple[pd.DataFrame, int, int]:
    """One page of the customer's timeline as the viewer may see it (filters: see timeline_rows), with how many
    events the filters select and how many the customer has. From the build's point-read document when it holds
    every event of the customer (fewer than it keeps; none live: a note or hand-off retires it), else from
    DuckDB; the same answer either way (one lookup and a filter in Python instead of three DuckDB queries)."""
    viewer.require_page(*CUSTOMER_PAGES)
    held = every_served_event(customer_id)
    if held is None:
        matching = timeline_size(customer_id, **filters)
        total = timeline_size(customer_id) if any(filters.values()) else matching
        return timeline(customer_id, viewer, **filters, limit=limit, offset=offset), matching, total
    profile, events = held
    selected = [row for row in events.rows if selects(row, events.columns, **filters)]
    page = Rows(events.columns, events.types, selected[offset:offset + limit])
    own = own_pattern(profile, viewer.masked) if viewer.masked & OWN_FIELDS else None
    return mask_frame(page.frame(), viewer.masked, own=own), len(selected), len(events.rows)


def every_served_event(customer_id: int) -> tuple[dict[str, Any], Rows] | None:
    """(unmasked profile, every event newest first) from the app's documents, or None when they cannot say all."""
    found = served.served(app_documents(None), cursor())
    if found is None:
        return None
    answer = served.customer(found, customer_id, TIMELINE_COLUMNS, found.meta.events_kept)
    if answer is None or answer is served.FALLBACK or len(answer[1].rows) >= found.meta.events_kept:
        return None  # unknown, live events, or perhaps only the newest of more
    return answer[0], answer[1]


def selects(row: tuple, columns: tuple[str, ...], *, kinds: list[str] | None = None,
            channels: list[str] | None = None, start: datetime | None = None, end: datetime | None = None) -> bool:
    """Whether the timeline filters select this event, as TIMELINE_CONDITIONS do in SQL (a missing channel is in
    no list)."""
    event = dict(zip(columns, row, strict=True))
    return ((not kinds or event["kind"] in kinds) and (not channels or event["channel"] in channels)
            and (start is None or event["occurred_at"] >= start) and (end is None or event["occurred_at"] < end))
