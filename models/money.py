"""Amounts of money as people read them: always with their currency, and never two currencies added together."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

# the symbols people read without doubt; any other currency is written with its ISO code after the amount
SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥", "INR": "₹"}


def money(amount: Any, currency: Any) -> str:
    """'£1,234.50', '€19,241.60', '1,000.00 CHF'; a negative amount keeps its sign; a missing amount is '—'.
    An amount whose currency the data does not say is written without one (there is none to invent)."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "—"
    value = float(amount)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.2f}"
    code = str(currency).strip().upper() if isinstance(currency, str) else ""
    if code in SYMBOLS:
        return f"{sign}{SYMBOLS[code]}{digits}"
    return f"{sign}{digits} {code}".rstrip()


def sums(values: Iterable[Mapping[str, Any]] | None, empty: str = "—") -> str:
    """Sums in several currencies ([{'currency': 'GBP', 'amount': 120}, ...]) side by side: '£120.00 + €30.00'."""
    listed = values if isinstance(values, list | tuple) or hasattr(values, "tolist") else []  # a missing list: NaN
    shown = [money(v.get("amount"), v.get("currency")) for v in listed if v.get("amount") is not None]
    return " + ".join(shown) or empty
