"""The vendor mappings, each fixture loaded through the command line into one fresh store, then built into profiles.

Where each fixture's header comes from (the vendor's documented export, or public code that reads or writes it):
- woocommerce_orders.csv: the default columns of "Advanced Order Export For WooCommerce" (algolplus,
  woo-order-export-lite), products as rows: order, billing and shipping labels and the product row labels (Item #,
  SKU, Name, Quantity, Item Cost) from its classes/class-wc-order-export-data-extractor.php
  (github.com/excelWithBusiness/woo-order-export-lite and a later copy of the same file); the settings it exercises
  ("Populate other columns if products exported as rows" off, "Format numbers (use WC decimal separator)", "Output
  UTF-8 BOM") are that plugin's CSV options (view/settings-form.php). "Address 1 (Billing)" is ticked by hand.
- hubspot_contacts.csv: HubSpot's contacts export, default view: "Record ID","First Name","Last Name","Email",
  "Phone Number","Contact owner","Primary Associated Company ID","Last Activity Date","Lead Status","Marketing
  contact status","Create Date","Associated Company" (as public scripts reading hubspot-crm-exports-all-contacts-*.csv
  list it).
- salesforce_contacts.csv: Data Loader's export of Contact, whose header is the query's API field names (Contact
  object reference, developer.salesforce.com: Id, FirstName, LastName, Email, Phone, MobilePhone, MailingStreet,
  MailingCity, MailingPostalCode, MailingCountry, Birthdate, CreatedDate, AccountId, LeadSource), every value quoted.
- freshdesk_tickets.csv: Freshdesk's ticket export, ticket fields "Ticket ID" ... "Product" in the order public
  scripts that import it list them, then the contact fields "Full name", "Email", "Work phone", "Mobile phone",
  "Twitter ID", "Contact ID" ("Full name" and "Contact ID" seen in those scripts; the others are Freshdesk's contact
  field labels, not seen in a parsed file).
- zendesk_tickets.csv: Zendesk Support's CSV export, "Summation column","Id","Requester","Requester id", ... "On hold
  time in minutes within business hours", as a public Ruby script that rebuilds the export with the API writes it.
- mailchimp_audience.csv: Mailchimp's audience export: the merge fields ("Email Address","First Name","Last Name",
  "Address","Phone Number") then MEMBER_RATING, OPTIN_TIME, ... LEID, EUID, NOTES, TAGS, as the spec of
  buren/honey_format ("diabolical_csv", a Mailchimp export) and other public importers show it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

import store
from connectors.loader import load_file
from connectors.mapping import MappingError, load_mapping
from models.build import build
from tests.conftest import FIXTURES, rows

ROOT = Path(__file__).resolve().parent.parent
LOADS = [  # kind, fixture, mapping: the order matters only for the output kept per load
    ("customers", "hubspot_contacts.csv", "hubspot_contacts"),
    ("customers", "salesforce_contacts.csv", "salesforce_contacts"),
    ("customers", "mailchimp_audience.csv", "mailchimp_audience"),
    ("customers", "zendesk_users.json", "zendesk_users"),
    ("purchases", "woocommerce_orders.csv", "woocommerce_orders"),
    ("tickets", "freshdesk_tickets.csv", "freshdesk_tickets"),
    ("tickets", "zendesk_tickets.csv", "zendesk_tickets_csv"),
]


def cli(db: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m rapport ARGS` against the store at `db`, as a user runs it."""
    env = {**os.environ, "RAPPORT_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "rapport", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """One fresh store with every vendor fixture loaded by the CLI; the output of each load by mapping name."""
    db = tmp_path_factory.mktemp("vendors") / "rapport.duckdb"
    outputs = {}
    for kind, fixture, mapping in LOADS:
        done = cli(db, "load", kind, str(FIXTURES / fixture), "--mapping", mapping)
        assert done.returncode == 0, done.stderr
        outputs[mapping] = done.stdout
    return db, outputs


@pytest.fixture
def db(loaded):
    con = store.connect(loaded[0], read_only=True)
    yield con
    con.close()


def summary(loaded, mapping: str) -> str:
    return loaded[1][mapping].splitlines()[0]


def reasons(con, source: str) -> list[tuple]:
    return rows(con, "select line_number, reason from quarantine where source = ? order by line_number", [source])


def test_woocommerce_products_as_rows_fill_order_columns_down_and_read_shop_numbers(loaded, db):
    assert "5 inserted, 0 updated, 0 unchanged, 1 rejected" in summary(loaded, "woocommerce_orders")
    assert rows(db, """select record_id, ordered_at, amount, quantity, email, phone, billing_name, billing_street,
                              billing_postcode, billing_country, status
                       from raw_purchases where source = 'woocommerce' order by record_id""") == [
        ("1001|LGT-HEAD-200", datetime(2025, 3, 14, 10, 22), Decimal("49.90"), 2, "ana.silva@example.com",
         "+44 7700 900123", "Ana Silva", "12 Mill Lane", "LS1 4AB", "GB", "paid"),
        ("1001|TNT-2P-RIDGE", datetime(2025, 3, 14, 10, 22), Decimal("1234.56"), 1, "ana.silva@example.com",
         "+44 7700 900123", "Ana Silva", "12 Mill Lane", "LS1 4AB", "GB", "paid"),
        ("1002|SLP-DRIFT", datetime(2025, 3, 15, 8, 59), Decimal("59.90"), 1, "bob@example.com", "07700 900456",
         "Bob Jones", "3 High St", "YO1 7HH", "GB", "refunded"),
        # Carla left her phone blank, on the order's first row: the later row does not borrow one from above
        ("1004|LGT-HEAD-200", datetime(2025, 3, 16, 18, 30), Decimal("24.95"), 1, "carla@example.de", None,
         "Carla Weber", "Hauptstr. 5", "10115", "DE", "paid"),
        ("1004|WTR-FILT", datetime(2025, 3, 16, 18, 30), Decimal("25.00"), 2, "carla@example.de", None,
         "Carla Weber", "Hauptstr. 5", "10115", "DE", "paid"),
    ]
    assert rows(db, "select product from raw_purchases where record_id = '1001|TNT-2P-RIDGE'") == [
        ('Ridgeline 2P Tent "Pro"',)]
    # the order typed in at the counter names nobody; its line is kept with the reason (after a quoted newline)
    assert reasons(db, "woocommerce") == [(6, "needs at least one of email, phone, customer_ref")]


def test_hubspot_export_with_a_second_export_pasted_below(loaded, db):
    assert "3 inserted, 0 updated, 0 unchanged, 1 rejected" in summary(loaded, "hubspot_contacts")
    assert rows(db, """select source_id, first_name, last_name, email, phone, company, created_at, segment
                       from raw_customers where source = 'hubspot' order by source_id""") == [
        ("51", "Ana", "Silva", "ana.silva@example.com", "+44 7700 900123", None, datetime(2022, 1, 5, 9, 30), None),
        ("52", "Bob", "Jones", "bob@example.com", None, "Jones Guiding Ltd", datetime(2023, 6, 30, 17, 45),
         "IN_PROGRESS"),
        ("53", "Dee", "Patel", None, "+447700900789", None, datetime(2025, 3, 22, 8, 0), "NEW"),
    ]
    assert reasons(db, "hubspot") == [(4, "created_at: 'Create Date' is not a date and time")]


def test_salesforce_data_loader_contacts_keep_multiline_streets(loaded, db):
    assert "2 inserted, 0 updated, 0 unchanged, 1 rejected" in summary(loaded, "salesforce_contacts")
    assert rows(db, """select source_id, first_name, email, phone, street, city, country, birth_date, created_at,
                              segment
                       from raw_customers where source = 'salesforce' order by source_id""") == [
        ("0035g00000AbCdEAAV", "Carla", "carla@example.de", "+49 30 1234567", "Hauptstr. 5\nHinterhaus", "Berlin",
         "Germany", date(1979, 11, 2), datetime(2024, 2, 14, 8, 0), "Web"),
        ("0035g00000AbCdFAAV", "Bob", "bob@example.com", "07700 900456", "3 High St", "York", "United Kingdom",
         None, datetime(2023, 7, 1, 12, 10, 44), None),
    ]
    assert reasons(db, "salesforce") == [(5, "birth_date: '2201-04-12' is out of range")]


def test_mailchimp_audience_members_and_a_hand_edited_date(loaded, db):
    assert "2 inserted, 0 updated, 0 unchanged, 1 rejected" in summary(loaded, "mailchimp_audience")
    assert rows(db, """select source_id, email, first_name, street, country, created_at
                       from raw_customers where source = 'mailchimp' order by source_id""") == [
        ("90498395", "ana.silva@example.com", "Ana", "12 Mill Lane  Leeds  LS1 4AB  GB", "GB",
         datetime(2021, 11, 2, 19, 5, 40)),
        ("90498401", "carla@example.de", "Carla", None, "DE", datetime(2024, 2, 14, 8, 30)),
    ]
    # day and month are never guessed: the spreadsheet's 15/01/2024 is refused, not read as something else
    assert reasons(db, "mailchimp") == [(5, "created_at: '15/01/2024 10:30' is not a date and time")]


def test_freshdesk_tickets_map_statuses_sources_and_refuse_an_unknown_status(loaded, db):
    assert "2 inserted, 0 updated, 0 unchanged, 1 rejected" in summary(loaded, "freshdesk_tickets")
    assert rows(db, """select ticket_id, requester_email, requester_phone, customer_ref, channel, status, priority,
                              first_response_at, solved_at
                       from raw_tickets where source = 'freshdesk' order by ticket_id""") == [
        ("1201", "ana.silva@example.com", None, "77000001", "email", "solved", "high", datetime(2025, 3, 20, 11, 0),
         datetime(2025, 3, 22, 10, 0)),
        ("1202", None, "+447700900789", "77000002", "phone", "pending", "normal", None, None),
    ]
    assert reasons(db, "freshdesk") == [
        (4, "status: 'Escalated to engineering' is not one of new, open, pending, hold, solved, closed")]


def test_zendesk_csv_export_names_channels_and_refuses_an_impossible_date(loaded, db):
    assert "3 inserted, 0 updated, 0 unchanged, 1 rejected" in summary(loaded, "zendesk_tickets_csv")
    assert rows(db, """select ticket_id, requester_email, customer_ref, channel, status, priority, solved_at,
                              satisfaction, reopens
                       from raw_tickets where source = 'zendesk' order by ticket_id""") == [
        ("35436", "Ana.Silva@example.com", "20978392", "email", "solved", "high", datetime(2025, 3, 22, 10, 0),
         "bad", 1),
        ("35438", None, "20978411", "phone", "open", "normal", None, None, 0),
        ("35440", "bob@example.com", "20978405", "web", "hold", None, None, None, 0),
    ]
    # (a ticket twice in one export is not refused: its newest version loads, see test_loader)
    assert reasons(db, "zendesk") == [(5, "created_at: '2025-13-40 09:15' is not a date and time")]


def test_one_profile_per_person_across_the_vendors(loaded):
    con = store.connect(loaded[0])
    try:
        build(con)
        people = {}
        for customer_id, kind, source, source_id in rows(con, """select customer_id, kind, source, source_id
                                                               from customer_sources"""):
            people.setdefault(customer_id, set()).add(f"{source}:{kind}:{source_id}")
    finally:
        con.close()
    profiles = sorted(sorted(p) for p in people.values())
    assert profiles == sorted([
        ["freshdesk:tickets:1201", "hubspot:customers:51", "mailchimp:customers:90498395",
         "woocommerce:purchases:1001|LGT-HEAD-200", "woocommerce:purchases:1001|TNT-2P-RIDGE",
         "zendesk:customers:20978392", "zendesk:tickets:35436"],
        ["hubspot:customers:52", "salesforce:customers:0035g00000AbCdFAAV",
         "woocommerce:purchases:1002|SLP-DRIFT", "zendesk:tickets:35440"],
        ["mailchimp:customers:90498401", "salesforce:customers:0035g00000AbCdEAAV",
         "woocommerce:purchases:1004|LGT-HEAD-200", "woocommerce:purchases:1004|WTR-FILT"],
        ["freshdesk:tickets:1202", "hubspot:customers:53", "zendesk:customers:20978411", "zendesk:tickets:35438"],
        ["zendesk:customers:20978400"],
    ])


def test_mappings_command_lists_the_vendor_mappings(tmp_path):
    listed = cli(tmp_path / "rapport.duckdb", "mappings").stdout
    for name in ("woocommerce_orders", "hubspot_contacts", "salesforce_contacts", "freshdesk_tickets",
                 "zendesk_tickets_csv", "mailchimp_audience"):
        assert name in listed


def test_woocommerce_mapping_reads_the_plugin_defaults_too(con, tmp_path):
    """Populate other columns on (order columns on every row) and numbers unformatted, as the plugin ships."""
    path = tmp_path / "orders.csv"
    path.write_text("Order Number,Order Status,Order Date,Email (Billing),Phone (Billing),Item #,SKU,Name,Quantity,"
                    "Item Cost\n"
                    "2001,Completed,2025-04-01 12:00,ana.silva@example.com,,1,TNT-2P-RIDGE,Tent,1,1234.56\n"
                    "2001,Completed,2025-04-01 12:00,ana.silva@example.com,,2,LGT-HEAD-200,Headlamp,3,24.9\n")
    result = load_file(con, "purchases", path, mapping="woocommerce_orders")
    assert (result.inserted, result.rejected) == (2, 0)
    assert rows(con, "select record_id, amount, status from raw_purchases order by 1") == [
        ("2001|LGT-HEAD-200", Decimal("74.70"), "paid"), ("2001|TNT-2P-RIDGE", Decimal("1234.56"), "paid")]


@pytest.mark.parametrize("setting, message", [
    ('decimal = ";"', "decimal must be '.', ',' or 'auto', not ';'"),
    ('fill_down_by = ""', "'fill_down_by' must be the name of a column"),
    ('fill_down_by = "Order", same_for = "Order"', "use 'same_for' or 'fill_down_by', not both"),
])
def test_bad_new_settings_say_which_file_and_field(tmp_path, setting, message):
    path = tmp_path / "shop.toml"
    path.write_text(f'kind = "purchases"\n[fields]\namount = {{ column = "Total", {setting} }}\n')
    with pytest.raises(MappingError) as error:
        load_mapping(path)
    assert message in str(error.value) and "shop.toml" in str(error.value) and "'amount'" in str(error.value)
