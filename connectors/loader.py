"""Load one file into its raw table: map, validate in SQL, quarantine bad rows, upsert good ones, log the load."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from connectors.files import STAGE, STAGE_REJECTS, FatalLoadError, Staged, detect_format, stage_file
from connectors.mapping import FieldSource, Mapping, canonical_mapping, load_mapping
from connectors.schema import Field, Kind
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
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.kind} from {Path(self.file).name} into source {self.source!r}: {self.inserted} inserted, "
                f"{self.updated} updated, {self.unchanged} unchanged, {self.rejected} rejected")


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


def load_in_transaction(con: Connection, kind: Kind, mapping: Mapping, path: Path, source: str, label: str,
                        load_id: int) -> LoadResult:
    fmt = detect_format(path, mapping.format, mapping.records)
    staged = stage_file(con, path, fmt, delimiter=mapping.delimiter, records_path=mapping.records)
    result = LoadResult(load_id, source, kind.name, label)
    expressions = extraction_expressions(kind, mapping, staged, path.name, result.warnings)
    check_required_paths_exist(con, kind, expressions, staged, path.name)
    con.execute(checked_rows_sql(kind, mapping, expressions, staged))
    replace_quarantine(con, kind, source, label, load_id)
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
        expression = f"concat_ws({quote_literal(source.join)}, {', '.join(refs)})"
    else:
        expression = f"coalesce({', '.join(refs)})"
    expression = f"nullif(trim({expression}), '')"
    if source.map:
        cases = " ".join(f"when {quote_literal(k)} then {quote_literal(v)}" for k, v in source.map.items())
        expression = f"(case lower({expression}) {cases} else {expression} end)"
    return expression


def column_reference(column: str, staged: Staged) -> str | None:
    """A column of a tabular stage (matched ignoring case), or a dotted path into a JSON record."""
    if staged.columns is None:
        path = "$" + "".join(f'."{part}"' for part in column.split("."))
        return f"nullif(trim(json_extract_string(s._json, {quote_literal(path)})), '')"
    actual = staged.columns.get(column.strip().lower())
    return f"nullif(trim(s.{quote_identifier(actual)}), '')" if actual else None


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


def problem_expression(fld: Field, text: str, typed: str) -> str:
    """SQL giving why a field's value is unacceptable, or NULL when it is fine."""
    shown = f"'{fld.name}: ' || {quoted(f'left({text}, {SHOWN_VALUE_CHARS})')}"
    checks = [f"when length({text}) > {fld.max_length} then "
              f"'{fld.name} is ' || length({text}) || ' characters long; the limit is {fld.max_length}'"]
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


def checked_rows_sql(kind: Kind, mapping: Mapping, expressions: dict[str, str], staged: Staged) -> str:
    """`_checked`: every staged record with typed fields, its record id and the reasons it is refused (or NULL)."""
    raw = "_json::varchar" if staged.columns is None else "json_remove(to_json(s), '$._line')"
    texts = ", ".join(f"{expressions[f.name]} as {quote_identifier('t_' + f.name)}" for f in kind.fields)
    typed, problems = [], []
    for fld in kind.fields:
        text = quote_identifier("t_" + fld.name)
        expression = typed_expression(fld, text, mapping.fields.get(fld.name))
        typed.append(f"{expression} as {quote_identifier(fld.name)}")
        problems.append(problem_expression(fld, text, expression))
    if kind.one_of:
        problems.append(f"(case when {' and '.join(quote_identifier('t_' + n) + ' is null' for n in kind.one_of)} "
                        f"then 'needs at least one of {', '.join(kind.one_of)}' end)")
    keys = ", ".join(quote_identifier(k) for k in kind.key)
    names = ", ".join(quote_identifier(f.name) for f in kind.fields)
    return f"""
        create or replace temp table _checked as
        with extracted as (
            select s._line, {raw} as _raw, {texts} from {STAGE} s
        ), typed as (
            select _line, _raw, {', '.join(typed)},
                   nullif(concat_ws('; ', {', '.join(problems)}), '') as _reason
            from extracted
        ), identified as (
            select *, coalesce(nullif(concat_ws('|', {keys}), ''), 'h:' || md5(_raw)) as record_id
            from typed
        )
        select *,
               md5(to_json(struct_pack({names}))) as _row_hash,
               case when _reason is null
                    then row_number() over (partition by _reason is null, record_id order by _line) end as _rank,
               min(_line) over (partition by _reason is null, record_id) as _first_line
        from identified
    """


# --- writing --------------------------------------------------------------------------------------------------

def replace_quarantine(con: Connection, kind: Kind, source: str, label: str, load_id: int) -> None:
    """This file's refused rows replace those of its earlier loads, so re-loading the same file adds nothing."""
    con.execute("delete from quarantine where source = ? and kind = ? and file = ?", [source, kind.name, label])
    params = [load_id, source, kind.name, label]
    con.execute(f"""insert into quarantine
                    select ?, ?, ?, ?, _line, _raw,
                           coalesce(_reason, 'duplicate record id ' || {quoted('record_id')} ||
                                             ' in this file (first on line ' || _first_line || ')'),
                           now()::timestamp
                    from _checked where _reason is not null or _rank > 1""", params)
    con.execute(f"""insert into quarantine select ?, ?, ?, ?, _line, raw_record, reason, now()::timestamp
                    from {STAGE_REJECTS}""", params)


def classify_changes(con: Connection, kind: Kind, source: str) -> dict[str, int]:
    """Mark each good row inserted, updated or unchanged against what the raw table holds for this source."""
    con.execute(f"""create or replace temp table _changes as
                    select c.record_id,
                           case when r.record_id is null then 'inserted'
                                when r._row_hash <> c._row_hash then 'updated'
                                else 'unchanged' end as change
                    from _checked c
                    left join (select record_id, _row_hash from {kind.table} where source = $source) r
                        using (record_id)
                    where c._rank = 1""", {"source": source})
    return dict(con.execute("select change, count(*) from _changes group by change").fetchall())


def delete_changed_rows(con: Connection, kind: Kind, source: str) -> None:
    con.execute(f"""delete from {kind.table} where source = $source
                    and record_id in (select record_id from _changes where change = 'updated')""",
                {"source": source})


def insert_rows(con: Connection, kind: Kind, source: str, label: str, load_id: int) -> None:
    names = ", ".join(quote_identifier(f.name) for f in kind.fields)
    con.execute(f"""insert into {kind.table} (source, record_id, {names}, _row_hash, _load_id, _file, _loaded_at)
                    select $source, c.record_id, {', '.join('c.' + quote_identifier(f.name) for f in kind.fields)},
                           c._row_hash, $load_id, $file, now()::timestamp
                    from _checked c join _changes d using (record_id)
                    where c._rank = 1 and d.change <> 'unchanged'""",
                {"source": source, "load_id": load_id, "file": label})


def log_load(con: Connection, result: LoadResult, started_at: datetime, outcome: str, error: str | None) -> None:
    con.execute("insert into load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [result.load_id, result.source, result.kind, result.file, started_at, utc_now(), outcome,
                 result.inserted, result.updated, result.unchanged, result.rejected, error])


def drop_temp_tables(con: Connection) -> None:
    for table in (STAGE, STAGE_REJECTS, "_checked", "_changes", "_csv_rejects", "_csv_scans", "_csv_raw",
                  "_lines", "_records", "_parquet_raw"):
        con.execute(f"drop table if exists {table}")
