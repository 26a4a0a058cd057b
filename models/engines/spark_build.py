"""A full build on Spark: the store's raw and state tables go out as Parquet, staging → identity → marts run on
Spark from the same model files and the same identity SQL as the DuckDB build, and the results come back into the
store in one transaction (readers see the old models or the new ones, never half).

The Python steps run on Spark too: phone numbers and sentiment as vectorised pandas UDFs (one call per batch of
distinct values), connected components as label propagation in Spark SQL, splink with its Spark backend and the
same frozen parameters. The social inbox and ideas, which read staff's working state, run in the store after the
import (models.inbox, models.ideas), as in a DuckDB build.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from models.engines.dialect import to_spark, to_spark_expression
from models.engines.spark_engine import SparkEngine
from models.sql import MODELS_DIR, model_files
from store import Connection, has_table, quote_literal, transaction

# what the build reads from the store: the raw tables and the state a build carries forward
STORE_INPUTS = ("raw_customers", "raw_purchases", "raw_tickets", "raw_ticket_comments", "raw_social_posts",
                "customer_ids", "customer_id_redirects", "identity_decisions", "sentiment_scores",
                "current_corrections")
STAGING = tuple(p.stem for p in model_files("staging"))
IDENTITY_TABLES = ("identity_records", "identity_ambiguous_keys", "identity_node_keys", "identity_family_links",
                   "identity_components", "identity_candidates", "identity_matches", "identity_scored_candidates",
                   "identity_merge_links", "identity_cluster_links", "identity_clusters", "identity_assignments",
                   "customer_sources", "customer_id_lookup", "possible_duplicates")
# components converge in as many rounds as the longest chain of records and keys; a graph that has not after this
# many is not a customer graph
MAX_ROUNDS = 200


def build_on_spark(con: Connection, engine: SparkEngine, now: datetime | None = None, step=None) -> dict:
    """Build every model on Spark and import it into the store; return the seconds each step took."""
    from models.build import LOOKUP_TABLES, MARTS, MODEL_VERSION, index_lookups
    from models.ideas import build_ideas
    from models.inbox import build_social_inbox
    from models.phones import default_region

    now = now or datetime.now(UTC).replace(tzinfo=None)
    seconds: dict[str, float] = {}

    def timed(name, function, *args):
        if step:
            step(name)
        started = time.perf_counter()
        result = function(*args)
        seconds[name] = time.perf_counter() - started
        return result

    timed("export", engine.export_from_store, con, list(STORE_INPUTS))
    next_id = next_customer_id(con)
    timed("phones", read_phones, engine, default_region())
    timed("company", write_company_accounts, engine)
    register_name_parser(engine)
    timed("staging", run_layer, engine, "staging")
    new_ids = timed("identity", resolve_identities, engine, now, next_id)
    timed("sentiment", score_texts, engine, current_scores(con))
    # the marts read the build's time (a customer's 90-day sentiment): the row the import writes to the store
    engine.create_table("model_build", f"select {timestamp_sql(now)} as built_at")
    timed("marts", run_marts, engine, MARTS)
    with transaction(con):
        timed("import", import_models, con, engine, new_ids, now)
        con.execute("""create or replace table model_build as
                       select $now::timestamp as built_at, $v as model_version,
                              (select coalesce(max(load_id), 0) from load_log
                               where outcome = 'ok' and (inserted > 0 or updated > 0)) as loaded_through,
                              $now::timestamp as full_built_at, $region as phone_region""",
                    {"now": now, "v": MODEL_VERSION, "region": default_region()})
        timed("indexes", index_lookups, con, LOOKUP_TABLES)
        timed("social inbox", build_social_inbox, con, now, False)
        timed("ideas", build_ideas, con)
    return seconds


def run_layer(engine: SparkEngine, layer: str) -> None:
    for path in model_files(layer):
        engine.run_model(path)


def run_marts(engine: SparkEngine, marts: tuple[str, ...]) -> None:
    for name in marts:
        engine.run_model(MODELS_DIR / "marts" / f"{name}.sql")


# --- phones and sentiment: Python on Spark, a batch of distinct values per call -------------------------------

def read_phones(engine: SparkEngine, region: str) -> None:
    """phone_numbers: every distinct (written number, hint) read by models.phones.read_number in a pandas UDF."""
    from pyspark.sql.functions import col, lit, pandas_udf

    from models.phones import WRITTEN_PHONES_SQL, read_number

    @pandas_udf("e164 string, region string, read_with string")
    def readings(raws: pd.Series, hints: pd.Series) -> pd.DataFrame:
        found = [read_number(raw, hint, region) for raw, hint in zip(raws, hints, strict=True)]
        return pd.DataFrame({"e164": [r.e164 for r in found], "region": [r.region for r in found],
                             "read_with": [r.read_with for r in found]})

    written = engine.spark.sql(to_spark(f"""
        with written as ({WRITTEN_PHONES_SQL})
        select distinct raw, hint from written where raw is not null and raw <> ''"""))
    read = written.withColumn("reading", readings(col("raw"), col("hint")))
    engine.save("phone_numbers", read.select("raw", "hint", "reading.e164", "reading.region", "reading.read_with",
                                             lit(region).alias("default_region")))


def register_name_parser(engine: SparkEngine) -> None:
    """person_name_parts (models.names) as a Spark SQL function, a batch of names per call, for staging."""
    from pyspark.sql.functions import pandas_udf

    from models.names import FUNCTION, name_parts

    @pandas_udf("given_name string, family_name string")
    def parts(names: pd.Series) -> pd.DataFrame:
        found = [name_parts(name) if isinstance(name, str) else {} for name in names]
        return pd.DataFrame(found, columns=["given_name", "family_name"], dtype="object")

    engine.spark.udf.register(FUNCTION, parts)


def write_company_accounts(engine: SparkEngine) -> None:
    from models.company import current_company

    company = current_company()
    rows = sorted({(network, h.lower().lstrip("@").split("@")[0]) for network, hs in company.handles.items()
                   for h in hs})
    engine.save("company_accounts", engine.spark.createDataFrame(rows, "network string, handle string"))


def current_scores(con: Connection) -> bool:
    """Whether the store's sentiment scores are the classifier's in use (else every text is scored again)."""
    from models.classify import RULES_VERSION

    if not has_table(con, "sentiment_scorer"):
        return False
    return con.execute("select max(version) from sentiment_scorer").fetchall()[0][0] == RULES_VERSION


def score_texts(engine: SparkEngine, keep_scores: bool) -> None:
    """sentiment_scores: the store's scores, and the texts it has not scored read by the classifier in a pandas
    UDF (models.classify.sentiment_scores, one batch of texts per call)."""
    from pyspark.sql.functions import col, md5, pandas_udf

    from models.classify import sentiment_scores
    from models.sentiment import CUSTOMER_TEXTS

    @pandas_udf("double")
    def compound(texts: pd.Series) -> pd.Series:
        return pd.Series(sentiment_scores(list(texts)), dtype="float64")

    scorer = engine.spark.sql("select * from sentiment_scores")
    kept = scorer if keep_scores else scorer.limit(0)
    new = engine.spark.sql(to_spark(f"select distinct text from ({CUSTOMER_TEXTS}) as t(text) where text is not null"))
    new = new.join(kept, md5(col("text")) == col("text_hash"), "left_anti")
    scored = new.select(md5(col("text")).alias("text_hash"), compound(col("text")).alias("compound"))
    engine.save("sentiment_scores_next", kept.unionByName(scored))
    engine.spark.sql("select * from sentiment_scores_next").createOrReplaceTempView("sentiment_scores")


# --- identity --------------------------------------------------------------------------------------------------

def resolve_identities(engine: SparkEngine, now: datetime, next_id: int) -> int:
    """models.identity.resolve on Spark, from the same SQL; return how many new customer ids were issued."""
    from models.identity import resolve as r

    identity = MODELS_DIR / "identity"
    engine.run_model(identity / "identity_records.sql")
    engine.run_model(identity / "identity_ambiguous_keys.sql")
    engine.register_as("identity_records", "identity_nodes")
    engine.create_table("_split_records", r.SPLIT_RECORDS_SQL)
    node_keys = engine.spark.sql(to_spark(r.NODE_KEYS_SQL))
    engine.run_model(identity / "identity_family_links.sql")
    engine.save("identity_node_keys", node_keys.unionByName(engine.spark.sql(to_spark(r.FAMILY_NODE_KEYS_SQL))))
    link_by_keys(engine)
    link_by_splink(engine)
    link_clusters(engine)
    issued = assign_customer_ids(engine, now, next_id)
    for model in ("customer_sources", "customer_id_lookup", "possible_duplicates"):
        engine.run_model(identity / f"{model}.sql")
    return issued


def link_by_keys(engine: SparkEngine) -> None:
    """Tier 1: keys numbered after the records, records and keys labelled by their smallest record node."""
    bound = engine.rows("select coalesce(max(node), -1) + 1 from identity_nodes")[0][0]
    engine.create_table("_identity_keys", f"""
        select key, {int(bound)} + row_number() over (order by key) - 1 as key_node, count(*) as holders
        from identity_node_keys group by key""")
    engine.create_table("_key_edges", """
        select k.node as a, i.key_node as b from identity_node_keys k join _identity_keys i using (key)""")
    engine.create_table("_key_graph_nodes",
                        "select node from identity_nodes union all select key_node from _identity_keys")
    components(engine, "_key_graph_nodes", "_key_edges", "_key_labels")
    engine.create_table("identity_components", """
        select n.node, l.label as component from identity_nodes n join _key_labels l using (node)""")


def link_by_splink(engine: SparkEngine) -> None:
    """Tier 2 with splink's Spark backend and the frozen parameters (models.identity.probabilistic)."""
    from models.identity import probabilistic as p
    from models.identity import resolve as r

    engine.create_table("identity_candidates", r.CANDIDATES_SQL)
    engine.create_table("_cleaned", p.cleaned_sql("identity_candidates"))
    register_name_variants(engine, p)
    engine.create_table(p.PREPARED_TABLE, p.prepared_sql())
    if engine.rows(f"select count(*) from {p.PREPARED_TABLE}")[0][0] >= 2:
        predictions = predict(engine, p)
        engine.save("identity_matches", engine.spark.sql(to_spark(p.scored_pairs_sql(predictions))))
    else:
        engine.save("identity_matches", engine.spark.createDataFrame(
            [], "cluster_id_l bigint, cluster_id_r bigint, match_probability double, match_weight double, "
                "reasons string, auto_linkable boolean"))
    engine.create_table(p.SCORED_TABLE, f"select * from {p.PREPARED_TABLE}")


def register_name_variants(engine: SparkEngine, p) -> None:
    """Nickname groups (a small table from the nicknames package) and each surname's metaphone, worked out in a
    pandas UDF over the distinct surnames."""
    import jellyfish
    from pyspark.sql.functions import col, pandas_udf

    from models.identity.name_variants import nickname_groups

    @pandas_udf("string")
    def metaphone(values: pd.Series) -> pd.Series:
        return values.map(lambda v: jellyfish.metaphone(v) or None)

    engine.save(p.NICKNAMES_TABLE, engine.spark.createDataFrame(nickname_groups()))
    surnames = engine.spark.sql("select distinct last_name as value from _cleaned where last_name is not null")
    engine.save(p.SURNAME_CODES_TABLE, surnames.select("value", metaphone(col("value")).alias("code")))


def predict(engine: SparkEngine, p) -> str:
    """splink's predictions over the prepared candidates; the name of the view holding them."""
    import logging

    from splink import Linker, SparkAPI

    engine.spark.sparkContext.setCheckpointDir(str(engine.workdir / "checkpoints"))
    # splink would register its jar's Jaro-Winkler over the session's, which is DuckDB's (spark_engine)
    db_api = SparkAPI(spark_session=engine.spark, register_udfs_automatically=False)
    linker = Linker(db_api.register(p.PREPARED_TABLE), p.settings("dedupe_only", translate=to_spark_expression),
                    log_level=logging.WARNING)
    for column in p.TF_COLUMNS:
        lookup = f"{p.SPLINK_PREFIX}rapport_tf_{column}"
        engine.create_table(lookup, f"""select distinct {column}, {column}_frequency as tf_{column}
                                        from {p.PREPARED_TABLE} where {column} is not null""")
        linker.table_management.register_term_frequency_lookup(db_api.register(lookup), column)
    predictions = linker.inference.predict(threshold_match_probability=p.REVIEW_PROBABILITY)
    predictions.as_spark_dataframe().createOrReplaceTempView("_splink_predictions")
    return "_splink_predictions"


def link_clusters(engine: SparkEngine) -> None:
    from models.identity import resolve as r
    from models.identity.probabilistic import AUTO_LINK_PROBABILITY

    engine.create_table("identity_merge_links", r.MERGE_LINKS_SQL)
    engine.create_table("identity_cluster_links",
                        r.CLUSTER_LINKS_SQL.replace("$auto", repr(float(AUTO_LINK_PROBABILITY))))
    engine.create_table("_component_edges", "select component_l as a, component_r as b from identity_cluster_links")
    engine.create_table("_component_nodes", "select distinct component as node from identity_components")
    components(engine, "_component_nodes", "_component_edges", "_component_labels")
    engine.create_table("identity_clusters", """
        select c.node, c.component, l.label as cluster
        from identity_components c join _component_labels l on l.node = c.component""")


def assign_customer_ids(engine: SparkEngine, now: datetime, next_id: int) -> int:
    """As models.identity.resolve.assign_customer_ids: new ids numbered from the store's sequence, in the order
    DuckDB's nextval gives them (by anchor record)."""
    from models.identity import resolve as r

    stamp = timestamp_sql(now)
    engine.create_table("_anchored", r.ANCHORED_SQL)
    engine.create_table("_new_customer_ids", f"""
        select {int(next_id)} + row_number() over (order by anchor_record_key) - 1 as customer_id,
               anchor_record_key, {stamp} as issued_at
        from ({r.NEW_ANCHORS_SQL})""")
    engine.create_table("customer_ids_next", "select * from customer_ids union all select * from _new_customer_ids")
    engine.register_as("customer_ids_next", "customer_ids")
    engine.create_table("identity_assignments", r.ASSIGNMENTS_SQL)
    engine.create_table("customer_id_redirects_next", f"""
        select * from customer_id_redirects where old_customer_id not in (select customer_id from _anchored)
        union all
        {r.NEW_REDIRECTS_SQL.replace("$now", stamp)}""")
    engine.register_as("customer_id_redirects_next", "customer_id_redirects")
    return engine.rows("select count(*) from _new_customer_ids")[0][0]


def timestamp_sql(moment: datetime) -> str:
    return f"'{moment:%Y-%m-%d %H:%M:%S.%f}'::timestamp"


def components(engine: SparkEngine, nodes: str, edges: str, out: str) -> None:
    """`out`(node, label): each node of `nodes` labelled with the smallest node of its connected component over the
    undirected `edges`(a, b), by repeated neighbour minimum (as models.identity.components labels them)."""
    engine.create_table("_cc_edges", f"select a, b from {edges} union select b, a from {edges}")
    engine.create_table("_cc_labels", f"select node, node as label from {nodes}")
    for _ in range(MAX_ROUNDS):
        engine.create_table("_cc_next", """
            with reached as (
                select e.a as node, min(l.label) as label
                from _cc_edges e join _cc_labels l on l.node = e.b
                group by e.a
            )
            select l.node, least(l.label, coalesce(r.label, l.label)) as label
            from _cc_labels l left join reached r using (node)""")
        changed = engine.rows("""select count(*) from _cc_next n join _cc_labels l using (node)
                                 where n.label <> l.label""")[0][0]
        engine.create_table("_cc_labels", "select * from _cc_next")
        if not changed:
            engine.create_table(out, "select * from _cc_labels")
            return
    raise RuntimeError(f"identity components did not converge in {MAX_ROUNDS} rounds")


# --- back into the store ---------------------------------------------------------------------------------------

def next_customer_id(con: Connection) -> int:
    """The id customer_id_seq gives next (its start when none was issued yet)."""
    last, start = con.execute("""select last_value, start_value from duckdb_sequences()
                                 where sequence_name = 'customer_id_seq'""").fetchall()[0]
    return start if last is None else last + 1


def import_models(con: Connection, engine: SparkEngine, new_ids: int, now: datetime) -> None:
    """Every model table from Spark's Parquet, the new customer ids and redirects, and the id sequence moved past
    the ids issued (in the caller's transaction)."""
    from models.build import MARTS

    engine.import_into_store(con, ["company_accounts", *STAGING, *IDENTITY_TABLES, *MARTS])
    con.execute("delete from phone_numbers")
    con.execute(f"insert into phone_numbers by name select * from read_parquet({parquet(engine, 'phone_numbers')})")
    from models.classify import RULES_VERSION

    con.execute("create or replace table sentiment_scorer as select $v as version", {"v": RULES_VERSION})
    con.execute("delete from sentiment_scores")
    con.execute(f"insert into sentiment_scores by name "
                f"select * from read_parquet({parquet(engine, 'sentiment_scores_next')})")
    con.execute(f"""insert into customer_ids by name
                    select * from read_parquet({parquet(engine, '_new_customer_ids')})""")
    con.execute("delete from customer_id_redirects")
    con.execute(f"""insert into customer_id_redirects
                    select * from read_parquet({parquet(engine, 'customer_id_redirects_next')})""")
    if new_ids:
        con.execute("select max(nextval('customer_id_seq')) from range($n)", {"n": new_ids})


def parquet(engine: SparkEngine, table: str) -> str:
    return quote_literal(str(Path(engine.folder(table)) / "*.parquet"))
