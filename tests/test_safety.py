"""Untrusted text stays text: CSV exports are neutralised, Markdown briefs escaped, uploads go through the loader."""

from __future__ import annotations

import csv
import io

import pandas as pd

import store
from components.safe import markdown_escape
from models.exports import csv_bytes, neutralise_cell
from queries import actions, customers
from queries.access import full_access
from tests.viewers import ADMIN


def test_formula_cells_are_neutralised_in_csv_exports():
    frame = pd.DataFrame({"text": ["=HYPERLINK(\"http://evil\")", "+1", "-2+3", "@SUM(A1)", "\tx", "fine", None],
                          "n": [1, 2, 3, 4, 5, 6, 7]})
    cells = [row[0] for row in csv.reader(io.StringIO(csv_bytes(frame).decode()))][1:]
    assert cells == ["'=HYPERLINK(\"http://evil\")", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "fine", ""]
    assert neutralise_cell(-5) == -5, "numbers are not text and stay numbers"


def test_markdown_brief_escapes_links_images_and_html():
    escaped = markdown_escape("[click](javascript:alert(1)) ![x](http://e/x.png) <b>hi</b> **bold**")
    for raw in ("[click](", "![x](", "<b>", "**bold**"):
        assert raw not in escaped


def test_an_upload_loads_through_the_connector_and_refreshes_profiles(app_store):
    data = (b"order_id,ordered_at,amount,email\nU1,2026-10-30,25.00,brand.new@example.com\n"
            b"U2,never,1,x@example.com\n")
    result = actions.load_upload(ADMIN, "purchases", "evil<script>.csv", data, "uploads", None)
    assert (result.inserted, result.rejected) == (1, 1)
    assert result.file == "upload:evil<script>.csv"
    found = customers.search("brand.new@example.com", ADMIN)
    assert len(found) == 1


def test_a_split_from_the_dashboard_is_applied_and_audited(app_store):
    con = store.connect(app_store)
    customer_id, record_key = con.execute("""
        select customer_id, max(record_key) from customer_sources
        where kind = 'purchases' group by customer_id having count(*) > 2 order by customer_id limit 1
    """).fetchall()[0]
    con.close()
    actions.split_record(full_access("kim@corp"), customer_id, record_key, "card used by a colleague")
    assert record_key not in set(customers.identity(customer_id, ADMIN)["record_key"])
    history = actions.decision_history(ADMIN, customer_id)
    assert list(history["decided_by"]) == ["kim@corp"]
