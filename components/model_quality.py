"""Model quality on the Data sources page: per-class precision and recall of the post classifier on the posts people
labelled, the confusion matrix, the labels it rests on — or that there are not enough yet."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.tables import data_table
from queries.model_quality import MIN_LABELS, FieldQuality

FIELDS = {"intent": "Intent", "urgency": "Urgency", "sentiment": "Sentiment"}
CAPTION = ("How the post classifier in use reads the posts people have labelled in the social inbox. A label is a "
           "correction (the value a person gave a post), or a post a person marked answered or closed: what the "
           "inbox showed for the fields nobody corrected counts as confirmed. Corrections the model in use was "
           "retrained on are left out: it learnt them. Precision: of the posts the model read as a class, the "
           "share people agree with; recall: of the posts people put in a class, the share the model read so.")


def model_quality_section(quality: dict[str, FieldQuality]) -> None:
    st.header("Model quality")
    st.caption(CAPTION)
    for tab, field in zip(st.tabs(list(FIELDS.values())), FIELDS, strict=True):
        with tab:
            field_figures(quality[field])


def field_figures(found: FieldQuality) -> None:
    name = FIELDS[found.field].lower()
    if not found.enough:
        st.info(f"Not enough labels yet to measure the {name}: {found.labels} of the {MIN_LABELS} needed. Correct "
                "posts in the social inbox, or mark them answered or closed there.", icon=":material/hourglass:")
        return
    left, middle, right = st.columns(3)
    left.metric("Labels", f"{found.labels:,}")
    middle.metric("Of them corrections", f"{found.corrected:,}")
    right.metric("Read as people did", f"{found.accuracy:.0%}")
    data_table(per_class_table(found.per_class))
    st.caption(f"Confusion matrix: each row is the {name} people gave, each column the model's reading; the "
               "diagonal is where they agree.")
    data_table(confusion_table(found.confusion))


def per_class_table(per_class: pd.DataFrame) -> pd.DataFrame:
    """The per-class figures in words: a ratio nothing can be divided by says why, instead of a blank."""
    return pd.DataFrame({
        "Class": per_class["class"].str.capitalize(),
        "Labelled so": per_class["labelled"].astype(int),
        "Read so by the model": per_class["read_as"].astype(int),
        "Precision": [f"{v:.2f}" if pd.notna(v) else "no post read so" for v in per_class["precision"]],
        "Recall": [f"{v:.2f}" if pd.notna(v) else "no post labelled so" for v in per_class["recall"]],
    })


def confusion_table(confusion: pd.DataFrame) -> pd.DataFrame:
    table = pd.DataFrame({"People said": [str(c).capitalize() for c in confusion.index]})
    for column in confusion.columns:
        table[f"Model read {str(column).lower()}"] = confusion[column].astype(int).values
    return table
