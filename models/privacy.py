"""Data-subject requests: export everything Rapport holds about one customer (GDPR art. 15, CCPA access), and
erase it (GDPR art. 17, CCPA deletion) so that no table keeps it and later loads cannot bring it back.

Erasure removes the customer's rows from every raw table, the quarantine (rows whose original record contains one
of their emails, phone numbers or handles) and the operational tables (inbox state, notes and hand-offs of their
posts; identity decisions naming their records or id) in one transaction, then rebuilds every model (`build` runs
its own transaction right after, so for the length of a build the models still show the customer). The caches
keyed by a text's md5 (sentiment scores, post classifications) lose the hashes of the customer's texts too: a
classification's explanation quotes the text, and a text another customer also wrote is simply scored again.
Parsed phone numbers (`phone_numbers`, which keeps the written form) of theirs are dropped the same way.

Their identifiers are then suppressed: the sha256 of each identity key (`email:…`, `phone:+E.164`,
`handle:network:handle`, `ref:…`) and of each record removed (`tickets:desk:T1`, a comment by its ticket and text,
a post by its network's id; models.suppression.OWN_KEYS) goes to `suppressed_identifiers`, and every load drops rows
carrying one, keyed by identity's own models (models.suppression; `connectors.loader.drop_suppressed_rows`). An
identifier another customer's records also carry (a family mailbox) is not suppressed, so that person's data keeps
loading; the report counts these. `erase_and_rewrite` then copies the store into a fresh file (store.rewrite):
deleted rows' bytes stay in the blocks DuckDB frees until then. The audit log keeps its entries about the customer
(the record that the request was honoured): they hold ids, never contact details or texts.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import store
from models.build import build
from models.exports import csv_bytes, json_bytes
from models.operations import audit
from models.suppression import record_keys, text_keys
from store import Connection, postgres, transaction

RAW_KINDS = ("customers", "purchases", "tickets", "ticket_comments", "social_posts")
KEY_PREFIXES = ("email:", "phone:", "handle:", "ref:")


class PrivacyError(ValueError):
    """A request that cannot be carried out; the message says why."""


@dataclass
class ErasureReport:
    """What one erasure removed; counts only, no personal data."""

    erasure_id: int
    customer_id: int
    removed: dict[str, int] = field(default_factory=dict)
    identifiers_suppressed: int = 0
    identifiers_shared: int = 0  # carried by another customer's records too, so not suppressed
    file_rewritten: bool = False  # the store copied into a fresh file: the erased rows' bytes are gone from disk
    rewrite_error: str | None = None  # why the file could not be rewritten (it then stays as it was)

    @property
    def records_removed(self) -> int:
        return sum(self.removed.values())

    def summary(self) -> str:
        tables = ", ".join(f"{n} from {t}" for t, n in self.removed.items() if n)
        return (f"erasure {self.erasure_id}: customer {self.customer_id}, {self.records_removed} rows removed "
                f"({tables or 'none'}), {self.identifiers_suppressed} identifiers suppressed, "
                f"{self.identifiers_shared} shared identifiers kept; "
                + ("store file rewritten, the erased bytes are gone" if self.file_rewritten else
                   "store file not yet rewritten: the erased bytes stay on disk until it is"
                   + (f" ({self.rewrite_error})" if self.rewrite_error else "")))


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- who they are -------------------------------------------------------------------------------------------

@dataclass
class Subject:
    """One customer's footprint: their source records, derived keys and where their rows are."""

    customer_id: int
    record_keys: list[str]
    tickets: list[str]  # source:ticket_id
    posts: list[str]  # source:post_id of their own posts
    keys: list[str]  # identity keys only they carry
    shared_keys: list[str]  # identity keys other customers' records carry too


def subject(con: Connection, customer_id: int) -> Subject:
    """The customer behind `customer_id` (an old id of a merged profile leads to the profile)."""
    current = con.execute("select customer_id from customer_id_lookup where requested_id = ?",
                          [customer_id]).fetchall()
    customer_id = current[0][0] if current else customer_id
    record_keys = [r[0] for r in con.execute("select record_key from customer_sources where customer_id = ?",
                                             [customer_id]).fetchall()]
    if not record_keys:
        raise PrivacyError(f"no customer {customer_id}")
    tickets = [r[0] for r in con.execute("""select source || ':' || ticket_id from raw_tickets
                                            where 'tickets:' || source || ':' || record_id in (select unnest($k))""",
                                         {"k": record_keys}).fetchall()]
    posts = [r[0] for r in con.execute("""select source || ':' || post_id from raw_social_posts
                                          where 'social_posts:' || source || ':' || record_id in (select unnest($k))""",
                                       {"k": record_keys}).fetchall()]
    found = con.execute("""
        with theirs as (
            select distinct unnest(keys) as key from identity_records where record_key in (select unnest($k))
        ), others as (
            select distinct unnest(i.keys) as key from identity_records i
            join customer_sources s using (record_key) where s.customer_id <> $id
        )
        select key, key in (select key from others) from theirs order by key
    """, {"k": record_keys, "id": customer_id}).fetchall()
    wanted = [(k, shared) for k, shared in found if k.startswith(KEY_PREFIXES)]
    return Subject(customer_id, record_keys, tickets, posts, [k for k, s in wanted if not s],
                   [k for k, s in wanted if s])


def raw_filter(kind: str) -> str:
    """SQL condition on a raw table's row `r` selecting the subject's rows: their source records, the comments
    on their tickets, and the brand's replies to their posts. Parameters: $keys, $tickets, $posts."""
    if kind == "ticket_comments":
        return "r.source || ':' || r.ticket_id in (select unnest($tickets))"
    own = f"'{kind}:' || r.source || ':' || r.record_id in (select unnest($keys))"
    if kind == "social_posts":
        return f"({own} or (r.from_company and r.source || ':' || r.in_reply_to in (select unnest($posts))))"
    return own


def params(who: Subject, sql: str) -> dict:
    """The parameters of `raw_filter` that `sql` uses (DuckDB refuses unused ones)."""
    found = {"keys": who.record_keys, "tickets": who.tickets or [""], "posts": who.posts or [""]}
    return {name: value for name, value in found.items() if f"${name}" in sql}


def run(con: Connection, who: Subject, sql: str):
    """Run `sql`, which selects the subject's raw rows with `raw_filter`."""
    return con.execute(sql, params(who, sql))


def post_keys(con: Connection, who: Subject) -> list[str]:
    return [r[0] for r in run(con, who, f"""select 'social_posts:' || r.source || ':' || r.record_id
                                            from raw_social_posts r where {raw_filter('social_posts')}""").fetchall()
            ] or [""]


def quarantine_filter(con: Connection, who: Subject) -> tuple[str, dict]:
    """SQL condition on a quarantine row `q` whose original record mentions one of the subject's emails, phone
    numbers (as E.164 or as any of their rows wrote them) or handles (as a whole word, with or without @)."""
    terms = [k.split(":", 1)[1].lower() for k in who.keys if k.startswith(("email:", "phone:"))]
    terms += [r[0].lower() for r in run(con, who, f"""
        select distinct trim(unnest(string_split_regex(r.phone, '[;,/]'))) from raw_customers r
        where {raw_filter('customers')}
        union select r.phone from raw_purchases r where {raw_filter('purchases')}
        union select r.requester_phone from raw_tickets r where {raw_filter('tickets')}
    """).fetchall() if r[0]]
    handles = [re.escape(k.split(":", 2)[2].lower()) for k in who.keys if k.startswith("handle:")]
    pattern = f"(^|[^a-z0-9_.])@?({'|'.join(handles)})($|[^a-z0-9_])" if handles else r"[^\s\S]"
    return ("(len([t for t in $terms if t <> '' and contains(lower(q.raw_record), t)]) > 0 "
            "or regexp_matches(lower(q.raw_record), $pattern) or q.rowid in (select unnest($keyed)))",
            {"terms": sorted(set(terms)) or [""], "pattern": pattern, "keyed": keyed_quarantine_rows(con, who)})


def keyed_quarantine_rows(con: Connection, who: Subject) -> list[int]:
    """The quarantine rows (rowids) in whose text identity finds one of the subject's keys however it is written
    (a load refuses such rows from then on the same way, see models.suppression)."""
    con.execute("create or replace temp table _quarantine_texts as select rowid as _line, raw_record from quarantine")
    text_keys(con, "_quarantine_texts")
    found = [r[0] for r in con.execute("select distinct _line from _line_keys where key in (select unnest($k))",
                                       {"k": who.keys or [""]}).fetchall()]
    con.execute("drop table _quarantine_texts; drop table _line_keys")
    return found or [-1]


# --- export ---------------------------------------------------------------------------------------------------

def export_sections(con: Connection, who: Subject) -> dict[str, pd.DataFrame]:
    """Every table's rows about the subject, by section name."""
    sections = {f"raw_{kind}": run(con, who, f"select * from raw_{kind} r where {raw_filter(kind)}").df()
                for kind in RAW_KINDS}
    condition, q = quarantine_filter(con, who)
    sections["quarantine"] = con.execute(f"select * from quarantine q where {condition}", q).df()
    cid = {"id": who.customer_id}
    for name, sql in (("profile", "select * from customer_profiles where customer_id = $id"),
                      # `packed` repeats the other columns for fast reads: the export has them once
                      ("timeline", """select * exclude (packed) from customer_timeline where customer_id = $id
                                      order by occurred_at, event_id"""),
                      ("identity_links", """select * from customer_sources where customer_id = $id
                                            order by kind, source, source_id"""),
                      ("idea_posts", "select * from idea_posts where customer_id = $id")):
        sections[name] = con.execute(sql, cid).df()
    sections["identity_decisions"] = con.execute(
        """select * from identity_decisions where record_key in (select unnest($keys))
           or customer_id = $id or other_customer_id = $id order by decision_id""",
        {"keys": who.record_keys, **cid}).df()
    posts = {"posts": post_keys(con, who)}
    for table in ("inbox_state", "inbox_notes", "handoffs", "classification_corrections"):
        sections[table] = con.execute(f"select * from {table} where post_key in (select unnest($posts))", posts).df()
    sections["audit_log"] = con.execute(
        """select * from audit_log where (object_type = 'customer' and object_id = $id::varchar)
           or object_id in (select unnest($posts)) order by audit_id""", {**posts, **cid}).df()
    return sections


def export_customer(con: Connection, customer_id: int, actor: str = "system", ops: Connection | None = None) -> bytes:
    """A zip of everything Rapport holds about one customer, each section as JSON and as CSV (formula cells
    neutralised); the export itself is audited (who, which customer) — in `ops`, the operational store, when that
    is PostgreSQL (the sections then read its tables as copied onto `con`, store.operational)."""
    who = subject(con, customer_id)
    sections = export_sections(con, who)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", f"Everything Rapport holds about customer {customer_id}, exported "
                                       f"{utc_now():%Y-%m-%d %H:%M} UTC: one JSON and one CSV file per section.\n")
        for name, frame in sections.items():
            archive.writestr(f"{name}.json", json_bytes(frame))
            archive.writestr(f"{name}.csv", csv_bytes(frame))
    ops = ops or con
    with transaction(ops):
        audit(ops, actor, "export", "customer", str(customer_id), sections=len(sections),
              rows=sum(len(f) for f in sections.values()))
    return buffer.getvalue()


# --- erasure --------------------------------------------------------------------------------------------------

def identifier_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def suppression_keys(con: Connection, who: Subject) -> dict[str, str]:
    """identity or record key -> its kind, for every identifier to suppress: the subject's own identity keys (as
    identity wrote them; a load keys its rows the same way, see models.suppression) and the keys of each record
    removed (models.suppression.OWN_KEYS: their records, the comments on their tickets, the replies to their posts)."""
    found = {key: key.split(":", 1)[0] for key in who.keys}
    for kind in RAW_KINDS:
        for (key,) in run(con, who, f"select distinct unnest({record_keys(kind)}) from raw_{kind} r "
                                    f"where {raw_filter(kind)}").fetchall():
            if key is not None:
                found[key] = "source_id"
    return found


def erase_customer(con: Connection, customer_id: int, actor: str, reason: str, now: datetime | None = None,
                   ops: Connection | None = None, rebuild: bool = True) -> ErasureReport:
    """Erase one customer everywhere, suppress their identifiers for later loads and log it (`erasure_log`,
    `audit_log`: who, when, why, counts; no personal data) in one transaction, then rebuild the models.

    `ops` is the operational store when that is PostgreSQL (store.operational): staff notes, decisions, the
    suppression list and the logs are changed there, in a transaction committed just before the store's (should
    the store's then fail, the person is suppressed and logged, and erasing again removes the rest). The worker
    then rebuilds itself (`rebuild=False`) once it has copied the changed tables again."""
    if not actor or not actor.strip():
        raise PrivacyError("an erasure needs the name of who carried it out")
    if not reason or not reason.strip():
        raise PrivacyError("say why: an erasure needs a reason (a ticket number, not the person's details)")
    ops = ops or con
    with transaction(con), (transaction(ops) if ops is not con else contextlib.nullcontext()):
        who = subject(con, customer_id)
        erasure_id = ops.execute("select nextval('erasure_id_seq')").fetchall()[0][0]
        report = ErasureReport(erasure_id, customer_id, identifiers_shared=len(who.shared_keys))
        keys = suppression_keys(con, who)
        posts = {"posts": post_keys(con, who)}
        condition, q = quarantine_filter(con, who)
        report.removed["quarantine"] = delete(con, f"delete from quarantine q where {condition}", q)
        texts = [r[0] for r in run(con, who, f"""
            select md5(coalesce(r.description, '')) from raw_tickets r where {raw_filter('tickets')}
            union select md5(r.body) from raw_ticket_comments r where {raw_filter('ticket_comments')}
            union select md5(r.text) from raw_social_posts r where {raw_filter('social_posts')}""").fetchall()]
        written_phones = [r[0] for r in run(con, who, f"""
            select unnest(string_split_regex(r.phone, '\\s*[;,/]\\s*')) from raw_customers r
            where {raw_filter('customers')}
            union select r.phone from raw_purchases r where {raw_filter('purchases')}
            union select r.requester_phone from raw_tickets r where {raw_filter('tickets')}""").fetchall() if r[0]]
        # comments first: their filter reads the subject's tickets, which are still there
        for kind in ("ticket_comments", "customers", "purchases", "tickets", "social_posts"):
            sql = f"delete from raw_{kind} r where {raw_filter(kind)}"
            report.removed[f"raw_{kind}"] = delete(con, sql, params(who, sql))
        for table in ("inbox_notes", "handoffs", "inbox_state"):
            report.removed[table] = delete(
                ops, f"delete from {table} where post_key in (select unnest($posts::varchar[]))", posts)
        # corrections are build inputs kept with the store (replicas read them from its snapshots)
        report.removed["classification_corrections"] = delete(
            con, "delete from classification_corrections where post_key in (select unnest($posts::varchar[]))", posts)
        report.removed["identity_decisions"] = delete(ops, """
            delete from identity_decisions where record_key in (select unnest($keys::varchar[]))
            or customer_id = $id or other_customer_id = $id""", {"keys": who.record_keys, "id": customer_id})
        con.execute("delete from customer_ids where anchor_record_key in (select unnest($keys))",
                    {"keys": who.record_keys})
        con.execute("delete from customer_id_redirects where customer_id = ?", [customer_id])
        phones = [k[len("phone:"):] for k in who.keys if k.startswith("phone:")]
        con.execute("delete from phone_numbers where raw in (select unnest($w)) or e164 in (select unnest($e))",
                    {"w": written_phones or [""], "e": phones or [""]})
        con.execute("delete from sentiment_scores where text_hash in (select unnest($h))", {"h": texts or [""]})
        con.execute("delete from post_classifications where text_hash in (select unnest($h))", {"h": texts or [""]})
        con.execute("delete from llm_classifications where text_hash in (select unnest($h))", {"h": texts or [""]})
        stamp = utc_now()
        before = ops.execute("select count(*) from suppressed_identifiers").fetchall()[0][0]
        ops.executemany("insert into suppressed_identifiers values (?, ?, ?) on conflict do nothing",
                        [[identifier_hash(k), kind, stamp] for k, kind in sorted(keys.items())])
        report.identifiers_suppressed = ops.execute("select count(*) from suppressed_identifiers").fetchall()[0][0] \
            - before
        ops.execute("""insert into erasure_log (erasure_id, erased_at, actor, reason, records_removed,
                                                identifiers_suppressed) values (?, ?, ?, ?, ?, ?)""",
                    [erasure_id, stamp, actor, reason.strip(), report.records_removed, report.identifiers_suppressed])
        audit(ops, actor, "erase", "customer", str(customer_id), erasure_id=erasure_id,
              records_removed=report.records_removed, identifiers_suppressed=report.identifiers_suppressed)
    # `build` opens its own transaction (and splink needs the real connection), so it runs right after the erasure
    # commits; should it fail, the models keep showing the customer until the next build (every load runs one)
    if rebuild:
        build(con, now)
    return report


def erase_and_rewrite(path: str | Path, customer_id: int, actor: str, reason: str,
                      now: datetime | None = None) -> ErasureReport:
    """Erase one customer from the store at `path` (which nobody else may hold open), then rewrite the file so
    that the erased rows' bytes are gone from disk too; the erasure log says when (`file_rewritten_at`)."""
    con = store.connect(path)
    try:
        report = erase_customer(con, customer_id, actor, reason, now)
    finally:
        con.close()
    rewrite_store(path)
    report.file_rewritten = True
    return report


def rewrite_store(path: str | Path) -> None:
    """Rewrite the closed store at `path` into a fresh file (store.rewrite), marking every erasure not yet
    rewritten as done in the copy, so the log says so exactly when the swap happened. A failure leaves the old
    file, whose log still says not rewritten; the next erasure's rewrite (or this call again) completes it."""
    def mark(con: Connection, catalog: str) -> None:
        con.execute(f"update {catalog}.main.erasure_log set file_rewritten_at = ? where file_rewritten_at is null",
                    [utc_now()])

    store.rewrite(path, mark)


def delete(con: Connection, sql: str, parameters: dict) -> int:
    """Run a delete and return how many rows it removed (DuckDB returns the count as a row, PostgreSQL as the
    statement's row count)."""
    done = con.execute(sql, parameters)
    return done.rowcount if isinstance(done, postgres.Result) else done.fetchall()[0][0]
