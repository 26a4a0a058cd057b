"""Scale benchmark: build N customers, then time context, search and leadership queries next to SQLite and pandas."""

from __future__ import annotations

import argparse
import math
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import store
from bench.memory import measured
from bench.scale_data import NOW, add_days_load, generate
from bench.scale_engines import EVENTS, Pandas, Rapport, Sqlite
from models.build import build, refresh
from queries.connection import warm_documents, warm_lookups
from queries.fuzzy import FuzzyIndex, JaroWinkler

OUT_DIR = Path(__file__).resolve().parent / "out"
CONTEXT_LABEL = f"context (support, {EVENTS} events)"
PROJECT = Path(__file__).resolve().parent.parent  # where a fresh process imports the bench from
CHECKED_CONTEXTS = 20  # context answers (event ids and talking points) compared on the first 20 sampled ids
SEARCH_KINDS = ("exact email", "name with a typo", "phone suffix", "order id")
GOALS = {"context": 10.0, "search": 100.0, "aggregate": 500.0}  # p95 ms
BUILD_GOAL = 120.0  # seconds at 1M customers / 20M events
GUARD_GOAL = 0.10  # masking and the view audit may add at most 10 % to the context p95


# ---------------------------------------------------------------- timing


@dataclass
class Measured:
    """Latencies of one operation on one engine, and the answers it gave, input by input."""

    ms: list[float] = field(default_factory=list)
    answers: list[Any] = field(default_factory=list)

    def percentiles(self) -> tuple[float, float]:
        return tuple(float(p) for p in np.percentile(self.ms, [50, 95])) if self.ms else (math.nan, math.nan)


def measure(call: Callable[[Any], Any], inputs: list, answer: Callable[[Any], Any], *, warmup: int,
            at_least: int, budget: float) -> Measured:
    """Warm up, then time `call` input by input until all are done or `budget` seconds are spent (after
    `at_least` inputs); `answer` turns each result into a comparable value, outside the timing."""
    for x in inputs[:warmup]:
        call(x)
    result, spent = Measured(), 0.0
    for i, x in enumerate(inputs):
        if i >= at_least and spent > budget:
            break
        started = time.perf_counter()
        out = call(x)
        elapsed = time.perf_counter() - started
        spent += elapsed
        result.ms.append(elapsed * 1000)
        result.answers.append(answer(out))
    return result


def measure_paired(first: Callable[[Any], Any], second: Callable[[Any], Any], inputs: list,
                   answer: Callable[[Any], Any], *, warmup: int, at_least: int,
                   budget: float) -> tuple[Measured, Measured]:
    """measure() for two calls taking turns input by input, each going first every other time."""
    for x in inputs[:warmup]:
        first(x)
        second(x)
    results, spent = (Measured(), Measured()), 0.0
    for i, x in enumerate(inputs):
        if i >= at_least and spent > budget:
            break
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for which in order:
            started = time.perf_counter()
            out = (first, second)[which](x)
            elapsed = time.perf_counter() - started
            spent += elapsed
            results[which].ms.append(elapsed * 1000)
            results[which].answers.append(answer(out))
    return results


def timed(function: Callable, *args) -> tuple[Any, float]:
    started = time.perf_counter()
    out = function(*args)
    return out, time.perf_counter() - started


# ---------------------------------------------------------------- answers, made comparable across engines


def context_answer(found: tuple[list, list] | None) -> tuple:
    """An engine's context as (event ids, talking points); every engine hands its events on as its store has them
    (rows from DuckDB and SQLite, a frame from pandas), with no frame built for the comparison's sake."""
    if found is None:
        return ()
    event_ids, points = found
    return tuple(str(e) for e in event_ids), tuple((p.rule, p.sentence, p.cites) for p in points)


def plain_value(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        return value.item()
    return value


def rows_answer(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    rows = [tuple(plain_value(v) for v in row) for row in frame[columns].itertuples(index=False)]
    return sorted(rows, key=lambda r: tuple("" if v is None else str(v) for v in r))


def same_rows(a: list[tuple], b: list[tuple]) -> bool:
    """Equal row for row; floats within 1e-9 (sums in a different order round differently)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) and isinstance(v, float | int):
                if not math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif u != v:
                return False
    return True


WEEKLY_COLUMNS = ["week", "network", "posts", "avg_sentiment", "negative_share"]
RESPONSE_COLUMNS = ["channel", "tickets", "median_first_response_minutes", "median_resolution_minutes"]


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Inputs:
    ids: list[int]
    searches: list[tuple[str, str]]  # (kind, text)


def typo(name: str, j: int) -> str:
    """A deterministic one-letter slip: two letters swapped, one dropped, or one doubled."""
    if len(name) < 4:
        return name + name[-1]
    at = 1 + j % (len(name) - 2)
    return (name[:at] + name[at + 1] + name[at] + name[at + 2:], name[:at] + name[at + 1:],
            name[:at] + name[at] + name[at:])[j % 3]


def spaced_tail(phone: str) -> str:
    """The number as typed without its country code: "+447700012345" -> "7700 012345"."""
    digits = re.sub(r"\D", "", phone)[-10:]
    return f"{digits[:4]} {digits[4:]}"


def pick_inputs(con: store.Connection, count: int, seed: int) -> Inputs:
    """A deterministic random sample of customer ids and, per id, one search a person would type for them."""
    ids = [r[0] for r in con.execute("select customer_id from customer_profiles order by hash(customer_id, $seed) "
                                     "limit $n", {"seed": seed, "n": count}).fetchall()]
    facts = {r[0]: r[1:] for r in con.execute("""
        select p.customer_id, p.display_name, p.emails[1], p.phones[1], o.ref_id
        from customer_profiles p
        left join (select customer_id, min(ref_id) as ref_id from customer_timeline
                   where kind = 'purchase' and customer_id in (select unnest($ids)) group by customer_id) o
            using (customer_id)
        where p.customer_id in (select unnest($ids))""", {"ids": ids}).fetchall()}
    typed = {cid: {"exact email": email, "name with a typo": typo(name.lower(), j),
                   "phone suffix": phone and spaced_tail(phone), "order id": order}
             for j, cid in enumerate(ids) for name, email, phone, order in [facts[cid]]}
    # the kinds in turn, each typed for the next sampled customer that has one (a prospect has no order)
    having = {kind: [t[kind] for t in typed.values() if t[kind]] for kind in SEARCH_KINDS}
    searches = []
    for j, cid in enumerate(ids):
        kind = SEARCH_KINDS[j % len(SEARCH_KINDS)]
        rank = j // len(SEARCH_KINDS)
        searches.append((kind, having[kind][rank]) if rank < len(having[kind])
                        else ("name with a typo", typed[cid]["name with a typo"]))
    return Inputs(ids, searches)


# ---------------------------------------------------------------- running and reporting


@dataclass
class EngineResult:
    name: str
    ops: dict[str, Measured] = field(default_factory=dict)


def run_engine(engine, inputs: Inputs, budget: float, repeat: int) -> EngineResult:
    """Every operation on one engine, each warmed up first; search answers are the top customer."""
    result = EngineResult(engine.name)
    if hasattr(engine, "guarded_context"):
        # the two take turns on every input, so a busy spell of the machine hits both alike
        result.ops["context"], result.ops["guarded_context"] = measure_paired(
            engine.context, engine.guarded_context, inputs.ids, context_answer, warmup=3,
            at_least=CHECKED_CONTEXTS, budget=budget)
    else:
        result.ops["context"] = measure(engine.context, inputs.ids, context_answer, warmup=3,
                                        at_least=CHECKED_CONTEXTS, budget=budget)
    result.ops["search"] = measure(engine.search, [t for _, t in inputs.searches], engine.top, warmup=3,
                                   at_least=20, budget=budget)
    result.ops["weekly_sentiment"] = measure(engine.weekly_sentiment, [None] * repeat,
                                             lambda f: rows_answer(f, WEEKLY_COLUMNS), warmup=1, at_least=3,
                                             budget=budget)
    result.ops["response_times_by_channel"] = measure(engine.response_times, [None] * repeat,
                                                      lambda f: rows_answer(f, RESPONSE_COLUMNS), warmup=1,
                                                      at_least=3, budget=budget)
    print(f"  measured {engine.name}", flush=True)
    return result


def mismatches(reference: EngineResult, other: EngineResult, inputs: Inputs) -> list[str]:
    """Where a baseline's answers differ from Rapport's: a benchmark of different answers is worthless."""
    found = []
    ours, theirs = reference.ops["context"].answers, other.ops["context"].answers
    for i in range(min(CHECKED_CONTEXTS, len(ours), len(theirs))):
        if ours[i] != theirs[i]:
            found.append(f"{other.name}: context of customer {inputs.ids[i]} differs")
    ours, theirs = reference.ops["search"].answers, other.ops["search"].answers
    for i in range(min(len(ours), len(theirs))):
        if ours[i] != theirs[i]:
            found.append(f"{other.name}: search {inputs.searches[i][1]!r} tops {theirs[i]}, rapport {ours[i]}")
    for op in ("weekly_sentiment", "response_times_by_channel"):
        if not all(same_rows(reference.ops[op].answers[0], a) for a in other.ops[op].answers):
            found.append(f"{other.name}: {op} differs")
    return found


def cell(ms: list[float]) -> str:
    if not ms:
        return f"{'-':>24}"
    p50, p95 = np.percentile(ms, [50, 95])
    return f"{p50:9.1f} /{p95:9.1f} ({len(ms):>3})"


def verdict(ms: list[float], goal: float) -> str:
    return "ok" if ms and np.percentile(ms, 95) <= goal else "MISS"


def table(results: list[EngineResult], inputs: Inputs) -> list[str]:
    """operation × engine: p50 / p95 ms and (n), then Rapport's goal."""
    names = "".join(f"{r.name + ' p50/p95 ms (n)':>28}" for r in results)
    head = f"{'operation':<28}{names}   goal (rapport p95)"
    lines = [head, "-" * len(head)]
    searched = len(results[0].ops["search"].ms)
    kinds = [k for k, _ in inputs.searches]
    rows = [(CONTEXT_LABEL, "context", None, GOALS["context"]),
            ("  masked + audited", "guarded_context", None, GOALS["context"]),
            ("search, all kinds", "search", None, GOALS["search"])]
    rows += [(f"  {kind}", "search", kind, GOALS["search"]) for kind in SEARCH_KINDS if kind in kinds[:searched]]
    rows += [(op, op, None, GOALS["aggregate"]) for op in ("weekly_sentiment", "response_times_by_channel")]
    for label, op, kind, goal in rows:
        def picked(r: EngineResult, op=op, kind=kind) -> list[float]:
            found = r.ops.get(op, Measured())
            return [ms for ms, k in zip(found.ms, kinds, strict=False) if kind is None or k == kind]
        lines.append(f"{label:<28}" + "".join(f"{cell(picked(r)):>28}" for r in results)
                     + f"   <= {goal:g} ms {verdict(picked(results[0]), goal)}")
    return lines


def guard_cost(rapport: EngineResult) -> str:
    """What masking every field and writing the view audit add to the context p95, measured in this run."""
    plain, guarded = rapport.ops["context"], rapport.ops["guarded_context"]
    extra = guarded.percentiles()[1] / plain.percentiles()[1] - 1
    same = all(a[0] == b[0] and [r for r, _, _ in a[1]] == [r for r, _, _ in b[1]]
               for a, b in zip(plain.answers, guarded.answers, strict=False))
    return (f"masking + view audit: context p95 {plain.percentiles()[1]:.1f} -> {guarded.percentiles()[1]:.1f} ms "
            f"({extra:+.0%}; goal <= +{GUARD_GOAL:.0%}: {'ok' if extra <= GUARD_GOAL else 'MISS'}); same events and "
            f"talking-point rules: {'yes' if same else 'NO'}")


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--customers", type=int, default=100_000)
    args.add_argument("--events-per-customer", type=float, default=20)
    args.add_argument("--queries", type=int, default=200, help="sampled customer ids (one context, one search each)")
    args.add_argument("--repeat", type=int, default=5, help="timed runs of each leadership aggregate")
    args.add_argument("--budget", type=float, default=30,
                      help="seconds one operation may take on one engine before its remaining inputs are skipped")
    args.add_argument("--seed", type=int, default=1)
    args.add_argument("--baselines", default="sqlite,pandas",
                      help="comma-separated baselines to run: sqlite, pandas (none: Rapport only)")
    args.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                      help="spark: only the build, on Spark beside DuckDB (time, peak memory; bench/engines.py)")
    args.add_argument("--master", default="local[2]", help="the Spark master for --engine spark")
    args.add_argument("--spark-only", action="store_true",
                      help="with --engine spark: the Spark build alone (time, peak memory), without the DuckDB build "
                           "beside it or the comparison: for a store larger than DuckDB builds, or a smaller heap")
    args.add_argument("--keep", type=Path, help="build the store at this path and keep it (e.g. for bench pages "
                                                "--store); by default it is built in a temporary folder (with "
                                                "--engine spark: a copy of the DuckDB-built store, or with --spark-only"
                                                " the Spark-built one, kept at the end)")
    args.add_argument("--store", type=Path, help="measure the reads on this store, built before (e.g. by --keep): "
                                                 "no generation, build or refresh (its view audit gets entries)")
    args.add_argument("--no-refresh", action="store_true",
                      help="leave out the refresh after a day's load and the second full build (their times): a "
                           "store built only to be measured by another benchmark")
    opts = args.parse_args(argv)
    if opts.spark_only and opts.engine != "spark":
        args.error("--spark-only is for --engine spark")
    if opts.engine == "spark":
        from bench.engines import main as engines_main

        engines_main(opts)
        return
    baselines = {b.strip() for b in opts.baselines.split(",") if b.strip() and b.strip() != "none"}
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    with tempfile.TemporaryDirectory() as tmp:
        db = opts.store or opts.keep or Path(tmp) / "scale.duckdb"
        if opts.store:
            con = store.connect(db)
            con.execute("set enable_progress_bar = false")
            say(f"Rapport scale benchmark on {db}, built before: "
                f"{con.execute('select count(*) from customer_profiles').fetchall()[0][0]:,} customers")
        else:
            con = build_store(db, opts, say)
        # as the dashboard does when it starts and after each build
        _, warmed = timed(warm_lookups, con)
        _, indexed = timed(warm_documents, con, db)
        say(f"lookup columns loaded into memory in {warmed:.1f} s, the documents' typo index in {indexed:.1f} s "
            f"(as the dashboard does after a build)")
        inputs = pick_inputs(con, opts.queries, opts.seed)
        results = [run_engine(Rapport(con, db), inputs, opts.budget, opts.repeat)]
        results += run_baselines(con, Path(tmp), baselines, inputs, opts, say)
        say(fresh_process_context(db, inputs.ids))
        if not opts.store and not opts.no_refresh:
            measure_refresh(store.connect(db), say)

    problems = [m for other in results[1:] for m in mismatches(results[0], other, inputs)]
    say(f"inputs: {len(inputs.ids)} sampled customers (seed {opts.seed}); aggregates x{opts.repeat}; "
        f"an engine stops an operation after {opts.budget:g} s")
    say()
    for line in table(results, inputs):
        say(line)
    say(guard_cost(results[0]))
    say()
    say("answers: " + ("identical (context event ids and talking points on the first "
                       f"{CHECKED_CONTEXTS} ids, top customer of every search, aggregates)" if not problems
                       else f"{len(problems)} MISMATCHES"))
    for problem in problems[:20]:
        say(f"  {problem}")
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / f"scale-{'store' if opts.store else opts.customers}.txt").write_text("\n".join(lines) + "\n")
    assert not problems, f"baselines disagree with Rapport: {problems[:5]}"


def build_store(db: Path, opts, say: Callable[[str], None]) -> store.Connection:
    """Generate the benchmark's company into a new store at `db` and build it; the open connection."""
    if db.exists():
        sys.exit(f"{db} exists: --keep builds a new store (--store measures one built before)")
    con = store.connect(db)
    con.execute("set enable_progress_bar = false")
    counts, generated = timed(generate, con, opts.customers, opts.events_per_customer)
    say(f"Rapport scale benchmark: {opts.customers:,} people, ~{opts.events_per_customer:g} events each "
        f"({sum(counts.values()):,} raw rows generated in {generated:.1f} s)")
    report, built, peak = measured(build, con, NOW)
    say(f"model: {report.customers:,} customers, {report.events:,} timeline events")
    steps = ", ".join(f"{name} {secs:.1f}" for name, secs in report.seconds.items())
    say(f"build {built:.1f} s ({steps}), peak memory {peak / 2**30:.2f} GiB   goal <= {BUILD_GOAL:g} s at 1M/20M: "
        f"{'ok' if built <= BUILD_GOAL else 'MISS'}")
    return con


def fresh_process_context(path: Path, ids: list[int]) -> str:
    """Context p50/p95 read by a new process that opens the built store and warms it, as a restarted dashboard
    does: what a process that generated and built 20M rows leaves behind (its heap, a squeezed page cache) is not
    in it. The in-process figure above is the dashboard right after its own first build."""
    code = f"from bench.scale import print_context_percentiles; print_context_percentiles({str(path)!r}, {ids!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True)
    p50, p95 = (float(v) for v in done.stdout.split()[-2:])
    verdict = "ok" if p95 <= GOALS["context"] else "MISS"
    return (f"{CONTEXT_LABEL} in a fresh process: {p50:.1f} / {p95:.1f} ms p50/p95 ({len(ids)})"
            f"   <= {GOALS['context']:g} ms {verdict}")


def print_context_percentiles(path: str, ids: list[int]) -> None:
    """Open the store read-only, warm its lookup columns, time one context per id; print p50 and p95 in ms."""
    con = store.connect(path, read_only=True)
    warm_lookups(con)
    warm_documents(con, Path(path))
    engine = Rapport(con, Path(path))
    timed_contexts = measure(engine.context, ids, context_answer, warmup=3, at_least=len(ids), budget=math.inf)
    print(*(f"{p:.3f}" for p in timed_contexts.percentiles()))


def measure_refresh(con: store.Connection, say: Callable[[str], None]) -> None:
    """The refresh after a day's load (incremental: the touched customers' marts), next to a full build of the same
    data in the same run; measured last, as it changes the store the other engines were compared on."""
    later = NOW + timedelta(days=1)  # a day after the last build: a day's posts also left the last 90 days
    added = add_days_load(con, later)
    done, refreshed = timed(refresh, con, later)
    assert done.report is not None, done.summary()
    report, rebuilt = timed(build, con, later)
    # the next day without a load: only the calendar moved (a day's posts left the last 90 days)
    idle, idled = timed(refresh, con, later + timedelta(days=1))
    assert idle.report is not None, idle.summary()
    con.close()
    say(f"a day's load ({added:,} new records), then the models brought up to date: incremental {refreshed:.1f} s "
        f"({done.summary()}); a full build of the same data {rebuilt:.1f} s; ratio {refreshed / rebuilt:.2f}")
    say(f"  against the build goal (<= {BUILD_GOAL:g} s at 1M/20M): {'ok' if refreshed <= BUILD_GOAL else 'MISS'}")
    say(f"a day later without a load, the refresh: {idled:.1f} s ({idle.summary()})")


def run_baselines(con: store.Connection, tmp: Path, baselines: set[str], inputs: Inputs, opts,
                  say: Callable[[str], None]) -> list[EngineResult]:
    """Set up the chosen baselines from the built marts, close DuckDB, then measure them one after the other."""
    if not baselines:
        con.close()
        return []
    similarity = JaroWinkler.like(con)
    terms = [r[0] for r in con.execute(
        "select distinct term from customer_search where field in ('name', 'handle')").fetchall()]
    fuzzy, indexed = timed(FuzzyIndex, terms, similarity)
    say(f"baselines' fuzzy name index: {indexed:.1f} s ({len(terms):,} names and handles)")
    engines = []
    if "sqlite" in baselines:
        (sqlite, copied, sqlite_indexed), _ = timed(Sqlite.export, con, tmp / "scale.sqlite", fuzzy)
        say(f"sqlite set up in this run: copy {copied:.1f} s + indexes {sqlite_indexed:.1f} s")
        engines.append(sqlite)
    if "pandas" in baselines:
        frames, loaded = timed(Pandas.load, con, fuzzy)
        say(f"pandas set up in this run: load {loaded:.1f} s")
        engines.append(frames)
    con.close()  # DuckDB's buffer pool goes before the DataFrames and SQLite's cache are exercised
    results = []
    for engine in engines:
        results.append(run_engine(engine, inputs, opts.budget, opts.repeat))
        if isinstance(engine, Sqlite):
            engine.close()
    return results


if __name__ == "__main__":
    main()
