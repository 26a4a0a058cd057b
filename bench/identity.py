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


GOAL_SHARE_OF_REACH = 0.995  # keys + splink + decisions, as a share of the reach of exact evidence (F1)
GOAL_PRECISION = 0.999
KEYS_ONLY = """select n.kind, n.source, n.source_id, c.component as cluster
               from identity_nodes n join identity_components c using (node)"""
FINAL = "select kind, source, source_id, customer_id as cluster from customer_sources"


def keys_and_splink(con: store.Connection) -> str:
    """The key-linked groups joined by splink's automatic links alone (no staff merge): a `predicted` query."""
    links = con.execute("""select component_l, component_r from identity_cluster_links
                           where link_method = 'probabilistic'""").fetchnumpy()
    graph = con.execute("select node, component from identity_components").fetchnumpy()
    bound = int(max(graph["node"].max(), graph["component"].max())) + 1 if len(graph["node"]) else 0
    cluster_of = component_labels(bound, links["component_l"].astype(np.int64), links["component_r"].astype(np.int64))
    con.register("_splink_labels", pd.DataFrame({"node": graph["node"],
                                                 "cluster": cluster_of[graph["component"].astype(np.int64)]}))
    return """select n.kind, n.source, n.source_id, l.cluster
              from identity_nodes n join _splink_labels l using (node)"""


def tiers(con: store.Connection) -> dict[str, str]:
    """Each tier's clusters as a `predicted` query: what keys, then splink, then staff decisions add."""
    return {"keys only": KEYS_ONLY, "keys + splink": keys_and_splink(con), "keys + splink + decisions": FINAL,
            "reach of exact evidence": exact_evidence_reach(con)}


def noise_recall(con: store.Connection, predicted: str) -> pd.DataFrame:
    """Per kind of demo noise: the share of re-entered contacts put with another record of their person."""
    return con.execute(f"""
        with clusters as (
            select p.cluster, t.person_id, t.kind, t.source, t.record_id
            from ({predicted}) p
            join truth t on t.kind = p.kind and t.source = p.source and t.record_id = p.source_id
        ),
        linked as (
            select n.noise, exists (select 1 from clusters o
                                    where o.cluster = c.cluster and o.person_id = c.person_id
                                      and o.record_id <> c.record_id) as linked
            from noise n join clusters c on c.kind = n.kind and c.source = n.source and c.record_id = n.record_id
        )
        select noise, count(*) as contacts, avg(linked::int) as linked from linked group by noise order by noise
    """).df()


def report_demo(customers: int, seed: int) -> dict[str, dict[str, float]]:
    """Build the demo, print each tier's pairwise scores, the goal check and the noise kinds' recall."""
    with tempfile.TemporaryDirectory() as tmp:
        con = store.connect(Path(tmp) / "identity.duckdb")
        load_demo(con, Path(tmp) / "demo", as_of=date(2026, 11, 1), seed=seed, customers=customers)
        report = build(con, datetime(2026, 11, 1, 6))
        con.execute("create table truth as " + TRUTH_SQL, {"path": str(Path(tmp) / "demo" / "truth.csv")})
        con.execute("create table noise as select * from read_csv($path, all_varchar = true)",
                    {"path": str(Path(tmp) / "demo" / "identity_noise.csv")})
        print(f"{customers:,} demo customers (seed {seed}; our own generator: a regression check, not an accuracy"
              f" figure); {report.summary()}")
        queries, scores = tiers(con), {}
        for name, predicted in queries.items():
            scores[name] = s = pairwise_scores(con, predicted)
            print(f"{name:28} precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}"
                  f"  ({int(s['pairs']):,} true pairs)")
        print_goal(scores)
        print_noise(con, queries)
        con.close()
    return scores


def print_goal(scores: dict[str, dict[str, float]]) -> None:
    final, reach = scores["keys + splink + decisions"], scores["reach of exact evidence"]
    share, recall_share = final["f1"] / reach["f1"], final["recall"] / reach["recall"]
    met = share >= GOAL_SHARE_OF_REACH and final["precision"] >= GOAL_PRECISION
    print(f"goal: F1 {share:.2%} of the reach (≥ {GOAL_SHARE_OF_REACH:.1%}; recall {recall_share:.2%}"
          f"), precision {final['precision']:.4f} (≥ {GOAL_PRECISION}): {'met' if met else 'NOT met'}")


def print_noise(con: store.Connection, queries: dict[str, str]) -> None:
    shown = ("keys only", "keys + splink + decisions", "reach of exact evidence")
    frames = {name: noise_recall(con, queries[name]).set_index("noise") for name in shown}
    print("re-entered contacts put with their person, by noise:   keys only   all tiers       reach")
    for noise, row in frames["keys only"].iterrows():
        cells = "  ".join(f"{frames[name].loc[noise, 'linked']:>12.1%}" for name in shown)
        print(f"  {noise:24} ({int(row['contacts']):4} contacts)         {cells}")


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--customers", type=int, default=2000)
    args.add_argument("--seed", type=int, default=None,
                      help="the demo's seed (default 7), or with --reentry the set's (default: the held-out one)")
    args.add_argument("--febrl", type=int, nargs="*", choices=(1, 2, 3, 4), metavar="N",
                      help="score FEBRL sets loaded through the command line instead (default: 1 2 3)")
    args.add_argument("--febrl-train", action="store_true",
                      help="estimate splink's parameters on FEBRL 1 and 2 (writes models/identity/parameters.json)")
    args.add_argument("--reentry", action="store_true",
                      help="score the held-out set of CRM contacts re-entered by another system, with relatives")
    opts = args.parse_args(argv)
    if opts.febrl_train:
        from bench.identity_febrl import train_on_development_sets

        train_on_development_sets()
    elif opts.febrl is not None:
        from bench.identity_febrl import main as febrl_main

        febrl_main(tuple(opts.febrl) or (1, 2, 3))
    elif opts.reentry:
        from bench.identity_reentry import main as reentry_main

        reentry_main(*([] if opts.seed is None else [opts.seed]))
    else:
        report_demo(opts.customers, 7 if opts.seed is None else opts.seed)


if __name__ == "__main__":
    main()
