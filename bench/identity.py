"""Identity accuracy on the demo's ground truth: pairwise precision, recall and F1, keys alone and with splink."""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, datetime
from pathlib import Path

import store
from connectors.demo import load_demo
from models.build import build

# records the truth file and customer_sources both name; comments belong to their ticket, not to a person
TRUTH_SQL = """
    select kind, source, record_id, person_id from read_csv($path, all_varchar = true)
    where person_id is not null and kind <> 'ticket_comments'
"""


def pairwise_scores(con: store.Connection, predicted: str) -> dict[str, float]:
    """Precision, recall and F1 over record pairs, from the (predicted cluster, true person) contingency table."""
    return dict(zip(("precision", "recall", "f1", "pairs"), con.execute(f"""
        with joined as (
            select p.cluster, t.person_id from ({predicted}) p
            join truth t on t.kind = p.kind and t.source = p.source and t.record_id = p.source_id
        ),
        both_ as (select count(*) as n from joined group by cluster, person_id),
        pred as (select count(*) as n from joined group by cluster),
        true_ as (select count(*) as n from joined group by person_id),
        sums as (
            select (select sum(n * (n - 1) / 2) from both_) as tp,
                   (select sum(n * (n - 1) / 2) from pred) as predicted,
                   (select sum(n * (n - 1) / 2) from true_) as actual
        )
        select tp / predicted, tp / actual, 2 * tp / (predicted + actual), actual from sums
    """).fetchone(), strict=True))


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--customers", type=int, default=2000)
    args.add_argument("--seed", type=int, default=7)
    opts = args.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "identity.duckdb")
        load_demo(con, Path(tmp) / "demo", as_of=date(2026, 11, 1), seed=opts.seed, customers=opts.customers)
        report = build(con, datetime(2026, 11, 1, 6))
        con.execute("create table truth as " + TRUTH_SQL, {"path": str(Path(tmp) / "demo" / "truth.csv")})
        tiers = {
            "keys only": """select n.kind, n.source, n.source_id, c.component as cluster
                            from identity_nodes n join identity_components c using (node)""",
            "keys + splink + decisions": "select kind, source, source_id, customer_id as cluster from customer_sources",
        }
        print(f"{opts.customers:,} demo customers (seed {opts.seed}); {report.summary()}")
        for name, predicted in tiers.items():
            s = pairwise_scores(con, predicted)
            print(f"{name:28} precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}"
                  f"  ({int(s['pairs']):,} true pairs)")


if __name__ == "__main__":
    main()
