"""No person reads "nan", "None", "NaT" or "null" where a value is missing: not in any demo customer's meeting brief
(on screen or as Markdown), nor in any CSV the pages offer."""

from __future__ import annotations

import re
import shutil
from datetime import datetime

import pytest

import store
from components.brief import brief_markdown, build_brief
from models.exports import csv_bytes
from queries import audit, customers, inbox, leadership, sources
from queries.customers import load_context
from tests.conftest import DEMO_AS_OF
from tests.viewers import ADMIN

MISSING_WORD = re.compile(r"\b(nan|NaN|None|NaT|null|<NA>)\b")


def missing_words(text: str) -> list[str]:
    """Each line of `text` that spells a missing value as a word."""
    return [line for line in text.splitlines() if MISSING_WORD.search(line)]


@pytest.fixture(scope="module")
def demo(demo_store, tmp_path_factory):
    path = tmp_path_factory.mktemp("missing") / "demo.duckdb"
    shutil.copy(demo_store, path)  # exports and openings write audit entries
    con = store.connect(path)
    yield con
    con.close()


def test_no_brief_of_any_demo_customer_shows_a_missing_value_as_a_word(demo):
    ids = [r[0] for r in demo.execute("select customer_id from customer_profiles order by 1").fetchall()]
    assert len(ids) >= 300
    found = []
    for customer_id in ids:
        brief = build_brief(load_context(customer_id, "sales", DEMO_AS_OF, con=demo), DEMO_AS_OF)
        found += [f"{customer_id}: {line}" for line in missing_words(brief_markdown(brief))]
    assert found == []


def test_a_brief_of_an_event_without_a_body_shows_no_nan(demo):
    [(customer_id,)] = demo.execute("""select customer_id from customer_timeline where body is null
                                       and kind = 'ticket_solved' limit 1""").fetchall()
    brief = build_brief(load_context(customer_id, "sales", DEMO_AS_OF, con=demo), DEMO_AS_OF)
    assert any("Ticket solved" in line for line in brief.interactions)
    assert missing_words("\n".join(brief.interactions)) == []


def csv_files(con) -> dict[str, bytes]:
    """Every CSV a page offers, over the demo store, as an admin sees it."""
    filters = leadership.NO_FILTERS
    weekly = leadership.weekly_sentiment(ADMIN, filters, con)
    week, network = weekly.iloc[-1]["week"].to_pydatetime(), weekly.iloc[-1]["network"]
    channel = leadership.response_times_by_channel(ADMIN, filters, con)["channel"].iloc[0]
    topic = leadership.complaint_topics(ADMIN, filters, con)["topic"].iloc[0]
    idea = inbox.ideas(ADMIN, con)["idea_key"].iloc[0]
    frames = {
        "posts.csv": leadership.posts_behind(ADMIN, week, network, filters, con),
        "sla.csv": leadership.sla_attainment(ADMIN, filters, con=con),
        "tickets.csv": leadership.tickets_behind(ADMIN, channel, filters, con),
        "complaints.csv": leadership.complaints_behind(ADMIN, topic, filters, con),
        "breaches-by-team.csv": leadership.breaches_by_team(ADMIN, datetime(2026, 11, 1, 6), filters, con),
        "social-inbox.csv": inbox.queue(ADMIN, con=con).drop(columns=["explanation"]),
        "idea-customers.csv": inbox.idea_posts(ADMIN, idea, con),
        "audit-log.csv": audit.entries(ADMIN, con=con),
        "quarantine.csv": sources.quarantine(ADMIN, con=con),
    }
    return {name: csv_bytes(frame) for name, frame in frames.items()}


def test_no_csv_a_page_offers_shows_a_missing_value_as_a_word(demo):
    customers.context(1, ADMIN, con=demo)  # an audit entry to export
    files = csv_files(demo)
    assert all(len(data.splitlines()) > 1 for name, data in files.items() if name != "quarantine.csv"), \
        {name: len(data.splitlines()) for name, data in files.items()}
    assert {name: missing_words(data.decode()) for name, data in files.items()} == dict.fromkeys(files, [])
