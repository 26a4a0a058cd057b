"""Shopify's orders export as Shopify writes it, through the command line into a fresh store and a model build:
every line item kept, order-level columns carried from each order's first row, an order's total counted once,
refunds (whole or partial) taken off lifetime value, and one customer per person.

The fixture `fixtures/shopify_orders_export.csv` has the full 79-column header of Admin > Orders > Export, in
Shopify's order, as the public parser ospos-org/migrator (src/parser/format/shopify.rs, `ParseType::Transaction`)
matches it. Its rows follow Shopify's layout: one row per line item, newest order first; an order's first row
carries the order-level columns and the rows after it only `Name` and the `Lineitem …` columns (and `Vendor`,
`Lineitem discount`), one of them repeating `Email` as some exports do. See docs.xbp.app "Shopify order export
format": "Order-level fields (e.g., financial status, totals, discount code, ... billing/shipping addresses) are
typically populated on the first line item row for each order and may be blank on subsequent rows".
`Billing Country` holds ISO codes, as in that page's example row ("FR").
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

import store
from connectors.loader import load_file
from models.talking_points import talking_points
from tests.conftest import FIXTURES, rows

PROJECT = Path(__file__).resolve().parent.parent
EXPORT = FIXTURES / "shopify_orders_export.csv"


def run(db: Path, module: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RAPPORT_DB": str(db), "RAPPORT_PHONE_REGION": "GB"}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=PROJECT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """The export loaded by `python -m rapport load` into a fresh store, then `python -m models build`."""
    db = tmp_path_factory.mktemp("shopify_export") / "rapport.duckdb"
    load = run(db, "rapport", "load", "purchases", str(EXPORT), "--mapping", "shopify_orders")
    built = run(db, "models", "build")
    con = store.connect(db, read_only=True)
    yield load, built, con
    con.close()


def test_the_export_has_shopifys_full_header_and_one_row_per_line_item():
    header = EXPORT.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert len(header) == 79 and header[:3] == ["Name", "Email", "Financial Status"]
    assert header[-1] == "Payment References"
    assert len(EXPORT.read_text(encoding="utf-8").splitlines()) == 1 + 10  # six orders, ten line items


def test_every_line_item_loads_and_none_is_rejected(loaded):
    load, built, con = loaded
    assert load.returncode == 0, load.stderr
    assert "10 inserted, 0 updated, 0 unchanged, 0 rejected" in load.stdout
    assert built.returncode == 0, built.stderr
    assert rows(con, "select count(*) from quarantine") == [(0,)]
    assert rows(con, "select inserted, rejected, outcome from load_log") == [(10, 0, "ok")]


def test_order_level_columns_carry_from_each_orders_first_row(loaded):
    _, _, con = loaded
    assert rows(con, """select order_id, line_id, strftime(ordered_at, '%Y-%m-%d %H:%M:%S'), email, status, amount,
                               quantity, order_total, refunded_amount, currency, billing_name, billing_country
                        from raw_purchases order by order_id, line_id""") == [
        ("#2001", "LGT-HEAD-200", "2025-03-14 10:22:05", "ana.silva@example.com", "paid", Decimal("19.95"), 1,
         Decimal("129.90"), Decimal("0.00"), "GBP", "Ana Silva", "GB"),
        ("#2001", "PEG-10", "2025-03-14 10:22:05", "ana.silva@example.com", "paid", Decimal("10.00"), 2,
         Decimal("129.90"), Decimal("0.00"), "GBP", "Ana Silva", "GB"),
        ("#2001", "TNT-2P-RIDGE", "2025-03-14 10:22:05", "ana.silva@example.com", "paid", Decimal("99.95"), 1,
         Decimal("129.90"), Decimal("0.00"), "GBP", "Ana Silva", "GB"),
        ("#2002", "MUG-ENAMEL", "2025-03-15 09:00:11", "BOB@Example.com", "partially_refunded", Decimal("19.00"), 2,
         Decimal("83.85"), Decimal("19.00"), "GBP", "Bob Jones", "GB"),
        ("#2002", "SLP-DRIFT", "2025-03-15 09:00:11", "BOB@Example.com", "partially_refunded", Decimal("59.90"), 1,
         Decimal("83.85"), Decimal("19.00"), "GBP", "Bob Jones", "GB"),
        ("#2003", "WTR-FILT", "2025-03-16 17:30:00", "carla@example.de", "paid", Decimal("24.50"), 1,
         Decimal("28.00"), Decimal("0.00"), "EUR", "Carla Weber", "DE"),
        ("#2004", "POL-2", "2025-03-17 11:00:02", "ana.silva@example.com", "refunded", Decimal("45.00"), 1,
         Decimal("45.00"), Decimal("45.00"), "GBP", "Ana Silva", "GB"),
        ("#2005", "GAS-230", "2025-03-18 16:40:02", "dan@example.com", "cancelled", Decimal("12.00"), 2,
         Decimal("51.00"), Decimal("0.00"), "GBP", "Dan Novak", "GB"),
        ("#2005", "STV-1", "2025-03-18 16:40:02", "dan@example.com", "cancelled", Decimal("39.00"), 1,
         Decimal("51.00"), Decimal("0.00"), "GBP", "Dan Novak", "GB"),
        ("#2006", "STV-1", "2025-03-20 09:12:31", "eve.park@example.co.uk", "paid", Decimal("35.00"), 1,
         Decimal("35.00"), Decimal("0.00"), "GBP", "Eve Park", "GB")]


def test_one_customer_per_person_with_net_lifetime_values(loaded):
    _, _, con = loaded
    # Ana: #2001 (129.90, three lines) + #2004 refunded whole; Bob: 83.85 less the 19.00 refunded; Dan's order
    # was voided; Carla's and Eve's single orders include their shipping (Total, not the line prices)
    assert rows(con, """select display_name, emails, phones, order_count, lifetime_value from customer_profiles
                        order by display_name""") == [
        ("Ana Silva", ["ana.silva@example.com"], ["+447700900123"], 2, 129.90),
        ("Bob Jones", ["bob@example.com"], ["+447700900456"], 1, 64.85),
        ("Carla Weber", ["carla@example.de"], ["+49301234567"], 1, 28.00),
        ("Dan Novak", ["dan@example.com"], ["+447700900321"], 0, 0.0),
        ("Eve Park", ["eve.park@example.co.uk"], ["+44301234567"], 1, 35.00)]


def test_the_timeline_has_each_order_once_and_refunds_for_what_was_refunded(loaded):
    _, _, con = loaded
    assert rows(con, """select kind, title, body, amount, status, product from customer_timeline
                        where kind in ('purchase', 'refund') order by occurred_at""") == [
        # an order's products in line id (SKU) order, as the timeline lists them
        ("purchase", "Order #2001", "Trail Headlamp, Tent Pegs (pack of 10), Ridgeline 2P Tent", 129.90, "paid",
         "Ridgeline 2P Tent"),
        ("purchase", "Order #2002", "Enamel Camp Mug, Drift Sleeping Bag", 83.85, "partially_refunded",
         "Drift Sleeping Bag"),
        ("refund", "Partial refund of order #2002", "Enamel Camp Mug, Drift Sleeping Bag", 19.00,
         "partially_refunded", None),
        ("purchase", "Order #2003", "Water Filter Bottle", 28.00, "paid", "Water Filter Bottle"),
        ("purchase", "Order #2004", "Trail Poles", 45.00, "refunded", "Trail Poles"),
        ("refund", "Refund of order #2004", "Trail Poles", 45.00, "refunded", "Trail Poles"),
        ("purchase", "Order #2005", "Gas Canister, Camp Stove", 51.00, "cancelled", "Camp Stove"),
        ("purchase", "Order #2006", "Camp Stove", 35.00, "paid", "Camp Stove")]


def test_the_refund_talking_point_says_what_was_refunded_of_a_partly_refunded_order(loaded):
    _, _, con = loaded
    profile = con.execute("select * from customer_profiles where display_name = 'Bob Jones'").df()
    timeline = con.execute("select * from customer_timeline where customer_id = ?",
                           [int(profile["customer_id"][0])]).df()
    points = talking_points(profile.iloc[0].to_dict(), timeline, "support", datetime(2025, 3, 27, 12, 0))
    [refund] = [p.sentence for p in points if p.rule == "recent_refund"]
    assert refund.startswith("We refunded £19.00 of order #2002 12 days ago")


def test_an_order_repeated_whole_or_changed_is_loaded_once_in_its_last_version_and_never_rejected(con, tmp_path):
    # two exports of overlapping date ranges pasted together: order #2002 (both its rows) twice, then one line again
    # with another price: a record repeated in one file is a version, the later one loads, and the file gets a word
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    repeated = [line for line in lines if line.startswith("#2002,")]
    changed = repeated[0].replace("Drift Sleeping Bag,59.90", "Drift Sleeping Bag,49.90")
    (tmp_path / "overlap.csv").write_text("\n".join([*lines, *repeated, changed]) + "\n", encoding="utf-8")
    result = load_file(con, "purchases", tmp_path / "overlap.csv", mapping="shopify_orders")
    assert (result.inserted, result.rejected, result.repeated) == (10, 0, 3)
    assert rows(con, "select count(*) from quarantine") == [(0,)]
    assert any("'#2002|SLP-DRIFT' appears on lines" in w and "line 14 loaded" in w for w in result.warnings)
    assert rows(con, "select amount from raw_purchases where order_id = '#2002' and product like 'Drift%'") == [
        (Decimal("49.90"),)]


def test_line_rows_whose_orders_first_row_is_missing_are_quarantined_and_the_rest_loads(con, tmp_path):
    # an export cut off mid-order: #2001's first row is gone, its two line rows remain (the file's last lines)
    lines = EXPORT.read_text(encoding="utf-8").splitlines()
    cut = [line for line in lines if not (line.startswith("#2001,ana.silva@"))]
    (tmp_path / "cut.csv").write_text("\n".join(cut) + "\n", encoding="utf-8")
    result = load_file(con, "purchases", tmp_path / "cut.csv", mapping="shopify_orders")
    assert (result.inserted, result.rejected) == (7, 2)
    assert rows(con, "select line_number, reason from quarantine order by 1") == [
        (9, "missing required field ordered_at; needs at least one of email, phone, customer_ref"),
        (10, "missing required field ordered_at; needs at least one of email, phone, customer_ref")]
    assert rows(con, "select count(*) from raw_purchases where order_id = '#2001'") == [(0,)]
