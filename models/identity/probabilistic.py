"""Identity tier 2: score clusters the deterministic keys left apart with splink, with m/u parameters estimated
once (random-sampling u, EM on blocking rules) and frozen in parameters.json by `python -m models train-identity`."""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison

from models.identity.name_variants import register_nicknames, register_phonetic_codes
from store import has_table

PARAMETERS_PATH = Path(__file__).resolve().parent / "parameters.json"
AUTO_LINK_PROBABILITY = 0.99  # pairs at or above: linked automatically (if they share more than a name)
REVIEW_PROBABILITY = 0.50  # pairs in [REVIEW, AUTO): listed as "possible duplicates" for staff

# Prior probability that two random candidates are the same person. The honest value shrinks as the table grows
# (2 % duplicates over n²/2 pairs: 4e-6 at 10k candidates, 4e-8 at 1M). It is fixed rather than derived from the
# input so that a pair's score never depends on who else is in the table. Chosen on the tuning sets (FEBRL 1 and 2:
# 1e-7 left recall 0.958 / 0.967, 1e-6 gives 0.966 / 0.980, both with no wrong pair even at REVIEW_PROBABILITY);
# match weight starts at -19.9: a pair needs ≈ +19.9 of evidence to reach review and ≈ +26.6 to be auto-linked.
PRIOR_MATCH_PROBABILITY = 1e-6

# A birth date or mailbox shared by more records than this is a placeholder (1900-01-01) or a generic box (info@),
# not evidence of identity: it is treated as unknown, which also keeps any one blocking group small.
MAX_RECORDS_SHARING_A_VALUE = 1000

# Term frequencies: how common a name or city is among the candidates, over at least this many candidates (a small
# base says little about how common a name is), on a half-octave grid (so a load moves a value's frequency, and
# makes its candidates rescore, only when it crosses a step: see rescore_changed)
TF_MIN_POPULATION = 10_000
TF_BOOST_BITS = 0  # a rare name counts no more than an average one: the adjustment only discounts common ones

NAME_SIMILAR = 0.92  # Jaro-Winkler: "jon"/"john", "jonson"/"johnson"
NAME_NEAR = 0.88  # "anna"/"anne": a typo as often as another person; EM weighs it
STREET_SIMILAR = 0.92
STREET_NEAR = 0.88
EMAIL_SIMILAR = 0.88

SPLINK_PREFIX = "__splink__"
PREPARED_TABLE = f"{SPLINK_PREFIX}rapport_candidates"  # the prefix puts it under the same clean-up sweep
CHANGED_TABLE = f"{SPLINK_PREFIX}rapport_changed_candidates"
NICKNAMES_TABLE = f"{SPLINK_PREFIX}rapport_nicknames"
SURNAME_CODES_TABLE = f"{SPLINK_PREFIX}rapport_surname_codes"
# the candidates as last scored, cleaned: an incremental build scores only the pairs of candidates that differ from
# these. A pair's score depends on its two candidates alone (frozen parameters; term frequencies are columns of the
# candidates); a change to the parameters comes with a new MODEL_VERSION, whose first build scores everything
SCORED_TABLE = "identity_scored_candidates"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
TF_COLUMNS = ("first_name", "last_name", "city")


@dataclass(frozen=True)
class Level:
    """One comparison outcome: when it applies, what staff read (`detail`: SQL for a measured value, such as the
    Jaro-Winkler similarity, appended to the reason), and whether the value's frequency adjusts its weight."""

    reason: str
    sql: str
    detail: str | None = None
    tf: bool = False


@dataclass(frozen=True)
class Field:
    """A compared column, its label in `reasons`, and its outcomes from most to least similar (last is ELSE)."""

    column: str
    label: str
    levels: tuple[Level, ...]


def jaro_winkler_at_least(column: str, threshold: float) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r) >= {threshold}"


def jaro_winkler_shown(column: str) -> str:
    return f"'jw ' || round(jaro_winkler_similarity({column}_l, {column}_r), 2)"


def jaro_winkler_levels(column: str, similar: float, near: float) -> tuple[Level, ...]:
    """A typo (Jaro-Winkler ≥ `similar`), and a nearer miss (≥ `near`), shown with the similarity measured."""
    shown = jaro_winkler_shown(column)
    return (Level("typo", jaro_winkler_at_least(column, similar), shown),
            Level("near", jaro_winkler_at_least(column, near), shown))


DATE_TEXT = "strftime(birth_date_{side}, '%Y%m%d')"
BIRTH_DATE_SWAPPED = ("(year(birth_date_l) = year(birth_date_r) and month(birth_date_l) = day(birth_date_r)"
                      " and day(birth_date_l) = month(birth_date_r))")
BIRTH_DATE_TYPO = f"damerau_levenshtein({DATE_TEXT.format(side='l')}, {DATE_TEXT.format(side='r')}) <= 1"
BIRTH_DATE_WITHIN_A_YEAR = "abs(date_diff('day', birth_date_l, birth_date_r)) <= 366"
BIRTH_DATE_NEAR = f"({BIRTH_DATE_SWAPPED} or {BIRTH_DATE_TYPO} or {BIRTH_DATE_WITHIN_A_YEAR})"
NAMES_SWAPPED = (f"(jaro_winkler_similarity(first_name_l, last_name_r) >= {NAME_SIMILAR}"
                 f" and jaro_winkler_similarity(last_name_l, first_name_r) >= {NAME_SIMILAR})")
NICKNAME = "list_has_any(first_name_variants_l, first_name_variants_r)"
# "E. Wilkinson" on an order: an initial says nothing for a first name it agrees with (unknown), and tells another
# name apart (different): a household's orders billed with an initial must not join the parent to the child
INITIAL_AGREES = ("((length(first_name_l) = 1 or length(first_name_r) = 1)"
                  " and left(first_name_l, 1) = left(first_name_r, 1))")
# Two records of one person rarely disagree on both counts; relatives sharing a mailbox usually do.
IDENTITY_CONFLICT = (
    "((first_name_l is not null and first_name_r is not null"
    f" and jaro_winkler_similarity(first_name_l, first_name_r) < {NAME_SIMILAR} and not {NICKNAME}"
    f" and not {INITIAL_AGREES} and not {NAMES_SWAPPED})"
    " or (birth_date_l is not null and birth_date_r is not null and birth_date_l <> birth_date_r"
    f" and not {BIRTH_DATE_NEAR}))"
)

# The outcomes compared; their m and u probabilities are estimated (models/identity/train.py) and read from
# parameters.json by reason. Household fields (surname, address, email) are shared by relatives: a different first
# name and birth date must outweigh a shared home and surname (see tests/test_probabilistic.py).
FIELDS = (
    Field("first_name", "first name", (
        Level("exact", "first_name_l = first_name_r", tf=True),
        Level("nickname", NICKNAME, "first_name_l || '/' || first_name_r"),
        *jaro_winkler_levels("first_name", NAME_SIMILAR, NAME_NEAR),
        Level("swapped with the last name", NAMES_SWAPPED),
        Level("different", "ELSE"),
    )),
    Field("last_name", "last name", (
        Level("exact", "last_name_l = last_name_r", tf=True),
        *jaro_winkler_levels("last_name", NAME_SIMILAR, NAME_NEAR),
        Level("swapped with the first name", NAMES_SWAPPED),
        Level("different", "ELSE"),  # mostly a surname changed by marriage
    )),
    Field("birth_date", "birth date", (
        Level("exact", "birth_date_l = birth_date_r"),
        Level("day/month swapped", BIRTH_DATE_SWAPPED),
        Level("one digit off", BIRTH_DATE_TYPO),
        Level("within a year", BIRTH_DATE_WITHIN_A_YEAR),
        Level("different", "ELSE"),
    )),
    Field("postcode", "postcode", (
        Level("exact", "postcode_l = postcode_r"),
        Level("one character off", "damerau_levenshtein(postcode_l, postcode_r) <= 1"),
        Level("different", "ELSE"),  # people move
    )),
    Field("street", "street", (
        Level("exact", "street_l = street_r"),
        *jaro_winkler_levels("street", STREET_SIMILAR, STREET_NEAR),
        Level("different", "ELSE"),
    )),
    Field("city", "city", (
        Level("exact", "city_l = city_r", tf=True),
        Level("typo", jaro_winkler_at_least("city", NAME_NEAR), jaro_winkler_shown("city")),
        Level("different", "ELSE"),
    )),
    Field("email_local", "email", (
        Level("exact", f"email_local_l = email_local_r and not {IDENTITY_CONFLICT}"),
        Level("similar", f"{jaro_winkler_at_least('email_local', EMAIL_SIMILAR)} and not {IDENTITY_CONFLICT}",
              jaro_winkler_shown("email_local")),
        Level("same or similar, but first name or birth date differs (family mailbox?)",
              jaro_winkler_at_least("email_local", EMAIL_SIMILAR)),
        Level("different", "ELSE"),
    )),
)
# Members of one household share a surname, a home and often a mailbox. When two personal fields disagree — the
# first names clearly differ and the birth dates are not the same (unknown, different, within a year — a couple's
# often are — or a digit off), or a name differs or is only alike (Eleanor and her daughter Ellie) and so do the
# birth dates and the mailboxes (FEBRL, without mailboxes, has duplicates like that: two typos) — or a mailbox is
# shared although one of them differs (a family's), those fields say nothing about being one person, and their
# evidence is taken back out of the weight. (FEBRL, the parameters' training data, has no households to learn it
# from; a parent and child of one name, one home, two birth dates and no shared mailbox are linked, as FEBRL's
# duplicates with a mistyped birth date are.)
HOUSEHOLD_FIELDS = ("last_name", "postcode", "street", "city", "email_local")
# splink's gamma of a level: the non-null levels count down from n-1 (the first) to 0 (ELSE)
TOP_LEVEL = {field.column: len(field.levels) - 1 for field in FIELDS}
BIRTH_DIGIT_OFF = 2  # the birth date's level "one digit off"; below it: within a year, different
HOUSEHOLD_SQL = (f"((gamma_first_name = 0 and gamma_birth_date <= {BIRTH_DIGIT_OFF})"
                 f" or ((gamma_first_name between 0 and {TOP_LEVEL['first_name'] - 1}"
                 f" or gamma_last_name between 0 and {TOP_LEVEL['last_name'] - 1})"
                 " and gamma_birth_date = 0 and gamma_email_local = 0)"
                 " or gamma_email_local = 1)")
# A pair is linked automatically only with evidence beyond the name: one of these fields at a level above
# "different" (gamma > 0) — a birth date, a postcode, a street or a mailbox, exactly or nearly. A name and a city
# alone stay a suggestion however rare the name. So do one full name at one home when one side is only orders,
# tickets or posts, which never carry a birth date, and no mailbox tells a parent from a child of the same name (an
# order's billing name and address): staff decide. Between two contacts a missing birth date is a gap in the data.
BEYOND_NAME = ("birth_date", "postcode", "street")
BEYOND_NAME_SQL = " or ".join(f"gamma_{c} > 0" for c in BEYOND_NAME) + " or gamma_email_local > 1"
NAMESAKES_AT_HOME_SQL = (f"(gamma_first_name = {TOP_LEVEL['first_name']} and gamma_last_name = {TOP_LEVEL['last_name']}"
                         " and gamma_birth_date = -1 and gamma_email_local <= 0"
                         " and not (coalesce(has_contact_l, true) and coalesce(has_contact_r, true)))")
AUTO_LINKABLE_SQL = f"(({BEYOND_NAME_SQL}) and not {NAMESAKES_AT_HOME_SQL})"
AUTO_WEIGHT = math.log2(AUTO_LINK_PROBABILITY / (1 - AUTO_LINK_PROBABILITY))
NOT_LINKED = "not linked: no birth date or mailbox tells two people of one name apart"

# Two records with the same full name and none of birth date, postcode or mailbox equal (the rules below pair
# those) need more evidence to reach review, and every way to get it includes a near birth date, the same street,
# the same or an unknown city, or a postcode one character off (which keeps its first or its last two
# characters, in postcodes of five or more), or a street or mailbox alike (which keep their first four, mostly).
# So instead of a plain (first name, last name) rule, those: equi-joins all but one.
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
    block_on("first_name", "last_name", "left(street, 4)"),  # a typo in the street (its number and first letters)
    block_on("first_name", "last_name", "left(email_local, 4)"),  # a mailbox like another
    block_on("first_name", "last_name", "city"),
    block_on("first_name", "last_name", "left(postcode, 2)"),
    block_on("first_name", "last_name", "right(postcode, 2)"),
)

# Pairs are only scored if they agree on one of these rules. A bare birth date would pair everyone born on the same
# day (11M pairs at 1M candidates). An initial or the postcode only loses pairs that differ in both name initials,
# or in both postcode and birth date and the sound of the surname.
BLOCKING_RULES = (
    # first: splink keeps a later rule from repeating an earlier rule's pairs by testing each earlier rule on them,
    # and this rule's join meets every pair of namesakes (first: +2.5 s at 1M candidates; last: +25 s)
    UNKNOWN_CITY_RULE,
    block_on("birth_date", "substr(first_name, 1, 1)"),  # a typo in the surname, a married name, a move
    block_on("birth_date", "substr(last_name, 1, 1)"),  # a nickname or typo in the first name
    block_on("birth_date", "postcode"),  # names missing on one side
    block_on("postcode", "substr(last_name, 1, 1)"),  # birth date mistyped or not recorded
    block_on("postcode", "substr(first_name, 1, 1)"),  # ... and the surname's first letter mistyped
    block_on("last_name_code", "substr(first_name, 1, 1)", "year(birth_date)"),  # a surname spelt as it sounds
    block_on("first_name", "city", "substr(last_name, 1, 1)"),  # moved within a city, date and postcode mistyped
    block_on("email_local"),  # a married name and no birth date; over-shared mailboxes were nulled above
    # first and last name swapped: the rules above meet such a pair only by a birth date and postcode both right
    CustomRule("l.first_name = r.last_name and l.last_name = r.first_name"),
    CustomRule("l.birth_date = r.birth_date and substr(l.first_name, 1, 1) = substr(r.last_name, 1, 1)"),
    CustomRule("l.postcode = r.postcode and substr(l.first_name, 1, 1) = substr(r.last_name, 1, 1)"),
    *FULL_NAME_RULES,
)


@cache
def parameters(path: Path = PARAMETERS_PATH) -> dict:
    """The frozen m/u probabilities by field and reason, with how they were estimated."""
    return json.loads(path.read_text(encoding="utf-8"))


def level_parameters(field: Field, level: Level, params: dict | None = None) -> dict[str, float]:
    """A level's m and u from parameters.json; a level the file lacks means it was trained for other levels."""
    try:
        return (params or parameters())["fields"][field.column][level.reason]
    except KeyError:
        raise KeyError(f"{PARAMETERS_PATH.name} has no m/u for {field.column}: {level.reason!r}; "
                       "run python -m models train-identity") from None


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
    except BaseException:
        # the error raised stays the one to see: in the transaction it aborted, the rollback drops splink's tables
        with contextlib.suppress(duckdb.Error):
            drop_splink_tables(con)
        raise
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
        cluster_id_l bigint, cluster_id_r bigint, match_probability double, match_weight double, reasons varchar,
        auto_linkable boolean)""")


def prepare_candidates(con: duckdb.DuckDBPyConnection, candidates: str) -> None:
    """Copy the candidates with blank strings and over-shared birth dates / mailboxes turned into NULL, and what
    the comparisons read besides: a first name's nickname group, a surname's sound, and names' and cities'
    frequencies (term frequencies, on a grid, so that they are part of what a changed candidate is)."""
    con.execute("create or replace temp table _cleaned as "
                + cleaned_sql(candidates, "has_contact" in columns_of(con, candidates)))
    register_nicknames(con, NICKNAMES_TABLE)
    register_phonetic_codes(con, "_cleaned", "last_name", SURNAME_CODES_TABLE)
    con.execute(f"create or replace temp table {PREPARED_TABLE} as {prepared_sql()}")
    con.execute("drop table _cleaned")


def cleaned_sql(candidates: str, has_contact: bool = True) -> str:
    """The candidates with blank strings as NULL (`has_contact`: whether the table has that column) and their names
    in their roles (see NAMES_IN_ROLES_SQL)."""
    text = ("first_name", "last_name", "email_local", "postcode", "city", "street")
    # "e." from a ticket's "E. Wilkinson" is the initial e, as on an order
    blanks_as_null = ", ".join(f"nullif(rtrim(trim({c}), '.'), '') as {c}" for c in text)
    contact = "has_contact" if has_contact else "null::boolean as has_contact"
    blanked = f"select cluster_id, birth_date, {contact}, {blanks_as_null} from {candidates}"
    return f"with blanked as ({blanked}), {NAMES_IN_ROLES_SQL}"


# A record written with first and last name swapped ("Lloyd Sophie") holds its surname in the first-name field. Two
# relatives both re-entered that way then agree on their "first name" (the family's surname) and disagree on their
# "last name" (their own first names), and no household rule sees relatives in that. Which field a name belongs in
# is read from the data itself: how often each name is written as a first and as a last name by the OTHER candidates
# (the record's own writing left out, plus one each way so a name seen once proves nothing). A record is read with
# its names the other way round when its first name is more often a surname (log odds > 0), its last name more often
# a first name (< 0), and the two together by at least SWAP_EVIDENCE (odds e^1.5 ≈ 4.5): "Lloyd" is written as a
# surname 10 times and as a first name once, "Sophie" as a first name 5 times and never as a surname. Chosen on the
# re-entry set's development seeds 96–99: it finds ~84 % of the swapped records and reads ~1 in 600 CRM contacts
# the wrong way round ("Thomas Bryan": Thomas is the commoner surname in that data), which costs nothing, as the
# comparisons still know a swap ("swapped with the last name"). The decision is part of the prepared candidate, so a
# candidate whose reading flips after a load is rescored like any changed one (rescore_changed).
SWAP_EVIDENCE = 1.5
NAMES_IN_ROLES_SQL = f"""
    written as (
        select first_name as name, 1 as as_first from blanked where first_name is not null
        union all
        select last_name as name, 0 as as_first from blanked where last_name is not null
    ),
    roles as (
        select name, sum(as_first) as as_first, sum(1 - as_first) as as_last from written group by name
    ),
    judged as (
        select b.*,
               -- log odds of being a surname, counted without this record's own writing of each name
               ln((f.as_last + 1) / f.as_first) as first_is_surname,
               ln(l.as_last / (l.as_first + 1)) as last_is_surname
        from blanked b
        left join roles f on f.name = b.first_name
        left join roles l on l.name = b.last_name
    ),
    swapped as (
        select *,
               coalesce(length(first_name) > 1 and length(last_name) > 1 and first_name <> last_name
                        and first_is_surname > 0 and last_is_surname < 0
                        and first_is_surname - last_is_surname >= {SWAP_EVIDENCE}, false) as names_swapped
        from judged
    )
    select cluster_id, birth_date, has_contact,
           case when names_swapped then last_name else first_name end as first_name,
           case when names_swapped then first_name else last_name end as last_name,
           email_local, postcode, city, street, names_swapped
    from swapped"""


def prepared_sql() -> str:
    """The cleaned candidates (`_cleaned`) with what the comparisons read besides (see prepare_candidates)."""
    frequencies = ", ".join(f"{term_frequency(c)} as {c}_frequency" for c in TF_COLUMNS)
    return f"""
        select c.cluster_id, c.first_name, c.last_name,
               {unless_over_shared("c.birth_date")} as birth_date,
               {unless_over_shared("c.email_local")} as email_local,
               c.postcode, c.city, c.street, c.has_contact, c.names_swapped,
               coalesce(n.formal_names, [c.first_name]) as first_name_variants,
               s.code as last_name_code,
               {frequencies}
        from _cleaned c
        left join {NICKNAMES_TABLE} n on n.name = c.first_name
        left join {SURNAME_CODES_TABLE} s on s.value = c.last_name"""


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """A table's column names (candidates without `has_contact` are taken for contacts: unit tests' tables)."""
    return {row[0] for row in con.execute(f"describe {table}").fetchall()}


def unless_over_shared(column: str) -> str:
    over_shared = f"count(*) over (partition by {column}) > {MAX_RECORDS_SHARING_A_VALUE}"
    return f"case when {over_shared} then null else {column} end"


def term_frequency(column: str) -> str:
    """The share of candidates with this value, over at least TF_MIN_POPULATION, rounded to a half octave."""
    share = f"count(*) over (partition by c.{column}) / greatest(count(*) over (), {TF_MIN_POPULATION})"
    return f"case when c.{column} is not null then pow(2, round(2 * log2({share})) / 2) end"


def settings(link_type: str = "dedupe_only", params: dict | None = None,
             translate: Callable[[str], str] | None = None) -> SettingsCreator:
    """splink's settings; `translate` turns the levels' DuckDB conditions into another engine's (Spark's)."""
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="cluster_id",
        probability_two_random_records_match=PRIOR_MATCH_PROBABILITY,
        comparisons=[comparison(field, params, translate) for field in FIELDS],
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES),
        retain_matching_columns=True,
        additional_columns_to_retain=["has_contact", "names_swapped"],  # read by AUTO_LINKABLE_SQL, reasons_sql
        retain_intermediate_calculation_columns=True,  # the gamma_ columns that `reasons` is read from
    )


def comparison(field: Field, params: dict | None = None,
               translate: Callable[[str], str] | None = None) -> CustomComparison:
    unknown_sql = f"{field.column}_l is null or {field.column}_r is null"
    if field.column == "first_name":
        unknown_sql += f" or {INITIAL_AGREES}"
    unknown = {"sql_condition": unknown_sql if translate is None else translate(unknown_sql),
               "label_for_charts": "unknown", "is_null_level": True}
    levels = [level_settings(field, level, params, translate) for level in field.levels]
    return CustomComparison(comparison_levels=[unknown, *levels], output_column_name=field.column,
                            comparison_description=field.label)


def level_settings(field: Field, level: Level, params: dict | None,
                   translate: Callable[[str], str] | None = None) -> dict:
    """A level as splink reads it; a term-frequency level's u becomes its value's frequency, bounded so a rare
    value counts at most TF_BOOST_BITS more than an average one."""
    m_u = level_parameters(field, level, params)
    condition = level.sql if translate is None or level.sql == "ELSE" else translate(level.sql)
    settings_ = {"sql_condition": condition, "label_for_charts": level.reason,
                 "m_probability": m_u["m"], "u_probability": m_u["u"]}
    if level.tf:
        settings_ |= {"tf_adjustment_column": field.column, "tf_adjustment_weight": 1.0,
                      "tf_minimum_u_value": m_u["u"] / 2 ** TF_BOOST_BITS}
    return settings_


def linker(con: duckdb.DuckDBPyConnection, tables: list[str], params: dict | None = None) -> Linker:
    """A splink linker over one prepared table (its pairs) or two (the pairs across them), with the candidates'
    own term frequencies registered (splink would otherwise count them over its inputs, which here differ)."""
    db_api = DuckDBAPI(connection=con)
    inputs = [db_api.register(table) for table in tables]
    link_type = "link_only" if len(inputs) > 1 else "dedupe_only"
    result = Linker(inputs if len(inputs) > 1 else inputs[0], settings(link_type, params),
                    log_level=logging.WARNING)
    for column in TF_COLUMNS:
        # a table by name: splink's registering of a DataFrame aborts the build's transaction
        lookup = f"{SPLINK_PREFIX}rapport_tf_{column}"
        con.execute(f"""create or replace temp table {lookup} as
                        select distinct {column}, {column}_frequency as tf_{column}
                        from {PREPARED_TABLE} where {column} is not null""")
        result.table_management.register_term_frequency_lookup(db_api.register(lookup), column)
    return result


def predict(con: duckdb.DuckDBPyConnection, tables: list[str]) -> str:
    """Run splink over the prepared tables; return the physical name of its predictions table."""
    return linker(con, tables).inference.predict(threshold_match_probability=REVIEW_PROBABILITY).physical_name


def scored_pairs_sql(predictions: str) -> str:
    """The pairs from REVIEW_PROBABILITY, the lower cluster id on the left. Across two tables (link_only) a pair of
    two changed candidates is found from both sides, and each one with itself: kept once, and dropped."""
    low, high = "least(cluster_id_l, cluster_id_r)", "greatest(cluster_id_l, cluster_id_r)"
    return f"""
        with weighed as (
            select *, match_weight - case when {HOUSEHOLD_SQL} then {household_bits_sql()} else 0 end as weight
            from {predictions}
        )
        select {low} as cluster_id_l, {high} as cluster_id_r, 1 / (1 + pow(2, -weight)) as match_probability,
               weight as match_weight,
               {reasons_sql()} || case when not coalesce({AUTO_LINKABLE_SQL}, false) and weight >= {AUTO_WEIGHT}
                                       then '; {NOT_LINKED}' else '' end as reasons,
               coalesce({AUTO_LINKABLE_SQL}, false) as auto_linkable
        from weighed
        where 1 / (1 + pow(2, -weight)) >= {REVIEW_PROBABILITY} and cluster_id_l <> cluster_id_r
        qualify row_number() over (partition by {low}, {high} order by weight desc) = 1
        order by 1, 2"""


def household_bits_sql() -> str:
    """The household fields' evidence in a pair's weight: their match weights (term-frequency ones too), in bits."""
    weights = [f"mw_{c}" for c in HOUSEHOLD_FIELDS] + [f"mw_tf_adj_{c}" for c in TF_COLUMNS if c in HOUSEHOLD_FIELDS]
    return f"({' + '.join(weights)})"


NAMES_READ_SWAPPED = "names: first and last written the other way round on one side, compared in their roles"


def reasons_sql() -> str:
    """One 'label: outcome' per field, read from splink's comparison vector so it is exactly what was scored, and
    whether one side's names were read the other way round (NAMES_IN_ROLES_SQL)."""
    swapped = f"case when names_swapped_l <> names_swapped_r then '{NAMES_READ_SWAPPED}' end"
    return "concat_ws('; ', " + ", ".join([*(field_reason_sql(field) for field in FIELDS), swapped]) + ")"


def field_reason_sql(field: Field) -> str:
    # splink numbers the non-null levels from n-1 (most similar) down to 0 (ELSE), and the null level -1
    top = len(field.levels) - 1
    whens = " ".join(f"when {top - i} then '{field.label}: {level.reason}'"
                     + (f" || ' (' || {level.detail} || ')'" if level.detail else "")
                     for i, level in enumerate(field.levels))
    return f"case gamma_{field.column} when -1 then '{field.label}: unknown' {whens} end"


def drop_splink_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every `__splink__` table and view: splink's intermediates, cached inputs, and the prepared copy."""
    leftovers = con.execute(
        "select database_name, schema_name, table_name, 'table' from duckdb_tables() where starts_with(table_name, ?)"
        " union all select database_name, schema_name, view_name, 'view' from duckdb_views()"
        " where starts_with(view_name, ?)", [SPLINK_PREFIX, SPLINK_PREFIX]).fetchall()
    for database, schema, name, kind in leftovers:
        con.execute(f'drop {kind} if exists "{database}"."{schema}"."{name}"')

