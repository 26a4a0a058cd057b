"""Idea grouping and labels are the same on every run: no tie is left to Python's string hashing."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from models.ideas import label_of
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


def test_equally_common_words_are_labelled_in_name_order():
    assert label_of(["vegan boots lantern", "boots vegan", "vegan boots"]) == "boots, vegan, lantern"
    assert label_of(["zebra yak xylophone"]) == "xylophone, yak, zebra"


def test_grouping_and_labels_do_not_depend_on_string_hashing():
    answers = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", GROUP_THE_DEMO_IDEAS], env=env, cwd=MODELS_DIR.parent,
                              capture_output=True, text=True, check=True)
        answers.add(done.stdout.strip().splitlines()[-1])
    assert len(answers) == 1
    assert len(set(json.loads(answers.pop())["groups"])) > 1
