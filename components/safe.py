"""Showing untrusted text (names, posts, ticket bodies) safely: plain-text elements only, neutralised exports."""

from __future__ import annotations

import io
import re

import pandas as pd
import streamlit as st

# a spreadsheet runs a cell that starts with one of these as a formula (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NAME_STYLE = ("<style>.st-key-big-text [data-testid='stText'], .st-key-big-text p "
              "{font-size: 2rem; font-weight: 700; line-height: 1.25;}</style>")


def neutralise_cell(value):
    """Prefix a text cell that a spreadsheet would run as a formula with a quote, so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with every text cell neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_cell)
    buffer = io.StringIO()
    safe.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def download_csv(frame: pd.DataFrame, file_name: str, label: str = "Download CSV", key: str | None = None) -> None:
    st.download_button(label, csv_bytes(frame), file_name=file_name, mime="text/csv", key=key,
                       icon=":material/download:")


def big_text(text: str) -> None:
    """A headline made of untrusted text: drawn by st.text (no Markdown, no HTML), enlarged with fixed CSS."""
    st.html(NAME_STYLE)
    with st.container(key="big-text"):
        st.text(text)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")


def markdown_escape(text: str) -> str:
    """Untrusted text for a Markdown *file*: every character Markdown or HTML could act on is escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
