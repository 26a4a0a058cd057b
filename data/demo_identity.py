"""The demo's identity noise: a fifth of the people are also on file in the mailing list of the shop's old
e-commerce system, imported into the CRM, where each carries one kind of noise real systems have."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from nicknames import NickNamer

from data import demo_text as txt

if TYPE_CHECKING:  # the people are built in data.demo, which imports this module
    from data.demo import Person

NOISE_SHARE = 0.2  # of the people some system holds (not social-only authors)
# the kinds, each with the condition a person must meet to carry it (a nickname needs a name that has one)
KINDS = ("typo", "nickname", "names swapped", "day and month swapped", "moved", "work email", "maiden name")
CALLING_CODE = {"GB": "44", "US": "1", "DE": "49"}
# the old system's defaults: it wrote phones in E.164 and had no field for social handles
OLD_SYSTEM_LABELS = {"GB": "GB", "US": "US", "DE": "DE"}
NOISE_COLUMNS = ("kind", "source", "record_id", "person_id", "noise")


@dataclass(eq=False)
class Reentry:
    """One person as the old system held them: the fields written to the CRM row, and the noise they carry."""

    person: Person
    noise: str
    first: str
    last: str
    email: str
    phone: str
    street: str
    city: str
    postcode: str
    birth: date | None
    created: datetime
    cid: str = ""


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard: two letters transposed, one dropped or one doubled (never the first letter)."""
    if len(word) < 4:
        return word + word[-1]
    for _ in range(5):
        i = rng.randrange(1, len(word) - 2)
        kind = rng.randrange(3)
        if kind == 0:
            changed = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif kind == 1:
            changed = word[:i] + word[i + 1:]
        else:
            changed = word[:i] + word[i] + word[i:]
        if changed != word:
            return changed
    return word[:-1]


def nicknames_for(first: str) -> list[str]:
    """The other forms of a first name in the nicknames package's canonical list (Bob for Robert, Robert for Bob)."""
    namer, name = _namer(), first.lower()
    return sorted((namer.nicknames_of(name) | namer.canonicals_of(name)) - {name})


_NAMER: list[NickNamer] = []


def _namer() -> NickNamer:
    if not _NAMER:  # reading the package's list takes a moment; only the generator needs it
        _NAMER.append(NickNamer())
    return _NAMER[0]


def eligible_kinds(person: Person) -> list[str]:
    """The kinds of noise this person's data can carry."""
    kinds = ["typo", "names swapped", "moved", "work email", "maiden name"]
    if nicknames_for(person.first):
        kinds.append("nickname")
    if person.birth.day <= 12 and person.birth.day != person.birth.month:
        kinds.append("day and month swapped")
    return [kind for kind in KINDS if kind in kinds]


def build_reentries(rng: random.Random, people: list[Person], now: datetime) -> list[Reentry]:
    """For NOISE_SHARE of `people`, the record the old system kept of them, with one kind of noise each."""
    work_emails: set[str] = set()
    # only people some system holds (a contact, online orders, a shop's loyalty till): others have no record to
    # be linked to
    known = [person for person in people if person.in_crm or person.buys_online or person.store]
    chosen = [person for person in known if rng.random() < NOISE_SHARE]
    # a kind picked at random among those a person's data allows, the rare ones (nickname, day/month) favoured
    reentries = [_reentry(rng, person, _pick_kind(rng, person), people, now, work_emails) for person in chosen]
    reentries.sort(key=lambda reentry: (reentry.created, reentry.person.pid))
    return reentries


def _pick_kind(rng: random.Random, person: Person) -> str:
    kinds = eligible_kinds(person)
    weights = [3 if kind in ("nickname", "day and month swapped") else 1 for kind in kinds]
    return rng.choices(kinds, weights=weights)[0]


def _reentry(rng: random.Random, person: Person, noise: str, people: list[Person], now: datetime,
             work_emails: set[str]) -> Reentry:
    # The old system holds what the person gave it at the time: often the same mailbox or phone, not always
    shared = rng.random()
    email = person.email if shared < 0.35 else (person.alt_email if shared < 0.45 else "")
    phone = _e164(person) if rng.random() < 0.5 else ""
    birth = person.birth if rng.random() < 0.8 else None
    entry = Reentry(person, noise, person.first, person.last, email, phone, person.street, person.city,
                    person.postcode, birth, _moment_between(rng, person.signup, now))
    NOISE[noise](rng, entry, people, work_emails)
    return entry


def _moment_between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return (start + (end - start) * rng.random()).replace(microsecond=0)


def _e164(person: Person) -> str:
    return f"+{CALLING_CODE[person.country]}{person.phone}"


def _typo_noise(rng: random.Random, entry: Reentry, people: list[Person], work_emails: set[str]) -> None:
    field = rng.choice(("first", "last", "street"))
    if field == "street":  # the house number stays; a letter of the street's longest word slips
        words = entry.street.split(" ")
        longest = max(range(len(words)), key=lambda i: (words[i].isalpha(), len(words[i])))
        words[longest] = typo(rng, words[longest])
        entry.street = " ".join(words)
    else:
        setattr(entry, field, typo(rng, getattr(entry, field)))


def _nickname_noise(rng: random.Random, entry: Reentry, people: list[Person], work_emails: set[str]) -> None:
    entry.first = rng.choice(nicknames_for(entry.first)).capitalize()


def _swap_names(rng: random.Random, entry: Reentry, people: list[Person], work_emails: set[str]) -> None:
    entry.first, entry.last = entry.last, entry.first


def _swap_day_and_month(rng: random.Random, entry: Reentry, people: list[Person], work_emails: set[str]) -> None:
    born = entry.person.birth
    entry.birth = date(born.year, born.day, born.month)


def _moved(rng: random.Random, entry: Reentry, people: list[Person], work_emails: set[str]) -> None:
    """An old address (someone else's street in another town, another house number) and the same phone."""
    same_country = [p for p in people if p.country == entry.person.country and p.city != entry.person.city]
    other = rng.choice(same_country or people)
    house = str(rng.randint(2, 180))
    entry.street = " ".join(house if part.isdigit() else part for part in other.street.split(" "))
    entry.city, entry.postcode, entry.phone = other.city, other.postcode, _e164(entry.person)


def _work_email(rng: random.Random, entry: Reentry, people: list[Person], work_emails: set[str]) -> None:
    """The address at work (the company's, or an employer's) instead of the private one."""
    person = entry.person
    company = person.company or rng.choice(txt.EMPLOYERS)
    local, domain = f"{slug(person.first)}.{slug(person.last)}", f"{slug(company)[:20]}.example"
    email, number = f"{local}@{domain}", 2
    while email in work_emails:
        email, number = f"{local}{number}@{domain}", number + 1
    work_emails.add(email)
    entry.email = email


def _maiden_name(rng: random.Random, entry: Reentry, people: list[Person], work_emails: set[str]) -> None:
    """Before marriage: another surname (and mailbox), the same first name and birth date, and the same phone or
    the same address."""
    entry.last = rng.choice([name for name in txt.LAST_NAMES if name != entry.person.last])
    entry.birth, entry.email = entry.person.birth, ""
    if rng.random() < 0.5:
        entry.phone = _e164(entry.person)
        _moved(rng, entry, people, work_emails)
    else:
        entry.phone = ""


NOISE = {"typo": _typo_noise, "nickname": _nickname_noise, "names swapped": _swap_names,
         "day and month swapped": _swap_day_and_month, "moved": _moved, "work email": _work_email,
         "maiden name": _maiden_name}


def crm_row(entry: Reentry, stage: str) -> list[str]:
    """The CRM row the import wrote (data.demo.CRM_COLUMNS): no handles, the country as a code."""
    person = entry.person
    return [entry.cid, entry.first, entry.last, entry.email, entry.phone, person.company, entry.street, entry.city,
            entry.postcode, OLD_SYSTEM_LABELS[person.country], entry.birth.isoformat() if entry.birth else "",
            entry.created.strftime("%Y-%m-%d %H:%M:%S"), stage, "", "", ""]


def noise_rows(reentries: list[Reentry]) -> list[tuple[str, str, str, str, str]]:
    """What the bench and tests read: each re-entered contact, whose it is, and its noise."""
    return [("customers", "crm", entry.cid, entry.person.pid, entry.noise) for entry in reentries]
