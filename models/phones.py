"""Phone numbers to E.164 with `phonenumbers`, read in the country their record names (else RAPPORT_PHONE_REGION),
parsed once per distinct written form and country and kept in the store."""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from multiprocessing import get_context
from pathlib import Path

import pandas as pd
import phonenumbers
from phonenumbers.geodata.locale import LOCALE_DATA

from store import Connection

DEFAULT_REGION = "GB"


def default_region() -> str:
    """The region assumed for numbers written without a country code: RAPPORT_PHONE_REGION, else GB."""
    return (os.environ.get("RAPPORT_PHONE_REGION") or DEFAULT_REGION).upper()


OTHER_REGIONS = ("US", "DE", "FR", "IE", "NL", "ES")
# phonenumbers is pure Python (~40 µs a number): from this many new numbers a first build parses them on every core
PARALLEL_FROM = 50_000
CHUNK = 20_000
# Names people write for a country that CLDR (phonenumbers' country names, below) does not list
COUNTRY_ALIASES = {"uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
                   "wales": "GB", "northern ireland": "GB", "usa": "US", "u.s.a.": "US", "u.s.": "US",
                   "united states of america": "US"}
LOCALE = re.compile(r"^[a-z]{2,3}(?:[-_][a-z]{4})?[-_]([a-z]{2})$", re.IGNORECASE)  # en-GB, zh_Hant_TW
# every written number with what its record says of where it is (the macros of store/migrations/010)
WRITTEN_PHONES_SQL = r"""
    select unnest(string_split_regex(phone, '\s*[;,/]\s*')) as raw,
           contact_phone_hint(country, locale, time_zone) as hint
    from raw_customers
    union select phone, order_phone_hint(billing_country, shipping_country) from raw_purchases
    union select requester_phone, '' from raw_tickets
"""


@dataclass(frozen=True)
class Reading:
    """A written number read: its E.164 form (None: not a number), the region it was read in, and how: with its
    own country code (`international`), the region its record names (`record`), or the default (`fallback`)."""

    e164: str | None
    region: str
    read_with: str


def parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None


def read_number(raw: str, hint: str, default: str, zones: dict[str, str] | None = None) -> Reading:
    """Read `raw` in the region `hint` names, else in `default` (`zones`: time zones' countries, by default this
    machine's: zone_countries).

    A number without a country code is read in its record's region; only if it cannot be a number there (a British
    mobile on a contact whose locale is en-US) is it read in the default. A number that merely is not a valid one
    in its record's country stays there: read in another country, it would be a stranger's (two people writing
    "030 1234567", one in Berlin and one in Leeds, are not one person). With no
    region of its own, one written without the trunk 0 either, that is no valid number in the default region but
    is one in another (212.555.0187 is a New York number, not a British one), is read in that region.
    """
    own = region_for_hint(hint, zones)
    if own is None:
        return guessed(raw, default)
    reading, number = read_in(raw, own, "record")
    if number is None and own != default:
        fallback, fallback_number = read_in(raw, default, "fallback")
        if fallback_number is not None:
            return fallback
    return reading


def guessed(raw: str, default: str) -> Reading:
    """A number whose record names no region: read in `default`, or in another region where only it is valid."""
    reading, number = read_in(raw, default, "fallback")
    if reading.read_with != "fallback" or number is None or is_valid(number) or raw.lstrip(" (").startswith("0"):
        return reading
    for other in OTHER_REGIONS:
        candidate = parse(raw, other)
        if is_valid(candidate):
            return Reading(phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164), other,
                           "fallback")
    return reading


def read_in(raw: str, region: str, how: str) -> tuple[Reading, phonenumbers.PhoneNumber | None]:
    """`raw` read in `region`: the reading (`international` when it carries its own country code) and the number,
    None when it is no possible number."""
    number = parse(raw, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return Reading(None, region, how), None
    if number.country_code_source != phonenumbers.CountryCodeSource.FROM_DEFAULT_COUNTRY:
        how = "international"
    return Reading(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), region, how), number


def is_valid(number: phonenumbers.PhoneNumber | None) -> bool:
    return number is not None and phonenumbers.is_valid_number(number)


def to_e164(raw: str, region: str, hint: str = "") -> str | None:
    """`+447700900123` for any way of writing a possible number, None for what is not one (see read_number)."""
    return read_number(raw, hint, region).e164


# --- where a record is ----------------------------------------------------------------------------------------

def region_for_hint(hint: str | None, zones: dict[str, str] | None = None) -> str | None:
    """The phone region a record's hint names: its first part that is a country (an ISO code or a name in any
    language CLDR knows: "DE", "Germany", "Deutschland"), a locale with a country ("locale:en-GB") or an IANA time
    zone ("tz:Europe/Berlin"); None when no part does (a bare language, "locale:de", says no country)."""
    for part in (hint or "").split("|"):
        part = part.strip()
        if part.startswith("locale:"):
            found = LOCALE.match(part.removeprefix("locale:"))
            region = found.group(1).upper() if found else None
        elif part.startswith("tz:"):
            region = (zone_countries() if zones is None else zones).get(part.removeprefix("tz:"))
        else:
            region = country_region(part)
        if region in phonenumbers.SUPPORTED_REGIONS:
            return region
    return None


def country_region(written: str) -> str | None:
    """The region code of a country written as its ISO code or its name."""
    if len(written) == 2 and written.upper() in phonenumbers.SUPPORTED_REGIONS:
        return written.upper()
    key = written.casefold()
    return COUNTRY_ALIASES.get(key) or country_names().get(key)


@cache
def country_names() -> dict[str, str]:
    """Country names in every language of CLDR's territory names (as phonenumbers ships them), lower-cased, to
    region codes; a name that means two regions in different languages is left out rather than guessed."""
    regions_of: dict[str, set[str]] = {}
    for region, names in LOCALE_DATA.items():
        for language in names:
            name = display_name(names, language)
            if name:
                regions_of.setdefault(name.casefold(), set()).add(region)
    return {name: regions.pop() for name, regions in regions_of.items() if len(regions) == 1}


def display_name(names: dict[str, str], language: str) -> str | None:
    """A region's name in `language`: phonenumbers writes '*xx' for 'the same as in language xx'."""
    for _ in range(5):
        name = names.get(language)
        if not name or not name.startswith("*"):
            return name
        language = name[1:]
    return None


@cache
def zone_countries() -> dict[str, str]:
    """IANA time zones to the country each is in, from the tz database's zone.tab (the tzdata package, else the
    system's copy); empty when neither is there."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        system = Path("/usr/share/zoneinfo/zone.tab")
        text = system.read_text(encoding="utf-8") if system.exists() else ""
    rows = (line.split("\t") for line in text.splitlines() if line and not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}


# --- the store's readings -------------------------------------------------------------------------------------

def unread_numbers(con: Connection, region: str) -> list[tuple[str, str]]:
    """Every (written number, hint) the raw tables hold that `phone_numbers` has not read with this default region
    (the raw tables as `con` sees them: the loader's suppression check shows it a load's rows through views of
    those names)."""
    return con.execute(f"""
        with written as ({WRITTEN_PHONES_SQL})
        select distinct raw, hint from written
        anti join (select raw, hint from phone_numbers where default_region = $region) as seen using (raw, hint)
        where raw is not null and raw <> ''
    """, {"region": region}).fetchall()


def readings_frame(written: list[tuple[str, str]], region: str) -> pd.DataFrame:
    """`phone_numbers` rows for these (written number, hint) pairs."""
    readings = all_readings(written, region)
    return pd.DataFrame({"raw": [r for r, _ in written], "hint": [h for _, h in written],
                         "e164": [r.e164 for r in readings], "region": [r.region for r in readings],
                         "read_with": [r.read_with for r in readings], "default_region": region})


def refresh_phone_numbers(con: Connection, region: str | None = None) -> int:
    """Read every written phone number the raw tables hold, with what its record says of where it is, that
    `phone_numbers` has not read (with this default region)."""
    region = region or default_region()
    new = unread_numbers(con, region)
    if new:
        con.register("_parsed_phones", readings_frame(new, region))
        con.execute("delete from phone_numbers where (raw, hint) in (select (raw, hint) from _parsed_phones)")
        con.execute("""insert into phone_numbers by name
                       select raw, hint, e164, region, read_with, default_region from _parsed_phones""")
        con.unregister("_parsed_phones")
    return len(new)


def all_readings(written: list[tuple[str, str]], region: str) -> list[Reading]:
    """read_number of each (raw, hint), in order; split over worker processes when there are many."""
    workers = os.cpu_count() or 1
    if len(written) < PARALLEL_FROM or workers < 2:
        return chunk_readings(written, region)
    chunks = [written[i:i + CHUNK] for i in range(0, len(written), CHUNK)]
    # fork: workers start at once with phonenumbers loaded and run nothing but read_number (spawn would re-run the
    # caller's main module, which a Streamlit app or a stdin script does not have)
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        return [reading for part in pool.map(partial(chunk_readings, region=region), chunks) for reading in part]


def chunk_readings(written: list[tuple[str, str]], region: str) -> list[Reading]:
    return [read_number(raw, hint, region) for raw, hint in written]


def all_to_e164(raws: list[str], region: str) -> list[str | None]:
    """to_e164 of each, in order (numbers whose records say nothing of where they are)."""
    return [reading.e164 for reading in all_readings([(raw, "") for raw in raws], region)]
