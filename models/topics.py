"""Complaint topics: the first keyword rule that matches a ticket or post names its topic."""

from __future__ import annotations

from store import quote_literal

# (topic, keywords): order matters, the first match wins; keywords are lower-case regular expressions
TOPIC_RULES: tuple[tuple[str, str], ...] = (
    ("Refunds", r"refund|money back|charged twice|reimburs"),
    ("Delivery", r"deliver|tracking|arriv|courier|dispatch|late|shipping|parcel"),
    ("Size and fit", r"size|fit|too small|too big|exchange"),
    ("Faulty product", r"broke|broken|faulty|defect|leak|snapped|ripped|tear|zip"),
    ("Warranty", r"warrant|guarantee|repair"),
    ("Stock", r"stock|available|sold out|back in"),
    ("Discounts", r"discount|code|voucher|promo|coupon"),
    ("Order changes", r"cancel|change my order|change the order|address"),
)
OTHER = "Other"


def topic_sql(text_expression: str) -> str:
    """A SQL CASE naming the topic of `text_expression` (already lower-cased)."""
    cases = " ".join(f"when regexp_matches({text_expression}, {quote_literal(pattern)}) then {quote_literal(topic)}"
                     for topic, pattern in TOPIC_RULES)
    return f"(case {cases} else {quote_literal(OTHER)} end)"
