"""The held-out re-entry set's generator (bench/identity_reentry.py): seeded, every kind of noise, and relatives
who share a surname, a street and an email domain but are other people."""

from __future__ import annotations

from bench.identity_reentry import generate, true_links

PEOPLE = 300


def test_the_set_is_seeded():
    assert generate(11, PEOPLE) == generate(11, PEOPLE)
    assert generate(11, PEOPLE) != generate(12, PEOPLE)


def test_relatives_share_surname_street_and_email_domain_and_nothing_that_is_their_own():
    crm, _, relatives = generate(11, PEOPLE)
    by_id = {contact.record_id: contact for contact in crm}
    assert len(relatives) > 20
    for host, relative in ((by_id[a], by_id[b]) for a, b in relatives):
        assert (host.last, host.street, host.email.split("@")[1]) == (relative.last, relative.street,
                                                                      relative.email.split("@")[1])
        assert host.person != relative.person
        assert host.first != relative.first and host.birth != relative.birth and host.phone != relative.phone


def test_every_re_entry_is_a_crm_persons_and_the_true_links_pair_them():
    crm, other, _ = generate(11, PEOPLE)
    people = {contact.person for contact in crm}
    assert other and all(entry.person in people for entry in other)
    links = true_links(crm + other)
    assert len(links) == len(other)  # one CRM contact per person, each re-entered at most once
    assert all(a.startswith("A") and b.startswith("B") for a, b in links)


def test_the_other_system_swaps_names_and_birth_days_uses_nicknames_and_moves_people():
    crm, other, _ = generate(11, PEOPLE)
    original = {contact.person: contact for contact in crm}
    pairs = [(entry, original[entry.person]) for entry in other]
    assert any((e.first, e.last) == (o.last, o.first) for e, o in pairs)
    assert any(e.birth and o.birth and e.birth != o.birth and (e.birth.day, e.birth.month) == (o.birth.month,
                                                                                               o.birth.day)
               for e, o in pairs)
    assert any(e.first != o.first and e.last == o.last and e.first[0] != o.first[0] for e, o in pairs)  # Bob/Robert
    assert any(e.postcode != o.postcode and e.phone == o.phone for e, o in pairs if e.postcode)
    assert any(e.email and e.email.split("@")[1] != o.email.split("@")[1] for e, o in pairs)
