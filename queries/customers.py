"""One customer: profile, timeline, talking points, identity, possible duplicates; and search across them all."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from models.talking_points import TalkingPoint, talking_points
from queries.connection import cursor
from store import Connection

TIMELINE_COLUMNS = """event_id, customer_id, occurred_at, kind, channel, title, body, amount, sentiment, source,
                      source_id, url, ref_id, status, author_type, is_public, network, in_reply_to, category, product,
                      satisfaction"""
# the history talking points look at: the rules are about open tickets and the last months, and the profile
# already sums up the years before; 200 events are one read for the page and the points alike
TALKING_POINT_EVENTS = 200


def resolve_customer_id(customer_id: int | str | None, con: Connection | None = None) -> int | None:
    """The current id for an id from a link or bookmark (merged profiles redirect), or None if unknown."""
    try:
        requested = int(str(customer_id).strip())
    except (TypeError, ValueError):
        return None
    row = cursor(con).execute("select customer_id from customer_id_lookup where requested_id = ?",
                              [requested]).fetchone()
    return row[0] if row else None


def profile(customer_id: int, con: Connection | None = None) -> dict[str, Any] | None:
    """The customer's profile row as a dict of plain Python values (None where unknown), or None."""
    found = cursor(con).execute("select * from customer_profiles where customer_id = ?", [customer_id])
    row = found.fetchone()
    return None if row is None else dict(zip([d[0] for d in found.description], row, strict=True))


# staff notes and hand-offs are made between builds: they join the built timeline when it is read
LIVE_EVENTS = """
    select 'handoff:' || h.post_key as event_id, s.customer_id, h.created_at as occurred_at, 'handoff' as kind,
           'social' as channel, 'Handed off to ' || h.team || ' by ' || h.created_by as title, h.note as body,
           null::double as amount, null::double as sentiment, 'rapport' as source, h.post_key as source_id,
           null as url, h.post_key as ref_id, 'open' as status, 'agent' as author_type, false as is_public,
           null as network, null as in_reply_to, null as category, null as product, null as satisfaction
    from handoffs h join customer_sources s on s.record_key = h.post_key
    union all
    select 'note:' || n.note_id, s.customer_id, n.created_at, 'note', 'internal',
           'Note by ' || n.created_by, n.body, null, null, 'rapport', n.post_key, null, n.post_key, null,
           'agent', false, null, null, null, null, null
    from inbox_notes n join customer_sources s on s.record_key = n.post_key
"""


def timeline(customer_id: int, *, kinds: list[str] | None = None, channels: list[str] | None = None,
             start: datetime | None = None, end: datetime | None = None, limit: int = 50, offset: int = 0,
             con: Connection | None = None) -> pd.DataFrame:
    """The customer's events, newest first, filtered by kind, channel and date range, one page at a time."""
    con = cursor(con)
    # only the filters asked for go into the SQL: "$x is null or ..." for each unused one costs a third of a read
    wanted = {"kinds": kinds or None, "channels": channels or None, "start": start, "end": end}
    conditions = {"kinds": "kind in (select unnest($kinds))", "channels": "channel in (select unnest($channels))",
                  "start": "occurred_at >= $start", "end": "occurred_at < $end"}
    used = {name: value for name, value in wanted.items() if value is not None}
    where = "".join(f" and {conditions[name]}" for name in used)
    # the live part costs a third of a profile read; most stores have no notes or hand-offs to add
    live = f"union all select * from ({LIVE_EVENTS}) where customer_id = $customer_id" if has_live_events(con) else ""
    return con.execute(f"""
        with events as (
            select {TIMELINE_COLUMNS} from customer_timeline where customer_id = $customer_id
            {live}
        )
        select * from events
        where true{where}
        order by occurred_at desc, event_id
        limit $limit offset $offset
    """, {"customer_id": customer_id, "limit": limit, "offset": offset, **used}).df()


def has_live_events(con: Connection) -> bool:
    return con.execute("select exists (select 1 from handoffs) or exists (select 1 from inbox_notes)").fetchall()[0][0]


def timeline_size(customer_id: int, con: Connection | None = None) -> int:
    return cursor(con).execute(f"""select (select count(*) from customer_timeline where customer_id = $id)
                                          + (select count(*) from ({LIVE_EVENTS}) where customer_id = $id)""",
                               {"id": customer_id}).fetchall()[0][0]


def points(customer_id: int, role: str = "anyone", now: datetime | None = None,
           con: Connection | None = None) -> list[TalkingPoint]:
    """Talking points for the customer, ordered for the role."""
    found = context(customer_id, role, now, con=con)
    return found.points if found else []


@dataclass(frozen=True)
class CustomerContext:
    """Everything a person needs before talking to a customer, fetched together."""

    profile: dict[str, Any]
    timeline: pd.DataFrame
    points: list[TalkingPoint]


def context(customer_id: int, role: str = "anyone", now: datetime | None = None, events: int = 200,
            con: Connection | None = None) -> CustomerContext | None:
    """Profile, the newest `events` timeline events and the talking points, on one cursor."""
    con = cursor(con)
    found = profile(customer_id, con)
    if found is None:
        return None
    history = timeline(customer_id, limit=max(events, TALKING_POINT_EVENTS), con=con)
    top_decile = con.execute("select ltv_top_decile from customer_stats").fetchone()[0]
    said = talking_points(found, history, role, now or datetime.now(UTC).replace(tzinfo=None),
                          ltv_top_decile=top_decile)
    return CustomerContext(found, history.head(events), said)


def identity(customer_id: int, con: Connection | None = None) -> pd.DataFrame:
    """The source records that make up the profile, and how each was linked."""
    return cursor(con).execute("""
        select kind, source, source_id, record_key, link_method, evidence
        from customer_sources where customer_id = ?
        order by kind, source, source_id
    """, [customer_id]).df()


def possible_duplicates(customer_id: int | None = None, con: Connection | None = None) -> pd.DataFrame:
    """Profiles splink finds alike but not sure enough to merge, with the probability and the reasons."""
    return cursor(con).execute("""
        select d.customer_id, a.display_name, d.other_customer_id, b.display_name as other_display_name,
               d.match_probability, d.reasons
        from possible_duplicates d
        join customer_profiles a on a.customer_id = d.customer_id
        join customer_profiles b on b.customer_id = d.other_customer_id
        where $customer_id is null or $customer_id in (d.customer_id, d.other_customer_id)
        order by d.match_probability desc
    """, {"customer_id": customer_id}).df()


FUZZY_SIMILARITY = 0.88  # Jaro-Winkler: one or two typos in a name still match; different names do not
HIGHEST = chr(0x10FFFF)  # sorts after every character: [q, q + HIGHEST) is every term starting with q


def search(text: str, limit: int = 20, con: Connection | None = None) -> pd.DataFrame:
    """Customers matching a name or name word, email, phone, handle, order or ticket number; exact hits first,
    then prefixes, then names and handles within a typo or two.

    customer_search is sorted by term, so every branch below is a range of it: exact and prefix hits read
    only the terms starting with the query, and the typo-tolerant branch only those sharing its first letter
    (a typo in the very first letter is the one it does not forgive).
    """
    query = " ".join(text.strip().lower().lstrip("@#").split())
    if len(query) < 2:
        return pd.DataFrame(columns=["customer_id", "display_name", "field", "term", "rank", "similarity"])
    digits = re.sub(r"\D", "", query)
    looks_like_phone = len(digits) >= 6 and len(digits) >= len(query.replace(" ", "")) - 4
    probe = digits[-9:] if looks_like_phone else query
    return cursor(con).execute("""
        with prefix_hits as (
            select customer_id, field, term, lifetime_value, case when term = $probe then 0 else 1 end as rank,
                   jaro_winkler_similarity(term, $probe) as similarity
            from customer_search
            where term >= $probe and term < $probe || $highest
        ),
        typo_hits as (
            select customer_id, field, term, lifetime_value, 2 as rank,
                   jaro_winkler_similarity(term, $q) as similarity
            from customer_search
            where term >= left($q, 1) and term < left($q, 1) || $highest
              and field in ('name', 'handle') and abs(length(term) - length($q)) <= 2
              and jaro_winkler_similarity(term, $q) >= $fuzzy
        ),
        hits as (select * from prefix_hits union all select * from typo_hits),
        best as (
            select customer_id, arg_min(field, (rank, -similarity)) as field,
                   arg_min(term, (rank, -similarity)) as term, min(rank) as rank, max(similarity) as similarity,
                   max(lifetime_value) as lifetime_value
            from hits group by customer_id
            order by rank, similarity desc, lifetime_value desc, customer_id
            limit $limit
        )
        -- names only for the hits kept: joining every profile first costs more than the search itself
        select b.customer_id, p.display_name, b.field, b.term, b.rank, b.similarity
        from best b join customer_profiles p using (customer_id)
        order by b.rank, b.similarity desc, b.lifetime_value desc, b.customer_id
    """, {"q": query, "probe": probe, "highest": HIGHEST, "fuzzy": FUZZY_SIMILARITY, "limit": limit}).df()
