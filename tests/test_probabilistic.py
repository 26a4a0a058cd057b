"""Identity tier 2: splink scores known duplicates, relatives and strangers as expected, the same way every run."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from splink import block_on

import store
from models.identity.probabilistic import (
    AUTO_LINK_PROBABILITY,
    BLOCKING_RULES,
    NAMES_READ_SWAPPED,
    REVIEW_PROBABILITY,
    score_pairs,
)

COLUMNS = ("cluster_id", "first_name", "last_name", "birth_date", "email_local", "postcode", "city", "street")

ANNA = (1, "anna", "johnson", date(1985, 3, 14), "anna.j", "LS11AA", "leeds", "1 high street")
ANNA_TYPO = (2, "anna", "jonson", date(1985, 3, 14), None, "LS11AA", "leeds", "1 high st")
TOM = (3, "tom", "smith", date(1970, 1, 2), "smithfamily", "M11AA", "manchester", "2 low road")
JANE = (4, "jane", "smith", date(1972, 6, 9), "smithfamily", "M11AA", "manchester", "2 low road")
JOHN = (5, "john", "brown", date(1980, 5, 12), None, "BS11AA", "bristol", "3 park lane")
JOHN_MOVED = (6, "john", "brown", date(1980, 5, 12), None, "EH11AA", "edinburgh", "9 elm row")
ZED = (7, "zed", "quux", date(1999, 9, 9), "zq", "ZZ11ZZ", "york", "4 nowhere")


@pytest.fixture
def con():
    connection = store.memory()
    connection.execute("""create table identity_candidates (cluster_id bigint, first_name varchar, last_name varchar,
        birth_date date, email_local varchar, postcode varchar, city varchar, street varchar)""")
    yield connection
    connection.close()


def score(con, *candidates) -> dict[frozenset[int], tuple]:
    """Load the candidates, score them, and return the output rows keyed by their pair of cluster ids."""
    con.executemany(f"insert into identity_candidates values ({', '.join('?' * len(COLUMNS))})", list(candidates))
    count = score_pairs(con)
    rows = con.execute("select * exclude (auto_linkable) from identity_matches").fetchall()
    assert count == len(rows)
    return {frozenset(row[:2]): row for row in rows}


def test_a_typo_in_the_surname_is_linked_automatically(con):
    pairs = score(con, ANNA, ANNA_TYPO, ZED)
    _, _, probability, _, reasons = pairs[frozenset({1, 2})]
    assert probability >= AUTO_LINK_PROBABILITY
    assert "last name: typo (jw 0.96)" in reasons
    assert "birth date: exact" in reasons and "postcode: exact" in reasons


def test_relatives_sharing_a_mailbox_and_home_are_not_linked(con):
    # not even listed for review: a different first name and birth date outweigh a shared surname, home and mailbox
    assert score(con, TOM, JANE) == {}


def test_twins_and_namesakes_sharing_a_family_mailbox_are_not_linked(con):
    # the shared mailbox marks a household: surname, home and mailbox are taken out of the weight
    twin = (8, "lucy", "smith", date(1970, 1, 2), "smithfamily", "M11AA", "manchester", "2 low road")
    junior = (9, "tom", "smith", date(1998, 11, 30), "smithfamily", "M11AA", "manchester", "2 low road")
    pairs = score(con, TOM, twin, junior)
    assert all(row[2] < AUTO_LINK_PROBABILITY for row in pairs.values())


def test_unrelated_people_produce_no_row(con):
    assert score(con, ANNA, TOM, JOHN, ZED) == {}


def test_a_move_with_the_same_name_and_birth_date_alone_is_not_linked(con):
    # FEBRL-trained weights: a name and a birth date without any address in common fall short of a link
    assert all(row[2] < AUTO_LINK_PROBABILITY for row in score(con, JOHN, JOHN_MOVED).values())


def test_a_near_miss_is_listed_for_review_with_its_reasons(con):
    nearby = (6, "john", "brown", date(1980, 5, 12), None, "BS11AB", "edinburgh", "9 elm row")
    _, _, probability, _, reasons = score(con, JOHN, nearby)[frozenset({5, 6})]
    assert REVIEW_PROBABILITY <= probability < AUTO_LINK_PROBABILITY
    assert reasons == ("first name: exact; last name: exact; birth date: exact; postcode: one character off; "
                       "street: different; city: different; email: unknown")


def test_a_nickname_is_explained_and_counts_towards_a_link(con):
    bob = (11, "bob", "johnson", date(1985, 3, 14), None, "LS11AA", "leeds", "1 high street")
    robert = (12, "robert", "johnson", date(1985, 3, 14), None, "LS11AA", "leeds", "1 high street")
    _, _, probability, _, reasons = score(con, bob, robert)[frozenset({11, 12})]
    assert probability >= AUTO_LINK_PROBABILITY
    assert reasons.startswith("first name: nickname (bob/robert); last name: exact")


def test_day_and_month_swapped_in_the_birth_date_is_its_own_level(con):
    us_order = (15, "anna", "johnson", date(1985, 4, 3), None, "LS11AA", "leeds", "1 high street")
    uk_order = (16, "anna", "johnson", date(1985, 3, 4), None, "LS11AA", "leeds", "1 high street")
    _, _, probability, _, reasons = score(con, us_order, uk_order)[frozenset({15, 16})]
    assert probability >= AUTO_LINK_PROBABILITY
    assert "birth date: day/month swapped" in reasons


def test_first_and_last_name_swapped_are_recognised_as_a_swap(con):
    swapped = (17, "johnson", "anna", date(1985, 3, 14), None, "LS11AA", "leeds", "1 high street")
    _, _, probability, _, reasons = score(con, ANNA, swapped)[frozenset({1, 17})]
    assert probability >= AUTO_LINK_PROBABILITY
    assert "first name: swapped with the last name" in reasons and "last name: swapped with the first name" in reasons


def test_a_name_alone_is_never_linked(con):
    # the same rare full name and city, nothing else known: at most a suggestion
    left = (18, "zebedee", "quartermaine", None, None, None, "york", None)
    right = (19, "zebedee", "quartermaine", None, None, None, "york", None)
    pairs = score(con, left, right)
    assert all(row[2] < AUTO_LINK_PROBABILITY for row in pairs.values()) or not con.execute(
        "select bool_or(auto_linkable) from identity_matches").fetchall()[0][0]
    linked = con.execute("select count(*) from identity_matches where auto_linkable").fetchall()[0][0]
    assert linked == 0


def test_null_fields_are_explained_as_unknown(con):
    no_birth_date = (10, "anna", "johnson", None, "anna.j", "LS11AA", None, "1 high street")
    _, _, probability, _, reasons = score(con, ANNA, no_birth_date)[frozenset({1, 10})]
    assert probability >= REVIEW_PROBABILITY
    assert "birth date: unknown" in reasons and "city: unknown" in reasons and "email: exact" in reasons


def test_output_is_identical_across_runs(con):
    everyone = (ANNA, ANNA_TYPO, TOM, JANE, JOHN, JOHN_MOVED, ZED)
    first = score(con, *everyone)
    second_count = score_pairs(con)
    second = con.execute("select * exclude (auto_linkable) from identity_matches").fetchall()
    assert second_count == len(first) == 1
    assert second == sorted(first.values())


def test_pairs_are_ordered_with_the_lower_cluster_id_on_the_left(con):
    bob = (11, "bob", "kay", date(1990, 1, 1), None, "M11AA", "manchester", "2 low road")
    robert = (12, "robert", "kay", date(1990, 1, 1), None, "M11AA", "manchester", "2 low road")
    later_first = [(100 - row[0], *row[1:]) for row in (ANNA_TYPO, ANNA, robert, bob)]
    pairs = score(con, *later_first)
    assert len(pairs) == 2
    assert all(left < right for left, right, *_ in pairs.values())


def test_an_over_shared_birth_date_is_treated_as_unknown(con, monkeypatch):
    monkeypatch.setattr("models.identity.probabilistic.MAX_RECORDS_SHARING_A_VALUE", 3)
    placeholder = date(1900, 1, 1)
    others = [(i, f"p{i}", "smith", placeholder, None, None, None, None) for i in range(1, 3)]
    john_smiths = [(10, "john", "smith", placeholder, None, "LS11AA", "leeds", "1 high street"),
                   (11, "john", "smith", placeholder, None, "LS11AA", "leeds", "1 high street")]
    _, _, probability, _, reasons = score(con, *others, *john_smiths)[frozenset({10, 11})]
    assert "birth date: unknown" in reasons


def rescored(con, before: list[tuple], after: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """Score `before`, change the candidates to `after` and score only what changed; then score `after` whole."""
    score(con, *before)
    con.execute("delete from identity_candidates")
    con.executemany(f"insert into identity_candidates values ({', '.join('?' * len(COLUMNS))})", after)
    score_pairs(con, changed_only=True)
    incremental = sorted(con.execute("select * from identity_matches").fetchall())
    score_pairs(con)
    return incremental, sorted(con.execute("select * from identity_matches").fetchall())


def test_scoring_only_changed_candidates_gives_what_scoring_all_gives(con):
    moved_back = (6, "john", "brown", date(1980, 5, 12), None, "BS11AA", "bristol", "3 park lane")
    anna_again = (9, "anna", "johnson", date(1985, 3, 14), "anna.j", "LS11AA", "leeds", "1 high street")
    # JOHN_MOVED changes, ANNA_TYPO goes, ANNA's twin record arrives; TOM and JANE stay as they were
    before = [ANNA, ANNA_TYPO, TOM, JANE, JOHN, JOHN_MOVED, ZED]
    after = [ANNA, TOM, JANE, JOHN, moved_back, ZED, anna_again]
    incremental, whole = rescored(con, before, after)
    assert incremental == whole
    assert {(row[0], row[1]) for row in whole} >= {(1, 9), (5, 6)}  # found only by scoring the changed ones
    assert not any(2 in row[:2] for row in whole)


def test_a_value_becoming_over_shared_rescores_the_pairs_that_counted_it(con, monkeypatch):
    monkeypatch.setattr("models.identity.probabilistic.MAX_RECORDS_SHARING_A_VALUE", 3)
    placeholder = date(1900, 1, 1)
    john_smiths = [(10, "john", "smith", placeholder, None, "LS11AA", "leeds", "1 high street"),
                   (11, "john", "smith", placeholder, None, "LS11AA", "leeds", "1 high street")]
    newcomers = [(i, f"p{i}", "smith", placeholder, None, None, None, None) for i in range(1, 3)]
    incremental, whole = rescored(con, john_smiths, [*john_smiths, *newcomers])
    assert incremental == whole
    assert "birth date: unknown" in whole[0][4]


def test_the_output_table_has_the_contract_schema_even_when_empty(con):
    assert score(con, ZED) == {}
    schema = con.execute("select column_name, data_type from duckdb_columns() where table_name = 'identity_matches' "
                         "order by column_index").fetchall()
    assert schema == [("cluster_id_l", "BIGINT"), ("cluster_id_r", "BIGINT"), ("match_probability", "DOUBLE"),
                      ("match_weight", "DOUBLE"), ("reasons", "VARCHAR"), ("auto_linkable", "BOOLEAN")]


def test_splink_leaves_no_tables_behind(con):
    score(con, ANNA, ANNA_TYPO, TOM, JANE)
    leftovers = con.execute("select table_name from duckdb_tables() where starts_with(table_name, '__splink__') "
                            "union all select view_name from duckdb_views() where starts_with(view_name, '__splink__')")
    assert leftovers.fetchall() == []


def test_table_names_must_be_plain_identifiers(con):
    with pytest.raises(ValueError, match="plain table name"):
        score_pairs(con, output="identity_matches; drop table customer_ids")


def every_kind_of_namesake_pair() -> list[tuple]:
    """Pairs of records with one full name each, in every combination of the other fields' outcomes (unknown,
    exact, similar or near, different); no two pairs share a birth date, postcode, street or mailbox."""
    records = []
    outcomes = itertools.product(range(4), range(4), range(4), range(3), range(4))
    for i, (birth, postcode, street, city, email) in enumerate(outcomes):
        born = date(1900 + i // 12, i % 12 + 1, 10)
        code, road, box = f"ZZ{i:04d}A", f"{i} high street", f"anna.q{i}"
        left = (2 * i, "anna", f"q{i}", born, box, code, "leeds", road)
        right = (2 * i + 1, "anna", f"q{i}",
                 (None, born, born.replace(day=20), date(born.year + 1, born.month % 12 + 1, 21))[birth],
                 (None, box, box + "x", f"zz{i}")[email],
                 (None, code, code[:-1] + "B", f"YY{i:04d}C")[postcode],
                 (None, "leeds", "york")[city],
                 (None, road, road[:-1] + "s", f"{i} elm row")[street])
        records += [left, right]
    return records


def test_the_narrowed_full_name_rules_find_every_pair_a_plain_full_name_rule_finds(con, monkeypatch):
    pairs = score(con, *every_kind_of_namesake_pair())
    monkeypatch.setattr("models.identity.probabilistic.BLOCKING_RULES",
                        (*BLOCKING_RULES, block_on("first_name", "last_name")))
    score_pairs(con)
    with_plain_rule = {frozenset(row[:2]): row
                       for row in con.execute("select * exclude (auto_linkable) from identity_matches").fetchall()}
    assert pairs == with_plain_rule
    # not vacuous: pairs only the narrowed rules find — no birth date, postcode or mailbox in common
    narrowed_only = [reasons for *_, reasons in pairs.values()
                     if not any(f"{field}: exact" in reasons for field in ("birth date", "postcode", "email"))]
    assert len(narrowed_only) >= 10
    assert "birth date: unknown; postcode: one character off; street: typo" in "\n".join(narrowed_only)


def test_a_couple_born_within_a_year_at_one_home_are_not_linked(con):
    # first names differ and the birth dates are only close: surname, home and their own mailboxes say nothing
    chloe = (11, "chloe", "clarke", date(1967, 2, 12), "cclarke", "L824AN", "east josephland", "studio 57, sally rest")
    vanessa = (12, "vanessa", "clarke", date(1967, 8, 28), "vanessaclarke", "L824AN", "east josephland",
               "studio 57, sally rest")
    pairs = score(con, chloe, vanessa)
    assert all(row[2] < AUTO_LINK_PROBABILITY for row in pairs.values())


def test_a_mother_and_daughter_with_alike_names_and_their_own_mailboxes_are_not_linked(con):
    eleanor = (13, "eleanor", "owen", date(1979, 1, 13), "eleanor.owen", "S121BZ", "new geraldland", "3 robinson view")
    ellie = (14, "ellie", "owen", date(2005, 5, 22), "ellieowen", "S121BZ", "new geraldland", "3 robinson view")
    pairs = score(con, eleanor, ellie)
    assert all(row[2] < AUTO_LINK_PROBABILITY for row in pairs.values())


def test_an_initial_agreeing_with_a_first_name_links_and_one_that_does_not_is_a_relative(con):
    # "E. Wilkinson" billed to the family mailbox at the family home: Eilidh's, not her father Mikael's
    eilidh = (15, "eilidh", "wilkinson", date(1997, 10, 18), "wilkinson.home", "L172BR", "liverpool", "144 fern bank")
    mikael = (16, "mikael", "wilkinson", date(1978, 7, 19), "wilkinson.home", "L172BR", "liverpool", "144 fern bank")
    order = (17, "e", "wilkinson", None, "wilkinson.home", "L172BR", "liverpool", "144 fern bank")
    pairs = score(con, eilidh, mikael, order)
    assert pairs[frozenset({15, 17})][2] >= AUTO_LINK_PROBABILITY
    assert "first name: unknown" in pairs[frozenset({15, 17})][4]
    assert frozenset({16, 17}) not in pairs or pairs[frozenset({16, 17})][2] < AUTO_LINK_PROBABILITY


# A household and its town: Cheryl and Sophie Lloyd at one home, and other people whose names tell that "lloyd" is a
# surname and "cheryl" and "sophie" are first names (no two of them share a date, a postcode, a street or a city)
CHERYL = (21, "cheryl", "lloyd", date(1941, 12, 25), "clloyd2", "PH13HP", "mathewport", "3 preston unions")
SOPHIE = (22, "sophie", "lloyd", date(1942, 6, 21), "sophie.lloyd", "PH13HP", "mathewport", "3 preston unions")
TOWN = [(30 + i, first, last, date(1960 + i, 1 + i, 1 + i), None, f"T{i}1AA", f"town {i}", f"{i} any road")
        for i, (first, last) in enumerate((("sophie", "ward"), ("sophie", "green"), ("cheryl", "ward"),
                                           ("cheryl", "green"), ("emma", "lloyd"), ("paul", "lloyd")))]


def re_entered_swapped(record: tuple, cluster_id: int) -> tuple:
    """Another system's copy of a contact: first and last name the other way round, no mailbox."""
    _, first, last, born, _, postcode, city, street = record
    return (cluster_id, last, first, born, None, postcode, city, street)


def test_relatives_both_re_entered_with_swapped_names_are_not_linked(con):
    # "Lloyd Cheryl" and "Lloyd Sophie" agree on the field that holds their surname: read in their roles, their first
    # names and birth dates differ, so their home and surname say nothing (before: linked at 0.999)
    pairs = score(con, CHERYL, SOPHIE, re_entered_swapped(CHERYL, 23), re_entered_swapped(SOPHIE, 24), *TOWN)
    linked = {pair for pair, row in pairs.items() if row[2] >= AUTO_LINK_PROBABILITY}
    assert frozenset({23, 24}) not in pairs
    assert linked == {frozenset({21, 23}), frozenset({22, 24})}


def test_a_person_re_entered_with_swapped_names_is_linked_and_told_why(con):
    _, _, probability, _, reasons = score(con, CHERYL, re_entered_swapped(CHERYL, 23), *TOWN)[frozenset({21, 23})]
    assert probability >= AUTO_LINK_PROBABILITY
    assert reasons.startswith("first name: exact; last name: exact; birth date: exact")
    assert reasons.endswith(NAMES_READ_SWAPPED)


def test_names_are_read_the_other_way_round_only_on_the_evidence_of_other_records(con):
    # the two records alone: each is the other's only witness, so neither is turned (the swap level still links)
    _, _, probability, _, reasons = score(con, CHERYL, re_entered_swapped(CHERYL, 23))[frozenset({21, 23})]
    assert probability >= AUTO_LINK_PROBABILITY
    assert "first name: swapped with the last name" in reasons and NAMES_READ_SWAPPED not in reasons
