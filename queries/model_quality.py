"""Model quality: how the post classifier in use reads the posts people have labelled — per-class precision and
recall and the confusion matrix of intent, urgency and sentiment.

A label is a correction (the value a person gave a post), or a post a person marked answered or closed in the
social inbox: what the inbox showed for the fields nobody corrected counts as confirmed. Corrections the model in
use was trained on are left out (it learnt them: measuring on them would flatter it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from models.classifier.train import LABELS
from queries.access import Viewer
from queries.connection import cursor
from store import Connection

FIELDS = ("intent", "urgency", "sentiment")
MIN_LABELS = 20  # per field: fewer say too little about any class to be shown as figures

# one row per labelled post and field: the model's reading and the label
LABELLED = """
    with model as (
        select max(version) as version from sentiment_scorer
    ),
    trained as (
        -- the newest correction the model in use learnt from (none: the shipped model)
        select coalesce(max(t.corrections_through), 0) as through
        from classifier_trainings t where t.model_version = (select version from model)
    ),
    worked as (
        select post_key from inbox_state where status in ('answered', 'closed')
    ),
    posts as (
        select post_key from current_corrections union select post_key from worked
    ),
    readings as (
        select x.post_key, c.intent, c.urgency,
               case when s.compound >= 0.05 then 'positive' when s.compound <= -0.05 then 'negative'
                    when s.compound is not null then 'neutral' end as sentiment
        from posts x
        inner join customer_timeline t
            on t.kind = 'social_post' and t.event_id = 'post:' || substr(x.post_key, length('social_posts:') + 1)
        left join post_classifications c
            on c.text_hash = md5(coalesce(t.body, '')) and c.rules_version = (select version from model)
        left join sentiment_scores s on s.text_hash = md5(t.body)
    ),
    fields as (
        select r.post_key, f.field,
               case f.field when 'intent' then r.intent when 'urgency' then r.urgency else r.sentiment end as predicted
        from readings r cross join (values ('intent'), ('urgency'), ('sentiment')) as f(field)
    )
    select f.field, coalesce(c.value, f.predicted) as label, f.predicted, c.value is not null as corrected
    from fields f
    left join current_corrections c on c.post_key = f.post_key and c.field = f.field
    where f.predicted is not null
      and (c.value is not null and c.correction_id > (select through from trained)
           or c.value is null and f.post_key in (select post_key from worked))
"""


@dataclass(frozen=True)
class FieldQuality:
    """One field's figures: the labels they rest on, per class, and the confusion matrix (labels by readings)."""

    field: str
    labels: int
    corrected: int
    accuracy: float
    per_class: pd.DataFrame  # class, labelled, read_as, precision, recall (NaN where there is nothing to divide)
    confusion: pd.DataFrame  # rows: the label; columns: the model's reading; counts

    @property
    def enough(self) -> bool:
        return self.labels >= MIN_LABELS


def model_quality(viewer: Viewer, con: Connection | None = None) -> dict[str, FieldQuality]:
    """Per field, how the classifier in use reads the labelled posts."""
    viewer.require_page("data_sources")
    found = cursor(con).execute(LABELLED).df()
    return {field: field_quality(field, found[found["field"] == field]) for field in FIELDS}


def field_quality(field: str, labelled: pd.DataFrame) -> FieldQuality:
    classes = list(LABELS[field])
    # counted in Python: pd.crosstab over categoricals cost ~15 ms a field on every rerun of the Data sources page
    counts = Counter(zip(labelled["label"], labelled["predicted"], strict=True))
    confusion = pd.DataFrame([[counts.get((label, read), 0) for read in classes] for label in classes],
                             index=classes, columns=classes, dtype="int64")
    hits = pd.Series([confusion.loc[c, c] for c in classes], index=classes)
    labelled_as, read_as = confusion.sum(axis=1), confusion.sum(axis=0)
    per_class = pd.DataFrame({"class": classes, "labelled": labelled_as.values, "read_as": read_as.values,
                              "precision": (hits / read_as.where(read_as > 0)).values,
                              "recall": (hits / labelled_as.where(labelled_as > 0)).values})
    total = len(labelled)
    return FieldQuality(field, total, int(labelled["corrected"].sum()), float(hits.sum() / total) if total else 0.0,
                        per_class, confusion)
