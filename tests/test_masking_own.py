"""A customer's own name and address written inside their posts and tickets are masked for roles that mask them,
in every reading path (timeline, profile context, inbox, ideas, leadership drill-downs) — not only emails and
phones."""

from __future__ import annotations

from datetime import datetime

import pytest
import streamlit as st

import store
from connectors.loader import load_file
from models.build import build
from queries import customers, inbox, leadership
from queries.access import Refused
from queries.connection import cursor
from queries.customers import forget_searches
from queries.masking import mask_own, own_pattern
from tests.model_fixtures import write_jsonl
from tests.viewers import ADMIN, as_role

NOW = datetime(2026, 3, 1, 12, 0)
SAID = "This is Ana Silva, 12 Mill Lane, LS1 4AB: my tent pole snapped, please call. ANA"


def test_own_pattern_masks_name_words_as_initials_and_the_address_whole():
    profile = {"first_name": "Ana", "last_name": "Silva", "display_name": "Ana Silva", "street": "12 Mill Lane",
               "postcode": "LS1 4AB"}
    both = own_pattern(profile, frozenset({"name", "street"}))
    assert mask_own(SAID, both) == "This is A. S., •••, •••: my tent pole snapped, please call. A."
    assert mask_own("12 mill  lane / ls14ab / Silvana / Analyse", both) == "••• / ••• / Silvana / Analyse"
    street_only = own_pattern(profile, frozenset({"street"}))
    assert mask_own(SAID, street_only) == "This is Ana Silva, •••, •••: my tent pole snapped, please call. ANA"
    assert own_pattern(profile, frozenset({"email", "phone"})) is None
    will = own_pattern({"first_name": "Will", "last_name": "Ng"}, frozenset({"name"}))
    assert mask_own("Will says he will come, Ng.", will) == "W. says he will come, N.."


@pytest.fixture
def shared_store(tmp_path, monkeypatch):
    """A store where Ana's post and ticket repeat her own name and address, as the dashboard reads it."""
    path = tmp_path / "own.duckdb"
    con = store.connect(path)
    load_file(con, "customers", write_jsonl(tmp_path / "c.jsonl", [
        {"source_id": "C1", "first_name": "Ana", "last_name": "Silva", "email": "ana@example.com",
         "instagram": "@ana.hikes", "street": "12 Mill Lane", "postcode": "LS1 4AB", "city": "Leeds",
         "created_at": "2024-01-05"}]), source="crm")
    load_file(con, "social_posts", write_jsonl(tmp_path / "p.jsonl", [
        {"post_id": "S1", "posted_at": "2026-02-28T18:00:00", "network": "instagram", "handle": "ana.hikes",
         "text": "@FernwoodHelp " + SAID, "followers": "10"}]), source="social")
    load_file(con, "tickets", write_jsonl(tmp_path / "t.jsonl", [
        {"ticket_id": "T1", "created_at": "2026-02-27T09:00:00", "requester_email": "ana@example.com",
         "subject": "Pole snapped - Ana Silva", "description": SAID, "status": "new", "channel": "email"}]),
        source="desk")
    build(con, NOW)
    con.close()
    monkeypatch.setenv("RAPPORT_DB", str(path))
    st.cache_resource.clear()
    forget_searches()
    yield path
    st.cache_resource.clear()


def everything(frame) -> str:
    return frame.astype(str).to_csv()


def test_every_reading_path_masks_the_customers_own_name_and_address(shared_store):
    customer_id = int(customers.search("ana@example.com", ADMIN)["customer_id"].iloc[0])
    support, leader = as_role("support"), as_role("leadership")
    for viewer, hidden, kept in ((support, ["12 Mill Lane", "LS1 4AB"], ["Ana Silva"]),
                                 (leader, ["12 Mill Lane", "LS1 4AB", "Ana Silva"], [])):
        read = [everything(customers.timeline(customer_id, viewer)),
                everything(customers.context(customer_id, viewer, now=NOW).timeline),
                everything(inbox.queue(viewer, now=NOW)) if viewer.may_open("social_inbox") else "",
                everything(leadership.tickets_behind(viewer, "email")) if viewer.may_open("leadership") else ""]
        shown = "\n".join(read)
        assert "snapped" in shown
        for value in hidden:
            assert value not in shown, (viewer.role.name, value)
        for value in kept:
            assert value in shown, (viewer.role.name, value)
    assert "12 Mill Lane" in everything(customers.timeline(customer_id, ADMIN))


def test_a_masked_field_is_found_by_its_whole_value_only_and_searches_are_counted_and_audited(shared_store):
    leader = as_role("leadership", actor="lee@fernwood.example")  # emails and names masked
    for partial in ("ana@", "ana@example", "ana@example.co", "silv", "slva"):
        assert customers.search(partial, leader).empty, partial
    assert len(customers.search("ana@example.com", leader)) == 1
    assert len(customers.search("silva", leader)) == 1                       # a whole name word
    assert len(customers.search("ana@", ADMIN)) == 1                         # unmasked roles keep prefixes
    searched = cursor().execute("select count(*) from audit_log where action = 'search' "
                                "and actor = 'lee@fernwood.example'").fetchall()[0][0]
    assert searched == 7


def test_searches_past_the_rate_are_refused(shared_store):
    viewer = as_role("sales", actor="sal@fernwood.example")  # phones masked
    for second in range(customers.MASKED_SEARCHES_PER_MINUTE):
        customers.search("ana", viewer, now=1000.0 + second)
    with pytest.raises(Refused, match="Too many searches"):
        customers.search("ana", viewer, now=1000.0 + 59)
    assert len(customers.search("ana", viewer, now=1000.0 + 61)) == 1  # a minute after the first, one more
