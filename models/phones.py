"""Phone numbers to E.164 with `phonenumbers`, parsed once per distinct written form and kept in the store."""

from __future__ import annotations

import os

import pandas as pd
import phonenumbers

from store import Connection

DEFAULT_REGION = "GB"


def default_region() -> str:
    """The region assumed for numbers written without a country code: RAPPORT_PHONE_REGION, else GB."""
    return (os.environ.get("RAPPORT_PHONE_REGION") or DEFAULT_REGION).upper()


OTHER_REGIONS = ("US", "DE", "FR", "IE", "NL", "ES")


def parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def to_e164(raw: str, region: str) -> str | None:
    """`+447700900123` for any way of writing a possible number, None for what is not one.

    A number without a country code is read in `region`. One written without the trunk 0 either, that is no valid
    number there but is one in another region (212.555.0187 is a New York number, not a British one), is read
    in that region.
    """
    number = parse(raw, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    digits = raw.lstrip(" (")
    if not digits.startswith(("+", "0")) and not phonenumbers.is_valid_number(number):
        for other in OTHER_REGIONS:
            candidate = parse(raw, other)
            if candidate is not None and phonenumbers.is_valid_number(candidate):
                number = candidate
                break
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def refresh_phone_numbers(con: Connection, region: str | None = None) -> int:
    """Parse every written phone number the raw tables hold that `phone_numbers` has not seen (for this region)."""
    region = region or default_region()
    new = [r[0] for r in con.execute("""
        with written as (
            select unnest(string_split_regex(phone, '\\s*[;,/]\\s*')) as raw from raw_customers
            union select phone from raw_purchases
            union select requester_phone from raw_tickets
        )
        select distinct raw from written
        where raw is not null and raw <> ''
          and raw not in (select raw from phone_numbers where region = $region)
    """, {"region": region}).fetchall()]
    if new:
        con.execute("delete from phone_numbers where raw in (select unnest($raw))", {"raw": new})
        parsed = pd.DataFrame({"raw": new, "e164": [to_e164(raw, region) for raw in new], "region": region})
        con.register("_parsed_phones", parsed)
        con.execute("insert into phone_numbers select raw, e164, region from _parsed_phones")
        con.unregister("_parsed_phones")
    return len(new)
