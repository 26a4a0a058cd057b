"""Concurrency benchmark: N simulated people work the dashboard at once — open a customer's profile, then the
social inbox, then the next customer, with a pause between pages as a person reads — against the one-process
dashboard and against two replicas + a worker + PostgreSQL (a throw-away cluster, as in the tests). Each person is a
lightweight Streamlit client: one websocket session speaking Streamlit's own protocol (a `rerun_script` message,
then the reply's messages until `script_finished`), so fifty of them cost one Python process instead of fifty
browsers. A page counts only if its run finished and drew what the page draws (the profile's "Talking points", the
inbox's title) and no error box. Reported per deployment and N: p50/p95 page seconds and pages per second, and the
p95 as a ratio of the same deployment's single-person p95 measured in the same run.

    python -m bench concurrency [--customers 2000 | --store FILE] [--people 1,10,50] [--seconds 40] [--think 2]

What it leaves out: the browser's own drawing (the server's work is what more people share), and a person's form
edits (each would be one more run of the inbox page, plus one PostgreSQL write).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.pages import copy_store, demo_store, free_port, sample_customers
from store import snapshots

PROJECT = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT / "bench" / "out"
GOAL_RATIO = 2.0  # 50 people at <= 2x the single person's p95, with two replicas (issue 25)
PAGES = {"profile": ("", b"Talking points"), "inbox": ("social_inbox", b"Social inbox")}


async def run_page(ws, query: str, page: str, marker: bytes) -> float | None:
    """One rerun of `page`; its seconds, or None if it did not finish drawing what it should."""
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_name = page
    started = time.perf_counter()
    await ws.send(message.SerializeToString())
    drawn = failed = False
    while True:
        raw = await ws.recv()
        reply = ForwardMsg()
        reply.ParseFromString(raw)
        kind = reply.WhichOneof("type")
        if kind == "delta":
            drawn = drawn or marker in raw
            failed = failed or b"went wrong" in raw
        if kind == "script_finished":
            elapsed = time.perf_counter() - started
            ok = reply.script_finished == 0 and drawn and not failed
            return elapsed if ok else None


async def person(url: str, customers: list[int], until: float, think: float, seed: int,
                 times: dict[str, list[float]], failures: list[str]) -> None:
    rng = random.Random(seed)
    async with websockets.connect(url.replace("http", "ws") + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, open_timeout=120) as ws:
        await run_page(ws, "", "", b"")  # the session's first run: not a page a person waits for twice
        while time.monotonic() < until:
            customer = rng.choice(customers)
            for step, query in (("profile", f"customer={customer}"), ("inbox", "")):
                page, marker = PAGES[step]
                took = await run_page(ws, query, page, marker)
                if took is None:
                    failures.append(f"{step} customer={customer}")
                else:
                    times.setdefault(step, []).append(took)
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)


async def crowd(urls: list[str], customers: list[int], people: int, seconds: float, think: float) -> dict:
    times: dict[str, list[float]] = {}
    failures: list[str] = []
    started = time.monotonic()
    until = started + seconds
    # people arrive over the first few seconds, each sticky to one replica (as a load balancer with ip_hash does)
    await asyncio.gather(*(arrive(urls[i % len(urls)], customers, until, think, i, times, failures, i * 0.1)
                           for i in range(people)))
    elapsed = time.monotonic() - started
    every = [t for values in times.values() for t in values]
    return {"people": people, "pages": len(every), "failed": len(failures), "seconds": round(elapsed, 1),
            "pages_per_second": round(len(every) / elapsed, 2),
            "p50": round(float(np.percentile(every, 50)), 3) if every else None,
            "p95": round(float(np.percentile(every, 95)), 3) if every else None,
            "by_page": {step: {"p50": round(float(np.percentile(v, 50)), 3),
                               "p95": round(float(np.percentile(v, 95)), 3), "n": len(v)}
                        for step, v in times.items()}}


async def arrive(url, customers, until, think, seed, times, failures, delay) -> None:
    await asyncio.sleep(delay)
    await person(url, customers, until, think, seed, times, failures)


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], cwd=PROJECT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)


def dashboard(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    from tests.e2e.conftest import wait_until_healthy

    port = free_port()
    process = start(["streamlit", "run", "app.py", "--server.address", "127.0.0.1", "--server.port", str(port),
                     "--server.headless", "true", "--server.fileWatcherType", "none"], env, log)
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, process, seconds=600)
    return process, url


def deployment(kind: str, store_file: Path, folder: Path, pg_url: str | None) -> tuple[list, list[str]]:
    """Start `one-process` (streamlit over the store) or `replicas` (a worker and two replicas on PostgreSQL)."""
    env = {**os.environ, "RAPPORT_DB": str(store_file)}
    env.pop("RAPPORT_DATABASE_URL", None)
    if kind == "one-process":
        process, url = dashboard(env, folder / "one.log")
        return [process], [url]
    env["RAPPORT_DATABASE_URL"] = pg_url
    worker = start(["rapport", "worker"], env, folder / "worker.log")
    deadline = time.monotonic() + 600
    while snapshots.current(snapshots.snapshots_dir(store_file)) is None:
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not publish; see {folder / 'worker.log'}")
        time.sleep(0.5)
    started = [dashboard(env, folder / f"replica{i}.log") for i in (1, 2)]
    return [worker, *(p for p, _ in started)], [u for _, u in started]


def stop(processes: list) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench concurrency")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--store", type=Path, help="a built store to copy (default: a demo store of --customers)")
    parser.add_argument("--people", default="1,10,50")
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds a person reads a page")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.people.split(",")]
    from tests.pg import start_cluster

    folder = Path(tempfile.mkdtemp(prefix="rapport-concurrency-"))
    cluster = start_cluster(Path(tempfile.mkdtemp(prefix="rapport-pg-")))
    try:
        source = args.store or demo_store(folder, args.customers)
        customers = [c for c, _ in sample_customers(source, 200)]
        results = {}
        for kind in ("one-process", "replicas"):
            store_file = folder / kind / "rapport.duckdb"
            store_file.parent.mkdir()
            copy_store(source, store_file)
            processes, urls = deployment(kind, store_file, store_file.parent, cluster.url(cluster.create_database()))
            try:
                results[kind] = [asyncio.run(crowd(urls, customers, n, args.seconds, args.think)) for n in levels]
            finally:
                stop(processes)
        print("\n".join(report(results, levels, args)))
        OUT_DIR.mkdir(exist_ok=True)
        (OUT_DIR / "concurrency.json").write_text(json.dumps({"args": vars(args) | {"store": str(args.store)},
                                                              "results": results}, indent=2))
    finally:
        cluster.stop()


def report(results: dict, levels: list[int], args) -> list[str]:
    lines = [f"{'deployment':12} {'people':>6} {'pages':>6} {'failed':>6} {'pages/s':>8} {'p50 s':>7} "
             f"{'p95 s':>7} {'p95 ÷ 1 person':>15}"]
    for kind, rows in results.items():
        single = rows[0]["p95"] if rows and rows[0]["people"] == 1 else None
        for row in rows:
            ratio = f"{row['p95'] / single:.2f}" if single and row["p95"] else "-"
            lines.append(f"{kind:12} {row['people']:>6} {row['pages']:>6} {row['failed']:>6} "
                         f"{row['pages_per_second']:>8} {row['p50'] or '-':>7} {row['p95'] or '-':>7} {ratio:>15}")
    lines.append(f"(store: {args.store or f'demo, {args.customers} customers'}; {args.seconds:.0f} s per level; "
                 f"think {args.think} s; goal: 50 people at <= {GOAL_RATIO}x one person's p95 with 2 replicas)")
    return lines
