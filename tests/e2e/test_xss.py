"""Cross-site scripting in Chromium: customers' names, tickets, posts and notes carrying payloads stay plain text."""

from __future__ import annotations

import contextlib
from datetime import datetime

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

import store
from connectors.loader import load_file
from models.build import build
from models.operations import add_note
from tests.e2e.conftest import free_port, start_dashboard, stop_dashboard
from tests.e2e.test_browser import RENDER_TIMEOUT, settle
from tests.model_fixtures import write_jsonl

pytestmark = pytest.mark.e2e
NOW = datetime(2026, 3, 4, 12, 0)  # a Wednesday: every post below falls in the same week
MARKER = "__xss_"
TEXT_TIMEOUT = 15_000

# each payload, if it ever ran, sets its own flag on window; a rendered link or image would point at its marker
P = [
    "<script>window.__xss_0=1</script>",
    "<img src=x onerror=window.__xss_1=1>",
    "<svg onload=window.__xss_2=1></svg>",
    '<a href="javascript:window.__xss_3=1">click</a>',
    "[x](javascript:window.__xss_4=1)",
    "![x](http://127.0.0.1:1/__xss_5.png)",
    "&lt;script&gt;window.__xss_6=1&lt;/script&gt;",
    ":red[__xss_7] :material/home:",
    r"$\href{javascript:window.__xss_8=1}{x}$",
    '<iframe src="javascript:window.__xss_9=1"></iframe>',
    '"><img src=x onerror=window.__xss_10=1>',
    "<details open ontoggle=window.__xss_11=1>",
    "[x](http://127.0.0.1:1/__xss_12)",
    "javascript:window.__xss_13=1",
    "<b onmouseover=window.__xss_14=1>**__xss_14**</b>",
]
FLAGS = [f"{MARKER}{n}" for n in range(len(P))]

CUSTOMERS = [
    {"source_id": "X1", "first_name": f"Ada{P[0]}", "last_name": f"Lovelace{P[1]}", "email": "ada@example.com",
     "company": f"{P[2]}Acme", "twitter": "@adaxss", "created_at": "2024-01-05", "segment": "customer"},
    {"source_id": "X2", "first_name": f"Bo{P[4]}", "last_name": P[5], "email": "bo@example.com",
     "company": f"{P[7]} Ltd", "twitter": "@boxss", "created_at": "2024-02-05", "segment": "customer"},
    {"source_id": "X3", "first_name": f"Cy{P[6]}", "last_name": f"Doe{P[8]}", "email": "cy@example.com",
     "company": P[10], "twitter": "@cyxss", "created_at": "2024-03-05", "segment": "customer"},
]
PURCHASES = [
    {"order_id": f"O{n}", "ordered_at": f"2026-0{n}-10T10:00:00", "amount": "80.00", "email": email,
     "product": f"Tent {P[3]}", "category": "tents", "status": "paid"}
    for n, email in enumerate(("ada@example.com", "bo@example.com", "cy@example.com", "ada@example.com"), start=1)
]
TICKETS = [
    {"ticket_id": "T1", "created_at": "2026-03-01T09:00:00", "requester_email": "ada@example.com",
     "subject": f"Refund {P[0]}", "description": f"Still waiting for my refund {P[9]}", "status": "open",
     "channel": "email"},
    {"ticket_id": "T2", "created_at": "2026-03-02T09:00:00", "requester_email": "bo@example.com",
     "subject": f"Broken zip {P[4]}", "description": f"The zip broke {P[5]}", "status": "new", "channel": "web"},
    {"ticket_id": "T3", "created_at": "2026-03-02T10:00:00", "requester_email": "cy@example.com",
     "subject": f"Late delivery {P[7]}", "description": f"No tracking yet {P[8]}", "status": "open",
     "channel": "email"},
]
COMMENTS = [
    {"comment_id": "M1", "ticket_id": "T1", "created_at": "2026-03-01T09:00:00", "author_type": "customer",
     "body": f"Still waiting {P[11]}"},
    {"comment_id": "M2", "ticket_id": "T2", "created_at": "2026-03-02T09:30:00", "author_type": "agent",
     "body": f"Sorry! {P[12]}", "public": "true"},
    {"comment_id": "M3", "ticket_id": "T3", "created_at": "2026-03-02T10:00:00", "author_type": "customer",
     "body": f"Where is it {P[14]}"},
]
POSTS = [
    {"post_id": "S1", "posted_at": "2026-03-02T18:00:00", "network": "twitter", "handle": "adaxss",
     "text": f"Still waiting for my refund, terrible service {P[1]}", "url": P[13]},
    {"post_id": "S2", "posted_at": "2026-03-03T19:00:00", "network": "twitter", "handle": "boxss",
     "text": f"Is the Alpine stove any good? {P[3]}", "url": "https://example.com/posts/2"},
    {"post_id": "S3", "posted_at": "2026-03-03T20:00:00", "network": "twitter", "handle": "cyxss",
     "text": f"Feature request: would love if you made kids tents {P[6]}"},
    {"post_id": "S4", "posted_at": "2026-03-04T08:00:00", "network": "twitter", "handle": "strangerxss",
     "author_name": f"Eve{P[9]}", "text": f"Why is my parcel so late? Refund please {P[2]}"},
    {"post_id": "S5", "posted_at": "2026-03-04T09:00:00", "network": "twitter", "handle": "adaxss",
     "text": f"Feature request: would love if you made kids tents in blue {P[10]}"},
]
NOTE = f"Call back {P[0]} {P[4]} {P[7]}"

FLAGS_SET = "names => names.filter(name => window[name] !== undefined)"
MARKED_ELEMENTS = """marker => [...document.querySelectorAll('*')].filter(el =>
    ['IMG', 'A', 'SCRIPT', 'SVG', 'IFRAME', 'OBJECT', 'EMBED', 'DETAILS', 'B'].includes(el.tagName.toUpperCase())
      && ['src', 'href', 'xlink:href', 'data', 'srcdoc'].some(a => (el.getAttribute(a) || '').includes(marker))
    || [...el.attributes].some(a => a.name.startsWith('on') && a.value.includes(marker))
    || el.tagName === 'SCRIPT' && el.textContent.includes(marker)
).map(el => el.outerHTML.slice(0, 200))"""
PAGE_TEXT = """() => document.querySelector('[data-testid="stMain"]').innerText + '\\n'
    + [...document.querySelectorAll('td[role=gridcell]')].map(td => td.textContent).join('\\n')"""


@pytest.fixture(scope="module")
def xss_dashboard(tmp_path_factory):
    """The dashboard over a tiny store whose customer data is a cross-site-scripting corpus."""
    folder = tmp_path_factory.mktemp("xss")
    store_file = folder / "xss.duckdb"
    con = store.connect(store_file)
    for kind, records, source in (("customers", CUSTOMERS, "crm"), ("purchases", PURCHASES, "shop"),
                                  ("tickets", TICKETS, "desk"), ("ticket_comments", COMMENTS, "desk"),
                                  ("social_posts", POSTS, "social")):
        load_file(con, kind, write_jsonl(folder / f"{kind}.jsonl", records), source=source)
    build(con, NOW)
    for (post_key,) in con.execute("select post_key from social_inbox").fetchall():
        add_note(con, post_key, NOTE, "xss-test")
    people = con.execute("select customer_id, display_name from customer_profiles order by customer_id").fetchall()
    con.close()
    process, url = start_dashboard(store_file, free_port(), folder / "streamlit.log")
    yield url, people
    stop_dashboard(process)


def assert_inert(page: Page, where: str, *literals: str) -> None:
    """Each literal shows as plain text (waiting for grids, which fill in late); no payload ran or became an element."""
    settle(page)
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"literals => {{ const text = ({PAGE_TEXT})(); "
                               "return literals.every(literal => text.includes(literal)); }", arg=list(literals),
                               timeout=TEXT_TIMEOUT)
    text = page.evaluate(PAGE_TEXT)
    missing = [literal for literal in literals if literal not in text]
    assert not missing, f"{where}: not shown as plain text: {missing}"
    assert page.evaluate(FLAGS_SET, FLAGS) == [], f"{where}: a payload ran"
    assert page.evaluate(MARKED_ELEMENTS, MARKER) == [], f"{where}: a payload became an element"


def open_page(page: Page, url: str, heading: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=RENDER_TIMEOUT)
    settle(page)


def test_payloads_stay_plain_text_on_every_page(page: Page, xss_dashboard):
    url, people = xss_dashboard
    page.set_viewport_size({"width": 2400, "height": 1200})  # wide enough that no grid column is scrolled away
    names = dict(people)
    crm = [name for name in names.values() if name.startswith(("Ada", "Bo", "Cy"))]
    assert len(crm) == 3, people

    open_page(page, url, "Customer")
    search = page.get_by_role("textbox", name="Find a customer")
    search.fill(crm[0])
    search.press("Enter")
    expect(page.locator("td[role=gridcell]", has_text=crm[0]).first).to_be_attached(timeout=RENDER_TIMEOUT)
    assert_inert(page, "search", crm[0])

    for customer_id, name in people:
        open_page(page, f"{url}/?customer={customer_id}", "Talking points")
        for toggle in page.locator('[data-testid="stExpander"] summary').all():
            if "event(s) this comes from" in toggle.inner_text():
                toggle.click()
        assert_inert(page, f"profile {customer_id}", name)
        open_page(page, f"{url}/meeting_prep?customer={customer_id}", "Summary")
        assert_inert(page, f"meeting prep {customer_id}", name)

    profile_of = {name[:2]: customer_id for customer_id, name in people}
    open_page(page, f"{url}/?customer={profile_of['Ad']}", "Talking points")
    assert_inert(page, "Ada's profile", CUSTOMERS[0]["company"], TICKETS[0]["subject"], POSTS[0]["text"],
                 COMMENTS[0]["body"])
    open_page(page, f"{url}/?customer={profile_of['Cy']}", "Talking points")
    assert_inert(page, "Cy's profile", CUSTOMERS[2]["company"], TICKETS[2]["subject"], COMMENTS[2]["body"])
    open_page(page, f"{url}/meeting_prep?customer={profile_of['Bo']}", "Summary")
    assert_inert(page, "Bo's brief", CUSTOMERS[1]["company"], TICKETS[1]["subject"])

    open_page(page, f"{url}/social_inbox", "Social inbox")
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid.locator("td[role=gridcell]").first).to_be_attached(timeout=RENDER_TIMEOUT)
    assert_inert(page, "social inbox", POSTS[0]["text"], POSTS[3]["text"])
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 52)  # the first post in the queue
    expect(page.locator('[class*="st-key-inbox-post"]')).to_be_visible(timeout=RENDER_TIMEOUT)
    assert_inert(page, "social inbox post", NOTE, POSTS[0]["text"])

    open_page(page, f"{url}/ideas", "Ideas")
    assert_inert(page, "ideas", POSTS[2]["text"])

    open_page(page, f"{url}/leadership", "Leadership")
    assert_inert(page, "leadership", POSTS[4]["text"])

    open_page(page, f"{url}/data_sources", "Data sources")
    assert_inert(page, "data sources")
