"""Showing untrusted text (names, posts, ticket bodies) safely: plain-text elements only, neutralised exports."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from models.exports import csv_bytes
from queries.access import Viewer
from queries.audit import record_export

NAME_STYLE = ("<style>.st-key-big-text [data-testid='stText'], .st-key-big-text p "
              "{font-size: 2rem; font-weight: 700; line-height: 1.25;}</style>")


def download_csv(frame: pd.DataFrame, file_name: str, viewer: Viewer, label: str = "Download CSV",
                 key: str | None = None, customer_id: int | None = None) -> None:
    """A CSV download of the frame (formula cells neutralised); a click is recorded in the view audit."""
    st.download_button(label, csv_bytes(frame), file_name=file_name, mime="text/csv", key=key,
                       icon=":material/download:", on_click=record_export,
                       args=(viewer, file_name, len(frame), customer_id))


def big_text(text: str) -> None:
    """A headline made of untrusted text: drawn by st.text (no Markdown, no HTML), enlarged with fixed CSS."""
    st.html(NAME_STYLE)
    with st.container(key="big-text"):
        st.text(text)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")


def markdown_escape(text: str) -> str:
    """Untrusted text for a Markdown *file*: every character Markdown or HTML could act on is escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
