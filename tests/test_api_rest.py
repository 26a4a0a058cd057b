"""Generic JSON REST sync, configured only in sources.toml: one test per paging style, incremental cursors."""

from __future__ import annotations

import pytest

from connectors.sync import sync_all
from tests.api_fixtures.fakes import FakeRest, json_response, local_server
from tests.api_fixtures.helpers import configured
from tests.conftest import rows

TOKEN = "crm-key-81d4f0"
PAGING = {
    "link": 'paging = "link"',
    "cursor": 'paging = "cursor"\nnext_cursor = "meta.next_cursor"\ncursor_param = "cursor"',
    "page": 'paging = "page"\npage_param = "page"\npage_size_param = "per_page"\npage_size = 2',
}


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("CRM_KEY", TOKEN)
    with local_server() as running:
        yield running


def crm(server, style: str) -> FakeRest:
    fake = FakeRest(server, style, credential=("X-Api-Key", f"Key {TOKEN}"))
    for number in range(1, 6):
        fake.add(number, f"2024-07-0{number}T12:00:00Z")
    return fake


def crm_source(tmp_path, fake: FakeRest, style: str, extra: str = ""):
    return configured(tmp_path, f"""
[sources.crm]
connector = "rest"
kind = "customers"
url = "{fake.url}{FakeRest.PATH}"
records = "data.items"
token_env = "CRM_KEY"
auth_header = "X-Api-Key"
auth_prefix = "Key "
since_param = "updated_since"
cursor_field = "updated_at"
batch_records = 1
{PAGING[style]}
{extra}

[sources.crm.fields]
source_id = "id"
name = "name"
email = "contact.email"
created_at = "updated_at"
""")


@pytest.mark.parametrize("style", ["link", "cursor", "page"])
def test_every_paging_style_pulls_every_page_and_then_only_what_changed(con, tmp_path, server, style):
    fake = crm(server, style)
    sources = crm_source(tmp_path, fake, style)
    [first] = sync_all(con, sources=sources)
    assert first.outcome == "ok", first.error
    assert (first.pages, first.inserted) == (3, 5)  # page numbers: the short third page is the last
    assert rows(con, "select source_id, email from raw_customers order by 1") == [
        (str(n), f"c{n}@ex.com") for n in range(1, 6)]
    assert rows(con, "select cursor from sync_state") == [("2024-07-05T12:00:00Z",)]
    fake.add(2, "2024-07-09T12:00:00Z", name="Contact Two")
    fake.add(6, "2024-07-08T12:00:00Z")
    [second] = sync_all(con, sources=sources)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)  # the record at the cursor comes again
    assert "updated_since=2024-07-05T12%3A00%3A00Z" in fake.seen[-(second.pages)]
    [third] = sync_all(con, sources=sources)
    assert (third.inserted, third.updated) == (0, 0)


def test_unsorted_api_moves_the_cursor_only_when_the_run_is_stored(con, tmp_path, server):
    fake = crm(server, "link")
    fake.fail(500, times=3, path="offset=4")  # the third page fails on every attempt
    sources = crm_source(tmp_path, fake, "link")
    [failed] = sync_all(con, sources=sources)
    assert failed.outcome == "failed" and "HTTP 500" in failed.error and failed.pages == 2
    assert rows(con, "select count(*) from raw_customers") == [(4,)]  # the stored pages stay stored...
    assert rows(con, "select cursor from sync_state") == [(None,)]  # ...but are no point to resume from
    [resumed] = sync_all(con, sources=sources)
    assert resumed.outcome == "ok" and (resumed.inserted, resumed.unchanged) == (1, 4)
    assert rows(con, "select cursor from sync_state") == [("2024-07-05T12:00:00Z",)]


def test_a_mapping_field_that_is_not_a_canonical_field_is_named(tmp_path, server):
    fake = crm(server, "link")
    with pytest.raises(ValueError, match=r"sources.toml: source 'crm': field 'shoe_size' is not a customers field"):
        crm_source(tmp_path, fake, "link", extra='\n[sources.crm.fields.shoe_size]\ncolumn = "x"')


def test_an_answer_that_is_the_array_loads_as_sent_and_non_records_are_quarantined(con, tmp_path, server):
    fake = FakeRest(server, "none")
    fake.respond = lambda request: json_response([{"id": 1, "name": "Zoë Ng", "contact": {"email": "z@ex.com"}},
                                                  "not a record", {"id": 2, "name": "Al", "ratio": 1.10}])
    sources = configured(tmp_path, f"""
[sources.crm]
connector = "rest"
kind = "customers"
url = "{fake.url}{FakeRest.PATH}"
records = ""
[sources.crm.fields]
source_id = "id"
name = "name"
email = "contact.email"
""")
    [result] = sync_all(con, sources=sources)
    assert (result.outcome, result.inserted, result.rejected) == ("ok", 2, 1)
    assert rows(con, "select source_id, name, email from raw_customers order by 1") == [
        ("1", "Zoë Ng", "z@ex.com"), ("2", "Al", None)]
    assert rows(con, "select line_number, raw_record, reason from quarantine") == [
        (2, '"not a record"', "not a JSON object")]
