"""Running model SQL files: each `name.sql` becomes the table `name`, built from its select."""

from __future__ import annotations

import re
from pathlib import Path

from store import Connection, Error

MODELS_DIR = Path(__file__).resolve().parent
# Models written a slice of their (integer) sort key at a time, by the key their select ends ordering by. Sorting
# 40M events with their text at once took more memory than DuckDB had at 20 GB (bench scale, 2M people: out of
# memory in this model); sorted a slice at a time, the build needs the unsorted result's memory and one slice's (at
# 200,000 people: about 0.8 GB instead of 3.1 GB, for a quarter more time).
SORTED_IN_SLICES = {"customer_timeline": "customer_id"}
SLICE_ROWS = 1_000_000
FINAL_ORDER = re.compile(r"\norder by\s+(\w+)\s*$", re.IGNORECASE)


def run_model(con: Connection, path: Path) -> None:
    """(Re)create the table named after `path` from the select it holds; an error says which model failed."""
    try:
        if path.stem in SORTED_IN_SLICES:
            create_sorted_in_slices(con, path.stem, path.read_text(), SORTED_IN_SLICES[path.stem])
        else:
            con.execute(f"create or replace table {path.stem} as\n{path.read_text()}")
    except Error as error:
        error.add_note(f"model: {path.relative_to(MODELS_DIR).as_posix() if path.is_relative_to(MODELS_DIR) else path}")
        raise


def create_sorted_in_slices(con: Connection, name: str, sql: str, key: str) -> None:
    """`create or replace table <name> as <sql>`, where `sql` ends ordering by the integer `key`: the rows are
    worked out unsorted once, then written in key order a range of keys (about SLICE_ROWS rows) at a time. The
    table holds the same rows in the same order as the one statement would give."""
    found = FINAL_ORDER.search(sql)
    if not found or found.group(1) != key:
        raise ValueError(f"model {name} is written sorted by {key} in slices, but its select does not end with "
                         f"`order by {key}`")
    unsorted = f"_unsorted_{name}"
    con.execute(f"create or replace temp table {unsorted} as\n{sql[:found.start()]}")
    rows, low, high = con.execute(f"select count(*), min({key}), max({key}) from {unsorted}").fetchall()[0]
    con.execute(f"create or replace table {name} as select * from {unsorted} where false")
    for start, end in key_ranges(low, high, rows):
        con.execute(f"insert into {name} select * from {unsorted} where {key} >= $start and {key} < $end "
                    f"order by {key}", {"start": start, "end": end})
    con.execute(f"insert into {name} select * from {unsorted} where {key} is null")  # last, as `order by` puts them
    con.execute(f"drop table {unsorted}")


def key_ranges(low: int | None, high: int | None, rows: int) -> list[tuple[int, int]]:
    """Consecutive [start, end) ranges covering low..high, as many as make about SLICE_ROWS rows each when the
    rows spread evenly over the keys (customer ids are issued one after another)."""
    if low is None:
        return []
    count = max(1, -(-rows // SLICE_ROWS))
    width = (high - low) // count + 1
    return [(low + i * width, low + (i + 1) * width) for i in range(count)]


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
