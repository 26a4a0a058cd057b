"""Reading export files (CSV, JSON, JSON Lines, Parquet) into a temporary staging table, all values as text."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

import duckdb

from store import Connection, quote_identifier

EXTENSION_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl",
                     ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
STAGE = "_stage"
STAGE_REJECTS = "_stage_rejects"


class FatalLoadError(Exception):
    """A problem with the whole file: nothing is loaded and the message says why in one line."""


@dataclass(frozen=True)
class Staged:
    """A file read into the temp table `_stage`, one row per record, in file order.

    Tabular files keep their columns (`columns` maps lower-case names to the real ones); JSON files have one
    `_json` column. Every stage has `_line`: the line (CSV, JSON Lines) or record number (JSON array, Parquet)
    the record starts on. Records the reader could not parse are in `_stage_rejects(_line, raw_record, reason)`.
    """

    format: str
    columns: dict[str, str] | None
    record_count: int


def detect_format(path: Path, declared: str | None, records_path: str | None) -> str:
    """The file's format: as the mapping declares it, else from the extension (and first byte for .json)."""
    if declared:
        return declared
    fmt = EXTENSION_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FatalLoadError(f"{path.name}: cannot tell the format from the extension {path.suffix!r}; "
                             f"use .csv, .json, .jsonl or .parquet, or set format in a mapping")
    if fmt == "json" and not records_path and first_character(path) == "{":
        return "jsonl"  # an object per line: JSON Lines saved as .json
    return fmt


def first_character(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4096).decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    return head[:1]


def detect_encoding(path: Path) -> str:
    """utf-8 when every byte decodes as UTF-8 (a BOM is fine), utf-16 with its BOM, else latin-1."""
    with path.open("rb") as f:
        head = f.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        f.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := f.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


def stage_file(con: Connection, path: Path, fmt: str, *, delimiter: str | None = None,
               records_path: str | None = None) -> Staged:
    """Read `path` into `_stage` (replacing any earlier stage in this connection)."""
    if not path.is_file():
        raise FatalLoadError(f"{path}: no such file")
    if path.stat().st_size == 0:
        raise FatalLoadError(f"{path.name}: the file is empty (not even a header row)")
    drop_temp(con, STAGE)
    con.execute(f"create or replace temp table {STAGE_REJECTS} (_line bigint, raw_record varchar, reason varchar)")
    readers = {"csv": stage_csv, "json": stage_json_document, "jsonl": stage_json_lines, "parquet": stage_parquet}
    try:
        readers[fmt](con, path, delimiter=delimiter, records_path=records_path)
    except FatalLoadError:
        raise
    except duckdb.Error as exc:  # the reader's many error classes all mean the same here: an unreadable file
        raise FatalLoadError(f"{path.name}: cannot read as {fmt}: {first_line(exc)}") from None
    columns = None
    if fmt in ("csv", "parquet"):
        names = [r[0] for r in con.execute(f"select name from pragma_table_info('{STAGE}')").fetchall()]
        columns = {n.strip().lower(): n for n in names if n != "_line"}
    count = con.execute(f"select count(*) from {STAGE}").fetchone()[0]
    return Staged(format=fmt, columns=columns, record_count=count)


def drop_temp(con: Connection, name: str) -> None:
    """Drop a temp table or view if it exists (DuckDB wants to be told which it is)."""
    is_view = con.execute("select count(*) from duckdb_views() where temporary and view_name = ?", [name]).fetchone()
    con.execute(f"drop {'view' if is_view[0] else 'table'} if exists {name}")


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def stage_csv(con: Connection, path: Path, *, delimiter: str | None, records_path: str | None) -> None:
    """CSV with any delimiter and encoding; structurally broken lines go to the rejects, not the stage."""
    options = {"all_varchar": True, "header": True, "encoding": detect_encoding(path), "store_rejects": True,
               "rejects_table": "_csv_rejects", "rejects_scan": "_csv_scans", "max_line_size": MAX_CSV_LINE_BYTES}
    if delimiter:
        options["delim"] = delimiter
    con.execute("drop table if exists _csv_rejects")
    con.execute("drop table if exists _csv_scans")
    named = ", ".join(f"{key} := ${key}" for key in options)
    con.execute(f"create temp table _csv_raw as select * from read_csv($path, {named})", {"path": str(path), **options})
    number_csv_lines(con, path)
    if rejected := rejected_csv_lines(con, path):
        con.executemany(f"insert into {STAGE_REJECTS} values (?, ?, ?)", rejected)


MAX_CSV_LINE_BYTES = 8 << 20


def number_csv_lines(con: Connection, path: Path) -> None:
    """Stage `_csv_raw` with the physical line each record starts on, so quarantine entries point at the file.

    The reader counts records, not lines: the header is record 1, and rejected records are numbered among the
    others. With the rejected records r_1 < r_2 < ... numbered j = 1, 2, ..., one comes before the n-th readable
    record exactly when r_j - j < n. Quoted newlines inside earlier records then move a record further down.
    """
    records = con.execute("select count(*) from _csv_raw").fetchone()[0]
    rejected = con.execute("select count(distinct line) from _csv_rejects").fetchone()[0]
    # rowids of rows written in an open transaction start at an offset, so count from the first one
    first_rowid = con.execute("select coalesce(min(rowid), 0) from _csv_raw").fetchone()[0]
    newlines_before = "0"
    if count_lines(path) != 1 + records + rejected:  # some record spans lines: count its newlines
        columns = [r[0] for r in con.execute("select name from pragma_table_info('_csv_raw')").fetchall()]
        newlines = " + ".join(f"coalesce(length({q}) - length(replace({q}, chr(10), '')), 0)"
                              for q in map(quote_identifier, columns))
        newlines_before = (f"coalesce(sum({newlines}) over (order by rowid rows between unbounded preceding "
                           f"and 1 preceding), 0)")
    rejects_before = "0"
    if rejected:
        con.execute("""create temp table _reject_lines as
                       select line - row_number() over (order by line) as readable_before
                       from (select distinct line from _csv_rejects)""")
        rejects_before = "(select count(*) from _reject_lines r where r.readable_before < _record)"
    # a view, not a copy: the stage is read once for checking and once more only for quarantined rows
    con.execute(f"""create temp view {STAGE} as
                    select _record + {rejects_before} + _newlines_before as _line, * exclude (_record, _newlines_before)
                    from (select rowid - {first_rowid} + 2 as _record, {newlines_before} as _newlines_before, *
                          from _csv_raw)""")


def count_lines(path: Path) -> int:
    """Lines in a text file, counting a last line without a newline."""
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 22):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def rejected_csv_lines(con: Connection, path: Path) -> list[tuple[int, str, str]]:
    """The reader's rejected lines as (physical line, text, reason): lines found from byte offsets, since the
    reader's own numbers count records."""
    found = con.execute("""select line_byte_position, csv_line, 'malformed CSV line: ' || error_message
                           from _csv_rejects order by line_byte_position""").fetchall()
    lines, counted, position = [], 0, 0
    with path.open("rb") as f:
        for offset, text, reason in found:
            counted += f.read(offset - position).count(b"\n")
            position = offset
            lines.append((counted + 1, text, reason))
    return lines


def stage_json_lines(con: Connection, path: Path, *, delimiter: str | None, records_path: str | None) -> None:
    """One JSON object per line; blank lines are skipped, lines that are not JSON objects are rejected."""
    require_utf8(path)
    con.execute("""create temp table _lines as
                    with parts as (select string_split(content, chr(10)) as p from read_text($path))
                    select unnest(range(1, len(p) + 1)) as _line, rtrim(unnest(p), chr(13)) as txt from parts""",
                {"path": str(path)})
    # try_cast: the filter does not guard the cast, the optimiser may evaluate it on every line
    con.execute(f"""create temp table {STAGE} as
                    select _line, try_cast(txt as json) as _json from _lines
                    where json_type(try_cast(txt as json)) = 'OBJECT'""")
    con.execute(f"""insert into {STAGE_REJECTS}
                    select _line, txt, case when json_valid(txt) then 'not a JSON object' else 'not valid JSON' end
                    from _lines
                    where trim(txt) <> '' and json_type(try_cast(txt as json)) is distinct from 'OBJECT'""")
    con.execute("drop table _lines")


def stage_json_document(con: Connection, path: Path, *, delimiter: str | None, records_path: str | None) -> None:
    """A JSON array of records, or an object holding one at `records_path` (e.g. Zendesk's {"tickets": [...]})."""
    require_utf8(path)
    valid, root_type = con.execute("select json_valid(content), json_type(try_cast(content as json)) "
                                   "from read_text($path)", {"path": str(path)}).fetchone()
    if not valid:
        raise FatalLoadError(f"{path.name}: not valid JSON")
    json_path = "$" + "".join(f'."{part}"' for part in records_path.split(".")) if records_path else "$"
    found = con.execute("select json_type(json_extract(content::json, $p)) from read_text($path)",
                        {"p": json_path, "path": str(path)}).fetchone()[0]
    if found != "ARRAY":
        where = f"at {records_path!r}" if records_path else f"at the top level (found {root_type})"
        raise FatalLoadError(f"{path.name}: expected an array of records {where}")
    con.execute("""create temp table _records as
                    with doc as (select json_extract(content::json, $p) as recs from read_text($path))
                    select unnest(range(1, len(recs) + 1)) as _line, unnest(recs) as _json from doc""",
                {"p": json_path + "[*]", "path": str(path)})
    con.execute(f"create temp table {STAGE} as select * from _records where json_type(_json) = 'OBJECT'")
    con.execute(f"""insert into {STAGE_REJECTS}
                    select _line, _json::varchar, 'not a JSON object'
                    from _records where json_type(_json) <> 'OBJECT'""")
    con.execute("drop table _records")


def stage_parquet(con: Connection, path: Path, *, delimiter: str | None, records_path: str | None) -> None:
    """Parquet, every column cast to text so that the same validation applies as for CSV."""
    con.execute("create temp table _parquet_raw as select columns(*)::varchar from read_parquet($path)",
                {"path": str(path)})
    first_rowid = con.execute("select coalesce(min(rowid), 0) from _parquet_raw").fetchone()[0]
    con.execute(f"create temp view {STAGE} as select rowid - {first_rowid} + 1 as _line, * from _parquet_raw")


def require_utf8(path: Path) -> None:
    if detect_encoding(path) != "utf-8":
        raise FatalLoadError(f"{path.name}: JSON must be UTF-8 encoded")
