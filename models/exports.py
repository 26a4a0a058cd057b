"""Frames written for people to take away: JSON whose lists stay lists and whose missing values are null, and CSV
that is safe to open in a spreadsheet (a text cell a spreadsheet would run as a formula stays text)."""

from __future__ import annotations

import base64
import io
import json
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd

# a spreadsheet runs a cell that starts with one of these as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Prefix a text cell that a spreadsheet would run as a formula with a quote, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def plain(value):
    """A cell as plain JSON data. DuckDB hands lists over as numpy arrays and structs as dicts (which may hold
    arrays); a missing value is None whichever of NaN, NaT, pd.NA or None it came as, and times are ISO text."""
    if isinstance(value, np.ndarray | list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, np.generic):  # numpy's own scalars: int64, float32, bool_, datetime64
        return plain(pd.Timestamp(value) if isinstance(value, np.datetime64) else value.item())
    if isinstance(value, float | Decimal):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):  # pd.Timestamp is a datetime
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def json_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as a UTF-8 JSON array of records: lists as JSON lists, structs as objects, missing as null."""
    records = [{str(column): plain(value) for column, value in zip(frame.columns, row, strict=True)}
               for row in frame.itertuples(index=False, name=None)]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


def csv_cell(value):
    """A CSV cell: lists and structs as JSON text, missing values as an empty cell, text neutralised."""
    if isinstance(value, np.ndarray | list | tuple | dict):
        return neutralise_cell(json.dumps(plain(value), ensure_ascii=False))
    return neutralise_cell(value)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with every text cell neutralised; lists and dicts are written as JSON first."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_cell)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")
