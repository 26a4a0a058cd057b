"""How a talking point says things: untrusted, possibly missing values cleaned into plain text, numbers and times,
and the small phrases (amounts, plurals, "3 days ago", lists) its sentences are made of."""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime
from typing import Any

import pandas as pd

from models.money import money as in_currency

EXCERPT_CHARS = 80
SUBJECT_CHARS = 60
NAME_CHARS = 40


def is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, list | tuple | set | frozenset):
        return not value
    if pd.api.types.is_scalar(value):
        return bool(pd.isna(value))
    return len(value) == 0 if hasattr(value, "__len__") else False


def clean(value: Any) -> Any:
    """None for anything missing; numpy scalars as Python values; arrays as lists."""
    # the common plain values first: this runs for every cell of 200 events
    if value is None or type(value) in (int, bool, datetime):
        return value
    if type(value) is str:
        return value if value.strip() else None
    if type(value) is float:
        return None if math.isnan(value) else value
    if is_missing(value):
        return None
    if hasattr(value, "tolist") and not isinstance(value, str | pd.Timestamp):
        return value.tolist()
    return value


def plain(text: Any) -> str:
    """One line of plain text: control and format characters dropped, whitespace collapsed."""
    if is_missing(text):
        return ""
    kept = []
    for char in str(text):
        category = unicodedata.category(char)
        if category == "Cc" or category in ("Zl", "Zp"):
            kept.append(" ")
        elif not category.startswith("C"):  # format chars (bidi overrides, zero-width) are invisible tricks
            kept.append(char)
    return " ".join("".join(kept).split())


def shorten(text: Any, limit: int) -> str:
    words = plain(text)
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut[limit // 2:]:  # end on a word boundary when that keeps most of the text
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def excerpt(text: Any) -> str:
    return shorten(text, EXCERPT_CHARS).replace('"', "'")  # our own double quotes delimit it


def said(text: Any) -> str:
    """': "excerpt"' to append after a mention of a post, or nothing when the post has no text."""
    quote = excerpt(text)
    return f': "{quote}"' if quote else ""


def number(value: Any) -> float | None:
    if is_missing(value):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) or math.isinf(result) else result


def timestamp(value: Any) -> datetime | None:
    """A naive UTC datetime, or None."""
    if type(value) is datetime and value.tzinfo is None:  # as DuckDB gives it: nothing to convert
        return value
    if is_missing(value):
        return None
    try:
        moment = pd.Timestamp(value)
    except (TypeError, ValueError):
        return None
    if moment is pd.NaT:
        return None
    if moment.tzinfo is not None:
        moment = moment.tz_convert("UTC").tz_localize(None)
    return moment.to_pydatetime()


def money(value: float, currency: Any = None) -> str:
    """An amount as said to a customer: its size (a refund is not negative money) and its currency."""
    return in_currency(abs(value), currency)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def ago(days: int) -> str:
    return {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")


def joined(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
