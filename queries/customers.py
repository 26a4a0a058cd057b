"""One customer: profile, timeline, talking points, identity, possible duplicates; and search across them all.
Every function that returns a customer's data takes the viewer, checks their role and masks what it must."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import pandas as pd

from models.talking_points import TIMELINE_COLUMNS, TalkingPoint, talking_points
from queries import served
from queries.access import Refused, Viewer
from queries.audit import record, record_profile_open
from queries.connection import cursor
from queries.fuzzy import FUZZY_SIMILARITY
from queries.masking import (
    OWN_FIELDS,
    initials,
    mask_email,
    mask_frame,
    mask_phone,
    mask_profile,
    mask_rows,
    own_pattern,
)
from queries.results import Rows, fetch_rows, json_row, json_rows
from store import Connection, db_path
from store.documents import Documents, documents_of

# the columns customer_timeline.sql packs into `packed`, in its order: all but the first three
PACKED_COLUMNS = TIMELINE_COLUMNS[3:]
# the history talking points look at: the rules are about open tickets and the last months, and the profile
# already sums up the years before; 200 events are one read for the page and the points alike
TALKING_POINT_EVENTS = 200
CUSTOMER_PAGES = ("customer", "meeting_prep")  # the pages that show one customer
MIN_REASON = 5  # characters: "ticket 4411", "caller verification", not "x"


def resolve_customer_id(customer_id: int | str | None, con: Connection | None = None) -> int | None:
    """The current id for an id from a link or bookmark (merged profiles redirect), or None if unknown."""
    try:
        requested = int(str(customer_id).strip())
    except (TypeError, ValueError):
        return None
    row = cursor(con).execute("select customer_id from customer_id_lookup where requested_id = ?",
                              [requested]).fetchone()
    return row[0] if row else None


def profile(customer_id: int, viewer: Viewer, con: Connection | None = None) -> dict[str, Any] | None:
    """The customer's profile as the viewer may see it, or None."""
    viewer.require_page(*CUSTOMER_PAGES)
    found = load_profile(customer_id, con)
    return None if found is None else mask_profile(found, viewer.masked)


def app_documents(con: Connection | None) -> Documents | None:
    """The app store's point-read documents, for a read on the app's connection (`con` None); a caller with its own
    connection reads DuckDB (or passes the documents it wants read)."""
    return documents_of(db_path()) if con is None else None


def load_profile(customer_id: int, con: Connection | None = None) -> dict[str, Any] | None:
    """The customer's profile row as a dict of plain Python values (None where unknown), or None; unmasked.
    Read from its card, as load_context reads it: one block instead of one per profile column."""
    documents = app_documents(con)
    con = cursor(con)
    if (found := served.served(documents, con)) is not None:
        answer = served.profile(found, customer_id)
        if answer is not served.FALLBACK:
            return answer
    row = con.execute("select card from customer_cards where customer_id = ?", [customer_id]).fetchone()
    return None if row is None else json_row(row[0], profile_types(con))


def profile_types(con: Connection) -> dict[str, str]:
    """customer_profiles' columns and their DuckDB types, in order."""
    return column_types(con, "customer_profiles")


_column_types: dict[str, dict[str, str]] = {}


def column_types(con: Connection, table: str) -> dict[str, str]:
    """A mart's columns and their DuckDB types, in order: the models' SQL fixes them, and a store built by another
    version of Rapport is rebuilt before it is read, so one look per process is enough."""
    if table not in _column_types:
        # built whole, then published: a session thread never sees a half-filled map
        _column_types[table] = {r[0]: r[1] for r in con.execute(f"describe {table}").fetchall()}
    return _column_types[table]


# staff notes and hand-offs are made between builds: they join the built timeline when it is read
LIVE_EVENTS = """
    select 'handoff:' || h.post_key as event_id, s.customer_id, h.created_at as occurred_at, 'handoff' as kind,
           'social' as channel, 'Handed off to ' || h.team || ' by ' || h.created_by as title, h.note as body,
           null::double as amount, null::double as sentiment, 'rapport' as source, h.post_key as source_id,
           null as url, h.post_key as ref_id, 'open' as status, 'agent' as author_type, false as is_public,
           null as network, null as in_reply_to, null as category, null as product, null as satisfaction,
           null as currency
    from handoffs h join customer_sources s on s.record_key = h.post_key
    union all
    select 'note:' || n.note_id, s.customer_id, n.created_at, 'note', 'internal',
           'Note by ' || n.created_by, n.body, null, null, 'rapport', n.post_key, null, n.post_key, null,
           'agent', false, null, null, null, null, null, null
    from inbox_notes n join customer_sources s on s.record_key = n.post_key
"""
PACKED_LIVE_EVENTS = f"select *, json_array({', '.join(PACKED_COLUMNS)}) as packed from ({LIVE_EVENTS})"


def timeline(customer_id: int, viewer: Viewer, **filters) -> pd.DataFrame:
    """The customer's events as the viewer may see them, newest first (filters: see load_timeline)."""
    viewer.require_page(*CUSTOMER_PAGES)
    own = own_pattern(load_profile(customer_id), viewer.masked) if viewer.masked & OWN_FIELDS else None
    return mask_frame(load_timeline(customer_id, **filters), viewer.masked, own=own)


def load_timeline(customer_id: int, **filters) -> pd.DataFrame:
    """The customer's events, newest first, filtered by kind, channel and date range, one page at a time (filters:
    see timeline_rows)."""
    return timeline_rows(customer_id, **filters).frame()


def timeline_rows(customer_id: int, *, kinds: list[str] | None = None, channels: list[str] | None = None,
                  start: datetime | None = None, end: datetime | None = None, limit: int = 50, offset: int = 0,
                  live: bool | None = None, con: Connection | None = None) -> Rows:
    """load_timeline's rows as fetched; `live`: whether the store has notes or hand-offs, if already known."""
    con = cursor(con)
    used, where = timeline_filters(kinds, channels, start, end)
    # the live part costs a third of a profile read; most stores have no notes or hand-offs to add
    live = has_live_events(con) if live is None else live
    # the events come packed (see customer_timeline.sql) with only the columns the filters need beside them
    filtered = [column for column, name in (("kind", "kinds"), ("channel", "channels")) if name in used]
    columns = ", ".join(["event_id", "occurred_at", "packed", *filtered])
    live_part = f"union all select {columns} from ({PACKED_LIVE_EVENTS}) where customer_id = $id" if live else ""
    # sorted in full and cut here, not with LIMIT: a top-n sort makes DuckDB scan the customer's row group instead
    # of looking the customer up (at 1M customers 200 events take ~2 ms less), and only the rows kept are unpacked
    result = con.execute(f"""
        select event_id, occurred_at, packed from (
            select {columns} from customer_timeline where customer_id = $id
            {live_part}
        )
        where true{where}
        order by occurred_at desc, event_id
    """, {"id": customer_id, **used})
    return unpack_events(customer_id, fetch_rows(result, limit=offset + limit).rows[offset:], con)


def unpack_events(customer_id: int, rows: list[tuple], con: Connection) -> Rows:
    """(event_id, occurred_at, packed) rows of one customer as rows of all TIMELINE_COLUMNS."""
    types = column_types(con, "customer_timeline")
    packed = json_rows((row[2] for row in rows), [types[column] for column in PACKED_COLUMNS])
    events = [(event_id, customer_id, occurred_at, *values)
              for (event_id, occurred_at, _), values in zip(rows, packed, strict=True)]
    return Rows(TIMELINE_COLUMNS, tuple(types[column] for column in TIMELINE_COLUMNS), events)


TIMELINE_CONDITIONS = {"kinds": "kind in (select unnest($kinds))", "channels": "channel in (select unnest($channels))",
                       "start": "occurred_at >= $start", "end": "occurred_at < $end"}


def timeline_filters(kinds: list[str] | None, channels: list[str] | None, start: datetime | None,
                     end: datetime | None) -> tuple[dict[str, Any], str]:
    """The timeline filters asked for, as parameters and the SQL conditions (" and ...") that apply them.

    Only the filters asked for go into the SQL: "$x is null or ..." for each unused one costs a third of a read."""
    wanted = {"kinds": kinds or None, "channels": channels or None, "start": start, "end": end}
    used = {name: value for name, value in wanted.items() if value is not None}
    return used, "".join(f" and {TIMELINE_CONDITIONS[name]}" for name in used)


HAS_LIVE_EVENTS = "select exists (select 1 from handoffs) or exists (select 1 from inbox_notes)"


def has_live_events(con: Connection) -> bool:
    return con.execute(HAS_LIVE_EVENTS).fetchall()[0][0]


def timeline_size(customer_id: int, *, kinds: list[str] | None = None, channels: list[str] | None = None,
                  start: datetime | None = None, end: datetime | None = None, con: Connection | None = None) -> int:
    """How many of the customer's events the filters select (all of them, with none): what the pages count."""
    used, where = timeline_filters(kinds, channels, start, end)
    return cursor(con).execute(f"""select (select count(*) from customer_timeline where customer_id = $id{where})
                                          + (select count(*) from ({LIVE_EVENTS}) where customer_id = $id{where})""",
                               {"id": customer_id, **used}).fetchall()[0][0]


def points(customer_id: int, viewer: Viewer, now: datetime | None = None,
           con: Connection | None = None) -> list[TalkingPoint]:
    """Talking points for the customer, ordered for the viewer's role."""
    viewer.require_page(*CUSTOMER_PAGES)
    found = load_context(customer_id, viewer.talking_point_role, now, masked=viewer.masked, con=con,
                         documents=app_documents(con))
    return found.points if found else []


@dataclass(frozen=True)
class CustomerContext:
    """Everything a person needs before talking to a customer, fetched together."""

    profile: dict[str, Any]
    events: Rows  # the newest events, newest first
    points: list[TalkingPoint]

    @cached_property
    def timeline(self) -> pd.DataFrame:
        """The events as a frame, built when first asked for: `points()` and the talking points never need one."""
        return self.events.frame()


def context(customer_id: int, viewer: Viewer, *, page: str = "customer", now: datetime | None = None,
            events: int = 200, con: Connection | None = None,
            documents: Documents | None = None) -> CustomerContext | None:
    """What the viewer may see of the customer — profile, newest events, talking points — and the opening
    recorded in the view audit (`documents`: see load_context; the app's own when `con` is None)."""
    viewer.require_page(page)
    documents = documents or app_documents(con)
    con = cursor(con)
    found = load_context(customer_id, viewer.talking_point_role, now, events, masked=viewer.masked, con=con,
                         documents=documents)
    if found is not None:
        record_profile_open(viewer, customer_id, page, con)
    return found


def load_context(customer_id: int, role: str = "anyone", now: datetime | None = None, events: int = 200, *,
                 masked: frozenset[str] = frozenset(), con: Connection | None = None,
                 documents: Documents | None = None) -> CustomerContext | None:
    """Profile, the newest `events` timeline events and the talking points, on one cursor, with `masked` fields
    hidden before the talking points are written (so no sentence can quote them). With `documents`, the build's
    point-read documents answer when they can (queries.served), DuckDB otherwise: the same answer either way."""
    con = cursor(con)
    read = read_customer(customer_id, max(events, TALKING_POINT_EVENTS), con, documents)
    if read is None:
        return None
    profile, rows, top_decile = read
    own = own_pattern(profile, masked)  # read before the profile is masked
    profile = mask_profile(profile, masked) if masked else profile
    history = mask_rows(rows, masked, own)
    # the talking points read the rows as they are; the page gets them as a frame
    said = talking_points(profile, history.records(), role, now or datetime.now(UTC).replace(tzinfo=None),
                          ltv_top_decile=top_decile)
    return CustomerContext(profile, history.head(events), said)


def read_customer(customer_id: int, events: int, con: Connection,
                  documents: Documents | None) -> tuple[dict[str, Any], Rows, float | None] | None:
    """(profile, newest `events` events, the store's top-decile lifetime value), or None for no such customer: from
    the documents when they can say, else from DuckDB."""
    if (found := served.served(documents, con)) is not None:
        answer = served.customer(found, customer_id, TIMELINE_COLUMNS, events)
        if answer is not served.FALLBACK:
            return answer
    row = con.execute("select card, ltv_top_decile from customer_cards where customer_id = ?",
                      [customer_id]).fetchone()
    if row is None:
        return None
    card, top_decile = row
    profile = json_row(card, profile_types(con))
    # notes and hand-offs hang on the customer's social posts: most customers have none, and the check costs them
    # a millisecond, a third of their profile read
    live = bool(profile["post_count"]) and has_live_events(con)
    return profile, timeline_rows(customer_id, limit=events, live=live, con=con), top_decile


def identity(customer_id: int, viewer: Viewer, con: Connection | None = None) -> pd.DataFrame:
    """The source records that make up the profile, and how each was linked: for those who merge and split."""
    viewer.require("merge_split")
    return mask_frame(load_identity(customer_id, con), viewer.masked)


def load_identity(customer_id: int, con: Connection | None = None) -> pd.DataFrame:
    return cursor(con).execute("""
        select kind, source, source_id, record_key, link_method, evidence
        from customer_sources where customer_id = ?
        order by kind, source, source_id
    """, [customer_id]).df()


def possible_duplicates(viewer: Viewer, customer_id: int | None = None,
                        con: Connection | None = None) -> pd.DataFrame:
    """Profiles splink finds alike but not sure enough to merge, with the probability and the reasons."""
    viewer.require("merge_split")
    return mask_frame(cursor(con).execute("""
        select d.customer_id, a.display_name, d.other_customer_id, b.display_name as other_display_name,
               d.match_probability, d.reasons
        from possible_duplicates d
        join customer_profiles a on a.customer_id = d.customer_id
        join customer_profiles b on b.customer_id = d.other_customer_id
        where $customer_id is null or $customer_id in (d.customer_id, d.other_customer_id)
        order by d.match_probability desc
    """, {"customer_id": customer_id}).df(), viewer.masked, text_columns=("reasons",))


HIGHEST = chr(0x10FFFF)  # sorts after every character: [q, q + HIGHEST) is every term starting with q


# a role that sees a field masked may find a customer by that field's whole value only: a prefix or a typo match
# would let it recover a masked email or phone one character at a time
SEARCHABLE_MASKED = {"email": "email", "phone": "phone", "name": "name"}
MASKED_SEARCHES_PER_MINUTE = 30
_recent_searches: dict[tuple[str, str], deque] = {}
_searches_lock = threading.Lock()


def search(text: str, viewer: Viewer, limit: int = 20, con: Connection | None = None,
           now: float | None = None, documents: Documents | None = None) -> pd.DataFrame:
    """Search (see find_customers) with the hits shown as the viewer may see them. For a role with masked fields,
    those fields match whole values only, and its searches are counted (refused past a rate) and audited."""
    viewer.require_page(*CUSTOMER_PAGES)
    exact_only = [field for mask, field in SEARCHABLE_MASKED.items() if mask in viewer.masked]
    if exact_only:
        count_masked_search(viewer, time.monotonic() if now is None else now)
        record(viewer, "search", "search", "customers", con, text=" ".join(text.split())[:200])
    found = find_customers(text, limit, con, exact_only=exact_only, documents=documents)
    if not viewer.masked or found.empty:
        return found
    shown = mask_frame(found, viewer.masked)
    shown["term"] = [mask_term(field, term, viewer.masked) for field, term in zip(found["field"], found["term"],
                                                                                    strict=True)]
    return shown


def forget_searches() -> None:
    """Forget the searches counted so far (a new store, a test)."""
    with _searches_lock:
        _recent_searches.clear()


def count_masked_search(viewer: Viewer, now: float) -> None:
    """Refuse a person's search past MASKED_SEARCHES_PER_MINUTE in any minute (per person, across sessions)."""
    with _searches_lock:
        recent = _recent_searches.setdefault((viewer.actor, viewer.role.name), deque())
        while recent and now - recent[0] >= 60:
            recent.popleft()
        if len(recent) >= MASKED_SEARCHES_PER_MINUTE:
            raise Refused(f"Too many searches in a minute for the {viewer.role.label} role "
                          f"({MASKED_SEARCHES_PER_MINUTE}); wait a moment and search again.")
        recent.append(now)


def mask_term(field: str, term: str, masked: frozenset[str]) -> str:
    """The matched search term as the viewer may see it: a masked field's term is masked like the field."""
    if field == "email" and "email" in masked:
        return mask_email(term)
    if field == "phone" and "phone" in masked:
        return mask_phone(term)
    if field == "name" and "name" in masked:
        return initials(term)
    return term


def find_customers(text: str, limit: int = 20, con: Connection | None = None,
                   exact_only: list[str] | None = None, documents: Documents | None = None) -> pd.DataFrame:
    """Customers matching a name or name word, email, phone, handle, order or ticket number; exact hits first,
    then prefixes, then names and handles within a typo or two.

    customer_search is sorted by term, so every branch below is a range of it: exact and prefix hits read
    only the terms starting with the query, and the typo-tolerant branch only those sharing its first letter
    (a typo in the very first letter is the one it does not forgive). Text that looks like a phone number is
    looked up by its last nine digits and also as typed: a long order or ticket number looks like a phone too.
    A leading '#' or '@' is dropped ('#4607' is order 4607, '@ana' the handle ana). Fields in `exact_only` match
    whole values only.
    """
    query = " ".join(text.strip().lower().lstrip("@#").split())
    if len(query) < 2:
        return pd.DataFrame(columns=["customer_id", "display_name", "field", "term", "rank", "similarity"])
    digits = re.sub(r"\D", "", query)
    looks_like_phone = len(digits) >= 6 and len(digits) >= len(query.replace(" ", "")) - 4
    probe = digits[-9:] if looks_like_phone else query
    documents = app_documents(con) if documents is None else documents
    con = cursor(con)
    if (found := served.served(documents, con)) is not None:
        return served.search(found, con, query, probe, limit, exact_only or [])
    return con.execute("""
        with prefix_hits as (
            select customer_id, field, term, lifetime_value, case when term = $probe then 0 else 1 end as rank,
                   jaro_winkler_similarity(term, $probe) as similarity
            from customer_search
            where term >= $probe and term < $probe || $highest
            union all
            -- the text as typed, when the probe was its phone digits: an order or ticket number of six digits
            select customer_id, field, term, lifetime_value, case when term = $q then 0 else 1 end,
                   jaro_winkler_similarity(term, $q)
            from customer_search
            where $probe <> $q and term >= $q and term < $q || $highest
        ),
        typo_hits as (
            select customer_id, field, term, lifetime_value, 2 as rank,
                   jaro_winkler_similarity(term, $q) as similarity
            from customer_search
            where term >= left($q, 1) and term < left($q, 1) || $highest
              and field in ('name', 'handle') and abs(length(term) - length($q)) <= 2
              and jaro_winkler_similarity(term, $q) >= $fuzzy
        ),
        hits as (select * from (select * from prefix_hits union all select * from typo_hits)
                 where rank = 0 or field not in (select unnest($exact_only))),
        best as (
            -- field and term break ties, so the hit shown is the same on every run and engine
            select customer_id, arg_min(field, (rank, -similarity, field, term)) as field,
                   arg_min(term, (rank, -similarity, field, term)) as term, min(rank) as rank,
                   max(similarity) as similarity,
                   max(lifetime_value) as lifetime_value
            from hits group by customer_id
            order by rank, similarity desc, lifetime_value desc, customer_id
            limit $limit
        )
        -- names only for the hits kept: joining every profile first costs more than the search itself
        select b.customer_id, p.display_name, b.field, b.term, b.rank, b.similarity
        from best b join customer_profiles p using (customer_id)
        order by b.rank, b.similarity desc, b.lifetime_value desc, b.customer_id
    """, {"q": query, "probe": probe, "highest": HIGHEST, "fuzzy": FUZZY_SIMILARITY, "limit": limit,
          "exact_only": exact_only or []}).df()


# ---------------------------------------------------------------- contact details and reveals


def contact_points(customer_id: int, viewer: Viewer, con: Connection | None = None) -> pd.DataFrame:
    """Each email, phone, handle, the address and birth date, with the sources whose records carry it; masked
    values stay masked (see reveal)."""
    viewer.require_page(*CUSTOMER_PAGES)
    found = load_profile(customer_id, con)
    if found is None:
        return pd.DataFrame(columns=["Contact", "Value", "Seen in", "field"])
    held = record_details(customer_id, con)
    shown = mask_profile(found, viewer.masked)
    # (label, field, what the records must carry, what the viewer sees)
    rows = [("Email", "email", f"email:{real}", seen) for real, seen in zip(found["emails"] or [],
                                                                           shown["emails"] or [], strict=True)]
    rows += [("Phone", "phone", f"phone:{real}", seen) for real, seen in zip(found["phones"] or [],
                                                                            shown["phones"] or [], strict=True)]
    rows += [("Handle", "handle", f"handle:{h}", h.replace(":", " @", 1)) for h in found["handles"] or []]
    if found.get("street") or found.get("postcode"):
        rows.append(("Address", "street", None, address(shown) if shown.get("street") else "hidden"))
    if found.get("birth_date"):
        rows.append(("Birth date", "birth_date", None,
                     str(shown["birth_date"]) if shown.get("birth_date") else "hidden"))
    return pd.DataFrame([(label, value, seen_in(held, holders(held, field, key, found)), field)
                         for label, field, key, value in rows], columns=["Contact", "Value", "Seen in", "field"])


def address(profile: dict) -> str:
    return ", ".join(str(part) for part in (profile.get("street"), profile.get("postcode"), profile.get("city"))
                     if part)


def record_details(customer_id: int, con: Connection | None = None) -> pd.DataFrame:
    """Per source record of the customer: its source, the keys it carries, and its street, postcode and birth date
    as identity staged them (street lower-cased, postcode upper-cased without spaces)."""
    return cursor(con).execute("""
        select r.source, r.keys, r.street, r.postcode, r.birth_date
        from identity_records r
        where r.record_key in (select record_key from customer_sources where customer_id = $id)
    """, {"id": customer_id}).df()


def holders(records: pd.DataFrame, field: str, key: str | None, profile: dict) -> pd.Series:
    """Whether each record carries the profile's value of `field` (`key`: the identity key of an email, phone or
    handle). An address is carried by a record with the same street, or without a street on file the same
    postcode: a record that only shares the city does not hold it."""
    if records.empty:
        return pd.Series(dtype=bool)
    if field == "street":
        if profile.get("street"):
            return records["street"].eq(str(profile["street"]).lower())
        return records["postcode"].eq(profile.get("postcode"))
    if field == "birth_date":
        return pd.to_datetime(records["birth_date"]).eq(pd.Timestamp(profile["birth_date"]))
    return records["keys"].map(lambda keys: key in list(keys if keys is not None else []))


def seen_in(records: pd.DataFrame, carried: pd.Series) -> str:
    """The sources, in order, of the records `carried` marks."""
    if records.empty:
        return ""
    return ", ".join(sorted(set(records.loc[carried.astype(bool), "source"])))


def reveal(customer_id: int, field: str, reason: str, viewer: Viewer, con: Connection | None = None) -> str:
    """One masked field of one customer, shown to a viewer whose role may reveal it, for a reason that goes to the
    view audit with who and when."""
    viewer.require_page(*CUSTOMER_PAGES)
    if field not in viewer.role.may_reveal:
        raise Refused(f"The {viewer.role.label} role may not reveal {field.replace('_', ' ')}.")
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON:
        raise ValueError("Say why you need to see it (a ticket number or the purpose): it is recorded.")
    found = load_profile(customer_id, con)
    if found is None:
        raise LookupError(f"There is no customer {customer_id}.")
    record(viewer, "reveal", "customer", customer_id, con, field=field, reason=reason)
    return revealed_value(found, field)


def revealed_value(profile: dict, field: str) -> str:
    if field == "name":
        return str(profile.get("display_name") or "")
    if field in ("email", "phone"):
        return ", ".join(profile.get(f"{field}s") or []) or "none on file"
    if field == "street":
        return address(profile) or "none on file"
    return str(profile.get("birth_date") or "none on file")
