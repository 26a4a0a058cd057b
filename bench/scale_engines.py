"""The engines the scale benchmark times on the same built store: Rapport itself (queries/ on DuckDB) and its two
baselines, the same marts in SQLite and in pandas, each answering context, search and leadership questions the way
Rapport's queries do, so their answers can be compared."""

from __future__ import annotations

import json
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import store
from bench.scale_data import NOW
from models.talking_points import TIMELINE_COLUMNS, talking_points
from queries import customers, leadership
from queries.access import MASKABLE, PAGES, Role, Viewer
from queries.fuzzy import FuzzyIndex, JaroWinkler
from store.documents import documents_of

ROLE = "support"
EVENTS = 200  # what the customer page shows
HISTORY = max(EVENTS, customers.TALKING_POINT_EVENTS)  # what context() reads for the talking points
TIMELINE = list(TIMELINE_COLUMNS)
NEGATIVE = -0.05  # leadership.weekly_sentiment's cut-off for a negative post
# the same talking-point role with every contact detail masked: the most masking work a context can cost
MASK_ALL = Role(ROLE, "Support agent", frozenset(PAGES), frozenset(MASKABLE), frozenset(), frozenset())
SEES_ALL = Role(ROLE, "Support agent", frozenset(PAGES), frozenset(), frozenset(), frozenset())
# the marts the baselines hold (columns: None for all), the same Rapport's queries read
MARTS = {"customer_profiles": None, "customer_timeline": TIMELINE, "customer_search": None, "customer_stats": None,
         "ticket_facts": ["channel", "first_response_minutes", "resolution_minutes"],
         "post_facts": ["occurred_at", "network", "sentiment"]}


# ---------------------------------------------------------------- search semantics shared by the baselines


def parse_query(text: str) -> tuple[str, str]:
    """The normalised query and the prefix probe (a phone's last nine digits), as queries.customers.search has them."""
    query = " ".join(text.strip().lower().lstrip("@#").split())
    digits = re.sub(r"\D", "", query)
    looks_like_phone = len(digits) >= 6 and len(digits) >= len(query.replace(" ", "")) - 4
    return query, digits[-9:] if looks_like_phone else query


def rank_hits(query: str, probe: str, prefixed: Iterable[tuple[str, list]], typos: Iterable[tuple[int, str, str]],
              profiles: Callable[[list[int]], dict[int, tuple[str, float]]], similarity: JaroWinkler,
              limit: int = 20) -> list[tuple]:
    """Rapport's ranking of (customer_id, field, term) hits — 0 exact, 1 prefix, 2 typo — by best rank, then
    similarity, then lifetime value, then id; each customer once."""
    # a prefix hit is scored against what its range started with: the probe, or the text as typed (see Sqlite.search)
    scored = [(cid, f, t, 0 if t == start else 1, similarity(t.encode(), start.encode()))
              for start, hits in prefixed for cid, f, t in hits]
    scored += [(cid, f, t, 2, similarity(t.encode(), query.encode())) for cid, f, t in typos]
    best: dict[int, list] = {}
    for customer_id, field_, term, rank, sim in scored:
        found = best.setdefault(customer_id, [(rank, -sim), field_, term, rank, sim])
        if (rank, -sim) < found[0]:
            found[:3] = [(rank, -sim), field_, term]
        found[3], found[4] = min(found[3], rank), max(found[4], sim)
    facts = profiles(list(best))
    ordered = sorted(best.items(), key=lambda kv: (kv[1][3], -kv[1][4], -facts[kv[0]][1], kv[0]))
    return [(cid, facts[cid][0], hit[1], hit[2], hit[3], hit[4]) for cid, hit in ordered[:limit]]


# ---------------------------------------------------------------- engines


class Rapport:
    """The product itself: queries.customers and queries.leadership on the DuckDB store."""

    name = "rapport duckdb"

    def __init__(self, con: store.Connection, path: Path):
        self.con = con
        # the point-read documents the build published beside the store, as the dashboard reads them
        self.documents = documents_of(path)
        self.viewer = Viewer("bench@rapport", (MASK_ALL,), MASK_ALL)
        self.searcher = Viewer("bench@rapport", (SEES_ALL,), SEES_ALL)
        self.sessions = 0

    def context(self, customer_id: int):
        """The context without masking or the view audit: the baseline for their cost."""
        found = customers.load_context(customer_id, ROLE, NOW, events=EVENTS, con=self.con,
                                       documents=self.documents)
        return None if found is None else (found.events.column("event_id"), found.points)

    def guarded_context(self, customer_id: int):
        """What a page gets: every field masked, and an audit entry written (a new session each call, so the
        once-per-session rule never skips the write)."""
        self.sessions += 1
        viewer = Viewer(self.viewer.actor, self.viewer.roles, MASK_ALL, session=f"bench-{self.sessions}")
        found = customers.context(customer_id, viewer, now=NOW, events=EVENTS, con=self.con,
                                  documents=self.documents)
        return None if found is None else (found.events.column("event_id"), found.points)

    def search(self, text: str) -> pd.DataFrame:
        # a role that sees names and contacts: a masked one may match them whole only (and 30 searches a minute),
        # which the baselines, searching as Rapport's search does, do not model
        return customers.search(text, self.searcher, con=self.con, documents=self.documents)

    def weekly_sentiment(self, _=None) -> pd.DataFrame:
        return leadership.weekly_sentiment(self.viewer, con=self.con)

    def response_times(self, _=None) -> pd.DataFrame:
        return leadership.response_times_by_channel(self.viewer, con=self.con)

    @staticmethod
    def top(found: pd.DataFrame) -> int | None:
        return int(found["customer_id"].iloc[0]) if len(found) else None


def sqlite_literal_sql(column: str, kind: str) -> str:
    """How a DuckDB column is written to SQLite: timestamps and dates as ISO text, lists as JSON."""
    quoted = store.quote_identifier(column)
    if kind.startswith("TIMESTAMP"):
        return f"strftime({quoted}, '%Y-%m-%d %H:%M:%S.%f') as {quoted}"
    if kind == "DATE":
        return f"strftime({quoted}, '%Y-%m-%d') as {quoted}"
    if kind.endswith("[]"):
        return f"to_json({quoted})::varchar as {quoted}"
    if kind.startswith("DECIMAL"):
        return f"{quoted}::double as {quoted}"
    return quoted


def sqlite_decoder(kind: str) -> Callable[[Any], Any]:
    """The inverse of sqlite_literal_sql, so SQLite's rows hold the Python values DuckDB returns."""
    if kind.startswith("TIMESTAMP"):
        return datetime.fromisoformat
    if kind == "DATE":
        return date.fromisoformat
    if kind.endswith("[]"):
        return json.loads
    if kind == "BOOLEAN":
        return bool
    return lambda v: v


def copy_rows(source: store.Connection, select: str, db: sqlite3.Connection, insert: str) -> None:
    """Stream DuckDB rows into SQLite; fetching overlaps inserting (both release the GIL while working)."""
    batches: queue.Queue = queue.Queue(maxsize=4)

    def produce() -> None:
        try:
            result = source.cursor().execute(select)
            while rows := result.fetchmany(50_000):
                batches.put(rows)
        finally:
            batches.put(None)

    thread = threading.Thread(target=produce, daemon=True)
    thread.start()
    while (rows := batches.get()) is not None:
        db.executemany(insert, rows)
    thread.join()


class Sqlite:
    """Baseline (i): the same marts in a SQLite file, indexed on customer_id, (customer_id, occurred_at) and term."""

    name = "sqlite"
    INDEXES = ("create unique index profiles_id on customer_profiles (customer_id)",
               "create index timeline_customer on customer_timeline (customer_id, occurred_at)",
               "create index search_term on customer_search (term)")

    def __init__(self, db: sqlite3.Connection, types: dict[str, dict[str, str]], fuzzy: FuzzyIndex):
        self.db = db
        self.fuzzy = fuzzy
        self.decode = {t: [sqlite_decoder(k) for k in cols.values()] for t, cols in types.items()}
        self.profile_columns = list(types["customer_profiles"])
        self.timeline_decoders = [sqlite_decoder(types["customer_timeline"][c]) for c in TIMELINE]

    @classmethod
    def export(cls, con: store.Connection, path: Path, fuzzy: FuzzyIndex) -> tuple[Sqlite, float, float]:
        """Copy the marts into a new SQLite file; return it with the seconds spent copying and indexing."""
        db = sqlite3.connect(path, check_same_thread=False)
        db.execute("pragma journal_mode = off")
        db.execute("pragma synchronous = off")
        db.execute("pragma cache_size = -1000000")  # 1 GB page cache, so SQLite is not starved for memory
        types, started = {}, time.perf_counter()
        for table, wanted in MARTS.items():
            types[table] = {r[0]: r[1] for r in con.execute(f"describe {table}").fetchall()
                            if wanted is None or r[0] in wanted}
            names = ", ".join(store.quote_identifier(c) for c in types[table])
            db.execute(f"create table {table} ({names})")
            select = ", ".join(sqlite_literal_sql(c, k) for c, k in types[table].items())
            # one customer's rows stored together, as DuckDB stores them: a lookup reads few pages
            order = " order by customer_id" if table in ("customer_profiles", "customer_timeline") else ""
            copy_rows(con, f"select {select} from {table}{order}", db,
                      f"insert into {table} values ({', '.join('?' * len(types[table]))})")
            db.commit()
        copied = time.perf_counter() - started
        for sql in cls.INDEXES:
            db.execute(sql)
        db.commit()
        return cls(db, types, fuzzy), copied, time.perf_counter() - started - copied

    def row(self, table: str, values: tuple) -> list:
        return [None if v is None else d(v) for d, v in zip(self.decode[table], values, strict=True)]

    def context(self, customer_id: int):
        found = self.db.execute("select * from customer_profiles where customer_id = ?", (customer_id,)).fetchone()
        if found is None:
            return None
        profile = dict(zip(self.profile_columns, self.row("customer_profiles", found), strict=True))
        rows = self.db.execute(f"""select {', '.join(TIMELINE)} from customer_timeline where customer_id = ?
                                   order by occurred_at desc, event_id limit ?""", (customer_id, HISTORY)).fetchall()
        decoded = [[None if v is None else d(v) for d, v in zip(self.timeline_decoders, r, strict=True)] for r in rows]
        history = [dict(zip(TIMELINE, values, strict=True)) for values in decoded]
        top_decile = self.db.execute("select ltv_top_decile from customer_stats").fetchone()[0]
        points = talking_points(profile, history, ROLE, NOW, ltv_top_decile=top_decile)
        return [event["event_id"] for event in history[:EVENTS]], points

    def search(self, text: str) -> list[tuple]:
        query, probe = parse_query(text)
        if len(query) < 2:
            return []
        # the probe's range, and the text as typed when the probe was its phone digits (an order number like one)
        ranged = "select customer_id, field, term from customer_search where term >= ? and term < ?"
        prefixed = [(start, self.db.execute(ranged, (start, start + customers.HIGHEST)).fetchall())
                    for start in dict.fromkeys((probe, query))]
        typos = []
        for term in self.fuzzy.similar(query):
            typos += self.db.execute("""select customer_id, field, term from customer_search
                                        where term = ? and field in ('name', 'handle')""", (term,)).fetchall()
        return rank_hits(query, probe, prefixed, typos, self.profiles, self.fuzzy.similarity)

    def profiles(self, ids: list[int]) -> dict[int, tuple[str, float]]:
        out = {}
        for start in range(0, len(ids), 30_000):
            chunk = ids[start:start + 30_000]
            out.update((r[0], (r[1], r[2])) for r in self.db.execute(
                f"select customer_id, display_name, lifetime_value from customer_profiles "
                f"where customer_id in ({', '.join('?' * len(chunk))})", chunk))
        return out

    def weekly_sentiment(self, _=None) -> pd.DataFrame:
        return pd.read_sql_query(f"""
            select date(occurred_at, 'weekday 0', '-6 days') as week, network, count(*) as posts,
                   avg(sentiment) as avg_sentiment,
                   avg(case when sentiment <= {NEGATIVE} then 1.0 else 0.0 end) as negative_share
            from post_facts group by 1, 2 order by 1, 2""", self.db)

    def response_times(self, _=None) -> pd.DataFrame:
        return pd.read_sql_query(f"""
            with counted as (select channel, count(*) as tickets from ticket_facts group by channel),
            {median_sql("first_response_minutes")}, {median_sql("resolution_minutes")}
            select c.channel, c.tickets, f.m as median_first_response_minutes, r.m as median_resolution_minutes
            from counted as c
            left join first_response_minutes_median as f on f.channel is c.channel
            left join resolution_minutes_median as r on r.channel is c.channel
            order by c.tickets desc""", self.db)

    @staticmethod
    def top(found: list[tuple]) -> int | None:
        return found[0][0] if found else None

    def close(self) -> None:
        self.db.close()


def median_sql(column: str) -> str:
    """CTE `<column>_median`: per channel, the median as DuckDB's median() has it (the mean of the middle two)."""
    return f"""{column}_median as (
        select channel, avg(v) as m from (
            select channel, {column} as v, count(*) over (partition by channel) as n,
                   row_number() over (partition by channel order by {column}) as i
            from ticket_facts where {column} is not null)
        where i in ((n + 1) / 2, (n + 2) / 2) group by channel)"""


class Pandas:
    """Baseline (ii): the same marts as in-memory DataFrames, looked up by a sorted customer_id (binary search)."""

    name = "pandas"

    def __init__(self, profiles: pd.DataFrame, timeline: pd.DataFrame, search_terms: pd.DataFrame,
                 posts: pd.DataFrame, tickets: pd.DataFrame, top_decile: float | None, fuzzy: FuzzyIndex):
        self.profiles = profiles
        self.profile_ids = profiles["customer_id"].to_numpy()
        self.by_id = profiles.set_index("customer_id")[["display_name", "lifetime_value"]]
        self.timeline = timeline
        self.timeline_ids = timeline["customer_id"].to_numpy()
        self.terms = search_terms
        self.sorted_terms = search_terms["term"].to_numpy(dtype=object)
        self.posts = posts
        self.tickets = tickets
        self.top_decile = top_decile
        self.fuzzy = fuzzy

    @classmethod
    def load(cls, con: store.Connection, fuzzy: FuzzyIndex) -> Pandas:
        def frame(sql: str) -> pd.DataFrame:
            return con.sql(sql).to_arrow_table().to_pandas()

        top_decile = con.execute("select ltv_top_decile from customer_stats").fetchall()[0][0]
        return cls(frame("select * from customer_profiles order by customer_id"),
                   frame(f"select {', '.join(TIMELINE)} from customer_timeline "
                         "order by customer_id, occurred_at desc, event_id"),
                   frame("select customer_id, field, term from customer_search order by term"),
                   frame("select occurred_at, network, sentiment from post_facts"),
                   frame("select channel, first_response_minutes, resolution_minutes from ticket_facts"),
                   top_decile, fuzzy)

    def context(self, customer_id: int):
        at = np.searchsorted(self.profile_ids, customer_id)
        if at == len(self.profile_ids) or self.profile_ids[at] != customer_id:
            return None
        profile = self.profiles.iloc[at].to_dict()
        start, end = np.searchsorted(self.timeline_ids, [customer_id, customer_id + 1])
        history = self.timeline.iloc[start:min(end, start + HISTORY)]
        points = talking_points(profile, history, ROLE, NOW, ltv_top_decile=self.top_decile)
        return history["event_id"].head(EVENTS).tolist(), points

    def search(self, text: str) -> list[tuple]:
        query, probe = parse_query(text)
        if len(query) < 2:
            return []
        prefixed = [(start, self.term_range(start, start + customers.HIGHEST))
                    for start in dict.fromkeys((probe, query))]
        typos = [row for term in self.fuzzy.similar(query) for row in self.term_range(term, term + "\0")
                 if row[1] in ("name", "handle")]
        return rank_hits(query, probe, prefixed, typos, self.profiles_of, self.fuzzy.similarity)

    def term_range(self, low: str, high: str) -> list[tuple[int, str, str]]:
        """Rows with low <= term < high, by binary search in the term-sorted frame."""
        start, end = np.searchsorted(self.sorted_terms, [low, high])
        found = self.terms.iloc[start:end]
        return list(zip(found["customer_id"].tolist(), found["field"].tolist(), found["term"].tolist(), strict=True))

    def profiles_of(self, ids: list[int]) -> dict[int, tuple[str, float]]:
        facts = self.by_id.loc[ids]
        return dict(zip(ids, zip(facts["display_name"].tolist(), facts["lifetime_value"].tolist(), strict=True),
                        strict=True))

    def weekly_sentiment(self, _=None) -> pd.DataFrame:
        posts = self.posts
        week = posts["occurred_at"].dt.normalize() - pd.to_timedelta(posts["occurred_at"].dt.day_of_week, unit="D")
        grouped = posts.assign(week=week, negative=(posts["sentiment"] <= NEGATIVE).astype(float)).groupby(
            ["week", "network"], dropna=False)
        return grouped.agg(posts=("sentiment", "size"), avg_sentiment=("sentiment", "mean"),
                           negative_share=("negative", "mean")).reset_index()

    def response_times(self, _=None) -> pd.DataFrame:
        return self.tickets.groupby("channel", dropna=False).agg(
            tickets=("channel", "size"), median_first_response_minutes=("first_response_minutes", "median"),
            median_resolution_minutes=("resolution_minutes", "median")).reset_index()

    @staticmethod
    def top(found: list[tuple]) -> int | None:
        return found[0][0] if found else None
