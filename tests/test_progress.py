"""Progress of long work: a line a minute off a terminal, one line rewritten on one, and what a load, a sync
waiting on rate limits, and a build report as they go."""

from __future__ import annotations

import io
import logging

import pytest

from connectors.loader import load_file
from connectors.progress import PeriodicLines, Reporter, TerminalLine, console, throttled
from connectors.sync import sync_all
from models.build import build
from tests.api_fixtures.fakes import FakeZendesk, local_server
from tests.api_fixtures.helpers import configured
from tests.viewers import open_app


class FakeClock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_at_most_one_line_per_interval_with_the_counts():
    clock, out = FakeClock(), io.StringIO()
    reporter = Reporter(PeriodicLines(out, clock=clock, interval=60), clock=clock)
    reporter.start("sync zendesk/tickets")
    for second in range(150):  # a page every second, then a long wait for a rate limit
        clock.now += 1
        reporter.advance(records=100, pages=1)
        if second == 100:
            reporter.wait(30, "zendesk: GET /api/v2/incremental/tickets/cursor.json answered HTTP 429")
    lines = out.getvalue().splitlines()
    assert lines == [
        "sync zendesk/tickets: 6,000 records, 60 pages, 1:00",
        "sync zendesk/tickets: 12,000 records, 120 pages, 2:00; 1 waits (0 s); waiting 11 s: zendesk: GET "
        "/api/v2/incremental/tickets/cursor.json answered HTTP 429"]


def test_work_shorter_than_the_interval_prints_no_progress_line():
    clock, out = FakeClock(), io.StringIO()
    reporter = Reporter(PeriodicLines(out, clock=clock, interval=60), clock=clock)
    reporter.start("load orders.csv")
    for step in ("reading", "checking", "writing"):
        clock.now += 10
        reporter.step(step)
    reporter.finish()
    assert out.getvalue() == ""


def test_on_a_terminal_one_line_is_rewritten_in_place_and_cleared_at_the_end():
    clock, out = FakeClock(), io.StringIO()
    reporter = Reporter(TerminalLine(out, clock=clock, gap=0.1, width=200), clock=clock)
    reporter.start("sync shop/orders")
    clock.now += 0.5
    reporter.wait(2, "shop: GET /orders.json answered HTTP 429 Too Many Requests (attempt 2 of 6 next)")
    clock.now += 1
    reporter.refresh()
    clock.now += 1
    reporter.resume()
    clock.now += 0.1  # a change within the gap waits for the next refresh after it
    reporter.advance(records=250, pages=1)
    written = out.getvalue()
    assert "\n" not in written and written.startswith("\r")
    shown = written.split("\r")[1:]
    assert [s.rstrip() for s in shown] == [
        "sync shop/orders: 0:00",
        "sync shop/orders: 0:00; 1 waits (0 s); waiting 2 s: shop: GET /orders.json answered HTTP 429 Too Many "
        "Requests (attempt 2 of 6 next)",
        "sync shop/orders: 0:01; 1 waits (0 s); waiting 1 s: shop: GET /orders.json answered HTTP 429 Too Many "
        "Requests (attempt 2 of 6 next)",
        "sync shop/orders: 0:02; 1 waits (2 s)", "sync shop/orders: 250 records, 1 pages, 0:02; 1 waits (2 s)"]
    assert len(shown[-2]) == len(shown[-3]), "a shorter line is padded over the longer one before it"
    reporter.finish()
    assert out.getvalue().endswith("\r" + " " * len(shown[-1]) + "\r")


def test_a_terminal_line_is_not_rewritten_more_often_than_its_gap():
    clock, out = FakeClock(), io.StringIO()
    reporter = Reporter(TerminalLine(out, clock=clock, gap=0.5, width=200), clock=clock)
    reporter.start("sync shop/orders")
    for _ in range(16):  # 8 pages a second for 2 s
        clock.now += 0.125
        reporter.advance(records=10, pages=1)
    assert out.getvalue().count("\r") == 5  # at 0, 0.5, 1, 1.5 and 2 s


def test_the_console_rewrites_a_line_on_a_terminal_and_prints_lines_elsewhere():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(console(Terminal()), TerminalLine)
    assert isinstance(console(io.StringIO()), PeriodicLines)


def test_a_dashboard_callback_is_throttled_and_never_shown_the_same_line_twice():
    clock, shown = FakeClock(), []
    reporter = Reporter(throttled(lambda status: shown.append(status.line()), 0.5, clock=clock), clock=clock)
    reporter.start("sync zendesk/tickets")
    reporter.refresh()
    for _ in range(10):
        clock.now += 0.2
        reporter.advance(records=5, pages=1)
    assert shown == ["sync zendesk/tickets: 0:00", "sync zendesk/tickets: 15 records, 3 pages, 0:00",
                     "sync zendesk/tickets: 30 records, 6 pages, 0:01",
                     "sync zendesk/tickets: 45 records, 9 pages, 0:01"]


@pytest.fixture
def zendesk(monkeypatch):
    monkeypatch.setenv("ZENDESK_TOKEN", "zd-token-9a1b")
    with local_server() as server:
        fake = FakeZendesk(server, credential=("Authorization", "Bearer zd-token-9a1b"))
        fake.add_user(1, "Ann Archer", email="ann@example.com")
        for number in range(1, 7):
            fake.add_ticket(100 + number, 1, f"2024-03-0{number}T10:00:00Z")
        yield fake


def test_a_rate_limited_sync_shows_it_is_waiting_and_why_instead_of_logging_each_retry(con, tmp_path, zendesk,
                                                                                       caplog):
    zendesk.fail(429, times=2, path="cursor=", headers={"Retry-After": "0.5"})  # the second page, twice
    statuses = []
    caplog.set_level(logging.WARNING)
    [result] = sync_all(con, reporter=Reporter(statuses.append), sources=configured(tmp_path, f"""
[sources.zendesk]
connector = "zendesk"
base_url = "{zendesk.url}"
token_env = "ZENDESK_TOKEN"
per_page = 2
comments = false
"""))
    assert result.outcome == "ok", result.error
    waiting = [s for s in statuses if s.waiting]
    assert waiting, "the wait was shown while it lasted"
    assert waiting[0].task == "sync zendesk/tickets" and waiting[0].waiting <= 0.5
    assert waiting[0].why == ("HTTP 429 TOO MANY REQUESTS to GET /api/v2/incremental/tickets/cursor.json "
                              "(attempt 2 of 3 next, as Retry-After asks)")
    assert "waiting 1 s: HTTP 429 TOO MANY REQUESTS to GET" in waiting[0].line()
    assert (waiting[-1].records, waiting[-1].pages) == (3, 1)  # 2 tickets and their requester, so far
    last = statuses[-1]
    assert (last.records, last.pages, last.waits, last.waiting) == (9, 3, 2, 0)
    assert last.waited >= 1.0
    assert not caplog.records, "the display says it; the log does not repeat it line by line"


def test_a_load_shows_its_steps_and_the_records_it_read(con, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("order_id,ordered_at,amount,email\n" + "".join(f"A{n},2024-01-01,10,a@x.com\n"
                                                                    for n in range(5)))
    statuses = []
    load_file(con, "purchases", path, reporter=Reporter(statuses.append))
    assert [(s.task, s.step, s.records) for s in statuses] == [
        ("load orders.csv", "", 0), ("load orders.csv", "reading", 0), ("load orders.csv", "reading", 5),
        ("load orders.csv", "checking", 5), ("load orders.csv", "writing", 5)]


def test_a_build_names_each_step_as_it_begins(con):
    steps = []
    report = build(con, step=steps.append)
    assert steps == list(report.seconds) and steps[:4] == ["phones", "company", "staging", "identity"]


def test_sync_now_on_the_data_sources_page_shows_the_progress_and_the_summary(app_store, zendesk, tmp_path,
                                                                              monkeypatch):
    zendesk.fail(429, times=1, path="cursor=", headers={"Retry-After": "0.3"})
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources.desk]\nconnector = "zendesk"\nbase_url = "{zendesk.url}"\n'
                       f'token_env = "ZENDESK_TOKEN"\nper_page = 2\ncomments = false\n')
    monkeypatch.setenv("RAPPORT_SOURCES", str(sources))
    at = open_app("pages/data_sources.py", role="admin")
    at.button(key="sync-now").click().run(timeout=300)
    assert not at.exception
    shown = [t.value for t in at.text]
    assert any(t.startswith(("sync desk/tickets: ", "refreshing the profiles: ")) for t in shown), shown
    assert any(t.startswith("desk: 3 pages, 7 inserted, 0 updated, 0 unchanged, 0 rejected") for t in shown), shown
    [box] = at.status
    assert box.label == "Sync finished" and box.state == "complete"
