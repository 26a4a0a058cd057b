"""Command line: `python -m rapport load KIND PATH`, `sync [NAME ...]`, `status`, `quarantine`, `mappings`, `demo`,
`worker`.

A load, sync or demo refreshes the models afterwards, so the dashboard shows the new data at once: loading and
building are chained here, above connectors/ and models/, which know nothing of each other. While the dashboard has
the store open (DuckDB admits one writing process), a load or sync is handed over to it; in the deployment with
replicas, to the worker."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from datetime import date
from pathlib import Path

import duckdb

import store
from connectors.api.sources import SourcesError, sources_path
from connectors.demo import load_demo
from connectors.files import FatalLoadError
from connectors.jobs import hand_over, open_store_or_none
from connectors.loader import load_file
from connectors.mapping import MAPPINGS_DIR, MappingError, load_mapping
from connectors.progress import Reporter, console
from connectors.schema import KINDS, UnknownKind
from connectors.status import quarantined_rows, source_status
from connectors.sync import sync_all
from models.build import build, refresh
from store import operational


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (FatalLoadError, MappingError, UnknownKind, duckdb.Error) as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m rapport", description=__doc__)
    commands = top.add_subparsers(required=True, metavar="COMMAND")
    load = commands.add_parser("load", help="load a file of one kind into the store")
    load.add_argument("kind", help=f"one of: {', '.join(KINDS)}")
    load.add_argument("path", help="a .csv, .json, .jsonl or .parquet file")
    load.add_argument("--source", help="the source's name (default: the mapping's, else the kind)")
    load.add_argument("--mapping", help="a mapping file, or the name of a shipped one (see `mappings`)")
    load.set_defaults(run=run_load)
    sync = commands.add_parser("sync", help="pull what changed from the API sources in sources.toml")
    sync.add_argument("names", nargs="*", metavar="NAME", help="the sources to sync (default: all)")
    sync.set_defaults(run=run_sync)
    status = commands.add_parser("status", help="rows, last load and rejected rows per source")
    status.set_defaults(run=run_status)
    quarantine = commands.add_parser("quarantine", help="rows that were refused, with the reason")
    quarantine.add_argument("--source")
    quarantine.add_argument("--limit", type=int, default=50)
    quarantine.set_defaults(run=run_quarantine)
    mappings = commands.add_parser("mappings", help="list the shipped mappings")
    mappings.set_defaults(run=run_mappings)
    demo = commands.add_parser("demo", help="generate the demo company's exports and load them")
    demo.add_argument("--as-of", type=date.fromisoformat, help="the demo's today (default: today)")
    demo.add_argument("--customers", type=int, default=2000)
    demo.set_defaults(run=run_demo)
    worker = commands.add_parser("worker", help="own the store: run queued work, publish snapshots for the "
                                 "replicas (needs RAPPORT_DATABASE_URL; RAPPORT_SYNC_MINUTES syncs on a schedule)")
    worker.set_defaults(run=run_worker)
    return top


def run_load(args: argparse.Namespace) -> int:
    con = open_store_or_none()
    if con is None:
        mapping = args.mapping
        if mapping and Path(mapping).exists():
            mapping = str(Path(mapping).resolve())
        return hand_over({"command": "load", "kind": args.kind, "path": str(Path(args.path).resolve()),
                          "source": args.source, "mapping": mapping})
    reporter = Reporter(console())
    try:
        result = load_file(con, args.kind, args.path, source=args.source, mapping=args.mapping, reporter=reporter)
    finally:
        reporter.finish()
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(result.summary())
    if result.rejected:
        print(f"see the reasons with: python -m rapport quarantine --source {result.source}")
    print(refreshed(con, reporter).summary())
    return 0


def refreshed(con: store.Connection, reporter: Reporter):
    """refresh(), showing the build's steps as they go."""
    reporter.start("build")
    try:
        return refresh(con, step=reporter.step)
    finally:
        reporter.finish()


def run_sync(args: argparse.Namespace) -> int:
    con = open_store_or_none()
    if con is None:
        return hand_over({"command": "sync", "names": args.names or None})
    reporter = Reporter(console())
    try:
        results = sync_all(con, args.names or None, reporter=reporter)
    except SourcesError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    finally:
        reporter.finish()
    if not results:
        print(f"no sources configured: {sources_path()} does not exist or lists none "
              f"(see sources.example.toml; RAPPORT_SOURCES names another file)")
        return 0
    for result in results:
        print(result.summary())
        if result.error:
            print(f"error: {result.error}", file=sys.stderr)
    print(refreshed(con, reporter).summary())
    return 0 if all(r.outcome == "ok" for r in results) else 1


def open_for_reading() -> store.Connection:
    """The store, or with the worker owning it (RAPPORT_DATABASE_URL) the newest snapshot it published."""
    from store import snapshots

    if not operational.is_shared():
        return store.connect()
    current = snapshots.current()
    if current is None:
        raise duckdb.IOException(f"no snapshot published in {snapshots.snapshots_dir()} yet: is the worker running?")
    return store.open_snapshot(current.path)


def run_status(args: argparse.Namespace) -> int:
    table = source_status(open_for_reading())
    print("no loads yet" if table.empty else table.drop(columns="last_error").to_string(index=False))
    return 0


def run_quarantine(args: argparse.Namespace) -> int:
    rows = quarantined_rows(open_for_reading(), args.source, args.limit)
    if rows.empty:
        print("the quarantine is empty")
    for row in rows.itertuples():
        print(f"{row.source}/{row.kind} {row.file}:{row.line_number}: {row.reason}")
    return 0


def run_mappings(args: argparse.Namespace) -> int:
    for path in sorted(MAPPINGS_DIR.glob("*.toml")):
        mapping = load_mapping(path)
        print(f"{path.stem:24} {mapping.kind.name:16} {mapping.description}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    con, reporter = store.connect(), Reporter(console())
    try:
        results = load_demo(con, as_of=args.as_of, customers=args.customers, reporter=reporter)
        reporter.start("build")
        report = build(con, step=reporter.step)
    finally:
        reporter.finish()
    for result in results:
        print(result.summary())
    print(report.summary())
    return 0


def sync_every() -> float | None:
    """RAPPORT_SYNC_MINUTES in seconds (unset, zero or unreadable: no scheduled sync)."""
    try:
        minutes = float(os.environ.get("RAPPORT_SYNC_MINUTES", "").strip() or 0)
    except ValueError:
        return None
    return minutes * 60 if minutes > 0 else None


def run_worker(args: argparse.Namespace) -> int:
    """The worker of the deployment with dashboard replicas (the store is RAPPORT_DB, its snapshots beside it or in
    RAPPORT_SNAPSHOTS)."""
    if not operational.is_shared():
        print("error: the worker needs RAPPORT_DATABASE_URL=postgresql://… (the queue and the operational state "
              "live there); without it, `streamlit run app.py` alone is the whole deployment", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # stopped by a service manager: leave through the loop's `finally`, closing the store cleanly
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from rapport.worker import run_forever

    run_forever(sync_every())
    return 0


def one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
