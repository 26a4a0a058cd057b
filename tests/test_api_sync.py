"""Syncing several sources: failures stay with their source, crashes resume exactly, secrets go nowhere, the CLI."""

from __future__ import annotations

import logging

import pytest

import rapport.cli as cli
import store
from connectors import sync
from connectors.sync import save_cursor, sync_all, sync_status
from tests.api_fixtures.fakes import FakeRest, FakeShopify, FakeZendesk, local_server
from tests.api_fixtures.helpers import FAST, configured, every_table_as_text
from tests.conftest import rows

ZENDESK_TOKEN = "ZDSECRET-5f3a-token"
SHOPIFY_TOKEN = "SHPSECRET-77c1-token"


@pytest.fixture
def apis(monkeypatch):
    """A Zendesk and a Shopify emulation on one local server, with valid credentials in the environment."""
    monkeypatch.setenv("ZENDESK_TOKEN", ZENDESK_TOKEN)
    monkeypatch.setenv("SHOPIFY_TOKEN", SHOPIFY_TOKEN)
    with local_server() as zendesk_server, local_server() as shopify_server:
        zendesk = FakeZendesk(zendesk_server, credential=("Authorization", f"Bearer {ZENDESK_TOKEN}"))
        zendesk.add_user(1, "Ann Archer", email="ann@example.com")
        for number in range(1, 6):
            zendesk.add_ticket(100 + number, 1, f"2024-03-0{number}T10:00:00Z")
            zendesk.add_comment(100 + number, number, 1, f"Comment on {100 + number}")
        shopify = FakeShopify(shopify_server, credential=("X-Shopify-Access-Token", SHOPIFY_TOKEN))
        for number in range(1, 5):
            shopify.add_order(1000 + number, f"2024-05-0{number}T10:00:00Z", [("SKU-1", "10.00", number)])
        yield zendesk, shopify


def sources_text(zendesk, shopify) -> str:
    return f"""
[sources.zendesk]
connector = "zendesk"
base_url = "{zendesk.url}"
token_env = "ZENDESK_TOKEN"
per_page = 2
batch_records = 1

[sources.shop]
connector = "shopify"
base_url = "{shopify.url}"
token_env = "SHOPIFY_TOKEN"
limit = 2
batch_records = 1
"""


def test_a_refused_source_is_named_once_and_the_others_still_sync(con, tmp_path, apis, monkeypatch):
    zendesk, shopify = apis
    monkeypatch.setenv("ZENDESK_TOKEN", "expired")
    refused, shop = sync_all(con, sources=configured(tmp_path, sources_text(zendesk, shopify)))
    assert (refused.outcome, refused.error) == (
        "failed", "zendesk: the API refused the credentials (HTTP 401); check ZENDESK_TOKEN")
    assert len(zendesk.seen) == 1, "a refusal is not retried"
    assert (shop.outcome, shop.inserted) == ("ok", 4)
    assert rows(con, "select source, stream, last_outcome, last_error from sync_state order by 1") == [
        ("shop", "orders", "ok", None),
        ("zendesk", "tickets", "failed", "zendesk: the API refused the credentials (HTTP 401); check ZENDESK_TOKEN")]
    assert len(sync_status(con)) == 2
    assert rows(con, "select source, outcome from load_log where outcome = 'failed'") == [("zendesk", "failed")]


def test_a_server_error_then_success_loads_everything(con, tmp_path, apis):
    zendesk, shopify = apis
    zendesk.fail(500, path="/api/v2/incremental/")
    results = sync_all(con, ["zendesk"], sources=configured(tmp_path, sources_text(zendesk, shopify)))
    assert [(r.source, r.outcome, r.inserted) for r in results] == [("zendesk", "ok", 11)]  # 5 + 1 user + 5


def test_a_crash_after_a_stored_page_resumes_without_gaps_or_duplicates(db_file, tmp_path, apis):
    zendesk, shopify = apis
    sources = configured(tmp_path, sources_text(zendesk, shopify))

    def crash(progress):
        raise KeyboardInterrupt  # as if the process were killed right after the first page's commit

    con = store.connect(db_file)
    with pytest.raises(KeyboardInterrupt):
        sync_all(con, ["zendesk"], sources=sources, progress=crash)
    assert rows(con, "select ticket_id from raw_tickets order by 1") == [("101",), ("102",)]
    cursor = rows(con, "select cursor from sync_state")[0][0]
    con.close()

    con = store.connect(db_file)  # a new process
    before = len(zendesk.seen)
    [resumed] = sync_all(con, ["zendesk"], sources=sources)
    exports = [r for r in zendesk.seen[before:] if "/incremental/" in r]
    assert f"cursor={cursor}" in exports[0] and not any("start_time" in r for r in exports)
    # 3 tickets and 3 comments are new; the requester, already stored, comes again with each of the 2 pages
    assert (resumed.outcome, resumed.inserted, resumed.unchanged) == ("ok", 6, 2)
    for table in ("raw_tickets", "raw_ticket_comments"):
        assert rows(con, f"select count(*), count(distinct record_id) from {table}") == [(5, 5)]
    [again] = sync_all(con, ["zendesk"], sources=sources)
    assert (again.inserted, again.updated) == (0, 0)
    con.close()


def test_rows_and_cursor_commit_together_so_a_failed_commit_stores_neither(con, tmp_path, apis, monkeypatch):
    zendesk, shopify = apis
    sources = configured(tmp_path, sources_text(zendesk, shopify))
    calls = []

    def save_then_crash(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OSError("disk full")
        return save_cursor(*args)

    monkeypatch.setattr(sync, "save_cursor", save_then_crash)
    [failed] = sync_all(con, ["shop"], sources=sources)
    assert (failed.outcome, failed.error) == ("failed", "shop: OSError: disk full")
    assert rows(con, "select order_id from raw_purchases order by 1") == [("#1001",), ("#1002",)]
    assert rows(con, "select cursor from sync_state") == [("2024-05-02T10:00:00Z",)]
    monkeypatch.setattr(sync, "save_cursor", save_cursor)
    [resumed] = sync_all(con, ["shop"], sources=sources)
    assert (resumed.inserted, resumed.unchanged) == (2, 1)
    assert rows(con, "select count(*), count(distinct record_id) from raw_purchases") == [(4, 4)]


def test_cli_sync_reports_each_source_exits_1_and_leaks_no_secret(db_file, tmp_path, apis, monkeypatch, capsys,
                                                                    caplog):
    zendesk, shopify = apis
    monkeypatch.setenv("ZENDESK_EMAIL", "agent@shop.example")
    zendesk.credential = ("Authorization", "Basic nope")  # refused: its body echoes the header it got
    zendesk.fail(503, path="/api/v2/incremental/")  # logged and retried first
    shopify.fail(502, times=2, path="page_info")  # the second page comes at the third attempt
    sources = tmp_path / "sources.toml"
    sources.write_text(FAST + sources_text(zendesk, shopify).replace(
        'token_env = "ZENDESK_TOKEN"', 'token_env = "ZENDESK_TOKEN"\nemail_env = "ZENDESK_EMAIL"'))
    monkeypatch.setenv("RAPPORT_DB", str(db_file))
    monkeypatch.setenv("RAPPORT_SOURCES", str(sources))
    caplog.set_level(logging.DEBUG)

    assert cli.main(["sync"]) == 1

    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("zendesk: 0 pages, 0 inserted") and lines[0].endswith(": failed")
    assert lines[1].startswith("shop: 2 pages, 4 inserted, 0 updated, 0 unchanged, 0 rejected") and \
        lines[1].endswith(": ok")  # the refused source did not stop this one
    assert lines[2].startswith("built ")
    assert err.splitlines() == [
        "error: zendesk: the API refused the credentials (HTTP 401); check ZENDESK_EMAIL and ZENDESK_TOKEN"]
    con = store.connect(db_file)
    everything = "\n".join([out, err, caplog.text, every_table_as_text(con)])
    con.close()
    assert "retrying in" in caplog.text
    for secret in (ZENDESK_TOKEN, SHOPIFY_TOKEN, "Basic "):
        assert secret not in everything


def test_without_a_sources_file_there_is_nothing_to_sync(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RAPPORT_DB", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("RAPPORT_SOURCES", str(tmp_path / "absent.toml"))
    assert cli.main(["sync"]) == 0
    assert "no sources configured" in capsys.readouterr().out
    assert cli.main(["sync", "crm"]) == 1
    assert "no source named 'crm'" in capsys.readouterr().err


def test_a_source_that_fails_never_blocks_the_next(con, tmp_path, monkeypatch):
    with local_server() as server:
        fake = FakeRest(server, "link")
        fake.add(1, "2024-07-01T12:00:00Z")
        sources = configured(tmp_path, f"""
[sources.broken]
connector = "rest"
kind = "customers"
url = "{fake.url}/v1/missing"

[sources.fine]
connector = "rest"
kind = "customers"
url = "{fake.url}{FakeRest.PATH}"
records = "data.items"
[sources.fine.fields]
source_id = "id"
""")
        broken, fine = sync_all(con, sources=sources)
    assert broken.error == "broken: GET /v1/missing answered HTTP 404 NOT FOUND"
    assert (fine.outcome, fine.inserted) == ("ok", 1)
