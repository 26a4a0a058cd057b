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


def test_keys_and_splink_joins_key_groups_by_splinks_links_and_not_by_staff_merges(scored):
    from bench.identity import keys_and_splink

    # each record its own key group, numbered in record key order: Ann's contact 0, order 4, post 5; splink joined
    # her contact and post, a staff merge her contact and order
    scored.execute("""create table identity_nodes as select row_number() over (order by record_key) - 1 as node, *
                      from identity_records""")
    scored.execute("create table identity_components as select node, node as component from identity_nodes")
    scored.execute("""create table identity_cluster_links as
                      select * from (values (0, 5, 'probabilistic'), (0, 4, 'manual'))
                                    t(component_l, component_r, link_method)""")
    clusters = dict(scored.execute(f"select source_id, cluster from ({keys_and_splink(scored)})").fetchall())
    assert clusters["C1"] == clusters["S1"] != clusters["O1"]


def test_noise_recall_counts_a_re_entered_contact_linked_when_it_shares_a_cluster_with_its_person(scored):
    from bench.identity import noise_recall

    scored.execute("""create table noise as select * from (values
                      ('customers', 'desk', 'D2', 'P2', 'typo'), ('customers', 'crm', 'C3', 'P3', 'moved'))
                      t(kind, source, record_id, person_id, noise)""")
    everyone = "select kind, source, source_id, 1 as cluster from identity_records"
    recall = dict(noise_recall(scored, everyone)[["noise", "linked"]].itertuples(index=False))
    assert recall == {"typo": 1.0, "moved": 0.0}  # Cy has no other record to be put with
