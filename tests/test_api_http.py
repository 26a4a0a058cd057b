"""The HTTP layer of the API connectors: retries and back-off, Retry-After, timeouts, refused credentials."""

from __future__ import annotations

import socket
import time

import pytest

from connectors.api.http import ApiError, CredentialsRefused, Http, RetryPolicy, bearer
from tests.api_fixtures.fakes import FakeRest, local_server

TOKEN = "http-test-token-0a9c"


@pytest.fixture
def api(monkeypatch):
    monkeypatch.setenv("API_TOKEN", TOKEN)
    with local_server() as server:
        fake = FakeRest(server, "link", credential=("Authorization", f"Bearer {TOKEN}"))
        fake.add(1, "2024-07-01T12:00:00Z")
        yield fake


def client(fake: FakeRest, waits: list | None = None, **policy) -> Http:
    settings = {"retries": 3, "backoff": 0.01, "timeout": 5.0, **policy}
    return Http("crm", fake.url, auth=bearer("API_TOKEN"), policy=RetryPolicy(**settings),
                sleep=waits.append if waits is not None else time.sleep)


def test_server_errors_are_retried_with_doubling_capped_waits(api):
    api.fail(503, times=3)
    waits = []
    body = client(api, waits, backoff=0.5, max_wait=1.5).json(FakeRest.PATH)
    assert body["data"]["items"][0]["id"] == 1
    assert waits == [0.5, 1.0, 1.5]


def test_server_errors_beyond_the_retries_fail_with_one_line(api):
    api.fail(500, times=4)
    with pytest.raises(ApiError, match=r"^crm: GET /v1/contacts answered HTTP 500 INTERNAL SERVER ERROR; "
                                       r"gave up after 4 attempts$"):
        client(api).json(FakeRest.PATH)


def test_retry_after_is_honoured_in_seconds_and_as_a_date(api):
    api.fail(429, headers={"Retry-After": "0.3"})
    api.fail(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})  # in the past: no wait
    waits = []
    client(api, waits).json(FakeRest.PATH)
    assert waits == [0.3, 0.0]


def test_a_retry_after_longer_than_max_wait_fails_at_once(api):
    api.fail(429, headers={"Retry-After": "3600"})
    with pytest.raises(ApiError, match="asks to wait 3600 s, more than max_wait 120 s"):
        client(api, [], max_wait=120).json(FakeRest.PATH)
    assert len(api.seen) == 1


def test_an_answer_slower_than_the_timeout_is_asked_again(api):
    api.stall(0.6)
    started = time.monotonic()
    body = client(api, timeout=0.2).json(FakeRest.PATH)
    assert body["data"]["items"] and api.stalls == 1
    assert time.monotonic() - started < 0.6


def test_an_api_that_never_answers_in_time_fails_naming_the_timeout(api):
    api.stall(0.4, times=2)
    with pytest.raises(ApiError, match=r"^crm: GET /v1/contacts got no answer within 0.2 s; gave up after 2 "):
        client(api, timeout=0.2, retries=1).json(FakeRest.PATH)


def test_refused_credentials_name_the_source_and_variable_never_the_token(api, monkeypatch):
    monkeypatch.setenv("API_TOKEN", "wrong-" + TOKEN)
    with pytest.raises(CredentialsRefused) as refused:
        client(api).json(FakeRest.PATH)
    assert str(refused.value) == "crm: the API refused the credentials (HTTP 401); check API_TOKEN"
    assert len(api.seen) == 1, "a refusal is not retried"


def test_a_missing_variable_is_named_when_the_first_request_is_made(api, monkeypatch):
    monkeypatch.delenv("API_TOKEN")
    http = client(api)
    with pytest.raises(CredentialsRefused, match="crm: the environment variable API_TOKEN is not set"):
        http.json(FakeRest.PATH)
    assert api.seen == []


def test_client_errors_are_not_retried(api):
    with pytest.raises(ApiError, match="crm: GET /v1/nothing answered HTTP 404"):
        client(api).json("/v1/nothing")
    assert len(api.seen) == 1


def test_links_to_another_host_are_refused_so_credentials_stay_home(api):
    with pytest.raises(ApiError, match="refusing to follow a link to another host"):
        client(api).json("https://elsewhere.example/v1/contacts")
    assert api.seen == []


def test_a_refused_connection_is_retried_then_named(monkeypatch):
    monkeypatch.setenv("API_TOKEN", TOKEN)
    with socket.socket() as closed:  # a port that nobody listens on any more
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    waits = []
    http = Http("crm", f"http://127.0.0.1:{port}", auth=bearer("API_TOKEN"),
                policy=RetryPolicy(retries=2, backoff=0.01), sleep=waits.append)
    with pytest.raises(ApiError, match=r"^crm: GET /v1/contacts failed: the connection was refused or broken; "
                                       r"gave up after 3 attempts$"):
        http.json("/v1/contacts")
    assert waits == [0.01, 0.02]
