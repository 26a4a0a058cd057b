"""Zendesk sync: the incremental cursor export with requesters and comments, against a local emulation."""

from __future__ import annotations

import base64

import pytest

from connectors.sync import sync_all
from tests.api_fixtures.fakes import FakeZendesk, local_server
from tests.api_fixtures.helpers import configured
from tests.conftest import rows

TOKEN = "zd-token-3c5e"


@pytest.fixture
def zendesk(monkeypatch):
    monkeypatch.setenv("ZENDESK_TOKEN", TOKEN)
    with local_server() as server:
        fake = FakeZendesk(server, credential=("Authorization", f"Bearer {TOKEN}"))
        fake.add_user(1, "Ann Archer", email="ann@example.com")
        fake.add_user(2, "Bo Brand", email="bo@example.com")
        fake.add_user(900, "Agent Smith", role="agent", email="smith@shop.example")
        fake.add_ticket(101, 1, "2024-03-01T10:00:00Z")
        fake.add_ticket(102, 2, "2024-03-02T10:00:00Z", status="solved")
        fake.add_ticket(103, 1, "2024-03-03T10:00:00Z")
        fake.add_comment(101, 1, 1, "Where is my tent?")
        fake.add_comment(101, 2, 900, "It ships today.")
        fake.add_comment(101, 3, 1, "Thanks!")
        fake.add_comment(102, 4, 2, "Refund please")
        yield fake


def zendesk_source(tmp_path, fake, extra: str = "", batch_records: int = 1):
    return configured(tmp_path, f"""
[sources.zendesk]
connector = "zendesk"
base_url = "{fake.url}"
token_env = "ZENDESK_TOKEN"
per_page = 2
batch_records = {batch_records}
{extra}
""")


def test_export_pages_load_tickets_requesters_and_comments(con, tmp_path, zendesk):
    [result] = sync_all(con, sources=zendesk_source(tmp_path, zendesk))
    assert result.outcome == "ok", result.error
    assert result.pages == 2
    assert rows(con, "select ticket_id, status, requester_email, requester_name, customer_ref from raw_tickets "
                     "order by 1") == [("101", "open", "ann@example.com", "Ann Archer", "1"),
                                       ("102", "solved", "bo@example.com", "Bo Brand", "2"),
                                       ("103", "open", "ann@example.com", "Ann Archer", "1")]
    # requesters only: the agent sideloaded as assignee is not a customer
    assert rows(con, "select source_id, name, email from raw_customers order by 1") == [
        ("1", "Ann Archer", "ann@example.com"), ("2", "Bo Brand", "bo@example.com")]
    # comments paged by next_page (two per page), with the ticket and the author's role from the users
    assert rows(con, "select comment_id, ticket_id, author_type, body from raw_ticket_comments order by 1") == [
        ("1", "101", "customer", "Where is my tent?"), ("2", "101", "agent", "It ships today."),
        ("3", "101", "customer", "Thanks!"), ("4", "102", "customer", "Refund please")]
    assert "/api/v2/tickets/101/comments.json?page=2&include=users" in zendesk.seen


def test_second_sync_resumes_from_the_cursor_and_finds_updates(con, tmp_path, zendesk):
    sources = zendesk_source(tmp_path, zendesk)
    sync_all(con, sources=sources)
    [again] = sync_all(con, sources=sources)
    assert (again.inserted, again.updated) == (0, 0)
    assert not any("start_time" in r for r in zendesk.seen[-2:]), "the second sync starts from the saved cursor"
    assert rows(con, "select file, outcome, inserted from load_log order by load_id desc limit 1") == [
        ("api:zendesk/tickets", "ok", 0)]  # a sync that found nothing is logged all the same
    zendesk.add_ticket(102, 2, "2024-04-01T10:00:00Z", status="closed")
    zendesk.add_ticket(104, 2, "2024-04-02T10:00:00Z")
    [third] = sync_all(con, sources=sources)
    assert (third.inserted, third.updated) == (1, 1)
    assert rows(con, "select ticket_id, status from raw_tickets order by 1") == [
        ("101", "open"), ("102", "closed"), ("103", "open"), ("104", "open")]


def test_api_token_with_email_uses_basic_auth(con, tmp_path, zendesk, monkeypatch):
    monkeypatch.setenv("ZENDESK_EMAIL", "agent@shop.example")
    expected = "Basic " + base64.b64encode(f"agent@shop.example/token:{TOKEN}".encode()).decode()
    zendesk.credential = ("Authorization", expected)
    [result] = sync_all(con, sources=zendesk_source(tmp_path, zendesk, 'email_env = "ZENDESK_EMAIL"'))
    assert result.outcome == "ok", result.error
    assert rows(con, "select count(*) from raw_tickets") == [(3,)]


def test_deleted_tickets_are_kept_as_closed_without_asking_for_their_comments(con, tmp_path, zendesk):
    zendesk.add_ticket(105, 1, "2024-03-04T10:00:00Z", status="deleted")
    [result] = sync_all(con, sources=zendesk_source(tmp_path, zendesk))
    assert result.outcome == "ok", result.error
    assert rows(con, "select status from raw_tickets where ticket_id = '105'") == [("closed",)]
    assert not any("/tickets/105/" in r for r in zendesk.seen)


def test_a_ticket_updated_during_the_export_is_stored_in_its_newest_version(con, tmp_path, zendesk):
    # ticket 101 is solved after the first page was read: the export lists it again at the end of the stream
    zendesk.between_pages(1, lambda: zendesk.add_ticket(101, 1, "2024-03-05T10:00:00Z", status="solved"))
    [result] = sync_all(con, sources=zendesk_source(tmp_path, zendesk, batch_records=1000))
    assert result.outcome == "ok", result.error
    exported = [t["id"] for t in zendesk.tickets]
    assert exported == [102, 103, 101] and result.pages == 2, "the repeat came on the second page, in the same batch"
    assert rows(con, "select ticket_id, status, updated_at::varchar from raw_tickets order by 1") == [
        ("101", "solved", "2024-03-05 10:00:00"), ("102", "solved", "2024-03-02 10:00:00"),
        ("103", "open", "2024-03-03 10:00:00")]
    assert rows(con, "select count(*) from quarantine") == [(0,)]
    # 3 tickets, 2 requesters, 4 comments (101's came twice, the same both times)
    assert (result.inserted, result.updated, result.rejected) == (9, 0, 0)


def test_requesters_sideloaded_on_every_page_are_stored_once_and_never_rejected(con, tmp_path, zendesk):
    for number in range(200, 240):  # 40 more tickets of the same two requesters: 22 pages of two in one batch
        zendesk.add_ticket(number, 1 + number % 2, f"2024-03-10T10:{number - 200:02d}:00Z")
    [result] = sync_all(con, sources=zendesk_source(tmp_path, zendesk, "comments = false", 1000))
    assert result.pages == 22
    assert rows(con, "select source_id, name from raw_customers order by 1") == [("1", "Ann Archer"), ("2", "Bo Brand")]
    assert rows(con, "select count(*) from quarantine") == [(0,)]
    assert result.summary().startswith("zendesk: 22 pages, 45 inserted, 0 updated, 0 unchanged, 0 rejected in ")
    assert rows(con, "select sum(rejected) from load_log") == [(0,)]
