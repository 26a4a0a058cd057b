"""Incremental builds: after a load, rebuilding only the touched customers' marts gives what a full build gives."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime, timedelta

import pytest

import store
from connectors.loader import load_file
from models import build as model_build
from models import inbox, increments, operations, routing
from models.build import build, refresh
from models.identity import decisions
from models.inbox import INBOX_WINDOW
from tests.conftest import DEMO_AS_OF, rows, snapshot
from tests.model_fixtures import NOW, load_world, write_jsonl

# a day after the world's build: one of each kind of change an incremental build must follow
NEXT_DAY = [
    # a comment on Bob's solved ticket: only through its ticket is it Bob's
    ("ticket_comments", "desk", [{"comment_id": "M6", "ticket_id": "T3", "created_at": "2026-03-01T09:00:00",
                                  "author_type": "customer", "body": "The new zip broke too."}]),
    # the brand answers Ana's post: a company post that belongs to the history of the customer it answers
    ("social_posts", "social", [{"post_id": "S4", "posted_at": "2026-03-01T09:30:00", "network": "instagram",
                                 "handle": "fernwood", "text": "@ana.hikes so glad!", "in_reply_to": "S1",
                                 "from_company": "true"}]),
    # Ana's open ticket is solved: a changed row replaces its staged and modelled past, it is not added beside it
    ("tickets", "desk", [{"ticket_id": "T2", "created_at": "2026-02-26T12:00:00",
                          "requester_email": "ana.silva@example.com", "subject": "Where is my order?",
                          "description": "No tracking yet", "status": "solved",
                          "solved_at": "2026-03-01T08:00:00", "channel": "web"}]),
    # Bob's first order
    ("purchases", "shop", [{"order_id": "O5", "ordered_at": "2026-03-01T10:00:00", "amount": "75.00",
                            "email": "bob@example.com", "product": "Boots", "category": "footwear",
                            "status": "paid"}]),
    # a CRM contact for the Twitter author Tom: his posts and the new contact become one customer
    ("customers", "crm", [{"source_id": "C5", "first_name": "Tom", "last_name": "Reed", "email": "tom@example.com",
                           "twitter": "@TrailTom", "created_at": "2026-03-01"}]),
]


@pytest.fixture
def world(con, tmp_path):
    load_world(con, tmp_path)
    build(con, NOW)
    return con


def load_changes(con, folder, changes) -> None:
    for kind, source, records in changes:
        load_file(con, kind, write_jsonl(folder / f"next_{kind}.jsonl", records), source=source)


def customer_of(con, kind: str, source_id: str) -> int:
    return rows(con, "select customer_id from customer_sources where kind = ? and source_id = ?",
                [kind, source_id])[0][0]


# identity graph columns holding a node number, or a group's label (the smallest node number in it), by group
NUMBERED = {"node": "node", "component": "component", "component_l": "component", "component_r": "component",
            "cluster_id": "component", "cluster_id_l": "component", "cluster_id_r": "component", "cluster": "cluster"}
UNORDERED_PAIRS = (("component_l", "component_r"), ("cluster_id_l", "cluster_id_r"))


def model_tables(con) -> dict[str, list]:
    """Every table but the raw ones and the load log, each as sorted rows: what the models hold. Node numbers (an
    incremental build numbers restaged records after the others) are replaced by the records they stand for."""
    tables = {name: found for name, found in snapshot(con).items() if not name.startswith(("raw_", "quarantine"))}
    # every build has an id of its own (its point-read documents carry it), the only thing two builds never share
    tables["model_build"] = sorted(map(repr, con.execute("select * exclude (build_id) from model_build").fetchall()))
    meaning = node_meanings(con)
    for table in [t for t in tables if t.startswith("identity_")]:
        columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
        if any(column in NUMBERED for column in columns):
            tables[table] = sorted(repr(unnumbered(dict(zip(columns, row, strict=True)), meaning))
                                   for row in con.execute(f"select * from {table}").fetchall())
    return tables


def node_meanings(con) -> dict[str, dict[int, str]]:
    """For nodes, their record; for the labels of components and clusters, the first record (by key) in them."""
    return {"node": dict(rows(con, "select node, record_key from identity_records")),
            **{group: dict(rows(con, f"""select c.{group}, min(r.record_key) from identity_clusters c
                                         join identity_records r using (node) group by c.{group}"""))
               for group in ("component", "cluster")}}


def unnumbered(row: dict, meaning: dict[str, dict[int, str]]) -> list:
    named = {column: meaning[NUMBERED[column]][value] if column in NUMBERED and value is not None else value
             for column, value in row.items()}
    for left, right in UNORDERED_PAIRS:
        if left in named:
            named[left], named[right] = sorted((named[left], named[right]))
    return sorted(named.items())


def test_an_incremental_build_after_a_load_equals_a_full_build(world, tmp_path, monkeypatch):
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)  # the world is tiny: any load touches a big share
    parks = [customer_of(world, "customers", contact) for contact in ("C2", "C3")]
    parks_profiles = rows(world, "select * from customer_profiles where customer_id in (?, ?)", parks)
    load_changes(world, tmp_path, NEXT_DAY)
    done = refresh(world, NOW)
    assert done.report is not None and done.report.touched == 3, done.summary()  # Ana, Bob, Tom; not the Parks
    assert "rebuilt 3 of" in done.summary()
    tom = customer_of(world, "customers", "C5")
    assert customer_of(world, "social_posts", "S2") == tom
    assert rows(world, "select display_name, order_count from customer_profiles where customer_id = ?",
                [customer_of(world, "customers", "C4")]) == [("Bob Jones", 1)]
    assert rows(world, "select status from stg_tickets where ticket_id = 'T2'") == [("solved",)]
    assert rows(world, "select open_ticket_count from customer_profiles where customer_id = ?",
                [customer_of(world, "customers", "C1")]) == [(1,)]  # T1 is still open, T2 no longer
    assert rows(world, "select * from customer_profiles where customer_id in (?, ?)", parks) == parks_profiles
    incremental = model_tables(world)
    assert {r[0] for r in rows(world, "select table_name from duckdb_indexes()")} == set(model_build.LOOKUP_TABLES)

    assert build(world, NOW).touched is None
    assert model_tables(world) == incremental


def test_an_incremental_build_keeps_node_numbers_and_numbers_restaged_records_after_them(world, tmp_path,
                                                                                         monkeypatch):
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)
    before = dict(rows(world, "select record_key, node from identity_records"))
    load_changes(world, tmp_path, NEXT_DAY)
    refresh(world, NOW)
    after = dict(rows(world, "select record_key, node from identity_records"))
    restaged = {"tickets:desk:T2", "purchases:shop:O5", "customers:crm:C5"}
    assert restaged <= set(after)
    assert {k: n for k, n in after.items() if k not in restaged} == {k: n for k, n in before.items()
                                                                      if k not in restaged}
    assert min(after[k] for k in restaged) > max(before.values())
    assert len(set(after.values())) == len(after)  # still one number per record


def test_a_load_touching_many_customers_rebuilds_every_mart_whole(world, tmp_path):
    load_changes(world, tmp_path, NEXT_DAY)
    done = refresh(world, NOW + timedelta(hours=1))
    assert done.report is not None and done.report.touched is None
    assert "built " in done.summary() and "rebuilt" not in done.summary()


def test_a_post_leaving_the_last_90_days_rebuilds_its_author_and_no_calendar_forces_a_full_build(world,
                                                                                                monkeypatch):
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)
    ana, tom = customer_of(world, "customers", "C1"), customer_of(world, "social_posts", "S2")
    sentiment = "select sentiment_90d from customer_profiles where customer_id = ?"
    assert rows(world, sentiment, [ana])[0][0] > 0.05  # her post S1 of 2026-02-20 18:00
    # a day later nothing left the 90 days: an incremental build touching nobody, not a full one
    assert refresh(world, NOW + model_build.MAX_MODEL_AGE).report.touched == 0
    # 2026-05-22 12:00: S1 is more than 90 days old, Tom's S2 (2026-02-21 19:00) not yet
    later = datetime(2026, 5, 22, 12)
    assert refresh(world, later).report.touched == 1
    assert rows(world, sentiment, [ana]) == [(None,)]
    assert rows(world, sentiment, [tom])[0][0] is not None
    assert rows(world, "select built_at, full_built_at from model_build") == [(later, NOW)]
    incremental = model_tables(world)
    assert build(world, later).touched is None
    whole = model_tables(world)
    assert whole.pop("model_build") != incremental.pop("model_build")  # full_built_at: now this build
    assert whole == incremental
    # a build dated before the last one (a clock set back) brings the post back into the 90 days
    assert refresh(world, NOW + model_build.MAX_MODEL_AGE, decided=True).report.touched == 1
    assert rows(world, sentiment, [ana])[0][0] > 0.05


def test_another_default_phone_region_or_sparse_node_numbers_need_a_full_build(world, monkeypatch):
    assert not model_build.needs_full_build(world)
    monkeypatch.setenv("RAPPORT_PHONE_REGION", "US")
    assert model_build.needs_full_build(world)  # staged numbers were read as British ones
    assert refresh(world, NOW + timedelta(hours=1), decided=True).report.touched is None
    assert not model_build.needs_full_build(world)
    # restaged records numbered after the highest, again and again, until the numbers are mostly gaps
    world.execute("update identity_records set node = node * 3")
    assert model_build.needs_full_build(world)
    assert refresh(world, NOW + timedelta(hours=2), decided=True).report.touched is None
    assert rows(world, "select max(node) + 1 = count(*) from identity_records") == [(True,)]


def test_a_new_classifier_version_routes_the_whole_inbox_again(world, monkeypatch):
    routed = inbox.routed_with(world)
    assert routed == inbox.fingerprint(routing.load_rules())
    monkeypatch.setattr(inbox.classify, "RULES_VERSION", "test-next")
    assert inbox.fingerprint(routing.load_rules()) != routed


def raw_rows_as_new_records(con, table: str, limit: int, suffix: str, id_column: str) -> list[dict]:
    """`limit` rows of a raw table as canonical records with a new id: new data in the shape the demo has."""
    found = con.execute(f"select * exclude (source, record_id, _row_hash, _load_id, _file, _loaded_at) "
                        f"from {table} order by record_id limit {limit}")
    names = [d[0] for d in found.description]
    records = []
    for values in found.fetchall():
        record = {n: (v.isoformat() if hasattr(v, "isoformat") else v) for n, v in zip(names, values, strict=True)}
        record[id_column] = f"{record[id_column]}{suffix}"
        records.append({n: (str(v).lower() if isinstance(v, bool) else str(v)) for n, v in record.items()
                        if v is not None})
    return records


def test_on_the_demo_data_an_incremental_build_equals_a_full_build(demo_store, tmp_path, monkeypatch):
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 0.5)
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, path)
    con = store.connect(path)
    try:
        sources = dict(con.execute("select 'raw_' || kind, any_value(source) from customer_sources "
                                   "group by kind").fetchall())
        changes = [
            ("purchases", sources["raw_purchases"],
             raw_rows_as_new_records(con, "raw_purchases", 30, "-N", "order_id")),
            ("social_posts", sources["raw_social_posts"],
             raw_rows_as_new_records(con, "raw_social_posts", 30, "9", "post_id")),
            ("tickets", sources["raw_tickets"], raw_rows_as_new_records(con, "raw_tickets", 10, "9", "ticket_id")),
        ]
        load_changes(con, tmp_path, changes)
        done = refresh(con, DEMO_AS_OF)
        assert done.report is not None and 0 < done.report.touched < done.report.customers / 2, done.summary()
        incremental = model_tables(con)
        build(con, DEMO_AS_OF)
        assert model_tables(con) == incremental
    finally:
        con.close()


def test_the_incremental_inbox_routes_everyone_again_when_the_routing_rules_change(world, tmp_path, monkeypatch):
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)
    before = dict(rows(world, "select post_key, target_minutes from social_inbox"))
    assert before  # Ana's and Tom's posts are in the inbox
    slower = [dataclasses.replace(rule, target_minutes=rule.target_minutes + 7) for rule in routing.load_rules()]
    monkeypatch.setattr(inbox, "load_rules", lambda: slower)
    load_changes(world, tmp_path, NEXT_DAY[:1])  # touches Bob only, who never posted
    assert refresh(world, NOW).report.touched == 1
    assert dict(rows(world, "select post_key, target_minutes from social_inbox")) == {
        key: minutes + 7 for key, minutes in before.items()}


def test_a_staff_merge_and_its_undo_rebuild_only_the_two_customers_and_equal_a_full_build(world, monkeypatch):
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)
    sam, jo = (customer_of(world, "customers", contact) for contact in ("C2", "C3"))
    merge = decisions.merge(world, sam, jo, reason="same person after all", decided_by="ops@example.com")
    done = refresh(world, NOW, decided=True)
    assert done.report.touched == 2, done.summary()
    assert customer_of(world, "customers", "C2") == customer_of(world, "customers", "C3")
    merged = model_tables(world)
    build(world, NOW)
    assert model_tables(world) == merged

    decisions.undo(world, merge, undone_by="ops@example.com")
    assert refresh(world, NOW, decided=True).report.touched == 2
    assert customer_of(world, "customers", "C2") != customer_of(world, "customers", "C3")
    undone = model_tables(world)
    build(world, NOW)
    assert model_tables(world) == undone


def test_the_incremental_inbox_drops_posts_that_left_the_window_and_keeps_those_staff_still_work_on(
        con, tmp_path, monkeypatch):
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)
    load_world(con, tmp_path)
    ana_posted = datetime(2026, 2, 20, 18)  # S1; Tom's S2 is a day younger
    load_changes(con, tmp_path, [("social_posts", "social", [
        {"post_id": "S5", "posted_at": "2026-02-20T19:00:00", "network": "instagram", "handle": "ana.hikes",
         "text": "Still waiting for my refund, this is ridiculous"}])])
    built = ana_posted + INBOX_WINDOW - timedelta(hours=1)
    build(con, built)
    inbox = "select post_key from social_inbox order by post_key"
    assert [r[0] for r in rows(con, inbox)] == [f"social_posts:social:{p}" for p in ("S1", "S2", "S5")]
    operations.set_status(con, "social_posts:social:S1", "in_progress", "kim@corp")
    load_changes(con, tmp_path, NEXT_DAY[:1])  # touches Bob
    later = ana_posted + INBOX_WINDOW + timedelta(hours=3)  # S1 and S5 are past the window, S2 not yet
    assert refresh(con, later).report.touched == 2  # Bob, and Ana: her posts left the last 90 days
    kept = rows(con, "select * from social_inbox order by post_key")
    assert [row[0] for row in kept] == ["social_posts:social:S1", "social_posts:social:S2"]
    build(con, later)
    assert rows(con, "select * from social_inbox order by post_key") == kept


def test_a_fuzzy_link_from_a_loaded_contact_to_an_untouched_customer_equals_a_full_build(world, tmp_path,
                                                                                          monkeypatch):
    # a contact from another system with no key in common with Ana: a typo in each name, day and month swapped,
    # the same postcode; only splink links it, to a customer the load did not otherwise touch
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)
    ana = customer_of(world, "customers", "C1")
    contact = {"source_id": "X1", "first_name": "Anaa", "last_name": "Silvq", "birth_date": "1988-12-04",
               "postcode": "LS1 4AB", "city": "Leeds", "created_at": "2026-03-01"}
    load_changes(world, tmp_path, [("customers", "other_crm", [contact])])
    done = refresh(world, NOW)
    assert done.report is not None and done.report.touched is not None, done.summary()
    method, evidence = rows(world, """select link_method, evidence from customer_sources
                                      where source = 'other_crm' and source_id = 'X1'""")[0]
    assert customer_of(world, "customers", "X1") == ana
    assert method == "probabilistic"
    assert "birth date: day/month swapped" in evidence and "postcode: exact" in evidence
    incremental = model_tables(world)
    assert build(world, NOW).touched is None
    assert model_tables(world) == incremental


def lloyd_household() -> tuple[list[dict], list[dict]]:
    """Cheryl and Sophie Lloyd at one home in the CRM, and another system's copies of both with first and last
    name the other way round and no mailbox or phone."""
    home = {"street": "3 Preston Unions", "city": "Mathewport", "postcode": "PH1 3HP", "created_at": "2026-03-01"}
    crm = [{"source_id": "L1", "first_name": "Cheryl", "last_name": "Lloyd", "birth_date": "1941-12-25",
            "email": "clloyd2@example.com", **home},
           {"source_id": "L2", "first_name": "Sophie", "last_name": "Lloyd", "birth_date": "1942-06-21",
            "email": "sophie.lloyd@example.com", **home}]
    swapped = [{**contact, "source_id": f"S{contact['source_id']}", "first_name": contact["last_name"],
                "last_name": contact["first_name"], "email": ""} for contact in crm]
    return crm, swapped


def test_a_load_that_shows_a_name_is_a_surname_splits_relatives_it_did_not_touch_as_a_full_build_would(
        world, tmp_path, monkeypatch):
    # with only the household on file nothing says whether "Lloyd" is a first name or a surname, and the two swapped
    # copies pair on it; a load of other people named Lloyd, Cheryl and Sophie shows it is a surname: the copies are
    # read in their roles and part, although the load changed none of their records
    monkeypatch.setattr(increments, "WHOLE_FROM_SHARE", 1.0)
    crm, swapped = lloyd_household()
    load_changes(world, tmp_path, [("customers", "crm", crm), ("customers", "other_crm", swapped)])
    build(world, NOW)
    assert customer_of(world, "customers", "SL1") == customer_of(world, "customers", "SL2")  # before: one "person"
    town = [{"source_id": f"T{i}", "first_name": first, "last_name": last, "birth_date": f"{1960 + i}-0{1 + i}-1{i}",
             "postcode": f"T{i} 1AA", "city": f"Town {i}", "street": f"{i} Any Road", "created_at": "2026-03-02"}
            for i, (first, last) in enumerate((("Sophie", "Ward"), ("Sophie", "Green"), ("Cheryl", "Ward"),
                                               ("Cheryl", "Green"), ("Emma", "Lloyd"), ("Paul", "Lloyd")))]
    load_changes(world, tmp_path, [("customers", "town", town)])
    done = refresh(world, NOW)
    assert done.report is not None and done.report.touched is not None, done.summary()
    assert customer_of(world, "customers", "SL1") == customer_of(world, "customers", "L1")
    assert customer_of(world, "customers", "SL2") == customer_of(world, "customers", "L2")
    assert customer_of(world, "customers", "L1") != customer_of(world, "customers", "L2")
    incremental = model_tables(world)
    assert build(world, NOW).touched is None
    assert model_tables(world) == incremental
