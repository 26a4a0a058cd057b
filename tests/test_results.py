"""Rows framed by queries.results look exactly like DuckDB's own .df() — values and dtypes — for every shape a
timeline read can take: missing values, a column with nothing in it, no rows at all."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from queries.masking import mask_frame, mask_rows
from queries.results import fetch_rows, json_row, json_rows

VALUES = """
    select * from (values
        (1::bigint, true, 1.5::double, timestamp '2026-01-02 03:04:05', 'a', date '2026-01-02', 2.50::decimal(9, 2),
         null::varchar),
        (null, null, null, null, null, null, null, null),
        (3, false, -2.0, timestamp '2026-03-04 05:06:07', 'c', date '2026-03-04', 1.25, null)
    ) t(number, flag, amount, happened_at, text, day, price, nothing)
"""
SHAPES = {
    "with missing values": VALUES,
    "no missing values": VALUES + " where number is not null",
    "every value missing": VALUES + " where number is null",
    "no rows": VALUES + " where false",
}


@pytest.mark.parametrize("query", SHAPES.values(), ids=SHAPES.keys())
def test_a_framed_result_equals_duckdbs_own_frame(query):
    con = duckdb.connect()
    expected = con.execute(query).df()
    framed = fetch_rows(con.execute(query)).frame()
    assert framed.dtypes.to_dict() == expected.dtypes.to_dict()
    pd.testing.assert_frame_equal(framed, expected)


def test_masking_rows_masks_what_masking_the_frame_masks():
    con = duckdb.connect()
    query = """select * from (values ('Ada Lovelace', 'ada@example.com', '+44 20 7946 0958',
                                      'call me on +44 20 7946 0958 or ada@example.com about order #1195', 12.5))
               t(display_name, email, phone, body, amount)"""
    masked = frozenset({"name", "email", "phone"})
    rows = mask_rows(fetch_rows(con.execute(query)), masked)
    assert rows.records() == mask_frame(con.execute(query).df(), masked).to_dict("records")
    assert rows.records()[0]["display_name"] == "A. L."
    assert "ada@example.com" not in rows.records()[0]["body"] and "#1195" in rows.records()[0]["body"]
    assert mask_rows(fetch_rows(con.execute(query)), frozenset()).records()[0]["email"] == "ada@example.com"


@pytest.mark.parametrize("limit", [0, 1, 2, 3, 10])
def test_fetching_a_limit_gives_the_first_rows_of_the_whole_result(limit):
    con = duckdb.connect()
    ordered = VALUES + " order by number nulls last"
    everything = fetch_rows(con.execute(ordered))
    first = fetch_rows(con.execute(ordered), limit=limit)
    assert first.rows == everything.rows[:limit]
    assert (first.columns, first.types) == (everything.columns, everything.types)


def test_skipping_and_reading_a_column():
    rows = fetch_rows(duckdb.connect().execute(VALUES + " order by number nulls last"))
    assert rows.column("text") == ["a", "c", None]
    assert rows.skip(1).column("number") == [3, None]
    assert rows.skip(0) is rows and rows.skip(5).rows == []


def test_a_row_written_as_json_reads_back_as_fetchone_gives_it():
    con = duckdb.connect()
    query = """select * from (values
        (1::bigint, 'Zoë "Z" O''Neil\n\x01🌲', date '2026-01-02', timestamp '2026-01-02 03:04:05.25', 5.0::double,
         0.1::double + 0.2::double, 'nan'::double, 12.34::decimal(9, 2), ['a', null], true, null::timestamp),
        (2, '<b>x</b>', null, timestamp '2026-01-02 03:04:05', -0.0, 1e300, 'inf'::double, -0.5, [], false, null)
    ) t(id, name, day, happened_at, whole, sum, odd, price, tags, flag, nothing)"""
    types = {r[0]: r[1] for r in con.execute(f"describe {query}").fetchall()}
    for expected, (card,) in zip(con.execute(query).fetchall(),
                                 con.execute(f"select to_json(t) from ({query}) t").fetchall(), strict=True):
        decoded = json_row(card, types)
        assert list(decoded) == list(types)
        assert [type(v) for v in decoded.values()] == [type(v) for v in expected]
        assert [str(v) for v in decoded.values()] == [str(v) for v in expected]  # str: NaN is not equal to itself


def test_rows_packed_as_json_arrays_read_back_as_fetchall_gives_them():
    con = duckdb.connect()
    query = """select * from (values
        ('Zoë "Z" O''Neil\n\x01🌲', date '2026-01-02', timestamp '2026-01-02 03:04:05.25', 5.0::double,
         0.1::double + 0.2::double, 'nan'::double, ['a', null], true, null::varchar, 7::bigint),
        ('<b>x</b>', null, timestamp '2026-01-02 03:04:05', -0.0, 1e300, '-inf'::double, [], false, 'x', null)
    ) t(name, day, happened_at, whole, sum, odd, tags, flag, nothing, count)"""
    expected = con.execute(query).fetchall()
    packed, types = packed_rows(con, query)
    decoded = json_rows(packed, types)
    assert [[type(v) for v in row] for row in decoded] == [[type(v) for v in row] for row in expected]
    assert [[str(v) for v in row] for row in decoded] == [[str(v) for v in row] for row in expected]


def test_packed_decimals_keep_their_digits_and_scale():
    con = duckdb.connect()
    query = "select * from (values (12.30::decimal(18, 2), 0.1::double), (-99999999.99, 2.0)) t(price, ratio)"
    packed, types = packed_rows(con, query)
    decoded = json_rows(packed, types)
    assert decoded == [list(row) for row in con.execute(query).fetchall()]
    assert [str(row[0]) for row in decoded] == ["12.30", "-99999999.99"]


def packed_rows(con, query: str) -> tuple[list[str], list[str]]:
    """The query's rows packed as customer_timeline packs its columns, and the columns' types."""
    described = con.execute(f"describe {query}").fetchall()
    columns = ", ".join(name for name, *_ in described)
    return ([text for (text,) in con.execute(f"select to_json(row({columns})) from ({query})").fetchall()],
            [duck_type for _, duck_type, *_ in described])
