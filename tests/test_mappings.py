"""Golden loads of each shipped mapping's fixture: exactly these rows, typed and normalised."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from connectors.loader import load_file
from connectors.mapping import MAPPINGS_DIR, MappingError, load_mapping
from tests.conftest import FIXTURES, rows


def test_every_shipped_mapping_parses():
    names = sorted(p.stem for p in MAPPINGS_DIR.glob("*.toml"))
    assert {"shopify_orders", "zendesk_tickets", "zendesk_ticket_comments", "zendesk_users", "twcs",
            "crm_contacts"} <= set(names)
    for name in names:
        assert load_mapping(name).fields


def test_shopify_orders_export_loads_one_row_per_line_item(con):
    result = load_file(con, "purchases", FIXTURES / "shopify_orders.csv", mapping="shopify_orders")
    assert (result.source, result.inserted, result.rejected) == ("shopify", 4, 0)
    assert rows(con, """select record_id, ordered_at, amount, currency, email, phone, quantity, channel, status
                        from raw_purchases order by record_id""") == [
        ("#1001|LGT-HEAD-200", datetime(2025, 3, 14, 10, 22, 5), Decimal("49.90"), "GBP", "ana.silva@example.com",
         "+44 7700 900123", 2, "online", "paid"),
        ("#1001|TNT-2P-RIDGE", datetime(2025, 3, 14, 10, 22, 5), Decimal("189.95"), "GBP", "ana.silva@example.com",
         "+44 7700 900123", 1, "online", "paid"),
        ("#1002|SLP-DRIFT", datetime(2025, 3, 15, 7, 59, 41), Decimal("59.90"), "GBP", "BOB@Example.com",
         "07700 900456", 1, "online", "refunded"),
        ("#1003|WTR-FILT", datetime(2025, 3, 16, 18, 30), Decimal("12.50"), "EUR", "carla@example.de",
         "+49 30 1234567", 1, "online", "cancelled"),
    ]
    # the billing name and address are written on an order's first line only, and belong to all its lines
    assert rows(con, """select record_id, billing_name, billing_street, billing_city, billing_postcode,
                               billing_country
                        from raw_purchases where order_id = '#1001' order by record_id""") == [
        ("#1001|LGT-HEAD-200", "Ana Silva", "12 Mill Lane", "Leeds", "LS1 4AB", "GB"),
        ("#1001|TNT-2P-RIDGE", "Ana Silva", "12 Mill Lane", "Leeds", "LS1 4AB", "GB")]


def test_zendesk_ticket_export_takes_requester_from_the_channel(con):
    result = load_file(con, "tickets", FIXTURES / "zendesk_tickets.json", mapping="zendesk_tickets")
    assert (result.source, result.inserted, result.rejected) == ("zendesk", 3, 0)
    assert rows(con, """select ticket_id, requester_email, requester_phone, requester_handle, customer_ref, channel,
                               status, priority, group_name, solved_at, reopens, satisfaction
                        from raw_tickets order by ticket_id""") == [
        ("35436", "Ana.Silva@example.com", None, None, "20978392", "email", "solved", "high", "2",
         datetime(2025, 3, 22, 10, 0), 1, "bad"),
        ("35437", None, None, "TrailRunnerTom", "20978400", "twitter", "new", None, "1", None, 0, None),
        ("35438", None, "+447700900789", None, "20978411", "phone", "open", "normal", "3", None, 0, None),
    ]


def test_zendesk_comments_map_roles_and_visibility(con):
    result = load_file(con, "ticket_comments", FIXTURES / "zendesk_ticket_comments.jsonl",
                       mapping="zendesk_ticket_comments")
    assert (result.inserted, result.rejected) == (4, 0)
    assert rows(con, "select record_id, ticket_id, author_type, public from raw_ticket_comments order by 1") == [
        ("1001", "35436", "customer", True), ("1002", "35436", "agent", False),
        ("1003", "35436", "agent", True), ("1004", "35437", "customer", True)]


def test_twcs_layout_marks_brand_replies(con):
    result = load_file(con, "social_posts", FIXTURES / "twcs.csv", mapping="twcs")
    assert (result.source, result.inserted, result.rejected) == ("twitter", 3, 0)
    assert rows(con, """select post_id, posted_at, network, handle, in_reply_to, from_company
                        from raw_social_posts order by post_id""") == [
        ("119237", datetime(2025, 3, 18, 22, 10, 47), "twitter", "TrailRunnerTom", None, False),
        ("119238", datetime(2025, 3, 18, 22, 31, 2), "twitter", "FernwoodHelp", "119237", True),
        ("119240", datetime(2025, 3, 19, 7, 1), "twitter", "115712", None, False),
    ]
    assert "😂" in rows(con, "select text from raw_social_posts where post_id = '119240'")[0][0]


def test_crm_contacts_keep_multiline_addresses_and_trim_values(con):
    result = load_file(con, "customers", FIXTURES / "crm_contacts.csv", mapping="crm_contacts")
    assert (result.source, result.inserted, result.rejected) == ("crm", 3, 0)
    assert any("LinkedIn URL" in w for w in result.warnings)
    assert rows(con, """select source_id, email, street, birth_date, twitter, facebook
                        from raw_customers order by source_id""") == [
        ("C-10001", "ana.silva@example.com", "12 Mill Lane", date(1988, 4, 12), "@AnaOutdoors", None),
        ("C-10002", "bob@example.com", "3 High St", None, None, "bob.jones"),
        ("C-10003", "carla@example.de", "Hauptstr. 5\nHinterhaus", date(1979, 11, 2), None, None),
    ]



def test_zendesk_users_export_gives_requesters_their_email_or_phone(con):
    result = load_file(con, "customers", FIXTURES / "zendesk_users.json", mapping="zendesk_users")
    assert (result.source, result.inserted, result.rejected) == ("zendesk", 3, 0)
    assert rows(con, """select source_id, name, email, phone, created_at, first_name, company
                        from raw_customers order by source_id""") == [
        ("20978392", "Ana Silva", "Ana.Silva@example.com", None, datetime(2025, 3, 20, 9, 15), None, None),
        ("20978400", "tom baker", "tom.baker@example.com", "07700 900321", datetime(2024, 11, 2, 17, 40, 12),
         None, None),
        ("20978411", "Dee Patel", None, "+447700900789", datetime(2025, 3, 22, 8, 0), None, None),
    ]

@pytest.mark.parametrize("text, message", [
    ('fields = {}', "missing 'kind"),
    ('kind = "orders"\n[fields]\norder_id = "x"', "unknown kind 'orders'"),
    ('kind = "purchases"\n[fields]\norder_no = "x"', "field 'order_no' is not a purchases field"),
    ('kind = "purchases"\n[fields]\namount = { column = "x", colour = "red" }', "unknown setting(s) colour"),
    ('kind = "purchases"\nformat = "xml"\n[fields]\norder_id = "x"', "format 'xml' is not one of"),
    ('kind = "purchases"\n[fields\n', "mapping"),
    ('kind = "customers"\n[fields]\nbirth_date = { column = "x", unreadable = "skip" }', "unreadable must be"),
    ('kind = "customers"\n[fields]\nsource_id = { column = "x", unreadable = "empty" }', "is required"),
])
def test_bad_mappings_say_which_file_and_field(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert message in str(error.value)
    assert "bad.toml" in str(error.value)


def test_mapping_for_another_kind_is_refused():
    with pytest.raises(MappingError, match="for kind 'purchases', not 'tickets'"):
        load_mapping("shopify_orders", "tickets")


def test_an_unreadable_value_loads_as_empty_when_the_mapping_says_so_and_is_refused_otherwise(con, tmp_path):
    export = tmp_path / "contacts.csv"
    export.write_text("id,born\nA,19371233\nB,19560409\nC,18000101\n")
    lenient = tmp_path / "lenient.toml"
    lenient.write_text('kind = "customers"\n[fields]\nsource_id = "id"\n'
                       'birth_date = { column = "born", format = "%Y%m%d", unreadable = "empty" }\n')
    result = load_file(con, "customers", export, source="lenient", mapping=lenient)
    assert result.rejected == 0
    assert rows(con, "select source_id, birth_date from raw_customers where source = 'lenient' order by 1") == [
        ("A", None), ("B", date(1956, 4, 9)), ("C", None)]
    strict = tmp_path / "strict.toml"
    strict.write_text('kind = "customers"\n[fields]\nsource_id = "id"\n'
                      'birth_date = { column = "born", format = "%Y%m%d" }\n')
    assert load_file(con, "customers", export, source="strict", mapping=strict).rejected == 2
