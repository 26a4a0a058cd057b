"""The demo's identity noise: a fifth of the people re-entered by an old system, each kind of noise made, visible
against the person's own CRM contact, and known to the truth as the same person."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import jellyfish
import pytest
from nicknames import NickNamer

from data.demo import generate
from data.demo_identity import KINDS, NOISE_SHARE

CUSTOMERS = 600


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict[str, list[dict[str, str]]]:
    out = generate(tmp_path_factory.mktemp("demo"), seed=7, as_of=date(2025, 6, 1), customers=CUSTOMERS)
    return {name: read_csv(out[name]) for name in ("crm_contacts", "truth", "identity_noise")}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)[-9:]


def pairs_by_kind(demo) -> dict[str, list[tuple[dict[str, str], dict[str, str]]]]:
    """Each noise kind's (re-entered contact, the same person's own CRM contact) pairs, where the CRM has one."""
    person_of = {row["record_id"]: row["person_id"] for row in demo["truth"] if row["kind"] == "customers"}
    noise = {row["record_id"]: row["noise"] for row in demo["identity_noise"]}
    own = {}
    for row in demo["crm_contacts"]:
        own.setdefault(person_of[row["Contact ID"]], row) if row["Contact ID"] not in noise else None
    pairs: dict[str, list] = {kind: [] for kind in KINDS}
    for row in demo["crm_contacts"]:
        original = own.get(person_of[row["Contact ID"]])
        if row["Contact ID"] in noise and original is not None:
            pairs[noise[row["Contact ID"]]].append((row, original))
    return pairs


def test_about_a_fifth_of_the_people_are_re_entered_with_every_kind_of_noise(demo):
    people = {row["person_id"] for row in demo["truth"] if row["kind"] == "purchases" or row["kind"] == "customers"}
    share = len(demo["identity_noise"]) / len(people)
    assert NOISE_SHARE * 0.7 < share < NOISE_SHARE * 1.3
    made = Counter(row["noise"] for row in demo["identity_noise"])
    assert set(made) == set(KINDS) and min(made.values()) >= 3


def test_the_truth_knows_each_re_entered_contact_as_its_person_who_has_other_records(demo):
    truth = {(row["kind"], row["record_id"]): row["person_id"] for row in demo["truth"]}
    records_of = Counter(row["person_id"] for row in demo["truth"])
    for row in demo["identity_noise"]:
        assert truth[(row["kind"], row["record_id"])] == row["person_id"]
        assert records_of[row["person_id"]] >= 2  # someone to be linked to


def test_each_kind_of_noise_is_what_it_says_against_the_persons_own_contact(demo):
    namer = NickNamer()
    checks = {
        "typo": lambda new, old: sum(jellyfish.damerau_levenshtein_distance(new[f], old[f])
                                     for f in ("First Name", "Last Name", "Street Address")) == 1,
        "nickname": lambda new, old: new["First Name"] != old["First Name"] and (
            new["First Name"].lower() in namer.nicknames_of(old["First Name"].lower())
            | namer.canonicals_of(old["First Name"].lower())),
        "names swapped": lambda new, old: (new["First Name"], new["Last Name"]) == (old["Last Name"],
                                                                                   old["First Name"]),
        "day and month swapped": lambda new, old: not old["Date of Birth"] or (
            new["Date of Birth"] != old["Date of Birth"]
            and new["Date of Birth"][:4] + new["Date of Birth"][7:] + new["Date of Birth"][4:7]
            == old["Date of Birth"]),
        "moved": lambda new, old: (new["Street Address"], new["Postal Code"]) != (old["Street Address"],
                                                                                  old["Postal Code"])
        and (not old["Phone Number"] or digits(new["Phone Number"]) == digits(old["Phone Number"])),
        "work email": lambda new, old: new["Email"].endswith(".example") and new["Email"] != old["Email"].strip(),
        "maiden name": lambda new, old: new["Last Name"] != old["Last Name"]
        and new["First Name"] == old["First Name"] and (not old["Date of Birth"]
                                                        or new["Date of Birth"] == old["Date of Birth"])
        and (digits(new["Phone Number"]) == digits(old["Phone Number"]) != ""
             or new["Street Address"] == old["Street Address"]),
    }
    for kind, pairs in pairs_by_kind(demo).items():
        assert pairs, kind
        for new, old in pairs:
            assert checks[kind](new, old), (kind, new, old)


def test_the_noise_is_seeded(demo, tmp_path):
    again = generate(tmp_path, seed=7, as_of=date(2025, 6, 1), customers=CUSTOMERS)
    assert read_csv(again["identity_noise"]) == demo["identity_noise"]
