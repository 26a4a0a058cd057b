"""Every amount a person reads carries its currency, and amounts in two currencies are never added into one."""

from __future__ import annotations

import re

import pytest

import store
from components.brief import build_brief
from components.profile_card import lifetime_value
from connectors.loader import load_file
from models.build import build
from models.money import money, sums
from queries import customers
from queries.customers import load_context
from tests.conftest import DEMO_AS_OF, rows
from tests.model_fixtures import NOW, load_world, write_jsonl
from tests.viewers import ADMIN


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (19241.6, "EUR", "€19,241.60"), (12, "gbp", "£12.00"), (-5.5, "USD", "-$5.50"), (1000, "CHF", "1,000.00 CHF"),
    (3.0, None, "3.00"), (None, "EUR", "—"), (float("nan"), "EUR", "—"),
])
def test_an_amount_is_written_with_its_currency(amount, currency, shown):
    assert money(amount, currency) == shown


def test_sums_in_several_currencies_stand_side_by_side():
    assert sums([{"currency": "GBP", "amount": 120}, {"currency": "EUR", "amount": 30}]) == "£120.00 + €30.00"
    assert sums([]) == "—" and sums(None) == "—" and sums(float("nan")) == "—"


def test_a_customer_who_paid_in_two_currencies_sees_each_sum(con, tmp_path):
    load_world(con, tmp_path)
    load_file(con, "purchases", write_jsonl(tmp_path / "eu.jsonl", [
        {"order_id": "E1", "ordered_at": "2026-01-10T10:00:00", "amount": "80.00", "currency": "EUR",
         "email": "bob@example.com", "product": "Boots"},
        {"order_id": "E2", "ordered_at": "2026-02-10T10:00:00", "amount": "20.50", "currency": "eur",
         "email": "bob@example.com", "product": "Socks"},
        {"order_id": "G1", "ordered_at": "2026-02-11T10:00:00", "amount": "15.00", "currency": "GBP",
         "email": "bob@example.com", "product": "Map"}]), source="shop-eu")
    build(con, NOW)
    [(bob,)] = rows(con, "select customer_id from customer_sources where kind = 'customers' and source_id = 'C4'")
    profile = customers.profile(bob, ADMIN, con)
    assert profile["lifetime_values"] == [{"currency": "EUR", "amount": 100.5}, {"currency": "GBP", "amount": 15.0}]
    assert (profile["currency"], profile["currency_count"]) == ("EUR", 2)
    assert lifetime_value(profile) == "€100.50 + £15.00"
    brief = build_brief(load_context(bob, "sales", NOW, con=con), NOW)
    assert "Lifetime value €100.50 + £15.00 over 3 orders" in brief.summary
    assert not any("average order" in line for line in brief.purchases)  # an average across currencies means nothing
    amounts = dict(rows(con, "select source_id, currency from customer_timeline where customer_id = ? "
                             "and kind = 'purchase'", [bob]))
    assert amounts == {"E1": "EUR", "E2": "EUR", "G1": "GBP"}


def test_every_demo_customer_s_money_shows_its_currency(demo_store):
    con = store.connect(demo_store, read_only=True)
    try:
        ids = [r[0] for r in con.execute("select customer_id from customer_profiles where order_count > 0 "
                                         "order by 1").fetchall()]
        german = con.execute("select customer_id from customer_profiles where country in ('DE', 'Germany') "
                             "and order_count > 0 limit 1").fetchall()
        bare = []
        for customer_id in ids:
            context = load_context(customer_id, "sales", DEMO_AS_OF, con=con)
            brief = build_brief(context, DEMO_AS_OF)
            money_lines = [line for line in brief.summary + brief.purchases + [p.sentence for p in context.points]
                           if re.search(r"\d,?\d*\.\d\d\b", line)]
            bare += [line for line in money_lines if re.search(r"(?<![£€$\d,.])\d[\d,]*\.\d\d(?! [A-Z]{3})", line)]
        assert german, "the demo has German customers"
        german_profile = customers.load_profile(german[0][0], con)
        assert lifetime_value(german_profile).startswith("€")
    finally:
        con.close()
    assert bare == []
