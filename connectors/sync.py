"""Sync the API sources of sources.toml: pull what changed since each stream's cursor and store it through the
loader, each batch of pages in one transaction with the cursor that follows it, so a crash resumes exactly there."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from queue import Empty, Full, Queue

import pandas as pd

from connectors.api.base import Page, Stream
from connectors.api.http import CredentialsRefused, Http
from connectors.api.sources import Source, load_sources, select
from connectors.loader import LoadResult, load_records, log_load, utc_now
from connectors.progress import Reporter
from store import Connection, transaction


@dataclass
class SyncResult:
    """What one source's sync did, as the CLI prints it."""

    source: str
    pages: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    outcome: str = "ok"
    error: str | None = None
    seconds: float = 0.0

    def add(self, load: LoadResult) -> None:
        self.inserted += load.inserted
        self.updated += load.updated
        self.unchanged += load.unchanged
        self.rejected += load.rejected

    def fail(self, message: str) -> None:
        self.outcome = "failed"
        self.error = self.error or message  # the first error is the one to fix

    def summary(self) -> str:
        return (f"{self.source}: {self.pages} pages, {self.inserted} inserted, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.rejected} rejected in {self.seconds:.1f} s: {self.outcome}")


@dataclass
class Progress:
    """Handed to a `progress` callback after every stored batch (a dashboard can show it)."""

    source: str
    stream: str
    pages: int
    records: int
    cursor: str | None


@dataclass
class Batch:
    """Consecutive pages of one stream, stored together; `next_cursor` is the latest safe point among them."""

    pages: int = 0
    records: list = field(default_factory=list)
    related: dict[str, list] = field(default_factory=dict)
    next_cursor: str | None = None
    size: int = 0  # records of every kind
    answers: list[str] | None = field(default_factory=list)  # the pages' own texts, while every page has one

    def add(self, page: Page) -> None:
        self.pages += 1
        self.records.extend(page.records)
        if self.answers is not None and page.answer:
            self.answers.append(page.answer)
        else:
            self.answers = None
        for name, records in page.related.items():
            self.related.setdefault(name, []).extend(records)
        self.next_cursor = page.next_cursor if page.next_cursor is not None else self.next_cursor
        self.size += len(page.records) + sum(map(len, page.related.values()))

    def serialised(self, records_at: str | None) -> Serialised:
        """The batch with its records as JSON text, as the loader stages them (done in the fetching thread): the
        answers as the API sent them when the stream says where their records are, else serialised anew."""
        related = {name: json_text(records) for name, records in self.related.items()}
        if records_at is not None and self.answers and self.records and not any(self.related.values()):
            path = "$[*]" + "".join(f'."{part}"' for part in records_at.split(".") if part) + "[*]"
            return Serialised(self.pages, f"[{','.join(self.answers)}]", related, self.next_cursor, self.size, path)
        return Serialised(self.pages, json_text(self.records), related, self.next_cursor, self.size)


@dataclass(frozen=True)
class Serialised:
    """A batch ready to store: each kind's records as JSON text (None when there are none), the stream's own
    records at `records_path` in theirs (`$[*]`: the text is their array), the related ones as arrays."""

    pages: int
    records: str | None
    related: dict[str, str | None]
    next_cursor: str | None
    size: int
    records_path: str = "$[*]"  # where the records are in `records`


def json_text(records: list) -> str | None:
    return json.dumps(records, ensure_ascii=False, check_circular=False) if records else None


def sync_all(con: Connection, names: list[str] | None = None, *, sources: list[Source] | None = None,
             progress: Callable[[Progress], None] | None = None, reporter: Reporter | None = None) -> list[SyncResult]:
    """Sync the named sources (all when None) of the sources file, one after the other; a source that fails is
    reported in its result and never stops the others. The model is not rebuilt here: callers do it once.

    `progress` is called after every stored batch; `reporter` shows the work as it goes (records and pages
    fetched, each wait for a rate limit or a retry and why)."""
    chosen = select(load_sources() if sources is None else sources, names)
    return [guarded(con, source, progress, reporter or Reporter()) for source in chosen]


def guarded(con: Connection, source: Source, progress: Callable[[Progress], None] | None,
            reporter: Reporter) -> SyncResult:
    try:
        return sync_source(con, source, progress, reporter)
    except Exception as exc:  # noqa: BLE001 - a source that cannot even start must not stop the others
        result = SyncResult(source.name)
        result.fail(error_message(source.name, exc))
        return result


def sync_source(con: Connection, source: Source, progress: Callable[[Progress], None] | None = None,
                reporter: Reporter | None = None) -> SyncResult:
    """Sync every stream of one source; a refusal of its credentials stops it, any other failure only its stream."""
    result, started, reporter = SyncResult(source.name), time.perf_counter(), reporter or Reporter()
    module = source.module
    http = Http(source.name, module.base_url(source.settings), auth=module.auth(source.settings),
                policy=source.policy, reporter=reporter)
    streams = module.streams(source, http)
    for position, stream in enumerate(streams):
        try:
            reporter.start(f"sync {source.name}/{stream.name}")
            records = sync_stream(con, source, stream, result, progress, reporter)
            if not records:  # nothing new: still a sync the load log should show
                log_attempt(con, source.name, stream, None)
            record_outcome(con, source.name, stream.name, "ok", None, records)
        except CredentialsRefused as exc:  # every later stream would be refused too: one message, then stop
            message = http.redact(str(exc))
            result.fail(message)
            log_attempt(con, source.name, stream, message)
            for refused in streams[position:]:
                record_outcome(con, source.name, refused.name, "failed", message, 0)
            break
        except Exception as exc:  # noqa: BLE001 - whatever goes wrong, the source's other streams still sync
            message = http.redact(error_message(source.name, exc))
            result.fail(message)
            log_attempt(con, source.name, stream, message)
            record_outcome(con, source.name, stream.name, "failed", message, None)
    result.seconds = time.perf_counter() - started
    return result


def sync_stream(con: Connection, source: Source, stream: Stream, result: SyncResult,
                progress: Callable[[Progress], None] | None, reporter: Reporter) -> int:
    """Store the stream's pages batch by batch, each with its cursor; the number of records received."""
    cursor = saved_cursor(con, source.name, stream.name)
    received, settings = 0, source.settings
    gathered = batches(counted(stream.pages(cursor), reporter), settings["batch_records"], settings["batch_seconds"],
                       stream.records_at)
    # closing stops the fetching thread whatever happens here; while it fetches (or waits), this thread shows how
    # far it got
    with closing(prefetched(gathered, idle=reporter.refresh)) as ready:
        for batch in ready:
            label = (f"api:{source.name}/{stream.name}?since={cursor or 'start'}"
                     f"#pages={result.pages + 1}-{result.pages + batch.pages}")
            reporter.step(f"storing {batch.size:,} records")
            store_batch(con, source, stream, batch, label, result)
            reporter.step("")
            cursor = batch.next_cursor or cursor
            received += batch.size
            result.pages += batch.pages
            if progress:
                progress(Progress(source.name, stream.name, result.pages, received, cursor))
    return received


def store_batch(con: Connection, source: Source, stream: Stream, batch: Serialised, label: str,
                result: SyncResult) -> None:
    """Load the batch's records of every kind and move the cursor, all in one transaction."""
    loads = [(stream.kind, stream.mapping, batch.records, label, batch.records_path)]
    loads += [(r.kind, r.mapping, batch.related.get(r.name), f"{label}&{r.name}", "$[*]") for r in stream.related]
    done = []
    with transaction(con):
        for kind, mapping, records, batch_label, path in loads:
            if records:
                done.append(load_records(con, kind, records, source=source.name, mapping=mapping, label=batch_label,
                                         records_path=path))
        if batch.next_cursor is not None:
            save_cursor(con, source.name, stream.name, batch.next_cursor)
    for load in done:
        result.add(load)


def counted(pages: Iterator[Page], reporter: Reporter) -> Iterator[Page]:
    """The same pages, each counted in the reporter as it arrives (in the fetching thread)."""
    for page in pages:
        reporter.advance(records=len(page.records) + sum(map(len, page.related.values())), pages=1)
        yield page


def batches(pages: Iterator[Page], size: int, seconds: float, records_at: str | None = None) -> Iterator[Serialised]:
    """Consecutive pages gathered until they hold `size` records or took `seconds` to fetch (a page is never
    split): few large transactions are fast, and the time limit bounds what a crash can cost on a slow API."""
    batch, started = Batch(), time.monotonic()
    try:
        for page in pages:
            batch.add(page)
            if batch.size >= size or time.monotonic() - started >= seconds:
                yield batch.serialised(records_at)
                batch, started = Batch(), time.monotonic()
    except Exception:
        if batch.pages:  # what arrived before the failure is stored before it is reported
            yield batch.serialised(records_at)
        raise
    if batch.pages:
        yield batch.serialised(records_at)


def prefetched(items: Iterator, depth: int = 1, idle: Callable[[], None] | None = None) -> Iterator:
    """The same items, produced by a background thread while the caller stores the ones before: fetching and
    serialising run in Python while DuckDB, which releases the interpreter as it works, stores the previous
    batch. Errors arrive in order, after the items produced before them. `idle` is called (in the caller's
    thread) every 50 ms that the caller waits for an item."""
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.05)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            put(("error", exc))

    threading.Thread(target=produce, name="sync-fetch", daemon=True).start()
    try:
        while True:
            try:
                tag, item = queue.get(timeout=0.05)
            except Empty:
                if idle:
                    idle()
                continue
            if tag == "end":
                return
            if tag == "error":
                raise item
            yield item
    finally:
        stop.set()


# --- state ----------------------------------------------------------------------------------------------------

def saved_cursor(con: Connection, source: str, stream: str) -> str | None:
    found = con.execute("select cursor from sync_state where source = ? and stream = ?", [source, stream]).fetchall()
    return found[0][0] if found else None


def save_cursor(con: Connection, source: str, stream: str, cursor: str) -> None:
    con.execute("""insert into sync_state (source, stream, cursor) values (?, ?, ?)
                   on conflict (source, stream) do update set cursor = excluded.cursor""", [source, stream, cursor])


def record_outcome(con: Connection, source: str, stream: str, outcome: str, error: str | None,
                   records: int | None) -> None:
    with transaction(con):
        con.execute("""insert into sync_state (source, stream, last_sync_at, last_outcome, last_error, records)
                       values (?, ?, ?, ?, ?, ?)
                       on conflict (source, stream) do update set last_sync_at = excluded.last_sync_at,
                           last_outcome = excluded.last_outcome, last_error = excluded.last_error,
                           records = excluded.records""", [source, stream, utc_now(), outcome, error, records])


def log_attempt(con: Connection, source: str, stream: Stream, error: str | None) -> None:
    """A stream's sync in the load log when no batch of it is: one that failed (with its error), or found
    nothing new."""
    load_id = con.execute("select nextval('load_id_seq')").fetchone()[0]
    log_load(con, LoadResult(load_id, source, stream.kind, f"api:{source}/{stream.name}"), utc_now(),
             "failed" if error else "ok", error)


def error_message(source: str, exc: BaseException) -> str:
    """One line naming the source; API errors already do, other errors get their type."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if text.startswith(f"{source}: ") else f"{source}: {type(exc).__name__}: {text}"


def sync_status(con: Connection) -> pd.DataFrame:
    """One row per synced stream: its cursor, when it last synced, the outcome and error, the records it got."""
    return con.execute("""select source, stream, cursor, last_sync_at, last_outcome, last_error, records
                          from sync_state order by source, stream""").df()
