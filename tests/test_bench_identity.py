"""bench identity's scoring: pairwise precision/recall/F1, and the reach of a perfect linker that only merges on
exact evidence besides a name."""

from __future__ import annotations

import pytest

from bench.identity import exact_evidence_reach, pairwise_scores

COLUMNS = "record_key, kind, source, source_id, display_name, keys, birth_date, postcode, street, email_local"
# Ann: a contact, an order sharing its email, and a post that shares nothing with them but her name. Bo: two
# contacts with different emails and one postcode, which Cy (another person) shares too
RECORDS = [
    ("customers:crm:C1", "customers", "crm", "C1", "Ann Lee", ["email:ann@example.com"], None, "LS11AA", None, "ann"),
    ("purchases:shop:O1", "purchases", "shop", "O1", None, ["email:ann@example.com"], None, None, None, "ann"),
    ("social_posts:tw:S1", "social_posts", "tw", "S1", "Ann Lee", ["handle:twitter:annie"], None, None, None, None),
    ("customers:crm:C2", "customers", "crm", "C2", "Bo Kay", ["email:bo@example.com"], None, "M11AA", None, "bo"),
    ("customers:desk:D2", "customers", "desk", "D2", "Bo Kay", ["email:bo@work.example"], None, "M11AA", None, "bk"),
    ("customers:crm:C3", "customers", "crm", "C3", "Cy Kay", ["email:cy@example.com"], None, "M11AA", None, "cy"),
]
TRUTH = [("customers", "crm", "C1", "P1"), ("purchases", "shop", "O1", "P1"), ("social_posts", "tw", "S1", "P1"),
         ("customers", "crm", "C2", "P2"), ("customers", "desk", "D2", "P2"), ("customers", "crm", "C3", "P3")]


@pytest.fixture
def scored(con):
    con.execute("""create table identity_records (record_key varchar, kind varchar, source varchar,
                   source_id varchar, display_name varchar, keys varchar[], birth_date date, postcode varchar,
                   street varchar, email_local varchar)""")
    con.executemany(f"insert into identity_records ({COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", RECORDS)
    con.execute("create table truth (kind varchar, source varchar, record_id varchar, person_id varchar)")
    con.executemany("insert into truth values (?, ?, ?, ?)", TRUTH)
    return con


def test_exact_evidence_joins_a_persons_records_that_share_more_than_a_name_and_never_two_people(scored):
    s = pairwise_scores(scored, exact_evidence_reach(scored))
    # true pairs: three of Ann's, one of Bo's; her post shares only a name (two pairs out of reach), and Cy's
    # postcode, shared with Bo, joins nobody to anybody else
    assert s["pairs"] == 4
    assert s["precision"] == 1.0
    assert s["recall"] == pytest.approx(2 / 4)


def test_pairwise_scores_count_wrong_merges_against_precision(scored):
    everyone = "select kind, source, source_id, 1 as cluster from identity_records"
    s = pairwise_scores(scored, everyone)
    assert (s["precision"], s["recall"]) == (pytest.approx(4 / 15), 1.0)
