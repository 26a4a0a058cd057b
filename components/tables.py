"""Data grids as a person reads them: a human label on every column, one date format on every page, and an empty
cell (not "None") where a value is missing."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

DATE_TIME = "YYYY-MM-DD HH:mm"  # every date and time a grid shows, on every page
DATE = "YYYY-MM-DD"  # a day, where the time of day means nothing (first and last asked)

# the columns the query layer returns under their SQL names, as a person calls them
LABELS = {
    "customer_id": "Customer", "display_name": "Name", "is_prospect": "Prospect", "posted_at": "Posted",
    "occurred_at": "When", "opened_at": "Opened", "created_at": "Created", "created_by": "By",
    "happened_at": "When", "kind": "Kind", "link_method": "Linked by", "source": "Source", "source_id": "Record",
    "record_key": "Record", "records": "Records", "customers": "Customers", "network": "Network",
    "channel": "Channel", "text": "Text", "body": "Text", "title": "Title", "status": "Status", "team": "Team",
    "reason": "Reason", "rejected_at": "Refused at", "raw_record": "Original row", "load_id": "Load",
    "row_number": "Row", "erased_at": "Erased", "erased_by": "Erased by", "sentiment": "Sentiment", "url": "Link",
    "note_id": "Note", "evidence": "Why",
}


def human_label(column: str) -> str:
    """LABELS' name for a column, else its SQL name in words ("first_response_minutes" → "First response
    minutes")."""
    return LABELS.get(column) or column.replace("_", " ").strip().capitalize()


def column_labels(frame: pd.DataFrame, given: dict[str, Any] | None = None) -> dict[str, Any]:
    """st.dataframe's column_config: the page's own entries, and for each other column a human label (a date and
    time column in DATE_TIME)."""
    config: dict[str, Any] = {}
    for column in frame.columns:
        label = human_label(str(column))
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            config[column] = st.column_config.DatetimeColumn(label, format=DATE_TIME)
        else:
            config[column] = label
    return {**config, **(given or {})}


# the grid's moment.js-style date formats as strftime's, for dates written as text
STRFTIME = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


def blank_missing(frame: pd.DataFrame, config: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The frame and its column_config with every missing value as empty text: the grid draws a missing value as
    "None", whatever the column's type. A number or date column with a gap is written as text in its format."""
    shown, config = frame.copy(), dict(config)
    for column in frame.columns:
        missing = frame[column].isna()
        if not missing.any() or (column in config and config[column] is None):
            continue
        entry = config.get(column)
        written = as_text(frame[column], type_config(entry).get("format"))
        shown[column] = written.astype(object).where(~missing, "")
        if type_config(entry).get("type") in ("number", "datetime", "progress"):
            config[column] = st.column_config.TextColumn(entry.get("label"), width=entry.get("width"),
                                                         help=entry.get("help"))
    return shown, config


def as_text(values: pd.Series, form: str | None) -> pd.Series:
    """A column's values as the grid would show them in its format (a date, a number, or text as it is)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime(strftime(form or DATE_TIME))
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return pd.Series([number_text(value, form) for value in values], index=values.index, dtype=object)
    return values.astype(object)


def type_config(entry: Any) -> dict[str, Any]:
    return (entry.get("type_config") or {}) if isinstance(entry, dict) else {}


def strftime(moment_format: str) -> str:
    for moment, python in STRFTIME.items():
        moment_format = moment_format.replace(moment, python)
    return moment_format


def number_text(value: Any, printf: str | None) -> str:
    """A number as its column shows it (a printf format such as "%.2f"), or plainly."""
    if pd.isna(value):
        return ""
    if printf and printf.startswith("%"):
        return printf % value
    return str(int(value)) if float(value).is_integer() else f"{value:,.2f}"


def data_table(frame: pd.DataFrame, column_config: dict[str, Any] | None = None, **options) -> Any:
    """st.dataframe over the frame (no index, full width) with every column labelled and missing values blank;
    `options` go to st.dataframe (key, on_select, selection_mode…), and its return value comes back."""
    shown, config = blank_missing(frame, column_labels(frame, column_config))
    return st.dataframe(shown, column_config=config, hide_index=True, width="stretch", **options)
