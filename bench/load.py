"""Load benchmark: `connectors load` of N purchases next to DuckDB's bare `read_csv` of the same file."""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import store
from connectors.loader import load_file

STATUSES = ("paid", "paid", "paid", "paid", "refunded", "cancelled")


def write_purchases_csv(path: Path, rows: int, seed: int = 1) -> None:
    """A purchases CSV in canonical fields, with about 0.1% bad rows so the quarantine path is exercised."""
    rng = random.Random(seed)
    start = datetime(2022, 1, 1)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["order_id", "line_id", "ordered_at", "amount", "currency", "email", "product", "sku",
                      "category", "quantity", "channel", "status"])
        for i in range(rows):
            when = start + timedelta(seconds=rng.randrange(0, 4 * 365 * 86400))
            amount = f"{rng.uniform(5, 400):.2f}" if rng.random() > 0.001 else "n/a"
            out.writerow([f"O{i:08d}", "1", when.isoformat(timespec="seconds"), amount, "GBP",
                          f"user{rng.randrange(200_000)}@example.com", "Ridgeline 2P tent", "TNT-2P", "tents",
                          rng.randint(1, 3), "online", rng.choice(STATUSES)])


def time_bare_read_csv(path: Path, db: Path) -> float:
    con = store.connect(db)
    started = time.perf_counter()
    con.execute("create table bare as select * from read_csv(?, header = true)", [str(path)])
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def time_connector_load(path: Path, db: Path) -> tuple[float, str]:
    con = store.connect(db)
    started = time.perf_counter()
    result = load_file(con, "purchases", path, source="bench")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed, result.summary()


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--rows", type=int, default=1_000_000)
    args.add_argument("--repeat", type=int, default=3)
    opts = args.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "purchases.csv"
        write_purchases_csv(path, opts.rows)
        print(f"{opts.rows:,} purchases, {path.stat().st_size / 1e6:.0f} MB CSV")
        bare, ours = [], []
        for i in range(opts.repeat):  # interleaved, so both see the same machine load
            bare.append(time_bare_read_csv(path, Path(tmp) / f"bare{i}.duckdb"))
            seconds, summary = time_connector_load(path, Path(tmp) / f"load{i}.duckdb")
            ours.append(seconds)
        print(f"connectors load: {summary}")
        best_bare, best_ours = min(bare), min(ours)
        print(f"bare read_csv     {opts.rows / best_bare:>12,.0f} rows/s  (best of {opts.repeat}: {best_bare:.2f} s)")
        print(f"connectors load   {opts.rows / best_ours:>12,.0f} rows/s  (best of {opts.repeat}: {best_ours:.2f} s)")
        print(f"ratio             {best_bare / best_ours:>12.0%} of bare read_csv (goal >= 30%)")


if __name__ == "__main__":
    main()
