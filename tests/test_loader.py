"""Loading files: idempotent upserts, change detection, fatal errors that leave the store as it was, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import connectors.loader as loader
from connectors.files import FatalLoadError
from connectors.loader import load_file, load_records
from tests.conftest import FIXTURES, rows, snapshot

PROJECT = Path(__file__).resolve().parent.parent
HEADER = "order_id,ordered_at,amount,email,status\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_loading_the_same_file_twice_changes_nothing(con):
    first = load_file(con, "purchases", FIXTURES / "shopify_orders.csv", mapping="shopify_orders")
    before = snapshot(con)
    second = load_file(con, "purchases", FIXTURES / "shopify_orders.csv", mapping="shopify_orders")
    assert (first.inserted, first.updated, first.unchanged) == (4, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 4)
    assert snapshot(con) == before


def test_changed_rows_are_updated_and_new_rows_inserted(con, tmp_path):
    load_file(con, "purchases", write(tmp_path / "a.csv", HEADER + "A1,2024-01-01,10,a@x.com,paid\n"
                                                            "A2,2024-01-02,20,b@x.com,paid\n"))
    result = load_file(con, "purchases", write(tmp_path / "a.csv", HEADER + "A1,2024-01-01,10,a@x.com,refunded\n"
                                                                     "A2,2024-01-02,20,b@x.com,paid\n"
                                                                     "A3,2024-01-03,30,c@x.com,paid\n"))
    assert (result.inserted, result.updated, result.unchanged) == (1, 1, 1)
    assert rows(con, "select record_id, status from raw_purchases order by 1") == [
        ("A1", "refunded"), ("A2", "paid"), ("A3", "paid")]


def test_sources_are_kept_apart(con, tmp_path):
    path = write(tmp_path / "a.csv", HEADER + "A1,2024-01-01,10,a@x.com,paid\n")
    load_file(con, "purchases", path, source="shop-eu")
    load_file(con, "purchases", path, source="shop-us")
    assert rows(con, "select source, record_id from raw_purchases order by 1") == [("shop-eu", "A1"), ("shop-us", "A1")]


def test_every_load_is_logged_with_its_counts(con, tmp_path):
    path = write(tmp_path / "a.csv", HEADER + "A1,2024-01-01,10,a@x.com,paid\nA2,never,10,a@x.com,paid\n")
    load_file(con, "purchases", path)
    with pytest.raises(FatalLoadError):
        load_file(con, "purchases", tmp_path / "missing.csv")
    assert rows(con, "select kind, outcome, inserted, rejected, error is null from load_log order by load_id") == [
        ("purchases", "ok", 1, 1, True), ("purchases", "failed", 0, 0, False)]


def test_missing_required_column_is_fatal_and_changes_nothing(con, tmp_path):
    load_file(con, "purchases", write(tmp_path / "a.csv", HEADER + "A1,2024-01-01,10,a@x.com,paid\n"))
    before = snapshot(con)
    with pytest.raises(FatalLoadError, match="missing required column 'amount'"):
        load_file(con, "purchases", write(tmp_path / "b.csv", "order_id,ordered_at,email\nA9,2024-01-01,a@x.com\n"))
    assert snapshot(con) == before


def test_a_load_that_fails_half_way_leaves_the_store_unchanged(con, tmp_path, monkeypatch):
    load_file(con, "purchases", write(tmp_path / "a.csv", HEADER + "A1,2024-01-01,10,a@x.com,paid\n"
                                                            "A2,2024-01-02,bad,b@x.com,paid\n"))
    before = snapshot(con)
    deleted = []

    def insert_then_crash(*args, **kwargs):
        deleted.append(rows(con, "select count(*) from raw_purchases")[0][0])
        raise OSError("disk full")

    monkeypatch.setattr(loader, "insert_rows", insert_then_crash)
    with pytest.raises(OSError, match="disk full"):
        load_file(con, "purchases", write(tmp_path / "a.csv", HEADER + "A1,2024-01-01,99,a@x.com,refunded\n"
                                                                "A2,2024-01-02,bad,b@x.com,paid\n"))
    assert deleted == [0], "the changed row had been deleted inside the transaction before the crash"
    assert snapshot(con) == before
    assert rows(con, "select outcome, error from load_log order by load_id desc limit 1") == [("failed", "disk full")]


def test_unknown_kind_and_bad_source_names_are_refused(con, tmp_path):
    path = write(tmp_path / "a.csv", HEADER)
    with pytest.raises(ValueError, match="unknown kind 'orders'"):
        load_file(con, "orders", path)
    with pytest.raises(FatalLoadError, match="source name"):
        load_file(con, "purchases", path, source="Robert'); drop table raw_purchases; --")


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAPPORT_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "rapport", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_load_prints_a_summary_and_is_idempotent(tmp_path):
    db = tmp_path / "cli.duckdb"
    first = run_cli(db, "load", "purchases", str(FIXTURES / "shopify_orders.csv"), "--mapping", "shopify_orders")
    second = run_cli(db, "load", "purchases", str(FIXTURES / "shopify_orders.csv"), "--mapping", "shopify_orders")
    assert first.returncode == 0, first.stderr
    assert "4 inserted, 0 updated, 0 unchanged, 0 rejected" in first.stdout
    assert "0 inserted, 0 updated, 4 unchanged, 0 rejected" in second.stdout
    assert "built " in first.stdout  # the load refreshed the models...
    assert "models up to date (no new or changed records" in second.stdout  # ...and the same file again did not
    status = run_cli(db, "status")
    assert status.returncode == 0
    assert "shopify" in status.stdout and "purchases" in status.stdout


def test_cli_fatal_error_is_one_line_and_exits_non_zero(tmp_path):
    result = run_cli(tmp_path / "cli.duckdb", "load", "purchases", str(tmp_path / "nope.csv"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("error: ") and "no such file" in result.stderr


def test_the_old_connectors_command_says_where_the_command_went_and_touches_no_store(tmp_path):
    db = tmp_path / "cli.duckdb"
    env = {**os.environ, "RAPPORT_DB": str(db)}
    old = subprocess.run([sys.executable, "-m", "connectors", "load", "purchases", "my orders.csv"], cwd=PROJECT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert old.returncode == 2
    assert "python -m rapport load purchases 'my orders.csv'" in old.stderr
    assert not db.exists()


def test_cli_quarantine_lists_reasons_with_line_numbers(tmp_path):
    db = tmp_path / "cli.duckdb"
    path = write(tmp_path / "p.csv", HEADER + "A1,2024-01-01,10,a@x.com,paid\nA2,2024-01-01,ten,a@x.com,paid\n")
    assert run_cli(db, "load", "purchases", str(path)).returncode == 0
    listing = run_cli(db, "quarantine")
    assert f"{path.resolve()}:3: amount: 'ten' is not an amount" in listing.stdout


TICKETS = "ticket_id,created_at,updated_at,requester_email,status\n"


def test_a_row_repeated_identically_in_a_file_loads_once_and_is_not_rejected(con, tmp_path):
    row = "A1,2024-01-01,10,a@x.com,paid\n"
    result = load_file(con, "purchases", write(tmp_path / "a.csv", HEADER + row + "A2,2024-01-02,20,b@x.com,paid\n"
                                               + row))
    assert (result.inserted, result.rejected, result.repeated, result.warnings) == (2, 0, 1, [])
    assert rows(con, "select count(*) from quarantine") == [(0,)]
    assert rows(con, "select record_id from raw_purchases order by 1") == [("A1",), ("A2",)]


def test_a_ticket_twice_in_a_file_loads_its_newest_version_by_updated_at_whatever_the_order(con, tmp_path):
    path = write(tmp_path / "t.csv", TICKETS + "T1,2024-01-01,2024-01-05,a@x.com,solved\n"
                                               "T1,2024-01-01,2024-01-02,a@x.com,new\n")
    result = load_file(con, "tickets", path)
    assert (result.inserted, result.rejected) == (1, 0)
    assert rows(con, "select status from raw_tickets") == [("solved",)]
    assert result.warnings == ["record id 'T1' appears on lines 2, 3 with different values; line 2 loaded "
                               "(the newest version)"]


def test_an_api_batch_repeating_a_record_keeps_its_later_version_without_rejecting_it(con):
    users = [{"source_id": "7", "name": "Ann Old"}, {"source_id": "8", "name": "Bo"},
             {"source_id": "7", "name": "Ann New"}, {"source_id": "8", "name": "Bo"}]
    result = load_records(con, "customers", users, source="desk", label="api:desk/users#1")
    assert (result.inserted, result.rejected, result.repeated, result.warnings) == (2, 0, 2, [])
    assert rows(con, "select source_id, name from raw_customers order by 1") == [("7", "Ann New"), ("8", "Bo")]
