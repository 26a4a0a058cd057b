"""Who sees what: sign-in, roles from the roles file, masking, reveals and the view audit — through the pages
(AppTest with a signed-in `at.user`) and straight at the query layer, where the rules live."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import store
from components.frame import FRAME_RAN
from queries import actions, audit, customers, inbox, leadership, sources
from queries.access import AccessConfigError, Refused, load_policy
from queries.masking import initials, mask_text
from store import PROJECT_ROOT
from tests.viewers import ADMIN, as_role, crashed, open_app

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "rapport",
        "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
PEOPLE = """ask = "the IT desk on extension 400"
group_claim = "groups"

[people]
"sam@fernwood.example" = ["support"]
"sal@fernwood.example" = ["sales"]
"ada@fernwood.example" = ["support", "admin"]

[domains]
"board.fernwood.example" = ["leadership"]

[groups]
"rapport-leaders" = ["leadership"]
"""


@pytest.fixture
def roles_file(app_store, tmp_path, monkeypatch) -> Path:
    """The shipped roles with a few people given roles, as RAPPORT_ROLES."""
    shipped = (PROJECT_ROOT / "config" / "roles.toml").read_text()
    roles = shipped[shipped.index("[roles.support]"):]
    path = tmp_path / "roles.toml"
    path.write_text(PEOPLE + "\n" + roles)
    monkeypatch.setenv("RAPPORT_ROLES", str(path))
    return path


ISSUER = "http://127.0.0.1:9"  # the provider AUTH names


def signed_in(email: str | None, page: str | None = None, role: str | None = None, groups: list[str] | None = None,
              verified: bool = True, issuer: str = ISSUER, **query) -> AppTest:
    """The app as a signed-in person (None: not signed in) whose provider verified their email (unless told not),
    on `page`, in `role` if given."""
    return open_app(page, role, secrets={"auth": AUTH}, user={
        "is_logged_in": email is not None, "email": email, "email_verified": verified, "iss": issuer,
        "sub": f"sub-{email}", "name": "Someone", "groups": groups or []}, **query)


def page_by_url(email: str | None, page: str, role: str | None = None, **query) -> AppTest:
    """A page file run on its own, as when its URL is typed in a session whose frame already ran: the page must
    check the person by itself (a forbidden page is not in the navigation, so AppTest cannot switch to it)."""
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": email is not None, "email": email, "email_verified": True, "iss": ISSUER,
               "name": "Someone", "groups": []}
    at.session_state[FRAME_RAN] = True
    if role:
        at.session_state["role_name"] = role
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def everything_shown(at: AppTest) -> str:
    """Every text, caption, title, metric and table cell on the page, as one string."""
    parts = [e.value for kind in ("text", "caption", "title", "header", "subheader", "markdown", "error", "info")
             for e in getattr(at, kind)]
    parts += [str(m.value) for m in at.metric]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(str(p) for p in parts)


def contactable_customer(path: Path) -> dict:
    """A customer with a name, email, phone, street, birth date and posts."""
    con = store.connect(path)
    found = con.execute("""
        select customer_id, display_name, emails, phones, street, birth_date from customer_profiles
        where street is not null and birth_date is not null and len(phones) > 0 and len(emails) > 0
          and post_count > 0 and ticket_count > 0
        order by customer_id limit 1""").fetchall()[0]
    con.close()
    return dict(zip(["customer_id", "display_name", "emails", "phones", "street", "birth_date"], found, strict=True))


def audit_rows(action: str) -> pd.DataFrame:
    return audit.entries(ADMIN, actions=[action])


# ---------------------------------------------------------------- sign-in and roles


def test_with_a_provider_nobody_sees_data_before_signing_in(roles_file):
    at = signed_in(None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.dataframe and not at.text_input


def test_a_signed_in_person_with_a_role_gets_the_customer_search(roles_file):
    at = signed_in("sam@fernwood.example")
    assert at.text_input[0].label == "Find a customer"
    assert any("sam@fernwood.example" in c.value for c in at.sidebar.caption)
    assert not any("No sign-in configured" in w.value for w in at.warning)


def test_a_person_with_no_role_sees_no_data_and_whom_to_ask(roles_file, app_store):
    customer = contactable_customer(app_store)
    at = signed_in("stranger@elsewhere.example", customer=str(customer["customer_id"]))
    assert at.title[0].value == "No access yet"
    assert "the IT desk on extension 400" in everything_shown(at)
    assert customer["display_name"] not in everything_shown(at)
    assert not at.dataframe and not at.text_input


def test_a_bare_page_opened_by_url_checks_the_person_too(roles_file, app_store):
    # AppTest runs a switched-to page without app.py: the page's own check must still refuse a stranger
    at = page_by_url("stranger@elsewhere.example", "pages/leadership.py")
    assert "No access yet" in [t.value for t in at.title]
    assert not at.dataframe


def test_roles_come_from_email_domain_and_group_claim(roles_file):
    assert signed_in("sam@fernwood.example").sidebar.selectbox[0].options == ["Support agent"]
    assert signed_in("ceo@board.fernwood.example").sidebar.selectbox[0].options == ["Leadership"]
    assert signed_in("kim@fernwood.example", groups=["rapport-leaders"]).sidebar.selectbox[0].options == \
        ["Leadership"]
    assert signed_in("ada@fernwood.example").sidebar.selectbox[0].options == ["Support agent", "Admin"]


def test_an_unverified_email_gets_no_role_from_the_address_or_its_domain(roles_file, app_store):
    for email in ("ada@fernwood.example", "ceo@board.fernwood.example"):  # given roles by address, by domain
        at = signed_in(email, verified=False)
        assert at.title[0].value == "No access yet"
        assert f"has not verified the email address {email}" in everything_shown(at)
        assert not at.dataframe and not at.text_input and not at.sidebar.selectbox
    at = signed_in("ada@fernwood.example", verified=False, groups=["rapport-leaders"])  # groups still count
    assert at.sidebar.selectbox[0].options == ["Leadership"]


def test_group_claims_count_only_from_the_trusted_issuer(roles_file, app_store):
    at = signed_in("kim@elsewhere.example", groups=["rapport-leaders"], issuer="http://127.0.0.1:9999")
    assert at.title[0].value == "No access yet"
    roles_file.write_text('group_issuers = ["http://127.0.0.1:9999/"]\n' + roles_file.read_text())
    at = signed_in("kim@elsewhere.example", groups=["rapport-leaders"], issuer="http://127.0.0.1:9999")
    assert at.sidebar.selectbox[0].options == ["Leadership"]


def test_the_role_selector_cannot_pick_a_role_the_person_lacks(roles_file):
    at = signed_in("sam@fernwood.example", role="admin")  # a tampered session value
    assert at.sidebar.selectbox[0].value == "support"
    at = page_by_url("sam@fernwood.example", "pages/data_sources.py", role="admin")
    assert "may not open this page" in at.error[0].value
    assert not at.dataframe and not at.metric


def test_the_role_a_link_carries_is_taken_only_if_it_is_the_persons_own(roles_file):
    def opened_with_role_in_address(email: str, role: str) -> AppTest:
        return open_app(secrets={"auth": AUTH}, user={"is_logged_in": True, "email": email, "email_verified": True,
                                                     "iss": ISSUER, "name": "Someone", "groups": []},
                        **{"role": role})

    assert opened_with_role_in_address("ada@fernwood.example", "support").sidebar.selectbox[0].value == "support"
    assert opened_with_role_in_address("ada@fernwood.example", "admin").sidebar.selectbox[0].value == "admin"
    narrow = opened_with_role_in_address("sam@fernwood.example", "admin")  # a link cannot widen
    assert narrow.sidebar.selectbox[0].value == "support"
    assert narrow.query_params["role"] == "support"  # the address now says the role in use


@pytest.mark.parametrize(("email", "page", "allowed"), [
    ("sam@fernwood.example", "pages/leadership.py", False),
    ("sam@fernwood.example", "pages/audit.py", False),
    ("sam@fernwood.example", "pages/privacy.py", False),
    ("sal@fernwood.example", "pages/social_inbox.py", False),
    ("ceo@board.fernwood.example", "pages/data_sources.py", False),
    ("ceo@board.fernwood.example", "pages/leadership.py", True),
    ("sam@fernwood.example", "pages/social_inbox.py", True),
])
def test_a_page_the_role_may_not_use_refuses_when_opened_by_url(roles_file, email, page, allowed):
    at = page_by_url(email, page)
    refused = any("may not open this page" in e.value for e in at.error)
    assert refused is not allowed
    if not allowed:
        assert not at.dataframe and not at.metric


def test_an_admin_switching_role_loses_the_admin_pages(roles_file):
    at = signed_in("ada@fernwood.example", "pages/audit.py", role="admin")
    assert at.title[0].value == "Audit log"
    at = page_by_url("ada@fernwood.example", "pages/audit.py", role="support")
    assert any("may not open this page" in e.value for e in at.error)


def test_a_broken_roles_file_shows_no_data_and_says_why(roles_file):
    roles_file.write_text(roles_file.read_text().replace('pages = ["customer"', 'pages = ["cusstomer"', 1))
    at = signed_in("sam@fernwood.example")
    assert "roles file cannot be used" in at.error[0].value and "cusstomer" in at.error[0].value
    assert not at.text_input and not at.dataframe


# ---------------------------------------------------------------- masking and reveals on the page


def contact_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "Contact" in d.value.columns)


def test_support_sees_email_and_phone_but_not_street_or_birth_date(roles_file, app_store):
    customer = contactable_customer(app_store)
    at = signed_in("sam@fernwood.example", customer=str(customer["customer_id"]))
    contacts = contact_table(at).set_index("Contact")
    assert customer["emails"][0] in set(contacts.loc[["Email"], "Value"])
    assert customer["phones"][0] in set(contacts.loc[["Phone"], "Value"])
    assert contacts.loc["Address", "Value"] == "hidden" and contacts.loc["Birth date", "Value"] == "hidden"
    shown = everything_shown(at)
    assert customer["street"] not in shown and str(customer["birth_date"]) not in shown


def test_sales_sees_phones_masked_everywhere_on_the_profile(roles_file, app_store):
    customer = contactable_customer(app_store)
    at = signed_in("sal@fernwood.example", customer=str(customer["customer_id"]))
    contacts = contact_table(at)
    phones = list(contacts.loc[contacts["Contact"] == "Phone", "Value"])
    assert phones and all(p.startswith("•••") for p in phones)
    shown = everything_shown(at)
    for phone in customer["phones"]:
        assert phone not in shown
    assert customer["emails"][0] in shown  # sales keeps emails


def test_a_reveal_needs_a_reason_shows_the_value_and_is_audited(roles_file, app_store):
    customer = contactable_customer(app_store)
    cid = customer["customer_id"]
    at = signed_in("sam@fernwood.example", customer=str(cid))
    at.selectbox(key=f"reveal-field-{cid}").set_value("street")
    at.text_input(key=f"reveal-reason-{cid}").set_value("ok")
    next(b for b in at.button if b.label == "Reveal").click().run()
    assert any("Say why" in e.value for e in at.error)
    assert audit_rows("reveal").empty
    at.text_input(key=f"reveal-reason-{cid}").set_value("ticket 4411: return label address")
    next(b for b in at.button if b.label == "Reveal").click().run()
    assert any(customer["street"] in t.value for t in at.text)
    reveals = audit_rows("reveal")
    assert len(reveals) == 1
    entry = reveals.iloc[0]
    assert (entry["actor"], entry["object_id"]) == ("sam@fernwood.example", str(cid))
    assert "ticket 4411" in entry["details"] and '"street"' in entry["details"]


def test_leadership_opens_a_profile_with_every_contact_detail_masked(roles_file, app_store):
    customer = contactable_customer(app_store)
    at = signed_in("ceo@board.fernwood.example", customer=str(customer["customer_id"]))
    shown = everything_shown(at)
    assert initials(customer["display_name"]) in [t.value for t in at.text]
    for secret in [customer["display_name"], customer["street"], str(customer["birth_date"]),
                   *customer["emails"], *customer["phones"]]:
        assert secret not in shown, secret
    assert not any(b.label == "Reveal" for b in at.button)  # leadership may reveal nothing


def test_leadership_drilldowns_show_masked_rows(roles_file, app_store):
    at = signed_in("ceo@board.fernwood.example", "pages/leadership.py")
    posts = next(d.value for d in at.dataframe if "text" in d.value.columns)
    real = leadership.posts_behind(ADMIN, at.selectbox(key="drill-week").value.to_pydatetime(),
                                   at.selectbox(key="drill-network").value, pd_filters(at))
    assert len(posts) == len(real) > 0
    assert list(posts["display_name"]) == [initials(n) for n in real["display_name"]]
    assert not set(posts["display_name"]) & set(real["display_name"])


def pd_filters(at: AppTest) -> leadership.Filters:
    from datetime import datetime, time

    start, end = at.date_input(key="period").value
    return leadership.Filters(start=datetime.combine(start, time.min), end=datetime.combine(end, time.max))


# ---------------------------------------------------------------- the view audit


def test_opening_a_profile_is_audited_once_per_session(roles_file, app_store):
    customer = contactable_customer(app_store)
    at = signed_in("sam@fernwood.example", customer=str(customer["customer_id"]))
    at.multiselect(key="kinds").set_value(["purchase"]).run()  # the page runs again: the same opening
    opened = audit_rows("open_profile")
    assert list(opened["actor"]) == ["sam@fernwood.example"]
    assert list(opened["object_id"]) == [str(customer["customer_id"])]
    assert '"subject": "sub-sam@fernwood.example"' in opened["details"].iloc[0]  # the provider's id, not only mail
    signed_in("sal@fernwood.example", customer=str(customer["customer_id"]))  # another person: another entry
    assert sorted(audit_rows("open_profile")["actor"]) == ["sal@fernwood.example", "sam@fernwood.example"]


def test_reading_the_log_waits_for_a_batch_the_background_writer_is_still_writing(monkeypatch):
    con = store.memory()
    taken, release = threading.Event(), threading.Event()
    real_transaction = audit.transaction

    @contextmanager
    def slow_transaction(writer):
        taken.set()  # the batch has left the queue...
        release.wait(5)  # ...and is not in the store yet
        with real_transaction(writer) as inside:
            yield inside

    monkeypatch.setattr(audit, "transaction", slow_transaction)
    audit.enqueue(con, [datetime(2026, 11, 1), "sam@fernwood.example", "open_profile", "customer", "7", "{}"])
    writer = threading.Thread(target=audit.flush)
    writer.start()
    assert taken.wait(5)
    threading.Timer(0.3, release.set).start()
    found = audit.entries(ADMIN, actions=["open_profile"], con=con)
    writer.join()
    assert list(found["actor"]) == ["sam@fernwood.example"]


def test_admins_read_and_filter_the_audit_log_others_cannot(roles_file, app_store):
    customer = contactable_customer(app_store)
    signed_in("sam@fernwood.example", customer=str(customer["customer_id"]))
    customers.reveal(customer["customer_id"], "street", "parcel returned", as_role("support", "sam@fernwood.example"))
    at = signed_in("ada@fernwood.example", "pages/audit.py", role="admin")
    log = at.dataframe[0].value
    assert {"open_profile", "reveal"} <= set(log["action"])
    at.multiselect(key="audit-actions").set_value(["reveal"]).run()
    assert list(at.dataframe[0].value["action"]) == ["reveal"]
    at.multiselect(key="audit-actions").set_value([]).run()
    at.text_input(key="audit-customer").set_value(str(customer["customer_id"])).run()
    assert set(at.dataframe[0].value["object_id"]) == {str(customer["customer_id"])}
    with pytest.raises(Refused):
        audit.entries(as_role("leadership"))


def test_an_admin_exports_a_customer_from_the_privacy_page_and_it_is_audited(roles_file, app_store):
    customer = contactable_customer(app_store)
    at = signed_in("ada@fernwood.example", "pages/privacy.py", role="admin", customer=str(customer["customer_id"]))
    at.button(key="prepare-export").click().run()
    assert not crashed(at), crashed(at)
    exports = audit_rows("export")
    assert list(exports["object_id"]) == [str(customer["customer_id"])]
    assert list(exports["actor"]) == ["ada@fernwood.example"]


def test_an_admin_erases_a_customer_from_the_privacy_page_only_when_confirmed(roles_file, app_store):
    customer = contactable_customer(app_store)
    cid = customer["customer_id"]
    at = signed_in("ada@fernwood.example", "pages/privacy.py", role="admin", customer=str(cid))
    reason = next(t for t in at.text_input if t.label == "Reason")
    confirm = next(t for t in at.text_input if t.label.startswith("Type"))
    reason.set_value("DSR ticket 77")
    confirm.set_value("12345")
    next(b for b in at.button if b.label == "Erase this customer").click().run()
    assert any("does not match" in e.value for e in at.error)
    assert customers.resolve_customer_id(cid) == cid
    next(t for t in at.text_input if t.label.startswith("Type")).set_value(str(cid))
    next(b for b in at.button if b.label == "Erase this customer").click().run()
    assert not crashed(at), crashed(at)
    assert customers.resolve_customer_id(cid) is None
    assert any("store file rewritten" in s.value for s in at.success)
    # the page's erasure rewrote the file the app holds: the customer's email is gone from its bytes
    assert customer["emails"][0].encode() not in app_store.read_bytes()
    erased = audit_rows("erase")
    assert list(erased["actor"]) == ["ada@fernwood.example"]
    assert customer["emails"][0] not in erased.to_csv()


# ---------------------------------------------------------------- the query layer refuses, whatever the page does


@pytest.mark.parametrize(("role", "call"), [
    ("support", lambda cid: leadership.weekly_sentiment(as_role("support"))),
    ("sales", lambda cid: inbox.queue(as_role("sales"))),
    ("leadership", lambda cid: inbox.set_status(as_role("leadership"), "social_posts:x:1", "closed")),
    ("support", lambda cid: customers.identity(cid, as_role("support"))),
    ("support", lambda cid: actions.merge_profiles(as_role("support"), cid, cid + 1, "same person")),
    ("support", lambda cid: actions.erase_customer(as_role("support"), cid, "request 12")),
    ("sales", lambda cid: actions.export_customer(as_role("sales"), cid)),
    ("leadership", lambda cid: sources.quarantine(as_role("leadership"))),
    ("support", lambda cid: actions.load_upload(as_role("support"), "purchases", "a.csv", b"x", None, None)),
    ("leadership", lambda cid: customers.reveal(cid, "email", "board meeting prep", as_role("leadership"))),
    ("support", lambda cid: customers.reveal(cid, "email", "not masked for support", as_role("support"))),
])
def test_the_query_layer_refuses_what_the_role_may_not(app_store, role, call):
    cid = contactable_customer(app_store)["customer_id"]
    with pytest.raises(Refused):
        call(cid)
    assert audit_rows("reveal").empty and audit_rows("erase").empty


def test_masked_query_results_never_hold_the_real_values(app_store):
    customer = contactable_customer(app_store)
    cid = customer["customer_id"]
    leader = as_role("leadership")
    found = customers.context(cid, leader)
    assert found.profile["display_name"] == initials(customer["display_name"])
    assert found.profile["street"] is None and found.profile["birth_date"] is None
    assert set(found.profile["masked_fields"]) >= {"display_name", "emails", "phones", "street", "birth_date"}
    text = found.timeline.to_csv() + " ".join(p.sentence for p in found.points) + str(found.profile)
    for secret in [customer["display_name"], customer["street"], *customer["emails"], *customer["phones"]]:
        assert secret not in text, secret
    hits = customers.search(customer["emails"][0], leader)
    assert list(hits["customer_id"])[:1] == [cid]
    assert customer["emails"][0] not in hits.to_csv()


def test_a_permitted_reveal_returns_the_value(app_store):
    customer = contactable_customer(app_store)
    value = customers.reveal(customer["customer_id"], "birth_date", "verifying the caller", as_role("support"))
    assert value == str(customer["birth_date"])
    with pytest.raises(ValueError, match="Say why"):
        customers.reveal(customer["customer_id"], "birth_date", "   ", as_role("support"))


# ---------------------------------------------------------------- the roles file and masking rules


@pytest.mark.parametrize(("change", "message"), [
    (("pages = [\"customer\"", "pages = [\"cusomer\""), "unknown cusomer"),
    (("masked = [\"street\"", "masked = [\"shoe_size\""), "unknown shoe_size"),
    (('"sam@fernwood.example" = ["support"]', '"sam@fernwood.example" = ["janitor"]'), r"unknown role\(s\) janitor"),
    (("label = \"Sales rep\"", "label = \"Sales rep\"\ncolour = \"red\""), r"unknown setting\(s\) colour"),
    (("may_reveal = [\"phone\", \"street\"]", "may_reveal = [\"email\"]"), "does not have masked"),
])
def test_a_wrong_roles_file_names_the_file_and_the_entry(tmp_path, change, message):
    shipped = (PROJECT_ROOT / "config" / "roles.toml").read_text()
    text = (PEOPLE + shipped[shipped.index("[roles.support]"):]).replace(*change, 1)
    path = tmp_path / "roles.toml"
    path.write_text(text)
    with pytest.raises(AccessConfigError, match=message) as raised:
        load_policy(path)
    assert str(path) in str(raised.value)


def test_text_masking_hides_emails_and_phones_but_not_orders_dates_or_prices():
    text = ("Call 07700 900123 or +44 20 7946 0958, mail jo.b+x@mail.example.com about order #10432 of "
            "2026-11-01 (£120.50), ref 1043299")
    masked = mask_text(text, frozenset({"email", "phone"}))
    for secret in ("07700 900123", "+44 20 7946 0958", "jo.b+x@mail.example.com"):
        assert secret not in masked
    for kept in ("#10432", "2026-11-01", "£120.50", "1043299", "mail.example.com"):
        assert kept in masked
    assert mask_text(text, frozenset({"street"})) == text
