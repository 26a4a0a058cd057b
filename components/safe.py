"""Showing untrusted text (names, posts, ticket bodies) safely: plain-text elements only, neutralised exports."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import streamlit as st

from models.exports import csv_bytes
from queries.access import Viewer
from queries.audit import record_export

NAME_STYLE = ("<style>.st-key-big-text [data-testid='stText'], .st-key-big-text p "
              "{font-size: 2rem; font-weight: 700; line-height: 1.25;}</style>")


def download_csv(frame: pd.DataFrame, file_name: str, viewer: Viewer, label: str = "Download CSV",
                 key: str | None = None, customer_id: int | None = None) -> None:
    """A CSV download of the frame (formula cells neutralised), made and audited only when clicked."""
    audited_download(label, lambda: csv_bytes(frame), file_name, "text/csv", viewer, len(frame), key=key,
                     customer_id=customer_id)


def audited_download(label: str, make: Callable[[], bytes | str], file_name: str, mime: str, viewer: Viewer,
                     rows: int, *, key: str | None = None, customer_id: int | None = None) -> None:
    """A download whose file does not exist until the person clicks: Streamlit would otherwise put it in its media
    store as the page draws, where it can be fetched without a click and without an audit entry. The click writes
    the audit entry first, then makes the file (on Streamlit's download thread, so no Streamlit calls in here)."""
    def made_on_click() -> bytes | str:
        record_export(viewer, file_name, rows, customer_id)
        return make()

    st.download_button(label, made_on_click, file_name=file_name, mime=mime, key=key, icon=":material/download:",
                       on_click="ignore")


def big_text(text: str) -> None:
    """A headline made of untrusted text: drawn by st.text (no Markdown, no HTML), enlarged with fixed CSS."""
    st.html(NAME_STYLE)
    with st.container(key="big-text"):
        st.text(text)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&])")


def markdown_escape(text: str) -> str:
    """Untrusted text for a Markdown *file*: every character Markdown or HTML could act on is escaped."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
