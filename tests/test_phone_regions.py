"""Phone numbers written without a country code are read in the country their record names (an order's billing or
shipping country, a contact's country, a help-desk user's locale or time zone), and only then in
RAPPORT_PHONE_REGION; the Data sources page counts the numbers read that way."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from connectors.loader import load_file
from models.build import build
from models.phones import read_number, region_for_hint
from queries.sources import phone_readings
from tests.conftest import rows
from tests.viewers import ADMIN

NOW = datetime(2025, 6, 1, 12, 0)
# a HubSpot-style contacts export (the shipped crm_contacts mapping's columns); countries written as people do
CRM = """Contact ID,First Name,Last Name,Email,Phone Number,City,Country/Region
C-1,Lena,Vogel,lena@example.de,030 1234567,Berlin,Germany
C-2,Lukas,Brandt,lukas@example.de,030 1234568,Hamburg,Deutschland
C-3,Grace,Hall,grace@example.co.uk,030 1234567,Leeds,United Kingdom
C-4,Hugo,Roux,hugo@example.fr,01 42 68 53 00,Paris,FR
C-5,Ivy,Ng,ivy@example.com,030 1234569,,
C-6,Jon,Kerr,jon@example.com,+49 30 1234560,,
"""
# Zendesk user objects (developer.zendesk.com, Users API: `locale`, `time_zone` (a Rails name),
# `iana_time_zone`), as the shipped zendesk_users mapping reads them
ZENDESK_USERS = {"users": [
    {"id": 1, "name": "Mia Berg", "email": "mia@example.com", "phone": "030 7654321", "locale": "de-DE",
     "time_zone": "Berlin", "iana_time_zone": "Europe/Berlin", "created_at": "2025-01-02T10:00:00Z"},
    # a bare language says no country: the time zone does
    {"id": 2, "name": "Otto Lang", "email": "otto@example.com", "phone": "089 1234567", "locale": "de",
     "time_zone": "Berlin", "iana_time_zone": "Europe/Berlin", "created_at": "2025-01-02T10:00:00Z"},
    # a US locale and time zone, but a British mobile: no US number, so read as the default region's
    {"id": 3, "name": "Tom Baker", "email": "tom@example.com", "phone": "07700 900321", "locale": "en-US",
     "time_zone": "Eastern Time (US & Canada)", "iana_time_zone": "America/New_York",
     "created_at": "2025-01-02T10:00:00Z"},
]}


@pytest.fixture
def loaded(con, tmp_path, monkeypatch):
    monkeypatch.setenv("RAPPORT_PHONE_REGION", "GB")
    (tmp_path / "contacts.csv").write_text(CRM, encoding="utf-8")
    (tmp_path / "users.json").write_text(json.dumps(ZENDESK_USERS), encoding="utf-8")
    assert load_file(con, "customers", tmp_path / "contacts.csv", mapping="crm_contacts").rejected == 0
    assert load_file(con, "customers", tmp_path / "users.json", mapping="zendesk_users").rejected == 0
    build(con, NOW)
    return con


def phones_by_name(con) -> dict[str, list[str]]:
    return dict(rows(con, "select display_name, phones from customer_profiles"))


def test_the_same_national_number_is_german_on_a_german_record_and_british_on_a_british_one(loaded):
    phones = phones_by_name(loaded)
    assert phones["Lena Vogel"] == ["+49301234567"]
    assert phones["Lukas Brandt"] == ["+49301234568"]  # "Deutschland": CLDR's German name for Germany
    assert phones["Grace Hall"] == ["+44301234567"]
    assert phones["Hugo Roux"] == ["+33142685300"]
    assert phones["Ivy Ng"] == ["+44301234569"]  # no country: the default region
    assert phones["Jon Kerr"] == ["+49301234560"]  # written with its country code
    # the same written number on two people in two countries is two numbers: no link between Lena and Grace
    assert rows(loaded, "select count(*) from customer_profiles") == [(9,)]


def test_a_help_desk_users_locale_or_time_zone_places_their_number(loaded):
    phones = phones_by_name(loaded)
    assert phones["Mia Berg"] == ["+49307654321"]
    assert phones["Otto Lang"] == ["+49891234567"]
    assert phones["Tom Baker"] == ["+447700900321"]


def test_the_data_sources_figure_counts_numbers_read_with_the_fallback_region(loaded):
    # Ivy (no country) and Tom (no US number) were read as British numbers; Jon's carried its own code
    assert phone_readings(ADMIN, loaded) == {"numbers": 9, "fallback": 2, "region": "GB"}
    readings = dict(rows(loaded, "select raw || ' @ ' || hint, read_with from phone_numbers"))
    assert readings["030 1234567 @ Germany"] == "record"
    assert readings["030 1234569 @ "] == "fallback"
    assert readings["+49 30 1234560 @ "] == "international"


def test_another_default_region_changes_only_the_fallback_readings(loaded, monkeypatch):
    monkeypatch.setenv("RAPPORT_PHONE_REGION", "DE")
    build(loaded, NOW)
    phones = phones_by_name(loaded)
    assert (phones["Ivy Ng"], phones["Grace Hall"], phones["Lena Vogel"]) == (
        ["+49301234569"], ["+44301234567"], ["+49301234567"])


@pytest.mark.parametrize(("hint", "region"), [
    ("DE", "DE"), ("de", "DE"), ("Germany", "DE"), ("Deutschland", "DE"), ("Allemagne", "DE"),
    ("United Kingdom", "GB"), ("UK", "GB"), ("GB", "GB"), ("United States", "US"), ("USA", "US"),
    ("Atlantis|Germany", "DE"), ("|FR", "FR"), ("locale:en-GB", "GB"), ("locale:pt_BR", "BR"),
    ("locale:de", None), ("tz:Europe/Berlin", "DE"), ("tz:Eastern Time (US & Canada)", None), ("", None),
    ("Atlantis", None)])
def test_a_country_is_found_by_code_name_locale_or_time_zone(hint, region):
    assert region_for_hint(hint) == region


def test_a_national_number_on_a_record_of_its_country_is_read_there_before_the_default():
    assert read_number("030 1234567", "DE", "GB").e164 == "+49301234567"
    assert read_number("030 1234567", "GB", "GB").e164 == "+44301234567"
    assert read_number("030 1234567", "", "GB").read_with == "fallback"
