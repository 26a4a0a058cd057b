"""Post classification: per-intent precision / recall / F1 on the labelled posts, confusion matrix, throughput."""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from models.classify import INTENTS, RULES_VERSION, URGENCIES, Classification, classify

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "labelled_posts.csv"
HELD_OUT_EVERY = 3  # rows 2, 5, 8, … (every 3rd) are the held-out split; the rules were tuned on the rest only


def load_labelled(path: Path = LABELLED) -> list[dict[str, str]]:
    """The labelled posts: text, intent, urgency."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def is_held_out(row_index: int) -> bool:
    return row_index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def held_out(rows: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    return [row for i, row in enumerate(rows) if is_held_out(i)]


def tuning(rows: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    return [row for i, row in enumerate(rows) if not is_held_out(i)]


def per_label_scores(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, dict]:
    """precision, recall, F1 and support for each label (0.0 where undefined)."""
    scores = {}
    for label in labels:
        hits = sum(t == p == label for t, p in zip(truth, predicted, strict=True))
        said, actual = predicted.count(label), truth.count(label)
        precision, recall = hits / said if said else 0.0, hits / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = {"precision": precision, "recall": recall, "f1": f1, "n": actual}
    return scores


def macro_f1(scores: dict[str, dict]) -> float:
    return sum(s["f1"] for s in scores.values()) / len(scores)


def confusion(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """counts[true label][predicted label]."""
    counts = {t: dict.fromkeys(labels, 0) for t in labels}
    for t, p in zip(truth, predicted, strict=True):
        counts[t][p] += 1
    return counts


def evaluate(rows: Sequence[dict[str, str]]) -> dict:
    """Intent and urgency scores of the rules on `rows`."""
    predicted = [classify(row["text"]) for row in rows]
    intents = [c.intent for c in predicted]
    urgencies = [c.urgency for c in predicted]
    return {
        "n": len(rows),
        "intent": per_label_scores([r["intent"] for r in rows], intents, INTENTS),
        "confusion": confusion([r["intent"] for r in rows], intents, INTENTS),
        "urgency": per_label_scores([r["urgency"] for r in rows], urgencies, URGENCIES),
        "urgency_accuracy": sum(r["urgency"] == u for r, u in zip(rows, urgencies, strict=True)) / len(rows),
    }


def score_table(title: str, splits: dict[str, dict], labels: Sequence[str], key: str) -> str:
    """One row per label, precision / recall / F1 / n for each split side by side, then the macro average."""
    head = f"{title:10}" + "".join(f" | {name:^22}" for name in splits)
    sub = f"{'':10}" + " | prec   rec    F1     n" * len(splits)
    lines = [head, sub, "-" * len(head)]
    for label in labels:
        lines.append(f"{label:10}" + "".join(score_cells(split[key][label]) for split in splits.values()))
    lines.append(f"{'macro F1':10}" + "".join(f" | {'':12}{macro_f1(split[key]):.2f}  {split['n']:4d}"
                                               for split in splits.values()))
    return "\n".join(lines)


def score_cells(s: dict) -> str:
    return f" | {s['precision']:.2f}  {s['recall']:.2f}  {s['f1']:.2f}  {s['n']:4d}"


def confusion_table(title: str, counts: dict[str, dict[str, int]]) -> str:
    labels = list(counts)
    lines = [title, f"{'label / predicted':18}" + "".join(f"{p:>10}" for p in labels)]
    lines += [f"{t:18}" + "".join(f"{counts[t][p]:10d}" for p in labels) for t in labels]
    return "\n".join(lines)


def posts_per_second(texts: Sequence[str], run: Callable[[str], Classification], repeats: int) -> float:
    """Best of `repeats` timed passes (the least disturbed by whatever else the machine is doing)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            run(text)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--posts", type=int, default=20_000, help="posts to time (the labelled set, repeated)")
    args.add_argument("--repeats", type=int, default=3)
    opts = args.parse_args(argv)
    rows = load_labelled()
    parts = {"whole set": rows, "tuning": tuning(rows), "held-out": held_out(rows)}
    splits = {f"{name} ({len(part)})": evaluate(part) for name, part in parts.items()}
    whole, _, test = splits
    print(f"rules {RULES_VERSION}; {LABELLED.name}: held-out = every {HELD_OUT_EVERY}rd row, rules tuned on the rest\n")
    print(score_table("intent", splits, INTENTS, "intent") + "\n")
    print(score_table("urgency", splits, URGENCIES, "urgency"))
    print(f"{'accuracy':10}" + "".join(f" | {s['urgency_accuracy']:22.2f}" for s in splits.values()) + "\n")
    for name in (whole, test):
        print(confusion_table(f"confusion, {name}: rows are labels, columns predictions", splits[name]["confusion"]))
        print()
    texts = [row["text"] for row in rows] * (opts.posts // len(rows) + 1)
    vader_posts = opts.posts // 10  # VADER is the slow part; a tenth as many posts time it as well
    without = posts_per_second(texts[:opts.posts], lambda t: classify(t, sentiment=0.0), opts.repeats)
    with_vader = posts_per_second(texts[:vader_posts], classify, opts.repeats)
    print(f"throughput: {without:,.0f} posts/s without VADER (sentiment passed in), {with_vader:,.0f} posts/s with"
          f" VADER (best of {opts.repeats} passes over {opts.posts:,} and {vader_posts:,} posts)")


if __name__ == "__main__":
    main()
