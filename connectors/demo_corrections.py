"""The demo team's corrections of the post classifier: where the model in use reads a post the team worked otherwise
than the generator wrote it, the team corrected a seeded share of those posts, as staff edits with their audit
entries. Without them the demo's only labels are posts the team closed, which agree with the model by construction,
and Model quality would show a perfect model.

An arrow up, kept on purpose: this module imports models.classify (which posts the model misreads can only be known
by running it, offline and deterministic) and models.classifier.retrain (the history stays under the company's
retrain threshold, so the demo shows the shipped model's errors rather than retraining on its first refresh)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd

from store import Connection, transaction

SHARE = 0.15  # of the worked posts the model misreads, those the team corrected: it corrects what it looks at twice

# the generator's labels of the posts the team worked (answered or closed), and the text the build will read them
# by, keyed as the inbox keys posts
WORKED_POSTS = """
    with files as (select unnest($files) as file, unnest($sources) as source),
    labels as (
        select 'social_posts:' || f.source || ':' || l.post_id as post_key, f.source, l.post_id,
               l.intent, l.sentiment
        from read_json($path, format = 'newline_delimited', columns = {
            file: 'varchar', post_id: 'varchar', intent: 'varchar', sentiment: 'varchar'}) l
        join files f using (file)
    ),
    texts as (
        select source, record_id as post_id, arg_max(text, _load_id) as text
        from raw_social_posts group by source, record_id
    )
    select l.post_key, l.intent, l.sentiment, t.text, s.updated_by,
           s.answered_at::timestamp as corrected_at
    from labels l
    join texts t using (source, post_id)
    join inbox_state s on s.post_key = l.post_key and s.status in ('answered', 'closed') and s.answered_at is not null
    order by l.post_key
"""


def load_corrections_history(con: Connection, labels: Path, sources: list[tuple[str, str]], seed: int) -> int:
    """Add the team's corrections of the posts it worked (`sources`: the export files of posts and their source
    names); a post that already has a correction keeps what it has. Returns the corrections added."""
    from models.classifier.retrain import retrain_after  # here: loading the demo is the only use

    worked = con.execute(WORKED_POSTS, {"path": str(labels), "files": [f for f, _ in sources],
                                        "sources": [s for _, s in sources]}).df()
    rows = corrections(worked, random.Random(f"{seed}-classifier-corrections"), retrain_after() // 2)
    # picked among all the worked posts, then the corrected ones left out: a second load adds nothing
    corrected = {key for (key,) in con.execute("select distinct post_key from classification_corrections").fetchall()}
    rows = rows[~rows["post_key"].isin(corrected)]
    if rows.empty:
        return 0
    with transaction(con):
        con.register("_corrections", rows)
        con.execute("""insert into classification_corrections
                       select nextval('correction_id_seq'), post_key, field, value, model_value, model_value,
                              corrected_at, corrected_by
                       from _corrections""")
        con.execute("""insert into audit_log
                       select nextval('audit_id_seq'), corrected_at, corrected_by, 'correct', 'post', post_key, details
                       from _corrections""")
        con.unregister("_corrections")
    return len(rows)


def corrections(worked: pd.DataFrame, rng: random.Random, most: int) -> pd.DataFrame:
    """The corrections of a seeded share of the misread posts, every misread field of each, `most` rows at most
    (the first posts in the seeded order that fit)."""
    misread = [(post, found) for post, found in zip(worked.itertuples(), misreadings(worked), strict=True) if found]
    picked = rng.sample(misread, round(SHARE * len(misread)))
    rows: list[dict] = []
    for post, found in picked:
        if len(rows) + len(found) > most:
            continue
        rows += [{"post_key": post.post_key, "field": field, "value": value, "model_value": model,
                  "corrected_at": post.corrected_at, "corrected_by": post.updated_by,
                  "details": json.dumps({"field": field, "value": value, "previous": model})}
                 for field, (value, model) in found.items()]
    columns = ["post_key", "field", "value", "model_value", "corrected_at", "corrected_by", "details"]
    # in the order they were made: the rows take their ids in the frame's order (a sort after nextval() would not)
    return pd.DataFrame(rows, columns=columns).sort_values(["corrected_at", "post_key", "field"], ignore_index=True)


def misreadings(worked: pd.DataFrame) -> list[dict[str, tuple[str, str]]]:
    """Per post, each field the model reads otherwise than it was written: {field: (written, model's reading)}."""
    from models.classify import classify_many  # here: the model is loaded only when the demo is
    read = classify_many(worked["text"].tolist())
    found = []
    for post, reading in zip(worked.itertuples(), read, strict=True):
        wrong = {}
        if reading.intent != post.intent:
            wrong["intent"] = (post.intent, str(reading.intent))
        feeling = band(reading.sentiment)
        if isinstance(post.sentiment, str) and feeling != post.sentiment:
            wrong["sentiment"] = (post.sentiment, feeling)
        found.append(wrong)
    return found


def band(score: float) -> str:
    """The model's sentiment class of a score, in the bands the build and the inbox read it by."""
    from models.classify import NEGATIVE_FROM, POSITIVE_FROM

    return "positive" if score >= POSITIVE_FROM else "negative" if score <= NEGATIVE_FROM else "neutral"
