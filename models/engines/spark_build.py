"""A full build on Spark: the store's raw and state tables go out as Parquet, staging → identity → marts run on
Spark from the same model files and the same identity SQL as the DuckDB build, and the results come back into the
store in one transaction (readers see the old models or the new ones, never half). Around it, the steps both
engines share (models.build): the build's row and id, the point-read documents retired and published again, the
LLM provider asked about the new posts.

The Python steps run on Spark too: phone numbers, sentiment and the posts' classification as vectorised pandas
UDFs (one call per batch of distinct values), connected components as label propagation in Spark SQL, splink with
its Spark backend and the same frozen parameters. The social inbox's routing and ideas, which read staff's working
state, run in the store after the import (models.build.finish_in_store), as in a DuckDB build.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from models.engines.dialect import to_spark, to_spark_expression
from models.engines.spark_engine import SparkEngine
from models.sql import MODELS_DIR, model_files
from store import Connection, quote_literal, transaction

if TYPE_CHECKING:
    from models.build import BuildReport
    from models.classifier.train import Model
    from models.company import Company

# what the build reads from the store: the raw tables and the state a build carries forward
STORE_INPUTS = ("raw_customers", "raw_purchases", "raw_tickets", "raw_ticket_comments", "raw_social_posts",
                "customer_ids", "customer_id_redirects", "identity_decisions", "sentiment_scores",
                "post_classifications", "current_corrections")
STAGING = tuple(p.stem for p in model_files("staging"))
IDENTITY_TABLES = ("identity_records", "identity_ambiguous_keys", "identity_node_keys", "identity_family_links",
                   "identity_components", "identity_candidates", "identity_matches", "identity_scored_candidates",
                   "identity_merge_links", "identity_cluster_links", "identity_clusters", "identity_assignments",
                   "customer_sources", "customer_id_lookup", "possible_duplicates")
# components converge in as many rounds as the longest chain of records and keys; a graph that has not after this
# many is not a customer graph
MAX_ROUNDS = 200


def build_on_spark(con: Connection, engine: SparkEngine, now: datetime | None = None, step=None) -> BuildReport:
    """Build every model on Spark and import it into the store, in one transaction, then publish the point-read
    documents as a DuckDB build does; return the build's report (models.build.BuildReport: each step's seconds)."""
    from models.build import (
        LOOKUP_TABLES,
        BuildReport,  # noqa: F811 (at run time: the module is imported here, not at the top)
        documents_replaced,
        finish_in_store,
        index_lookups,
        timed,
        write_build_row,
    )
    from models.llm.apply import settings_pinned

    now = now or datetime.now(UTC).replace(tzinfo=None)
    report = BuildReport(announce=step)
    # one transaction from the export on: readers see the old models or the new (the LLM's answers are kept on
    # their own as they come, models.llm.apply.keep: a build that fails does not throw away what was paid for)
    with settings_pinned(), documents_replaced(con, report), transaction(con):
        new_ids = compute_on_spark(con, engine, now, report)
        timed(report, "import", import_models, con, engine, new_ids)
        write_build_row(con, now, full_built_at=now)
        timed(report, "indexes", index_lookups, con, LOOKUP_TABLES)
        finish_in_store(con, now, report)
    return report


def compute_on_spark(con: Connection, engine: SparkEngine, now: datetime, report) -> int:
    """Staging, identity, sentiment and the marts on Spark, from the store's raw and state tables (exported as
    Parquet); the LLM, if one is configured, is asked about the staged posts from here, as in a DuckDB build.
    Returns how many new customer ids identity issued."""
    from models.build import MARTS, scored_by_another_classifier, timed
    from models.classify import RULES_VERSION
    from models.llm.apply import forget_fallbacks_of_provider
    from models.phones import default_region

    # the posts the LLM could not answer last time are asked again, as a full DuckDB build does: their readings
    # are forgotten before the scores go out to Spark
    forget_fallbacks_of_provider(con, RULES_VERSION)
    timed(report, "export", engine.export_from_store, con, list(STORE_INPUTS))
    next_id = next_customer_id(con)
    timed(report, "phones", read_phones, engine, default_region())
    timed(report, "company", write_company_accounts, engine)
    register_name_parser(engine)
    timed(report, "staging", run_layer, engine, "staging")
    new_ids = timed(report, "identity", resolve_identities, engine, now, next_id)
    answered = timed(report, "llm", ask_about_staged_posts, con, engine)
    timed(report, "sentiment", score_texts, engine, not scored_by_another_classifier(con), answered)
    # the marts read the build's time (a customer's 90-day sentiment): the row the import writes to the store
    engine.create_table("model_build", f"select {timestamp_sql(now)} as built_at")
    timed(report, "marts", run_marts, engine, MARTS)
    timed(report, "classification", classify_posts, engine, answered)
    return new_ids


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

    from models.phones import WRITTEN_PHONES_SQL, read_number, zone_countries

    zones = zone_countries()  # this machine's time zone table, not the workers' (theirs may be older, or missing)

    @pandas_udf("e164 string, region string, read_with string")
    def readings(raws: pd.Series, hints: pd.Series) -> pd.DataFrame:
        found = [read_number(raw, hint, region, zones) for raw, hint in zip(raws, hints, strict=True)]
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


def ask_about_staged_posts(con: Connection, engine: SparkEngine) -> bool:
    """The LLM step of a build (models.llm.apply.ask_llm) over the posts Spark staged; its answers go to Spark as
    `_llm_answers` for the sentiment step, and stay in the store for the inbox's classification. Whether a
    provider is configured (False: the learned model reads every text)."""
    from models.classify import RULES_VERSION
    from models.llm.apply import ask_llm

    posts = f"""select distinct text from read_parquet({parquet(engine, 'stg_social_posts')})
                where not is_from_company and text is not null"""
    # fallbacks were forgotten before the export (compute_on_spark)
    if ask_llm(con, RULES_VERSION, retry_fallbacks=False, posts=posts) is None:
        return False
    engine.export_from_store(con, ["_llm_answers"])
    return True


def score_texts(engine: SparkEngine, keep_scores: bool, answered: bool = False) -> None:
    """sentiment_scores: the store's scores, and the texts it has not scored: the LLM's sentiment for a post it
    answered in this build (`answered`: `_llm_answers` is there), else the classifier's, in a pandas UDF
    (models.classify.sentiment_scores, one batch of texts per call), as models.sentiment.scores_of."""
    from pyspark.sql.functions import col, create_map, lit, md5, pandas_udf

    from models.classify import sentiment_scores
    from models.llm.apply import SENTIMENT_SCORES
    from models.sentiment import CUSTOMER_TEXTS

    company, model = build_readers()

    @pandas_udf("double")
    def compound(texts: pd.Series) -> pd.Series:
        return pd.Series(sentiment_scores(list(texts), company, model), dtype="float64")

    scorer = engine.spark.sql("select * from sentiment_scores")
    kept = scorer if keep_scores else scorer.limit(0)
    new = engine.spark.sql(to_spark(f"select distinct text from ({CUSTOMER_TEXTS}) as t(text) where text is not null"))
    new = new.join(kept, md5(col("text")) == col("text_hash"), "left_anti").select(
        "text", md5(col("text")).alias("text_hash"))
    if answered:
        score_of = create_map(*[lit(v) for pair in SENTIMENT_SCORES.items() for v in pair])
        answers = engine.spark.sql("select text_hash, sentiment from _llm_answers")
        by_llm = new.join(answers, "text_hash").select("text_hash", score_of[col("sentiment")].alias("compound"))
        new = new.join(answers, "text_hash", "left_anti")
    scored = new.select("text_hash", compound(col("text")).alias("compound"))
    if answered:
        scored = scored.unionByName(by_llm)
    engine.save("sentiment_scores_next", kept.unionByName(scored))
    engine.spark.sql("select * from sentiment_scores_next").createOrReplaceTempView("sentiment_scores")


def build_readers() -> tuple[Company, Model]:
    """The company and the classifier this build reads posts with, as the build's process has them: a pandas UDF
    carries them to the workers. A cluster's Python workers (or a Spark Connect server's) run with another
    machine's files and environment: read there, the company file and the company's own model (beside the store)
    would be theirs, and the posts filed under this build's model version read by another."""
    from models.classify import current_model
    from models.company import current_company

    return current_company(), current_model()[0]


def classify_posts(engine: SparkEngine, answered: bool) -> None:
    """post_classifications_new: the learned model's reading (models.classify.classify_many in a pandas UDF, one
    batch of texts per call) of each distinct customer post text on the built timeline that has none under the
    classifier in use, and that the LLM did not answer in this build (the store reads those from its answers:
    models.inbox.classify_new_texts, which then finds nothing else to classify)."""
    from pyspark.sql.functions import col, lit, md5, pandas_udf

    from models.classify import RULES_VERSION, classify_many
    from models.llm.apply import with_llm

    company, model = build_readers()

    @pandas_udf("intent string, urgency string, explanation string, urgency_reason string")
    def reading(texts: pd.Series) -> pd.DataFrame:
        found = classify_many(list(texts), company, model)
        return pd.DataFrame({"intent": [c.intent for c in found], "urgency": [c.urgency for c in found],
                             "explanation": [c.explanation for c in found],
                             "urgency_reason": [c.urgency_reason for c in found]})

    version = with_llm(RULES_VERSION)
    posts = engine.spark.sql("""select distinct coalesce(body, '') as text from customer_timeline
                                where kind = 'social_post' and author_type = 'customer'""")
    posts = posts.withColumn("text_hash", md5(col("text")))
    held = engine.spark.table("post_classifications").where(col("rules_version") == lit(version)).select("text_hash")
    posts = posts.join(held, "text_hash", "left_anti")
    if answered:
        posts = posts.join(engine.spark.sql("select text_hash from _llm_answers"), "text_hash", "left_anti")
    read = posts.withColumn("reading", reading(col("text")))
    engine.save("post_classifications_new", read.select(
        "text_hash", lit(version).alias("rules_version"), "reading.intent", "reading.urgency",
        "reading.explanation", "reading.urgency_reason",
        lit("fallback" if answered else "model").alias("classified_by")))


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

    # splink would register its jar's Jaro-Winkler over the session's, which is DuckDB's (spark_engine)
    db_api = checkpointed_spark_api(SparkAPI, engine.workdir / "checkpoints")(
        spark_session=engine.spark, register_udfs_automatically=False)
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


def checkpointed_spark_api(spark_api: type, folder: Path) -> type:
    """splink's SparkAPI writing its intermediate tables under `folder`. splink asks the SparkContext for its
    checkpoint folder, and a Spark Connect session has no SparkContext: the folder is given here instead, for
    classic and Connect sessions alike (the tables are Parquet either way, splink's default outside Databricks).
    `_get_checkpoint_dir_path` is splink's own (5.0.0, pinned): were it renamed, splink would find no folder set
    and fail, not write elsewhere."""

    class CheckpointedSparkAPI(spark_api):
        def _get_checkpoint_dir_path(self, spark_df) -> str:
            return str(folder)

    return CheckpointedSparkAPI


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


def import_models(con: Connection, engine: SparkEngine, new_ids: int) -> None:
    """Every model table from Spark's Parquet, the new customer ids and redirects, and the id sequence moved past
    the ids issued (in the caller's transaction)."""
    from models.build import MARTS
    from models.classify import RULES_VERSION
    from models.llm.apply import with_llm

    engine.import_into_store(con, ["company_accounts", *STAGING, *IDENTITY_TABLES, *MARTS])
    con.execute("delete from phone_numbers")
    con.execute(f"insert into phone_numbers by name select * from read_parquet({parquet(engine, 'phone_numbers')})")
    con.execute("create or replace table sentiment_scorer as select $v as version",
                {"v": with_llm(RULES_VERSION)})
    con.execute("delete from sentiment_scores")
    con.execute(f"insert into sentiment_scores by name "
                f"select * from read_parquet({parquet(engine, 'sentiment_scores_next')})")
    con.execute(f"insert into post_classifications by name "
                f"select * from read_parquet({parquet(engine, 'post_classifications_new')})")
    con.execute(f"""insert into customer_ids by name
                    select * from read_parquet({parquet(engine, '_new_customer_ids')})""")
    con.execute("delete from customer_id_redirects")
    con.execute(f"""insert into customer_id_redirects
                    select * from read_parquet({parquet(engine, 'customer_id_redirects_next')})""")
    if new_ids:
        con.execute("select max(nextval('customer_id_seq')) from range($n)", {"n": new_ids})


def parquet(engine: SparkEngine, table: str) -> str:
    return quote_literal(str(Path(engine.folder(table)) / "*.parquet"))
