"""Sentiment of customers' words from the post classifier (a score in -1..1 in VADER's bands), scored once per
distinct text and classifier version and kept."""

from __future__ import annotations

import hashlib

import pandas as pd

from models import classify
from models.classify import sentiment_scores
from models.llm.apply import SENTIMENT_SCORES, llm_answers, with_llm
from store import Connection, has_table

# VADER's thresholds, which the classifier's score keeps: from 0.05 positive, to -0.05 negative
POSITIVE_FROM = 0.05
NEGATIVE_FROM = -0.05

# What customers wrote: their posts, and their own ticket messages (agents' words say nothing of the customer).
CUSTOMER_TEXTS = """
    select text from stg_social_posts where not is_from_company
    union select body from stg_ticket_comments where author_type = 'customer'
    union select description from stg_tickets
"""


def label(compound: float | None) -> str | None:
    """positive / neutral / negative by VADER's thresholds."""
    if compound is None:
        return None
    return "positive" if compound >= POSITIVE_FROM else "negative" if compound <= NEGATIVE_FROM else "neutral"


def score_new_texts(con: Connection) -> int:
    """Score the customer texts `sentiment_scores` has not seen; return how many were new. Scores of another
    classifier (another version, or the VADER scores of older stores) are forgotten first."""
    forget_other_scorers(con)
    texts = [r[0] for r in con.execute(f"""
        select text from ({CUSTOMER_TEXTS}) as t(text)
        where text is not null and md5(text) not in (select text_hash from sentiment_scores)
    """).fetchall()]
    if texts:
        scored = pd.DataFrame({"text": texts, "compound": scores_of(con, texts)})
        con.register("_scored", scored)
        con.execute("insert into sentiment_scores select md5(text), compound from _scored")
        con.unregister("_scored")
    return len(texts)


def scores_of(con: Connection, texts: list[str]) -> list[float]:
    """Each text's score: the LLM's sentiment where it answered for the text in this build (a post), else the
    learned model's."""
    answers = llm_answers(con)
    if not answers:
        return sentiment_scores(texts)
    hashes = [hashlib.md5(text.encode()).hexdigest() for text in texts]
    learned = iter(sentiment_scores([t for t, h in zip(texts, hashes, strict=True) if h not in answers]))
    return [SENTIMENT_SCORES[answers[h].sentiment] if h in answers else next(learned) for h in hashes]


def forget_other_scorers(con: Connection) -> None:
    """Empty sentiment_scores when another classifier scored them (another learned model, or the LLM provider
    turned on, off or changed); sentiment_scorer names the one that did."""
    scorer = con.execute("select max(version) from sentiment_scorer").fetchall()[0][0] if has_table(
        con, "sentiment_scorer") else None
    version = with_llm(classify.RULES_VERSION)
    if scorer != version:
        con.execute("delete from sentiment_scores")
        con.execute("create or replace table sentiment_scorer as select $v as version", {"v": version})
