"""The profile model on a hand-checked world: identity tiers, stable ids, metrics, timeline and atomic builds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

import store
from connectors.loader import load_file
from models.build import MAX_MODEL_AGE, build, refresh
from models.identity import decisions
from models.talking_points import TIMELINE_COLUMNS
from queries import connection, customers
from queries.connection import warm_lookups
from queries.results import json_row
from tests.conftest import rows
from tests.model_fixtures import NOW, PURCHASES, load_world, write_jsonl
from tests.viewers import ADMIN, as_role


@pytest.fixture
def world(con, tmp_path):
    load_world(con, tmp_path)
    build(con, NOW)
    return con


def customer_of(con, kind: str, source_id: str) -> int:
    found = rows(con, "select customer_id from customer_sources where kind = ? and source_id = ?", [kind, source_id])
    return found[0][0]


def members(con, customer_id: int) -> set[str]:
    return {r[0] for r in rows(con, "select kind || ':' || source_id from customer_sources where customer_id = ?",
                               [customer_id])}


def test_keys_link_transitively_across_sources(world):
    ana = customer_of(world, "customers", "C1")
    assert members(world, ana) == {"customers:C1", "purchases:O1", "purchases:O2", "purchases:O3", "tickets:T1",
                                   "tickets:T2", "social_posts:S1"}
    evidence = rows(world, "select link_method, evidence from customer_sources where source_id = 'O3'")[0]
    assert evidence == ("key", "phone:+447700900123")


def test_a_family_email_does_not_merge_two_people(world):
    sam, jo = customer_of(world, "customers", "C2"), customer_of(world, "customers", "C3")
    assert sam != jo
    socks = customer_of(world, "purchases", "O4")
    assert socks not in (sam, jo), "an order from the shared email belongs to neither person for sure"
    assert rows(world, "select key from identity_ambiguous_keys") == [("email:parks@example.com",)]


def test_a_social_author_who_is_not_a_customer_is_a_prospect(world):
    tom = customer_of(world, "social_posts", "S2")
    profile = customers.profile(tom, ADMIN, world)
    assert profile["is_prospect"] and profile["display_name"] == "Tom Reed"
    assert customers.profile(customer_of(world, "customers", "C4"), ADMIN, world)["is_prospect"] is False


def test_profile_metrics_by_hand(world):
    ana = customers.profile(customer_of(world, "customers", "C1"), ADMIN, world)
    assert ana["lifetime_value"] == 150.0  # O1 + O2; O3 was refunded
    assert ana["order_count"] == 3
    assert ana["avg_order_value"] == 50.0
    assert ana["purchase_cadence_days"] == 59.5  # gaps of 59 and 60 days
    assert ana["open_ticket_count"] == 2  # T1 reopened and open again, T2 new
    assert ana["median_first_response_minutes"] == 90.0  # T1: the public reply, not the internal note; T2: none yet
    assert ana["median_resolution_minutes"] == 2 * 24 * 60
    assert (ana["csat"], ana["csat_responses"]) == (1.0, 1)
    assert ana["sentiment_overall"] > 0.05
    assert ana["emails"] == ["ana.silva@example.com"] and ana["phones"] == ["+447700900123"]
    assert ana["handles"] == ["instagram:ana.hikes"]
    assert ana["customer_since"] == datetime(2024, 1, 5)
    bob = customers.profile(customer_of(world, "customers", "C4"), ADMIN, world)
    assert (bob["order_count"], bob["lifetime_value"], bob["first_purchase_at"]) == (0, 0.0, None)
    assert (bob["csat"], bob["median_first_response_minutes"], bob["median_resolution_minutes"]) == (0.0, 30, 240)


def test_timeline_has_every_event_newest_first(world):
    ana = customer_of(world, "customers", "C1")
    events = customers.timeline(ana, ADMIN, limit=100, con=world)
    assert list(events["occurred_at"]) == sorted(events["occurred_at"], reverse=True)
    assert sorted(events["event_id"]) == sorted([
        "purchase:shop:O1", "purchase:shop:O2", "purchase:shop:O3", "refund:shop:O3",
        "ticket_opened:desk:T1", "ticket_solved:desk:T1", "ticket_opened:desk:T2",
        "comment:desk:M1", "comment:desk:M2", "comment:desk:M3", "comment:desk:M4", "post:social:S1"])
    kinds = dict(zip(events["event_id"], events["kind"], strict=True))
    assert kinds["comment:desk:M3"] == "ticket_replied" and kinds["comment:desk:M2"] == "comment"
    tickets_only = customers.timeline(ana, ADMIN, kinds=["ticket_opened"], con=world)
    assert list(tickets_only["ref_id"]) == ["T2", "T1"]
    page_two = customers.timeline(ana, ADMIN, limit=5, offset=5, con=world)
    assert list(page_two["event_id"]) == list(events["event_id"][5:10])


def test_brand_replies_land_in_the_history_of_whom_they_answered(world):
    tom = customer_of(world, "social_posts", "S2")
    events = customers.timeline(tom, ADMIN, con=world)
    assert set(events["event_id"]) == {"post:social:S2", "post:social:S3"}
    assert dict(zip(events["event_id"], events["author_type"], strict=True))["post:social:S3"] == "company"


def test_ids_are_stable_across_rebuilds_and_new_data(world, tmp_path):
    before = dict(rows(world, "select record_key, customer_id from customer_sources"))
    load_file(world, "purchases", write_jsonl(tmp_path / "more.jsonl", [
        {"order_id": "O9", "ordered_at": "2026-02-27T10:00:00", "amount": "10", "email": "new@example.com"}]),
              source="shop2")
    build(world, NOW)
    after = dict(rows(world, "select record_key, customer_id from customer_sources"))
    assert {k: after[k] for k in before} == before
    assert after["purchases:shop2:O9"] not in before.values()


def test_manual_merge_links_profiles_survives_rebuilds_and_the_old_id_still_resolves(world):
    bob, tom = customer_of(world, "customers", "C4"), customer_of(world, "social_posts", "S2")
    decision = decisions.merge(world, bob, tom, reason="Tom Reed is Bob's pen name", decided_by="ana@corp")
    build(world, NOW)
    build(world, NOW)  # the merge outlives later builds too (once one id redirected to the other, it came undone)
    merged = customer_of(world, "social_posts", "S2")
    assert merged == customer_of(world, "customers", "C4") == min(bob, tom)
    assert customers.resolve_customer_id(max(bob, tom), world) == merged
    assert rows(world, "select link_method, evidence from customer_sources where source_id = 'S2'") == [
        ("manual", "merged by ana@corp: Tom Reed is Bob's pen name")]
    decisions.undo(world, decision, undone_by="ana@corp")
    build(world, NOW)
    assert customer_of(world, "customers", "C4") == bob and customer_of(world, "social_posts", "S2") == tom
    assert customers.resolve_customer_id(tom, world) == tom


def test_manual_split_survives_rebuilds_and_can_be_undone(world):
    ana = customer_of(world, "customers", "C1")
    decision = decisions.split(world, "purchases:shop:O2", ana, reason="phone reused by her brother",
                               decided_by="lee@corp")
    build(world, NOW)
    build(world, NOW)
    assert customer_of(world, "customers", "C1") == ana
    out = customer_of(world, "purchases", "O2")
    assert out != ana and members(world, out) == {"purchases:O2"}
    assert rows(world, "select link_method from customer_sources where source_id = 'O2'") == [("manual",)]
    assert "purchases:O3" in members(world, ana), "the other record with that phone stays"
    decisions.undo(world, decision, undone_by="lee@corp")
    build(world, NOW)
    assert customer_of(world, "purchases", "O2") == ana


def test_splitting_the_anchor_record_keeps_the_profile_id(world):
    ana = customer_of(world, "customers", "C1")
    assert rows(world, "select anchor_record_key from customer_ids where customer_id = ?", [ana]) == [
        ("customers:crm:C1",)]
    decisions.split(world, "customers:crm:C1", ana, reason="test", decided_by="lee@corp")
    build(world, NOW)
    assert customer_of(world, "customers", "C1") != ana
    assert customer_of(world, "purchases", "O1") == ana


def test_decisions_need_a_reason_and_are_audited(world):
    with pytest.raises(decisions.DecisionError, match="reason"):
        decisions.merge(world, 1, 2, reason=" ", decided_by="x")
    decisions.dismiss_duplicate(world, 1, 2, reason="different people", decided_by="kim@corp")
    assert list(decisions.history(world)[["action", "decided_by", "reason"]].itertuples(index=False, name=None)) == [
        ("not_duplicate", "kim@corp", "different people")]


def test_search_ranks_exact_hits_first_and_tolerates_typos(world):
    ana = customer_of(world, "customers", "C1")
    for text in ("ana.silva@example.com", "Ana Silva", "ana silv", "Ana Sliva", "+44 7700 900123", "07700900123",
                 "@ana.hikes", "O1", "t2"):
        found = customers.search(text, ADMIN, con=world)
        assert not found.empty and found["customer_id"].iloc[0] == ana, text
    assert customers.search("zzzz qqqq", ADMIN, con=world).empty


def test_unknown_ids_resolve_to_nothing(world):
    assert customers.resolve_customer_id("999999", world) is None
    assert customers.resolve_customer_id("<script>", world) is None
    assert customers.profile(999999, ADMIN, world) is None


def test_a_failed_build_leaves_the_previous_models(world, monkeypatch):
    before = rows(world, "select * from customer_profiles order by customer_id")
    import models.build as build_module

    def broken(con):
        con.execute("create or replace table customer_profiles as select 1 as half_built")
        raise RuntimeError("crash in the middle of the marts")

    monkeypatch.setattr(build_module, "build_marts", broken)
    with pytest.raises(RuntimeError):
        build(world, NOW)
    assert rows(world, "select * from customer_profiles order by customer_id") == before


def test_talking_points_for_a_real_profile(world):
    ana = customer_of(world, "customers", "C1")
    said = customers.points(ana, as_role("support"), now=NOW, con=world)
    rules = [p.rule for p in said]
    assert rules[0] == "unanswered_ticket"
    assert "ticket_opened:desk:T2" in said[0].cites


def test_leadership_aggregates_by_hand(world):
    from queries import leadership

    times = leadership.response_times_by_channel(ADMIN, con=world).set_index("channel")
    assert times.loc["email", "median_first_response_minutes"] == 90
    assert times.loc["phone", "median_resolution_minutes"] == 240
    assert times.loc["web", "tickets"] == 1
    weekly = leadership.weekly_sentiment(ADMIN, con=world)
    assert set(weekly["network"]) == {"instagram", "twitter"}
    assert weekly["posts"].sum() == 2, "the brand's own reply is not a customer post"


def test_a_named_writer_from_a_family_email_joins_the_family_member_they_name(world, tmp_path):
    load_file(world, "tickets", write_jsonl(tmp_path / "jo.jsonl", [
        {"ticket_id": "T9", "created_at": "2026-02-01T10:00:00", "requester_email": "parks@example.com",
         "requester_name": "Jo Park", "subject": "Hi"}]), source="desk2")
    build(world, NOW)
    assert customer_of(world, "tickets", "T9") == customer_of(world, "customers", "C3")
    assert customer_of(world, "customers", "C2") != customer_of(world, "customers", "C3")


def test_an_order_from_a_family_email_joins_the_family_member_who_paid(world, tmp_path):
    load_file(world, "purchases", write_jsonl(tmp_path / "o.jsonl", [
        {"order_id": "#2001", "ordered_at": "2026-02-01T10:00:00", "amount": "10", "email": "parks@example.com",
         "billing_name": "Jo Park"},
        {"order_id": "#2002", "ordered_at": "2026-02-02T10:00:00", "amount": "10", "email": "parks@example.com",
         "billing_name": "J. Park"}]), source="shopify")
    build(world, NOW)
    assert customer_of(world, "purchases", "#2001") == customer_of(world, "customers", "C3")
    # an initial names nobody for sure: the order stays with neither Park
    assert customer_of(world, "purchases", "#2002") not in (customer_of(world, "customers", "C2"),
                                                             customer_of(world, "customers", "C3"))


def test_an_order_with_a_new_email_but_a_contacts_name_and_address_is_a_possible_duplicate(world, tmp_path):
    load_file(world, "customers", write_jsonl(tmp_path / "c.jsonl", [
        {"source_id": "C8", "first_name": "Nia", "last_name": "Okoro", "email": "nia.okoro@example.com",
         "birth_date": "1990-05-05", "street": "7 Kiln Road", "city": "Leeds", "postcode": "LS6 2AA"}]),
              source="crm")
    load_file(world, "purchases", write_jsonl(tmp_path / "o.jsonl", [
        {"order_id": "#3001", "ordered_at": "2026-02-01T10:00:00", "amount": "25", "email": "kilnroad7@mail.example",
         "billing_name": "NIA OKORO", "billing_street": "7 kiln road", "billing_city": "Leeds",
         "billing_postcode": "ls62aa"}]), source="shopify")
    build(world, NOW)
    nia, order = customer_of(world, "customers", "C8"), customer_of(world, "purchases", "#3001")
    # the same name at the same address may be a parent and child of one name: staff decide, with the reasons
    assert nia != order
    [pair] = customers.possible_duplicates(ADMIN, nia, world).to_dict("records")
    assert {pair["customer_id"], pair["other_customer_id"]} == {nia, order}
    assert pair["match_probability"] >= 0.5
    assert "street: exact" in pair["reasons"] and "postcode: exact" in pair["reasons"]
    assert "not linked: no birth date or mailbox tells two people of one name apart" in pair["reasons"]
    # until then the web-shop customer is shown by the name they paid with, not by their email address, and lives
    # where they paid from
    shopper = customers.profile(order, ADMIN, world)
    assert (shopper["display_name"], shopper["street"], shopper["city"], shopper["postcode"]) == (
        "NIA OKORO", "7 kiln road", "Leeds", "LS62AA")
    # a contact's own address is never mixed with an order's
    load_file(world, "purchases", write_jsonl(tmp_path / "o2.jsonl", [
        {"order_id": "#3002", "ordered_at": "2026-02-03T10:00:00", "amount": "25", "email": "nia.okoro@example.com",
         "billing_name": "Nia Okoro", "billing_street": "1 Office Park", "billing_postcode": "LS1 1AA"}]),
              source="shopify")
    build(world, NOW)
    contact = customers.profile(nia, ADMIN, world)
    assert (contact["street"], contact["city"], contact["postcode"]) == ("7 Kiln Road", "Leeds", "LS62AA")
    # nor in the comparison: Nia is still compared at her home, not at the office her own order was billed to
    [again] = customers.possible_duplicates(ADMIN, nia, world).to_dict("records")
    assert {again["customer_id"], again["other_customer_id"]} == {nia, order}


def test_an_order_number_mentioned_in_a_post_links_the_author(world, tmp_path):
    load_file(world, "purchases", write_jsonl(tmp_path / "o.jsonl", [
        {"order_id": "#1001", "ordered_at": "2026-02-01T10:00:00", "amount": "10", "email": "bob@example.com"}]),
              source="shopify")
    load_file(world, "social_posts", write_jsonl(tmp_path / "p.jsonl", [
        {"post_id": "S9", "posted_at": "2026-02-02T10:00:00", "network": "twitter", "handle": "b0bby",
         "text": "Still waiting for #1001, @FernwoodHelp!"}]), source="social2")
    build(world, NOW)
    assert customer_of(world, "social_posts", "S9") == customer_of(world, "customers", "C4")
    # the same number in a second shop makes the mention ambiguous: nobody is linked by it
    load_file(world, "purchases", write_jsonl(tmp_path / "o2.jsonl", [
        {"order_id": "#1001", "ordered_at": "2026-02-01T10:00:00", "amount": "10", "email": "zed@example.com"}]),
              source="shop-eu")
    build(world, NOW)
    assert customer_of(world, "social_posts", "S9") != customer_of(world, "customers", "C4")


def test_a_contact_without_an_email_still_links_by_phone(world, tmp_path):
    load_file(world, "customers", write_jsonl(tmp_path / "c.jsonl", [
        {"source_id": "C9", "first_name": "Nia", "last_name": "Okoro", "phone": "07700 900999"}]), source="crm2")
    load_file(world, "purchases", write_jsonl(tmp_path / "p.jsonl", [
        {"order_id": "N1", "ordered_at": "2026-02-01T10:00:00", "amount": "5", "phone": "+447700900999"}]),
              source="shop3")
    build(world, NOW)
    assert customer_of(world, "purchases", "N1") == customer_of(world, "customers", "C9")


def test_only_web_links_survive_staging(con, tmp_path):
    load_file(con, "social_posts", write_jsonl(tmp_path / "p.jsonl", [
        {"post_id": "U1", "posted_at": "2026-02-01T10:00:00", "network": "twitter", "handle": "a", "text": "hi",
         "url": "javascript:alert(1)"},
        {"post_id": "U2", "posted_at": "2026-02-01T10:00:00", "network": "twitter", "handle": "b", "text": "hi",
         "url": "https://twitter.com/b/status/2"}]), source="social")
    build(con, NOW)
    assert rows(con, "select post_id, url from stg_social_posts order by 1") == [
        ("U1", None), ("U2", "https://twitter.com/b/status/2")]


def test_a_billing_name_is_compared_without_title_in_first_last_order_and_never_for_a_company(con, tmp_path):
    names = {"B1": "Mrs Ana Silva", "B2": "Silva, Ana", "B3": "ACME LTD.", "B4": "C. Rossi", "B5": "Dr. Nia Okoro",
             "B6": "Jo Park Jr.", "B7": "Cole Costa", "B8": "Mrs Okoro", "B9": "Park, J., Jr.", "BA": "Ana de la Cruz"}
    load_file(con, "purchases", write_jsonl(tmp_path / "b.jsonl", [
        {"order_id": order, "ordered_at": "2026-02-01T10:00:00", "amount": "1", "email": f"{order}@example.com",
         "billing_name": name} for order, name in names.items()]), source="shop")
    build(con, NOW)
    # an initial stays (C. Rossi: c), so that identity tells Carla Rossi from Marco at one home
    assert rows(con, "select order_id, billing_first_name, billing_last_name from stg_purchases order by 1") == [
        ("B1", "ana", "silva"), ("B2", "ana", "silva"), ("B3", None, None), ("B4", "c", "rossi"),
        ("B5", "nia", "okoro"), ("B6", "jo", "park"), ("B7", "cole", "costa"), ("B8", None, "okoro"),
        ("B9", "j", "park"), ("BA", "ana", "de la cruz")]


def test_a_contact_name_written_in_one_field_is_split_into_its_parts(con, tmp_path):
    # a help desk's user name or an old CRM's "Name" column: titles and suffixes dropped, "Last, First" turned round,
    # a surname's particles kept; before nameparser "Dr. Jo Park Jr." was first name "Dr." and last name "Jr."
    names = {"N1": "Dr. Jo Park Jr.", "N2": "Park, Jo", "N3": "Ana de la Cruz", "N4": "Madonna", "N5": "Mia 🌲",
             "N6": "Prof. Dr. Hans Müller"}
    records = [{"source_id": source_id, "name": name, "email": f"{source_id}@example.com"}
               for source_id, name in names.items()]
    records.append({"source_id": "N7", "name": "Mr J. Smith", "first_name": "John", "last_name": "Smith"})
    load_file(con, "customers", write_jsonl(tmp_path / "n.jsonl", records), source="desk")
    build(con, NOW)
    assert rows(con, "select source_id, full_name, first_name, last_name from stg_customers order by 1") == [
        ("N1", "Dr. Jo Park Jr.", "Jo", "Park"), ("N2", "Park, Jo", "Jo", "Park"),
        ("N3", "Ana de la Cruz", "Ana", "de la Cruz"), ("N4", "Madonna", "Madonna", None),
        ("N5", "Mia 🌲", "Mia", None), ("N6", "Prof. Dr. Hans Müller", "Hans", "Müller"),
        ("N7", "Mr J. Smith", "John", "Smith")]


def test_a_full_build_numbers_identity_nodes_in_record_key_order(world):
    build(world, NOW)  # a rebuild, inside its transaction, numbers the same way
    nodes = rows(world, "select node, record_key from identity_nodes order by node")
    assert [n for n, _ in nodes] == list(range(len(nodes)))
    assert [k for _, k in nodes] == sorted(k for _, k in nodes)


def test_a_store_whose_identity_nodes_was_a_table_rebuilds_it_as_a_view(world):
    world.execute("drop view identity_nodes")
    world.execute("create table identity_nodes as select 0 as node, 'stale' as record_key")
    world.execute("delete from schema_version where version >= 7")  # as it was before the view: migrated again
    store.migrate(world)
    build(world, NOW)
    assert rows(world, "select table_type from information_schema.tables where table_name = 'identity_nodes'") == [
        ("VIEW",)]
    assert rows(world, "select count(*) from identity_nodes") == rows(world, "select count(*) from identity_records")


def test_a_contact_without_a_date_still_gives_its_name_and_company(world, tmp_path):
    # Lea's only contact is undated; Max has two sharing an email, the undated one counting as the older
    load_file(world, "customers", write_jsonl(tmp_path / "c.jsonl", [
        {"source_id": "U1", "first_name": "Lea", "last_name": "Roth", "email": "lea@example.com",
         "company": "Roth GmbH", "segment": "vip"},
        {"source_id": "U2", "first_name": "Maximilian", "last_name": "Kern", "email": "max@example.com",
         "company": "Old Co"},
        {"source_id": "U3", "first_name": "Max", "last_name": "Kern", "email": "max@example.com",
         "created_at": "2025-03-01"}]), source="crm2")
    build(world, NOW)
    lea = customers.profile(customer_of(world, "customers", "U1"), ADMIN, world)
    assert (lea["display_name"], lea["company"], lea["segment"]) == ("Lea Roth", "Roth GmbH", "vip")
    max_ = customers.profile(customer_of(world, "customers", "U3"), ADMIN, world)
    assert customer_of(world, "customers", "U2") == max_["customer_id"]
    # the dated contact is the latest; the company only the undated one gives is still the latest known
    assert (max_["display_name"], max_["company"]) == ("Max Kern", "Old Co")


def test_an_order_of_several_lines_is_one_event_with_its_lines_in_order(world, tmp_path):
    lines = [("3", "Stove", "cooking", "paid", "30"), ("1", "Tent", "tents", "refunded", "120"),
             ("2", None, "tents", "refunded", "10")]
    load_file(world, "purchases", write_jsonl(tmp_path / "p.jsonl", [
        {"order_id": "M1", "line_id": line, "ordered_at": f"2026-02-0{line}T10:00:00", "amount": amount,
         "email": "ana@example.com", "product": product, "sku": f"SKU-{line}", "category": category, "status": status}
        for line, product, category, status, amount in lines]), source="shop4")
    build(world, NOW)
    assert rows(world, """select title, body, amount, product, category, status, occurred_at from customer_timeline
                          where source = 'shop4' and kind = 'purchase'""") == [
        ("Order M1", "Tent, SKU-2, Stove", 160.0, "Tent", "tents", "refunded", datetime(2026, 2, 1, 10))]
    assert rows(world, "select amount from customer_timeline where source = 'shop4' and kind = 'refund'") == [(130.0,)]


def test_active_hours_are_the_busiest_three_hour_window_the_earliest_of_equals(con, tmp_path):
    times = ["2026-02-01T23:10:00", "2026-02-02T00:20:00", "2026-02-03T01:30:00", "2026-02-04T09:00:00",
             "2026-02-05T10:00:00", "2026-02-06T11:00:00"]
    load_file(con, "social_posts", write_jsonl(tmp_path / "p.jsonl", [
        {"post_id": f"H{i}", "posted_at": at, "network": "twitter", "handle": "owl", "text": "hello"}
        for i, at in enumerate(times)]), source="social")
    build(con, NOW)
    assert rows(con, "select active_hours from customer_profiles") == [("09–12h",)]


def test_routing_many_posts_at_once_answers_as_routing_each():
    from models.inbox import route_all
    from models.routing import Post, load_rules, route

    rules = load_rules()
    posts = [Post(text=text, intent=intent, urgency=urgency, network="twitter", segment=segment,
                  lifetime_value=value)
             for text in ("Still waiting for my refund", "Love the tent", "Would love kids' sizes")
             for intent, urgency in (("complaint", "high"), ("praise", "low"), ("idea", "low"))
             for segment in ("vip", "customer", None)
             for value in (0.0, 1499.99, 1500.0, 1500.01, 99999.0)]
    assert route_all(posts, rules) == [route(p, rules) for p in posts]


def test_phone_numbers_parsed_in_worker_processes_match_one_by_one(monkeypatch):
    from models import phones

    written = ["07700 900123", "+44 20 7946 0958", "212.555.0187", "not a phone", "(020) 7946 0958", "",
               "+49 30 901820", "0044 7700 900456"] * 7
    one_by_one = [phones.to_e164(raw, "GB") for raw in written]
    monkeypatch.setattr(phones, "PARALLEL_FROM", 10)
    monkeypatch.setattr(phones, "CHUNK", 5)
    assert phones.all_to_e164(written, "GB") == one_by_one
    assert one_by_one[0] == "+447700900123" and one_by_one[3] is None


def test_a_tie_between_an_orders_lines_goes_to_the_first_category_and_status_by_name(world, tmp_path):
    lines = [("1", "tents", "refunded"), ("2", "cooking", "paid"), ("3", "tents", "paid"), ("4", "cooking", "refunded")]
    load_file(world, "purchases", write_jsonl(tmp_path / "p.jsonl", [
        {"order_id": "T1", "line_id": line, "ordered_at": "2026-02-01T10:00:00", "amount": "10",
         "email": "ana@example.com", "product": f"P{line}", "category": category, "status": status}
        for line, category, status in lines]), source="shop4")
    build(world, NOW)
    assert rows(world, """select category, status from customer_timeline
                          where source = 'shop4' and kind = 'purchase'""") == [("cooking", "paid")]


# ---------------------------------------------------------------- refresh after loads


def built_at(con) -> datetime:
    return rows(con, "select built_at from model_build")[0][0]


def test_a_refresh_with_nothing_new_keeps_the_built_models(world, tmp_path):
    again = load_file(world, "purchases", write_jsonl(tmp_path / "same.jsonl", PURCHASES), source="shop")
    assert (again.inserted, again.updated) == (0, 0)
    done = refresh(world, NOW + timedelta(hours=1))
    assert done.report is None and "no new or changed records" in done.summary()
    assert built_at(world) == NOW


def test_a_load_that_changes_a_record_makes_the_refresh_rebuild(world, tmp_path):
    changed = [dict(PURCHASES[0], amount="120.00"), *PURCHASES[1:]]
    assert load_file(world, "purchases", write_jsonl(tmp_path / "changed.jsonl", changed), source="shop").updated == 1
    later = NOW + timedelta(hours=1)
    assert refresh(world, later).report is not None
    assert built_at(world) == later
    ana = customer_of(world, "purchases", "O1")
    assert rows(world, "select amount from customer_timeline where customer_id = ? and ref_id = 'O1'", [ana]) == [
        (120.0,)]
    assert refresh(world, later + timedelta(minutes=5)).report is None  # and then it is up to date again


def test_models_a_day_old_or_built_by_another_version_are_rebuilt_without_new_data(world):
    assert refresh(world, NOW + MAX_MODEL_AGE - timedelta(minutes=1)).report is None
    assert refresh(world, NOW + MAX_MODEL_AGE).report is not None
    world.execute("update model_build set model_version = model_version - 1")
    assert refresh(world, NOW + MAX_MODEL_AGE + timedelta(minutes=1)).report is not None


def test_every_timeline_event_reads_back_from_its_packed_columns(world):
    ordered = f"select {', '.join(TIMELINE_COLUMNS)} from customer_timeline order by customer_id, event_id"
    expected = world.execute(ordered).fetchall()
    packed = rows(world, "select customer_id, event_id, occurred_at, packed from customer_timeline "
                         "order by customer_id, event_id")
    unpacked = []
    for customer_id, event_id, occurred_at, text in packed:
        unpacked += customers.unpack_events(customer_id, [(event_id, occurred_at, text)], world).rows
    assert len(unpacked) == len(expected) > 10
    assert unpacked == expected
    assert [[type(v) for v in row] for row in unpacked] == [[type(v) for v in row] for row in expected]


def test_warming_loads_the_lookup_columns_into_memory_and_lookups_still_read_right(world, db_file):
    expected = customers.load_context(customer_of(world, "customers", "C1"), "support", NOW, con=world)
    world.close()
    fresh = store.connect(db_file)
    try:
        loaded = "select coalesce(sum(memory_usage_bytes), 0) from duckdb_memory() where tag = 'BASE_TABLE'"
        before = rows(fresh, loaded)[0][0]
        warm_lookups(fresh)
        assert rows(fresh, loaded)[0][0] > before
        found = customers.load_context(expected.profile["customer_id"], "support", NOW, con=fresh)
        assert (found.profile, found.events.rows) == (expected.profile, expected.events.rows)
    finally:
        fresh.close()


def test_a_handed_over_load_that_rebuilds_warms_the_lookups_and_one_that_changes_nothing_does_not(
        world, tmp_path, monkeypatch):
    warmed = []
    monkeypatch.setattr(connection, "start_warming", warmed.append)
    path = write_jsonl(tmp_path / "p.jsonl", [{"order_id": "W1", "ordered_at": "2026-02-01T10:00:00",
                                                "amount": "12.50", "email": "ana@example.com", "status": "paid"}])
    job = {"command": "load", "kind": "purchases", "path": str(path), "source": "shop9"}
    assert connection.run_job(world, job)["ok"]
    assert len(warmed) == 1
    again = connection.run_job(world, job)  # the same file: nothing new, so no rebuild and nothing to warm
    assert "up to date" in again["summaries"][-1]
    assert len(warmed) == 1


def test_every_profile_card_reads_back_as_its_profile_row(world):
    profiles = world.execute("select * from customer_profiles order by customer_id")
    columns = [d[0] for d in profiles.description]
    expected = [dict(zip(columns, row, strict=True)) for row in profiles.fetchall()]
    cards = rows(world, "select card from customer_cards order by customer_id")
    decoded = [json_row(card, customers.profile_types(world)) for (card,) in cards]
    assert len(decoded) == len(expected) > 3
    assert decoded == expected
    assert [[type(v) for v in d.values()] for d in decoded] == [[type(v) for v in e.values()] for e in expected]


def test_a_handle_exported_with_its_at_sign_is_shown_with_one(world, tmp_path):
    load_file(world, "social_posts", write_jsonl(tmp_path / "p.jsonl", [
        {"post_id": "IG1", "posted_at": "2026-02-02T10:00:00", "network": "instagram", "handle": "@the_lee",
         "text": "Lovely morning on the trail"}]), source="instagram")
    build(world, NOW)
    lee = customer_of(world, "social_posts", "IG1")
    [title] = [r[0] for r in rows(world, "select title from customer_timeline where customer_id = ?", [lee])]
    assert title == "instagram post by @the_lee"
    assert customers.profile(lee, ADMIN, world)["display_name"] == "@the_lee"
