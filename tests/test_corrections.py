"""Staff corrections of the post classifier: audited, followed by the inbox at once, applied by every build."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

import store
from connectors.loader import load_file
from models import corrections
from models.build import build, refresh
from models.operations import OperationError
from tests.conftest import DEMO_AS_OF, rows
from tests.model_fixtures import NOW, load_world, write_jsonl

TOM = "social_posts:social:S2"  # "Is the Alpine stove any good?": a question, neutral, normal
ANA = "social_posts:social:S1"  # "Love my new tent, best purchase ever!": praise, positive, low


@pytest.fixture
def world(con, tmp_path):
    load_world(con, tmp_path)
    build(con, NOW)
    return con


def inbox_row(con, post_key: str) -> tuple:
    return rows(con, "select intent, urgency, team from social_inbox where post_key = ?", [post_key])[0]


def test_a_correction_is_audited_and_the_inbox_row_follows_at_once(world):
    assert corrections.model_reading(world, TOM) == {"intent": "question", "urgency": "normal",
                                                     "sentiment": "neutral"}
    assert inbox_row(world, TOM) == ("question", "normal", "sales")

    done = corrections.correct(world, TOM, "intent", "complaint", "kim@corp")

    assert done == corrections.Correction("intent", "complaint", undone=False)
    # routed again with the corrected intent (config/routing.toml sends complaints to support), before any build
    assert inbox_row(world, TOM) == ("complaint", "normal", "support")
    assert rows(world, "select post_key, field, value, previous_value, model_value, corrected_by "
                       "from classification_corrections") == [(TOM, "intent", "complaint", "question", "question",
                                                               "kim@corp")]
    assert rows(world, "select actor, action, object_id, details from audit_log") == [
        ("kim@corp", "correct", TOM, '{"field": "intent", "value": "complaint", "previous": "question"}')]
    # the same value again writes nothing
    assert corrections.correct(world, TOM, "intent", "complaint", "kim@corp") is None
    assert rows(world, "select count(*) from audit_log") == [(1,)]


def test_picking_the_models_reading_again_undoes_the_correction(world):
    corrections.correct(world, TOM, "urgency", "high", "kim@corp")
    assert inbox_row(world, TOM)[1] == "high"
    assert corrections.undo(world, TOM, "urgency", "lee@corp") == corrections.Correction("urgency", "normal", True)
    assert inbox_row(world, TOM) == ("question", "normal", "sales")
    assert rows(world, "select count(*) from current_corrections") == [(0,)]
    assert rows(world, "select action, actor from audit_log order by audit_id") == [
        ("correct", "kim@corp"), ("undo_correction", "lee@corp")]
    assert corrections.undo(world, TOM, "urgency", "lee@corp") is None  # nothing left to undo


def test_a_correction_that_cannot_be_made_says_why_and_writes_nothing(world):
    for field, value, actor, said in (("intent", "rant", "kim@corp", "not a intent"),
                                      ("team", "billing", "kim@corp", "cannot be corrected"),
                                      ("intent", "idea", " ", "needs the name")):
        with pytest.raises(OperationError, match=said):
            corrections.correct(world, TOM, field, value, actor)
    with pytest.raises(OperationError, match="not in the store"):
        corrections.correct(world, "social_posts:social:nope", "intent", "idea", "kim@corp")
    assert rows(world, "select (select count(*) from classification_corrections), "
                       "(select count(*) from audit_log)") == [(0, 0)]


def test_a_correction_survives_full_and_incremental_builds(world, tmp_path):
    corrections.correct(world, ANA, "sentiment", "negative", "kim@corp")
    corrections.correct(world, ANA, "intent", "complaint", "kim@corp")
    assert corrections.pending(world)

    def readings() -> list[tuple]:
        # the timeline, the inbox's intents and row, the profile, and the posts leadership charts read
        return rows(world, """select t.sentiment, i.intent, s.intent, p.sentiment_overall < 0, f.sentiment
                              from customer_timeline t join post_intents i using (event_id)
                              join social_inbox s using (event_id) join post_facts f using (event_id)
                              join customer_profiles p on p.customer_id = t.customer_id
                              where t.event_id = 'post:social:S1'""")

    done = refresh(world, NOW + timedelta(minutes=5), retrain=False)  # the corrections alone make a refresh build
    assert done.report is not None and done.report.touched is not None  # incremental, the identity left as it is
    assert readings() == [(-0.5, "complaint", "complaint", True, -0.5)]
    assert not corrections.pending(world)
    assert refresh(world, NOW + timedelta(minutes=6), retrain=False).report is None  # nothing new: no build

    build(world, NOW + timedelta(hours=1))  # full
    assert readings() == [(-0.5, "complaint", "complaint", True, -0.5)]
    load_file(world, "social_posts", write_jsonl(tmp_path / "more.jsonl", [
        {"post_id": "S9", "posted_at": "2026-03-01T13:00:00", "network": "instagram", "handle": "ana.hikes",
         "text": "Where is my order?"}]), source="social")
    assert refresh(world, NOW + timedelta(hours=2), retrain=False).report.touched is not None  # after a load
    assert readings() == [(-0.5, "complaint", "complaint", True, -0.5)]

    corrections.undo(world, ANA, "sentiment", "kim@corp")
    refresh(world, NOW + timedelta(hours=3), retrain=False)
    assert readings()[0][0] > 0.05  # the model's positive reading again


def test_on_the_demo_an_incremental_build_after_corrections_rebuilds_only_their_authors(demo_store, tmp_path):
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, path)
    con = store.connect(path)
    try:
        post_key, customer_id, urgency = rows(con, "select post_key, customer_id, urgency from social_inbox "
                                                   "where urgency <> 'high' order by post_key limit 1")[0]
        before = rows(con, "select count(*) from social_inbox")[0][0]
        corrections.correct(con, post_key, "urgency", "high", "kim@corp")
        corrections.correct(con, post_key, "sentiment", "positive", "kim@corp")
        done = refresh(con, DEMO_AS_OF + timedelta(minutes=10), retrain=False)
        assert done.report.touched == 1
        assert rows(con, "select urgency, sentiment from social_inbox where post_key = ?", [post_key]) == [
            ("high", 0.5)]
        assert rows(con, "select count(*) from social_inbox")[0][0] == before
        # the profile's figures come from the corrected timeline
        assert rows(con, """select count(*) from customer_timeline
                            where customer_id = ? and kind = 'social_post' and sentiment = 0.5""",
                    [customer_id]) == [(1,)]
    finally:
        con.close()


def test_the_inbox_row_shows_a_corrected_sentiment_and_its_undo_at_once(world):
    def sentiment() -> float:
        return rows(world, "select sentiment from social_inbox where post_key = ?", [ANA])[0][0]

    model = sentiment()
    assert model > 0.05
    corrections.correct(world, ANA, "sentiment", "neutral", "kim@corp")
    assert sentiment() == 0.0
    corrections.undo(world, ANA, "sentiment", "kim@corp")
    assert sentiment() == model
