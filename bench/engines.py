"""`python -m bench scale --engine spark`: the build on Spark beside the DuckDB build of the same generated store,
in the same run: wall time and peak memory (resident, the process and its children: Spark's JVM and Python
workers) of each, and whether both give the same customer_sources, customer_profiles and customer_timeline."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import store
from bench.memory import measured
from bench.pages import copy_store
from bench.scale_data import NOW, generate
from models.build import build
from models.engines.spark_engine import LOCAL_SETTINGS

OUT_DIR = Path(__file__).resolve().parent / "out"
COMPARED = ("customer_sources", "customer_profiles", "customer_timeline")
# EXCEPT ALL over 20M timeline rows holds both sides: under the build's cap (16 GB at 1M) the machine stalled for
# minutes; under this one it spills and takes 13 minutes at 1M
COMPARE_MEMORY = "7GB"


def spark_build(path: Path, workdir: Path, master: str):
    from models.engines.spark_build import build_on_spark
    from models.engines.spark_engine import SparkEngine, spark_session, stop_session

    started = time.perf_counter()

    def step(name: str) -> None:  # a long build says where it is (a run stopped early still tells how far it got)
        print(f"  spark: {name} from {time.perf_counter() - started:.0f} s", flush=True)

    # Spark's shuffle files beside its tables, not in /tmp, which other jobs on a shared machine may sweep
    session = spark_session(master, **{"spark.local.dir": str(workdir / "local")})
    con = store.connect(path)
    try:
        return build_on_spark(con, SparkEngine(session, workdir), NOW, step)
    finally:
        con.close()
        stop_session(session)


def duckdb_build(path: Path):
    con = store.connect(path)
    try:
        return build(con, NOW)
    finally:
        con.close()


def differences(duck_path: Path, spark_path: Path, folder: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for table in COMPARED:
        copy = folder / f"{table}.parquet"
        con = store.connect(spark_path)
        con.execute(f"copy (select * from {table}) to '{copy}' (format parquet)")
        con.close()
        con = store.connect(duck_path)
        con.execute(f"set memory_limit = '{COMPARE_MEMORY}'")
        other = f"read_parquet('{copy}')"
        found[table] = tuple(con.execute(f"select count(*) from (select * from {a} except all select * from {b})")
                             .fetchall()[0][0] for a, b in ((table, other), (other, table)))
        con.close()
    return found


def main(opts) -> None:
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        duck_path, spark_path = folder / "duckdb.duckdb", folder / "spark.duckdb"
        con = store.connect(spark_path)
        counts = generate(con, opts.customers, opts.events_per_customer)
        con.close()
        if not opts.spark_only:
            shutil.copy(spark_path, duck_path)
        say(f"Rapport build on {'Spark' if opts.spark_only else 'two engines'}: {opts.customers:,} people, "
            f"~{opts.events_per_customer:g} events each ({sum(counts.values()):,} raw rows), Spark master "
            f"{opts.master} with {LOCAL_SETTINGS['spark.driver.memory']} of heap, {os.cpu_count()} cores")
        if opts.spark_only:
            spark_alone(spark_path, folder, opts, say)
        else:
            both_engines(duck_path, spark_path, folder, opts, say)
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / f"engines-{opts.customers}{'-spark' if opts.spark_only else ''}.txt").write_text("\n".join(lines) + "\n")


def both_engines(duck_path: Path, spark_path: Path, folder: Path, opts, say) -> None:
    """Each engine's build of the same store, the ratio, and whether both give the same models."""
    print("  duckdb: build", flush=True)
    report, duck_seconds, duck_peak = measured(duckdb_build, duck_path)
    say(f"duckdb: build {duck_seconds:.1f} s, peak memory {duck_peak / 2**30:.2f} GiB "
        f"({report.customers:,} customers, {report.events:,} events)")
    spark_report, spark_seconds, spark_peak = measured(spark_build, spark_path, folder / "work", opts.master)
    say(f"spark:  build {spark_seconds:.1f} s, peak memory {spark_peak / 2**30:.2f} GiB "
        f"({', '.join(f'{k} {v:.1f}' for k, v in spark_report.seconds.items())})")
    say(f"ratio spark / duckdb: time {spark_seconds / duck_seconds:.1f}x, memory {spark_peak / duck_peak:.1f}x")
    found = differences(duck_path, spark_path, folder)
    say("same models: " + ", ".join(f"{t} {'identical' if d == (0, 0) else f'DIFFERS {d}'}"
                                    for t, d in found.items()))
    if opts.keep:  # the DuckDB-built store, with its point-read documents, for bench pages --store
        copy_store(duck_path, opts.keep)


def spark_alone(spark_path: Path, folder: Path, opts, say) -> None:
    """Only the Spark build (a store larger than DuckDB builds here, or a smaller heap), and its store kept."""
    report, seconds, peak = measured(spark_build, spark_path, folder / "work", opts.master)
    say(f"spark:  build {seconds:.1f} s, peak memory {peak / 2**30:.2f} GiB ({report.customers:,} customers, "
        f"{report.events:,} events; {', '.join(f'{k} {v:.1f}' for k, v in report.seconds.items())})")
    if opts.keep:
        copy_store(spark_path, opts.keep)
