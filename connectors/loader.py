"""Load one file into its raw table: map, validate in SQL, quarantine bad rows, upsert good ones, log the load.

The one import from above, models.suppression, stays on purpose. An erased person's rows are refused inside the
load, between checking and writing, so that they reach neither the raw table nor the quarantine, in the load's own
transaction; and which rows carry their identifiers is decided by identity's own staging and key SQL, so the keys
are never worked out a second way. Handing that step to the orchestration (rapport/) would make every caller of
load_file and load_records (the command line, the worker, the dashboard's uploads and syncs, the demo, the tests)
responsible for passing it in, and a caller that forgot would let an erased person come back; moving the keying
below connectors would carry identity's SQL out of models/. tests/test_privacy.py holds the guarantee."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from connectors.files import STAGE, STAGE_REJECTS, FatalLoadError, Staged, detect_format, drop_temp, stage_file
from connectors.mapping import FieldSource, Mapping, canonical_mapping, load_mapping
from connectors.progress import Reporter
from connectors.schema import Field, Kind
from connectors.schema import kind as find_kind
from models.suppression import any_suppressed, find_suppressed
from store import Connection, quote_identifier, quote_literal, transaction

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
# Formats tried, in order, after ISO 8601, for dates and times that the mapping gives no format for. Slash dates
# (is 03/04 March or April?) are deliberately absent: a mapping must say which it means.
DEFAULT_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%a %b %d %H:%M:%S %z %Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d",
                        "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y")
TRUE_WORDS = ("true", "t", "1", "yes", "y")
FALSE_WORDS = ("false", "f", "0", "no", "n")
SHOWN_VALUE_CHARS = 40
SHOWN_REPEATS = 5  # record ids named in a load's warnings about differing versions; the rest are counted


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
    repeated: int = 0  # rows folded into another version of the same record in this file or batch: not rejected
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.kind} from {Path(self.file).name} into source {self.source!r}: {self.inserted} inserted, "
                f"{self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected, "
                f"{self.suppressed} suppressed")


def load_file(con: Connection, kind_name: str, path: str | Path, *, source: str | None = None,
              mapping: str | Path | Mapping | None = None, file_label: str | None = None,
              reporter: Reporter | None = None) -> LoadResult:
    """Load `path` as `kind_name` records of `source` in one transaction; a failure changes no data table.

    Raises FatalLoadError (with a one-line message) when the whole file is unusable; the attempt is still logged.
    A `reporter` shows the step the load is at and, once read, how many records the file holds.
    """
    path = Path(path)
    reporter = reporter or Reporter()
    reporter.start(f"load {path.name}")
    kind = find_kind(kind_name)
    mapping = resolve_mapping(mapping, kind)
    source = check_source_name(source or mapping.source or kind.name)
    label = file_label or str(path.resolve())
    load_id = con.execute("select nextval('load_id_seq')").fetchone()[0]
    started_at = utc_now()
    try:
        with transaction(con):
            result = load_in_transaction(con, kind, mapping, path, source, label, load_id, reporter)
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
    found = [c for source in mapping.fields.values()
             for c in (*source.referenced_columns, source.same_for, source.fill_down_by) if c]
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
                        load_id: int, reporter: Reporter) -> LoadResult:
    reporter.step("reading")
    fmt = detect_format(path, mapping.format, mapping.records)
    staged = stage_file(con, path, fmt, delimiter=mapping.delimiter, records_path=mapping.records)
    reporter.advance(records=staged.record_count)
    return load_staged(con, kind, mapping, staged, source, label, load_id, path.name, step=reporter.step)


def load_staged(con: Connection, kind: Kind, mapping: Mapping, staged: Staged, source: str, label: str,
                load_id: int, name: str, *, whole_file_checks: bool = True,
                step: Callable[[str], None] | None = None) -> LoadResult:
    """Check the staged records, quarantine the bad ones and upsert the good ones: the core of every load."""
    step = step or (lambda name: None)
    result = LoadResult(load_id, source, kind.name, label)
    expressions = extraction_expressions(kind, mapping, staged, name, result.warnings)
    if whole_file_checks:
        check_required_paths_exist(con, kind, expressions, staged, name)
    step("checking")
    con.execute(checked_rows_sql(kind, mapping, expressions))
    result.repeated, notes = fold_repeats(con, kind)
    if whole_file_checks:  # an API's repeats are its documented behaviour; a file's differing ones are worth a word
        result.warnings.extend(notes)
    raw = "s._json::varchar" if staged.columns is None else "json_remove(to_json(s), '$._line')"
    result.suppressed = drop_suppressed_rows(con, kind, source, raw)
    replace_quarantine(con, kind, source, label, load_id, raw)
    result.rejected = con.execute("select count(*) from quarantine where load_id = ?", [load_id]).fetchone()[0]
    step("writing")
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
        # a localised export writes the factors as it writes amounts ("1.234,56"); plain ones are cast as they are
        factors = refs if source.decimal == "." else [money_text(r, source.decimal) for r in refs]
        product = " * ".join(f"try_cast({r} as decimal(18, 4))" for r in factors)
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
    if source.fill_down_by:
        expression = filled_down(expression, column_reference(source.fill_down_by, staged) or "null")
    return expression


def filled_down(expression: str, key: str) -> str:
    """The value on the last row up to this one whose `key` is not empty: a continuation row (empty key) takes
    its head row's value. chr(0) stands for an empty value on the head row, so it is not skipped over."""
    head_value = f"case when {key} is not null then coalesce({expression}, chr(0)) end"
    return (f"nullif(last_value({head_value} ignore nulls) over (order by s._line "
            f"rows between unbounded preceding and current row), chr(0))")


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
    if decimal_mark == "auto":  # mark the decimal separator, drop the thousands marks, then restore the mark
        marked = rf"regexp_replace({bare}, '[.,](\d{{1,2}})$', '#\1')"
        return f"replace(replace(replace({marked}, '.', ''), ',', ''), '#', '.')"
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


def fold_repeats(con: Connection, kind: Kind) -> tuple[int, list[str]]:
    """Keep one row per record id of this file or batch: the newest version (by `updated_at` where the kind has
    one, else the later line). An API lists a record again when it changed while being exported (Zendesk's
    incremental export does, by design) and sideloads a user with every page that names them: such repeats are
    not mistakes, so nothing is quarantined for them. Returns how many rows were folded away and, per record id
    whose versions differ, a note naming the lines (a file's caller shows them as warnings)."""
    con.execute("""create or replace temp table _duplicates as
                   select record_id from _checked where _reason is null group by record_id having count(*) > 1""")
    if not con.execute("select count(*) from _duplicates").fetchall()[0][0]:  # the usual case: free
        return 0, []
    newest = "updated_at desc nulls last, " if any(f.name == "updated_at" for f in kind.fields) else ""
    con.execute(f"""create or replace temp table _repeats as
                    select record_id, _line, _row_hash,
                           row_number() over (partition by record_id order by {newest}_line desc) as _rank
                    from _checked where _reason is null and record_id in (select record_id from _duplicates)""")
    notes = [f"record id {record_id!r} appears on lines {lines} with different values; line {kept} loaded "
             f"(the {'newest' if newest else 'last'} version)"
             for record_id, lines, kept in con.execute("""
                 select record_id, string_agg(_line::varchar, ', ' order by _line), max(_line) filter (_rank = 1)
                 from _repeats group by record_id having count(distinct _row_hash) > 1
                 order by min(_line) limit $most""", {"most": SHOWN_REPEATS}).fetchall()]
    conflicting = con.execute("""select count(*) from (select record_id from _repeats group by record_id
                                 having count(distinct _row_hash) > 1)""").fetchall()[0][0]
    if conflicting > len(notes):
        notes.append(f"{conflicting - len(notes)} more record ids appear with different values; each loaded "
                     f"its {'newest' if newest else 'last'} version")
    folded = con.execute("select count(*) from _repeats where _rank > 1").fetchall()[0][0]
    con.execute("delete from _checked where _line in (select _line from _repeats where _rank > 1)")
    return folded, notes


# --- suppression (erased people) ------------------------------------------------------------------------------

def drop_suppressed_rows(con: Connection, kind: Kind, source: str, raw: str) -> int:
    """Take rows carrying an erased person's identifier out of the load and count them: good rows, refused rows
    and unreadable lines alike (a suppressed row must not reach the quarantine either). Which rows carry one is
    decided by identity's own keys (models.suppression). Free when nobody was erased."""
    if not any_suppressed(con):
        return 0
    con.execute(f"""create or replace temp table _refused_texts as
                    select c._line, ({raw})::varchar as raw_record from _checked c join {STAGE} s using (_line)
                    where c._reason is not null
                    union all select _line, raw_record from {STAGE_REJECTS}""")
    count = find_suppressed(con, kind.name, source, "_checked", "_refused_texts")
    con.execute("delete from _checked where _line in (select _line from _suppressed)")
    con.execute(f"delete from {STAGE_REJECTS} where _line in (select _line from _suppressed)")
    return count


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


TEMP_TABLES = (STAGE, STAGE_REJECTS, "_reject_lines", "_checked", "_changes", "_duplicates", "_repeats",
               "_suppressed", "_refused_texts", "_csv_rejects", "_csv_scans", "_csv_raw", "_lines", "_records",
               "_parquet_raw")


def drop_temp_tables(con: Connection) -> None:
    """Drop the load's temp tables and views, asking the catalog once (an API sync loads many small pages)."""
    existing = dict(con.execute("select table_name, 'table' from duckdb_tables() where temporary union all "
                                "select view_name, 'view' from duckdb_views() where temporary").fetchall())
    for name in TEMP_TABLES:
        if name in existing:
            con.execute(f"drop {existing[name]} {name}")
