"""Scale benchmark: build N customers, then time context, search and leadership queries next to SQLite and pandas."""

from __future__ import annotations

import argparse
import json
import math
import queue
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import store
from bench.scale_data import NOW, add_days_load, generate
from models.build import build, refresh
from models.talking_points import TIMELINE_COLUMNS, talking_points
from queries import customers, leadership
from queries.access import MASKABLE, PAGES, Role, Viewer
from queries.connection import warm_documents, warm_lookups
from queries.fuzzy import FuzzyIndex, JaroWinkler
from store.documents import documents_of

OUT_DIR = Path(__file__).resolve().parent / "out"
ROLE = "support"
EVENTS = 200  # what the customer page shows
HISTORY = max(EVENTS, customers.TALKING_POINT_EVENTS)  # what context() reads for the talking points
CONTEXT_LABEL = f"context (support, {EVENTS} events)"
PROJECT = Path(__file__).resolve().parent.parent  # where a fresh process imports the bench from
TIMELINE = list(TIMELINE_COLUMNS)
CHECKED_CONTEXTS = 20  # context answers (event ids and talking points) compared on the first 20 sampled ids
SEARCH_KINDS = ("exact email", "name with a typo", "phone suffix", "order id")
NEGATIVE = -0.05  # leadership.weekly_sentiment's cut-off for a negative post
GOALS = {"context": 10.0, "search": 100.0, "aggregate": 500.0}  # p95 ms
BUILD_GOAL = 120.0  # seconds at 1M customers / 20M events
GUARD_GOAL = 0.10  # masking and the view audit may add at most 10 % to the context p95
# the same talking-point role with every contact detail masked: the most masking work a context can cost
MASK_ALL = Role(ROLE, "Support agent", frozenset(PAGES), frozenset(MASKABLE), frozenset(), frozenset())
SEES_ALL = Role(ROLE, "Support agent", frozenset(PAGES), frozenset(), frozenset(), frozenset())
# the marts the baselines hold (columns: None for all), the same Rapport's queries read
MARTS = {"customer_profiles": None, "customer_timeline": TIMELINE, "customer_search": None, "customer_stats": None,
         "ticket_facts": ["channel", "first_response_minutes", "resolution_minutes"],
         "post_facts": ["occurred_at", "network", "sentiment"]}


# ---------------------------------------------------------------- timing


@dataclass
class Measured:
    """Latencies of one operation on one engine, and the answers it gave, input by input."""

    ms: list[float] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)

    def percentiles(self) -> tuple[float, float]:
        return tuple(float(p) for p in np.percentile(self.ms, [50, 95])) if self.ms else (math.nan, math.nan)


def measure(call: Callable[[Any], Any], inputs: list, answer: Callable[[Any], Any], *, warmup: int,
            at_least: int, budget: float) -> Measured:
    """Warm up, then time `call` input by input until all are done or `budget` seconds are spent (after
    `at_least` inputs); `answer` turns each result into a comparable value, outside the timing."""
    for x in inputs[:warmup]:
        call(x)
    result, spent = Measured(), 0.0
    for i, x in enumerate(inputs):
        if i >= at_least and spent > budget:
            break
        started = time.perf_counter()
        out = call(x)
        elapsed = time.perf_counter() - started
        spent += elapsed
        result.ms.append(elapsed * 1000)
        result.answers.append(answer(out))
    return result


def measure_paired(first: Callable[[Any], Any], second: Callable[[Any], Any], inputs: list,
                   answer: Callable[[Any], Any], *, warmup: int, at_least: int,
                   budget: float) -> tuple[Measured, Measured]:
    """measure() for two calls taking turns input by input, each going first every other time."""
    for x in inputs[:warmup]:
        first(x)
        second(x)
    results, spent = (Measured(), Measured()), 0.0
    for i, x in enumerate(inputs):
        if i >= at_least and spent > budget:
            break
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            started = time.perf_counter()
            out = (first, second)[which](x)
            elapsed = time.perf_counter() - started
            spent += elapsed
            results[which].ms.append(elapsed * 1000)
            results[which].answers.append(answer(out))
    return results


def timed(function: Callable, *args) -> tuple[Any, float]:
    started = time.perf_counter()
    out = function(*args)
    return out, time.perf_counter() - started


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


# ---------------------------------------------------------------- answers, made comparable across engines


def context_answer(found: tuple[list, list] | None) -> tuple:
    """An engine's context as (event ids, talking points); every engine hands its events on as its store has them
    (rows from DuckDB and SQLite, a frame from pandas), with no frame built for the comparison's sake."""
    if found is None:
        return ()
    event_ids, points = found
    return tuple(str(e) for e in event_ids), tuple((p.rule, p.sentence, p.cites) for p in points)


def plain_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        return value.item()
    return value


def rows_answer(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    rows = [tuple(plain_value(v) for v in row) for row in frame[columns].itertuples(index=False)]
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


def same_rows(a: list[tuple], b: list[tuple]) -> bool:
    """Equal row for row; floats within 1e-9 (sums in a different order round differently)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) and isinstance(v, float | int):
                if not math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif u != v:
                return False
    return True


WEEKLY_COLUMNS = ["week", "network", "posts", "avg_sentiment", "negative_share"]
RESPONSE_COLUMNS = ["channel", "tickets", "median_first_response_minutes", "median_resolution_minutes"]


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


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Inputs:
    ids: list[int]
    searches: list[tuple[str, str]]  # (kind, text)


def typo(name: str, j: int) -> str:
    """A deterministic one-letter slip: two letters swapped, one dropped, or one doubled."""
    if len(name) < 4:
        return name + name[-1]
    at = 1 + j % (len(name) - 2)
    return (name[:at] + name[at + 1] + name[at] + name[at + 2:], name[:at] + name[at + 1:],
            name[:at] + name[at] + name[at:])[j % 3]


def spaced_tail(phone: str) -> str:
    """The number as typed without its country code: "+447700012345" -> "7700 012345"."""
    digits = re.sub(r"\D", "", phone)[-10:]
    return f"{digits[:4]} {digits[4:]}"


def pick_inputs(con: store.Connection, count: int, seed: int) -> Inputs:
    """A deterministic random sample of customer ids and, per id, one search a person would type for them."""
    ids = [r[0] for r in con.execute("select customer_id from customer_profiles order by hash(customer_id, $seed) "
                                     "limit $n", {"seed": seed, "n": count}).fetchall()]
    facts = {r[0]: r[1:] for r in con.execute("""
        select p.customer_id, p.display_name, p.emails[1], p.phones[1], o.ref_id
        from customer_profiles p
        left join (select customer_id, min(ref_id) as ref_id from customer_timeline
                   where kind = 'purchase' and customer_id in (select unnest($ids)) group by customer_id) o
            using (customer_id)
        where p.customer_id in (select unnest($ids))""", {"ids": ids}).fetchall()}
    typed = {cid: {"exact email": email, "name with a typo": typo(name.lower(), j),
                   "phone suffix": phone and spaced_tail(phone), "order id": order}
             for j, cid in enumerate(ids) for name, email, phone, order in [facts[cid]]}
    # the kinds in turn, each typed for the next sampled customer that has one (a prospect has no order)
    having = {kind: [t[kind] for t in typed.values() if t[kind]] for kind in SEARCH_KINDS}
    searches = []
    for j, cid in enumerate(ids):
        kind = SEARCH_KINDS[j % len(SEARCH_KINDS)]
        rank = j // len(SEARCH_KINDS)
        searches.append((kind, having[kind][rank]) if rank < len(having[kind])
                        else ("name with a typo", typed[cid]["name with a typo"]))
    return Inputs(ids, searches)


# ---------------------------------------------------------------- running and reporting


@dataclass
class EngineResult:
    name: str
    ops: dict[str, Measured] = field(default_factory=dict)


def run_engine(engine, inputs: Inputs, budget: float, repeat: int) -> EngineResult:
    """Every operation on one engine, each warmed up first; search answers are the top customer."""
    result = EngineResult(engine.name)
    if hasattr(engine, "guarded_context"):
        # the two take turns on every input, so a busy spell of the machine hits both alike
        result.ops["context"], result.ops["guarded_context"] = measure_paired(
            engine.context, engine.guarded_context, inputs.ids, context_answer, warmup=3,
            at_least=CHECKED_CONTEXTS, budget=budget)
    else:
        result.ops["context"] = measure(engine.context, inputs.ids, context_answer, warmup=3,
                                        at_least=CHECKED_CONTEXTS, budget=budget)
    result.ops["search"] = measure(engine.search, [t for _, t in inputs.searches], engine.top, warmup=3,
                                   at_least=20, budget=budget)
    result.ops["weekly_sentiment"] = measure(engine.weekly_sentiment, [None] * repeat,
                                             lambda f: rows_answer(f, WEEKLY_COLUMNS), warmup=1, at_least=3,
                                             budget=budget)
    result.ops["response_times_by_channel"] = measure(engine.response_times, [None] * repeat,
                                                      lambda f: rows_answer(f, RESPONSE_COLUMNS), warmup=1,
                                                      at_least=3, budget=budget)
    print(f"  measured {engine.name}", flush=True)
    return result


def mismatches(reference: EngineResult, other: EngineResult, inputs: Inputs) -> list[str]:
    """Where a baseline's answers differ from Rapport's: a benchmark of different answers is worthless."""
    found = []
    ours, theirs = reference.ops["context"].answers, other.ops["context"].answers
    for i in range(min(CHECKED_CONTEXTS, len(ours), len(theirs))):
        if ours[i] != theirs[i]:
            found.append(f"{other.name}: context of customer {inputs.ids[i]} differs")
    ours, theirs = reference.ops["search"].answers, other.ops["search"].answers
    for i in range(min(len(ours), len(theirs))):
        if ours[i] != theirs[i]:
            found.append(f"{other.name}: search {inputs.searches[i][1]!r} tops {theirs[i]}, rapport {ours[i]}")
    for op in ("weekly_sentiment", "response_times_by_channel"):
        if not all(same_rows(reference.ops[op].answers[0], a) for a in other.ops[op].answers):
            found.append(f"{other.name}: {op} differs")
    return found


def cell(ms: list[float]) -> str:
    if not ms:
        return f"{'-':>24}"
    p50, p95 = np.percentile(ms, [50, 95])
    return f"{p50:9.1f} /{p95:9.1f} ({len(ms):>3})"


def verdict(ms: list[float], goal: float) -> str:
    return "ok" if ms and np.percentile(ms, 95) <= goal else "MISS"


def table(results: list[EngineResult], inputs: Inputs) -> list[str]:
    """operation × engine: p50 / p95 ms and (n), then Rapport's goal."""
    names = "".join(f"{r.name + ' p50/p95 ms (n)':>28}" for r in results)
    head = f"{'operation':<28}{names}   goal (rapport p95)"
    lines = [head, "-" * len(head)]
    searched = len(results[0].ops["search"].ms)
    kinds = [k for k, _ in inputs.searches]
    rows = [(CONTEXT_LABEL, "context", None, GOALS["context"]),
            ("  masked + audited", "guarded_context", None, GOALS["context"]),
            ("search, all kinds", "search", None, GOALS["search"])]
    rows += [(f"  {kind}", "search", kind, GOALS["search"]) for kind in SEARCH_KINDS if kind in kinds[:searched]]
    rows += [(op, op, None, GOALS["aggregate"]) for op in ("weekly_sentiment", "response_times_by_channel")]
    for label, op, kind, goal in rows:
        def picked(r: EngineResult, op=op, kind=kind) -> list[float]:
            found = r.ops.get(op, Measured())
            return [ms for ms, k in zip(found.ms, kinds, strict=False) if kind is None or k == kind]
        lines.append(f"{label:<28}" + "".join(f"{cell(picked(r)):>28}" for r in results)
                     + f"   <= {goal:g} ms {verdict(picked(results[0]), goal)}")
    return lines


def guard_cost(rapport: EngineResult) -> str:
    """What masking every field and writing the view audit add to the context p95, measured in this run."""
    plain, guarded = rapport.ops["context"], rapport.ops["guarded_context"]
    extra = guarded.percentiles()[1] / plain.percentiles()[1] - 1
    same = all(a[0] == b[0] and [r for r, _, _ in a[1]] == [r for r, _, _ in b[1]]
               for a, b in zip(plain.answers, guarded.answers, strict=False))
    return (f"masking + view audit: context p95 {plain.percentiles()[1]:.1f} -> {guarded.percentiles()[1]:.1f} ms "
            f"({extra:+.0%}; goal <= +{GUARD_GOAL:.0%}: {'ok' if extra <= GUARD_GOAL else 'MISS'}); same events and "
            f"talking-point rules: {'yes' if same else 'NO'}")


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--customers", type=int, default=100_000)
    args.add_argument("--events-per-customer", type=float, default=20)
    args.add_argument("--queries", type=int, default=200, help="sampled customer ids (one context, one search each)")
    args.add_argument("--repeat", type=int, default=5, help="timed runs of each leadership aggregate")
    args.add_argument("--budget", type=float, default=30,
                      help="seconds one operation may take on one engine before its remaining inputs are skipped")
    args.add_argument("--seed", type=int, default=1)
    args.add_argument("--baselines", default="sqlite,pandas",
                      help="comma-separated baselines to run: sqlite, pandas (none: Rapport only)")
    args.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                      help="spark: only the build, on Spark beside DuckDB (time, peak memory; bench/engines.py)")
    args.add_argument("--master", default="local[2]", help="the Spark master for --engine spark")
    args.add_argument("--keep", type=Path, help="build the store at this path and keep it (e.g. for bench pages "
                                                "--store); by default it is built in a temporary folder")
    opts = args.parse_args(argv)
    if opts.engine == "spark":
        from bench.engines import main as engines_main

        engines_main(opts)
        return
    baselines = {b.strip() for b in opts.baselines.split(",") if b.strip() and b.strip() != "none"}
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as tmp:
        db = opts.keep or Path(tmp) / "scale.duckdb"
        if db.exists():
            sys.exit(f"{db} exists: --keep builds a new store")
        con = store.connect(db)
        con.execute("set enable_progress_bar = false")
        counts, generated = timed(generate, con, opts.customers, opts.events_per_customer)
        say(f"Rapport scale benchmark: {opts.customers:,} people, ~{opts.events_per_customer:g} events each "
            f"({sum(counts.values()):,} raw rows generated in {generated:.1f} s)")
        report, built = timed(build, con, NOW)
        say(f"model: {report.customers:,} customers, {report.events:,} timeline events")
        steps = ", ".join(f"{name} {secs:.1f}" for name, secs in report.seconds.items())
        say(f"build {built:.1f} s ({steps})   goal <= {BUILD_GOAL:g} s at 1M/20M: "
            f"{'ok' if built <= BUILD_GOAL else 'MISS'}")
        # as the dashboard does when it starts and after each build
        _, warmed = timed(warm_lookups, con)
        _, indexed = timed(warm_documents, con, db)
        say(f"lookup columns loaded into memory in {warmed:.1f} s, the documents' typo index in {indexed:.1f} s "
            f"(as the dashboard does after a build)")
        inputs = pick_inputs(con, opts.queries, opts.seed)
        results = [run_engine(Rapport(con, db), inputs, opts.budget, opts.repeat)]
        results += run_baselines(con, Path(tmp), baselines, inputs, opts, say)
        say(fresh_process_context(db, inputs.ids))
        measure_refresh(store.connect(db), say)

    problems = [m for other in results[1:] for m in mismatches(results[0], other, inputs)]
    say(f"inputs: {len(inputs.ids)} sampled customers (seed {opts.seed}); aggregates x{opts.repeat}; "
        f"an engine stops an operation after {opts.budget:g} s")
    say()
    for line in table(results, inputs):
        say(line)
    say(guard_cost(results[0]))
    say()
    say("answers: " + ("identical (context event ids and talking points on the first "
                       f"{CHECKED_CONTEXTS} ids, top customer of every search, aggregates)" if not problems
                       else f"{len(problems)} MISMATCHES"))
    for problem in problems[:20]:
        say(f"  {problem}")
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / f"scale-{opts.customers}.txt").write_text("\n".join(lines) + "\n")
    assert not problems, f"baselines disagree with Rapport: {problems[:5]}"


def fresh_process_context(path: Path, ids: list[int]) -> str:
    """Context p50/p95 read by a new process that opens the built store and warms it, as a restarted dashboard
    does: what a process that generated and built 20M rows leaves behind (its heap, a squeezed page cache) is not
    in it. The in-process figure above is the dashboard right after its own first build."""
    code = f"from bench.scale import print_context_percentiles; print_context_percentiles({str(path)!r}, {ids!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True)
    p50, p95 = (float(v) for v in done.stdout.split()[-2:])
    verdict = "ok" if p95 <= GOALS["context"] else "MISS"
    return (f"{CONTEXT_LABEL} in a fresh process: {p50:.1f} / {p95:.1f} ms p50/p95 ({len(ids)})"
            f"   <= {GOALS['context']:g} ms {verdict}")


def print_context_percentiles(path: str, ids: list[int]) -> None:
    """Open the store read-only, warm its lookup columns, time one context per id; print p50 and p95 in ms."""
    con = store.connect(path, read_only=True)
    warm_lookups(con)
    warm_documents(con, Path(path))
    engine = Rapport(con, Path(path))
    timed_contexts = measure(engine.context, ids, context_answer, warmup=3, at_least=len(ids), budget=math.inf)
    print(*(f"{p:.3f}" for p in timed_contexts.percentiles()))


def measure_refresh(con: store.Connection, say: Callable[[str], None]) -> None:
    """The refresh after a day's load (incremental: the touched customers' marts), next to a full build of the same
    data in the same run; measured last, as it changes the store the other engines were compared on."""
    later = NOW + timedelta(days=1)  # a day after the last build: a day's posts also left the last 90 days
    added = add_days_load(con, later)
    done, refreshed = timed(refresh, con, later)
    assert done.report is not None, done.summary()
    report, rebuilt = timed(build, con, later)
    # the next day without a load: only the calendar moved (a day's posts left the last 90 days)
    idle, idled = timed(refresh, con, later + timedelta(days=1))
    assert idle.report is not None, idle.summary()
    con.close()
    say(f"a day's load ({added:,} new records), then the models brought up to date: incremental {refreshed:.1f} s "
        f"({done.summary()}); a full build of the same data {rebuilt:.1f} s; ratio {refreshed / rebuilt:.2f}")
    say(f"  against the build goal (<= {BUILD_GOAL:g} s at 1M/20M): {'ok' if refreshed <= BUILD_GOAL else 'MISS'}")
    say(f"a day later without a load, the refresh: {idled:.1f} s ({idle.summary()})")


def run_baselines(con: store.Connection, tmp: Path, baselines: set[str], inputs: Inputs, opts,
                  say: Callable[[str], None]) -> list[EngineResult]:
    """Set up the chosen baselines from the built marts, close DuckDB, then measure them one after the other."""
    if not baselines:
        con.close()
        return []
    similarity = JaroWinkler.like(con)
    terms = [r[0] for r in con.execute(
        "select distinct term from customer_search where field in ('name', 'handle')").fetchall()]
    fuzzy, indexed = timed(FuzzyIndex, terms, similarity)
    say(f"baselines' fuzzy name index: {indexed:.1f} s ({len(terms):,} names and handles)")
    engines = []
    if "sqlite" in baselines:
        (sqlite, copied, sqlite_indexed), _ = timed(Sqlite.export, con, tmp / "scale.sqlite", fuzzy)
        say(f"sqlite set up in this run: copy {copied:.1f} s + indexes {sqlite_indexed:.1f} s")
        engines.append(sqlite)
    if "pandas" in baselines:
        frames, loaded = timed(Pandas.load, con, fuzzy)
        say(f"pandas set up in this run: load {loaded:.1f} s")
        engines.append(frames)
    con.close()  # DuckDB's buffer pool goes before the DataFrames and SQLite's cache are exercised
    results = []
    for engine in engines:
        results.append(run_engine(engine, inputs, opts.budget, opts.repeat))
        if isinstance(engine, Sqlite):
            engine.close()
    return results


if __name__ == "__main__":
    main()
