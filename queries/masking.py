"""Masking contact details for roles that do not need them — in profiles, timelines, search hits and drill-downs,
including emails and phone numbers written inside posts and ticket bodies."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd

from queries.results import Rows

MASK = "•••"
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# a run of digits and separators; it is a phone number if it holds 9 to 15 digits and is not a date (see
# mask_phones_in): order numbers, prices and dates are left alone
PHONE_IN_TEXT = re.compile(r"(?<![\w#£$€.])\+?\(?\d[\d\s().-]{6,}\d(?![\w])")
THREE_DIGITS = re.compile(r"\d\d\d")
DATE_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
NAME_COLUMNS = ("display_name", "other_display_name", "author_name", "requester_name", "name")
TEXT_COLUMNS = ("title", "body", "text", "subject", "evidence", "details", "excerpt")


def mask_email(email: str) -> str:
    local, _, domain = str(email).partition("@")
    return f"{local[:1]}{MASK}@{domain}" if domain else MASK


def mask_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", str(phone))
    return f"{MASK} {digits[-2:]}" if len(digits) >= 6 else MASK


def initials(name: str) -> str:
    """"Jane Q. Smith" -> "J. Q. S."; a handle keeps its @ and first letter."""
    words = [w for w in str(name).split() if w[:1].isalnum() or w[:1] == "@"]
    if not words:
        return MASK
    return " ".join((w[:2] if w.startswith("@") else w[:1]).upper() + "." for w in words[:3])


def mask_text(text: str | None, masked: frozenset[str]) -> str | None:
    """Emails and phone numbers inside free text, masked when the role masks them."""
    if not text:
        return text
    # the cheap tests first: most titles and bodies hold neither an @ nor three digits in a row
    if "email" in masked and "@" in text:
        text = EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    if "phone" in masked and THREE_DIGITS.search(text):
        text = PHONE_IN_TEXT.sub(mask_phone_match, text)
    return text


def mask_phone_match(match: re.Match) -> str:
    found = match.group(0)
    digits = sum(c.isdigit() for c in found)
    return mask_phone(found) if 9 <= digits <= 15 and not DATE_IN_TEXT.search(found) else found


def mask_profile(profile: dict, masked: frozenset[str]) -> dict:
    """A copy of the profile with the masked fields hidden; `masked_fields` lists those that held a value."""
    shown = dict(profile)
    hidden = []
    if "name" in masked:
        hidden += [f for f in ("display_name", "first_name", "last_name") if shown.get(f)]
        shown["display_name"] = initials(shown.get("display_name") or "")
        shown["first_name"] = shown["last_name"] = None
    if "email" in masked and shown.get("emails"):
        hidden.append("emails")
        shown["emails"] = [mask_email(e) for e in shown["emails"]]
    if "phone" in masked and shown.get("phones"):
        hidden.append("phones")
        shown["phones"] = [mask_phone(p) for p in shown["phones"]]
    for field, columns in (("street", ("street", "postcode")), ("birth_date", ("birth_date",))):
        if field in masked:
            hidden += [c for c in columns if shown.get(c) is not None]
            shown.update(dict.fromkeys(columns))
    shown["masked_fields"] = hidden
    return shown


def column_masker(column: str, masked: frozenset[str],
                  text_columns: Iterable[str] = TEXT_COLUMNS) -> Callable[[Any], Any] | None:
    """What masking does to a value of this result column for a role masking `masked` (None: nothing)."""
    if "name" in masked and column in NAME_COLUMNS:
        mask = initials
    elif column == "email" and "email" in masked:
        mask = mask_email
    elif column == "phone" and "phone" in masked:
        mask = mask_phone
    elif column in text_columns and masked & {"email", "phone"}:
        return lambda value: mask_text(value, masked) if isinstance(value, str) else value
    else:
        return None
    return lambda value: mask(value) if isinstance(value, str) else value


def mask_frame(frame: pd.DataFrame, masked: frozenset[str], text_columns: Iterable[str] = TEXT_COLUMNS) -> pd.DataFrame:
    """A copy of a result table with names, emails, phones and the contact details inside texts masked."""
    if not masked or frame.empty:
        return frame
    shown = frame.copy()
    for column in shown.columns:
        mask = column_masker(column, masked, text_columns)
        if mask is not None:
            # a list comprehension: a third of the cost of Series.map on 200 rows
            shown[column] = pd.Series([mask(v) for v in shown[column].tolist()], index=shown.index,
                                      dtype=shown[column].dtype, name=column)
    return shown


def mask_rows(rows: Rows, masked: frozenset[str]) -> Rows:
    """mask_frame for rows fetched as tuples (queries.results)."""
    if not masked:
        return rows
    return rows.with_values_changed([column_masker(column, masked) for column in rows.columns])
