"""Shopify sync: orders by updated_at, Link-header paging, one purchase per line item, rate limits, bad records."""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal

import pytest

from connectors.sync import sync_all, sync_status
from models.build import build
from tests.api_fixtures.fakes import FakeShopify, local_server
from tests.api_fixtures.helpers import configured
from tests.conftest import rows

TOKEN = "shpat_5b7d0e"
NOW = datetime(2024, 7, 1, 12, 0)


@pytest.fixture
def shopify(monkeypatch):
    monkeypatch.setenv("SHOPIFY_TOKEN", TOKEN)
    with local_server() as server:
        fake = FakeShopify(server, credential=("X-Shopify-Access-Token", TOKEN))
        fake.add_order(1001, "2024-05-01T10:00:00-04:00", [("TNT-2P", "199.00", 1), ("PEG-10", "2.50", 4)])
        fake.add_order(1002, "2024-05-02T10:00:00-04:00", [("BAG-1", "89.90", 1)], financial_status="refunded",
                       billing_address={"name": "Ann Lee", "address1": "4 Elm Row", "city": "Boston",
                                        "zip": "02115", "country": "United States", "country_code": "US",
                                        "phone": None})
        fake.add_order(1003, "2024-05-03T10:00:00-04:00", [("MAT-1", "45.00", 2)],
                       financial_status="partially_refunded", email="cy@example.com")
        yield fake


def shopify_source(tmp_path, fake, extra: str = ""):
    return configured(tmp_path, f"""
[sources.shop]
connector = "shopify"
base_url = "{fake.url}"
token_env = "SHOPIFY_TOKEN"
limit = 2
batch_records = 1
{extra}
""")


def test_orders_become_one_purchase_per_line_item(con, tmp_path, shopify):
    [result] = sync_all(con, sources=shopify_source(tmp_path, shopify))
    assert result.outcome == "ok", result.error
    assert (result.pages, result.inserted, result.rejected) == (2, 4, 0)
    assert rows(con, "select order_id, line_id, amount, quantity, status, currency, email from raw_purchases "
                     "order by 1, 2") == [
        ("#1001", "PEG-10", Decimal("10.00"), 4, "paid", "USD", "ann@example.com"),
        ("#1001", "TNT-2P", Decimal("199.00"), 1, "paid", "USD", "ann@example.com"),
        ("#1002", "BAG-1", Decimal("89.90"), 1, "refunded", "USD", "ann@example.com"),
        ("#1003", "MAT-1", Decimal("90.00"), 2, "partially_refunded", "USD", "cy@example.com")]
    assert rows(con, "select order_id, billing_name, billing_street, billing_city, billing_postcode, billing_country "
                     "from raw_purchases where billing_name is not null") == [
        ("#1002", "Ann Lee", "4 Elm Row", "Boston", "02115", "US")]
    # the second page came by the Link header's page_info, with nothing but limit beside it
    assert any("page_info=" in r and "updated_at_min" not in r for r in shopify.seen)


def test_the_cursor_is_the_latest_updated_at_and_a_second_sync_adds_nothing(con, tmp_path, shopify):
    sources = shopify_source(tmp_path, shopify)
    sync_all(con, sources=sources)
    assert rows(con, "select cursor from sync_state") == [("2024-05-03T10:00:00-04:00",)]
    [again] = sync_all(con, sources=sources)
    assert (again.inserted, again.updated, again.outcome) == (0, 0, "ok")
    assert "updated_at_min=2024-05-03T10%3A00%3A00-04%3A00" in shopify.seen[-1]
    shopify.add_order(1002, "2024-06-01T08:00:00-04:00", [("BAG-1", "89.90", 1)], financial_status="paid")
    [third] = sync_all(con, sources=sources)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 1)
    assert rows(con, "select status from raw_purchases where order_id = '#1002'") == [("paid",)]


def test_a_429_waits_as_long_as_retry_after_asks_then_gets_the_data(con, tmp_path, shopify):
    shopify.fail(429, path=FakeShopify.PATH, headers={"Retry-After": "1"})
    started = time.monotonic()
    [result] = sync_all(con, sources=shopify_source(tmp_path, shopify))
    assert time.monotonic() - started >= 1.0
    assert result.outcome == "ok", result.error
    assert rows(con, "select count(*) from raw_purchases") == [(4,)]


def test_a_malformed_order_is_quarantined_with_its_reason_and_the_others_load(con, tmp_path, shopify):
    shopify.add_order(1004, "2024-05-04T10:00:00-04:00", [("TNT-2P", "free", 1)])
    shopify.add_order(1005, "2024-05-05T10:00:00-04:00", [], created_at="yesterday")
    [result] = sync_all(con, sources=shopify_source(tmp_path, shopify))
    assert result.outcome == "ok", result.error
    assert (result.inserted, result.rejected) == (4, 2)
    assert rows(con, "select reason from quarantine where source = 'shop' order by reason") == [
        ("missing required field amount",),
        ("ordered_at: 'yesterday' is not a date and time; missing required field amount",)]
    assert sync_status(con)[["source", "stream", "last_outcome", "records"]].values.tolist() == [
        ["shop", "orders", "ok", 6]]


def test_a_partial_refund_counts_what_its_refund_transactions_returned(con, tmp_path, shopify):
    order = shopify.add_order(1004, "2024-05-04T10:00:00-04:00", [("TNT-2P", "199.00", 1), ("MUG-1", "9.50", 2)],
                              financial_status="partially_refunded", email="dee@example.com")
    mugs = order["line_items"][1]["id"]
    # the two mugs came back: 19.00 went back to the card; a failed attempt before it returned nothing
    order["refunds"] = [FakeShopify.refund(order, 801, ("5.00", "failure"), ("19.00", "success"),
                                           line_item_id=mugs, quantity=2)]
    sources = shopify_source(tmp_path, shopify)
    [result] = sync_all(con, sources=sources)
    assert (result.outcome, result.rejected) == ("ok", 0), result.error
    assert rows(con, "select line_id, amount, order_total, refunded_amount, status from raw_purchases "
                     "where order_id = '#1004' order by 1") == [
        ("MUG-1", Decimal("19.00"), Decimal("218.00"), Decimal("19.00"), "partially_refunded"),
        ("TNT-2P", Decimal("199.00"), Decimal("218.00"), Decimal("19.00"), "partially_refunded")]
    build(con, NOW)
    assert lifetime_value(con, "dee@example.com") == 199.00
    assert rows(con, """select kind, amount from customer_timeline where ref_id = '#1004' order by kind""") == [
        ("purchase", 218.00), ("refund", 19.00)]
    # later the tent goes back too: Shopify changes the order (updated_at) and adds a second refund
    shopify.add_order(1004, "2024-06-10T10:00:00-04:00", [("TNT-2P", "199.00", 1), ("MUG-1", "9.50", 2)],
                      financial_status="refunded", email="dee@example.com",
                      refunds=[*order["refunds"], FakeShopify.refund(order, 802, ("199.00", "success"))])
    [again] = sync_all(con, sources=sources)
    assert (again.updated, again.rejected) == (2, 0)
    build(con, NOW)
    assert lifetime_value(con, "dee@example.com") == 0.0
    assert rows(con, "select amount from customer_timeline where ref_id = '#1004' and kind = 'refund'") == [
        (218.00,)]


def lifetime_value(con, email: str) -> float:
    [(value,)] = rows(con, "select lifetime_value from customer_profiles where list_contains(emails, ?)", [email])
    return value
