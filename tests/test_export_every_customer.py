"""The data-subject export works for every customer of the demo store: each zip opens, each JSON parses, lists
stay lists and missing values are null (never the text "nan", "None" or "NaT")."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import zipfile
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd

import store
from models.exports import csv_bytes, json_bytes
from models.privacy import export_customer

MISSING_WORDS = {"nan", "NaN", "None", "NaT", "<NA>"}


def words_for_missing(value, where: str) -> list[str]:
    """Every place in a parsed JSON value that spells a missing value as text (or a float that is not a number)."""
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in words_for_missing(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [found for index, item in enumerate(value) for found in words_for_missing(item, f"{where}[{index}]")]
    if isinstance(value, str) and value.strip() in MISSING_WORDS:
        return [f"{where} = {value!r}"]
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{where} = {value!r}"]
    return []


def test_every_demo_customer_exports_to_a_zip_whose_json_parses(demo_store, tmp_path):
    path = tmp_path / "export.duckdb"
    shutil.copy(demo_store, path)  # the export writes its audit entry
    con = store.connect(path)
    customer_ids = [r[0] for r in con.execute("select customer_id from customer_profiles order by 1").fetchall()]
    assert len(customer_ids) >= 300
    problems = []
    for customer_id in customer_ids:
        archive = zipfile.ZipFile(io.BytesIO(export_customer(con, customer_id, "dpo@test")))
        assert archive.testzip() is None
        sections = {name: json.loads(archive.read(name)) for name in archive.namelist() if name.endswith(".json")}
        assert {"profile.json", "timeline.json", "raw_customers.json"} <= set(sections)
        [profile] = sections["profile.json"]
        assert profile["customer_id"] == customer_id
        assert isinstance(profile["emails"], list) and isinstance(profile["handles"], list)
        for name, records in sections.items():
            problems += words_for_missing(records, f"{customer_id}/{name}")
        for name in archive.namelist():
            if name.endswith(".csv"):
                cells = [cell for row in csv.reader(io.StringIO(archive.read(name).decode("utf-8"))) for cell in row]
                problems += [f"{customer_id}/{name}: {cell!r}" for cell in cells if cell.strip() in MISSING_WORDS]
    con.close()
    assert problems == []


def test_json_bytes_writes_arrays_structs_and_missing_values_as_json():
    frame = pd.DataFrame({
        "emails": [np.array(["a@x.example", "b@x.example"], dtype=object), np.array([], dtype=object)],
        "hours": [np.array([9, 17]), None],
        "address": [{"city": "Leeds", "lines": np.array(["1 Rd"], dtype=object)}, {"city": None, "lines": None}],
        "amount": [Decimal("12.50"), float("nan")],
        "seen_at": [pd.Timestamp("2026-10-30 20:55:44"), pd.NaT],
        "born": [date(1990, 5, 1), None],
        "count": pd.array([3, pd.NA], dtype="Int64"),
        "score": [np.float32(0.5), np.nan],
    })
    assert json.loads(json_bytes(frame)) == [
        {"emails": ["a@x.example", "b@x.example"], "hours": [9, 17], "address": {"city": "Leeds", "lines": ["1 Rd"]},
         "amount": 12.5, "seen_at": "2026-10-30T20:55:44", "born": "1990-05-01", "count": 3, "score": 0.5},
        {"emails": [], "hours": None, "address": {"city": None, "lines": None}, "amount": None, "seen_at": None,
         "born": None, "count": None, "score": None},
    ]


def test_csv_bytes_writes_arrays_as_json_and_missing_values_as_empty_cells():
    frame = pd.DataFrame({"emails": [np.array(["=a@x.example"], dtype=object), None],
                          "seen_at": [datetime(2026, 1, 2, 3, 4), pd.NaT]})
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
    assert rows == [["emails", "seen_at"], ['["=a@x.example"]', "2026-01-02 03:04:00"], ["", ""]]
