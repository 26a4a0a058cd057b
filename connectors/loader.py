"""Load one file into its raw table: map, validate in SQL, quarantine bad rows, upsert good ones, log the load."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from connectors.files import STAGE, STAGE_REJECTS, FatalLoadError, Staged, detect_format, drop_temp, stage_file
from connectors.mapping import FieldSource, Mapping, canonical_mapping, load_mapping
from connectors.schema import SOCIAL_NETWORKS, Field, Kind
from connectors.schema import kind as find_kind
from store import Connection, quote_identifier, quote_literal, transaction

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
# Formats tried, in order, after ISO 8601, for dates and times that the mapping gives no format for. Slash dates
# (is 03/04 March or April?) are deliberately absent: a mapping must say which it means.
DEFAULT_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%a %b %d %H:%M:%S %z %Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
                        "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y")
TRUE_WORDS = ("true", "t", "1", "yes", "y")
FALSE_WORDS = ("false", "f", "0", "no", "n")
SHOWN_VALUE_CHARS = 40


@dataclass
class LoadResult:
    """What one load did, as printed by the CLI and recorded in the load log."""

    load_id: int
    source: str
    kind: str
    file: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    suppressed: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.kind} from {Path(self.file).name} into source {self.source!r}: {self.inserted} inserted, "
                f"{self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected, "
                f"{self.suppressed} suppressed")


def load_file(con: Connection, kind_name: str, path: str | Path, *, source: str | None = None,
              mapping: str | Path | Mapping | None = None, file_label: str | None = None) -> LoadResult:
    """Load `path` as `kind_name` records of `source` in one transaction; a failure changes no data table.

    Raises FatalLoadError (with a one-line message) when the whole file is unusable; the attempt is still logged.
    """
    path = Path(path)
    kind = find_kind(kind_name)
    mapping = resolve_mapping(mapping, kind)
    source = check_source_name(source or mapping.source or kind.name)
    label = file_label or str(path.resolve())
    load_id = con.execute("select nextval('load_id_seq')").fetchone()[0]
    started_at = utc_now()
    try:
        with transaction(con):
            result = load_in_transaction(con, kind, mapping, path, source, label, load_id)
            log_load(con, result, started_at, "ok", None)
    except Exception as exc:
        log_load(con, LoadResult(load_id, source, kind.name, label), started_at, "failed", str(exc))
        raise
    finally:
        drop_temp_tables(con)
    return result


def resolve_mapping(mapping: str | Path | Mapping | None, kind: Kind) -> Mapping:
    if mapping is None:
        return canonical_mapping(kind)
    if isinstance(mapping, Mapping):
        return mapping
    return load_mapping(mapping, kind.name)


def check_source_name(source: str) -> str:
    if not SOURCE_NAME.match(source):
        raise FatalLoadError(f"source name {source!r} must be lower-case letters, digits, '_', '.' or '-' "
                             f"(at most 64, starting with a letter or digit)")
    return source


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def load_records(con: Connection, kind_name: str, records: list | str, *, source: str,
                 mapping: str | Path | Mapping | None = None, label: str, records_path: str = "$[*]") -> LoadResult:
    """Load in-memory JSON records (say, one page of an API) as `kind_name` records of `source`: a list, or JSON
    text holding them (serialised beforehand, or as an API sent it) at `records_path`, `$[*]` for an array;
    `$[*].data[*]` takes the records of several answers, `[answer, answer, ...]`, that list them under `data`.

    Runs inside the caller's transaction, so the caller can commit the rows together with what they cover (a sync
    cursor), and logs the load as ok in that same transaction. `label` names the batch where a file load names
    the file: in the load log, the raw rows' `_file` and the quarantine, whose entries for the same label it
    replaces. A record that is not an object, or lacks a required value, is quarantined; unlike a file, a batch
    in which no record has some required field is not refused as a whole, so one bad page cannot stall a sync.
    On an error this logs nothing: the caller rolls back and records the failure.
    """
    kind = find_kind(kind_name)
    mapping = resolve_mapping(mapping, kind)
    source = check_source_name(source)
    load_id = con.execute("select nextval('load_id_seq')").fetchone()[0]
    started_at = utc_now()
    staged = stage_records(con, records, mapping_paths(mapping), records_path)
    result = load_staged(con, kind, mapping, staged, source, label, load_id, label, whole_file_checks=False)
    log_load(con, result, started_at, "ok", None)
    drop_temp_tables(con)  # on success only: an error aborts the caller's transaction, whose rollback drops them
    return result


@dataclass(frozen=True)
class StagedRecords(Staged):
    """Records staged with every path a mapping reads extracted at once, into the list `_v`: parsing a record once
    rather than once per field makes loading API pages markedly faster."""

    paths: tuple[str, ...] = ()


def mapping_paths(mapping: Mapping) -> tuple[str, ...]:
    """Every column or JSON path a mapping reads, once each."""
    found = [c for source in mapping.fields.values() for c in (*source.referenced_columns, source.same_for) if c]
    return tuple(dict.fromkeys(found))


def stage_records(con: Connection, records: list | str, paths: tuple[str, ...] = (),
                  records_path: str = "$[*]") -> StagedRecords:
    """Stage records as a JSON file's would be, `_stage(_line, _json)` in order with non-objects in the rejects,
    plus `_v`: the values at `paths`."""
    drop_temp(con, STAGE)
    con.execute(f"create or replace temp table {STAGE_REJECTS} (_line bigint, raw_record varchar, reason varchar)")
    values = f", json_extract_string(value, [{', '.join(quote_literal(json_path(p)) for p in paths)}]) as _v"
    found = ("select key::bigint + 1 as _line, value from json_each($doc)" if records_path == "$[*]" else
             "select unnest(range(1, len(found) + 1)) as _line, unnest(found) as value "
             "from (select json_extract($doc, $path) as found)")
    # one pass over the records; the stage is a view
    con.execute(f"""create or replace temp table _records as
                    select _line, value as _json, json_type(value) = 'OBJECT' as _is_object {values if paths else ''}
                    from ({found})""",
                {"doc": records if isinstance(records, str) else json.dumps(records, ensure_ascii=False),
                 **({} if records_path == "$[*]" else {"path": records_path})})
    con.execute(f"create temp view {STAGE} as select * exclude (_is_object) from _records where _is_object")
    con.execute(f"""insert into {STAGE_REJECTS} select _line, _json::varchar, 'not a JSON object'
                    from _records where not _is_object""")
    count = con.execute(f"select count(*) from {STAGE}").fetchone()[0]
    return StagedRecords(format="json", columns=None, record_count=count, paths=paths)


def load_in_transaction(con: Connection, kind: Kind, mapping: Mapping, path: Path, source: str, label: str,
                        load_id: int) -> LoadResult:
    fmt = detect_format(path, mapping.format, mapping.records)
    staged = stage_file(con, path, fmt, delimiter=mapping.delimiter, records_path=mapping.records)
    return load_staged(con, kind, mapping, staged, source, label, load_id, path.name)


def load_staged(con: Connection, kind: Kind, mapping: Mapping, staged: Staged, source: str, label: str,
                load_id: int, name: str, *, whole_file_checks: bool = True) -> LoadResult:
    """Check the staged records, quarantine the bad ones and upsert the good ones: the core of every load."""
    result = LoadResult(load_id, source, kind.name, label)
    expressions = extraction_expressions(kind, mapping, staged, name, result.warnings)
    if whole_file_checks:
        check_required_paths_exist(con, kind, expressions, staged, name)
    con.execute(checked_rows_sql(kind, mapping, expressions))
    refuse_duplicates(con)
    result.suppressed = drop_suppressed_rows(con, kind, source)
    raw = "s._json::varchar" if staged.columns is None else "json_remove(to_json(s), '$._line')"
    replace_quarantine(con, kind, source, label, load_id, raw)
    result.rejected = con.execute("select count(*) from quarantine where load_id = ?", [load_id]).fetchone()[0]
    counts = classify_changes(con, kind, source)
    result.inserted, result.updated, result.unchanged = (counts.get(c, 0) for c in
                                                         ("inserted", "updated", "unchanged"))
    delete_changed_rows(con, kind, source)
    insert_rows(con, kind, source, label, load_id)
    return result


# --- mapping -> SQL -------------------------------------------------------------------------------------------

def extraction_expressions(kind: Kind, mapping: Mapping, staged: Staged, file_name: str,
                           warnings: list[str]) -> dict[str, str]:
    """Per canonical field, a SQL expression over `_stage s` giving its trimmed text (NULL when empty)."""
    expressions = {}
    for fld in kind.fields:
        source = mapping.fields.get(fld.name)
        expression = source_expression(source, staged) if source else None
        if expression is None and source and mapping.name != "canonical":
            warnings.append(f"column(s) {', '.join(source.referenced_columns)} for field {fld.name!r} "
                            f"not in {file_name}; left empty")
        expressions[fld.name] = expression or "null"
    check_required_columns_exist(kind, mapping, expressions, file_name)
    return expressions


def check_required_columns_exist(kind: Kind, mapping: Mapping, expressions: dict[str, str], file_name: str) -> None:
    """A tabular file without a column some row would need fails as a whole: no row could load."""
    for fld in kind.fields:
        if fld.required and fld.default is None and expressions[fld.name] == "null":
            wanted = mapping.fields.get(fld.name)
            columns = ", ".join(wanted.referenced_columns) if wanted else fld.name
            raise FatalLoadError(f"{file_name}: missing required column {columns!r} (field {fld.name!r})")
    if kind.one_of and all(expressions[name] == "null" for name in kind.one_of):
        raise FatalLoadError(f"{file_name}: needs a column for at least one of {', '.join(kind.one_of)}")


def check_required_paths_exist(con: Connection, kind: Kind, expressions: dict[str, str], staged: Staged,
                               file_name: str) -> None:
    """JSON has no header; a required field that no record has at all is the same fatal mistake."""
    if staged.columns is not None or staged.record_count == 0:
        return
    required = [f.name for f in kind.fields if f.required and f.default is None]
    counts = con.execute("select " + ", ".join(f"count({expressions[n]})" for n in required) +
                         f" from {STAGE} s").fetchone()
    for name, count in zip(required, counts, strict=True):
        if count == 0:
            raise FatalLoadError(f"{file_name}: no record has a value for required field {name!r}; check the mapping")


def source_expression(source: FieldSource, staged: Staged) -> str | None:
    """The text a field takes from one record, or None when a tabular file lacks every column named."""
    if source.value is not None:
        return quote_literal(source.value)
    refs = [r for r in (column_reference(c, staged) for c in source.referenced_columns) if r]
    if not refs:
        return None
    if source.multiply:
        if len(refs) < len(source.multiply):
            return None
        product = " * ".join(f"try_cast({r} as decimal(18, 4))" for r in refs)
        expression = f"cast(({product})::decimal(18, 2) as varchar)"
    elif source.join is not None:
        expression = f"nullif(concat_ws({quote_literal(source.join)}, {', '.join(refs)}), '')"
    else:
        expression = refs[0] if len(refs) == 1 else f"coalesce({', '.join(refs)})"
    if source.map:
        cases = " ".join(f"when {quote_literal(k)} then {quote_literal(v)}" for k, v in source.map.items())
        expression = f"(case lower({expression}) {cases} else {expression} end)"
    if source.same_for:
        group = column_reference(source.same_for, staged) or "null"
        expression = (f"first_value({expression} ignore nulls) over (partition by {group} order by s._line "
                      f"rows between unbounded preceding and unbounded following)")
    return expression


def column_reference(column: str, staged: Staged) -> str | None:
    """A column of a tabular stage (matched ignoring case), or a dotted path into a JSON record; trimmed, and
    NULL when empty."""
    if isinstance(staged, StagedRecords) and column in staged.paths:
        return f"nullif(trim(s._v[{staged.paths.index(column) + 1}]), '')"
    if staged.columns is None:
        return f"nullif(trim(json_extract_string(s._json, {quote_literal(json_path(column))})), '')"
    actual = staged.columns.get(column.strip().lower())
    return trimmed(f"s.{quote_identifier(actual)}") if actual else None


def json_path(column: str) -> str:
    """A dotted path ("via.source.from") as a JSON path, each part quoted."""
    return "$" + "".join(f'."{part}"' for part in column.split("."))


def trimmed(value: str) -> str:
    """`nullif(trim(value), '')`, but trimming only values that need it: trim copies every string, and most
    values in an export have no padding (this halves the time of a large load)."""
    return (f"(case when {value} = '' or {value}[1] = ' ' or {value}[-1] in (' ', chr(13)) "
            f"then nullif(trim({value}, ' ' || chr(9) || chr(13)), '') else {value} end)")


def typed_expression(fld: Field, text: str, source: FieldSource | None) -> str:
    """SQL turning a field's text into its typed value (NULL when it cannot)."""
    if fld.default is not None:
        text = f"coalesce({text}, {quote_literal(fld.default)})"
    if fld.type in ("timestamp", "date"):
        formats = (source.formats if source else ()) + DEFAULT_TIME_FORMATS
        parsed = (f"coalesce(try_cast({text} as timestamptz)::timestamp, "
                  f"try_strptime({text}, [{', '.join(map(quote_literal, formats))}])::timestamptz::timestamp)")
        return f"{parsed}::date" if fld.type == "date" else parsed
    if fld.type == "money":
        return f"try_cast({money_text(text, source.decimal if source else '.')} as decimal(18, 2))"
    if fld.type == "count":
        return f"try_cast(replace({text}, ',', '') as bigint)"
    if fld.type == "boolean":
        return (f"(case when lower({text}) in ({', '.join(map(quote_literal, TRUE_WORDS))}) then true "
                f"when lower({text}) in ({', '.join(map(quote_literal, FALSE_WORDS))}) then false end)")
    if fld.type in ("enum", "token"):
        cases = " ".join(f"when {quote_literal(k)} then {quote_literal(v)}" for k, v in fld.synonyms.items())
        normalised = f"(case lower({text}) {cases} else lower({text}) end)" if cases else f"lower({text})"
        if fld.type == "token":
            return normalised
        return f"(case when {normalised} in ({', '.join(map(quote_literal, fld.values))}) then {normalised} end)"
    if fld.type == "satisfaction":
        return (f"(case when lower({text}) in ('good', 'bad', '1', '2', '3', '4', '5') then lower({text}) "
                f"when lower({text}) in ('offered', 'unoffered', 'none', 'n/a') then null end)")
    return text


def money_text(text: str, decimal_mark: str) -> str:
    """Strip currency symbols, codes and spaces, then thousands separators, leaving a plain decimal."""
    bare = rf"regexp_replace({text}, '^[A-Za-z]{{3}}\s*|\s*[A-Za-z]{{3}}$|[£$€¥\s]', '', 'g')"
    if decimal_mark == ",":
        return f"replace(replace({bare}, '.', ''), ',', '.')"
    return f"replace({bare}, ',', '')"


def unreadable_as_empty(mapping: Mapping, fld: Field) -> bool:
    source = mapping.fields.get(fld.name)
    return source is not None and source.unreadable == "empty"


def typed_value(fld: Field, text: str, mapping: Mapping) -> str:
    """The typed value; with `unreadable = "empty"` a date out of range is empty too (as it cannot be refused)."""
    typed = typed_expression(fld, text, mapping.fields.get(fld.name))
    if unreadable_as_empty(mapping, fld) and fld.type in ("timestamp", "date"):
        return f"(case when year({typed}) between 1900 and 2100 then {typed} end)"
    return typed


def problem_expression(fld: Field, text: str, typed: str, unreadable_as_empty: bool = False) -> str:
    """SQL giving why a field's value is unacceptable, or NULL when it is fine (with `unreadable_as_empty`, only a
    value too long is)."""
    shown = f"'{fld.name}: ' || {quoted(f'left({text}, {SHOWN_VALUE_CHARS})')}"
    checks = [f"when length({text}) > {fld.max_length} then "
              f"'{fld.name} is ' || length({text}) || ' characters long; the limit is {fld.max_length}'"]
    if unreadable_as_empty:
        return f"(case {' '.join(checks)} end)"
    if fld.required:
        checks.append(f"when {typed} is null and {text} is null then 'missing required field {fld.name}'")
    if fld.type in ("timestamp", "date"):
        checks.append(f"when {typed} is null then {shown} || ' is not a date' || "
                      f"'{' and time' if fld.type == 'timestamp' else ''}'")
        checks.append(f"when year({typed}) not between 1900 and 2100 then {shown} || ' is out of range'")
    elif fld.type == "money":
        checks.append(f"when {typed} is null then {shown} || ' is not an amount'")
        checks.append(f"when {typed} < 0 then {shown} || ' is negative'")
    elif fld.type == "count":
        checks.append(f"when {typed} is null then {shown} || ' is not a whole number'")
        checks.append(f"when {typed} < 0 then {shown} || ' is negative'")
    elif fld.type == "boolean":
        checks.append(f"when {typed} is null then {shown} || ' is not true/false'")
    elif fld.type == "enum":
        checks.append(f"when {typed} is null then {shown} || ' is not one of {', '.join(fld.values)}'")
    elif fld.type == "satisfaction":
        checks.append(f"when {typed} is null and lower({text}) not in ('offered', 'unoffered', 'none', 'n/a') "
                      f"then {shown} || ' is not good, bad or 1-5'")
    guard = "" if fld.required or fld.default is not None else f"when {text} is null then null "
    return f"(case {guard}{' '.join(checks)} end)"


def quoted(expression: str) -> str:
    """SQL wrapping a text value in single quotes, for showing it inside a reason."""
    return f"('''' || {expression} || '''')"


def checked_rows_sql(kind: Kind, mapping: Mapping, expressions: dict[str, str]) -> str:
    """`_checked`: every staged record with typed fields, its record id, a hash of its values, and the reasons
    it is refused (NULL when it is fine). Each layer computes a value once; later layers refer to it by name."""
    text = {f.name: quote_identifier("t_" + f.name) for f in kind.fields}
    value = {f.name: quote_identifier(f.name) for f in kind.fields}
    texts = ", ".join(f"{expressions[f.name]} as {text[f.name]}" for f in kind.fields)
    typed = ", ".join(f"{typed_value(f, text[f.name], mapping)} as {value[f.name]}" for f in kind.fields)
    problems = [problem_expression(f, text[f.name], value[f.name], unreadable_as_empty(mapping, f))
                for f in kind.fields]
    if kind.one_of:
        problems.append(f"(case when {' and '.join(text[n] + ' is null' for n in kind.one_of)} "
                        f"then 'needs at least one of {', '.join(kind.one_of)}' end)")
    keys = ", ".join(value[k] for k in kind.key)
    content = ", ".join(f"coalesce({value[f.name]}::varchar, chr(0))" for f in kind.fields)
    return f"""
        create or replace temp table _checked as
        with extracted as (
            select s._line, {texts} from {STAGE} s
        ), typed as (
            select *, {typed} from extracted
        )
        select _line, {', '.join(value.values())},
               nullif(concat_ws('; ', {', '.join(problems)}), '') as _reason,
               coalesce(nullif(concat_ws('|', {keys}), ''), 'h:' || md5(concat_ws(chr(31), {content}))) as record_id,
               md5(concat_ws(chr(31), {content})) as _row_hash
        from typed
    """


def refuse_duplicates(con: Connection) -> None:
    """A record id twice in one file: the first good row loads, the later ones are refused, naming the first."""
    con.execute("""create or replace temp table _duplicates as
                   select record_id, min(_line) as first_line from _checked where _reason is null
                   group by record_id having count(*) > 1""")
    con.execute(f"""update _checked c
                    set _reason = 'duplicate record id ' || {quoted('d.record_id')} ||
                                  ' in this file (first on line ' || d.first_line || ')'
                    from _duplicates d
                    where c.record_id = d.record_id and c._reason is null and c._line > d.first_line""")


# --- suppression (erased people) ------------------------------------------------------------------------------

def phone_key(phone: str) -> str:
    """SQL giving a written phone number's identity key without `phonenumbers`: its digits ("(0)" trunk marks
    dropped) with leading zeros stripped, as `phone:+<digits>` when written internationally (+ or 00) — the E.164
    form — else `phone:<digits>`, the national number (an erasure suppresses both forms of each number)."""
    digits = rf"ltrim(regexp_replace(replace({phone}, '(0)', ''), '[^0-9]', '', 'g'), '0')"
    return rf"(case when regexp_matches({phone}, '^\s*(\+|00)') then 'phone:+' else 'phone:' end || {digits})"


def handle_key(network: str, handle: str, strip: str = "^.*/|^@") -> str:
    return f"'handle:' || {network} || ':' || lower(regexp_replace({handle}, '{strip}', '', 'g'))"


def identity_keys_sql(kind: Kind, source: str) -> str:
    """SQL listing the identity keys of a `_checked` row (as `models/identity` writes them) and its record's
    source key (`tickets:desk:T1`); `models.privacy` stores the sha256 of the keys of each erased person."""
    record = f"{quote_literal(source + ':')} || "
    if kind.name == "customers":
        handles = [handle_key(quote_literal(n), quote_identifier(n)) for n in SOCIAL_NETWORKS if n not in
                   ("linkedin", "mastodon")]
        handles += [handle_key("'linkedin'", "linkedin", "^.*/in/|/$|^@"), handle_key("'mastodon'", "mastodon", "^@")]
        return (r"['email:' || lower(e) for e in string_split_regex(email, '[;,\s]+') if e like '%_@_%']"
                rf" || [{phone_key('p')} for p in string_split_regex(phone, '\s*[;,/]\s*') if p <> '']"
                f" || [{', '.join(handles)}, 'ref:' || source_id, 'ref:' || customer_ref,"
                f" 'customers:' || {record}source_id]")
    if kind.name == "purchases":
        return (f"['email:' || lower(email), {phone_key('phone')}, 'ref:' || customer_ref, "
                f"'purchases:' || {record}order_id]")
    if kind.name == "tickets":
        return (f"['email:' || lower(requester_email), {phone_key('requester_phone')}, "
                f"{handle_key('channel', 'requester_handle')}, 'ref:' || customer_ref, "
                f"'tickets:' || {record}ticket_id]")
    if kind.name == "ticket_comments":
        return f"['tickets:' || {record}ticket_id]"
    # a social post, or the brand's reply to one
    return (f"[{handle_key('network', 'handle')}, 'social_posts:' || {record}post_id, "
            f"'social_posts:' || {record}in_reply_to]")


def drop_suppressed_rows(con: Connection, kind: Kind, source: str) -> int:
    """Take rows carrying an erased person's identifier out of the load (good or refused: a suppressed row must
    not reach the quarantine either) and count them. Free when nobody was erased."""
    if not con.execute("select count(*) from suppressed_identifiers").fetchall()[0][0]:
        return 0
    con.execute(f"""create or replace temp table _suppressed as
                    select distinct _line from (select _line, unnest({identity_keys_sql(kind, source)}) as k
                                                from _checked)
                    where k is not null and sha256(k) in (select identifier_hash from suppressed_identifiers)""")
    con.execute("delete from _checked where _line in (select _line from _suppressed)")
    return con.execute("select count(*) from _suppressed").fetchall()[0][0]


# --- writing --------------------------------------------------------------------------------------------------

def replace_quarantine(con: Connection, kind: Kind, source: str, label: str, load_id: int, raw: str) -> None:
    """This file's refused rows replace those of its earlier loads, so re-loading the same file adds nothing."""
    con.execute("delete from quarantine where source = ? and kind = ? and file = ?", [source, kind.name, label])
    params = [load_id, source, kind.name, label]
    con.execute(f"""insert into quarantine
                    select ?, ?, ?, ?, c._line, {raw}, c._reason, now()::timestamp
                    from _checked c join {STAGE} s using (_line)
                    where c._reason is not null order by c._line""", params)
    con.execute(f"""insert into quarantine select ?, ?, ?, ?, _line, raw_record, reason, now()::timestamp
                    from {STAGE_REJECTS} order by _line""", params)


def classify_changes(con: Connection, kind: Kind, source: str) -> dict[str, int]:
    """Mark each good row inserted, updated or unchanged against what the raw table holds for this source."""
    held = con.execute(f"select count(*) from {kind.table} where source = ?", [source]).fetchone()[0]
    if held == 0:  # a source's first load: everything is new, and the join below would only cost time
        con.execute("create or replace temp table _changes as select record_id, 'inserted' as change "
                    "from _checked where false")
        return {"inserted": con.execute("select count(*) from _checked where _reason is null").fetchone()[0]}
    con.execute(f"""create or replace temp table _changes as
                    select c.record_id,
                           case when r.record_id is null then 'inserted'
                                when r._row_hash <> c._row_hash then 'updated'
                                else 'unchanged' end as change
                    from _checked c
                    left join (select record_id, _row_hash from {kind.table} where source = $source) r
                        using (record_id)
                    where c._reason is null""", {"source": source})
    return dict(con.execute("select change, count(*) from _changes group by change").fetchall())


def delete_changed_rows(con: Connection, kind: Kind, source: str) -> None:
    con.execute(f"""delete from {kind.table} where source = $source
                    and record_id in (select record_id from _changes where change = 'updated')""",
                {"source": source})


def insert_rows(con: Connection, kind: Kind, source: str, label: str, load_id: int) -> None:
    """Insert the new and changed rows (all good rows when `_changes` is empty: a first load)."""
    names = ", ".join(quote_identifier(f.name) for f in kind.fields)
    con.execute(f"""insert into {kind.table} (source, record_id, {names}, _row_hash, _load_id, _file, _loaded_at)
                    select $source, c.record_id, {', '.join('c.' + quote_identifier(f.name) for f in kind.fields)},
                           c._row_hash, $load_id, $file, now()::timestamp
                    from _checked c
                    where c._reason is null
                      and (not exists (select 1 from _changes)
                           or c.record_id in (select record_id from _changes where change <> 'unchanged'))""",
                {"source": source, "load_id": load_id, "file": label})


def log_load(con: Connection, result: LoadResult, started_at: datetime, outcome: str, error: str | None) -> None:
    con.execute("""insert into load_log (load_id, source, kind, file, started_at, finished_at, outcome, inserted,
                                        updated, unchanged, rejected, error, suppressed)
                   values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [result.load_id, result.source, result.kind, result.file, started_at, utc_now(), outcome,
                 result.inserted, result.updated, result.unchanged, result.rejected, error, result.suppressed])


TEMP_TABLES = (STAGE, STAGE_REJECTS, "_reject_lines", "_checked", "_changes", "_duplicates", "_suppressed",
               "_csv_rejects", "_csv_scans", "_csv_raw", "_lines", "_records", "_parquet_raw")


def drop_temp_tables(con: Connection) -> None:
    """Drop the load's temp tables and views, asking the catalog once (an API sync loads many small pages)."""
    existing = dict(con.execute("select table_name, 'table' from duckdb_tables() where temporary union all "
                                "select view_name, 'view' from duckdb_views() where temporary").fetchall())
    for name in TEMP_TABLES:
        if name in existing:
            con.execute(f"drop {existing[name]} {name}")
