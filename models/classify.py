"""Intent, urgency (with its reason) and sentiment of a social post from the learned classifier (models/classifier),
each explained by the words that weighed most for it. Nothing is downloaded: the model and its embeddings ship."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from models.classifier.features import clean
from models.classifier.train import LABELS, SHIPPED_MODEL, Model, load
from models.company import (
    BRAND_TOKEN,
    HANDLE_TOKEN,
    OTHER_HANDLE_TOKEN,
    PRODUCT_TOKEN,
    Company,
    current_company,
)
from store import db_path

INTENTS, SENTIMENTS, URGENCIES = LABELS["intent"], LABELS["sentiment"], LABELS["urgency"]
TOP_TERMS = 3
BATCH = 5_000
# a post is urgent from this probability on, not only when "high" is likeliest: a missed injury, fraud or deadline
# costs far more than a look at a post that could wait (on the dev brands, with the model fitted on the training
# brands: recall 0.90 and precision 0.61 from 0.25; 0.81 and 0.75 from 0.5)
HIGH_FROM = 0.25
MASKS = (BRAND_TOKEN, HANDLE_TOKEN.lstrip("@"), OTHER_HANDLE_TOKEN.lstrip("@"), PRODUCT_TOKEN)
# the model's sentiment as one score in VADER's range and bands (>= 0.05 positive, <= -0.05 negative), so every
# reader of a compound score (leadership, profiles, talking points) reads the model's class
POSITIVE_FROM, NEGATIVE_FROM, NEUTRAL_BAND = 0.05, -0.05, 0.04
FILLER = ENGLISH_STOP_WORDS | {"i've", "i'm", "i'd", "it's", "can't", "don't", "won't", "didn't", "you're", "that's"}


@dataclass(frozen=True)
class Classification:
    intent: str
    urgency: str
    sentiment: float  # -1..1: P(positive) - P(negative), held in the band of the predicted class
    explanation: str  # plain text: the terms that weighed most, the sentiment, the urgency and its reason
    urgency_reason: str = ""  # for high urgency: safety, fraud_account, deadline, public_escalation, vulnerability


def company_model_path() -> Path:
    """Where the company's own model is (RAPPORT_CLASSIFIER_MODEL, or `classifier.joblib` beside the store)."""
    if named := os.environ.get("RAPPORT_CLASSIFIER_MODEL"):
        return Path(named)
    return db_path().parent / "classifier.joblib"


def model_path() -> Path:
    """The company's own model if there is one (a file RAPPORT_CLASSIFIER_MODEL names must be there), else the
    shipped model."""
    company = company_model_path()
    return company if company.exists() or os.environ.get("RAPPORT_CLASSIFIER_MODEL") else SHIPPED_MODEL


@cache
def current_model() -> tuple[Model, str]:
    return load(model_path())


def __getattr__(name: str) -> str:
    """RULES_VERSION, the version callers cache classifications under (text hash, RULES_VERSION), worked out when
    first read: a process that only imports this module, as a Spark worker does to run the build's own classifier,
    never loads a model of its own (one its environment names may not even be there)."""
    if name != "RULES_VERSION":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    global RULES_VERSION
    RULES_VERSION = "model-" + current_model()[1]
    return RULES_VERSION


def reload_model() -> str:
    """Read the model file again (the company's was retrained): from now on posts are read by it, and cached
    under its version (readers take RULES_VERSION from this module when they run, never a copy of it)."""
    global RULES_VERSION
    current_model.cache_clear()
    RULES_VERSION = "model-" + current_model()[1]
    return RULES_VERSION


def classify(text: str, company: Company | None = None) -> Classification:
    """The classification of one post to `company` (by default the one in config/company.toml)."""
    return classify_many([text], company)[0]


def classify_many(texts: Iterable[str], company: Company | None = None,
                  model: Model | None = None) -> list[Classification]:
    """`classify` over many posts, in order, a batch at a time (a batch's dense features are BATCH x 264 floats).
    By default `company` and `model` are this process's; a Spark worker is handed the build's (another machine's
    files and environment are not the ones the build read)."""
    texts = list(texts)
    company = company or current_company()
    model = model or current_model()[0]
    return [found for start in range(0, len(texts), BATCH)
            for found in classify_batch(texts[start:start + BATCH], company, model)]


def classify_batch(texts: list[str], company: Company, model: Model) -> list[Classification]:
    """One pass of the model over a batch of posts."""
    cleaned = [clean(t, company) for t in texts]
    found = [i for i, t in enumerate(cleaned) if t.strip()]
    results = [Classification("other", "low", 0.0, "other: an empty post; sentiment +0.00; urgency low")] * len(texts)
    if found:
        x = model.features.transform([cleaned[i] for i in found])
        # each head once for every post: one call per post costs ~20x more
        probabilities = {name: model.heads[name].predict_proba(x) for name in LABELS}
        reasons = model.reasons.predict(x)
        for row, i in enumerate(found):
            chances = {name: dict(zip(model.heads[name].classes_, probabilities[name][row], strict=True))
                       for name in LABELS}
            results[i] = decide(model, x[row], chances, str(reasons[row]))
    return results


def sentiment_scores(texts: list[str], company: Company | None = None, model: Model | None = None) -> list[float]:
    """The model's sentiment of each text, as classify() gives it."""
    return [c.sentiment for c in classify_many(texts, company, model)]


def decide(model: Model, x, chances: dict[str, dict[str, float]], reason: str) -> Classification:
    """One post's labels from its class probabilities, with the explanation (`x`: its feature row)."""
    intent, feeling = (max(chances[name], key=chances[name].get) for name in ("intent", "sentiment"))
    urgency = "high" if chances["urgency"]["high"] >= HIGH_FROM else max(("normal", "low"),
                                                                         key=chances["urgency"].get)
    score = sentiment_score(chances["sentiment"], feeling)
    reason = reason if urgency == "high" else ""
    explanation = (f"{intent}: {because(model, 'intent', intent, x)} ({chances['intent'][intent]:.2f}); "
                   f"sentiment {score:+.2f} ({feeling}); urgency {urgency}")
    if urgency == "high":
        explanation += f": {reason.replace('_', ' ')}, {because(model, 'urgency', 'high', x)}"
    return Classification(intent, urgency, score, explanation, reason)


def sentiment_score(probabilities: dict[str, float], feeling: str) -> float:
    """P(positive) - P(negative), moved into the band of the predicted class where the two disagree."""
    score = probabilities["positive"] - probabilities["negative"]
    if feeling == "positive":
        score = max(score, POSITIVE_FROM)
    elif feeling == "negative":
        score = min(score, NEGATIVE_FROM)
    else:
        score = float(np.clip(score, -NEUTRAL_BAND, NEUTRAL_BAND))
    return round(score, 3)


def because(model: Model, label: str, value: str, x) -> str:
    """The words of the post that pushed `label` towards `value` most, quoted; only ever words the model learnt
    from its corpus (never the post's own text), so an explanation can be shown anywhere as it is."""
    weights, terms = leaning(model, label, value), vocabulary(model)
    pushes = sorted(((amount * weights[j], terms[j]) for j, amount in zip(x.indices, x.data, strict=True)
                     if j < len(terms)), reverse=True)
    quoted = [f'"{term}"' for push, term in pushes if push > 0 and telling(term)][:TOP_TERMS]
    return "matched " + join(quoted) if quoted else "read as a whole (no single word decided it)"


def telling(term: str) -> bool:
    """Whether a term says something to a reader: not only filler words ("and", "i've"), not a masked name."""
    return not any(m in term for m in MASKS) and not all(word in FILLER for word in term.split())


def vocabulary(model: Model) -> np.ndarray:
    return model.memo(("vocabulary",), lambda: model.features.word_terms)


def leaning(model: Model, label: str, value: str) -> np.ndarray:
    """How much each feature pushes `label` towards `value` rather than the average class (worked out once)."""
    def worked_out() -> np.ndarray:
        regression = model.explainer(label)
        return regression.coef_[list(regression.classes_).index(value)] - regression.coef_.mean(axis=0)

    return model.memo(("leaning", label, value), worked_out)


def join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
