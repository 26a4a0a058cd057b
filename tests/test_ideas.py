"""Idea grouping and labels are the same on every run: no tie is left to Python's string hashing."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections import Counter, defaultdict

import store
from data.demo_text import IDEAS
from models.ideas import (
    Group,
    bags_of,
    best_group,
    first_member_numbers,
    group_ideas,
    group_labels,
    label_of,
    merge_by_theme,
)
from models.sql import MODELS_DIR

GROUP_THE_DEMO_IDEAS = """
import json
from data.demo_text import IDEAS
from models.ideas import group_ideas, label_of
texts = [text for phrasings in IDEAS.values() for text in phrasings] * 2
groups = group_ideas(texts).tolist()
print(json.dumps({"groups": groups, "labels": [label_of([t for t, g in zip(texts, groups) if g == n])
                                               for n in sorted(set(groups))]}))
"""


def test_an_idea_is_titled_by_the_sentence_of_its_most_representative_post():
    group = ["Would love vegan boots!", "@FernwoodHelp Hi there. Please make vegan boots with a good grip #vegan",
             "I wish you did vegan walking boots in wide fits, and a vegan lantern, and vegan socks too please"]
    assert label_of(group) == "Would love vegan boots!"
    assert label_of(group[1:2]) == "Please make vegan boots with a good grip"  # no greeting, mention or hashtag


def test_a_long_title_is_cut_at_a_word_boundary():
    title = label_of(["It would be great if you sold a lightweight two person tent with a porch big enough for "
                      "two rucksacks and boots"])
    assert title == "It would be great if you sold a lightweight two person tent with a…"
    assert len(title) <= 70


def test_two_groups_never_share_a_title():
    labels = group_labels({"a": ["Please make kids' boots", "Please make kids' boots"],
                           "b": ["Please make kids' boots", "Kids' rain jackets would be great"]})
    assert labels == {"a": "Please make kids' boots", "b": "Kids' rain jackets would be great"}


def test_groups_that_ask_for_nothing_are_not_ideas():
    assert group_labels({"noise": ["Sent. Please actually reply this time.", "Sent. Please actually reply."],
                         "repair": ["Please start a repair scheme. Half my kit needs a new buckle. Just saying"]}) \
        == {"repair": "Please start a repair scheme."}


def test_grouping_and_labels_do_not_depend_on_string_hashing():
    answers = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", GROUP_THE_DEMO_IDEAS], env=env, cwd=MODELS_DIR.parent,
                              capture_output=True, text=True, check=True)
        answers.add(done.stdout.strip().splitlines()[-1])
    assert len(answers) == 1
    assert len(set(json.loads(answers.pop())["groups"])) > 1


def grouped_scoring_every_text(texts: list[str]) -> list[int]:
    """group_ideas without remembering a repeated text's best group: every post scored against the groups."""
    bags = bags_of(texts)
    frequency = Counter(word for bag in bags for word in bag)
    idf = {word: math.log((1 + len(bags)) / (1 + count)) + 1 for word, count in frequency.items()}
    groups, holders, labels = [], defaultdict(set), []
    for bag in bags:
        best = best_group(bag, groups, holders, idf)
        if best is None:
            best = len(groups)
            groups.append(Group(idf))
        groups[best].add(bag)
        for word in bag:
            holders[word].add(best)
        labels.append(best)
    merged = merge_by_theme(labels, [g.counts for g in groups], [g.size for g in groups])
    return first_member_numbers(merged).tolist()


def test_remembering_a_repeated_texts_group_changes_no_group():
    phrasings = [text for texts in IDEAS.values() for text in texts]
    pick = random.Random(7)
    texts = [pick.choice(phrasings) for _ in range(5000)]
    grouped = group_ideas(texts).tolist()
    assert grouped == grouped_scoring_every_text(texts)
    assert len(set(grouped)) > 1


def test_every_demo_idea_is_titled_by_words_of_one_of_its_posts(demo_store):
    con = store.connect(demo_store, read_only=True)
    try:
        groups = con.execute("""select g.label, list(p.text) from idea_groups g join idea_posts p using (idea_key)
                                group by g.label""").fetchall()
        total = con.execute("select count(*) from idea_groups").fetchall()[0][0]
    finally:
        con.close()
    assert len(groups) == total >= 3  # titles are distinct
    for label, texts in groups:
        assert any(label.rstrip("…") in " ".join(text.split()) for text in texts), label
        assert "," not in label or " " in label.split(",")[0]  # a phrase, not a list of words
