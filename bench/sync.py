"""Sync benchmark: `connectors sync` of N records from a local paged JSON API, next to a plain `requests` loop
that writes the same pages into a bare DuckDB table, both measured in the same run."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import requests

import store
from connectors.api.sources import parse_sources
from connectors.sync import sync_all

STATUSES = ("paid", "paid", "paid", "paid", "refunded", "cancelled")


def make_pages(records: int, page_size: int, seed: int = 1) -> list[bytes]:
    """The API's answers, serialised once: `{"data": [...]}` pages of purchases in canonical fields."""
    rng, start = random.Random(seed), datetime(2022, 1, 1)
    rows = [{"order_id": f"O{i:08d}", "line_id": "1",
             "ordered_at": (start + timedelta(seconds=rng.randrange(0, 4 * 365 * 86400))).isoformat() + "Z",
             "amount": f"{rng.uniform(5, 400):.2f}", "currency": "GBP",
             "email": f"user{rng.randrange(200_000)}@example.com", "product": "Ridgeline 2P tent", "sku": "TNT-2P",
             "quantity": rng.randint(1, 3), "channel": "online", "status": rng.choice(STATUSES)}
            for i in range(records)]
    return [json.dumps({"data": rows[i:i + page_size]}).encode() for i in range(0, records, page_size)]


def serve(pages: list[bytes]) -> ThreadingHTTPServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 answering `/orders?page=N` with a Link header to the next page."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            number = int(self.path.partition("page=")[2] or 1)
            body = pages[number - 1] if number <= len(pages) else b'{"data": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if number < len(pages):
                self.send_header("Link", f'<http://127.0.0.1:{self.server.server_port}/orders?page={number + 1}>; '
                                         f'rel="next"')
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def time_plain_loop(url: str, db: Path) -> float:
    """The baseline: GET every page with requests, insert its records into a bare table through a DataFrame."""
    con = store.connect(db)
    started = time.perf_counter()
    session, next_url = requests.Session(), url
    while next_url:
        response = session.get(next_url, timeout=30)
        page = con.from_df(pd.DataFrame(response.json()["data"]))
        if next_url == url:
            page.create("bare")
        else:
            page.insert_into("bare")
        next_url = response.links.get("next", {}).get("url")
    con.close()  # both clocks stop once the data is in the database file (closing checkpoints the log)
    return time.perf_counter() - started


def time_sync(url: str, db: Path, batch_records: int) -> tuple[float, str]:
    """Ours: a generic REST source synced by `sync_all` (map, validate, quarantine, upsert, cursor per batch)."""
    doc = {"sources": {"bench": {"connector": "rest", "kind": "purchases", "url": url, "records": "data",
                                 "paging": "link", "batch_records": batch_records}}}
    sources = parse_sources(doc, Path("bench-sources.toml"))
    con = store.connect(db)
    started = time.perf_counter()
    [result] = sync_all(con, sources=sources)
    con.close()
    elapsed = time.perf_counter() - started
    if result.outcome != "ok":
        raise SystemExit(f"sync failed: {result.error}")
    return elapsed, result.summary()


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--records", type=int, default=100_000)
    args.add_argument("--page-size", type=int, default=1000)
    args.add_argument("--batch-records", type=int, default=25_000, help="the sync's batch_records setting")
    args.add_argument("--repeat", type=int, default=5)
    opts = args.parse_args(argv)
    pages = make_pages(opts.records, opts.page_size)
    server = serve(pages)
    url = f"http://127.0.0.1:{server.server_port}/orders?page=1"
    print(f"{opts.records:,} records in {len(pages)} pages of {opts.page_size}, "
          f"{sum(map(len, pages)) / 1e6:.0f} MB of JSON, from {url.rsplit('/', 1)[0]}")
    plain, ours = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(opts.repeat):  # interleaved, so both see the same machine load
            plain.append(time_plain_loop(url, Path(tmp) / f"plain{i}.duckdb"))
            seconds, summary = time_sync(url, Path(tmp) / f"sync{i}.duckdb", opts.batch_records)
            ours.append(seconds)
    server.shutdown()
    print(f"connectors sync: {summary}")
    best_plain, best_ours = min(plain), min(ours)
    print(f"plain requests loop  {opts.records / best_plain:>10,.0f} records/s  (best of {opts.repeat}: "
          f"{best_plain:.2f} s)")
    print(f"connectors sync      {opts.records / best_ours:>10,.0f} records/s  (best of {opts.repeat}: "
          f"{best_ours:.2f} s)")
    print(f"ratio                {best_plain / best_ours:>10.0%} of the plain loop (goal >= 70%)")


if __name__ == "__main__":
    main()
