"""The classifier's corpus: big and varied enough, well formed, split by brand and by phrasing, and reproducible."""

from __future__ import annotations

from collections import Counter

from data.classifier_brands import BRANDS, SPLITS
from data.classifier_corpus import COLUMNS, CORPUS_FILE, NETWORKS, generate, phrasings_for, read
from data.classifier_phrasings import LATER_PHRASINGS, SITUATIONS
from models.classifier.train import LABELS, REASONS

ROWS = read()


def test_the_shipped_file_is_what_the_seeded_script_writes():
    assert generate() == ROWS
    assert CORPUS_FILE.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)


def test_big_varied_and_well_formed():
    # a brand-free phrasing ("10/10 would wait on hold for two hours again") may come out the same for two brands
    assert len(ROWS) >= 3_000 and len({row["text"] for row in ROWS}) >= 0.95 * len(ROWS)
    assert len({row["brand"] for row in ROWS}) >= 10 and len({row["industry"] for row in ROWS}) >= 6
    assert {row["network"] for row in ROWS} == set(NETWORKS)
    for name, values in LABELS.items():
        counts = Counter(row[name] for row in ROWS)
        assert set(counts) == set(values) and min(counts.values()) >= 300, counts
    reasons = Counter(row["urgency_reason"] for row in ROWS if row["urgency"] == "high")
    assert set(reasons) == set(REASONS) and min(reasons.values()) >= 80, reasons
    assert all(bool(row["urgency_reason"]) == (row["urgency"] == "high") for row in ROWS)
    words = [len(row["text"].split()) for row in ROWS]
    assert min(words) <= 3 and max(words) >= 40


def test_split_by_brand_and_the_test_brands_are_in_industries_no_training_brand_is_in():
    by_split = {split: {row["brand"] for row in ROWS if row["split"] == split} for split in SPLITS}
    assert by_split == {split: set(keys) for split, keys in SPLITS.items()}
    industries = {split: {BRANDS[key]["industry"] for key in keys} for split, keys in SPLITS.items()}
    assert not industries["test"] & (industries["train"] | industries["dev"])


def test_no_post_of_one_split_is_in_another():
    texts = {split: {row["text"] for row in ROWS if row["split"] == split} for split in SPLITS}
    assert not texts["test"] & (texts["train"] | texts["dev"]) and not texts["dev"] & texts["train"]


def test_a_phrasing_belongs_to_one_split_only():
    for situation in SITUATIONS:
        used = [set(phrasings_for(situation, split)) for split in SPLITS]
        assert sum(len(u) for u in used) == len(set().union(*used)) == len(SITUATIONS[situation][4]) + len(
            LATER_PHRASINGS.get(situation, ()))


def test_phrasings_added_later_reach_train_and_dev_brands_only():
    later = {p for phrasings in LATER_PHRASINGS.values() for p in phrasings}
    assert later and not later & {p for situation in SITUATIONS for p in phrasings_for(situation, "test")}
    for situation, phrasings in LATER_PHRASINGS.items():
        assert set(phrasings) <= set(phrasings_for(situation, "train")) | set(phrasings_for(situation, "dev"))
        assert set(phrasings) & set(phrasings_for(situation, "dev"))
