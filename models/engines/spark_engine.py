"""The Spark engine: tables are Parquet folders under a work directory, each registered as a view of its name;
a model's SQL is translated once (models.engines.dialect) and its result written out, so every model reads its
inputs from files, not from a growing plan."""

from __future__ import annotations

import logging
import os
import shutil
import warnings
from pathlib import Path

import pandas as pd

from models.engines.dialect import spark_functions, spark_sql, to_spark
from store import Connection, quote_identifier, quote_literal

# Spark's defaults for a shared laptop-sized machine; a cluster's own settings (spark-defaults.conf) win there
LOCAL_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",  # the store's timestamps are naive UTC, as DuckDB's session reads them
    # DuckDB gives NULL for an index past a list's end and a failed cast errors there anyway; ANSI mode would stop
    # the build on the first
    "spark.sql.ansi.enabled": "false",
    "spark.sql.shuffle.partitions": os.environ.get("RAPPORT_SPARK_PARTITIONS", "8"),
    "spark.driver.memory": os.environ.get("RAPPORT_SPARK_MEMORY", "3g"),
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}
# what a Spark Connect client may set: the session's SQL settings (memory and the UI are the server's own)
CONNECT_SETTINGS = ("spark.sql.session.timeZone", "spark.sql.ansi.enabled", "spark.sql.shuffle.partitions")


def spark_session(master: str | None = None, **settings: str):
    """A Spark session with DuckDB's string similarities (DUCKDB_FUNCTIONS) and the models' macros as SQL functions.

    `master` is where it runs: local[*] by default, a cluster's spark://, yarn or k8s:// URL, or a Spark Connect
    server's sc:// URL; without one, SPARK_REMOTE (Spark's own variable for Connect) names the server. `settings`
    override LOCAL_SETTINGS (`spark.sql.shuffle.partitions`, ...); on Connect only the SQL settings apply. Stop it
    with stop_session."""
    from pyspark.sql import SparkSession

    # pyspark warns that it does not yet fully support pandas 3 at every pandas UDF: the pinned pair is the one the
    # engines' equality tests pass on
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    remote = connect_url(master)
    chosen = LOCAL_SETTINGS | settings
    if remote:
        builder = SparkSession.builder.remote(remote)
        chosen = {key: value for key, value in chosen.items() if key in CONNECT_SETTINGS}
    else:
        builder = SparkSession.builder.master(master or "local[*]")
    builder = builder.appName("rapport-models")
    for key, value in chosen.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    if is_connect(session):
        require_settings(session, chosen)
    else:  # a Connect server's log level is its operator's
        session.sparkContext.setLogLevel("ERROR")
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)  # errors are raised, not logged twice
    register_functions(session)
    return session


def connect_url(master: str | None) -> str:
    """The Spark Connect server to build on ("" for a classic master): `master` when it is an sc:// URL, else
    SPARK_REMOTE when no master is given. A master and a SPARK_REMOTE that name different places are a mistake the
    person is told about, before anything runs."""
    remote = os.environ.get("SPARK_REMOTE", "").strip()
    if master and remote and master != remote:
        raise ValueError(f"SPARK_REMOTE={remote} names a Spark Connect server and --master {master} another "
                         "cluster: unset SPARK_REMOTE, or leave out --master")
    return master if master and master.startswith("sc://") else remote if not master else ""


def is_connect(session) -> bool:
    """Whether `session` is a Spark Connect client (also when spark.api.mode=connect made one of a classic
    master)."""
    return type(session).__module__.startswith("pyspark.sql.connect")


def require_settings(session, settings: dict[str, str]) -> None:
    """A Connect server may refuse a setting without a word (pyspark applies them silently): those the models
    need to equal DuckDB's are read back, and a build that would run without them is stopped."""
    for key in ("spark.sql.session.timeZone", "spark.sql.ansi.enabled"):
        if key in settings and str(session.conf.get(key)).lower() != settings[key].lower():
            raise RuntimeError(f"the Spark Connect server did not take {key}={settings[key]} (it has "
                               f"{session.conf.get(key)}): the models would not equal DuckDB's")


def stop_session(session) -> None:
    """Stop a session from spark_session. pyspark marks the process as Connect's when it opens a Connect session
    and leaves the mark after stopping one on a remote server: the process's next local session would then look
    for a Connect server."""
    connect = is_connect(session)
    session.stop()
    if connect:
        os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)


# the string similarities the models use, as Spark functions that ask DuckDB: Spark name -> (DuckDB's, result type)
DUCKDB_FUNCTIONS = {"jaro_winkler": ("jaro_winkler_similarity", "double"),
                    "damerau_levenshtein": ("damerau_levenshtein", "bigint")}


def register_functions(session) -> None:
    for name, (duckdb_name, result) in DUCKDB_FUNCTIONS.items():
        session.udf.register(name, duckdb_function(duckdb_name, result))
    for statement in spark_functions():
        session.sql(statement)


def duckdb_function(name: str, result: str):
    """DuckDB's own two-argument function `name` as a Spark function (vectorised: one DuckDB query per batch).

    Both engines must compute the same number, to the last bit: a pair just over a threshold on one engine and under
    it on the other is linked by one and not by the other, and every customer id numbered after it moves. splink's
    Spark jar computes another Jaro-Winkler ("baker"/"barker": 0.902 in DuckDB, under 0.88 in the jar — at 20,000
    customers one such pair made the engines' models differ); DuckDB's counts bytes, not characters, and its
    Winkler step rounds once (a fused multiply-add), so no other library gives its numbers everywhere. Asking
    DuckDB does, by construction."""
    from pyspark.sql.functions import pandas_udf

    @pandas_udf(result)
    def on_duckdb(left: pd.Series, right: pd.Series) -> pd.Series:
        import duckdb

        pairs = pd.DataFrame({"l": left.astype(object), "r": right.astype(object)})
        con = duckdb.connect(config={"threads": 1})  # one thread: rows come back in the order they went in
        try:
            con.register("pairs", pairs)
            values = con.execute(f"select {name}(l, r) as v from pairs").df()["v"]
        finally:
            con.close()
        values.index = left.index
        return values.astype("float64" if result == "double" else "Int64")

    return on_duckdb


class SparkEngine:
    """Runs model SQL on Spark, each table a Parquet folder under `workdir`."""

    name = "spark"

    def __init__(self, session, workdir: Path) -> None:
        self.spark = session
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)

    # --- tables in and out -------------------------------------------------------------------------------------

    def export_from_store(self, con: Connection, tables: list[str]) -> None:
        """Copy store tables to Parquet (DuckDB writes them) and register each as a Spark view of its name."""
        for table in tables:
            folder = self.folder(table)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            con.execute(f"copy (select * from {quote_identifier(table)}) "
                        f"to {quote_literal(str(folder / 'part-0.parquet'))} (format parquet)")
            self.register(table)

    def import_into_store(self, con: Connection, tables: list[str], prefix: str = "") -> None:
        """(Re)create each table in the store from its Parquet folder (in the caller's transaction)."""
        for table in tables:
            files = quote_literal(str(self.folder(table) / "*.parquet"))
            con.execute(f"create or replace table {quote_identifier(prefix + table)} as "
                        f"select * from read_parquet({files})")

    def folder(self, table: str) -> Path:
        return self.workdir / table

    def register(self, table: str) -> None:
        self.spark.read.parquet(str(self.folder(table))).createOrReplaceTempView(table)

    def register_as(self, table: str, name: str) -> None:
        """Show table `table` under another name too (DuckDB's identity_nodes view, a state table's next version)."""
        self.spark.read.parquet(str(self.folder(table))).createOrReplaceTempView(name)

    def save(self, name: str, frame) -> None:
        """Write a DataFrame as table `name` and read it back: later models start from the file."""
        frame.write.mode("overwrite").parquet(str(self.folder(name)))
        self.register(name)

    # --- the engine's contract ---------------------------------------------------------------------------------

    def run_model(self, path: Path) -> None:
        self.save(path.stem, self.spark.sql(spark_sql(path)))

    def create_table(self, name: str, duckdb_sql: str) -> None:
        self.save(name, self.spark.sql(to_spark(duckdb_sql)))

    def rows(self, duckdb_sql: str) -> list[tuple]:
        return [tuple(row) for row in self.spark.sql(to_spark(duckdb_sql)).collect()]
