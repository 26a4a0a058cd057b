"""Phone numbers to E.164 with `phonenumbers`, parsed once per distinct written form and kept in the store."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context

import pandas as pd
import phonenumbers

from store import Connection

DEFAULT_REGION = "GB"


def default_region() -> str:
    """The region assumed for numbers written without a country code: RAPPORT_PHONE_REGION, else GB."""
    return (os.environ.get("RAPPORT_PHONE_REGION") or DEFAULT_REGION).upper()


OTHER_REGIONS = ("US", "DE", "FR", "IE", "NL", "ES")
# phonenumbers is pure Python (~40 µs a number): from this many new numbers a first build parses them on every core
PARALLEL_FROM = 50_000
CHUNK = 20_000


def parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None


def to_e164(raw: str, region: str) -> str | None:
    """`+447700900123` for any way of writing a possible number, None for what is not one.

    A number without a country code is read in `region`. One written without the trunk 0 either, that is no valid
    number there but is one in another region (212.555.0187 is a New York number, not a British one), is read
    in that region — unless it starts with the region's own country code (447700900123: +44 written without its
    +), which phonenumbers then reads as that, whether or not the number is in a range it knows as valid.
    """
    number = parse(raw, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    digits = raw.lstrip(" (")
    with_country_code = number.country_code_source == phonenumbers.CountryCodeSource.FROM_NUMBER_WITHOUT_PLUS_SIGN
    if not digits.startswith(("+", "0")) and not with_country_code and not phonenumbers.is_valid_number(number):
        for other in OTHER_REGIONS:
            candidate = parse(raw, other)
            if candidate is not None and phonenumbers.is_valid_number(candidate):
                number = candidate
                break
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def unparsed_numbers(con: Connection, region: str) -> list[str]:
    """Every written phone number the raw tables hold that `phone_numbers` has not parsed for `region` (the raw
    tables as `con` sees them: the loader's suppression check shows it a load's rows through views of that name)."""
    return [r[0] for r in con.execute("""
        with written as (
            select unnest(string_split_regex(phone, '\\s*[;,/]\\s*')) as raw from raw_customers
            union select phone from raw_purchases
            union select requester_phone from raw_tickets
        )
        select distinct raw from written
        where raw is not null and raw <> ''
          and raw not in (select raw from phone_numbers where region = $region)
    """, {"region": region}).fetchall()]


def parsed_numbers(raws: list[str], region: str) -> pd.DataFrame:
    """`phone_numbers` rows (raw, e164, region) for these written numbers."""
    return pd.DataFrame({"raw": raws, "e164": all_to_e164(raws, region), "region": region})


def refresh_phone_numbers(con: Connection, region: str | None = None) -> int:
    """Parse every written phone number the raw tables hold that `phone_numbers` has not seen (for this region)."""
    region = region or default_region()
    new = unparsed_numbers(con, region)
    if new:
        con.execute("delete from phone_numbers where raw in (select unnest($raw))", {"raw": new})
        con.register("_parsed_phones", parsed_numbers(new, region))
        con.execute("insert into phone_numbers select raw, e164, region from _parsed_phones")
        con.unregister("_parsed_phones")
    return len(new)


def all_to_e164(raws: list[str], region: str) -> list[str | None]:
    """to_e164 of each, in order; split over worker processes when there are many."""
    workers = os.cpu_count() or 1
    if len(raws) < PARALLEL_FROM or workers < 2:
        return chunk_to_e164(raws, region)
    chunks = [raws[i:i + CHUNK] for i in range(0, len(raws), CHUNK)]
    # fork: workers start at once with phonenumbers loaded and run nothing but to_e164 (spawn would re-run the
    # caller's main module, which a Streamlit app or a stdin script does not have)
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        return [e164 for part in pool.map(partial(chunk_to_e164, region=region), chunks) for e164 in part]


def chunk_to_e164(raws: list[str], region: str) -> list[str | None]:
    return [to_e164(raw, region) for raw in raws]
