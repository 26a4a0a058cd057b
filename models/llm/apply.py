"""The LLM in the build: before the sentiment step, the customer posts no classification is held for are asked of
the provider (answers cached by text hash, model and prompt version), within a time budget and the rate limit. The
sentiment and inbox steps take its answers from `_llm_answers`; a post without one is read by the learned model
(a fallback, counted). A build never waits on a dead endpoint: after a few failed requests in a row, or once the
budget is spent, the posts left go to the learned model at once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from models.llm.client import PROMPT_VERSION, Answer, AnswerError, Endpoint, EndpointError
from models.llm.settings import LLMConfigError, LLMSettings, load_llm_settings
from store import Connection

FAILURES_IN_A_ROW = 3  # then the endpoint is taken as down for the rest of the build
# the LLM's sentiment as a score in VADER's range (readers of a compound score band it at +-0.05)
SENTIMENT_SCORES = {"positive": 0.6, "neutral": 0.0, "negative": -0.6}
# the customer post texts the sentiment and inbox steps classify (as models/sentiment.py and models/inbox.py read them)
CUSTOMER_POSTS = "select distinct text from stg_social_posts where not is_from_company and text is not null"
# the settings a build read when it began (settings_pinned): each step files what it classifies under the version
# they give, so an edit to llm.toml while a build runs lands in the next build, not half-way through this one
PINNED: ContextVar[tuple[LLMSettings | None, str] | None] = ContextVar("pinned_llm_settings", default=None)


@dataclass
class LLMRun:
    """What one build asked of the provider."""

    provider: str
    model: str
    classified: int = 0  # posts it answered in this build
    cached: int = 0  # posts whose answer was in the cache
    fallbacks: int = 0  # posts the learned model read instead
    requests: int = 0
    last_error: str = ""


def configured() -> tuple[LLMSettings | None, str]:
    """The provider's settings (None: off) and, for a file that cannot be used, why (the build goes on without):
    those the running build pinned, else the file's as it is now."""
    return PINNED.get() or read_settings()


def read_settings() -> tuple[LLMSettings | None, str]:
    try:
        return load_llm_settings(), ""
    except LLMConfigError as error:
        return None, str(error)


@contextmanager
def settings_pinned() -> Iterator[None]:
    """Within it, configured() gives the settings read when it was entered (a build and the checks before it see
    one provider, model and prompt); nested, the outermost reading holds."""
    if PINNED.get() is not None:
        yield
        return
    token = PINNED.set(read_settings())
    try:
        yield
    finally:
        PINNED.reset(token)


def version_suffix(settings: LLMSettings | None) -> str:
    """What the LLM adds to the classifier's version: post classifications and sentiment are kept per version, so
    turning the provider on or off, or changing its model or prompt, classifies every post again (from the cache
    where it can)."""
    return f"+llm:{settings.model}:{PROMPT_VERSION}" if settings else ""


def with_llm(version: str) -> str:
    """The learned classifier's `version` with the configured provider's suffix: what classifications are kept by."""
    return version + version_suffix(configured()[0])


def ask_llm(con: Connection, base_version: str, retry_fallbacks: bool, settings: LLMSettings | None = None,
            clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
            posts: str = CUSTOMER_POSTS) -> LLMRun | None:
    """Answers for the posts not yet classified (under the learned model's `base_version` with the provider's
    suffix) into `_llm_answers`, from the cache or the provider; with `retry_fallbacks` (a full build), the posts
    that fell back last time are asked again. `posts`: the SQL of the distinct post texts (the staged posts; a Spark
    build's are Parquet files). None when the provider is off."""
    con.execute("drop table if exists _llm_answers")
    if settings is None:
        settings, problem = configured()
        if problem:
            record(con, LLMRun("(not configured)", "", last_error=problem))
        if settings is None:
            return None
    version = base_version + version_suffix(settings)
    if retry_fallbacks:
        forget_fallbacks(con, version)
    con.execute(f"""create or replace temp table _llm_wanted as
                    select md5(text) as text_hash, text from ({posts})
                    where md5(text) not in (select text_hash from post_classifications where rules_version = $v)""",
                {"v": version})
    run = LLMRun(settings.provider, settings.model)
    run.cached = con.execute("""select count(*) from _llm_wanted where text_hash in (
                                    select text_hash from llm_classifications where model = $m and prompt_version = $p)
                             """, {"m": settings.model, "p": PROMPT_VERSION}).fetchall()[0][0]
    asking = [row[0] for row in con.execute("""
        select text from _llm_wanted where text_hash not in (
            select text_hash from llm_classifications where model = $m and prompt_version = $p)
        order by text_hash""", {"m": settings.model, "p": PROMPT_VERSION}).fetchall()]
    answers = ask_all(Endpoint(settings, clock, sleep), asking, run, clock)
    keep(con, settings, answers)
    run.classified = len(answers)
    run.fallbacks = len(asking) - len(answers)
    hold_answers(con, settings, answers)
    con.execute("drop table _llm_wanted")
    record(con, run)
    return run


def ask_all(endpoint: Endpoint, texts: list[str], run: LLMRun, clock: Callable[[], float]) -> dict[str, Answer]:
    """Each text's answer, batch by batch, until the texts, the time budget or the endpoint's patience run out."""
    started, failures, answers = clock(), 0, {}
    size = endpoint.settings.batch_size
    for start in range(0, len(texts), size):
        if clock() - started + endpoint.bucket.wait_needed() > endpoint.settings.max_seconds_per_build:
            run.last_error = (f"the build's {endpoint.settings.max_seconds_per_build:g} s for the LLM were spent; "
                              f"{len(texts) - start:,} posts were read by the learned model")
            break
        batch = texts[start:start + size]
        try:
            found = endpoint.label(batch)
        except (AnswerError, EndpointError) as error:
            run.last_error = str(error)
            failures += 1
            if failures >= FAILURES_IN_A_ROW:
                break
            continue
        failures = 0
        answers.update((text, answer) for text, answer in zip(batch, found, strict=True) if answer)
        if missing := sum(answer is None for answer in found):
            run.last_error = f"{missing} of {len(batch)} posts in an answer were missing or not valid labels"
    run.requests = endpoint.requests
    return answers


def keep(con: Connection, settings: LLMSettings, answers: dict[str, Answer]) -> None:
    """Cache the answers (by text hash, model and prompt version) in a transaction of their own, on a cursor,
    committed at once: answers paid for stay when the build that asked for them fails (it rolls back all else),
    and the next build takes them from the cache."""
    if not answers:
        return
    side = con.cursor()
    try:
        side.register("_llm_new", answers_frame(settings, answers))
        side.execute("""insert or replace into llm_classifications
                        select md5(text) as text_hash, * exclude (text) from _llm_new""")
    finally:
        side.close()


def answers_frame(settings: LLMSettings, answers: dict[str, Answer]) -> pd.DataFrame:
    now = datetime.now(UTC).replace(tzinfo=None)
    return pd.DataFrame([(text, settings.model, PROMPT_VERSION, a.intent, a.sentiment, a.urgency, a.urgency_reason,
                          now) for text, a in answers.items()],
                        columns=["text", "model", "prompt_version", "intent", "sentiment", "urgency",
                                 "urgency_reason", "answered_at"])


def hold_answers(con: Connection, settings: LLMSettings, answers: dict[str, Answer]) -> None:
    """`_llm_answers`: the wanted posts' answers, from the cache as this build's transaction sees it (the answers
    kept on the side since are not in its snapshot) and from this build's new ones."""
    con.execute("""create temp table _llm_answers as
                   select c.text_hash, c.intent, c.sentiment, c.urgency, c.urgency_reason
                   from _llm_wanted a join llm_classifications c using (text_hash)
                   where c.model = $m and c.prompt_version = $p""", {"m": settings.model, "p": PROMPT_VERSION})
    if answers:
        con.register("_llm_new", answers_frame(settings, answers))
        # outside a transaction the cache read above already holds them
        con.execute("""insert into _llm_answers
                       select md5(text), intent, sentiment, urgency, urgency_reason from _llm_new
                       where md5(text) not in (select text_hash from _llm_answers)""")
        con.unregister("_llm_new")


def forget_fallbacks_of_provider(con: Connection, base_version: str) -> None:
    """forget_fallbacks for the configured provider, if any: ask_llm's `retry_fallbacks` done ahead of it, for a
    build that reads the store's scores before it can ask (a Spark build exports them first)."""
    settings, _ = configured()
    if settings is not None:
        forget_fallbacks(con, base_version + version_suffix(settings))


def forget_fallbacks(con: Connection, version: str) -> None:
    """Drop what the learned model said for posts the LLM did not answer, so they are asked again."""
    con.execute("""delete from sentiment_scores where text_hash in (
                       select text_hash from post_classifications
                       where rules_version = $v and classified_by = 'fallback')""", {"v": version})
    con.execute("delete from post_classifications where rules_version = $v and classified_by = 'fallback'",
                {"v": version})


def record(con: Connection, run: LLMRun) -> None:
    con.execute("insert into llm_runs values (?, ?, ?, ?, ?, ?, ?, ?)",
                [datetime.now(UTC).replace(tzinfo=None), run.provider, run.model, run.classified, run.cached,
                 run.fallbacks, run.requests, run.last_error])


def llm_answers(con: Connection) -> dict[str, Answer] | None:
    """This build's answers by text hash; None when the provider is off (no `_llm_answers`)."""
    found = con.execute("select count(*) from duckdb_tables() where table_name = '_llm_answers'").fetchall()[0][0]
    if not found:
        return None
    return {row[0]: Answer(*row[1:]) for row in con.execute(
        "select text_hash, intent, sentiment, urgency, urgency_reason from _llm_answers").fetchall()}

