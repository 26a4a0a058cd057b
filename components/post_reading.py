"""The classifier's reading of an inbox post — intent, urgency, sentiment — one click per value to correct it: a
person's value shows as "corrected by <who> <when>" in place of the model's, and can be undone (Undo, or a click on
the model's own value)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from models.classifier.train import LABELS
from models.operations import OperationError
from models.sentiment import label as sentiment_label
from queries import actions, inbox
from queries.access import Viewer

FIELDS = {"intent": "Intent", "urgency": "Urgency", "sentiment": "Sentiment"}


def post_reading(post: pd.Series, viewer: Viewer, saved: Callable[[str], None]) -> None:
    """Each field's value as the post shows it; for a role that works the inbox, a segmented control to change it."""
    key = post["post_key"]
    corrected = inbox.post_corrections(viewer, key)
    sentiment = None if pd.isna(post["sentiment"]) else sentiment_label(float(post["sentiment"]))
    shown = {"intent": post["intent"], "urgency": post["urgency"], "sentiment": sentiment}
    shown.update({field: c["value"] for field, c in corrected.items()})
    for column, field in zip(st.columns(len(FIELDS)), FIELDS, strict=True):
        with column:
            if viewer.may("work_inbox"):
                correction_control(key, field, shown[field], viewer, saved)
            else:
                st.text(f"{FIELDS[field]}: {(shown[field] or 'not read yet').capitalize()}")
            said_by(key, field, corrected.get(field), viewer, saved)


def correction_control(key: str, field: str, current: str | None, viewer: Viewer,
                       saved: Callable[[str], None]) -> None:
    """One click on another value corrects the field (its widget is keyed by the value shown, so a saved change
    draws afresh, and a value meant for one post never lands on another)."""
    widget = f"inbox-read-{field}-{key}-{current}"
    choice = st.segmented_control(FIELDS[field], list(LABELS[field]), default=current, format_func=str.capitalize,
                                  key=widget, on_change=keep_a_value, args=(widget, current))
    if not choice or choice == current:
        return
    try:
        done = actions.correct_post(viewer, key, field, choice)
    except OperationError as error:
        st.error(str(error))
        return
    if done is not None:  # None: the store shows this value already; nothing to say, nothing to redraw
        saved(f"{FIELDS[field]} back to the model's reading: {choice}." if done.undone
              else f"{FIELDS[field]} corrected to {choice}.")


def keep_a_value(widget: str, current: str | None) -> None:
    """A click on the value already chosen would leave none chosen: keep it chosen."""
    if st.session_state.get(widget) is None:
        st.session_state[widget] = current


def said_by(key: str, field: str, correction: dict | None, viewer: Viewer, saved: Callable[[str], None]) -> None:
    """Who corrected the field and when, what the model read, and Undo; or that the value is the model's."""
    if correction is None:
        st.caption("The model's reading.")
        return
    # plain text: the name is whoever signed in
    st.text(f"Corrected by {correction['by']} {correction['at']:%Y-%m-%d %H:%M} UTC "
            f"(the model read {correction['model_value'] or 'nothing'}).")
    if viewer.may("work_inbox") and st.button("Undo", icon=":material/undo:", key=f"inbox-undo-{field}-{key}"):
        try:
            done = actions.undo_correction(viewer, key, field)
        except OperationError as error:
            st.error(str(error))
            return
        if done is not None:
            saved(f"{FIELDS[field]} back to the model's reading: {done.value}.")
