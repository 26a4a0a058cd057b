"""Identity accuracy on the demo's ground truth: pairwise precision, recall and F1, keys alone, with splink, and the
reach of a perfect linker that only merges on exact evidence besides a name."""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

import store
from connectors.demo import load_demo
from models.build import build
from models.identity.components import component_labels

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


# Each true person's records, tied wherever two share a value besides a name: a key, a birth date, a postcode, a
# street or an email's local part, exactly. Merging exactly these is a perfect linker that never merges on a name
# alone and needs no near match; its recall is what such evidence can reach on this data (a linker using near
# matches, a postcode one character off, could reach a little further).
EVIDENCE_RECORDS = """
    create or replace temp table _evidence_records as
    select row_number() over (order by r.record_key) - 1 as node, r.kind, r.source, r.source_id, t.person_id,
           r.keys || [v for v in ['birth:' || r.birth_date, 'postcode:' || r.postcode, 'street:' || r.street,
                                  'local:' || r.email_local] if v is not null] as evidence
    from identity_records r
    join truth t on t.kind = r.kind and t.source = r.source and t.record_id = r.source_id
"""
# a value is a node after the records; only the same person's records can share one
EVIDENCE_EDGES = """
    with shared as (select node, person_id || '|' || unnest(evidence) as value from _evidence_records)
    select node, dense_rank() over (order by value) - 1 + (select count(*) from _evidence_records) as value_node
    from shared
"""


def exact_evidence_reach(con: store.Connection) -> str:
    """Group each truth record with its person's records that share exact evidence; return a `predicted` query."""
    con.execute(EVIDENCE_RECORDS)
    records = con.execute("select count(*) from _evidence_records").fetchall()[0][0]
    edges = con.execute(EVIDENCE_EDGES).fetchnumpy()
    bound = int(edges["value_node"].max()) + 1 if len(edges["value_node"]) else records
    labels = component_labels(bound, edges["node"].astype(np.int64), edges["value_node"].astype(np.int64))
    con.register("_evidence_labels", pd.DataFrame({"node": np.arange(records), "cluster": labels[:records]}))
    return """select e.kind, e.source, e.source_id, l.cluster
              from _evidence_records e join _evidence_labels l using (node)"""


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--customers", type=int, default=2000)
    args.add_argument("--seed", type=int, default=7)
    args.add_argument("--febrl", type=int, nargs="*", choices=(1, 2, 3, 4), metavar="N",
                      help="score FEBRL sets loaded through the command line instead (default: 1 2 3)")
    args.add_argument("--febrl-train", action="store_true",
                      help="estimate splink's parameters on FEBRL 1 and 2 (writes models/identity/parameters.json)")
    opts = args.parse_args(argv)
    if opts.febrl_train:
        from bench.identity_febrl import train_on_development_sets

        train_on_development_sets()
        return
    if opts.febrl is not None:
        from bench.identity_febrl import main as febrl_main

        febrl_main(tuple(opts.febrl) or (1, 2, 3))
        return
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "identity.duckdb")
        load_demo(con, Path(tmp) / "demo", as_of=date(2026, 11, 1), seed=opts.seed, customers=opts.customers)
        report = build(con, datetime(2026, 11, 1, 6))
        con.execute("create table truth as " + TRUTH_SQL, {"path": str(Path(tmp) / "demo" / "truth.csv")})
        tiers = {
            "keys only": """select n.kind, n.source, n.source_id, c.component as cluster
                            from identity_nodes n join identity_components c using (node)""",
            "keys + splink + decisions": "select kind, source, source_id, customer_id as cluster from customer_sources",
            "reach of exact evidence": exact_evidence_reach(con),
        }
        print(f"{opts.customers:,} demo customers (seed {opts.seed}); {report.summary()}")
        for name, predicted in tiers.items():
            s = pairwise_scores(con, predicted)
            print(f"{name:28} precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}"
                  f"  ({int(s['pairs']):,} true pairs)")


if __name__ == "__main__":
    main()
