"""A hostile-input corpus: each file's exact outcome, bad rows quarantined with reasons, good rows loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import store
from connectors.files import FatalLoadError
from connectors.loader import load_file
from tests.conftest import rows, snapshot

HEADER = "order_id,ordered_at,amount,email,product,status"
MIXED = "\n".join([
    HEADER,
    "O1,2024-03-05,10.00,a@x.com,Tent,paid",                       # line 2: good
    'O2,2024-03-05,11.00,a@x.com,"Tent,\nlarge",paid',              # lines 3-4: good, quoted newline
    "O3,2024-03-05T10:00:00Z,£1,234.50,a@x.com,Stove,paid",         # line 5: broken (unquoted comma)
    "O4,05.03.2024,12.00,a@x.com,Boots,paid",                      # line 6: good, day.month.year
    "O5,31/02/2024,12.00,a@x.com,Boots,paid",                      # line 7: ambiguous slash date
    "O6,2024-03-06,-5,a@x.com,Boots,paid",                         # line 8: negative
    "O7,2024-03-06,ten,a@x.com,Boots,paid",                        # line 9: not a number
    'O8,2024-03-06,1.00,a@x.com,"=HYPERLINK(""http://evil.example"",""x"")",paid',  # line 10: good, kept verbatim
    "O9,2024-03-06,1.00,a@x.com,<script>alert(1)</script>,paid",   # line 11: good, kept verbatim
    "O10,,1.00,a@x.com,Boots,paid",                                # line 12: missing required
    "O1,2024-03-07,10.00,a@x.com,Tent,paid",                       # line 13: a later version of line 2
    "O12,2024-03-07,10.00,,Tent,paid",                             # line 14: no way to tell the customer
    "O13,2024-03-07,10.00,a@x.com,Tent,shipped",                   # line 15: unknown status
    "O14,2024-03-07 09:30:00,10.00,a@x.com,Tent,",                 # line 16: good, default status
]) + "\n"


def write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def quarantine(con) -> list[tuple]:
    return rows(con, "select line_number, reason from quarantine order by line_number")


def test_mixed_corpus_loads_good_rows_and_quarantines_each_bad_one(con, tmp_path):
    result = load_file(con, "purchases", write(tmp_path / "mixed.csv", MIXED))
    assert (result.inserted, result.rejected, result.repeated) == (6, 7, 1)
    assert rows(con, "select record_id from raw_purchases order by 1") == [
        ("O1",), ("O14",), ("O2",), ("O4",), ("O8",), ("O9",)]
    # a record id twice is two versions of one record, not a bad row: the later one loads, and the load says so
    assert rows(con, "select ordered_at::date::varchar from raw_purchases where record_id = 'O1'") == [("2024-03-07",)]
    assert result.warnings == ["record id 'O1' appears on lines 2, 13 with different values; line 13 loaded "
                               "(the last version)"]
    reasons = quarantine(con)
    assert [line for line, _ in reasons] == [5, 7, 8, 9, 12, 14, 15]
    assert reasons[0][1].startswith("malformed CSV line")
    assert reasons[1][1] == "ordered_at: '31/02/2024' is not a date and time"
    assert reasons[2][1] == "amount: '-5' is negative"
    assert reasons[3][1] == "amount: 'ten' is not an amount"
    assert reasons[4][1] == "missing required field ordered_at"
    assert reasons[5][1] == "needs at least one of email, phone, customer_ref"
    assert "'shipped' is not one of paid" in reasons[6][1]


def test_formula_and_html_text_is_stored_verbatim_not_interpreted(con, tmp_path):
    load_file(con, "purchases", write(tmp_path / "mixed.csv", MIXED))
    assert rows(con, "select product from raw_purchases where record_id in ('O8', 'O9') order by 1") == [
        ("<script>alert(1)</script>",), ('=HYPERLINK("http://evil.example","x")',)]
    assert rows(con, "select product, status from raw_purchases where record_id = 'O2'") == [("Tent,\nlarge", "paid")]


def test_quarantine_keeps_the_original_row(con, tmp_path):
    load_file(con, "purchases", write(tmp_path / "mixed.csv", MIXED))
    raw = rows(con, "select raw_record from quarantine where line_number = 9")[0][0]
    assert json.loads(raw) == {"order_id": "O7", "ordered_at": "2024-03-06", "amount": "ten", "email": "a@x.com",
                               "product": "Boots", "status": "paid"}


def test_reloading_a_file_replaces_its_quarantine_entries(con, tmp_path):
    path = write(tmp_path / "mixed.csv", MIXED)
    load_file(con, "purchases", path)
    load_file(con, "purchases", path)
    assert len(quarantine(con)) == 7
    write(path, HEADER + "\nO1,2024-03-05,10.00,a@x.com,Tent,paid\n")
    load_file(con, "purchases", path)
    assert quarantine(con) == []


def test_utf8_with_bom(con, tmp_path):
    path = write(tmp_path / "bom.csv", b"\xef\xbb\xbf" + (HEADER + "\nO1,2024-03-05,10,a@x.com,Caf\u00e9,paid\n")
                 .encode())
    assert load_file(con, "purchases", path).inserted == 1
    assert rows(con, "select product from raw_purchases") == [("Café",)]


def test_latin1_is_detected(con, tmp_path):
    path = write(tmp_path / "latin1.csv", (HEADER + "\nO1,2024-03-05,10,a@x.com,Caf\u00e9 cr\u00e8me,paid\n")
                 .encode("latin-1"))
    assert load_file(con, "purchases", path).inserted == 1
    assert rows(con, "select product from raw_purchases") == [("Café crème",)]


def test_semicolons_and_tabs_are_detected(con, tmp_path):
    semi = write(tmp_path / "semi.csv", HEADER.replace(",", ";") + "\nO1;2024-03-05;10,50;a@x.com;Tent;paid\n")
    tabs = write(tmp_path / "tabs.tsv", HEADER.replace(",", "\t") + "\nO2\t2024-03-05\t7\ta@x.com\tTent\tpaid\n")
    assert load_file(con, "purchases", semi).inserted == 1
    assert load_file(con, "purchases", tabs).inserted == 1
    # a comma in an amount is a thousands separator unless a mapping declares decimal = ","
    assert rows(con, "select record_id, amount::varchar from raw_purchases order by 1") == [("O1", "1050.00"),
                                                                                           ("O2", "7.00")]


def test_empty_file_is_fatal_and_changes_nothing(con, tmp_path):
    before = snapshot(con)
    with pytest.raises(FatalLoadError, match="the file is empty"):
        load_file(con, "purchases", write(tmp_path / "empty.csv", ""))
    assert snapshot(con) == before


def test_header_only_file_loads_nothing_without_error(con, tmp_path):
    result = load_file(con, "purchases", write(tmp_path / "header.csv", HEADER + "\n"))
    assert (result.inserted, result.rejected) == (0, 0)


def test_megabyte_field_is_quarantined_not_truncated(con, tmp_path):
    huge = "x" * (1 << 20)
    path = write(tmp_path / "posts.csv", "post_id,posted_at,network,handle,text\n"
                                         f"P1,2024-03-05,twitter,ana,{huge}\nP2,2024-03-05,twitter,bob,hello\n")
    result = load_file(con, "social_posts", path)
    assert (result.inserted, result.rejected) == (1, 1)
    line, reason = quarantine(con)[0]
    assert (line, reason) == (2, "text is 1048576 characters long; the limit is 100000")
    assert len(rows(con, "select raw_record from quarantine")[0][0]) > 1 << 20


def test_wrong_types_in_other_kinds(con, tmp_path):
    path = write(tmp_path / "posts.csv", "post_id,posted_at,network,handle,text,likes,from_company\n"
                                         "P1,2024-03-05,X,ana,hi,12,no\n"
                                         "P2,2024-03-05,twitter,bob,hi,lots,no\n"
                                         "P3,2024-03-05,twitter,cy,hi,3,maybe\n")
    result = load_file(con, "social_posts", path)
    assert (result.inserted, result.rejected) == (1, 2)
    assert rows(con, "select network, likes, from_company from raw_social_posts") == [("twitter", 12, False)]
    assert [r for _, r in quarantine(con)] == ["likes: 'lots' is not a whole number",
                                               "from_company: 'maybe' is not true/false"]


def test_json_lines_with_a_broken_line(con, tmp_path):
    lines = ['{"post_id": "P1", "posted_at": "2024-03-05T10:00:00Z", "network": "mastodon", "handle": "a", '
             '"text": "hi"}', "", "{not json", "[1, 2]",
             '{"post_id": "P2", "posted_at": "2024-03-05T11:00:00+01:00", "network": "mastodon", "handle": "b", '
             '"text": "yo", "likes": 3}']
    result = load_file(con, "social_posts", write(tmp_path / "posts.jsonl", "\n".join(lines) + "\n"))
    assert (result.inserted, result.rejected) == (2, 2)
    assert quarantine(con) == [(3, "not valid JSON"), (4, "not a JSON object")]
    assert rows(con, "select post_id, posted_at::varchar, likes from raw_social_posts order by 1") == [
        ("P1", "2024-03-05 10:00:00", None), ("P2", "2024-03-05 10:00:00", 3)]


def test_json_array_with_a_non_record(con, tmp_path):
    records = [{"post_id": "P1", "posted_at": "2024-03-05", "network": "facebook", "handle": "a", "text": "hi"}, 42]
    result = load_file(con, "social_posts", write(tmp_path / "posts.json", json.dumps(records)))
    assert (result.inserted, result.rejected) == (1, 1)
    assert quarantine(con) == [(2, "not a JSON object")]


def test_invalid_json_document_is_fatal(con, tmp_path):
    with pytest.raises(FatalLoadError, match="not valid JSON"):
        load_file(con, "social_posts", write(tmp_path / "posts.json", '[{"post_id": "P1",'))


def test_json_without_a_required_field_anywhere_is_fatal(con, tmp_path):
    records = [{"post_id": "P1", "posted_at": "2024-03-05", "network": "facebook", "text": "hi"}]
    with pytest.raises(FatalLoadError, match="no record has a value for required field 'handle'"):
        load_file(con, "social_posts", write(tmp_path / "posts.json", json.dumps(records)))


def test_parquet_loads_through_the_same_checks(con, tmp_path):
    path = tmp_path / "p.parquet"
    scratch = store.memory()
    scratch.execute(f"""copy (select * from (values ('O1', '2024-03-05', 10.5, 'a@x.com'),
                                                   ('O2', 'soon', 3.0, 'b@x.com'))
                              t(order_id, ordered_at, amount, email)) to '{path}' (format parquet)""")
    result = load_file(con, "purchases", path)
    assert (result.inserted, result.rejected) == (1, 1)
    assert quarantine(con) == [(2, "ordered_at: 'soon' is not a date and time")]


def test_unknown_extension_is_fatal(con, tmp_path):
    with pytest.raises(FatalLoadError, match="cannot tell the format"):
        load_file(con, "purchases", write(tmp_path / "p.xlsx", "nope"))
