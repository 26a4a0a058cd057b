"""Models written sorted in slices of their key (models.sql.SORTED_IN_SLICES: the customer timeline) hold exactly
the rows, in the order, that the one statement gives, and need less memory: a select whose sort runs beside a join
and a window fails in one statement under a memory limit it builds under a slice at a time."""

from __future__ import annotations

import duckdb
import pytest

import models.sql
import store
from models.sql import run_model

# events of 1,000 customers (some rows without one), each with a text, joined to the customer's name, and each
# customer's count of events: a join and a window feeding the sort, as in the timeline
EVENTS = """select e.customer_id, e.body, c.name, count(*) over (partition by e.customer_id) as events
            from events as e left join customers as c using (customer_id)"""


def sliced(monkeypatch, tmp_path, sql: str, rows_per_slice: int):
    """The model file `timeline.sql` (`sql`), registered to be written sorted by customer_id in slices."""
    monkeypatch.setitem(models.sql.SORTED_IN_SLICES, "timeline", "customer_id")
    monkeypatch.setattr(models.sql, "SLICE_ROWS", rows_per_slice)
    path = tmp_path / "timeline.sql"
    path.write_text(sql, encoding="utf-8")
    return path


def load_events(con, events: int, width: int) -> None:
    con.execute(f"""create table events as
                    select case when i % 97 = 0 then null else (hash(i) % {events // 20})::bigint end as customer_id,
                           repeat(md5(i::varchar), {width}) as body
                    from range({events}) as t(i)""")
    con.execute(f"""create table customers as select i::bigint as customer_id, repeat(md5((7 * i)::varchar), {width})
                    as name from range({events // 20}) as t(i)""")


def test_a_model_written_in_slices_holds_the_one_statements_rows_in_its_order(monkeypatch, tmp_path):
    con = store.memory()
    load_events(con, 20_000, 1)
    run_model(con, sliced(monkeypatch, tmp_path, f"{EVENTS}\norder by customer_id\n", rows_per_slice=1_500))
    con.execute(f"create table expected as {EVENTS} order by customer_id")
    in_order = "select list(customer_id order by rowid) from {}"
    assert con.execute(in_order.format("timeline")).fetchall() == con.execute(in_order.format("expected")).fetchall()
    for a, b in (("timeline", "expected"), ("expected", "timeline")):
        assert con.execute(f"select count(*) from (from {a} except all from {b})").fetchall() == [(0,)]
    # not vacuously: many slices, customers' rows in key order, the rows without a customer last
    assert con.execute("select count(*), count(customer_id) from timeline").fetchall() == [(20_000, 20_000 - 207)]
    assert con.execute("""select bool_and(customer_id is null) from
                          (from timeline order by rowid desc limit 207)""").fetchall() == [(True,)]


def test_an_empty_model_written_in_slices_is_an_empty_table(monkeypatch, tmp_path):
    con = store.memory()
    load_events(con, 20, 1)
    run_model(con, sliced(monkeypatch, tmp_path, f"{EVENTS} where false\norder by customer_id", rows_per_slice=5))
    assert con.execute("select count(*) from timeline").fetchall() == [(0,)]
    assert [r[0] for r in con.execute("describe timeline").fetchall()] == ["customer_id", "body", "name", "events"]


def test_written_in_slices_a_model_builds_under_a_limit_the_one_statement_outgrows(monkeypatch, tmp_path):
    con = duckdb.connect(str(tmp_path / "store.duckdb"))  # a file: DuckDB spills to the folder beside it
    load_events(con, 1_000_000, 4)
    con.execute("set threads = 2")  # memory per thread: the same on every machine
    con.execute("set memory_limit = '90MB'")
    with pytest.raises(duckdb.OutOfMemoryException):
        con.execute(f"create table at_once as {EVENTS} order by customer_id")
    run_model(con, sliced(monkeypatch, tmp_path, f"{EVENTS}\norder by customer_id", rows_per_slice=100_000))
    assert con.execute("select count(*) from timeline").fetchall() == [(1_000_000,)]


def test_a_model_to_be_written_in_slices_must_end_ordering_by_its_key(monkeypatch, tmp_path):
    con = store.memory()
    load_events(con, 20, 1)
    with pytest.raises(ValueError, match="does not end with `order by customer_id`"):
        run_model(con, sliced(monkeypatch, tmp_path, f"{EVENTS}\norder by name", rows_per_slice=5))
