"""Complaint topics: the first keyword rule that matches a ticket or post names its topic."""

from __future__ import annotations

from store import quote_literal

# (topic, keywords): order matters, the first match wins; keywords are lower-case regular expressions
TOPIC_RULES: tuple[tuple[str, str], ...] = (
    ("Refunds", r"\brefund|money back|charged twice|reimburs"),
    ("Delivery", r"\bdeliver|\btracking|\barriv|\bcourier|\bdispatch|\blate\b|\bshipping|\bparcel"),
    ("Size and fit", r"\bsizes?\b|\bfits?\b|too small|too big|\bexchange"),
    ("Faulty product", r"\bbroke|\bfaulty|\bdefect|\bleak|\bsnapped|\bripped|\btorn\b|\bzip"),
    ("Warranty", r"\bwarrant|\bguarantee|\brepair"),
    ("Stock", r"\bstock|sold out|back in"),
    ("Discounts", r"\bdiscount|\bcode\b|\bvoucher|\bpromo|\bcoupon"),
    ("Order changes", r"\bcancel|change my order|change the order|\baddress"),
)
OTHER = "Other"


def topic_sql(text_expression: str) -> str:
    """A SQL CASE naming the topic of `text_expression` (already lower-cased)."""
    cases = " ".join(f"when regexp_matches({text_expression}, {quote_literal(pattern)}) then {quote_literal(topic)}"
                     for topic, pattern in TOPIC_RULES)
    return f"(case {cases} else {quote_literal(OTHER)} end)"
