"""Page benchmark: Chromium goes through the dashboard as a person does — open the app, search, open profiles, page
a timeline, open a brief, every dashboard page — and each step is timed from navigation to the page settled (no
script running and the page unchanged for a moment). Reported as p50/p95 per step, for one session and for several
sessions at once on the same server, whose ratio to the single session is the figure that matters.

    python -m bench pages [--customers 2000 | --store FILE] [--profiles 10] [--sessions 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import requests
from playwright.async_api import Page, async_playwright

import store
from connectors.demo import load_demo
from models.build import build
from store.documents import documents_path

PROJECT = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT / "bench" / "out"
CHROMIUM = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
GOALS = {"profile": 1.0, "page": 1.5}  # p95 seconds at 1M customers (issue 24)
QUIET_MS = 300  # the page counts as settled once nothing changed in the DOM for this long
# settled: the page's title is drawn, Streamlit's "running" widget is gone, and no DOM change for QUIET_MS
SETTLED_JS = """(quiet) => new Promise((resolve) => {
    let last = performance.now();
    const observer = new MutationObserver(() => { last = performance.now(); });
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    const check = () => {
        const ready = document.querySelector('[data-testid="stMain"] h1')
            && !document.querySelector('[data-testid="stStatusWidget"]');
        if (ready && performance.now() - last >= quiet) { observer.disconnect(); resolve(last); }
        else setTimeout(check, 25);
    };
    check();
})"""
PAGES = ("social_inbox", "ideas", "leadership", "data_sources", "privacy", "audit")


@dataclass
class Timings:
    """Seconds per step name, over every session and customer."""

    steps: dict[str, list[float]] = field(default_factory=dict)

    def add(self, step: str, seconds: float) -> None:
        self.steps.setdefault(step, []).append(seconds)

    def summary(self) -> dict[str, dict[str, float]]:
        return {step: {"n": len(values), "p50": float(np.percentile(values, 50)),
                       "p95": float(np.percentile(values, 95)), "max": max(values)}
                for step, values in self.steps.items()}


async def settle_seconds(page: Page, started: float) -> float:
    """Seconds from `started` (a navigation or click) to the last change before the page went quiet."""
    last_change = await page.evaluate(SETTLED_JS, QUIET_MS)
    origin = await page.evaluate("performance.timeOrigin")
    return max(0.0, (origin + last_change) / 1000 - started)


async def timed_goto(page: Page, url: str, step: str, timings: Timings) -> None:
    started = time.time()
    await page.goto(url)
    timings.add(step, await settle_seconds(page, started))


async def person(browser, url: str, customers: list[tuple[int, str]], timings: Timings) -> None:
    """One person's walk: search, profiles with a second timeline page, a brief, then every dashboard page."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        await timed_goto(page, url, "open the app", timings)
        box = page.get_by_role("textbox", name="Find a customer")
        await box.fill(customers[0][1])
        started = time.time()
        await box.press("Enter")
        timings.add("search", await settle_seconds(page, started))
        for customer_id, _ in customers:
            await timed_goto(page, f"{url}/?customer={customer_id}", "profile", timings)
            pager = page.get_by_label("Page", exact=True)
            if await pager.count() and await pager.get_attribute("max") not in (None, "1"):
                await pager.fill("2")
                started = time.time()
                await pager.press("Enter")
                timings.add("timeline page 2", await settle_seconds(page, started))
        await timed_goto(page, f"{url}/meeting_prep?customer={customers[0][0]}", "meeting brief", timings)
        for name in PAGES:
            await timed_goto(page, f"{url}/{name}", name.replace("_", " "), timings)
    finally:
        await context.close()


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user + system, from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def until_server_idle(pid: int, quiet: float = 2.0, most: float = 180.0) -> float:
    """Wait until the server spends under 5 % of a core for `quiet` seconds: after a start it warms its caches in
    the background (at 1M: seconds of lookups and the typo index), which is not what a page costs a person on a
    server that has been up. Returns the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < most:
        before = cpu_seconds(pid)
        await asyncio.sleep(quiet)
        if cpu_seconds(pid) - before < 0.05 * quiet:
            break
    return time.monotonic() - started


async def walk(url: str, customers: list[tuple[int, str]], sessions: int, server_pid: int) -> Timings:
    timings = Timings()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            await person(browser, url, customers[:1], Timings())  # warm the server's caches, not measured
            waited = await until_server_idle(server_pid)
            print(f"  the server went quiet {waited:.1f} s after the warm-up walk", flush=True)
            await asyncio.gather(*(person(browser, url, rotated(customers, n), timings) for n in range(sessions)))
        finally:
            await browser.close()
    return timings


def rotated(items: list, n: int) -> list:
    shift = n % len(items)
    return items[shift:] + items[:shift]


# ---------------------------------------------------------------- the store and the server


def demo_store(folder: Path, customers: int) -> Path:
    path = folder / "pages.duckdb"
    con = store.connect(path)
    load_demo(con, folder / "files", customers=customers)
    build(con)
    con.close()
    return path


def sample_customers(path: Path, count: int) -> list[tuple[int, str]]:
    """Customers with a history worth showing (orders and tickets), spread over the id range."""
    con = store.connect(path, read_only=True)
    try:
        return [(int(r[0]), str(r[1])) for r in con.execute("""
            select customer_id, display_name from customer_profiles
            where order_count >= 1 and ticket_count >= 1 and not is_prospect
            order by hash(customer_id) limit ?""", [count]).fetchall()]
    finally:
        con.close()


def copy_store(source: Path, target: Path) -> Path:
    """The store and the point-read documents its build wrote beside it (without them every read falls back to
    DuckDB), so each run starts from the same state."""
    shutil.copy(source, target)
    if documents_path(source).exists():
        shutil.copy(documents_path(source), documents_path(target))
    # a copy of a 1M store is 16 GB of pages the kernel writes out over the next minute or two: before the timing
    # starts, not while it runs (the first 1M walk after a copy took 4.2 s to open the app, 1.6 s the time before)
    os.sync()
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
                                "--server.port", str(port), "--server.headless", "true",
                                "--server.fileWatcherType", "none"], cwd=PROJECT,
                               env={**os.environ, "RAPPORT_DB": str(path)}, stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}; see {log}")
        try:
            if requests.get(f"{url}/_stcore/health", timeout=2).ok:
                return process, url
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    process.kill()
    raise TimeoutError(f"streamlit did not answer within 10 minutes; see {log}")


# ---------------------------------------------------------------- the report


def report(single: Timings, together: Timings, sessions: int) -> list[str]:
    one, many = single.summary(), together.summary()
    lines = [f"{'step':<18} {'1 session p50/p95 (s)':>22} {f'{sessions} sessions p50/p95 (s)':>24} "
             f"{'p95 ratio':>10} {'goal p95':>9}"]
    for step, alone in one.items():
        shared = many.get(step, alone)
        goal = GOALS["profile"] if step == "profile" else GOALS["page"]
        lines.append(f"{step:<18} {alone['p50']:>10.2f} / {alone['p95']:<9.2f} {shared['p50']:>11.2f} / "
                     f"{shared['p95']:<10.2f} {shared['p95'] / alone['p95'] if alone['p95'] else 0:>9.2f}x "
                     f"{goal:>8.1f}")
    return lines


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench pages", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000, help="size of the demo company to build")
    parser.add_argument("--store", type=Path, help="an already built store to copy instead of building the demo")
    parser.add_argument("--profiles", type=int, default=10, help="customers each session opens")
    parser.add_argument("--sessions", type=int, default=20, help="sessions at once in the second run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rapport-bench-pages-") as tmp:
        folder = Path(tmp)
        path = copy_store(args.store, folder / "pages.duckdb") if args.store else demo_store(folder, args.customers)
        customers = sample_customers(path, args.profiles)
        if not customers:
            sys.exit("no customer with orders and tickets in this store")
        process, url = start_server(path, folder / "streamlit.log")
        try:
            single = asyncio.run(walk(url, customers, 1, process.pid))
            together = asyncio.run(walk(url, customers, args.sessions, process.pid))
        finally:
            process.terminate()
            process.wait(timeout=30)
    lines = report(single, together, args.sessions)
    print("\n".join(lines))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    # every timing of the one session too, in the order taken (the profiles in the order of `sampled`): a slow
    # one can be looked at again
    (OUT_DIR / "pages.json").write_text(json.dumps({"single": single.summary(), "together": together.summary(),
                                                    "single_each": single.steps, "sampled": customers,
                                                    "sessions": args.sessions, "profiles": args.profiles,
                                                    "customers": args.customers if not args.store else str(args.store)},
                                                   indent=2))
