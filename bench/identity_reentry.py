"""A held-out identity set: CRM contacts re-entered by another system — nicknames, first and last names swapped,
day and month of birth swapped, a moved address with the same phone, a work email instead of the private one, a
missing field, a typo — beside relatives living at the same address (same surname, street and email domain, another
person). People, addresses and dates come from Faker (en_GB) with a seed no tuning ever used; both systems' exports
go through the real command line (`rapport load customers` with the shipped CRM mapping, then `models build`)
and are scored pairwise against the known truth. Nothing was tuned on the held-out seed: it is measured, not
fitted (`--seed` draws another set: the development seeds 96-99 are what the rules were chosen on)."""

from __future__ import annotations

import csv
import random
import tempfile
import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from nicknames import NickNamer

from bench.identity_febrl import clusters, pairwise_scores, run_cli

# the held-out seed: never run before the measurement it gives (README). 4_127_031, the first, was looked at while
# the household rules were worked on, so it is no longer clean; seeds 96-99 are the development seeds
SEED = 7_626_508
PEOPLE = 2000
RELATIVE_SHARE = 0.15  # people with a relative at their address, on file in the same CRM
REENTRY_SHARE = 0.6  # people the other system holds too
NOISE = ("nickname", "names swapped", "day and month swapped", "moved", "work email", "missing field", "typo")
COLUMNS = ("Contact ID", "First Name", "Last Name", "Email", "Phone Number", "Street Address", "City",
           "Postal Code", "Country", "Date of Birth")
WORK_DOMAINS = ("nhs.net", "arup.example", "leeds.ac.uk", "tesco.example", "bbc.example", "capita.example")


@dataclass(frozen=True)
class Contact:
    record_id: str
    person: str
    first: str
    last: str
    email: str
    phone: str
    street: str
    city: str
    postcode: str
    birth: date | None

    def row(self) -> list[str]:
        return [self.record_id, self.first, self.last, self.email, self.phone, self.street, self.city,
                self.postcode, "United Kingdom", self.birth.isoformat() if self.birth else ""]


def generate(seed: int = SEED, people: int = PEOPLE) -> tuple[list[Contact], list[Contact], list[tuple[str, str]]]:
    """The CRM's contacts, the other system's re-entries, and the pairs of relatives (record ids) never to merge."""
    from faker import Faker  # only this bench needs it (requirements-bench.txt)

    fake, rng = Faker("en_GB"), random.Random(seed)
    fake.seed_instance(seed)
    crm: list[Contact] = []
    relatives: list[tuple[str, str]] = []
    claimed: set[str] = set()
    for number in range(people):
        person = _person(fake, rng, f"A{number:05d}", f"P{number:05d}")
        person = replace(person, email=_claim(person.email, claimed))
        crm.append(person)
        if rng.random() < RELATIVE_SHARE:
            relative = _relative(fake, rng, person, f"A{number:05d}r", f"P{number:05d}r")
            relative = replace(relative, email=_claim(relative.email, claimed))
            crm.append(relative)
            relatives.append((person.record_id, relative.record_id))
    reentered = [c for c in crm if rng.random() < REENTRY_SHARE]
    other = [_reentry(fake, rng, c, f"B{n:05d}") for n, c in enumerate(reentered)]
    rng.shuffle(other)
    return crm, other, relatives


def _claim(email: str, claimed: set[str]) -> str:
    """A mailbox nobody else has (two people share one only in a family, and those are not drawn here)."""
    local, _, domain = email.partition("@")
    number = 2
    while email in claimed:
        email, number = f"{local}{number}@{domain}", number + 1
    claimed.add(email)
    return email


def _phone(rng: random.Random) -> str:
    return f"07700 {rng.randrange(900000, 999999)}" if rng.random() < 0.3 else f"07{rng.randrange(10**8, 10**9)}"


def _mailbox(first: str, last: str, rng: random.Random) -> str:
    f, s = _ascii(first), _ascii(last)
    return rng.choice((f"{f}.{s}", f"{f}{s}", f"{f[0]}{s}", f"{f}.{s}{rng.randint(1, 99)}"))


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def _person(fake, rng: random.Random, record_id: str, person: str) -> Contact:
    first, last = fake.first_name(), fake.last_name()
    return Contact(record_id, person, first, last, f"{_mailbox(first, last, rng)}@{fake.free_email_domain()}",
                   _phone(rng), fake.street_address().replace("\n", ", "), fake.city(), fake.postcode(),
                   fake.date_of_birth(minimum_age=18, maximum_age=85) if rng.random() < 0.9 else None)


def _relative(fake, rng: random.Random, host: Contact, record_id: str, person: str) -> Contact:
    """Same surname, street and email domain; their own first name, birth date, mailbox and phone."""
    first = fake.first_name()
    while first == host.first:
        first = fake.first_name()
    domain = host.email.partition("@")[2]
    birth = fake.date_of_birth(minimum_age=12, maximum_age=85)
    while host.birth and birth == host.birth:
        birth = fake.date_of_birth(minimum_age=12, maximum_age=85)
    return replace(host, record_id=record_id, person=person, first=first, phone=_phone(rng), birth=birth,
                   email=f"{_mailbox(first, host.last, rng)}@{domain}")


def _reentry(fake, rng: random.Random, contact: Contact, record_id: str) -> Contact:
    """The other system's record of `contact`: its own keys (a shared mailbox or phone only sometimes), one or
    two kinds of noise."""
    entry = replace(contact, record_id=record_id, email=contact.email if rng.random() < 0.3 else "",
                    phone=contact.phone if rng.random() < 0.4 else "")
    for noise in rng.sample(NOISE, rng.choice((1, 1, 2))):
        entry = NOISES[noise](fake, rng, entry, contact)
    return entry


def _nickname(fake, rng, entry: Contact, contact: Contact) -> Contact:
    namer, name = NickNamer(), contact.first.lower()
    forms = sorted((namer.nicknames_of(name) | namer.canonicals_of(name)) - {name})
    return replace(entry, first=rng.choice(forms).capitalize()) if forms else _typo(fake, rng, entry, contact)


def _names_swapped(fake, rng, entry: Contact, contact: Contact) -> Contact:
    return replace(entry, first=entry.last, last=entry.first)


def _day_month_swapped(fake, rng, entry: Contact, contact: Contact) -> Contact:
    born = entry.birth
    if born is None or born.day > 12 or born.day == born.month:
        return _typo(fake, rng, entry, contact)
    return replace(entry, birth=date(born.year, born.day, born.month))


def _moved(fake, rng, entry: Contact, contact: Contact) -> Contact:
    return replace(entry, street=fake.street_address().replace("\n", ", "), city=fake.city(),
                   postcode=fake.postcode(), phone=contact.phone)


def _work_email(fake, rng, entry: Contact, contact: Contact) -> Contact:
    return replace(entry, email=f"{_ascii(contact.first)}.{_ascii(contact.last)}@{rng.choice(WORK_DOMAINS)}")


def _missing_field(fake, rng, entry: Contact, contact: Contact) -> Contact:
    field = rng.choice(("birth", "postcode", "street", "city"))
    return replace(entry, **{field: None if field == "birth" else ""})


def _typo(fake, rng, entry: Contact, contact: Contact) -> Contact:
    field = rng.choice(("first", "last", "street"))
    word = getattr(entry, field)
    if len(word) < 4:
        return entry
    i = rng.randrange(1, len(word) - 2)
    return replace(entry, **{field: word[:i] + word[i + 1] + word[i] + word[i + 2:]})


NOISES = {"nickname": _nickname, "names swapped": _names_swapped, "day and month swapped": _day_month_swapped,
          "moved": _moved, "work email": _work_email, "missing field": _missing_field, "typo": _typo}


def write(path: Path, contacts: list[Contact]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(contact.row() for contact in contacts)
    return path


def true_links(contacts: list[Contact]) -> set[tuple[str, str]]:
    """Every pair of records of one person."""
    by_person: dict[str, list[str]] = {}
    for contact in contacts:
        by_person.setdefault(contact.person, []).append(contact.record_id)
    return {tuple(sorted((a, b))) for ids in by_person.values() for i, a in enumerate(ids) for b in ids[i + 1:]}


def measure(seed: int = SEED, people: int = PEOPLE) -> dict[str, float]:
    """Load both systems' exports through the command line into a fresh store and score the result."""
    crm, other, relatives = generate(seed, people)
    with tempfile.TemporaryDirectory() as tmp:
        started, db = time.perf_counter(), Path(tmp) / "reentry.duckdb"
        loads = [["rapport", "load", "customers", str(write(Path(tmp) / f"{name}.csv", contacts)),
                  "--mapping", "crm_contacts", "--source", name]
                 for name, contacts in (("crm", crm), ("other", other))]
        run_cli(db, *loads, ["models", "build"])
        predicted = clusters(db, sources=("crm", "other"))
    customer = dict(zip(predicted["rec_id"], predicted["customer_id"], strict=True))
    merged = sum(1 for a, b in relatives if customer.get(a) is not None and customer.get(a) == customer.get(b))
    scores = pairwise_scores(predicted, true_links(crm + other))
    return {**scores, "records": len(crm) + len(other), "relatives": len(relatives), "relatives_merged": merged,
            "seconds": time.perf_counter() - started}


def main(seed: int = SEED) -> None:
    s = measure(seed)
    role = "held out, never tuned on" if seed == SEED else "not the held-out seed"
    print(f"re-entry set (seed {seed}, Faker en_GB; {role}): {s['records']:,} contacts from two"
          f" systems, {s['relatives']:,} pairs of relatives at one address, loaded through the command line")
    print(f"precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}  ({s['true_pairs']:,} true"
          f" pairs, {s['predicted_pairs']:,} predicted, {s['loaded']:,} loaded; relatives merged:"
          f" {s['relatives_merged']}; {s['seconds']:.0f} s)")
    met = s["f1"] >= 0.95 and s["precision"] >= 0.995 and s["relatives_merged"] == 0
    print(f"goal: F1 ≥ 0.95 at precision ≥ 0.995, no relative merged: {'met' if met else 'NOT met'}")
