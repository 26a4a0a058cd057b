"""bench identity's scoring: pairwise precision/recall/F1 and the ceiling of a linker that never merges on a name."""

from __future__ import annotations

import pytest

from bench.identity import evidence_ceiling, pairwise_scores

# person P1: a contact, an order sharing its email, and a post that only shares the name; P2: two contacts with
# different emails and the same postcode
RECORDS = [
    ("customers:crm:C1", "customers", "crm", "C1", ["email:ann@example.com"], None, "LS11AA", None, "ann"),
    ("purchases:shop:O1", "purchases", "shop", "O1", ["email:ann@example.com"], None, None, None, "ann"),
    ("social_posts:tw:S1", "social_posts", "tw", "S1", ["handle:twitter:annie"], None, None, None, None),
    ("customers:crm:C2", "customers", "crm", "C2", ["email:bo@example.com"], None, "M11AA", None, "bo"),
    ("customers:desk:D2", "customers", "desk", "D2", ["email:bo@work.example"], None, "M11AA", None, "bo.k"),
]
TRUTH = [("customers", "crm", "C1", "P1"), ("purchases", "shop", "O1", "P1"), ("social_posts", "tw", "S1", "P1"),
         ("customers", "crm", "C2", "P2"), ("customers", "desk", "D2", "P2")]


@pytest.fixture
def scored(con):
    con.execute("""create table identity_records (record_key varchar, kind varchar, source varchar, source_id varchar,
                   keys varchar[], birth_date date, postcode varchar, street varchar, email_local varchar)""")
    con.executemany("insert into identity_records values (?, ?, ?, ?, ?, ?, ?, ?, ?)", RECORDS)
    con.execute("create table truth (kind varchar, source varchar, record_id varchar, person_id varchar)")
    con.executemany("insert into truth values (?, ?, ?, ?)", TRUTH)
    return con


def test_the_ceiling_joins_what_shares_more_than_a_name_and_nothing_else(scored):
    s = pairwise_scores(scored, evidence_ceiling(scored))
    # true pairs: three in P1, one in P2; the post shares nothing but a name, so its two pairs are out of reach
    assert s["pairs"] == 4
    assert s["precision"] == 1.0
    assert s["recall"] == pytest.approx(2 / 4)


def test_pairwise_scores_count_wrong_merges_against_precision(scored):
    everyone = "select kind, source, source_id, 1 as cluster from identity_records"
    s = pairwise_scores(scored, everyone)
    assert (s["precision"], s["recall"]) == (pytest.approx(4 / 10), 1.0)
