"""The demo team's corrections of the post classifier: each one fixes a real misreading of the shipped model to what
the generator wrote the post to be, they flow through the build, Model quality shows the model's errors, and the
same seed gives the same corrections. A regression check on our own generator, not a measure of the model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

import store
from connectors.demo import load_demo, post_sources
from connectors.demo_corrections import load_corrections_history
from models.classifier.retrain import new_corrections, retrain_after
from models.corrections import model_reading
from queries.model_quality import model_quality
from tests.viewers import ADMIN

CORRECTIONS = """select correction_id, post_key, field, value, previous_value, model_value, corrected_at, corrected_by
                 from classification_corrections order by correction_id"""


@pytest.fixture(scope="module")
def demo(demo_store):
    con = store.connect(demo_store, read_only=True)
    yield con, demo_store.parent / "files"
    con.close()


def intended(files: Path) -> dict[str, dict[str, str | None]]:
    """The generator's labels of each post, keyed as the inbox keys posts."""
    source = dict(post_sources())
    lines = (files / "post_labels.jsonl").read_text(encoding="utf-8").splitlines()
    return {f"social_posts:{source[row['file']]}:{row['post_id']}": row for row in map(json.loads, lines)}


def test_the_demo_team_corrected_some_posts_the_model_misreads_to_what_they_were_written_as(demo):
    con, files = demo
    found = con.execute(CORRECTIONS).df()
    labels = intended(files)
    assert 3 <= len(found) <= retrain_after() // 2
    for row in found.itertuples():
        reading = model_reading(con, row.post_key)  # the built store's reading, read as the inbox reads it
        assert reading[row.field] == row.model_value == row.previous_value != row.value
        assert labels[row.post_key][row.field] == row.value
    # made by the people who worked those posts, each with the audit entry a correction by hand leaves
    worked_by = dict(con.execute("select post_key, updated_by from inbox_state").fetchall())
    assert all(worked_by[row.post_key] == row.corrected_by for row in found.itertuples())
    audited = con.execute("""select object_id, actor, happened_at, details from audit_log
                             where action = 'correct' order by audit_id""").fetchall()
    assert [(key, actor, at, json.loads(details)) for key, actor, at, details in audited] == [
        (r.post_key, r.corrected_by, r.corrected_at, {"field": r.field, "value": r.value, "previous": r.model_value})
        for r in found.itertuples()]
    assert found["corrected_at"].is_monotonic_increasing


def test_the_corrections_flow_through_the_build(demo):
    con, _ = demo
    corrected = con.execute("""select c.value, i.intent from current_corrections c
                               join post_intents i on i.event_id = 'post:' || substr(c.post_key, 14)
                               where c.field = 'intent'""").fetchall()
    assert corrected and all(value == shown for value, shown in corrected)


def test_model_quality_on_the_demo_shows_the_models_errors_and_counts_the_corrections(demo):
    con, _ = demo
    quality = model_quality(ADMIN, con)
    in_force = dict(con.execute("select field, count(*) from current_corrections group by field").fetchall())
    assert {field: q.corrected for field, q in quality.items() if q.corrected} == in_force
    intent = quality["intent"]
    assert intent.enough and intent.accuracy < 1.0
    figures = pd.concat([intent.per_class["precision"], intent.per_class["recall"]]).dropna()
    assert (figures < 1.0).any()


def test_the_same_seed_gives_the_same_corrections_and_a_second_load_adds_none(tmp_path):
    found = []
    for name in ("one", "two"):
        con = store.connect(tmp_path / f"{name}.duckdb")
        load_demo(con, tmp_path / name, as_of=date(2026, 11, 1), customers=300)
        found.append(con.execute(CORRECTIONS).fetchall())
        if name == "two":
            assert load_corrections_history(con, tmp_path / name / "post_labels.jsonl", post_sources(), 7) == 0
            assert con.execute(CORRECTIONS).fetchall() == found[-1]
            # the history stays under the retrain threshold: the demo shows the shipped model's errors
            assert new_corrections(con) < retrain_after()
        con.close()
    assert found[0] and found[0] == found[1]
