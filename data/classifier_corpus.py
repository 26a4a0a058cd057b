"""`python -m data.classifier_corpus`: the classifier's labelled corpus (data/classifier/posts.csv), generated with a
fixed seed from the hand-written phrasings of data/classifier_phrasings.py for the fictional brands of
data/classifier_brands.py. The same code and seed give the same file, byte for byte.

Two things keep the test figures honest: brands are split train/dev/test (the test brands are in industries no
training brand is in), and each situation's phrasings are split too (every fifth to dev, the next to test), so a
test post is about a brand, products, faults and wishes, and in words, the model never trained on."""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

from data.classifier_brands import BRANDS, INDUSTRY, SPLITS
from data.classifier_phrasings import CLOSERS, EMOJI, HASHTAGS, LATER_PHRASINGS, OPENERS, SITUATIONS, THREAD_EXTRAS

CORPUS_FILE = Path(__file__).resolve().parent / "classifier" / "posts.csv"
SEED = 23
POSTS_PER_BRAND = 320
COLUMNS = ("post_id", "brand", "industry", "split", "network", "situation", "text", "intent", "sentiment",
           "urgency", "urgency_reason")
NETWORKS = ("twitter", "facebook", "instagram", "mastodon", "reddit", "trustpilot", "tiktok", "linkedin")
# how often each situation is drawn: complaints are the most common posts, and each intent needs enough examples
WEIGHTS = {"fault": 3, "waiting": 3, "wrong": 2, "rude": 1, "sarcasm": 2.5, "mixed_complaint": 1.5,
           "polite_complaint": 1.5, "mild_complaint": 1, "safety": 2, "injury": 1, "fraud": 2, "deadline": 2,
           "escalation": 1.5, "vulnerable": 1.5, "question": 4.5, "order_question": 2, "safety_question": 1,
           "fraud_question": 1, "deadline_question": 1, "praise": 4, "service_praise": 2, "negated_problem": 2.5,
           "resolved": 1.5, "idea": 6.5, "polite_idea": 1.5, "other": 7}
STARS = {"positive": "★★★★★", "neutral": "★★★☆☆", "negative": "★☆☆☆☆"}
PHRASING_SPLIT = {0: "train", 1: "train", 2: "train", 3: "dev", 4: "test"}
LATER_SPLIT = {0: "train", 1: "train", 2: "train", 3: "dev"}  # phrasings added later never reach the test brands


def phrasings_for(situation: str, split: str) -> list[str]:
    """The phrasings of a situation that `split` may use (every fifth to dev, the next to test, the rest to train;
    of the phrasings added later, every fourth to dev and the rest to train)."""
    first = [p for i, p in enumerate(SITUATIONS[situation][4]) if PHRASING_SPLIT[i % 5] == split]
    return first + [p for i, p in enumerate(LATER_PHRASINGS.get(situation, ())) if LATER_SPLIT[i % 4] == split]


def fill(rng: random.Random, template: str, key: str) -> str:
    """A phrasing with its slots filled for one brand (slots inside slot values too)."""
    info, words = BRANDS[key], INDUSTRY[BRANDS[key]["industry"]]
    company = info["company"]
    for _ in range(3):  # a slot's value may hold another slot ("is the {product} waterproof")
        template = re.sub(r"\{(\w+)\}", lambda m: slot(rng, m[1], info, company, words), template)
    return template


def slot(rng: random.Random, name: str, info: dict, company: dict, words: dict) -> str:
    if name in words:
        return rng.choice(words[name])
    if name == "product":
        return rng.choice(company["product_names"])
    if name == "brand":
        return rng.choice((company["name"], info["short"]))
    if name == "handle":
        return info["handle"]
    if name == "days":
        return str(rng.choice((2, 3, 4, 5, 6, 8, 10, 12, 14, 17, 21, 30)))
    if name == "num":
        return str(rng.randint(1000, 99999))
    return name


def typo(rng: random.Random, text: str) -> str:
    """One or two slips of the finger: a letter swapped, dropped or doubled in a longer word."""
    words = text.split(" ")
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 4 and w.isalpha():
            j = rng.randrange(1, len(w) - 2)
            kind = rng.random()
            w = w[:j] + w[j + 1] + w[j] + w[j + 2:] if kind < 0.4 else w[:j] + w[j + 1:] if kind < 0.7 else \
                w[:j] + w[j] + w[j:]
            words[i] = w
    return " ".join(words)


def decorate(rng: random.Random, core: str, key: str, network: str, labels: tuple[str, str]) -> str:
    """A post as it appears on a network: how it addresses the company, a closing, emoji, hashtags, a thread."""
    intent, sentiment = labels
    parts = [core]
    if rng.random() < 0.12:
        extras = rng.sample(THREAD_EXTRAS[intent], k=min(len(THREAD_EXTRAS[intent]), rng.randint(1, 3)))
        parts += [fill(rng, e, key) for e in extras]
        if network in ("twitter", "mastodon", "tiktok"):
            parts = [f"{p} {i + 1}/{len(parts)}" for i, p in enumerate(parts)]
    if rng.random() < 0.35:
        parts.append(rng.choice(CLOSERS[intent]))
    text = " ".join(p for p in parts if p)
    if rng.random() < 0.25:
        text += " " + rng.choice(EMOJI[sentiment])
    handle = BRANDS[key]["handle"] if network == "twitter" else BRANDS[key]["handle"].lower()
    if network in ("twitter", "mastodon", "instagram", "tiktok") and rng.random() < 0.7:
        opener = rng.choice(OPENERS).replace("{handle}", handle + ("@mastodon.social" if network == "mastodon"
                                                                  and rng.random() < 0.5 else ""))
        text = fill(rng, opener, key) + text
    if network in ("instagram", "tiktok") and rng.random() < 0.5:
        text += " " + " ".join(rng.sample(HASHTAGS[intent], k=rng.randint(1, 2)))
    if network == "trustpilot" and rng.random() < 0.6:
        text = f"{STARS[sentiment]} {text}" if rng.random() < 0.5 else f"{text} {STARS[sentiment]}"
    return noisy(rng, text)


def noisy(rng: random.Random, text: str) -> str:
    """Typos, shouting and no-capitals, as people write."""
    roll = rng.random()
    if roll < 0.1:
        text = typo(rng, text)
    elif roll < 0.15:
        text = text.upper()
    elif roll < 0.3:
        text = text.lower().rstrip(".!")
    return text[:1].upper() + text[1:] if rng.random() < 0.8 else text


def posts_for(key: str, split: str, rng: random.Random) -> list[dict]:
    """POSTS_PER_BRAND labelled posts about one brand, from the phrasings its split may use."""
    situations = [s for s in SITUATIONS if phrasings_for(s, split)]
    weights = [WEIGHTS[s] for s in situations]
    posts, seen = [], set()
    for _ in range(POSTS_PER_BRAND * 3):  # retries for the rare duplicate
        if len(posts) == POSTS_PER_BRAND:
            break
        situation = rng.choices(situations, weights)[0]
        intent, sentiment, urgency, reason, _ = SITUATIONS[situation]
        phrasing = rng.choice(phrasings_for(situation, split))
        if found := re.match(r"\[(\w+)\]", phrasing):
            sentiment, phrasing = found[1], phrasing[found.end():]
        network = rng.choice(NETWORKS)
        text = decorate(rng, fill(rng, phrasing, key), key, network, (intent, sentiment))
        if text not in seen:
            seen.add(text)
            posts.append({"brand": key, "industry": BRANDS[key]["industry"], "split": split, "network": network,
                          "situation": situation, "text": text, "intent": intent, "sentiment": sentiment,
                          "urgency": urgency, "urgency_reason": reason})
    return posts


def generate() -> list[dict]:
    """Every brand's posts, in a fixed order with fixed seeds: the corpus."""
    rows = []
    for split, keys in SPLITS.items():
        for key in keys:
            rows += posts_for(key, split, random.Random(f"{SEED}/{key}"))
    return [{"post_id": f"p{i:05d}", **row} for i, row in enumerate(rows, start=1)]


def write(rows: list[dict], path: Path = CORPUS_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read(path: Path = CORPUS_FILE) -> list[dict]:
    """The shipped corpus, row by row."""
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


if __name__ == "__main__":
    corpus = generate()
    write(corpus)
    print(f"wrote {len(corpus):,} posts about {len(BRANDS)} brands to {CORPUS_FILE}")
