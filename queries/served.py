"""One customer's card and newest events, and customer search, read from the build's point-read documents
(store/documents.py) instead of DuckDB: the same answers, for a SQLite B-tree lookup instead of a DuckDB query.

Every function returns FALLBACK when the documents cannot answer (none served, another build's, a customer with
live notes, more events asked for than kept): the caller then asks DuckDB, as it always did."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from queries.fuzzy import FUZZY_SIMILARITY, FuzzyIndex, JaroWinkler
from queries.results import Rows, json_float, json_row, typed_values
from store import Connection
from store.documents import Documents

FALLBACK = object()  # the documents cannot answer this: ask DuckDB
HIGHEST = chr(0x10FFFF)  # sorts after every character: [q, q + HIGHEST) is every term starting with q
TYPO_FIELDS = ("name", "handle")
SEARCH_COLUMNS = ["customer_id", "display_name", "field", "term", "rank", "similarity"]


@dataclass(frozen=True)
class Meta:
    """What a documents file says about itself: its build, its columns' DuckDB types, its store-wide figure."""

    build_id: str
    events_kept: int
    profile_types: dict[str, str]
    timeline_types: dict[str, str]
    ltv_top_decile: float | None


@dataclass(frozen=True)
class Served:
    """This thread's connection to the served documents, with their meta and version."""

    documents: Documents
    db: Any  # sqlite3.Connection
    version: tuple
    meta: Meta


def served(documents: Documents | None, con: Connection) -> Served | None:
    """The documents, when they are the ones of `con`'s current build (asked of DuckDB once per file and thread)."""
    if documents is None:
        return None

    def same_build(meta: dict[str, str]) -> bool:
        try:
            found = con.execute("select max(build_id) from model_build").fetchall()
        except duckdb.Error:  # models not built, or by a Rapport without build ids: no documents are theirs
            return False
        return bool(found) and found[0][0] is not None and meta.get("build_id") == found[0][0]

    held = documents.connection(same_build)
    if held is None:
        return None
    db, version = held
    meta = documents.derived(version, "meta", lambda: read_meta(db))
    return Served(documents, db, version, meta)


def read_meta(db) -> Meta:
    meta = dict(db.execute("select key, value from meta").fetchall())
    return Meta(meta["build_id"], int(meta["events_kept"]), json.loads(meta["profile_types"]),
                json.loads(meta["timeline_types"]), json.loads(meta["ltv_top_decile"]))


def customer(found: Served, customer_id: int, columns: tuple[str, ...], events: int):
    """(profile, newest `events` events as Rows of `columns`, ltv_top_decile); None for an unknown customer;
    FALLBACK when the documents cannot say."""
    if events > found.meta.events_kept:
        return FALLBACK
    row = found.db.execute("select card, events from customers where customer_id = ?", (customer_id,)).fetchone()
    if row is None:
        return None  # every built customer has a row: this one is not a customer (any more)
    if row[0] is None:
        return FALLBACK  # notes or hand-offs join this customer's timeline: read live
    profile = json_row(row[0], found.meta.profile_types)
    return profile, event_rows(found, customer_id, row[1], columns, events), found.meta.ltv_top_decile


def event_rows(found: Served, customer_id: int, text: str, columns: tuple[str, ...], events: int) -> Rows:
    """The packed [event_id, occurred_at, packed] of a document as rows of `columns` (event_id, customer_id,
    occurred_at, then the packed ones), exactly as queries.customers.unpack_events gives them."""
    types = found.meta.timeline_types
    packed_types = [types[c] for c in columns[3:]]
    newest = json.loads(text, parse_float=json_float(packed_types))[:events]
    values = typed_values((packed for _, _, packed in newest), packed_types)
    rows = [(event_id, customer_id, datetime.fromisoformat(at), *rest)
            for (event_id, at, _), rest in zip(newest, values, strict=True)]
    return Rows(columns, tuple(types[c] for c in columns), rows)


def profile(found: Served, customer_id: int):
    """The customer's profile as queries.customers.load_profile gives it; None if unknown; FALLBACK."""
    row = found.db.execute("select card from customers where customer_id = ?", (customer_id,)).fetchone()
    if row is None:
        return None
    if row[0] is None:
        return FALLBACK
    return json_row(row[0], found.meta.profile_types)


# ---------------------------------------------------------------- search


def fuzzy_index(found: Served, con: Connection) -> FuzzyIndex:
    """The names and handles of the documents, indexed in memory once per build (shared by every thread)."""
    def make() -> FuzzyIndex:
        terms = [r[0] for r in found.db.execute(
            "select distinct term from search where field in ('name', 'handle') order by term")]
        return FuzzyIndex(terms, JaroWinkler.like(con))
    return found.documents.derived(found.version, "fuzzy", make)


def search(found: Served, con: Connection, query: str, probe: str, limit: int,
           exact_only: list[str]) -> pd.DataFrame:
    """queries.customers.find_customers' hits, from the documents: the same ranges of the sorted terms, the same
    Jaro-Winkler scores, the same ranking."""
    fuzzy = fuzzy_index(found, con)
    similarity = fuzzy.similarity
    hits = []  # (customer_id, field, term, lifetime_value, rank, similarity)
    branches = [(probe, probe)] + ([(query, query)] if probe != query else [])
    for start, exact in branches:
        for cid, field, term, ltv in found.db.execute(
                "select customer_id, field, term, lifetime_value from search where term >= ? and term < ?",
                (start, start + HIGHEST)):
            hits.append((cid, field, term, ltv, 0 if term == exact else 1, similarity(term.encode(), exact.encode())))
    for term in fuzzy.similar(query, FUZZY_SIMILARITY):
        score = similarity(term.encode(), query.encode())
        for cid, field, ltv in found.db.execute(
                "select customer_id, field, lifetime_value from search where term = ? and field in (?, ?)",
                (term, *TYPO_FIELDS)):
            hits.append((cid, field, term, ltv, 2, score))
    return ranked([h for h in hits if h[4] == 0 or h[1] not in exact_only], found, limit)


def ranked(hits: list[tuple], found: Served, limit: int) -> pd.DataFrame:
    """Each customer once, with their best hit (by rank, then similarity, then field and term), ordered by rank,
    similarity, lifetime value and id; then their names."""
    best: dict[int, list] = {}
    for cid, field, term, ltv, rank, sim in hits:
        key = (rank, -sim, field, term)
        held = best.get(cid)
        if held is None:
            best[cid] = [key, field, term, rank, sim, ltv]
            continue
        if key < held[0]:
            held[0:3] = [key, field, term]
        held[3], held[4] = min(held[3], rank), max(held[4], sim)
        held[5] = ltv if held[5] is None else held[5] if ltv is None else max(held[5], ltv)
    order = sorted(best.items(), key=lambda kv: (kv[1][3], -kv[1][4], kv[1][5] is None, -(kv[1][5] or 0.0), kv[0]))
    kept = order[:limit]
    names = dict(found.db.execute(
        f"select customer_id, display_name from customers where customer_id in ({', '.join('?' * len(kept))})",
        [cid for cid, _ in kept]).fetchall()) if kept else {}
    kept = [(cid, h) for cid, h in kept if cid in names]
    # built column by column with DuckDB's dtypes (text: pandas' str, object when empty): from_records and astype
    # cost a millisecond more
    text = "str" if kept else "object"
    return pd.DataFrame({
        "customer_id": np.array([cid for cid, _ in kept], dtype="int64"),
        "display_name": pd.Series([names[cid] for cid, _ in kept], dtype=text),
        "field": pd.Series([h[1] for _, h in kept], dtype=text),
        "term": pd.Series([h[2] for _, h in kept], dtype=text),
        "rank": np.array([h[3] for _, h in kept], dtype="int32"),
        "similarity": np.array([h[4] for _, h in kept], dtype="float64")}, columns=SEARCH_COLUMNS)
