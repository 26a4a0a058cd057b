"""Data-subject requests: export everything about one customer; erase them so that no table keeps them and a
re-load of the same files cannot bring them back (their rows are counted as suppressed)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import store
from connectors.loader import load_file, load_records
from models import operations, privacy
from models.build import build
from models.identity import decisions
from tests.conftest import rows
from tests.model_fixtures import CUSTOMERS, NOW, load_world, write_jsonl

# one of Ana's rows and one of Bob's, both refused (unreadable date): Ana's quarantine entry is hers too
BAD_PURCHASES = [
    {"order_id": "O8", "ordered_at": "someday", "amount": "5.00", "email": "ana.silva@example.com"},
    {"order_id": "O9", "ordered_at": "someday", "amount": "5.00", "email": "bob@example.com"},
]

# everything that identifies Ana or is hers, as written anywhere (lower-case; the scan lower-cases too)
ANA = ("ana.silva@example.com", "silva", "07700 900123", "+44 7700 900123", "(0)7700-900-123", "+447700900123",
       "7700900123", "ana.hikes", "ls1 4ab", "ls14ab", "love my new tent", "still waiting for my refund",
       "no tracking yet", "where is my order", "refund not received")


@pytest.fixture
def world(con, tmp_path):
    load_world(con, tmp_path)
    load_file(con, "purchases", write_jsonl(tmp_path / "bad_purchases.jsonl", BAD_PURCHASES), source="shop")
    build(con, NOW)
    return con


def customer_of(con, source_id: str) -> int:
    return rows(con, "select customer_id from customer_sources where source_id = ?", [source_id])[0][0]


def every_table_as_text(con) -> str:
    """Every column of every table (temporary ones too), cast to text, lower-cased."""
    tables = rows(con, "select database_name, schema_name, table_name from duckdb_tables()")
    chunks = []
    for database, schema, table in tables:
        columns = [r[0] for r in rows(con, f'describe "{database}"."{schema}"."{table}"')]
        cast = ", ".join(f'coalesce("{c}"::varchar, \'\')' for c in columns)
        for (line,) in rows(con, f'select lower(concat_ws(chr(31), {cast})) from "{database}"."{schema}"."{table}"'):
            chunks.append(f"{table}: {line}")
    return "\n".join(chunks)


def read_zip(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_export_holds_every_kind_of_the_customer_and_nobody_else(world):
    ana, bob = customer_of(world, "C1"), customer_of(world, "C4")
    operations.add_note(world, "social_posts:social:S1", '=HYPERLINK("http://evil.example","x")', "kim@corp")
    operations.add_note(world, "social_posts:social:S2", "about Tom", "kim@corp")
    files = read_zip(privacy.export_customer(world, ana, actor="dpo@corp"))

    def ids(section: str, column: str) -> set[str]:
        return {str(r[column]) for r in json.loads(files[f"{section}.json"])}

    assert ids("raw_customers", "source_id") == {"C1"}
    assert ids("raw_purchases", "order_id") == {"O1", "O2", "O3"}
    assert ids("raw_tickets", "ticket_id") == {"T1", "T2"}
    assert ids("raw_ticket_comments", "comment_id") == {"M1", "M2", "M3", "M4"}
    assert ids("raw_social_posts", "post_id") == {"S1"}
    quarantined = ids("quarantine", "raw_record")
    assert len(quarantined) == 1 and "ana.silva@example.com" in quarantined.pop()
    assert ids("profile", "customer_id") == {str(ana)}
    assert ids("timeline", "customer_id") == {str(ana)}
    assert ids("identity_links", "customer_id") == {str(ana)}
    assert ids("inbox_notes", "post_key") == {"social_posts:social:S1"}
    assert ids("audit_log", "object_id") == {"social_posts:social:S1"}
    for name in files:
        if name.endswith(".csv") or name.endswith(".json"):
            assert "bob@example.com" not in files[name] and "TrailTom" not in files[name], name
    assert str(bob) not in ids("timeline", "customer_id")
    # every section comes as JSON and as CSV
    assert {n[:-5] for n in files if n.endswith(".json")} == {n[:-4] for n in files if n.endswith(".csv")}
    # the note would run as a formula in a spreadsheet: the CSV keeps it as text
    notes = list(csv.DictReader(io.StringIO(files["inbox_notes.csv"])))
    assert notes[0]["body"] == "'" + '=HYPERLINK("http://evil.example","x")'
    assert json.loads(files["inbox_notes.json"])[0]["body"].startswith("=HYPERLINK")
    profile = list(csv.DictReader(io.StringIO(files["profile.csv"])))
    assert "ana.silva@example.com" in profile[0]["emails"]
    assert rows(world, "select actor, action, object_type, object_id from audit_log where action = 'export'") == [
        ("dpo@corp", "export", "customer", str(ana))]
    details = rows(world, "select details from audit_log where action = 'export'")[0][0]
    assert not any(term in details.lower() for term in ANA)


def test_erasure_leaves_no_trace_and_a_reload_is_suppressed(world, tmp_path):
    ana, bob, tom = customer_of(world, "C1"), customer_of(world, "C4"), customer_of(world, "S2")
    operations.add_note(world, "social_posts:social:S1", "asked ana.hikes (Ana Silva) to DM us", "kim@corp")
    operations.hand_off(world, "social_posts:social:S1", "sales", "Ana Silva wants a tent", "kim@corp")
    operations.assign(world, "social_posts:social:S2", "lee@corp", "kim@corp")
    decisions.dismiss_duplicate(world, ana, bob, reason="Ana Silva is not Bob", decided_by="kim@corp")
    build(world, NOW)
    bob_before = rows(world, "select * exclude (customer_id) from customer_timeline where customer_id = ? "
                             "order by event_id", [bob])
    text = every_table_as_text(world)
    assert all(term in text for term in ANA), [t for t in ANA if t not in text]

    report = privacy.erase_customer(world, ana, "dpo@corp", "request DSR-17", now=NOW)

    assert report.removed["raw_customers"] == 1 and report.removed["raw_purchases"] == 3
    assert report.removed["raw_tickets"] == 2 and report.removed["raw_ticket_comments"] == 4
    assert report.removed["raw_social_posts"] == 1 and report.removed["quarantine"] == 1
    assert report.removed["inbox_notes"] == 1 and report.removed["handoffs"] == 1
    assert report.removed["identity_decisions"] == 1
    assert report.identifiers_suppressed > 0 and report.identifiers_shared == 0

    # re-load every file the world came from, then rebuild: nothing of Ana comes back
    results = {}
    for kind, source in (("customers", "crm"), ("purchases", "shop"), ("tickets", "desk"),
                         ("ticket_comments", "desk"), ("social_posts", "social")):
        results[kind] = load_file(world, kind, tmp_path / f"{kind}.jsonl", source=source)
    bad = load_file(world, "purchases", tmp_path / "bad_purchases.jsonl", source="shop")
    build(world, NOW)

    assert {k: (r.inserted, r.updated, r.suppressed) for k, r in results.items()} == {
        "customers": (0, 0, 1), "purchases": (0, 0, 3), "tickets": (0, 0, 2), "ticket_comments": (0, 0, 4),
        "social_posts": (0, 0, 1)}
    assert results["purchases"].summary().endswith("1 unchanged, 0 rejected, 3 suppressed")
    assert (bad.rejected, bad.suppressed) == (1, 1)
    assert rows(world, "select kind, suppressed from load_log where load_id = ?", [bad.load_id]) == [("purchases", 1)]

    text = every_table_as_text(world)
    found = [term for term in ANA if term in text]
    assert not found, [line for line in text.splitlines() if any(t in line for t in found)][:5]

    # the others are untouched
    assert rows(world, "select * exclude (customer_id) from customer_timeline where customer_id = ? "
                       "order by event_id", [bob]) == bob_before
    assert rows(world, "select count(*) from customer_sources where customer_id = ?", [tom])[0][0] == 1
    assert rows(world, "select assignee from inbox_state") == [("lee@corp",)]
    assert rows(world, "select count(*) from customer_profiles")[0][0] == 5
    assert rows(world, "select count(*) from quarantine where raw_record like '%bob@example.com%'")[0][0] == 1

    # the record of the erasure: who, why and counts; the audit trail about her stays, without personal data
    log = rows(world, "select erasure_id, actor, reason, records_removed, identifiers_suppressed from erasure_log")
    assert log == [(report.erasure_id, "dpo@corp", "request DSR-17", report.records_removed,
                    report.identifiers_suppressed)]
    assert rows(world, "select action from audit_log where object_type = 'customer' and object_id = ? "
                       "order by audit_id", [str(ana)]) == [("identity_not_duplicate",), ("erase",)]
    kinds = {k for (k,) in rows(world, "select distinct kind from suppressed_identifiers")}
    assert kinds == {"email", "phone", "handle", "ref", "source_id"}


def test_erasure_is_refused_without_who_or_why(world):
    ana = customer_of(world, "C1")
    with pytest.raises(privacy.PrivacyError):
        privacy.erase_customer(world, ana, "", "DSR-1")
    with pytest.raises(privacy.PrivacyError):
        privacy.erase_customer(world, ana, "dpo@corp", " ")
    assert rows(world, "select count(*) from raw_customers where source_id = 'C1'")[0][0] == 1


def test_loads_without_erasures_count_nothing_suppressed(con, tmp_path):
    result = load_file(con, "customers", write_jsonl(tmp_path / "c.jsonl", CUSTOMERS), source="crm")
    assert (result.inserted, result.suppressed) == (4, 0)
    assert result.summary().endswith("0 rejected, 0 suppressed")


def test_the_command_line_exports_and_erases(tmp_path):
    db = tmp_path / "cli.duckdb"
    con = store.connect(db)
    load_world(con, tmp_path)
    build(con, NOW)
    ana = con.execute("select customer_id from customer_sources where source_id = 'C1'").fetchall()[0][0]
    con.close()
    project = Path(__file__).resolve().parent.parent
    env = {**os.environ, "RAPPORT_DB": str(db)}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "models", *args], cwd=project, env=env, capture_output=True,
                              text=True, timeout=300)

    exported = cli("export", str(ana), "--out", str(tmp_path / "ana.zip"), "--by", "dpo@corp")
    assert exported.returncode == 0, exported.stderr
    assert any(name.endswith(".csv") for name in zipfile.ZipFile(tmp_path / "ana.zip").namelist())
    erased = cli("erase", str(ana), "--by", "dpo@corp", "--reason", "request 42")
    assert erased.returncode == 0, erased.stderr
    assert "identifiers suppressed" in erased.stdout
    assert cli("erase", "999999", "--by", "dpo@corp", "--reason", "x").returncode == 1


# Ana again, each time with one identifier only (written another way) or under another source name; and beside her
# one new person per kind, who must load
PARTIAL = {
    "customers": ("crm-old", [
        {"source_id": "X1", "last_name": "S", "email": "ANA.SILVA@Example.com"},
        {"source_id": "X2", "last_name": "S", "phone": "+44 7700 900123"},
        {"source_id": "X3", "last_name": "S", "phone": "447700900123"},
        {"source_id": "X4", "last_name": "S", "instagram": "https://instagram.com/Ana.Hikes"},
        {"source_id": "X5", "last_name": "S", "phone": "0044 7700 900123; 020 7946 0000"},
        {"source_id": "N1", "last_name": "New", "email": "new@example.com"}]),
    "purchases": ("shop-old", [
        {"order_id": "P1", "ordered_at": "2025-01-10", "amount": "1.00", "email": "Ana.Silva@example.com"},
        {"order_id": "P2", "ordered_at": "2025-01-10", "amount": "1.00", "phone": "447700900123"},
        {"order_id": "P3", "ordered_at": "2025-01-10", "amount": "1.00", "email": "new@example.com"}]),
    "tickets": ("desk-old", [
        {"ticket_id": "T1", "created_at": "2025-06-01", "requester_phone": "07700900123", "subject": "x"},
        {"ticket_id": "T7", "created_at": "2025-06-01", "requester_handle": "@ana.hikes", "channel": "instagram",
         "subject": "x"},
        {"ticket_id": "T8", "created_at": "2025-06-01", "requester_email": "new@example.com", "subject": "x"}]),
    # the same comments under another desk's name: Ana's tickets' four, Bob's one
    "ticket_comments": ("desk-old", None),
    "social_posts": ("social-old", [
        {"post_id": "S1", "posted_at": "2026-02-20", "network": "instagram", "handle": "ana.hikes", "text": "hi"},
        {"post_id": "S9", "posted_at": "2026-02-20", "network": "instagram", "handle": "FernwoodHelp",
         "text": "Thanks!", "in_reply_to": "S1", "from_company": "true"},
        {"post_id": "S2", "posted_at": "2026-02-21", "network": "twitter", "handle": "TrailTom", "text": "Hi"}]),
}


def test_a_reload_with_partial_identifiers_or_under_another_source_brings_back_nothing(world, tmp_path):
    ana = customer_of(world, "C1")
    privacy.erase_customer(world, ana, "dpo@corp", "request DSR-18", now=NOW)
    results = {}
    for kind, (source, records) in PARTIAL.items():
        path = tmp_path / f"{kind}.jsonl" if records is None else write_jsonl(tmp_path / f"p_{kind}.jsonl", records)
        results[kind] = load_file(world, kind, path, source=source)
    build(world, NOW)

    assert {k: (r.inserted, r.suppressed, r.rejected) for k, r in results.items()} == {
        "customers": (1, 5, 0), "purchases": (1, 2, 0), "tickets": (1, 2, 0), "ticket_comments": (1, 4, 0),
        "social_posts": (1, 2, 0)}
    text = every_table_as_text(world)
    found = [term for term in ANA if term in text]
    assert not found, [line for line in text.splitlines() if any(t in line for t in found)][:5]
    assert rows(world, "select count(*) from raw_customers where source_id in ('X1', 'X2', 'X3', 'X4', 'X5')") == [
        (0,)]
    assert "new@example.com" in text and "trailtom" in text


def test_an_api_sync_with_partial_identifiers_is_suppressed_and_keeps_the_rest(world):
    ana = customer_of(world, "C1")
    privacy.erase_customer(world, ana, "dpo@corp", "request DSR-19", now=NOW)
    page = [{"source_id": "A1", "last_name": "S", "phone": "447700900123"},
            {"source_id": "A2", "last_name": "S", "email": "ana.silva@EXAMPLE.com", "created_at": "yesterday"},
            "ana.silva@example.com wrote in",  # not a record: would be quarantined
            {"source_id": "A3", "last_name": "New", "email": "new@example.com"},
            ["someone", "else"]]
    with store.transaction(world):
        result = load_records(world, "customers", page, source="api", label="page 1")

    assert (result.inserted, result.suppressed, result.rejected) == (1, 3, 1)
    assert rows(world, "select raw_record from quarantine where file = 'page 1'") == [('["someone","else"]',)]
    assert not any(term in every_table_as_text(world) for term in ANA)


MALFORMED_CSV = """source_id,last_name,email,phone
C20,Ok,ok@example.com,
C21,"Bad,ana.silva@example.com,,,,extra,extra
C22,Bad,someone@example.com,,,,extra
C23,Late,x@example.com,+44 (0)7700 900123,more,more
C24,Hikes,y@example.com,,https://www.instagram.com/ana.hikes/,more
"""


def test_a_malformed_line_or_refused_row_carrying_an_erased_identifier_is_dropped_not_quarantined(world, tmp_path):
    ana = customer_of(world, "C1")
    privacy.erase_customer(world, ana, "dpo@corp", "request DSR-20", now=NOW)
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(MALFORMED_CSV)
    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"source_id": "J1", "last_name": "Ok"}\n["ANA.SILVA@example.com"]\n"ana.hikes"\n'
                     '{"source_id": "J2", "last_name": "Old", "created_at": "someday", "twitter": "ana.hikes"}\n'
                     '{"source_id": "J3", "last_name": "Old", "created_at": "someday", "note": "call 447700900123"}\n'
                     '[1, 2]\n')

    from_csv = load_file(world, "customers", csv_file, source="crm")
    from_lines = load_file(world, "customers", lines, source="crm2")

    assert (from_csv.inserted, from_csv.rejected, from_csv.suppressed) == (1, 1, 3)
    assert (from_lines.inserted, from_lines.rejected, from_lines.suppressed) == (1, 1, 4)
    quarantined = rows(world, "select raw_record from quarantine where source in ('crm', 'crm2') "
                              "order by source, line_number")
    assert [r[0] for r in quarantined] == ["C22,Bad,someone@example.com,,,,extra", "[1, 2]"]
    assert not any(term in every_table_as_text(world) for term in ANA)


def test_erasure_removes_quarantined_rows_that_carry_an_identifier_written_another_way(world, tmp_path):
    ana = customer_of(world, "C1")
    lines = tmp_path / "refused.jsonl"
    lines.write_text('["call me on 447700900123"]\n["ask @Ana.Hikes"]\n["call 020 7946 0000"]\n')
    load_file(world, "customers", lines, source="crm3")

    report = privacy.erase_customer(world, ana, "dpo@corp", "request DSR-21", now=NOW)

    assert report.removed["quarantine"] == 3  # the two above and the refused purchase of the world
    assert rows(world, "select raw_record from quarantine where source = 'crm3'") == [('["call 020 7946 0000"]',)]


# what of Ana is written as it is in her records, so would show in the file's bytes (DuckDB stores short strings
# uncompressed): her email, phone, postcode, handle and post text, as loaded
ANA_BYTES = (b"ana.silva@example.com", b"Ana.Silva@Example.com", b"07700 900123", b"+447700900123", b"LS1 4AB",
             b"ana.hikes", b"Love my new tent", b"Still waiting for my refund")


def bytes_found(db: Path) -> dict[str, list[bytes]]:
    """Which of Ana's values `grep -a` would find in the store file and its write-ahead log."""
    found = {}
    for path in (db, db.with_name(db.name + ".wal")):
        data = path.read_bytes() if path.exists() else b""
        found[path.name] = [value for value in ANA_BYTES if value in data]
    return found


def test_after_an_erasure_the_erased_values_are_gone_from_the_database_files_bytes(tmp_path):
    db = tmp_path / "bytes.duckdb"
    con = store.connect(db)
    load_world(con, tmp_path)
    build(con, NOW)
    ana = customer_of(con, "C1")
    con.execute("force checkpoint")
    con.close()
    assert bytes_found(db)["bytes.duckdb"] == list(ANA_BYTES)  # so the check below can fail

    report = privacy.erase_and_rewrite(db, ana, "dpo@corp", "request DSR-22", now=NOW)

    assert report.file_rewritten and "store file rewritten" in report.summary()
    assert bytes_found(db) == {"bytes.duckdb": [], "bytes.duckdb.wal": []}
    con = store.connect(db)
    # the rewritten store is whole: the others, the sequences and the log that says the file was rewritten
    assert rows(con, "select count(*) from customer_profiles")[0][0] == 5
    assert rows(con, "select erasure_id, file_rewritten_at is not null from erasure_log") == [
        (report.erasure_id, True)]
    results = [load_file(con, kind, tmp_path / f"{kind}.jsonl", source=source)
               for kind, source in (("customers", "crm"), ("purchases", "shop"))]
    assert [r.suppressed for r in results] == [1, 3]
    assert results[1].load_id > report.erasure_id and rows(con, "select nextval('erasure_id_seq')") == [(2,)]
    con.close()


def test_a_rewrite_refuses_a_store_this_process_holds_open_and_leaves_it_as_it_was(world, db_file):
    ana = customer_of(world, "C1")
    privacy.erase_customer(world, ana, "dpo@corp", "request DSR-23", now=NOW)
    before = db_file.stat().st_ino
    with pytest.raises(Exception, match="different configuration"):
        privacy.rewrite_store(db_file)
    assert db_file.stat().st_ino == before
    assert rows(world, "select file_rewritten_at from erasure_log") == [(None,)]
    assert not db_file.with_name(db_file.name + ".rewrite").exists()
