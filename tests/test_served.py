"""The build's point-read documents answer a customer's context, profile and search exactly as DuckDB does, and
are never read when they could be wrong: another build's, a customer with a new note, a build that failed."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

import store
from models import build as model_build
from models import operations, privacy, serving
from models.build import build, refresh
from queries import customers, served
from store.documents import documents_of, documents_path
from tests.conftest import DEMO_AS_OF
from tests.test_increments import load_changes, raw_rows_as_new_records


@pytest.fixture
def demo(demo_store, tmp_path):
    """A private copy of the demo store, built again so its documents are published beside it."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_store, path)
    con = store.connect(path)
    build(con, DEMO_AS_OF)
    yield con, path
    con.close()


def ids(con) -> list[int]:
    return [r[0] for r in con.execute("select customer_id from customer_profiles order by customer_id").fetchall()]


def context_answer(found):
    return (found.profile, found.events.columns, found.events.types, found.events.rows,
            [(p.rule, p.sentence, p.cites) for p in found.points])


def differences(con, path: Path, customer_ids: list[int]) -> list[int]:
    documents = documents_of(path)
    return [cid for cid in customer_ids
            if context_answer(customers.load_context(cid, "support", DEMO_AS_OF, con=con))
            != context_answer(customers.load_context(cid, "support", DEMO_AS_OF, con=con, documents=documents))]


def answered_by_documents(con, path: Path, customer_ids: list[int]) -> int:
    found = served.served(documents_of(path), con)
    assert found is not None
    return sum(served.customer(found, cid, customers.TIMELINE_COLUMNS, 200) is not served.FALLBACK
               for cid in customer_ids)


def test_documents_put_together_in_small_chunks_are_the_same(demo, monkeypatch):
    """A million customers' documents are put together a range of ids at a time (bounded memory): chunks of 7
    customers give every customer the same document as one chunk does."""
    con, path = demo
    whole = published_documents(path)
    monkeypatch.setattr(serving, "CHUNK_CUSTOMERS", 7)
    build(con, DEMO_AS_OF)
    assert len(whole) > 7 * 10 and published_documents(path) == whole
    assert differences(con, path, ids(con)) == []


def published_documents(path: Path) -> list[tuple]:
    db = sqlite3.connect(f"file:{documents_path(path)}?mode=ro", uri=True)
    try:
        return db.execute("select * from customers order by customer_id").fetchall()
    finally:
        db.close()


def test_every_customers_context_from_the_documents_equals_duckdbs(demo):
    con, path = demo
    everyone = ids(con)
    assert differences(con, path, everyone) == []
    # most come from the documents: only customers with notes or hand-offs (the demo team's) are read live
    assert answered_by_documents(con, path, everyone) >= 0.8 * len(everyone)
    assert customers.load_context(max(everyone) + 1000, con=con, documents=documents_of(path)) is None


def test_search_from_the_documents_equals_duckdbs(demo):
    con, path = demo
    terms = [r[0] for r in con.execute("select term from customer_search order by hash(term) limit 150").fetchall()]
    typed = [q for t in terms for q in (t, t[:3], t[:-1] + "x", t[:2] + t[3:], "#" + t, t.upper())]
    for query in typed:
        for exact_only in ([], ["email", "phone", "name"]):
            duck = customers.find_customers(query, con=con, exact_only=exact_only)
            documents = customers.find_customers(query, con=con, exact_only=exact_only, documents=documents_of(path))
            assert documents.equals(duck), (query, exact_only, duck.head(), documents.head())
    assert sum(len(customers.find_customers(q, con=con)) > 0 for q in typed) > len(typed) / 2


def a_post_without_notes(con) -> tuple[str, int]:
    return con.execute("""select s.record_key, s.customer_id from customer_sources s
                          where s.kind = 'social_posts' and s.customer_id not in (
                              select customer_id from customer_sources
                              where record_key in (select post_key from inbox_notes union
                                                   select post_key from handoffs))
                          order by s.record_key limit 1""").fetchone()


def test_a_note_sends_its_customer_to_duckdb_at_once_and_after_the_next_build(demo):
    con, path = demo
    post_key, customer_id = a_post_without_notes(con)
    found = served.served(documents_of(path), con)
    assert served.customer(found, customer_id, customers.TIMELINE_COLUMNS, 200) is not served.FALLBACK
    operations.add_note(con, post_key, "Called them back about the stove.", "sam@corp")
    with_documents = customers.load_context(customer_id, con=con, documents=documents_of(path))
    assert "Called them back about the stove." in with_documents.events.column("body")
    assert differences(con, path, [customer_id]) == []
    build(con, DEMO_AS_OF)
    found = served.served(documents_of(path), con)
    assert served.customer(found, customer_id, customers.TIMELINE_COLUMNS, 200) is served.FALLBACK
    assert differences(con, path, [customer_id]) == []


def test_an_incremental_refresh_updates_the_documents_as_a_full_build_would(demo, tmp_path):
    con, path = demo
    sources = dict(con.execute("select 'raw_' || kind, any_value(source) from customer_sources group by kind")
                   .fetchall())
    load_changes(con, tmp_path, [
        ("purchases", sources["raw_purchases"], raw_rows_as_new_records(con, "raw_purchases", 20, "-N", "order_id")),
        ("social_posts", sources["raw_social_posts"],
         raw_rows_as_new_records(con, "raw_social_posts", 20, "9", "post_id"))])
    done = refresh(con, DEMO_AS_OF)
    assert done.report is not None and done.report.touched
    assert "documents" in done.report.seconds
    everyone = ids(con)
    assert differences(con, path, everyone) == []
    assert answered_by_documents(con, path, everyone) >= 0.8 * len(everyone)


def test_documents_of_another_build_are_never_read(demo, tmp_path):
    con, path = demo
    other = tmp_path / "other.duckdb"
    shutil.copy(path, other)
    shutil.copy(documents_path(path), documents_path(other))
    with store.connect(other) as second:
        second.execute("update model_build set build_id = 'another build'")
        assert served.served(documents_of(other), second) is None
        assert differences(second, other, ids(second)[:20]) == []


def test_a_failed_build_serves_the_old_documents_again(demo, monkeypatch):
    con, path = demo
    before = documents_path(path).read_bytes()

    def broken(*args):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(model_build, "build_ideas", broken)
    with pytest.raises(RuntimeError):
        build(con, DEMO_AS_OF)
    assert documents_path(path).read_bytes() == before
    assert served.served(documents_of(path), con) is not None


def test_an_erased_customer_leaves_nothing_in_the_documents(demo):
    con, path = demo
    customer_id, email = con.execute("""select customer_id, emails[1] from customer_profiles
                                        where len(emails) > 0 order by customer_id limit 1""").fetchone()
    assert email.encode() in documents_path(path).read_bytes()  # the search terms are stored as text
    privacy.erase_customer(con, customer_id, "dpo@corp", "request DSR-9", now=DEMO_AS_OF)
    assert email.encode() not in documents_path(path).read_bytes()
    assert customers.load_context(customer_id, con=con, documents=documents_of(path)) is None
