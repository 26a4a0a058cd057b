"""The optional LLM provider against a real HTTP server on 127.0.0.1 (pytest-httpserver) standing in for an
OpenAI-compatible endpoint: its answers go through a real build, are cached, rate-limited, and a dead, slow or
confused endpoint never stops a build (the learned model answers, and the fallbacks are counted and shown)."""

from __future__ import annotations

import json
import logging
import socket

import pytest
from werkzeug import Request, Response

import store
from models import classify
from models.build import build
from models.llm.apply import LLMRun, ask_all
from models.llm.client import PROMPT_VERSION, Endpoint, TokenBucket
from models.llm.settings import LLMConfigError, LLMSettings, load_llm_settings
from tests.conftest import rows, snapshot
from tests.model_fixtures import NOW, load_world
from tests.viewers import open_app

KEY = "sk-test-0123456789-secret"
# what the fake LLM says of each fixture post: labels the learned model would never give them, so they show
SAYS = {"Love my new tent, best purchase ever!": ("idea", "negative", "high", "deadline"),
        "Is the Alpine stove any good?": ("complaint", "positive", "normal", "")}


class FakeClock:
    """Time that passes only when someone sleeps (or the fake server says a request took a while)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def posts_of(request: Request) -> list[dict]:
    return json.loads(request.get_json()["messages"][-1]["content"])["posts"]


def chat_reply(content: str) -> Response:
    return Response(json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}),
                    content_type="application/json")


def answering(request: Request) -> Response:
    """The fake LLM: SAYS for each post it knows (question for the others), only to the right key."""
    if request.headers.get("Authorization") != f"Bearer {KEY}":
        return Response("unauthorised", status=401)
    labels = [SAYS.get(p["text"], ("question", "neutral", "low", "")) for p in posts_of(request)]
    return chat_reply(json.dumps({"posts": [
        {"id": p["id"], "intent": i, "sentiment": s, "urgency": u, "urgency_reason": r}
        for p, (i, s, u, r) in zip(posts_of(request), labels, strict=True)]}))


def settings_file(tmp_path, monkeypatch, base_url: str, **more) -> None:
    """config/llm.toml for the test, found through RAPPORT_LLM_FILE; the key in the environment."""
    lines = [f'base_url = "{base_url}"', 'model = "fake-7b"', 'api_key_env = "RAPPORT_TEST_LLM_KEY"',
             "requests_per_minute = 6000", "timeout_seconds = 5", "retries = 1"]
    lines += [f"{name} = {value}" for name, value in more.items()]
    path = tmp_path / "llm.toml"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("RAPPORT_LLM_FILE", str(path))
    monkeypatch.setenv("RAPPORT_TEST_LLM_KEY", KEY)


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)  # the fake endpoint on 127.0.0.1 (pytest-httpserver's default is "localhost")


@pytest.fixture
def world(con, tmp_path):
    load_world(con, tmp_path)
    return con


def intents(con) -> dict[str, tuple]:
    return {text: (intent, urgency, reason, by) for text, intent, urgency, reason, by in rows(con, """
        select t.body, i.intent, i.urgency, i.urgency_reason, c.classified_by
        from post_intents i join customer_timeline t using (event_id)
        join post_classifications c on c.text_hash = md5(t.body) and c.rules_version = (
            select max(version) from sentiment_scorer)""")}


def last_run(con) -> tuple:
    return rows(con, """select classified, cached, fallbacks, requests, last_error from llm_runs
                        order by run_at desc limit 1""")[0]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_off_by_default_and_the_learned_model_reads_every_post(world, monkeypatch, tmp_path):
    monkeypatch.setenv("RAPPORT_LLM_FILE", str(tmp_path / "absent.toml"))
    build(world, NOW)
    assert {by for *_, by in intents(world).values()} == {"model"}
    assert rows(world, "select count(*) from llm_runs") == [(0,)]


def test_answers_go_through_a_real_build_with_the_key_as_a_bearer_header(world, httpserver, tmp_path, monkeypatch,
                                                                         caplog, capsys):
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(answering)
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    with caplog.at_level(logging.DEBUG):
        build(world, NOW)
    assert intents(world) == {"Love my new tent, best purchase ever!": ("idea", "high", "deadline", "llm"),
                              "Is the Alpine stove any good?": ("complaint", "normal", "", "llm")}
    # the LLM's sentiment reaches the timeline, the inbox its intent and urgency
    assert rows(world, "select body, sentiment from customer_timeline where kind = 'social_post' "
                       "and author_type = 'customer' order by body") == [
        ("Is the Alpine stove any good?", 0.6), ("Love my new tent, best purchase ever!", -0.6)]
    assert rows(world, "select intent, urgency, explanation from social_inbox where text like 'Love%'") == [
        ("idea", "high", "idea: read by the LLM; sentiment -0.60 (negative); urgency high: deadline")]
    assert last_run(world) == (2, 0, 0, 1, "")
    assert len(httpserver.log) == 1 and httpserver.log[0][0].headers["Authorization"] == f"Bearer {KEY}"
    # the key is nowhere in the store, its file or the logs
    assert KEY not in repr(snapshot(world))
    assert KEY not in caplog.text and KEY not in "".join(capsys.readouterr())


def test_the_key_is_not_in_the_store_file(db_file, httpserver, tmp_path, monkeypatch):
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(answering)
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    con = store.connect(db_file)
    load_world(con, tmp_path)
    build(con, NOW)
    con.close()
    assert httpserver.log and KEY.encode() not in db_file.read_bytes()


def test_a_second_build_asks_nothing_and_answers_come_back_from_the_cache(world, httpserver, tmp_path,
                                                                           monkeypatch):
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(answering)
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    build(world, NOW)
    first = intents(world)
    build(world, NOW)
    assert len(httpserver.log) == 1 and intents(world) == first
    assert last_run(world) == (0, 0, 0, 0, "")
    # off: the learned model reads them
    monkeypatch.setenv("RAPPORT_LLM_FILE", str(tmp_path / "absent.toml"))
    build(world, NOW)
    assert {by for *_, by in intents(world).values()} == {"model"}
    # on again with a new learned model (every post classified again): each answer from the cache, no request
    monkeypatch.setattr(classify, "RULES_VERSION", "model-next")  # every reader takes it from models.classify
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    build(world, NOW)
    assert len(httpserver.log) == 1 and intents(world) == first
    assert last_run(world) == (0, 2, 0, 0, "")


def test_endpoint_down_the_build_completes_with_the_learned_model_and_shows_the_fallbacks(
        db_file, tmp_path, monkeypatch, httpserver):
    settings_file(tmp_path, monkeypatch, f"http://127.0.0.1:{closed_port()}/v1")
    con = store.connect(db_file)
    load_world(con, tmp_path)
    build(con, NOW)
    assert {by for *_, by in intents(con).values()} == {"fallback"}
    classified, cached, fallbacks, requests, error = last_run(con)
    assert (classified, cached, fallbacks) == (0, 0, 2) and requests == 2  # one request, one retry
    assert error.startswith("ConnectionError reaching http://127.0.0.1:") and "after 2 tries" in error
    con.close()
    # the Data sources page says so, in plain text
    monkeypatch.setenv("RAPPORT_DB", str(db_file))
    at = open_app("pages/data_sources.py", role="admin")
    shown = {m.label: m.value for m in at.metric}
    assert shown["Fallbacks"] == "2" and shown["Posts classified by it"] == "0"
    assert any("last error: ConnectionError reaching" in t.value for t in at.text)
    assert not any(word in t.value for t in at.text for word in ("nan", "None", "NaT", "null"))
    # the endpoint back: the next full build asks again about the posts that fell back
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(answering)
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    con = store.connect(db_file)
    build(con, NOW)
    assert {by for *_, by in intents(con).values()} == {"llm"} and last_run(con)[:3] == (2, 0, 0)
    con.close()


def test_answers_paid_for_stay_when_the_build_fails_after_asking(db_file, httpserver, tmp_path, monkeypatch):
    import models.build
    import models.sentiment

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(answering)
    monkeypatch.setenv("RAPPORT_LLM_FILE", str(tmp_path / "absent.toml"))
    con = store.connect(db_file)
    load_world(con, tmp_path)
    build(con, NOW)  # without a provider
    before = snapshot(con)

    def broken(_con):
        raise RuntimeError("the sentiment step failed")

    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))  # the provider turned on
    monkeypatch.setattr(models.build, "score_new_texts", broken)
    with pytest.raises(RuntimeError, match="sentiment step failed"):
        build(con, NOW)
    assert len(httpserver.log) == 1  # the failed build asked the provider
    # the store is as it was, apart from the answers just paid for
    kept = rows(con, "select model, intent from llm_classifications order by intent")
    assert kept == [("fake-7b", "complaint"), ("fake-7b", "idea")]
    assert {t: v for t, v in snapshot(con).items() if t != "llm_classifications"} == \
        {t: v for t, v in before.items() if t != "llm_classifications"}
    con.close()
    # a new connection finds them (they were committed, not held by the failed build's connection)
    monkeypatch.setattr(models.build, "score_new_texts", models.sentiment.score_new_texts)
    con = store.connect(db_file)
    build(con, NOW)
    assert len(httpserver.log) == 1 and last_run(con) == (0, 2, 0, 0, "")  # both from the cache
    assert intents(con) == {"Love my new tent, best purchase ever!": ("idea", "high", "deadline", "llm"),
                            "Is the Alpine stove any good?": ("complaint", "normal", "", "llm")}
    con.close()


def test_asked_outside_a_build_each_post_has_one_answer(world, httpserver, tmp_path, monkeypatch):
    from models.llm.apply import ask_llm

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(answering)
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    build(world, NOW)  # staged posts
    world.execute("delete from llm_classifications")
    world.execute("delete from post_classifications")
    # no transaction: the answers kept on the side are in the cache this connection reads at once
    assert ask_llm(world, classify.RULES_VERSION, retry_fallbacks=False).classified == 2
    assert rows(world, "select count(*), count(distinct text_hash) from _llm_answers") == [(2, 2)]


def test_an_edit_to_the_settings_during_a_build_counts_from_the_next_build(world, httpserver, tmp_path,
                                                                           monkeypatch):
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(answering)
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    settings = tmp_path / "llm.toml"

    def turn_off_after_asking(step: str) -> None:
        if step == "sentiment":  # the LLM was asked; the sentiment, inbox and ideas steps are still to come
            settings.unlink()

    build(world, NOW, step=turn_off_after_asking)
    # every step filed what it classified under the version the build began with
    pinned = f"{classify.RULES_VERSION}+llm:fake-7b:{PROMPT_VERSION}"
    assert rows(world, "select distinct rules_version from post_classifications") == [(pinned,)]
    assert rows(world, "select version from sentiment_scorer") == [(pinned,)]
    assert {by for *_, by in intents(world).values()} == {"llm"}
    # the next build reads the file as it is now: no provider, every post read again by the learned model
    build(world, NOW)
    assert {by for *_, by in intents(world).values()} == {"model"}
    assert "+llm" not in rows(world, "select version from sentiment_scorer")[0][0]


@pytest.mark.parametrize("content, fallbacks", [
    ("this is not json {", 2),
    ('{"posts": "nope"}', 2),
    # one valid entry, one whose intent is not a label
    ('{"posts": [{"id": 1, "intent": "praise", "sentiment": "positive", "urgency": "low", "urgency_reason": ""},'
     ' {"id": 2, "intent": "furious", "sentiment": "negative", "urgency": "low", "urgency_reason": ""}]}', 1),
    # high urgency without one of the reasons
    ('{"posts": [{"id": 1, "intent": "praise", "sentiment": "positive", "urgency": "high", "urgency_reason": ""},'
     ' {"id": 2, "intent": "praise", "sentiment": "positive", "urgency": "high", "urgency_reason": "vibes"}]}', 2),
])
def test_a_malformed_answer_falls_back_to_the_learned_model(world, httpserver, tmp_path, monkeypatch, content,
                                                            fallbacks):
    httpserver.expect_request("/v1/chat/completions").respond_with_response(chat_reply(content))
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    build(world, NOW)
    by = sorted(by for *_, by in intents(world).values())
    assert by.count("fallback") == fallbacks and by.count("llm") == 2 - fallbacks
    assert last_run(world)[2] == fallbacks and last_run(world)[4]


def settings(base_url: str, **more) -> LLMSettings:
    return LLMSettings(base_url=base_url, model="fake-7b", **more)


def test_the_rate_limit_spaces_requests_evenly(httpserver):
    clock = FakeClock()
    sent_at = []

    def timed(request: Request) -> Response:
        sent_at.append(clock())
        return answering_without_key(request)

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(timed)
    endpoint = Endpoint(settings(httpserver.url_for("/v1"), requests_per_minute=30, batch_size=1), clock,
                        clock.sleep)
    run = LLMRun("p", "m")
    answers = ask_all(endpoint, [f"post {i}" for i in range(10)], run, clock)
    assert len(answers) == 10 and len(sent_at) == 10 == run.requests
    gaps = [b - a for a, b in zip(sent_at, sent_at[1:], strict=False)]
    assert min(gaps) >= 2.0  # 30 a minute: one every 2 s
    assert sent_at[-1] - sent_at[0] < 60 * 10 / 30  # and no slower than that


def answering_without_key(request: Request) -> Response:
    return chat_reply(json.dumps({"posts": [{"id": p["id"], "intent": "other", "sentiment": "neutral",
                                             "urgency": "low", "urgency_reason": ""} for p in posts_of(request)]}))


def test_token_bucket_allows_per_minute_over_a_long_run():
    clock = FakeClock()
    bucket = TokenBucket(120, clock, clock.sleep)
    taken = []
    for _ in range(600):
        bucket.take()
        taken.append(clock())
    for start in range(0, 600, 50):
        window = [t for t in taken if taken[start] <= t < taken[start] + 60]
        assert len(window) <= 120


def test_a_429_is_retried_after_its_wait_and_a_dead_endpoint_stops_being_asked(httpserver):
    clock = FakeClock()
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "7"}))
    httpserver.expect_ordered_request("/v1/chat/completions").respond_with_handler(answering_without_key)
    endpoint = Endpoint(settings(httpserver.url_for("/v1"), retries=2), clock, clock.sleep)
    assert ask_all(endpoint, ["a", "b"], LLMRun("p", "m"), clock) and clock() >= 1_007.0
    assert endpoint.requests == 2
    # a server that always fails: each batch tried retries + 1 times, then after 3 failed batches no more asking
    httpserver.clear()
    httpserver.expect_request("/v1/chat/completions").respond_with_response(Response("oops", status=500))
    endpoint = Endpoint(settings(httpserver.url_for("/v1"), retries=1, batch_size=1), clock, clock.sleep)
    run = LLMRun("p", "m")
    assert ask_all(endpoint, [f"post {i}" for i in range(20)], run, clock) == {}
    assert len(httpserver.log) == 3 * 2
    assert run.last_error == f"HTTP 500 from http://127.0.0.1:{httpserver.port} (after 2 tries)"


def test_a_slow_endpoint_is_given_the_builds_budget_and_no_more(httpserver):
    clock = FakeClock()

    def slow(request: Request) -> Response:
        clock.sleep(50)  # each answer takes 50 s
        return answering_without_key(request)

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(slow)
    endpoint = Endpoint(settings(httpserver.url_for("/v1"), batch_size=1, max_seconds_per_build=120), clock,
                        clock.sleep)
    run = LLMRun("p", "m")
    answers = ask_all(endpoint, [f"post {i}" for i in range(10)], run, clock)
    assert len(answers) == 3 and len(httpserver.log) == 3  # at 0, 50 and 100 s; at 150 s the budget is spent
    assert run.last_error.startswith("the build's 120 s for the LLM were spent; 7 posts")


def test_settings_off_by_default_validated_and_never_holding_the_key(tmp_path):
    assert load_llm_settings(tmp_path / "absent.toml") is None
    example = load_llm_settings(store.PROJECT_ROOT / "config" / "llm.example.toml")  # the README's Ollama example
    assert example == LLMSettings("http://127.0.0.1:11434/v1", "llama3.1:8b", retries=2, batch_size=10)
    assert example.provider == "http://127.0.0.1:11434" and example.api_key() is None
    path = tmp_path / "llm.toml"
    path.write_text('enabled = false\nbase_url = "http://127.0.0.1:11434/v1"\nmodel = "llama3.1"\n')
    assert load_llm_settings(path) is None
    path.write_text('base_url = "http://127.0.0.1:11434/v1"\nmodel = "llama3.1"\n')
    assert load_llm_settings(path) == LLMSettings("http://127.0.0.1:11434/v1", "llama3.1")
    for text, said in (('base_url = "http://x/v1"\nmodel = "m"\napi_key = "sk-1"\n', "environment variable"),
                       ('model = "m"\n', "needs base_url"),
                       ('base_url = "ftp://x"\nmodel = "m"\n', "http:// or https://"),
                       ('base_url = "https://u:sk-1@x/v1"\nmodel = "m"\n', "environment variable"),
                       ('base_url = "http://x"\nmodel = "m"\nrequests_per_minute = 0\n', "must be positive"),
                       ('base_url = "http://x"\nmodel = "m"\nbatch = 3\n', "unknown setting(s) batch")):
        path.write_text(text)
        with pytest.raises(LLMConfigError, match=said.replace("(", r"\(").replace(")", r"\)")):
            load_llm_settings(path)


def test_after_a_load_only_the_new_post_is_asked(world, httpserver, tmp_path, monkeypatch):
    from connectors.loader import load_file
    from models.build import refresh
    from tests.model_fixtures import write_jsonl

    httpserver.expect_request("/v1/chat/completions").respond_with_handler(answering)
    settings_file(tmp_path, monkeypatch, httpserver.url_for("/v1"))
    build(world, NOW)
    new = {"post_id": "S9", "posted_at": "2026-02-28T10:00:00", "network": "twitter", "handle": "TrailTom",
           "text": "Does the tent come in green?"}
    load_file(world, "social_posts", write_jsonl(tmp_path / "more.jsonl", [new]), source="social")
    assert refresh(world, NOW).report.touched is not None  # an incremental build
    assert len(httpserver.log) == 2 and [p["text"] for p in posts_of(httpserver.log[1][0])] == [new["text"]]
    assert intents(world)[new["text"]] == ("question", "low", "", "llm")
