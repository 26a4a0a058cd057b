"""Identity resolution in three tiers — shared keys, splink, staff decisions — with customer ids that stay put."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from models.identity.components import component_labels
from models.increments import touch_customers, update_customer_sources, update_identity_records
from models.sql import run_model
from store import Connection

IDENTITY_DIR = Path(__file__).resolve().parent
# which record anchors a new customer id: a CRM contact outlives any single order, ticket or post
ANCHOR_RANK = "case kind when 'customers' then 0 when 'tickets' then 1 when 'purchases' then 2 else 3 end"


def resolve_identities(con: Connection, now: datetime, changed_since: int | None = None) -> int | None:
    """Build identity_records → customer_sources, possible_duplicates and customer_id_lookup.

    With `changed_since` (an incremental build) customer_sources is rewritten only for the customers the loads
    since then touched (see models.increments), whose number is returned; None when it was rebuilt whole.
    """
    if changed_since is None:
        run_model(con, IDENTITY_DIR / "identity_records.sql")
    else:
        update_identity_records(con, IDENTITY_DIR / "identity_records.sql", changed_since)
    run_model(con, IDENTITY_DIR / "identity_ambiguous_keys.sql")
    number_records(con)
    link_by_keys(con)
    link_by_splink(con, incremental=changed_since is not None)
    link_clusters(con)
    assign_customer_ids(con, now)
    touched = None if changed_since is None else touch_customers(con, changed_since)
    if touched is None:
        run_model(con, IDENTITY_DIR / "customer_sources.sql")
    else:
        update_customer_sources(con, IDENTITY_DIR / "customer_sources.sql")
    for model in ("customer_id_lookup", "possible_duplicates"):
        run_model(con, IDENTITY_DIR / f"{model}.sql")
    con.execute("drop table _identity_keys")
    return touched


def number_records(con: Connection) -> None:
    """identity_nodes: every record with its number, the graph's node id (see identity_records.sql)."""
    con.execute("create or replace view identity_nodes as select * from identity_records")
    con.execute(f"create or replace temp table _split_records as {SPLIT_RECORDS_SQL}")


def link_by_keys(con: Connection) -> None:
    """Tier 1: records sharing a key (email, phone, handle, reference) are one person, transitively."""
    con.execute(f"create or replace table identity_node_keys as {NODE_KEYS_SQL}")
    run_model(con, IDENTITY_DIR / "identity_family_links.sql")
    con.execute(f"insert into identity_node_keys {FAMILY_NODE_KEYS_SQL}")
    node_count = node_bound(con)
    # keys are nodes too, numbered after the records in any order (a component's label is its smallest record node);
    # kept until customer_sources has read which keys are shared, then dropped: a temp table is not written out
    con.execute("""create or replace temp table _identity_keys as
                   select key, $offset + row_number() over () - 1 as key_node, count(*) as holders
                   from identity_node_keys group by key""", {"offset": node_count})
    key_count = con.execute("select count(*) from _identity_keys").fetchone()[0]
    edges = con.execute("""select k.node, i.key_node
                           from identity_node_keys k join _identity_keys i using (key)""").fetchnumpy()
    labels = component_labels(node_count + key_count, np.asarray(edges["node"]), np.asarray(edges["key_node"]))
    nodes = record_nodes(con)
    store_labels(con, "identity_components", nodes, component=labels[nodes])


def node_bound(con: Connection) -> int:
    """One more than the highest node number: an incremental build leaves gaps where it renumbered records."""
    return con.execute("select coalesce(max(node), -1) + 1 from identity_nodes").fetchall()[0][0]


def record_nodes(con: Connection) -> np.ndarray:
    return np.asarray(con.execute("select node from identity_nodes").fetchnumpy()["node"], dtype=np.int64)


def store_labels(con: Connection, table: str, nodes: np.ndarray, **labels: np.ndarray) -> None:
    """(Re)create `table` with a row per node and a column per named array of labels."""
    frame = pd.DataFrame({"node": nodes, **labels})
    con.register("_labels", frame)
    con.execute(f"create or replace table {table} as select * from _labels")
    con.unregister("_labels")


def link_by_splink(con: Connection, incremental: bool = False) -> None:
    """Tier 2: score key-linked groups that carry a name against each other with splink (`incremental`: only the
    groups new or changed since the last build, against all)."""
    con.execute(f"create or replace table identity_candidates as {CANDIDATES_SQL}")
    from models.identity.probabilistic import score_pairs  # splink is heavy to import; only builds need it

    score_pairs(con, "identity_candidates", "identity_matches", changed_only=incremental)


# Tier 1's SQL, shared with the Spark build (models.engines.spark_build), which translates it
SPLIT_RECORDS_SQL = """
    select distinct record_key from identity_decisions
    where action = 'split' and undone_at is null
"""
NODE_KEYS_SQL = """
    with keyed as (
        select node, unnest(keys) as key from identity_nodes
        where record_key not in (select record_key from _split_records)
    )
    select node, key from keyed
    where key is not null and key not in (select key from identity_ambiguous_keys)
"""
FAMILY_NODE_KEYS_SQL = """
    select node, key from identity_family_links
    where node not in (select node from identity_nodes
                       where record_key in (select record_key from _split_records))
"""
# tier 2's candidates: one per key-linked group that carries a name
CANDIDATES_SQL = f"""
                    with grouped as (
                        select c.component as cluster_id,
                               arg_min(n.first_name, ({ANCHOR_RANK}, n.record_key))
                                   filter (where n.first_name is not null) as first_name,
                               arg_min(n.last_name, ({ANCHOR_RANK}, n.record_key))
                                   filter (where n.last_name is not null) as last_name,
                               min(n.birth_date) as birth_date,
                               -- a contact may record a birth date; an order, ticket or post never does
                               bool_or(n.kind = 'customers') as has_contact,
                               min(n.email_local) as email_local,
                               -- one whole address, ranked like the name: a contact's home, not the office an
                               -- order was billed to because its street sorts first
                               arg_min({{'postcode': n.postcode, 'city': n.city, 'street': n.street}},
                                       ({ANCHOR_RANK}, n.record_key))
                                   filter (where coalesce(n.postcode, n.city, n.street) is not null) as address
                        from identity_nodes n join identity_components c using (node)
                        where n.record_key not in (select record_key from _split_records)
                        group by c.component
                        -- one name is enough to be compared: auto links need evidence beyond it anyway
                        having coalesce(first_name, last_name) is not null
                    )
                    select * exclude (address), address.postcode, address.city, address.street
                    from grouped"""


def link_clusters(con: Connection) -> None:
    """Join key-linked groups by confident splink matches and by staff merges into final clusters."""
    from models.identity.probabilistic import AUTO_LINK_PROBABILITY

    # a merge links the anchor records of the two ids staff merged. Not the ids they redirect to now: after the
    # merge's own build one redirects to the other, and both would name one anchor — the next build undid the merge
    con.execute(f"create or replace table identity_merge_links as {MERGE_LINKS_SQL}")
    con.execute(f"create or replace table identity_cluster_links as {CLUSTER_LINKS_SQL}",
                {"auto": AUTO_LINK_PROBABILITY})
    links = con.execute("select component_l, component_r from identity_cluster_links").fetchnumpy()
    graph = con.execute("select node, component from identity_components").fetchnumpy()
    cluster_of_component = component_labels(node_bound(con), np.asarray(links["component_l"], dtype=np.int64),
                                            np.asarray(links["component_r"], dtype=np.int64))
    components = np.asarray(graph["component"], dtype=np.int64)
    store_labels(con, "identity_clusters", np.asarray(graph["node"], dtype=np.int64), component=components,
                 cluster=cluster_of_component[components])


def assign_customer_ids(con: Connection, now: datetime) -> None:
    """A cluster keeps the oldest id anchored in it; the other ids anchored there redirect to it; a cluster
    without any gets a new id anchored to its best record."""
    con.execute(f"create or replace temp table _anchored as {ANCHORED_SQL}")
    con.execute(f"""insert into customer_ids
                    select nextval('customer_id_seq'), anchor_record_key, $now
                    from ({NEW_ANCHORS_SQL})""", {"now": now})
    con.execute(f"create or replace table identity_assignments as {ASSIGNMENTS_SQL}")
    con.execute("""delete from customer_id_redirects
                   where old_customer_id in (select customer_id from _anchored)""")
    con.execute(f"insert into customer_id_redirects {NEW_REDIRECTS_SQL}", {"now": now})


# Tier 3 and the ids' SQL, shared with the Spark build
MERGE_LINKS_SQL = """
                   with merges as (
                       select decision_id, reason, decided_by, customer_id, other_customer_id
                       from identity_decisions
                       where action = 'merge' and undone_at is null
                   ),
                   anchors as (
                       -- an id's anchor record; for an id whose anchor is gone (erased), the anchor of its new id
                       select ids.customer_id, coalesce(own.record_key, target.record_key) as record_key
                       from customer_ids ids
                       left join identity_nodes own on own.record_key = ids.anchor_record_key
                       left join customer_id_redirects r on r.old_customer_id = ids.customer_id
                       left join customer_ids new_ids on new_ids.customer_id = r.customer_id
                       left join identity_nodes target on target.record_key = new_ids.anchor_record_key
                       where ids.customer_id in (select customer_id from merges
                                                 union select other_customer_id from merges)
                   )
                   select l.component as component_l, r.component as component_r,
                          'manual' as link_method,
                          'merged by ' || m.decided_by || ': ' || m.reason as evidence
                   from merges m
                   join anchors al on al.customer_id = m.customer_id
                   join anchors ar on ar.customer_id = m.other_customer_id
                   join identity_nodes nl on nl.record_key = al.record_key
                   join identity_components l on l.node = nl.node
                   join identity_nodes nr on nr.record_key = ar.record_key
                   join identity_components r on r.node = nr.node"""
CLUSTER_LINKS_SQL = """
                   select cluster_id_l as component_l, cluster_id_r as component_r, 'probabilistic' as link_method,
                          'match probability ' || round(match_probability, 4) || ': ' || reasons as evidence
                   from identity_matches where match_probability >= $auto and auto_linkable
                   union all
                   select * from identity_merge_links"""
ANCHORED_SQL = """
                   select c.cluster, ids.customer_id
                   from identity_clusters c
                   join identity_nodes n using (node)
                   join customer_ids ids on ids.anchor_record_key = n.record_key"""
# the records that anchor a cluster no id is anchored in yet, in the order new ids are issued
NEW_ANCHORS_SQL = f"""
                        select arg_min(n.record_key, ({ANCHOR_RANK}, n.record_key)) as anchor_record_key
                        from identity_clusters c join identity_nodes n using (node)
                        where c.cluster not in (select cluster from _anchored)
                        group by c.cluster
                        order by anchor_record_key
"""
ASSIGNMENTS_SQL = """
                   with anchored as (
                       select c.cluster, ids.customer_id
                       from identity_clusters c
                       join identity_nodes n using (node)
                       join customer_ids ids on ids.anchor_record_key = n.record_key
                   ),
                   kept as (select cluster, min(customer_id) as customer_id from anchored group by cluster)
                   select c.node, c.component, c.cluster, kept.customer_id
                   from identity_clusters c join kept using (cluster)"""
NEW_REDIRECTS_SQL = """
                   select a.customer_id, k.customer_id, $now
                   from _anchored a
                   join (select distinct cluster, customer_id from identity_assignments) k using (cluster)
                   where a.customer_id <> k.customer_id"""
