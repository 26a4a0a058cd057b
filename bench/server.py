"""Server time per rerun: what each page's script costs the Streamlit process, without a browser. Every page is run
through Streamlit's AppTest on a copy of one store, as a person's session would: opened, then run again as a widget
change runs it (a rerun), profile by profile. It reports seconds per run (wall and the process's CPU, which a
loaded machine distorts less), p50/p95, and with --profile the functions that cost the most (cProfile).

With --baseline TREE the same pages of another checkout (e.g. /work/main) are timed in the same run, rounds
alternating between the trees, each tree in its own process on its own copy of the store: the ratio is the figure.

    python -m bench server [--customers 2000 | --store FILE] [--profiles 5] [--reruns 3] [--rounds 2]
                           [--baseline TREE] [--profile PAGE]

Only the standard library is imported at the top: a child process puts its tree first on the path before it
imports anything of Rapport or Streamlit."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT / "bench" / "out"
PAGES = ("social_inbox", "leadership", "data_sources", "ideas", "audit", "privacy")
NAMES = tuple(name.replace("_", " ") for name in PAGES)
SCENARIOS = ("profile", "profile rerun", "timeline page 2", "meeting prep",
             *(f"{n}{rerun}" for n in NAMES for rerun in ("", " rerun")))


# ---------------------------------------------------------------- the child: one tree, one store, one process


def child(tree: Path, db: Path, customers: list[int], reruns: int, profile_page: str | None) -> dict:
    """Seconds per scenario for the checkout at `tree` (imported first on the path) on the store `db`."""
    sys.path.insert(0, str(tree))
    os.environ["RAPPORT_DB"] = str(db)
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import AppTest, app_test, local_script_runner

    # a server compiles each script once (one ScriptCache for the runtime); AppTest makes a new cache per run, so
    # every run would compile app.py and the page again: share one, as the server does
    compiled = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: compiled

    timings: dict[str, list[tuple[float, float]]] = {s: [] for s in SCENARIOS}
    profiler = None
    if profile_page:
        import cProfile

        profiler = cProfile.Profile()

        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        run_script = ScriptRunner._run_script

        def profiled(self, *args, **kwargs):  # AppTest runs the script in a thread of its own: profile that one
            if not profiling:
                return run_script(self, *args, **kwargs)
            profiler.enable()
            try:
                return run_script(self, *args, **kwargs)
            finally:
                profiler.disable()

        ScriptRunner._run_script = profiled
    profiling = False

    def timed(scenario: str, at) -> None:
        nonlocal profiling
        wall, cpu = time.perf_counter(), time.process_time()
        profiling = profiler is not None and scenario == profile_page
        at.run()
        profiling = False
        timings[scenario].append((time.perf_counter() - wall, time.process_time() - cpu))
        if at.exception:
            raise RuntimeError(f"{scenario}: {at.exception[0].value}")

    def session(page: str | None = None, **query):
        at = AppTest.from_file(str(tree / "app.py"), default_timeout=600)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()  # the frame's first run (the app's start), then the page: a link opened in a new tab
        if page:
            at.switch_page(page)
            for key, value in query.items():
                at.query_params[key] = value
        return at

    def walk(record: bool) -> None:
        for customer_id in customers if record else customers[:1]:
            at = session(customer=str(customer_id))
            timed("profile", at)
            for _ in range(reruns):
                timed("profile rerun", at)
            pager = [n for n in at.number_input if n.key == "page"]
            if pager and pager[0].proto.has_max and pager[0].proto.max > 1:
                pager[0].set_value(2)
                timed("timeline page 2", at)
        at = session("pages/meeting_prep.py", customer=str(customers[0]))
        timed("meeting prep", at)
        for page, name in zip(PAGES, NAMES, strict=True):
            at = session(f"pages/{page}.py")
            timed(name, at)
            for _ in range(reruns):
                timed(f"{name} rerun", at)

    walk(record=False)  # the process's first runs import and warm what every later run shares: not counted
    for values in timings.values():
        values.clear()
    walk(record=True)
    result = {"timings": {k: v for k, v in timings.items() if v}}
    if profiler is not None:
        import io
        import pstats

        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        result["profile"] = text.getvalue()
    return result


# ---------------------------------------------------------------- the parent: stores, rounds, report


def sample_customers(path: Path, count: int) -> list[int]:
    """Customers with a history worth showing (orders and tickets), spread over the id range."""
    import store

    con = store.connect(path, read_only=True)
    try:
        # half of them with more than one timeline page, so the pager is timed too
        query = """
            with events as (select customer_id, count(*) as events from customer_timeline group by 1)
            select customer_id from customer_profiles join events using (customer_id)
            where order_count >= 1 and ticket_count >= 1 and not is_prospect and (events > 25) = ?
            order by hash(customer_id) limit ?"""
        heavy = [int(r[0]) for r in con.execute(query, [True, (count + 1) // 2]).fetchall()]
        light = [int(r[0]) for r in con.execute(query, [False, count - len(heavy)]).fetchall()]
        return [c for pair in zip(heavy, light + [None] * len(heavy), strict=False) for c in pair if c is not None]
    finally:
        con.close()


def run_child(tree: Path, db: Path, customers: list[int], reruns: int, profile_page: str | None) -> dict:
    out = db.with_suffix(".json")
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(tree), "--db", str(db),
               "--ids", ",".join(map(str, customers)), "--reruns", str(reruns), "--out", str(out)]
    if profile_page:
        command += ["--profile", profile_page]
    subprocess.run(command, cwd=tree, check=True, env={**os.environ, "RAPPORT_DB": str(db)})
    return json.loads(out.read_text())


def summary(values: list[list[float]]) -> dict[str, float]:
    walls, cpus = [v[0] for v in values], [v[1] for v in values]

    def p95(xs: list[float]) -> float:
        return sorted(xs)[max(0, round(0.95 * len(xs) + 0.5) - 1)] if len(xs) > 1 else xs[0]

    return {"n": len(values), "wall_p50": statistics.median(walls), "wall_p95": p95(walls),
            "cpu_p50": statistics.median(cpus), "cpu_p95": p95(cpus)}


def report(results: dict[str, dict[str, list]]) -> list[str]:
    trees = list(results)
    head = f"{'run':<16}" + "".join(f"{t[-22:]:>34}" for t in trees)
    lines = [head, f"{'':<16}" + "".join(f"{'wall p50/p95   cpu p50/p95 (s)':>34}" for _ in trees)
             + ("   cpu p50 ratio" if len(trees) == 2 else "")]
    for scenario in SCENARIOS:
        cells, sums = "", []
        for tree in trees:
            values = results[tree].get(scenario)
            if not values:
                cells += f"{'-':>34}"
                continue
            s = summary(values)
            sums.append(s)
            cells += f"{s['wall_p50']:>12.3f} / {s['wall_p95']:<6.3f} {s['cpu_p50']:>6.3f} / {s['cpu_p95']:<6.3f}"
        ratio = f"{sums[1]['cpu_p50'] / sums[0]['cpu_p50']:>10.2f}x" if len(sums) == 2 else ""
        lines.append(f"{scenario:<16}{cells}{ratio}")
    return lines


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench server", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000, help="size of the demo company to build")
    parser.add_argument("--store", type=Path, help="an already built store to copy instead of building the demo")
    parser.add_argument("--profiles", type=int, default=5, help="customers each round opens")
    parser.add_argument("--reruns", type=int, default=3, help="reruns of each page after it opened")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per tree, alternating between the trees")
    parser.add_argument("--baseline", type=Path, help="another checkout to time in the same run, first")
    parser.add_argument("--profile", choices=SCENARIOS, help="print cProfile's top functions for this scenario")
    args = parser.parse_args(argv)
    trees = [args.baseline.resolve(), PROJECT] if args.baseline else [PROJECT]
    results: dict[str, dict[str, list]] = {str(t): {} for t in trees}
    from bench.pages import copy_store, demo_store  # not at the top: each timed child imports this module

    with tempfile.TemporaryDirectory(prefix="rapport-bench-server-") as tmp:
        folder = Path(tmp)
        if args.store:
            source = copy_store(args.store.resolve(), folder / "source.duckdb")
        else:
            source = demo_store(folder, args.customers)
        customers = sample_customers(source, args.profiles)
        for round_number in range(args.rounds):
            for index, tree in enumerate(trees):
                db = copy_store(source, folder / f"run-{round_number}-{index}.duckdb")
                found = run_child(tree, db, customers, args.reruns, args.profile)
                for scenario, values in found["timings"].items():
                    results[str(tree)].setdefault(scenario, []).extend(values)
                if found.get("profile") and round_number == args.rounds - 1:
                    print(f"---- cProfile, {args.profile}, {tree}\n{found['profile']}")
    lines = report(results)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n".join(lines))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "server.json").write_text(json.dumps({"results": results, "customers": customers,
                                                     "reruns": args.reruns, "rounds": args.rounds}, indent=2))


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--ids", required=True)
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--profile")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    found = child(args.child, args.db, [int(i) for i in args.ids.split(",")], args.reruns, args.profile)
    args.out.write_text(json.dumps(found))


if __name__ == "__main__":
    sys.path.pop(0)  # this file's folder (bench/): the tree given goes first instead
    child_main(sys.argv[1:])
