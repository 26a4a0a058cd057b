"""Identity accuracy on the demo's ground truth: pairwise precision, recall and F1, keys alone, with splink, and the
ceiling of any linker that never merges on a name alone."""

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


# Each true person's records, tied wherever two share something besides a name: a key, a birth date, a postcode, a
# street or an email's local part. Merging exactly these would be a perfect linker that never merges on a name
# alone; its recall is the most any such linker can reach on this data (the rest is name-only evidence).
EVIDENCE_SQL = """
    with records as (
        select row_number() over (order by r.record_key) - 1 as node, r.*, t.person_id
        from identity_records r
        join truth t on t.kind = r.kind and t.source = r.source and t.record_id = r.source_id
    ),
    evidence as (
        select node, person_id || '|' || unnest(keys || [v for v in ['birth:' || birth_date, 'postcode:' || postcode,
               'street:' || street, 'local:' || email_local] if v is not null]) as value
        from records
    )
    select node, dense_rank() over (order by value) - 1 + (select count(*) from records) as value_node
    from evidence
"""


def evidence_ceiling(con: store.Connection) -> str:
    """Label each truth record with its person's evidence-linked group (EVIDENCE_SQL); return a `predicted` query."""
    edges = con.execute(EVIDENCE_SQL).fetchnumpy()
    records = con.execute("select count(*) from identity_records r join truth t on t.kind = r.kind "
                          "and t.source = r.source and t.record_id = r.source_id").fetchall()[0][0]
    bound = int(edges["value_node"].max()) + 1 if len(edges["value_node"]) else records
    labels = component_labels(bound, edges["node"].astype(np.int64), edges["value_node"].astype(np.int64))
    con.register("_evidence_labels", pd.DataFrame({"node": np.arange(records), "cluster": labels[:records]}))
    return """select r.kind, r.source, r.source_id, l.cluster
              from (select row_number() over (order by record_key) - 1 as node, * from identity_records
                    where (kind, source, source_id) in (select (kind, source, record_id) from truth)) r
              join _evidence_labels l using (node)"""


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
            "ceiling without name-only": evidence_ceiling(con),
        }
        print(f"{opts.customers:,} demo customers (seed {opts.seed}); {report.summary()}")
        for name, predicted in tiers.items():
            s = pairwise_scores(con, predicted)
            print(f"{name:28} precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}"
                  f"  ({int(s['pairs']):,} true pairs)")


if __name__ == "__main__":
    main()
