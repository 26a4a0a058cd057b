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


def download_csv(frame: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, viewer: Viewer,
                 label: str = "Download CSV", key: str | None = None, customer_id: int | None = None) -> None:
    """A CSV download of the frame (formula cells neutralised), made and audited only when clicked. Given a reader
    instead of a frame, the rows are read at the click: a set too large to read on every rerun (a drill-down's
    every row) costs nothing until someone asks for it."""
    read = frame if callable(frame) else (lambda: frame)

    def rows_and_file() -> tuple[int, bytes]:
        rows = read()
        return len(rows), csv_bytes(rows)

    audited_download(label, rows_and_file, file_name, "text/csv", viewer, key=key, customer_id=customer_id)


def audited_download(label: str, make: Callable[[], tuple[int, bytes | str]], file_name: str, mime: str,
                     viewer: Viewer, *, key: str | None = None, customer_id: int | None = None) -> None:
    """A download whose file does not exist until the person clicks: Streamlit would otherwise put it in its media
    store as the page draws, where it can be fetched without a click and without an audit entry. At the click
    `make` gives the file and how many rows it holds; the audit entry is written before the file is handed over
    (on Streamlit's download thread, so no Streamlit calls in here)."""
    def made_on_click() -> bytes | str:
        rows, made = make()
        record_export(viewer, file_name, rows, customer_id)
        return made

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
