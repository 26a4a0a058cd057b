"""Post classification on the corpus's test brands (never looked at while tuning): per-intent precision / recall,
macro-F1, sentiment accuracy, high-urgency recall and throughput, for the learned model next to plain VADER and
the old keyword rules (rules version 1). The corpus is written by this project (data/classifier_corpus.py)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from bench import rules_v1
from data.classifier_brands import SPLITS
from data.classifier_corpus import read
from models.classifier.train import REASONS, brand_companies
from models.classify import INTENTS, RULES_VERSION, SENTIMENTS, classify_many
from models.sentiment import label

SYSTEMS = ("model", "rules v1", "VADER")


def per_label_scores(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    """precision, recall, F1 and support for each label (0.0 where undefined)."""
    scores = {}
    for name in labels:
        hits = sum(t == p == name for t, p in zip(truth, predicted, strict=True))
        said, actual = list(predicted).count(name), list(truth).count(name)
        precision, recall = hits / said if said else 0.0, hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = {"precision": precision, "recall": recall, "f1": f1, "n": actual}
    return scores


def macro_f1(scores: dict[str, dict]) -> float:
    return sum(s["f1"] for s in scores.values()) / len(scores)


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    return sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth)


def predict(rows: list[dict]) -> dict[str, dict[str, list[str]]]:
    """Each system's intent, sentiment and urgency for every row (each post read as addressed to its brand)."""
    model, companies = {"intent": [], "sentiment": [], "urgency": []}, brand_companies()
    for key in dict.fromkeys(row["brand"] for row in rows):
        mine = [row["text"] for row in rows if row["brand"] == key]
        found = classify_many(mine, companies[key])
        model["intent"] += [c.intent for c in found]
        model["sentiment"] += [label(c.sentiment) for c in found]
        model["urgency"] += [c.urgency for c in found]
    old = [rules_v1.classify(row["text"]) for row in rows]
    rules = {"intent": [c.intent for c in old], "sentiment": [label(c.sentiment) for c in old],
             "urgency": [c.urgency for c in old]}
    vader = {"intent": None, "sentiment": rules["sentiment"], "urgency": None}  # the old rules' sentiment is VADER's
    return {"model": model, "rules v1": rules, "VADER": vader}


def in_brand_order(rows: list[dict]) -> list[dict]:
    """The rows grouped by brand, as predict() returns its answers."""
    return [row for key in dict.fromkeys(row["brand"] for row in rows) for row in rows if row["brand"] == key]


def report(rows: list[dict]) -> str:
    rows = in_brand_order(rows)
    predicted = predict(rows)
    truth = {name: [row[name] for row in rows] for name in ("intent", "sentiment", "urgency")}
    lines = [f"{'intent':10}" + "".join(f" | {name:^17}" for name in SYSTEMS[:2]),
             f"{'':10}" + " | prec  rec   F1  " * 2 + "    n"]
    scores = {name: per_label_scores(truth["intent"], predicted[name]["intent"], INTENTS) for name in SYSTEMS[:2]}
    for intent in INTENTS:
        cells = "".join(f" | {s['precision']:.2f}  {s['recall']:.2f}  {s['f1']:.2f}"
                        for s in (scores[name][intent] for name in SYSTEMS[:2]))
        lines.append(f"{intent:10}{cells}  {scores['model'][intent]['n']:5d}")
    lines += ["", f"{'':30}" + "".join(f"{name:>10}" for name in SYSTEMS)]
    lines.append(f"{'intent macro-F1':30}" + "".join(
        f"{macro_f1(scores[name]):10.2f}" if name in scores else f"{'-':>10}" for name in SYSTEMS))
    lines.append(f"{'sentiment accuracy':30}" + "".join(
        f"{accuracy(truth['sentiment'], predicted[name]['sentiment']):10.2f}" for name in SYSTEMS))
    for measure in ("recall", "precision"):
        lines.append(f"{'high urgency ' + measure:30}" + "".join(
            f"{per_label_scores(truth['urgency'], predicted[name]['urgency'], ['high'])['high'][measure]:10.2f}"
            if predicted[name]["urgency"] else f"{'-':>10}" for name in SYSTEMS))
    for reason in REASONS:
        picked = [i for i, row in enumerate(rows) if row["urgency_reason"] == reason]
        lines.append(f"{'  recall, ' + reason:30}" + "".join(
            f"{sum(predicted[name]['urgency'][i] == 'high' for i in picked) / len(picked):10.2f}"
            if predicted[name]["urgency"] and picked else f"{'-':>10}" for name in SYSTEMS))
    sentiment = per_label_scores(truth["sentiment"], predicted["model"]["sentiment"], SENTIMENTS)
    lines.append("model sentiment recall: " + ", ".join(f"{s} {v['recall']:.2f}" for s, v in sentiment.items()))
    return "\n".join(lines)


def posts_per_second(texts: Sequence[str], run: Callable[[list[str]], object], repeats: int) -> float:
    """Best of `repeats` timed passes (the least disturbed by whatever else the machine is doing)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(list(texts))
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def fit_on_train_brands() -> None:
    """Classify with a model fitted on the train brands only: the shipped model was fitted on the dev brands too,
    so this is how the dev brands tell whether a change helps (the test brands are for the end only)."""
    from models import classify
    from models.classifier.train import fit

    model = fit([row for row in read() if row["split"] == "train"], brand_companies())
    classify.current_model = lambda: (model, "fitted on the train brands")


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--posts", type=int, default=5_000, help="posts to time (the test posts, repeated)")
    args.add_argument("--repeats", type=int, default=2)
    args.add_argument("--split", default="test", choices=tuple(SPLITS), help="which brands to score (default test)")
    args.add_argument("--fit-on-train", action="store_true",
                      help="fit a model on the train brands first and score it (use with --split dev to tune)")
    opts = args.parse_args(argv)
    if opts.fit_on_train:
        fit_on_train_brands()
    rows = [row for row in read() if row["split"] == opts.split]
    name = "fitted on the train brands" if opts.fit_on_train else RULES_VERSION
    print(f"model {name}; {opts.split} brands {', '.join(SPLITS[opts.split])}: {len(rows):,} posts of the "
          "project-written corpus (data/classifier/posts.csv), in phrasings no training post used\n")
    print(report(rows) + "\n")
    texts = ([row["text"] for row in rows] * (opts.posts // len(rows) + 1))[:opts.posts]
    model = posts_per_second(texts, classify_many, opts.repeats)
    rules = posts_per_second(texts, lambda ts: [rules_v1.classify(t) for t in ts], opts.repeats)
    print(f"throughput: model {model:,.0f} posts/s, rules v1 {rules:,.0f} posts/s (with VADER; best of "
          f"{opts.repeats} passes over {len(texts):,} posts)")


if __name__ == "__main__":
    main()
