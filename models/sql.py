"""Running model SQL files: each `name.sql` becomes the table `name`, built from its select."""

from __future__ import annotations

from pathlib import Path

from store import Connection, Error

MODELS_DIR = Path(__file__).resolve().parent


def run_model(con: Connection, path: Path) -> None:
    """(Re)create the table named after `path` from the select it holds; an error says which model failed."""
    try:
        con.execute(f"create or replace table {path.stem} as\n{path.read_text()}")
    except Error as error:
        error.add_note(f"model: {path.relative_to(MODELS_DIR).as_posix() if path.is_relative_to(MODELS_DIR) else path}")
        raise


def model_files(layer: str) -> list[Path]:
    """A layer's model files in name order; `name.spark.sql` is a model's Spark translation (models.engines), not
    a model of its own."""
    return sorted(p for p in (MODELS_DIR / layer).glob("*.sql") if not p.name.endswith(".spark.sql"))


def run_layer(con: Connection, layer: str) -> list[str]:
    """Build every model of a layer folder, in name order (a model reads only from earlier layers)."""
    paths = model_files(layer)
    for path in paths:
        run_model(con, path)
    return [p.stem for p in paths]
