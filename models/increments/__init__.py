"""Incremental builds: restage only new raw rows, rebuild only the marts of customers that loads or identity touched."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.sql import MODELS_DIR, model_files, run_model
from store import Connection, quote_identifier

INCREMENTS_DIR = Path(__file__).resolve().parent
# the staged tables identity_records reads
IDENTITY_INPUTS = ("stg_customers", "stg_purchases", "stg_tickets", "stg_social_posts")
# marts whose rows each belong to one customer: an incremental build replaces the touched customers' rows only
PER_CUSTOMER_MARTS = ("customer_timeline", "customer_profiles", "customer_cards", "customer_search", "ticket_facts",
                      "post_facts")
# what those marts read of identity and of each other, narrowed to the touched customers while they build
SCOPED_INPUTS = ("customer_sources", "customer_timeline", "customer_profiles")
# store-wide figures a per-customer mart repeats on every row (a lookup then needs no join): set again on the rows
# of the customers not touched, when the figure moved
STORE_WIDE_FIGURES = {
    "customer_cards": """update {table} set ltv_top_decile = stats.ltv_top_decile from customer_stats as stats
                         where {table}.ltv_top_decile is distinct from stats.ltv_top_decile""",
}
# from this share of customers touched, rebuilding every mart whole is faster than deleting and inserting
WHOLE_FROM_SHARE = 0.25


def remember_previous_build(con: Connection) -> None:
    """_previous_owners: who owned which record (by node) before this build, to find whom the identity rebuild
    changed (node numbers compare across an incremental build: a record keeps its number unless restaged);
    _previous_build: when the models were last built, to find whose posts left the last 90 days since."""
    con.execute("""create or replace temp table _previous_owners as
                   select node, customer_id from identity_assignments""")
    con.execute("create or replace temp table _previous_build as select built_at from model_build")


def touch_customers(con: Connection, since: int) -> int | None:
    """_touched: the customers whose models must be rebuilt after the loads since load `since`, given the identity
    just resolved; their number, or None when they are so many that rebuilding everything whole is faster."""
    sql = (INCREMENTS_DIR / "touched_customers.sql").read_text()
    con.execute(f"create or replace temp table _touched as\n{sql}", {"since": since})
    con.execute("drop table _previous_owners; drop table _previous_build")
    touched, customers = con.execute("""select (select count(*) from _touched),
                                               (select count(distinct customer_id) from identity_assignments)
                                     """).fetchall()[0]
    return None if touched > WHOLE_FROM_SHARE * customers else touched


def update_customer_sources(con: Connection, path: Path) -> None:
    """The touched customers' rows of customer_sources (the model at `path`), from the identity just resolved."""
    database = database_of(con)
    assignments = f"""select * from {database}.main.identity_assignments
                      where customer_id in (select customer_id from _touched)"""
    scope = {"identity_assignments": assignments,
             **{name: f"select * from {database}.main.{table} where node in (select node from ({assignments}))"
                for name, table in (("identity_node_keys", "identity_node_keys"),
                                    ("identity_nodes", "identity_records"))}}
    con.execute(f"delete from {database}.main.customer_sources where customer_id in (select customer_id from _touched)")
    with shadowed(con, scope):
        con.execute(f"insert into {database}.main.customer_sources by name\n{path.read_text()}")


def update_identity_records(con: Connection, path: Path, since: int) -> None:
    """identity_records (the model at `path`) for the records restaged since load `since`: the others keep their
    rows and node numbers, restaged ones are numbered after the highest (rewriting 15M records costs ~30 s at 1M)."""
    database = database_of(con)
    table = f"{database}.main.identity_records"
    restaged = {name: f"select * from {database}.main.{name} where load_id > {int(since)}" for name in IDENTITY_INPUTS}
    with shadowed(con, restaged):
        con.execute(f"create or replace temp table _records as\n{path.read_text()}")
        # every restaged record goes, not only those still in the model: a post may now be the company's own
        keys = " union all ".join(f"select record_key from {name}" for name in IDENTITY_INPUTS)
        con.execute(f"delete from {table} where record_key in ({keys})")
    con.execute(f"""insert into {table} by name
                    select * replace (node + (select coalesce(max(node), -1) + 1 from {table}) as node)
                    from _records""")
    con.execute("drop table _records")


def stage_changes(con: Connection, since: int) -> None:
    """Restage only the raw rows that loads after `since` inserted or changed: each staging model reads its raw
    table through a view of those rows, and its rows for the same records are replaced (a load replaces a changed
    raw row whole, under the same record id, so the record keys match)."""
    database = database_of(con)
    for path in model_files("staging"):
        raw = "raw_" + path.stem.removeprefix("stg_")
        with shadowed(con, {raw: f"select * from {database}.main.{raw} where _load_id > {int(since)}"}):
            con.execute(f"create or replace temp table _staged as\n{path.read_text()}")
        table = f"{database}.main.{path.stem}"
        con.execute(f"delete from {table} where record_key in (select record_key from _staged)")
        con.execute(f"insert into {table} by name select * from _staged")
        con.execute("drop table _staged")


def update_marts(con: Connection, marts: tuple[str, ...]) -> list[str]:
    """Replace the touched customers' rows of the per-customer marts, rebuild the others whole (in `marts`'
    dependency order); returns the marts rebuilt whole."""
    database = database_of(con)
    whole = []
    for name in marts:
        path = MODELS_DIR / "marts" / f"{name}.sql"
        if name not in PER_CUSTOMER_MARTS:
            run_model(con, path)
            whole.append(name)
            continue
        table = f"{database}.main.{name}"
        con.execute(f"delete from {table} where customer_id in (select customer_id from _touched)")
        with scoped_to(con, "_touched"):
            con.execute(f"insert into {table} by name\n{path.read_text()}")
        if name in STORE_WIDE_FIGURES:
            con.execute(STORE_WIDE_FIGURES[name].format(table=table))
    return whole


def scoped_to(con: Connection, customers: str):
    """While inside, models read only the rows of the customers in table `customers` from customer_sources,
    customer_timeline and customer_profiles."""
    database = database_of(con)
    return shadowed(con, {name: f"""select * from {database}.main.{name}
                                    where customer_id in (select customer_id from {customers})"""
                          for name in SCOPED_INPUTS})


@contextmanager
def shadowed(con: Connection, views: dict[str, str]) -> Iterator[None]:
    """While inside, a model reading one of `views`' names reads the view's rows instead of the table's: temporary
    views shadow tables of the same name, so the model SQL stays as it is."""
    for name, sql in views.items():
        con.execute(f"create or replace temp view {name} as {sql}")
    try:
        yield
    finally:
        for name in views:
            con.execute(f"drop view if exists temp.main.{name}")


def database_of(con: Connection) -> str:
    """The store's catalog name, quoted: a table named in full is never one of the shadowing views."""
    return quote_identifier(con.execute("select current_database()").fetchall()[0][0])
