"""Sentiment of customers' words with VADER (compound score, -1..1), scored once per distinct text and kept."""

from __future__ import annotations

import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from store import Connection

POSITIVE_FROM = 0.05  # VADER's own thresholds: compound >= 0.05 is positive, <= -0.05 negative
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
    """Score the customer texts `sentiment_scores` has not seen; return how many were new."""
    texts = [r[0] for r in con.execute(f"""
        select text from ({CUSTOMER_TEXTS}) as t(text)
        where text is not null and md5(text) not in (select text_hash from sentiment_scores)
    """).fetchall()]
    if texts:
        analyzer = SentimentIntensityAnalyzer()
        scored = pd.DataFrame({"text": texts, "compound": [analyzer.polarity_scores(t)["compound"] for t in texts]})
        con.register("_scored", scored)
        con.execute("insert into sentiment_scores select md5(text), compound from _scored")
        con.unregister("_scored")
    return len(texts)
