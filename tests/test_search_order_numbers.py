"""Order and ticket numbers find their customer however they are written: a Shopify order name with or without
its '#', a long number that looks like a phone, exact hits before longer numbers that start the same."""

from __future__ import annotations

import pytest

from connectors.loader import load_file
from models.build import build
from queries import customers
from tests.conftest import rows
from tests.model_fixtures import NOW, load_world, write_jsonl
from tests.viewers import ADMIN

SHOPIFY_ORDERS = [
    {"order_id": "#4607", "ordered_at": "2025-04-01T10:00:00", "amount": "40.00", "email": "ana.silva@example.com"},
    {"order_id": "#46071", "ordered_at": "2025-04-02T10:00:00", "amount": "900.00", "email": "bob@example.com"},
    {"order_id": "#1310422", "ordered_at": "2025-04-03T10:00:00", "amount": "10.00", "email": "bob@example.com"},
]


@pytest.fixture
def shop(con, tmp_path):
    load_world(con, tmp_path)
    load_file(con, "purchases", write_jsonl(tmp_path / "shopify.jsonl", SHOPIFY_ORDERS), source="shopify")
    build(con, NOW)
    return con


def customer_with(con, email: str) -> int:
    return rows(con, "select customer_id from customer_profiles where list_contains(emails, ?)", [email])[0][0]


@pytest.mark.parametrize("typed", ["#4607", "4607", " #4607 "])
def test_a_shopify_order_name_finds_its_customer_first_with_or_without_the_hash(shop, typed):
    found = customers.search(typed, ADMIN, con=shop)
    assert found["customer_id"].iloc[0] == customer_with(shop, "ana.silva@example.com")
    assert (found["field"].iloc[0], found["term"].iloc[0], found["rank"].iloc[0]) == ("order", "4607", 0)
    # the longer order that starts the same, of a customer worth more, comes after the exact hit
    assert customer_with(shop, "bob@example.com") in set(found["customer_id"].iloc[1:])


@pytest.mark.parametrize("typed", ["#1310422", "1310422"])
def test_an_order_number_long_enough_to_look_like_a_phone_still_finds_its_customer(shop, typed):
    found = customers.search(typed, ADMIN, con=shop)
    assert not found.empty and found["customer_id"].iloc[0] == customer_with(shop, "bob@example.com")
    assert found["field"].iloc[0] == "order"
