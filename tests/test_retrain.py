"""Corrections → retrain → the company's model reads those posts, and like ones it never saw, as staff did."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import pytest

from connectors.loader import load_file
from models import classify, corrections
from models.__main__ import main
from models.build import build, refresh
from models.classifier.retrain import new_corrections, retrain_after
from models.classifier.train import SHIPPED_MODEL
from models.company import COMPANY_FILE, CompanyError
from tests.conftest import rows
from tests.model_fixtures import write_jsonl

NOW = datetime(2026, 3, 1, 12, 0)
# the company's customers praise a product by saying it "slaps"; the shipped model, which never met the word in
# that sense (nor the product names, which read as any product), reads none of these as praise and most as an angry
# complaint (checked below, before anything is corrected)
CORRECTED = ["this stove slaps, boiled in three minutes", "these gaiters slap", "that fleece slaps",
             "the trekking poles slap hard", "this jacket slaps", "this headtorch slaps", "this mat slaps",
             "that backpack slaps", "this bivvy slaps", "these gloves slap", "the new pack slaps",
             "my new rucksack slaps so hard"]
# never corrected, never trained on: read after the retrain
HELD_APART = ["this tent slaps", "the lantern slaps", "that kettle slaps", "this cooker slaps"]


@pytest.fixture
def company_store(con, db_file, tmp_path, monkeypatch):
    """A store of the posts above beside which the company's model is written; retrained after 10 corrections.
    Afterwards the process reads the shipped model again."""
    monkeypatch.setenv("RAPPORT_DB", str(db_file))
    monkeypatch.delenv("RAPPORT_CLASSIFIER_MODEL", raising=False)
    company = tmp_path / "company.toml"
    company.write_text(COMPANY_FILE.read_text().replace("retrain_after = 50", "retrain_after = 10"))
    monkeypatch.setenv("RAPPORT_COMPANY_FILE", str(company))
    posts = [{"post_id": f"P{n}", "posted_at": (NOW - timedelta(hours=n + 1)).isoformat(), "network": "twitter",
              "handle": f"hiker{n}", "text": text} for n, text in enumerate(CORRECTED + HELD_APART)]
    load_file(con, "social_posts", write_jsonl(tmp_path / "posts.jsonl", posts), source="social")
    build(con, NOW)
    yield con
    monkeypatch.undo()
    classify.reload_model()


def readings(con, texts: list[str]) -> list[tuple]:
    return rows(con, """select i.intent, t.sentiment > 0.05
                        from customer_timeline t join post_intents i using (event_id)
                        where t.body in (select unnest(?)) order by t.body""", [texts])


def test_corrections_retrain_the_company_model_which_reads_like_posts_as_corrected(company_store, db_file, capsys,
                                                                                   monkeypatch):
    con = company_store
    shipped = hashlib.sha256(SHIPPED_MODEL.read_bytes()).hexdigest()
    assert retrain_after() == 10
    # the shipped model's misreading: none of them praise, none positive (most read as complaints)
    assert not {intent for intent, _ in readings(con, CORRECTED + HELD_APART)} & {"praise"}
    assert not any(positive for _, positive in readings(con, CORRECTED + HELD_APART))

    keys = [r[0] for r in rows(con, "select record_key from stg_social_posts where text in (select unnest(?)) "
                                    "order by record_key", [CORRECTED])]
    labels = {"intent": "praise", "sentiment": "positive", "urgency": "low"}  # what a person who knows the word gives
    # a field the model already read as the person would needs no correction
    wrong = sum(corrections.model_reading(con, key)[field] != value for key in keys for field, value in labels.items())
    assert wrong > 2 * len(keys)  # intent and sentiment of every post at least
    for key in keys:
        for field, value in labels.items():
            corrections.correct(con, key, field, value, "kim@corp")
    assert new_corrections(con) == wrong

    done = refresh(con, NOW + timedelta(minutes=5))  # >= 10 new corrections: retrain, then build it all again

    assert done.report.touched is None  # a full build: every post is read by the new model
    company = db_file.parent / "classifier.joblib"
    assert classify.model_path() == company and "model-" + classify.current_model()[1] == classify.RULES_VERSION
    trained = classify.current_model()[0].trained_on
    assert trained["corrections"] == 12 and trained["corrections_through"] == wrong
    assert rows(con, "select model_version, corrections, corrections_through from classifier_trainings") == [
        (classify.RULES_VERSION, 12, wrong)]
    # the model itself (not the corrections laid over it) now reads the corrected posts and the held-apart ones so
    read = classify.classify_many(CORRECTED + HELD_APART)
    assert {(c.intent, c.sentiment > 0.05, c.urgency) for c in read} == {("praise", True, "low")}
    assert set(readings(con, HELD_APART)) == {("praise", True)}  # and the store's build did too
    assert new_corrections(con) == 0 and refresh(con, NOW + timedelta(minutes=6)).report is None
    # the shipped model is as it was
    assert hashlib.sha256(SHIPPED_MODEL.read_bytes()).hexdigest() == shipped
    # the same corrections give a model that reads alike, by the command line too (which writes the company's model;
    # --out: elsewhere, and nothing rebuilt). Its bytes are the same as a rule, but differed once in a run on a
    # machine under heavy load (cause not found): what the store depends on, the readings, is what is checked
    again = db_file.parent / "again.joblib"
    assert main(["train-classifier", "--company", "--out", str(again)]) == 0
    said = capsys.readouterr().out
    assert re.fullmatch(rf"wrote {re.escape(str(again))} \(model [0-9a-f]{{12}}, 12 corrected posts\)", said.strip())
    texts = CORRECTED + HELD_APART
    by_company = [(c.intent, c.urgency, round(c.sentiment, 6)) for c in classify.classify_many(texts)]
    monkeypatch.setenv("RAPPORT_CLASSIFIER_MODEL", str(again))
    classify.reload_model()
    assert [(c.intent, c.urgency, round(c.sentiment, 6)) for c in classify.classify_many(texts)] == by_company


def test_retrain_after_must_be_a_whole_number_from_one(tmp_path):
    company = tmp_path / "company.toml"
    for bad in ("0", "-5", '"ten"', "2.5", "true"):
        company.write_text(f'name = "X"\n[classifier]\nretrain_after = {bad}\n')
        with pytest.raises(CompanyError, match="retrain_after must be a whole number"):
            retrain_after(company)
    company.write_text('name = "X"\n')
    assert retrain_after(company) == 50
