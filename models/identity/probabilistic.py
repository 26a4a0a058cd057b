"""Identity tier 2: score clusters the deterministic keys left apart with splink, using fixed, untrained parameters."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison

from store import has_table

AUTO_LINK_PROBABILITY = 0.99  # pairs at or above: linked automatically
REVIEW_PROBABILITY = 0.50  # pairs in [REVIEW, AUTO): listed as "possible duplicates" for staff

# Prior probability that two random candidates are the same person. The honest value shrinks as the table grows
# (2 % duplicates over n²/2 pairs: 4e-6 at 10k candidates, 4e-8 at 1M). It is fixed rather than derived from the
# input so that a pair's score never depends on who else is in the table; 1e-7 sits near the large end, so small
# bases err towards "review" rather than "merge". Match weight starts at -23.3: a pair needs ≈ +23.3 of evidence
# (the sum of the log2(m/u) below) to reach review and ≈ +29.9 to be auto-linked.
PRIOR_MATCH_PROBABILITY = 1e-7

# A birth date or mailbox shared by more records than this is a placeholder (1900-01-01) or a generic box (info@),
# not evidence of identity: it is treated as unknown, which also keeps any one blocking group small.
MAX_RECORDS_SHARING_A_VALUE = 1000

NAME_SIMILAR = 0.92  # Jaro-Winkler: "jon"/"john", "jonson"/"johnson"; not "anna"/"anne" (0.88)
STREET_SIMILAR = 0.90
EMAIL_SIMILAR = 0.88

SPLINK_PREFIX = "__splink__"
PREPARED_TABLE = f"{SPLINK_PREFIX}rapport_candidates"  # the prefix puts it under the same clean-up sweep
CHANGED_TABLE = f"{SPLINK_PREFIX}rapport_changed_candidates"
# the candidates as last scored, cleaned: an incremental build scores only the pairs of candidates that differ from
# these. A pair's score depends on its two candidates alone (fixed parameters); a change to the parameters comes with
# a new MODEL_VERSION, whose first build scores everything
SCORED_TABLE = "identity_scored_candidates"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


@dataclass(frozen=True)
class Level:
    """One comparison outcome: when it applies, what staff read, and its fixed m and u probabilities."""

    reason: str
    sql: str
    m: float  # P(outcome | same person)
    u: float  # P(outcome | different people)


@dataclass(frozen=True)
class Field:
    """A compared column, its label in `reasons`, and its outcomes from most to least similar (last is ELSE)."""

    column: str
    label: str
    levels: tuple[Level, ...]


def jaro_winkler_at_least(column: str, threshold: float) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r) >= {threshold}"


BIRTH_DATE_NEAR = (
    "((year(birth_date_l) = year(birth_date_r))::int + (month(birth_date_l) = month(birth_date_r))::int"
    " + (day(birth_date_l) = day(birth_date_r))::int = 2"
    " or (year(birth_date_l) = year(birth_date_r) and month(birth_date_l) = day(birth_date_r)"
    " and day(birth_date_l) = month(birth_date_r)))"
)
# Two records of one person rarely disagree on both counts; relatives sharing a mailbox usually do.
IDENTITY_CONFLICT = (
    "((first_name_l is not null and first_name_r is not null"
    f" and jaro_winkler_similarity(first_name_l, first_name_r) < {NAME_SIMILAR})"
    " or (birth_date_l is not null and birth_date_r is not null and birth_date_l <> birth_date_r"
    f" and not {BIRTH_DATE_NEAR}))"
)

# m/u are set by hand, never trained, so a build cannot vary and needs no labelled data. Person fields (first name,
# birth date) use population rates: u ≈ chance two strangers agree. Household fields (surname, address, email) are
# shared by relatives and correlated with each other, so summing their random-pair rates would count one household
# three times; their u values are inflated so that a whole shared home (postcode + street + city ≈ +9.9) and a
# surname (+8.8) stay well below the +23.3 needed for review once first name (-5.6) and birth date (-5.1) differ.
# A shared mailbox only counts when first name and birth date do not contradict: parent and child of one name, and
# twins, share surname, address and mailbox (twins: +28.6, review at most; the parent and child: +22.1, no row).
FIELDS = (
    Field("first_name", "first name", (
        Level("exact", "first_name_l = first_name_r", 0.88, 0.005),
        Level(f"similar (Jaro-Winkler ≥ {NAME_SIMILAR})", jaro_winkler_at_least("first_name", NAME_SIMILAR),
              0.10, 0.004),
        Level("different", "ELSE", 0.02, 0.991),
    )),
    Field("last_name", "last name", (
        Level("exact", "last_name_l = last_name_r", 0.87, 0.002),
        Level(f"similar (Jaro-Winkler ≥ {NAME_SIMILAR})", jaro_winkler_at_least("last_name", NAME_SIMILAR),
              0.08, 0.002),
        Level("different", "ELSE", 0.05, 0.996),  # mostly a surname changed by marriage
    )),
    Field("birth_date", "birth date", (
        Level("exact", "birth_date_l = birth_date_r", 0.92, 0.00004),  # ~1 / (365 days × 70 years)
        Level("near (one of day/month/year differs, or day and month swapped)", BIRTH_DATE_NEAR, 0.05, 0.004),
        Level("different", "ELSE", 0.03, 0.99596),
    )),
    Field("postcode", "postcode", (
        Level("exact", "postcode_l = postcode_r", 0.70, 0.02),
        Level("similar (one character off)", "damerau_levenshtein(postcode_l, postcode_r) <= 1", 0.05, 0.01),
        Level("different", "ELSE", 0.25, 0.97),  # people move
    )),
    Field("street", "street", (
        Level("exact", "street_l = street_r", 0.70, 0.04),
        Level(f"similar (Jaro-Winkler ≥ {STREET_SIMILAR})", jaro_winkler_at_least("street", STREET_SIMILAR),
              0.08, 0.02),
        Level("different", "ELSE", 0.22, 0.94),
    )),
    Field("city", "city", (
        Level("exact", "city_l = city_r", 0.80, 0.50),
        Level("different", "ELSE", 0.20, 0.50),
    )),
    Field("email_local", "email", (
        Level("exact", f"email_local_l = email_local_r and not {IDENTITY_CONFLICT}", 0.35, 0.0001),
        Level(f"similar (Jaro-Winkler ≥ {EMAIL_SIMILAR})",
              f"{jaro_winkler_at_least('email_local', EMAIL_SIMILAR)} and not {IDENTITY_CONFLICT}", 0.10, 0.002),
        Level("same or similar, but first name or birth date differs (family mailbox?)",
              jaro_winkler_at_least("email_local", EMAIL_SIMILAR), 0.01, 0.005),
        Level("different", "ELSE", 0.54, 0.9929),
    )),
)

# Two records with the same full name (+16.2) and none of birth date, postcode or mailbox equal (the rules below
# pair those) need +7.1 more to reach review, and every way to get it includes a near birth date, the same street,
# the same or an unknown city, or a postcode one character off (which keeps its first or its last two characters,
# in postcodes of five or more). So instead of a plain (first name, last name) rule, those: equi-joins all but one.
# At 1M candidates the plain rule makes 25.7M pairs (a common name pairs with itself quadratically) and splink
# computes every similarity on each of them. test_probabilistic checks that these find what the plain rule finds.
NEAR_BIRTH_DATE_KEYS = (
    ("year(birth_date)", "month(birth_date)"),  # the day differs
    ("year(birth_date)", "day(birth_date)"),  # the month differs
    ("month(birth_date)", "day(birth_date)"),  # the year differs
    ("year(birth_date)", "least(month(birth_date), day(birth_date))",  # day and month swapped
     "greatest(month(birth_date), day(birth_date))"),
)
UNKNOWN_CITY_RULE = CustomRule(
    "l.first_name = r.first_name and l.last_name = r.last_name and (l.city is null or r.city is null)")
FULL_NAME_RULES = (
    *(block_on("first_name", "last_name", *keys) for keys in NEAR_BIRTH_DATE_KEYS),
    block_on("first_name", "last_name", "street"),
    block_on("first_name", "last_name", "city"),
    block_on("first_name", "last_name", "left(postcode, 2)"),
    block_on("first_name", "last_name", "right(postcode, 2)"),
)

# Pairs are only scored if they agree on one of these rules. A bare birth date would pair everyone born on the same
# day (11M pairs at 1M candidates); with these, splink scores 1M candidates in ~19 s. An initial or the postcode
# only loses pairs that differ in both name initials, which lack the evidence to reach REVIEW_PROBABILITY anyway.
BLOCKING_RULES = (
    # first: splink keeps a later rule from repeating an earlier rule's pairs by testing each earlier rule on them,
    # and this rule's join meets every pair of namesakes (first: +2.5 s at 1M candidates; last: +25 s)
    UNKNOWN_CITY_RULE,
    block_on("birth_date", "substr(first_name, 1, 1)"),  # a typo in the surname, a married name, a move
    block_on("birth_date", "substr(last_name, 1, 1)"),  # a nickname or typo in the first name
    block_on("birth_date", "postcode"),  # names missing on one side
    block_on("postcode", "substr(last_name, 1, 1)"),  # birth date mistyped or not recorded
    block_on("email_local"),  # a married name and no birth date; over-shared mailboxes were nulled above
    *FULL_NAME_RULES,
)


def score_pairs(con: duckdb.DuckDBPyConnection, candidates: str = "identity_candidates",
                output: str = "identity_matches", *, changed_only: bool = False) -> int:
    """Score candidate pairs into table `output`; return its row count. `changed_only`: score only the pairs with a
    candidate new or changed since the last scoring and keep the other pairs of `output` (scoring 1M candidates
    takes ~17 s; the few thousand a day's load changes, against everyone, a second or two)."""
    for name in (candidates, output):
        if not IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain table name: {name!r}")
    try:
        prepare_candidates(con, candidates)
        if changed_only and has_table(con, SCORED_TABLE) and has_table(con, output):
            rescore_changed(con, output)
        else:
            create_output_table(con, output)
            if con.execute(f"select count(*) from {PREPARED_TABLE}").fetchall()[0][0] >= 2:
                con.execute(f"insert into {output} {scored_pairs_sql(predict(con, [PREPARED_TABLE]))}")
        con.execute(f"create or replace table {SCORED_TABLE} as select * from {PREPARED_TABLE}")
    finally:
        drop_splink_tables(con)
    return con.execute(f"select count(*) from {output}").fetchall()[0][0]


def rescore_changed(con: duckdb.DuckDBPyConnection, output: str) -> None:
    """Drop the pairs of `output` with a candidate gone or changed, then score the changed candidates (new ones
    included) against all of them: a pair of two changed candidates is found from both sides and kept once."""
    con.execute(f"""create or replace temp table {CHANGED_TABLE} as
                    select * from {PREPARED_TABLE} except select * from {SCORED_TABLE}""")
    unchanged = f"(select cluster_id from {PREPARED_TABLE} except select cluster_id from {CHANGED_TABLE})"
    con.execute(f"""delete from {output}
                    where cluster_id_l not in {unchanged} or cluster_id_r not in {unchanged}""")
    if con.execute(f"select count(*) from {CHANGED_TABLE}").fetchall()[0][0]:
        predictions = predict(con, [CHANGED_TABLE, PREPARED_TABLE])
        con.execute(f"insert into {output} {scored_pairs_sql(predictions)}")


def create_output_table(con: duckdb.DuckDBPyConnection, output: str) -> None:
    con.execute(f"""create or replace table {output} (
        cluster_id_l bigint, cluster_id_r bigint, match_probability double, match_weight double, reasons varchar)""")


def prepare_candidates(con: duckdb.DuckDBPyConnection, candidates: str) -> None:
    """Copy the candidates with blank strings and over-shared birth dates / mailboxes turned into NULL."""
    text = ("first_name", "last_name", "email_local", "postcode", "city", "street")
    blanks_as_null = ", ".join(f"nullif(trim({c}), '') as {c}" for c in text)
    con.execute(f"""
        create or replace temp table {PREPARED_TABLE} as
        with cleaned as (select cluster_id, birth_date, {blanks_as_null} from {candidates})
        select cluster_id, first_name, last_name,
               {unless_over_shared("birth_date")} as birth_date,
               {unless_over_shared("email_local")} as email_local,
               postcode, city, street
        from cleaned""")


def unless_over_shared(column: str) -> str:
    over_shared = f"count(*) over (partition by {column}) > {MAX_RECORDS_SHARING_A_VALUE}"
    return f"case when {over_shared} then null else {column} end"


def settings(link_type: str = "dedupe_only") -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="cluster_id",
        probability_two_random_records_match=PRIOR_MATCH_PROBABILITY,
        comparisons=[comparison(field) for field in FIELDS],
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,  # the gamma_ columns that `reasons` is read from
    )


def comparison(field: Field) -> CustomComparison:
    unknown = {"sql_condition": f"{field.column}_l is null or {field.column}_r is null",
               "label_for_charts": "unknown", "is_null_level": True}
    levels = [{"sql_condition": level.sql, "label_for_charts": level.reason,
               "m_probability": level.m, "u_probability": level.u} for level in field.levels]
    return CustomComparison(comparison_levels=[unknown, *levels], output_column_name=field.column,
                            comparison_description=field.label)


def predict(con: duckdb.DuckDBPyConnection, tables: list[str]) -> str:
    """Run splink over one prepared table (its pairs) or two (the pairs across them); return the physical name of its
    predictions table."""
    db_api = DuckDBAPI(connection=con)
    inputs = [db_api.register(table) for table in tables]
    link_type = "link_only" if len(inputs) > 1 else "dedupe_only"
    linker = Linker(inputs if len(inputs) > 1 else inputs[0], settings(link_type), log_level=logging.WARNING)
    return linker.inference.predict(threshold_match_probability=REVIEW_PROBABILITY).physical_name


def scored_pairs_sql(predictions: str) -> str:
    """The pairs from REVIEW_PROBABILITY, the lower cluster id on the left. Across two tables (link_only) a pair of
    two changed candidates is found from both sides, and each one with itself: kept once, and dropped."""
    low, high = "least(cluster_id_l, cluster_id_r)", "greatest(cluster_id_l, cluster_id_r)"
    return f"""
        select {low} as cluster_id_l, {high} as cluster_id_r, match_probability, match_weight,
               {reasons_sql()} as reasons
        from {predictions}
        where match_probability >= {REVIEW_PROBABILITY} and cluster_id_l <> cluster_id_r
        qualify row_number() over (partition by {low}, {high} order by match_weight desc) = 1
        order by 1, 2"""


def reasons_sql() -> str:
    """One 'label: outcome' per field, read from splink's comparison vector so it is exactly what was scored."""
    return "concat_ws('; ', " + ", ".join(field_reason_sql(field) for field in FIELDS) + ")"


def field_reason_sql(field: Field) -> str:
    # splink numbers the non-null levels from n-1 (most similar) down to 0 (ELSE), and the null level -1
    top = len(field.levels) - 1
    whens = " ".join(f"when {top - i} then '{field.label}: {level.reason}'" for i, level in enumerate(field.levels))
    return f"case gamma_{field.column} when -1 then '{field.label}: unknown' {whens} end"


def drop_splink_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every `__splink__` table and view: splink's intermediates, cached inputs, and the prepared copy."""
    leftovers = con.execute(
        "select database_name, schema_name, table_name, 'table' from duckdb_tables() where starts_with(table_name, ?)"
        " union all select database_name, schema_name, view_name, 'view' from duckdb_views()"
        " where starts_with(view_name, ?)", [SPLINK_PREFIX, SPLINK_PREFIX]).fetchall()
    for database, schema, name, kind in leftovers:
        con.execute(f'drop {kind} if exists "{database}"."{schema}"."{name}"')

