"""The Fernwood Outdoor demo generator: deterministic, parseable, realistically messy, and fully covered by truth."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from data import demo
from data.demo import FILES, generate

AS_OF = date(2025, 6, 1)
EXPORT_MOMENT = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
CUSTOMERS = 300


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> dict[str, Path]:
    return generate(tmp_path_factory.mktemp("demo"), seed=7, as_of=AS_OF, customers=CUSTOMERS)


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def header(path: Path, delimiter: str = ",") -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle, delimiter=delimiter))


@pytest.fixture(scope="module")
def data(out) -> dict[str, list]:
    return {
        "crm": read_csv(out["crm_contacts"]),
        "shopify": read_csv(out["shopify_orders"]),
        "pos": read_csv(out["pos_sales"], delimiter=";"),
        "tickets": json.loads(out["zendesk_tickets"].read_text(encoding="utf-8"))["tickets"],
        "comments": read_jsonl(out["zendesk_ticket_comments"]),
        "users": json.loads(out["zendesk_users"].read_text(encoding="utf-8"))["users"],
        "tweets": read_csv(out["twcs"]),
        "social": read_jsonl(out["social_posts"]),
        "truth": read_csv(out["truth"]),
    }


# --- determinism ------------------------------------------------------------------------------------------------


def test_same_seed_and_as_of_give_byte_identical_files(out, tmp_path):
    again = generate(tmp_path, seed=7, as_of=AS_OF, customers=CUSTOMERS)
    assert again.keys() == out.keys()
    for name, path in out.items():
        assert again[name].read_bytes() == path.read_bytes(), name


def test_another_seed_gives_different_files(out, tmp_path):
    other = generate(tmp_path, seed=8, as_of=AS_OF, customers=CUSTOMERS)
    for name, path in out.items():
        assert other[name].read_bytes() != path.read_bytes(), name


def test_dates_move_with_as_of(out, tmp_path):
    later = generate(tmp_path, seed=7, as_of=date(2026, 1, 1), customers=CUSTOMERS)
    newest = max(row["Created at"] for row in read_csv(later["shopify_orders"]))
    assert newest.startswith(("2025-12", "2026-01-01"))


# --- layouts ----------------------------------------------------------------------------------------------------


def test_every_logical_file_is_written(out):
    assert set(out) == set(FILES)
    assert all(path.name == FILES[name] and path.is_file() for name, path in out.items())


def test_csv_headers_are_exactly_the_documented_layouts(out):
    assert header(out["crm_contacts"]) == list(demo.CRM_COLUMNS)
    assert header(out["shopify_orders"]) == list(demo.SHOPIFY_COLUMNS)
    assert header(out["pos_sales"], ";") == list(demo.POS_COLUMNS)
    assert header(out["twcs"]) == ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id",
                                   "in_response_to_tweet_id"]
    assert header(out["truth"]) == ["kind", "source", "record_id", "person_id"]


def test_zendesk_export_page_has_the_api_shape(out, data):
    page = json.loads(out["zendesk_tickets"].read_text(encoding="utf-8"))
    assert page["end_of_stream"] is True and page["count"] == len(page["tickets"])
    assert page["end_time"] == int(EXPORT_MOMENT.timestamp())
    for ticket in data["tickets"]:
        assert ticket["status"] in {"new", "open", "pending", "hold", "solved", "closed"}
        assert ticket["type"] in {"question", "incident", "problem", "task", None}
        assert ticket["priority"] in {"low", "normal", "high", "urgent", None}
        assert ticket["group_id"] in {1, 2, 3}
        assert ticket["satisfaction_rating"]["score"] in {"good", "bad", "offered", "unoffered"}
        assert set(ticket["metric_set"]) == {"solved_at", "reopens", "replies"}
        assert set(ticket["via"]["source"]) == {"from", "to", "rel"}


def test_zendesk_via_from_matches_the_channel(data):
    expected = {"email": {"address", "name"}, "web": {"address", "name"}, "chat": {"name"},
                "voice": {"phone", "formatted_phone", "name"}, "twitter": {"username", "name", "profile_url"},
                "facebook": {"username", "name", "profile_url"}}
    channels = Counter()
    for ticket in data["tickets"]:
        channel = ticket["via"]["channel"]
        channels[channel] += 1
        assert set(ticket["via"]["source"]["from"]) == expected[channel]
    assert {"email", "web", "chat", "voice"} <= set(channels)


def test_comment_lines_have_the_zendesk_comment_shape(data):
    keys = {"id", "ticket_id", "author_id", "author_role", "body", "public", "created_at"}
    assert all(set(comment) == keys for comment in data["comments"])
    assert len({comment["id"] for comment in data["comments"]}) == len(data["comments"])


def test_social_posts_have_the_canonical_fields(data):
    keys = {"post_id", "posted_at", "network", "handle", "author_name", "text", "url", "in_reply_to", "likes",
            "shares", "followers", "from_company"}
    for post in data["social"]:
        assert set(post) == keys
        assert post["network"] in {"facebook", "instagram", "mastodon"}
    brand = [post for post in data["social"] if post["from_company"]]
    assert brand and all(post["handle"] == "fernwoodoutdoor" and post["in_reply_to"] for post in brand)


def test_timestamps_use_each_systems_format_and_never_pass_the_export(data):
    moments = [datetime.strptime(row["Created at"], "%Y-%m-%d %H:%M:%S %z") for row in data["shopify"]]
    moments += [datetime.strptime(row["ordered_at"], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC) for row in data["pos"]]
    moments += [datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y") for row in data["tweets"]]
    zulu = [t["created_at"] for t in data["tickets"]] + [t["updated_at"] for t in data["tickets"]]
    zulu += [c["created_at"] for c in data["comments"]] + [p["posted_at"] for p in data["social"]]
    moments += [datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z") for value in zulu]
    for row in data["crm"]:
        moments.append(datetime.strptime(row["Create Date"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC))
        if row["Date of Birth"]:
            date.fromisoformat(row["Date of Birth"])
    assert max(moments) <= EXPORT_MOMENT
    assert min(moments) >= datetime(2021, 5, 1, tzinfo=UTC)  # about four years of history


# --- sizes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "low", "high"), [
    ("crm", 200, 320),       # ~85% of people, plus a few duplicates
    ("shopify", 450, 1500),  # ~6,000 line rows per 2,000 customers
    ("pos", 100, 450),       # ~1,500 lines per 2,000
    ("tickets", 200, 600),   # ~2,500 per 2,000
    ("comments", 650, 2100),  # ~8,000 per 2,000
    ("tweets", 150, 550),    # ~2,000 per 2,000
    ("social", 150, 600),    # ~2,500 per 2,000
])
def test_row_counts_scale_with_customers(data, name, low, high):
    assert low <= len(data[name]) <= high


def test_people_numbers_cover_customers_and_social_only_authors(data):
    people = {row["person_id"] for row in data["truth"] if row["person_id"]}
    assert all(re.fullmatch(r"P\d{4}", person) for person in people)
    assert max(int(person[1:]) for person in people) <= CUSTOMERS * 1.15


# --- shopify ----------------------------------------------------------------------------------------------------


def orders_by_name(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    orders: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        orders[row["Name"]].append(row)
    return orders


def test_shopify_fills_order_columns_on_the_first_line_only(data):
    repeated = {"Name", "Email", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku"}
    order_level = [column for column in demo.SHOPIFY_COLUMNS if column not in repeated]
    for name, lines in orders_by_name(data["shopify"]).items():
        assert re.fullmatch(r"#\d{4,}", name)
        assert lines[0]["Financial Status"] and lines[0]["Id"].isdigit() and lines[0]["Currency"]
        assert all(not line[column] for line in lines[1:] for column in order_level)
        assert len({line["Lineitem sku"] for line in lines}) == len(lines)  # SKUs unique within an order


def test_shopify_money_adds_up(data):
    for lines in orders_by_name(data["shopify"]).values():
        first = lines[0]
        total = float(first["Subtotal"]) + float(first["Shipping"])
        assert float(first["Total"]) == pytest.approx(total)
        assert float(first["Refunded Amount"]) <= float(first["Total"])
        assert re.fullmatch(r"\d+\.\d\d", first["Total"])


def test_shopify_statuses_are_mostly_paid_with_refunds_and_voids(data):
    statuses = Counter(lines[0]["Financial Status"] for lines in orders_by_name(data["shopify"]).values())
    assert set(statuses) <= {"paid", "refunded", "partially_refunded", "pending", "voided"}
    assert statuses["paid"] / sum(statuses.values()) > 0.8
    assert statuses["refunded"] >= 1
    voided = [lines[0] for lines in orders_by_name(data["shopify"]).values()
              if lines[0]["Financial Status"] == "voided"]
    assert all(row["Cancelled at"] for row in voided)


def test_shopify_has_foreign_currencies_and_guest_checkouts(data):
    assert {"GBP", "EUR", "USD"} <= {row["Currency"] for row in data["shopify"] if row["Currency"]}
    crm_emails = {row["Email"].strip().lower() for row in data["crm"]}
    assert any(row["Email"].lower() not in crm_emails for row in data["shopify"])


# --- messiness --------------------------------------------------------------------------------------------------


def test_an_email_differs_only_by_case_across_files(data):
    crm = {row["Email"].strip() for row in data["crm"]}
    shop = {row["Email"] for row in data["shopify"]}
    by_lower = defaultdict(set)
    for email in crm | shop:
        by_lower[email.lower()].add(email)
    assert any(len(spellings) > 1 and spellings & crm and spellings & shop for spellings in by_lower.values())


def test_crm_emails_sometimes_carry_capitals_or_whitespace(data):
    emails = [row["Email"] for row in data["crm"]]
    assert any(email != email.strip() for email in emails)
    assert any(email.strip() != email.strip().lower() for email in emails)


def test_some_family_members_share_one_email(out, data):
    person_of = {row["record_id"]: row["person_id"] for row in data["truth"] if row["kind"] == "customers"}
    reentered = {row["record_id"] for row in read_csv(out["identity_noise"])}  # names swapped, maiden names
    people_by_email = defaultdict(dict)
    for row in (row for row in data["crm"] if row["Contact ID"] not in reentered):
        people_by_email[row["Email"].strip().lower()][person_of[row["Contact ID"]]] = row
    shared = [rows for rows in people_by_email.values() if len(rows) == 2]
    assert shared
    for rows in shared:
        first, second = rows.values()
        assert first["Last Name"].lower()[:3] == second["Last Name"].lower()[:3]  # allow a typo'd duplicate
        assert first["First Name"] != second["First Name"]


def phone_shape(phone: str) -> str:
    return re.sub(r"\d", "9", phone)


def test_phone_formats_vary(data):
    phones = [row["Phone Number"] for row in data["crm"] if row["Phone Number"]]
    assert len({phone_shape(phone) for phone in phones}) >= 6
    assert any(phone.startswith("+44 ") for phone in phones) and any(phone.startswith("07") for phone in phones)
    assert any(phone.startswith("+1") or re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", phone) for phone in phones)
    assert any(phone.startswith(("+49", "0049", "01")) for phone in phones)


def test_crm_duplicates_carry_a_name_typo(out, data):
    person_of = {row["record_id"]: row["person_id"] for row in data["truth"] if row["kind"] == "customers"}
    # the old system's re-entries carry their own noise (tests/test_demo_identity.py); these are the CRM's own
    reentered = {row["record_id"] for row in read_csv(out["identity_noise"])}
    by_person = defaultdict(list)
    for row in data["crm"]:
        if row["Contact ID"] not in reentered:
            by_person[person_of[row["Contact ID"]]].append(row)
    duplicates = [rows for rows in by_person.values() if len(rows) > 1]
    assert duplicates
    for original, copy in duplicates:
        assert (original["First Name"], original["Last Name"]) != (copy["First Name"], copy["Last Name"])


def test_twitter_usernames_sometimes_start_with_at(data):
    handles = [row["Twitter Username"] for row in data["crm"] if row["Twitter Username"]]
    assert any(handle.startswith("@") for handle in handles)
    assert any(not handle.startswith("@") for handle in handles)


def test_pos_identifies_customers_by_phone_email_or_loyalty_card(data):
    rows = data["pos"]
    assert all(row["phone"] or row["email"] for row in rows)
    assert sum(bool(row["phone"]) for row in rows) > sum(bool(row["email"]) for row in rows) > 0
    crm_ids = {row["Contact ID"] for row in data["crm"]}
    refs = [row["customer_ref"] for row in rows if row["customer_ref"]]
    assert refs and set(refs) <= crm_ids
    assert {row["channel"] for row in rows} == {"store-london", "store-leeds", "store-bristol"}
    assert {row["status"] for row in rows} <= {"paid", "refunded"}


def test_refunds_happen_online_and_in_store(data):
    assert any(row["Financial Status"] in ("refunded", "partially_refunded") for row in data["shopify"])
    assert any(row["status"] == "refunded" for row in data["pos"])


def test_some_social_authors_are_not_customers(data):
    truth = data["truth"]
    known = {row["person_id"] for row in truth if row["kind"] in ("customers", "purchases", "tickets")}
    authors = {row["person_id"] for row in truth if row["kind"] == "social_posts" and row["person_id"]}
    assert authors - known


def test_instagram_handles_are_written_inconsistently(data):
    crm = {row["Instagram Username"] for row in data["crm"] if row["Instagram Username"]}
    shown = {post["handle"] for post in data["social"] if post["network"] == "instagram"}
    assert any(handle.startswith("@") for handle in shown)
    assert any(handle not in crm and handle.lower() in {h.lower() for h in crm} for handle in shown)


# --- tickets ----------------------------------------------------------------------------------------------------


def comments_by_ticket(data) -> dict[int, list[dict]]:
    grouped = defaultdict(list)
    for comment in data["comments"]:
        grouped[comment["ticket_id"]].append(comment)
    return grouped


def test_first_comment_is_the_requesters_description(data):
    grouped = comments_by_ticket(data)
    for ticket in data["tickets"]:
        first = grouped[ticket["id"]][0]
        assert first["body"] == ticket["description"]
        assert first["author_id"] == ticket["requester_id"] and first["author_role"] == "end-user"


def test_agents_reply_later_and_some_notes_are_internal(data):
    grouped = comments_by_ticket(data)
    agent_ids = {c["author_id"] for c in data["comments"] if c["author_role"] == "agent"}
    requester_ids = {t["requester_id"] for t in data["tickets"]}
    assert agent_ids and not agent_ids & requester_ids
    assert any(not c["public"] for c in data["comments"])
    for ticket in data["tickets"]:
        times = [c["created_at"] for c in grouped[ticket["id"]]]
        assert times == sorted(times)
        public_agent = sum(1 for c in grouped[ticket["id"]] if c["author_role"] == "agent" and c["public"])
        assert ticket["metric_set"]["replies"] == public_agent


def test_some_tickets_wait_without_any_agent_reply(data):
    grouped = comments_by_ticket(data)
    waiting = [t for t in data["tickets"] if t["status"] in ("new", "open") and t["metric_set"]["replies"] == 0]
    assert waiting
    assert all(c["author_role"] == "end-user" for t in waiting for c in grouped[t["id"]])


def test_some_tickets_were_reopened_and_are_open_again(data):
    assert any(t["metric_set"]["reopens"] >= 1 and t["status"] == "open" for t in data["tickets"])


def test_most_tickets_are_solved(data):
    statuses = Counter(t["status"] for t in data["tickets"])
    assert (statuses["solved"] + statuses["closed"]) / len(data["tickets"]) > 0.75
    assert all(t["metric_set"]["solved_at"] for t in data["tickets"] if t["status"] in ("solved", "closed"))


def test_frequent_requesters_rate_worse(data):
    tickets_per_requester = Counter(t["requester_id"] for t in data["tickets"])

    def bad_share(tickets):
        scores = [t["satisfaction_rating"]["score"] for t in tickets]
        rated = [s for s in scores if s in ("good", "bad")]
        return rated.count("bad") / len(rated)

    frequent = [t for t in data["tickets"] if tickets_per_requester[t["requester_id"]] >= 4]
    rare = [t for t in data["tickets"] if tickets_per_requester[t["requester_id"]] == 1]
    assert bad_share(frequent) > bad_share(rare)


def test_zendesk_users_page_has_one_end_user_per_requester(out, data):
    page = json.loads(out["zendesk_users"].read_text(encoding="utf-8"))
    assert page["end_of_stream"] is True and page["count"] == len(page["users"])
    assert page["end_time"] == int(EXPORT_MOMENT.timestamp())
    ids = [user["id"] for user in data["users"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == {ticket["requester_id"] for ticket in data["tickets"]}
    keys = {"id", "url", "name", "email", "phone", "role", "created_at", "updated_at", "time_zone", "iana_time_zone",
            "locale", "verified", "active", "suspended", "organization_id", "external_id", "tags", "user_fields"}
    for user in data["users"]:
        assert set(user) == keys
        assert user["role"] == "end-user" and user["user_fields"] == {}
        assert user["url"].endswith(f"/users/{user['id']}.json")
        assert user["email"] or user["phone"]
        created = datetime.strptime(user["created_at"], "%Y-%m-%dT%H:%M:%S%z")
        assert created <= datetime.strptime(user["updated_at"], "%Y-%m-%dT%H:%M:%S%z") <= EXPORT_MOMENT
    assert [u["updated_at"] for u in data["users"]] == sorted(u["updated_at"] for u in data["users"])


def test_zendesk_users_carry_crm_emails_and_ids_with_some_gaps(data):
    users = data["users"]
    emails = [user["email"] for user in users if user["email"]]
    assert len({email.lower() for email in emails}) == len(emails)  # one Zendesk user per address
    assert 0 < sum(user["email"] is None for user in users) < len(users) * 0.12
    crm = {row["Email"].strip() for row in data["crm"]}
    assert sum(email in crm for email in emails) > len(emails) / 2
    assert any(email not in crm and email.lower() in {e.lower() for e in crm} for email in emails)
    crm_ids = {row["Contact ID"] for row in data["crm"]}
    external = [user["external_id"] for user in users if user["external_id"]]
    assert external and set(external) <= crm_ids
    assert 0.1 < len(external) / len(users) < 0.3
    phones = [user["phone"] for user in users if user["phone"]]
    assert phones and len({phone_shape(phone) for phone in phones}) >= 3


def test_chat_requesters_are_findable_through_their_zendesk_user(data):
    users = {user["id"]: user for user in data["users"]}
    chats = [ticket for ticket in data["tickets"] if ticket["via"]["channel"] == "chat"]
    assert chats
    assert all(users[t["requester_id"]]["email"] or users[t["requester_id"]]["phone"] for t in chats)


# --- twitter and texts ------------------------------------------------------------------------------------------


def test_twcs_threads_link_both_ways(data):
    tweets = {row["tweet_id"]: row for row in data["tweets"]}
    for row in tweets.values():
        for reply_id in filter(None, row["response_tweet_id"].split(",")):
            assert tweets[reply_id]["in_response_to_tweet_id"] == row["tweet_id"]
        if row["in_response_to_tweet_id"]:
            assert row["tweet_id"] in tweets[row["in_response_to_tweet_id"]]["response_tweet_id"].split(",")
        if row["inbound"] == "False":
            assert row["author_id"] == "FernwoodHelp" and row["in_response_to_tweet_id"]
        else:
            assert row["inbound"] == "True" and "@FernwoodHelp" in row["text"]
            assert not row["author_id"].startswith("@")


def test_some_complaints_never_get_a_reply(data):
    unanswered = [row for row in data["tweets"] if row["inbound"] == "True" and not row["in_response_to_tweet_id"]
                  and not row["response_tweet_id"]]
    assert len(unanswered) > 10


def customer_texts(data) -> list[str]:
    texts = [row["text"] for row in data["tweets"] if row["inbound"] == "True"]
    return texts + [post["text"] for post in data["social"] if not post["from_company"]]


def test_texts_are_varied(data):
    texts = customer_texts(data)
    assert len(set(texts)) / len(texts) > 0.7
    assert any(re.search(r"[A-Z]{2,}(?:[ ,.!?']+[A-Z]{2,}){2,}", text) for text in texts)  # ALL CAPS anger
    assert any(re.search(r"#\w+", text) for text in texts)


def test_ideas_come_back_in_different_words(data):
    repair = {text for text in customer_texts(data) if re.search(r"repair|resole|mend", text, re.IGNORECASE)}
    assert len(repair) >= 3


def test_a_handful_of_texts_carry_markup_and_formula_probes(data):
    texts = customer_texts(data) + [c["body"] for c in data["comments"]]
    assert any("<b>" in text for text in texts)
    assert any(text.startswith("=") for text in texts)
    assert any("**" in text for text in texts)
    assert sum("<b>" in text or text.startswith("=") for text in texts) < len(texts) * 0.02


# --- truth ------------------------------------------------------------------------------------------------------


def records_in_files(data) -> Counter:
    keys = [("customers", "crm", row["Contact ID"]) for row in data["crm"]]
    keys += [("purchases", "shopify", f"{row['Name']}|{row['Lineitem sku']}") for row in data["shopify"]]
    keys += [("purchases", "pos", f"{row['order_id']}|{row['line_id']}") for row in data["pos"]]
    keys += [("tickets", "zendesk", str(ticket["id"])) for ticket in data["tickets"]]
    keys += [("ticket_comments", "zendesk", str(comment["id"])) for comment in data["comments"]]
    keys += [("customers", "zendesk", str(user["id"])) for user in data["users"]]
    keys += [("social_posts", "twitter", row["tweet_id"]) for row in data["tweets"]]
    keys += [("social_posts", "social", post["post_id"]) for post in data["social"]]
    return Counter(keys)


def test_truth_covers_every_record_exactly_once(data):
    in_truth = Counter((row["kind"], row["source"], row["record_id"]) for row in data["truth"])
    in_files = records_in_files(data)
    assert max(in_files.values()) == 1 and max(in_truth.values()) == 1
    assert in_truth == in_files


def test_only_brand_posts_lack_a_person(data):
    brand = {row["tweet_id"] for row in data["tweets"] if row["inbound"] == "False"}
    brand |= {post["post_id"] for post in data["social"] if post["from_company"]}
    anonymous = {row["record_id"] for row in data["truth"] if not row["person_id"]}
    assert anonymous == brand


def test_truth_agrees_with_identifiers_in_the_files(data):
    person_of = {(row["source"], row["record_id"]): row["person_id"] for row in data["truth"]}
    for row in data["pos"]:
        if row["customer_ref"]:
            assert person_of[("pos", f"{row['order_id']}|{row['line_id']}")] == person_of[("crm", row["customer_ref"])]
    requester_people = defaultdict(set)
    for ticket in data["tickets"]:
        requester_people[ticket["requester_id"]].add(person_of[("zendesk", str(ticket["id"]))])
    assert all(len(people) == 1 for people in requester_people.values())
    for user in data["users"]:  # the user is the person behind every ticket they requested
        assert requester_people[user["id"]] == {person_of[("zendesk", str(user["id"]))]}
        if user["external_id"]:
            assert person_of[("zendesk", str(user["id"]))] == person_of[("crm", user["external_id"])]


# --- command line -----------------------------------------------------------------------------------------------


def test_cli_writes_files_and_prints_row_counts(tmp_path, capsys):
    demo.main(["--out", str(tmp_path), "--seed", "3", "--as-of", "2025-06-01", "--customers", "60"])
    printed = capsys.readouterr().out
    for name, filename in FILES.items():
        assert (tmp_path / filename).is_file()
        assert re.search(rf"^{name}\s+\d+\s", printed, re.MULTILINE)
