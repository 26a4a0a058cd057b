"""Estimate identity tier 2's m/u probabilities on a store's candidates and freeze them in parameters.json:
u by random sampling (seeded), m by expectation maximisation on blocking rules (no labels are read)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import splink
from splink import block_on

from models.identity import probabilistic as p
from store import Connection

SEED = 42
U_SAMPLE_PAIRS = 1e7
# each rule trains the fields it does not fix: a shared birth date trains names and address, a shared postcode the
# birth date and names, a shared full name the birth date and address
TRAINING_RULES = (block_on("birth_date"), block_on("postcode"), block_on("first_name", "last_name"))


def train(con: Connection, candidates: str = "identity_candidates", note: str = "") -> dict:
    """The estimated parameters of every level (a field the candidates never fill keeps its current values)."""
    current = p.parameters()
    try:
        p.prepare_candidates(con, candidates)
        linker = p.linker(con, [p.PREPARED_TABLE], current)
        logging.getLogger("splink").setLevel(logging.WARNING)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
        for rule in TRAINING_RULES:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True)
        estimated = linker.misc.save_model_to_json()
        filled = filled_fields(con)
        count = con.execute(f"select count(*) from {p.PREPARED_TABLE}").fetchall()[0][0]
    finally:
        p.drop_splink_tables(con)
    fields = {field.column: (levels_of(estimated, field) if field.column in filled
                             else current["fields"][field.column]) for field in p.FIELDS}
    return {"estimated_by": "python -m models train-identity: u by random sampling "
                            f"({U_SAMPLE_PAIRS:.0e} pairs, seed {SEED}), m by EM on "
                            + ", ".join(rule.get_blocking_rule('duckdb').blocking_rule_sql for rule in TRAINING_RULES),
            "trained_on": note or f"{count:,} candidates", "trained_at": f"{datetime.now(UTC):%Y-%m-%d}",
            "splink": splink.__version__,
            "kept_from_before": sorted(f.column for f in p.FIELDS if f.column not in filled),
            "fields": fields}


def filled_fields(con: Connection) -> set[str]:
    """The compared columns the prepared candidates hold a value in (EM cannot learn from an empty one)."""
    columns = [field.column for field in p.FIELDS]
    counts = con.execute("select " + ", ".join(f"count({c})" for c in columns)
                         + f" from {p.PREPARED_TABLE}").fetchall()[0]
    return {column for column, count in zip(columns, counts, strict=True) if count}


def levels_of(model: dict, field: p.Field) -> dict[str, dict[str, float]]:
    """One field's m and u by reason, from splink's saved model."""
    comparison = next(c for c in model["comparisons"] if c["output_column_name"] == field.column)
    levels = {level["label_for_charts"]: level for level in comparison["comparison_levels"]
              if not level.get("is_null_level")}
    return {level.reason: {"m": round(levels[level.reason]["m_probability"], 8),
                           "u": round(levels[level.reason]["u_probability"], 8)} for level in field.levels}


def write(parameters: dict, path: Path = p.PARAMETERS_PATH) -> None:
    path.write_text(json.dumps(parameters, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    p.parameters.cache_clear()
