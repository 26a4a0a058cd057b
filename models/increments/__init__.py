"""Incremental builds: the per-customer marts of only the customers that new loads or identity changes touched."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.sql import MODELS_DIR, run_model
from store import Connection

INCREMENTS_DIR = Path(__file__).resolve().parent
# marts whose rows each belong to one customer: an incremental build replaces the touched customers' rows only
PER_CUSTOMER_MARTS = ("customer_timeline", "customer_profiles", "customer_search", "ticket_facts", "post_facts")
# what those marts read of identity and of each other, narrowed to the touched customers while they build
SCOPED_INPUTS = ("customer_sources", "customer_timeline", "customer_profiles")
# from this share of customers touched, rebuilding every mart whole is faster than deleting and inserting
WHOLE_FROM_SHARE = 0.25


def remember_sources(con: Connection) -> None:
    """_previous_sources: who owned which record before this build, to find whom the identity rebuild changed."""
    con.execute("""create or replace temp table _previous_sources as
                   select customer_id, record_key from customer_sources""")


def touch_customers(con: Connection, since: int) -> tuple[int, int]:
    """_touched: the customers whose marts must be rebuilt after the loads since load `since`; with their count
    and the number of customers in all."""
    sql = (INCREMENTS_DIR / "touched_customers.sql").read_text()
    con.execute(f"create or replace temp table _touched as\n{sql}", {"since": since})
    con.execute("drop table _previous_sources")
    return con.execute("""select (select count(*) from _touched),
                                 (select count(distinct customer_id) from customer_sources)""").fetchall()[0]


def update_marts(con: Connection, marts: tuple[str, ...]) -> list[str]:
    """Replace the touched customers' rows of the per-customer marts, rebuild the others whole (in `marts`'
    dependency order); returns the marts rebuilt whole."""
    database = quoted(con.execute("select current_database()").fetchall()[0][0])
    whole = []
    for name in marts:
        path = MODELS_DIR / "marts" / f"{name}.sql"
        if name not in PER_CUSTOMER_MARTS:
            run_model(con, path)
            whole.append(name)
            continue
        table = f"{database}.main.{name}"
        con.execute(f"delete from {table} where customer_id in (select customer_id from _touched)")
        with scoped_to_touched(con, database):
            con.execute(f"insert into {table} by name\n{path.read_text()}")
    return whole


@contextmanager
def scoped_to_touched(con: Connection, database: str) -> Iterator[None]:
    """While inside, a model reading customer_sources, customer_timeline or customer_profiles sees the touched
    customers' rows only: temporary views of those names shadow the tables (the mart SQL stays as it is)."""
    for name in SCOPED_INPUTS:
        con.execute(f"""create or replace temp view {name} as
                        select * from {database}.main.{name}
                        where customer_id in (select customer_id from _touched)""")
    try:
        yield
    finally:
        for name in SCOPED_INPUTS:
            con.execute(f"drop view if exists temp.main.{name}")


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
