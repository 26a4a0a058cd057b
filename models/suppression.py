"""Which rows of a load carry an erased person's identifier, by the keys identity itself would give them.

An erasure (models.privacy) stores the sha256 of each identity key of the person (`email:ana@example.com`,
`phone:+447700900123`, `handle:instagram:ana.hikes`, `ref:C1`) and of each record it removed (see OWN_KEYS). A load
asks `find_suppressed` which of its rows carry one. The keys are not worked out a second time here: the load's rows
are shown to the staging and identity models through temporary views named like the raw tables they read
(models.increments.shadowed), and their phone numbers are parsed by models.phones, so a row is keyed exactly as the
build would key it — an email in any case, a number written `07700 900123`, `447700900123` or `+44 7700 900123`, a
handle with or without `@` or its profile address, whichever other fields the row has or lacks.

Rows the load refuses are checked by their text as well: a malformed line has no fields, so each of its words is
tried as an email and as a handle on every network, and each run of digits as a phone number, again through the
staging and identity models (as a CRM contact's fields would be).
"""

from __future__ import annotations

from models.identity.resolve import IDENTITY_DIR
from models.increments import database_of, shadowed
from models.names import register_name_parser
from models.phones import default_region, readings_frame, unread_numbers
from models.sql import MODELS_DIR
from store import Connection, quote_identifier, quote_literal

RAW_KINDS = ("customers", "purchases", "tickets", "ticket_comments", "social_posts")
# the staged tables identity_records reads
IDENTITY_KINDS = ("customers", "purchases", "tickets", "social_posts")
NETWORKS = ("twitter", "facebook", "instagram", "linkedin", "mastodon", "tiktok")

# the keys of a record itself, over a raw row's columns: an erasure suppresses them for every record it removes.
# Ticket comments and posts also by what stays the same under another source name: a comment by its ticket number
# and text (an agent's "Refund issued." on another desk's ticket of the same number would be suppressed too), a post
# by its network's id.
OWN_KEYS = {
    "customers": "['customers:' || source || ':' || source_id]",
    "purchases": "['purchases:' || source || ':' || order_id]",
    "tickets": "['tickets:' || source || ':' || ticket_id]",
    "ticket_comments": "['comment:' || ticket_id || ':' || body]",
    "social_posts": "['social_posts:' || source || ':' || post_id, 'post:' || network || ':' || post_id]",
}
# the keys of the record a row belongs to: a comment on an erased ticket, a reply to an erased post. Not
# suppressed themselves: an erased post that answered someone else's must not take that one with it.
PARENT_KEYS = {
    "ticket_comments": "['tickets:' || source || ':' || ticket_id]",
    "social_posts": "['social_posts:' || source || ':' || in_reply_to, 'post:' || network || ':' || in_reply_to]",
}
# what a refused row's text is cut into: words (emails, handles, profile addresses) and runs of digits (phones)
WORD = r"""[^\s,;"'<>(){}\[\]|\\]+"""
DIGITS = r"[+(]?[0-9][0-9 ().-]{5,}[0-9]"
TEXT_SOURCE = "_text"


def record_keys(kind: str, parents: bool = False) -> str:
    """SQL listing the keys of a raw row of `kind` (and of the record it belongs to, with `parents`)."""
    keys = OWN_KEYS[kind]
    return f"list_concat({keys}, {PARENT_KEYS[kind]})" if parents and kind in PARENT_KEYS else keys


def any_suppressed(con: Connection) -> bool:
    return con.execute("select count(*) > 0 from suppressed_identifiers").fetchall()[0][0]


def find_suppressed(con: Connection, kind: str, source: str, rows: str, texts: str) -> int:
    """`_suppressed(_line)`: the lines of a load that carry a suppressed identifier; how many.

    `rows` is a table of the load's typed rows (`_line` and the kind's canonical fields), `texts` one of the text
    of the refused ones (`_line`, `raw_record`)."""
    line_keys(con, kind, source, rows, texts)
    con.execute("""create or replace temp table _suppressed as
                   select distinct _line from _line_keys
                   where sha256(key) in (select identifier_hash from suppressed_identifiers)""")
    con.execute("drop table _line_keys")
    return con.execute("select count(*) from _suppressed").fetchall()[0][0]


def line_keys(con: Connection, kind: str | None, source: str, rows: str | None, texts: str | None) -> None:
    """`_line_keys(_line, key)`: every key of each line of `rows`, rows of `kind` from `source` (own and parent
    record keys, identity keys), and of each text of `texts` (identity keys of its words)."""
    database = database_of(con)
    views = {f"raw_{k}": f"select * from {database}.main.raw_{k} where false" for k in RAW_KINDS}
    if rows:
        views[f"raw_{kind}"] += f" union all by name {as_raw_rows(con, source, rows)}"
    if texts:
        views["raw_customers"] += f" union all by name {text_rows(texts)}"
    con.execute("create or replace temp table _line_keys (_line bigint, key varchar)")
    with shadowed(con, views):
        if rows:
            con.execute(f"""insert into _line_keys
                            select _load_id, unnest({record_keys(kind, parents=True)})
                            from raw_{kind} where source = {quote_literal(source)}""")
        if texts or kind in IDENTITY_KINDS:
            insert_identity_keys(con)
    con.execute("delete from _line_keys where key is null")


def text_keys(con: Connection, texts: str) -> None:
    """`_line_keys(_line, key)`: the identity keys of the words and digits of each text of `texts`."""
    line_keys(con, None, TEXT_SOURCE, None, texts)


def as_raw_rows(con: Connection, source: str, rows: str) -> str:
    """SQL showing `rows` as rows of raw_<kind> of `source`, each numbered by its line (record id and load id:
    identity's record key then ends in the line)."""
    fields = [r[0] for r in con.execute(f"select name from pragma_table_info('{rows}')").fetchall()
              if not r[0].startswith("_") and r[0] != "record_id"]
    return (f"select {quote_literal(source)} as source, _line::varchar as record_id, _line as _load_id, "
            f"{', '.join(quote_identifier(f) for f in fields)} from {rows}")


def text_rows(texts: str) -> str:
    """SQL showing each word and each run of digits of `texts` as a CRM contact of source TEXT_SOURCE whose email
    and handles are the word, or whose phone is the digits; numbered `<line>.<n>`."""
    handles = ", ".join(f"word as {network}" for network in NETWORKS)
    return f"""select * from (
        with words as (
            select _line, rtrim(unnest(regexp_extract_all(raw_record, {quote_literal(WORD)})), '.!?:/') as word
            from {texts}
        ), digits as (
            select _line, unnest(regexp_extract_all(raw_record, {quote_literal(DIGITS)})) as phone from {texts}
        ), found as (
            select _line, word, null as phone from words
            union all select _line, null, phone from digits
        )
        select '{TEXT_SOURCE}' as source, _line || '.' || row_number() over () as record_id, _line as _load_id,
               word as email, phone, {handles}
        from found)"""


def insert_identity_keys(con: Connection) -> None:
    """Stage the (shadowed) raw rows and key them with identity_records, as a build would; add the keys to
    `_line_keys` by the line their record key ends in."""
    region = default_region()
    register_name_parser(con)
    con.register("_load_phones", readings_frame(unread_numbers(con, region), region))
    staged = {f"stg_{k}": (MODELS_DIR / "staging" / f"stg_{k}.sql").read_text() for k in IDENTITY_KINDS}
    phones = (f"select raw, hint, e164, region, read_with, default_region from {database_of(con)}.main.phone_numbers "
              "union all by name select * from _load_phones")
    with shadowed(con, {"phone_numbers": phones, **staged}):
        con.execute(f"""insert into _line_keys
                        select regexp_extract(record_key, ':([0-9]+)(\\.[0-9]+)?$', 1)::bigint, unnest(keys)
                        from ({(IDENTITY_DIR / 'identity_records.sql').read_text()})""")
    con.unregister("_load_phones")
