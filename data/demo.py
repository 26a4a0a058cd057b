"""Seeded generator of messy raw exports (CRM, Shopify, tills, Zendesk, Twitter, social) for Fernwood Outdoor."""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from data import demo_text as txt
from data.demo_identity import NOISE_COLUMNS, build_reentries, crm_row, noise_rows
from data.demo_identity import slug as _slug
from data.demo_identity import typo as _typo

DEFAULT_OUT = Path(__file__).resolve().parent / "demo"
EXPORT_TIME = time(6, 0)  # every system was exported at 06:00 UTC on as_of, so nothing is later than that
BRAND_TWITTER = "FernwoodHelp"
BRAND_SOCIAL = "fernwoodoutdoor"
ZENDESK_TICKET_URL = "https://fernwoodoutdoor.zendesk.com/api/v2/tickets/{}.json"
ZENDESK_USER_URL = "https://fernwoodoutdoor.zendesk.com/api/v2/users/{}.json"
SUPPORT_ADDRESS = "help@fernwoodoutdoor.co.uk"

FILES = {
    "crm_contacts": "crm_contacts.csv",
    "shopify_orders": "shopify_orders.csv",
    "pos_sales": "pos_sales.csv",
    "zendesk_tickets": "zendesk_tickets.json",
    "zendesk_ticket_comments": "zendesk_ticket_comments.jsonl",
    "zendesk_users": "zendesk_users.json",
    "twcs": "twcs.csv",
    "social_posts": "social_posts.jsonl",
    "inbox_history": "inbox_history.jsonl",  # the social team's work in Rapport's inbox (demo_social.py)
    # what each customer post was written to be (demo_social.py): the labels the team gives when it corrects one
    "post_labels": "post_labels.jsonl",
    "truth": "truth.csv",
    # which CRM contacts the old system re-entered, and the noise each carries (data.demo_identity)
    "identity_noise": "identity_noise.csv",
}
CRM_COLUMNS = (
    "Contact ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name", "Street Address", "City",
    "Postal Code", "Country", "Date of Birth", "Create Date", "Lifecycle Stage", "Twitter Username",
    "Instagram Username", "Facebook Username",
)
SHOPIFY_COLUMNS = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal", "Shipping", "Taxes",
    "Total", "Discount Code", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem sku",
    "Billing Name", "Billing Street", "Billing City", "Billing Zip", "Billing Country", "Billing Phone",
    "Refunded Amount", "Cancelled at", "Id", "Tags", "Source",
)
POS_COLUMNS = (
    "order_id", "line_id", "ordered_at", "amount", "currency", "email", "phone", "customer_ref", "product", "sku",
    "category", "quantity", "channel", "status",
)
TRUTH_COLUMNS = ("kind", "source", "record_id", "person_id")

CURRENCY = {"GB": "GBP", "US": "USD", "DE": "EUR"}
CURRENCY_SYMBOL = {"GBP": "£", "USD": "$", "EUR": "€"}
CALLING_CODE = {"GB": "44", "US": "1", "DE": "49"}
# Zendesk user settings: (time_zone, iana_time_zone) and locale; the account default is London and en-gb.
ZENDESK_ZONES = {
    "GB": ("London", "Europe/London"), "DE": ("Berlin", "Europe/Berlin"),
    "Eastern": ("Eastern Time (US & Canada)", "America/New_York"),
    "Mountain": ("Mountain Time (US & Canada)", "America/Denver"),
    "Pacific": ("Pacific Time (US & Canada)", "America/Los_Angeles"),
}
US_CITY_ZONES = {"Seattle": "Pacific", "Portland": "Pacific", "San Francisco": "Pacific", "Denver": "Mountain",
                 "Boulder": "Mountain", "Salt Lake City": "Mountain"}  # the other US cities are Eastern
ZENDESK_LOCALES = {"GB": "en-gb", "US": "en-US", "DE": "de"}
SOCIAL_SHARES = {"twitter": 0.35, "instagram": 0.30, "facebook": 0.20, "mastodon": 0.05}
PROSPECT_SHARES = {"twitter": 0.55, "instagram": 0.45, "facebook": 0.20, "mastodon": 0.10}
HASHTAG_CHANCE = {"twitter": 0.2, "instagram": 0.75, "facebook": 0.08, "mastodon": 0.35}
TEXT_KINDS = ("tent", "bag", "mat", "pack", "jacket", "boots", "stove", "lamp", "filter", "kidsitem")
# Ticket count per person is Poisson with this mean: unhappy people write in far more often.
TICKET_RATE = {"happy": 0.9, "neutral": 1.5, "unhappy": 4.5, "advocate": 1.0}
TICKET_TOPIC_MIX = {
    "default": (("late_delivery", 20), ("refund_not_received", 12), ("wrong_size", 14), ("broken_zip", 7),
                ("warranty_claim", 7), ("stock_question", 9), ("order_change", 9), ("discount_code", 8),
                ("product_question", 10)),
    "unhappy": (("late_delivery", 25), ("refund_not_received", 20), ("wrong_size", 10), ("broken_zip", 12),
                ("warranty_claim", 12), ("stock_question", 4), ("order_change", 5), ("discount_code", 10),
                ("product_question", 4)),
}
# topic -> (min days, max days) after the order it is about, and whether it needs an online order
ORDER_TOPICS = {
    "late_delivery": (3, 14, True), "refund_not_received": (8, 35, True), "wrong_size": (2, 12, True),
    "order_change": (0.005, 0.5, True), "discount_code": (0.001, 0.05, True), "broken_zip": (10, 200, False),
    "warranty_claim": (60, 700, False),
}
# Which order lines a topic can be about: an exchange needs a size, a broken zip needs a zip.
TOPIC_LINES = {
    "wrong_size": ("variants", ("size", "shoe", "kids", "kidshoe", "sock")),
    "broken_zip": ("kind", ("tent", "bag", "jacket", "pack")),
    "warranty_claim": ("kind", ("boots", "jacket", "lamp", "tent", "mat", "stove", "pack")),
}
SIZED_VARIANTS = ("size", "shoe", "kids", "kidshoe", "sock")
HELPDESK_AGE = timedelta(days=730)  # Zendesk has been in use for two years
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    short: str
    category: str
    kind: str
    pence: int
    variants: str
    weight: int


PRODUCTS = tuple(Product(*row) for row in txt.PRODUCTS)
PRODUCT_WEIGHTS = tuple(p.weight for p in PRODUCTS)
PRODUCTS_BY_KIND = {kind: tuple(p for p in PRODUCTS if p.kind == kind) for kind in TEXT_KINDS}


@dataclass(eq=False)
class Person:
    first: str
    last: str
    country: str
    segment: str
    company: str
    birth: date
    signup: datetime
    personality: str
    followers: int
    pid: str = ""
    email: str = ""
    alt_email: str = ""
    phone: str = ""  # national significant number without trunk prefix, e.g. 7700900123
    area: str = ""  # US area code, chosen with the city
    street: str = ""
    city: str = ""
    postcode: str = ""
    store: str = ""  # shop channel this person visits ("" = never)
    handles: dict[str, str] = field(default_factory=dict)
    crm_handles: dict[str, str] = field(default_factory=dict)
    display_names: dict[str, str] = field(default_factory=dict)
    prospect: bool = False
    buys_online: bool = False
    in_crm: bool = False
    loyalty: bool = False
    idea: str = ""
    zendesk_id: int = 0
    contact_id: str = ""
    orders: list[Order] = field(default_factory=list)


@dataclass(eq=False)
class Line:
    product: Product
    quantity: int
    variant: str
    unit: int  # minor units of the order currency
    refunded: bool = False


@dataclass(eq=False)
class Order:
    person: Person
    created: datetime
    channel: str  # "web" or a store channel
    currency: str
    lines: list[Line]
    ref: str = ""
    shop_id: int = 0
    email: str = ""
    phone: str = ""
    status: str = "paid"
    fulfillment: str = ""
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    refunded: int = 0
    discount_code: str = ""
    discount: int = 0
    shipping: int = 0
    billing_name: str = ""
    tags: str = ""
    source: str = ""

    @property
    def gross(self) -> int:
        return sum(line.unit * line.quantity for line in self.lines)

    @property
    def total(self) -> int:
        return self.gross - self.discount + self.shipping


@dataclass(eq=False)
class Contact:
    cid: str
    person: Person
    created: datetime
    duplicate: bool


@dataclass(eq=False)
class Comment:
    created: datetime
    author_id: int
    role: str
    body: str
    public: bool = True
    id: int = 0


@dataclass(eq=False)
class Ticket:
    person: Person
    topic: str
    created: datetime
    order: Order | None
    line: Line | None
    channel: str
    agent: tuple[int, str]
    slots: dict[str, object]
    comments: list[Comment] = field(default_factory=list)
    status: str = "new"
    assigned: bool = False
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    reopens: int = 0
    id: int = 0
    subject: str = ""
    type: str | None = None
    priority: str | None = None
    tags: list[str] = field(default_factory=list)
    satisfaction: str = "unoffered"
    via_from: dict[str, str] = field(default_factory=dict)
    description_index: int = 0


class _Registry:
    """Keeps emails, phones and handles unique so that only the deliberate collisions (families) exist."""

    def __init__(self) -> None:
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.handles: dict[str, set[str]] = {}

    def claim_email(self, rng: random.Random, local: str, domain: str) -> str:
        email = f"{local}@{domain}"
        while email in self.emails:
            email = f"{local}{rng.randint(2, 999)}@{domain}"
        self.emails.add(email)
        return email

    def claim_handle(self, rng: random.Random, network: str, handle: str) -> str:
        taken = self.handles.setdefault(network, set())
        candidate = handle
        while candidate.lower() in taken:
            candidate = f"{handle}{rng.randint(1, 999)}"
        taken.add(candidate.lower())
        if network == "mastodon":
            return f"{candidate}@{rng.choice(txt.MASTODON_INSTANCES)}"
        return candidate


# --- small helpers ------------------------------------------------------------------------------------------------


def _rng(seed: int, part: str) -> random.Random:
    # One stream per part, so that changing e.g. the tweets does not reshuffle the orders.
    return random.Random(f"fernwood/{seed}/{part}")


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _band(rng: random.Random, bands: tuple[tuple[float, int, int], ...]) -> int:
    """Heavy-tailed counts: bands of (cumulative probability, low, high)."""
    r = rng.random()
    for cumulative, low, high in bands:
        if r < cumulative:
            return rng.randint(low, high)
    return bands[-1][2]


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _moment(rng: random.Random, start: datetime, end: datetime, bias: float = 1.0) -> datetime:
    """A moment in [start, end]; bias > 1 favours recent moments. Small hours are rare because people sleep."""
    span = (end - start).total_seconds()
    if span <= 1:
        return start.replace(microsecond=0)
    moment = end - timedelta(seconds=span * rng.random() ** bias)
    if moment.hour < 7 and rng.random() < 0.8 and moment + timedelta(hours=8) < end:
        moment += timedelta(hours=8)
    return moment.replace(microsecond=0)


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _iso_z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _shopify_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S +0000") if moment else ""


def _twitter_time(moment: datetime) -> str:
    # Built by hand because strftime's %a/%b follow the locale and the data set uses English names.
    return f"{_DAY_ABBR[moment.weekday()]} {_MONTH_ABBR[moment.month - 1]} {moment:%d %H:%M:%S} +0000 {moment.year}"


def _full_name(person: Person) -> str:
    return f"{person.first} {person.last}"


# --- identities: phones, emails, handles -------------------------------------------------------------------------


def _unique_phone(rng: random.Random, person: Person, registry: _Registry) -> str:
    while True:
        if person.country == "GB":
            number = f"7{rng.choice(txt.UK_MOBILE_BLOCKS)}{rng.randrange(10**6):06d}"
        elif person.country == "US":
            # 555-0100..0199 is reserved for fiction; fall back to other 555 lines for big runs
            line = rng.randint(100, 199) if rng.random() < 0.75 else rng.randint(1000, 9999)
            number = f"{person.area}555{line:04d}"
        else:
            number = f"{rng.choice(txt.DE_MOBILE_PREFIXES)}{rng.randrange(10**7, 10**8)}"
        if number not in registry.phones:
            registry.phones.add(number)
            return number


def _phone_formats(country: str, number: str) -> tuple[tuple[str, int], ...]:
    """The ways people and systems write the same number, most common first."""
    if country == "GB":
        a, b = number[:4], number[4:]
        return ((f"+44 {a} {b}", 30), (f"0{a} {b}", 30), (f"(0){a}-{b[:3]}-{b[3:]}", 8), (f"+44{number}", 12),
                (f"0{number}", 10), (f"0044 {a} {b}", 5), (f"+44 (0){a} {b[:3]} {b[3:]}", 5))
    if country == "US":
        a, b, c = number[:3], number[3:6], number[6:]
        return ((f"+1 ({a}) {b}-{c}", 25), (f"{a}.{b}.{c}", 15), (f"({a}) {b}-{c}", 25), (f"+1{number}", 15),
                (f"{a}-{b}-{c}", 15), (f"1-{a}-{b}-{c}", 5))
    a, b = number[:3], number[3:]
    return ((f"+49 {a} {b}", 30), (f"0{a} {b}", 30), (f"+49 (0){a} {b[:4]} {b[4:]}", 10), (f"0049 {a} {b}", 5),
            (f"+49{number}", 15), (f"0{a}/{b}", 10))


def _format_phone(rng: random.Random, person: Person) -> str:
    return _weighted(rng, _phone_formats(person.country, person.phone))


def _e164(person: Person) -> str:
    return f"+{CALLING_CODE[person.country]}{person.phone}"


def _international(person: Person) -> str:
    return _phone_formats(person.country, person.phone)[0][0]


def _email_local(rng: random.Random, first: str, last: str) -> str:
    f, s = _slug(first), _slug(last)
    return rng.choice((f"{f}.{s}", f"{f}{s}", f"{f[0]}{s}", f"{f}_{s}", f"{f}.{s}{rng.randint(1, 99)}",
                       f"{s}{f[0]}", f"{f}{rng.randint(70, 99)}", f"{f}.{s[0]}"))


def _email_for(rng: random.Random, person: Person, registry: _Registry) -> str:
    if person.segment != "consumer" and rng.random() < 0.5:
        # trade customers often use their company address; the TLD is fixed per company name
        domain = _slug(person.company)[:20] + (".co.uk", ".com", ".org.uk")[len(person.company) % 3]
        return registry.claim_email(rng, _slug(person.first), domain)
    domain = _weighted(rng, txt.EMAIL_DOMAINS[person.country])
    return registry.claim_email(rng, _email_local(rng, person.first, person.last), domain)


def _case_variant(rng: random.Random, email: str) -> str:
    """Same address, different capitalisation (mail servers treat these as equal, naive joins do not)."""
    local, _, domain = email.partition("@")
    style = rng.randrange(4)
    if style == 0:
        return email.upper()
    if style == 1:
        return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
    if style == 2:
        return f"{local}@{domain.capitalize()}"
    return f"{local.capitalize()}@{domain.upper()}"


def _handle_base(rng: random.Random, first: str, last: str) -> str:
    f, s = _slug(first), _slug(last)
    pieces = rng.choice(([f, s], [f[0], s], [f, s[0]], [f, rng.choice(txt.HANDLE_WORDS)], ["the", s], [s, f]))
    if rng.random() < 0.3:
        pieces = [piece.capitalize() for piece in pieces]
    handle = rng.choice(("", "", "_", ".")).join(pieces)
    if rng.random() < 0.35:
        handle += str(rng.randint(1, 99))
    return handle


def _network_handle(rng: random.Random, network: str, base: str, person: Person, registry: _Registry) -> str:
    if network == "twitter":
        handle = base.replace(".", "_")[:12]  # leaves room for a uniqueness suffix within 15 characters
    elif network == "instagram":
        handle = base if rng.random() < 0.6 else _handle_base(rng, person.first, person.last)
    elif network == "facebook":
        handle = f"{_slug(person.first)}.{_slug(person.last)}"
    else:
        handle = base.lower().replace(".", "_")
    return registry.claim_handle(rng, network, handle)


def _assign_handles(rng: random.Random, person: Person, registry: _Registry, shares: dict[str, float]) -> None:
    base = _handle_base(rng, person.first, person.last)
    networks = [network for network, share in shares.items() if rng.random() < share]
    if person.prospect and not networks:
        networks = ["twitter"]  # a prospect is only in the data because of their posts
    person.handles = {network: _network_handle(rng, network, base, person, registry) for network in networks}
    # The CRM knows some handles; for those people the handle is the only link to their posts.
    person.crm_handles = {n: h for n, h in person.handles.items() if n != "mastodon" and rng.random() < 0.65}


# --- people -------------------------------------------------------------------------------------------------------


def _followers(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.012:  # influencers
        return int(math.exp(rng.uniform(math.log(10_000), math.log(200_000))))
    if r < 0.06:
        return rng.randint(500, 9_999)
    return min(499, int(rng.lognormvariate(4.3, 1.0)))


def _birth_date(rng: random.Random, today: date) -> date:
    return today - timedelta(days=int(rng.triangular(18, 80, 36) * 365.25))


def _signup(rng: random.Random, now: datetime) -> datetime:
    window = timedelta(days=45) if rng.random() < 0.05 else timedelta(days=4 * 365)
    return _moment(rng, now - window, now)


def _company(rng: random.Random, segment: str) -> str:
    if segment == "pro":
        return rng.choice(txt.PRO_COMPANIES)
    if segment == "wholesale":
        return rng.choice(txt.WHOLESALE_COMPANIES)
    return rng.choice(txt.EMPLOYERS) if rng.random() < 0.04 else ""


def _uk_address(rng: random.Random, person: Person) -> None:
    city, districts, store, store_share, _ = _weighted(rng, [(entry, entry[4]) for entry in txt.UK_CITIES])
    flat = f"Flat {rng.randint(1, 24)}, " if rng.random() < 0.15 else ""
    person.street = f"{flat}{rng.randint(1, 160)} {rng.choice(txt.UK_STREETS)}"
    letters = rng.choice(_POSTCODE_LETTERS) + rng.choice(_POSTCODE_LETTERS)
    person.city, person.postcode = city, f"{rng.choice(districts)} {rng.randint(1, 9)}{letters}"
    if rng.random() < store_share:
        person.store = store
    elif rng.random() < 0.03:  # visitors who pop into a shop when they are in town
        person.store = rng.choice(sorted(txt.STORES))


def _us_address(rng: random.Random, person: Person) -> None:
    city, zip_prefix, area_codes, _ = _weighted(rng, [(entry, entry[3]) for entry in txt.US_CITIES])
    apartment = f", Apt {rng.randint(1, 30)}{rng.choice('ABCD')}" if rng.random() < 0.2 else ""
    person.street = f"{rng.randint(10, 1999)} {rng.choice(txt.US_STREETS)}{apartment}"
    person.city, person.postcode, person.area = city, f"{zip_prefix}{rng.randint(1, 99):02d}", rng.choice(area_codes)


def _de_address(rng: random.Random, person: Person) -> None:
    city, prefix, _ = _weighted(rng, [(entry, entry[2]) for entry in txt.DE_CITIES])
    person.street = f"{rng.choice(txt.DE_STREETS)} {rng.randint(1, 120)}"
    person.city, person.postcode = city, f"{prefix}{rng.randint(0, 999):03d}"


def _set_channels(rng: random.Random, person: Person, registry: _Registry) -> None:
    person.buys_online = rng.random() < (0.95 if person.segment == "wholesale" else 0.75)
    # Shopify syncs its customers to the CRM, so online buyers are nearly all contacts; the rest are guests.
    person.in_crm = rng.random() < (0.97 if person.buys_online else 0.49)
    person.loyalty = person.in_crm and rng.random() < 0.35
    if rng.random() < 0.05:  # a second address used for some orders and tickets
        domain = _weighted(rng, txt.EMAIL_DOMAINS[person.country])
        person.alt_email = registry.claim_email(rng, _email_local(rng, person.first, person.last), domain)


def _new_person(rng: random.Random, now: datetime, registry: _Registry, country: str = "", first: str = "",
                last: str = "") -> Person:
    country = country or _weighted(rng, (("GB", 80), ("US", 11), ("DE", 9)))
    segment = _weighted(rng, (("consumer", 85), ("pro", 10), ("wholesale", 5)))
    person = Person(
        first=first or rng.choice(txt.FIRST_NAMES), last=last or rng.choice(txt.LAST_NAMES), country=country,
        segment=segment,
        company=_company(rng, segment), birth=_birth_date(rng, now.date()), signup=_signup(rng, now),
        personality=_weighted(rng, (("happy", 48), ("neutral", 33), ("unhappy", 15), ("advocate", 4))),
        followers=_followers(rng),
    )
    {"GB": _uk_address, "US": _us_address, "DE": _de_address}[country](rng, person)
    person.phone = _unique_phone(rng, person, registry)
    person.email = _email_for(rng, person, registry)
    _assign_handles(rng, person, registry, SOCIAL_SHARES)
    _set_channels(rng, person, registry)
    return person


def _household_partner(rng: random.Random, host: Person, now: datetime, registry: _Registry) -> Person:
    """Same surname, address and (family) email as the host; different first name and birth date."""
    first = rng.choice([name for name in txt.FIRST_NAMES if name != host.first])
    partner = _new_person(rng, now, registry, country=host.country, first=first, last=host.last)
    partner.street, partner.city, partner.postcode = host.street, host.city, host.postcode
    partner.segment, partner.company, partner.store = "consumer", "", host.store
    if partner.birth == host.birth:
        partner.birth -= timedelta(days=rng.randint(200, 3000))
    local = rng.choice(txt.FAMILY_EMAIL_PATTERNS).format(last=_slug(host.last))
    host.email = partner.email = registry.claim_email(rng, local, host.email.partition("@")[2])
    host.in_crm = partner.in_crm = True  # both are on file, which is what makes the shared email a trap
    return partner


def _new_prospect(rng: random.Random, now: datetime, registry: _Registry) -> Person:
    person = _new_person(rng, now, registry)
    person.prospect, person.buys_online, person.in_crm, person.loyalty, person.store = True, False, False, False, ""
    _assign_handles(rng, person, registry, PROSPECT_SHARES)
    person.crm_handles = {}
    return person


def _build_people(rng: random.Random, customers: int, now: datetime) -> tuple[list[Person], list[Person]]:
    registry = _Registry()
    households = max(1, round(customers * 0.005))  # each adds a pair sharing one email: ~1% of people
    core = [_new_person(rng, now, registry) for _ in range(customers - households)]
    partners = [_household_partner(rng, host, now, registry) for host in rng.sample(core, households)]
    people = core + partners
    rng.shuffle(people)
    prospects = [_new_prospect(rng, now, registry) for _ in range(round(customers * 0.15))]
    everyone = people + prospects
    width = max(4, len(str(len(everyone))))
    zendesk_ids = rng.sample(range(361_000_000_000, 379_000_000_000), len(everyone))
    for number, (person, zendesk_id) in enumerate(zip(everyone, zendesk_ids, strict=True), 1):
        person.pid, person.zendesk_id = f"P{number:0{width}d}", zendesk_id
    return people, prospects


# --- purchases ----------------------------------------------------------------------------------------------------


def _price(product: Product, currency: str) -> int:
    if currency == "GBP":
        return product.pence
    rate = {"EUR": 1.17, "USD": 1.27}[currency]
    return max(95, round(product.pence * rate / 100) * 100 - 5)  # foreign shops price at .95 too


def _basket(rng: random.Random, person: Person, currency: str, max_lines: int = 4) -> list[Line]:
    count = _weighted(rng, ((1, 55), (2, 28), (3, 12), (4, 5))[:max_lines])
    picked: list[Product] = []
    while len(picked) < count:  # distinct products, so SKUs are unique within an order
        product = rng.choices(PRODUCTS, weights=PRODUCT_WEIGHTS)[0]
        if product not in picked:
            picked.append(product)
    lines = []
    for product in picked:
        quantity = rng.randint(4, 24) if person.segment == "wholesale" else _weighted(rng, ((1, 85), (2, 11), (3, 4)))
        variant = rng.choice(txt.VARIANTS[product.variants]) if product.variants else ""
        lines.append(Line(product, quantity, variant, _price(product, currency)))
    return lines


def _order_count(rng: random.Random, segment: str) -> int:
    if segment == "wholesale":
        return rng.randint(2, 18)
    count = _band(rng, ((0.58, 1, 1), (0.8, 2, 2), (0.9, 3, 3), (0.965, 4, 6), (0.995, 7, 15), (1.0, 16, 40)))
    return min(40, count + rng.randint(0, 2)) if segment == "pro" else count


def _online_order_times(rng: random.Random, person: Person, now: datetime) -> list[datetime]:
    new_customer = person.signup > now - timedelta(days=45)
    count = _weighted(rng, ((1, 80), (2, 20))) if new_customer else _order_count(rng, person.segment)
    end = now
    if not new_customer and person.signup < now - timedelta(days=400) and rng.random() < 0.22:
        # lapsed customers: nothing for months, i.e. churn risk
        end = max(person.signup + timedelta(days=1), now - timedelta(days=rng.uniform(270, 700)))
    first = min(person.signup + timedelta(minutes=rng.uniform(2, 90)), now - timedelta(minutes=5))
    return [first.replace(microsecond=0)] + [_moment(rng, first, end) for _ in range(count - 1)]


def _apply_discount(rng: random.Random, order: Order, first_order: bool) -> None:
    segment = order.person.segment
    if segment == "wholesale" and rng.random() < 0.7:
        code, percent = txt.TRADE_CODE
    elif segment == "pro" and rng.random() < 0.4:
        code, percent = txt.PRO_CODE
    elif first_order and rng.random() < 0.25:
        code, percent = txt.WELCOME_CODE
    elif rng.random() < 0.08:
        code, percent = rng.choice(txt.SEASONAL_CODES)
    else:
        return
    order.discount_code, order.discount = code, order.gross * percent // 100


def _shipping(order: Order) -> int:
    if order.discount_code == "FREESHIP":
        return 0
    if order.person.segment == "wholesale":
        return 0 if order.gross >= 50_000 else 2_500
    if order.currency == "GBP":
        return 0 if order.gross - order.discount >= 5_000 else 495
    return 1_295 if order.currency == "EUR" else 1_995


def _included_tax(order: Order) -> int:
    # Prices include VAT (20% UK, 19% for the German shop); US orders carry no UK VAT.
    rate = {"GBP": 20, "EUR": 19, "USD": 0}[order.currency]
    return round(order.total * rate / (100 + rate))


def _financial_status(rng: random.Random, order: Order, now: datetime) -> str:
    age = now - order.created
    if age < timedelta(days=3) and rng.random() < 0.25:
        return "pending"
    if order.person.segment == "wholesale" and age < timedelta(days=30) and rng.random() < 0.4:
        return "pending"  # trade orders wait for invoice payment
    boost = 2.5 if order.person.personality == "unhappy" else 1.0
    r = rng.random()
    if r < 0.01:
        return "voided"
    if r < 0.01 + 0.035 * boost:
        return "refunded"
    return "partially_refunded" if r < 0.01 + 0.055 * boost else "paid"


def _settle_payment(rng: random.Random, order: Order, now: datetime) -> None:
    status = order.status
    if status in ("paid", "refunded", "partially_refunded"):
        order.paid_at = min(now, order.created + timedelta(seconds=rng.randint(1, 40)))
    if status == "voided" or (status == "refunded" and rng.random() < 0.35):
        cancelled_at = order.created + timedelta(minutes=rng.randint(10, 48 * 60))
        order.cancelled_at = min(now, cancelled_at)
        order.fulfillment = "unfulfilled"
    elif status == "pending" or (now - order.created < timedelta(days=2) and rng.random() < 0.7):
        order.fulfillment = "unfulfilled"
    else:
        order.fulfillment = "partial" if len(order.lines) > 1 and rng.random() < 0.02 else "fulfilled"
    order.refunded = _refund_amount(rng, order)


def _refund_amount(rng: random.Random, order: Order) -> int:
    if order.status == "refunded":
        return order.total
    if order.status != "partially_refunded":
        return 0
    line = rng.choice(order.lines)
    if len(order.lines) == 1 and line.quantity == 1:
        return round(order.total * rng.choice((0.1, 0.2, 0.25)))  # a goodwill part of a single-item order
    return min(line.unit, round(order.total * 0.75))  # one item back, never more than most of what was paid


def _order_tags(order: Order, first_order: bool) -> str:
    tags = []
    if order.person.segment in ("wholesale", "pro"):
        tags.append(order.person.segment)
    if order.gross >= 40_000 and order.person.segment == "consumer":
        tags.append("VIP")
    if first_order:
        tags.append("first-order")
    return ", ".join(tags)


def _order_email(rng: random.Random, person: Person) -> str:
    if person.alt_email and rng.random() < 0.6:
        return person.alt_email
    return _case_variant(rng, person.email) if rng.random() < 0.1 else person.email


def _billing_name(rng: random.Random, person: Person) -> str:
    name = _full_name(person)
    return _weighted(rng, ((name, 90), (name.lower(), 6), (name.upper(), 2), (f"{person.first[0]}. {person.last}", 2)))


def _settle_online(rng: random.Random, order: Order, now: datetime, first_order: bool) -> None:
    person = order.person
    _apply_discount(rng, order, first_order)
    order.shipping = _shipping(order)
    order.status = _financial_status(rng, order, now)
    _settle_payment(rng, order, now)
    order.email = _order_email(rng, person)
    order.billing_name = _billing_name(rng, person)
    order.phone = "" if rng.random() < 0.25 else _format_phone(rng, person)
    order.tags = _order_tags(order, first_order)
    if person.segment == "wholesale" and rng.random() < 0.6:
        order.source = "shopify_draft_order"
    else:
        order.source = _weighted(rng, (("web", 82), ("iphone", 9), ("android", 9)))


def _build_online_orders(rng: random.Random, people: list[Person], now: datetime) -> list[Order]:
    orders = []
    for person in people:
        if person.buys_online:
            currency = CURRENCY[person.country]
            for created in _online_order_times(rng, person, now):
                orders.append(Order(person, created, "web", currency, _basket(rng, person, currency)))
    orders.sort(key=lambda order: (order.created, order.person.pid))
    shop_id = 5_210_000_000_000
    for number, order in enumerate(orders, 1001):
        shop_id += rng.randint(1_000_000, 60_000_000)
        order.ref, order.shop_id = f"#{number}", shop_id
        _settle_online(rng, order, now, first_order=not order.person.orders)
        order.person.orders.append(order)
    return orders


def _shop_moment(rng: random.Random, now: datetime) -> datetime:
    """A till time within opening hours on a past day, recent days more likely (the shops grew)."""
    day = (now - timedelta(days=1 + 3 * 365 * rng.random() ** 1.2)).date()
    opens, closes = (10 * 60, 16 * 60) if day.weekday() == 6 else (9 * 60, 17 * 60 + 30)
    minute = rng.randint(opens, closes - 1)
    return datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)), tzinfo=UTC)


def _settle_store(rng: random.Random, order: Order) -> None:
    person = order.person
    # The till asks for a phone number most of the time, an email for receipts otherwise.
    if rng.random() < 0.68:
        order.phone = _format_phone(rng, person)
    else:
        order.email = _case_variant(rng, person.email) if rng.random() < 0.15 else person.email
    refund_chance = 0.08 if person.personality == "unhappy" else 0.025
    for line in order.lines:
        line.refunded = rng.random() < refund_chance


def _build_store_orders(rng: random.Random, people: list[Person], now: datetime) -> list[Order]:
    orders = []
    for person in people:
        if not person.store:
            continue
        for _ in range(_band(rng, ((0.4, 1, 1), (0.64, 2, 2), (0.78, 3, 3), (0.92, 4, 6), (1.0, 7, 12)))):
            channel = person.store if rng.random() < 0.9 else rng.choice(sorted(txt.STORES))
            orders.append(Order(person, _shop_moment(rng, now), channel, "GBP", _basket(rng, person, "GBP", 3)))
    orders.sort(key=lambda order: (order.created, order.person.pid))
    width = max(4, len(str(len(orders))))
    for number, order in enumerate(orders, 1):
        order.ref = f"POS-{number:0{width}d}"
        _settle_store(rng, order)
        order.person.orders.append(order)
    for person in people:
        person.orders.sort(key=lambda order: order.created)
    return orders


# --- CRM ----------------------------------------------------------------------------------------------------------


def _build_contacts(rng: random.Random, people: list[Person], now: datetime) -> list[Contact]:
    entries = []
    for person in people:
        if not person.in_crm:
            continue
        entries.append((person.signup, person, False))
        if rng.random() < 0.03 and person.signup < now - timedelta(days=2):
            # someone re-entered the person later (shop counter, trade show) instead of finding the record
            entries.append((_moment(rng, person.signup + timedelta(days=1), now), person, True))
    entries.sort(key=lambda entry: (entry[0], entry[1].pid, entry[2]))
    contacts = []
    for number, (created, person, duplicate) in enumerate(entries, 10001):
        contacts.append(Contact(f"C-{number}", person, created, duplicate))
        if not duplicate:
            person.contact_id = f"C-{number}"
    return contacts


def _crm_email(rng: random.Random, email: str, duplicate: bool) -> str:
    r = rng.random()
    if (duplicate and r < 0.6) or (not duplicate and r < 0.08):
        return _case_variant(rng, email)
    if not duplicate and r < 0.11:
        return rng.choice((f" {email}", f"{email} ", f"{email}  "))
    return email


def _lifecycle_stage(person: Person) -> str:
    if person.segment in ("pro", "wholesale"):
        return person.segment
    return "customer" if person.orders else "lead"


def _crm_handle(rng: random.Random, person: Person, network: str) -> str:
    handle = person.crm_handles.get(network, "")
    if handle and network == "twitter" and rng.random() < 0.3:
        return "@" + handle
    return handle


def _crm_row(rng: random.Random, contact: Contact) -> list[str]:
    person = contact.person
    first, last = person.first, person.last
    if contact.duplicate:
        first, last = (_typo(rng, first), last) if rng.random() < 0.5 else (first, _typo(rng, last))
    phone = "" if rng.random() < 0.08 and not contact.duplicate else _format_phone(rng, person)
    birth = "" if rng.random() < 0.2 else person.birth.isoformat()
    return [
        contact.cid, first, last, _crm_email(rng, person.email, contact.duplicate), phone, person.company,
        person.street, person.city, person.postcode, _weighted(rng, txt.COUNTRY_LABELS[person.country]), birth,
        contact.created.strftime("%Y-%m-%d %H:%M:%S"), _lifecycle_stage(person), _crm_handle(rng, person, "twitter"),
        _crm_handle(rng, person, "instagram"), _crm_handle(rng, person, "facebook"),
    ]


# --- texts --------------------------------------------------------------------------------------------------------


def _amount_text(minor: int, currency: str) -> str:
    return f"{CURRENCY_SYMBOL[currency]}{_money(minor)}"


def _sizes(rng: random.Random, line: Line | None) -> tuple[str, str]:
    """The size bought and the neighbouring size someone would swap to."""
    if line and line.variant and line.product.variants in SIZED_VARIANTS:
        options = txt.VARIANTS[line.product.variants]
        i = options.index(line.variant)
        return line.variant, options[i + 1] if i + 1 < len(options) else options[i - 1]
    size, other = rng.sample(txt.SIZES_SPOKEN, 2)
    return size, other


def _text_slots(rng: random.Random, person: Person, order: Order | None, when: datetime,
                line: Line | None = None) -> dict[str, object]:
    line = line or (rng.choice(order.lines) if order else None)
    product = line.product if line else rng.choices(PRODUCTS, weights=PRODUCT_WEIGHTS)[0]
    size, next_size = _sizes(rng, line)
    slots: dict[str, object] = {
        kind: product.short if product.kind == kind else rng.choice(PRODUCTS_BY_KIND[kind]).short
        for kind in TEXT_KINDS
    }
    seasonal = rng.choice(txt.SEASONAL_CODES)[0]
    slots.update(
        product=product.short, product2=rng.choices(PRODUCTS, weights=PRODUCT_WEIGHTS)[0].short,
        order=order.ref if order else "", days=max(2, (when - order.created).days) if order else rng.randint(3, 21),
        weekday=rng.choice(txt.WEEKDAYS), month=txt.MONTHS[when.month - 1], next_month=txt.MONTHS[when.month % 12],
        store=txt.STORES.get(person.store) or rng.choice(sorted(txt.STORES.values())), place=rng.choice(txt.PLACES),
        size=size, next_size=next_size,
        code=(order.discount_code if order else "") or seasonal, first=person.first, last=person.last,
        amount=_amount_text(order.total, order.currency) if order else _amount_text(product.pence, "GBP"),
    )
    return slots


def _add_typo(rng: random.Random, text: str) -> str:
    if "'" in text and rng.random() < 0.4:
        return text.replace("'", "")  # dont, Ive, its
    words = text.split(" ")
    candidates = [i for i, word in enumerate(words) if len(word) >= 5 and word.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    words[i] = _typo(rng, words[i])
    return " ".join(words)


def _pick_sentence(rng: random.Random, person: Person, intent: str, knows_order: bool) -> str:
    if intent in txt.HOSTILE and rng.random() < 0.012:
        pool = txt.HOSTILE[intent]
    elif intent == "idea":
        person.idea = person.idea or rng.choice(sorted(txt.IDEAS))  # people keep asking for the same thing
        pool = txt.IDEAS[person.idea]
    else:
        pool = txt.INTENT_SENTENCES[intent]
    usable = [sentence for sentence in pool if knows_order or "{order}" not in sentence]
    return rng.choice(usable or txt.INTENT_SENTENCES["other"])


def _decorate(rng: random.Random, text: str, intent: str, person: Person, network: str) -> str:
    if intent == "complaint" and person.personality == "unhappy" and rng.random() < 0.25:
        text = text.upper() if rng.random() < 0.5 else f"{text} {rng.choice(txt.ANGRY_ADDONS)}"
    if rng.random() < 0.1:
        text = _add_typo(rng, text)
    if rng.random() < 0.07:
        text = text.lower()
    if rng.random() < 0.3:
        text = f"{text} {rng.choice(txt.EMOJIS[intent])}"
    if rng.random() < HASHTAG_CHANCE[network]:
        pool = sorted(set(txt.HASHTAGS[intent] + txt.HASHTAGS["other"]))
        text = f"{text} {' '.join(rng.sample(pool, rng.randint(1, 4 if network == 'instagram' else 2)))}"
    return text


def _mention_brand(rng: random.Random, text: str, network: str) -> str:
    if network == "twitter":
        style = rng.random()
        if style < 0.65:
            return f"@{BRAND_TWITTER} {text}"
        if style < 0.85:
            return f"{text} @{BRAND_TWITTER}"
        return f"Hey @{BRAND_TWITTER}, {text[0].lower()}{text[1:]}"
    if network == "instagram" and rng.random() < 0.35:
        return f"{text} @{BRAND_SOCIAL}"
    if network == "mastodon" and rng.random() < 0.4:
        return f"@{BRAND_SOCIAL}@mastodon.social {text}"
    return text


def _compose_post(rng: random.Random, person: Person, intent: str, order: Order | None, when: datetime,
                  network: str) -> str:
    slots = _text_slots(rng, person, order, when)
    knows_order = order is not None and order.channel == "web"  # nobody quotes a till receipt number
    text = _pick_sentence(rng, person, intent, knows_order).format(**slots)
    if rng.random() < 0.15:
        text = f"{text} {_pick_sentence(rng, person, intent, knows_order).format(**slots)}"
    if rng.random() < 0.3:
        text = f"{text} {rng.choice(txt.TAILS[intent])}"
    text = _mention_brand(rng, _decorate(rng, text, intent, person, network), network)
    return text if len(text) <= 280 or network != "twitter" else text[:279] + "…"


# --- support tickets ----------------------------------------------------------------------------------------------


def _helpdesk_orders(person: Person, now: datetime) -> list[Order]:
    return [order for order in person.orders if order.created > now - HELPDESK_AGE]


def _fitting_lines(topic: str, order: Order) -> list[Line]:
    if topic not in TOPIC_LINES:
        return order.lines
    attribute, values = TOPIC_LINES[topic]
    return [line for line in order.lines if getattr(line.product, attribute) in values]


def _plan_ticket(rng: random.Random, person: Person, now: datetime) -> tuple[str, Order | None, Line | None, datetime]:
    mix = TICKET_TOPIC_MIX["unhappy" if person.personality == "unhappy" else "default"]
    orders = _helpdesk_orders(person, now)
    for _ in range(4):  # an order topic needs a fitting order; otherwise try another topic
        topic = _weighted(rng, mix)
        if topic not in ORDER_TOPICS:
            break
        low, high, online_only = ORDER_TOPICS[topic]
        candidates = [o for o in orders if (o.channel == "web" or not online_only) and _fitting_lines(topic, o)]
        if candidates:
            order = rng.choice(candidates)
            created = order.created + timedelta(days=rng.uniform(low, high))
            if created < now:
                return topic, order, rng.choice(_fitting_lines(topic, order)), created.replace(microsecond=0)
    else:
        topic = rng.choice(("stock_question", "product_question"))
    return topic, None, None, _moment(rng, max(person.signup, now - HELPDESK_AGE), now, bias=1.3)


def _ticket_channel(rng: random.Random, person: Person) -> str:
    channel = _weighted(rng, (("email", 45), ("web", 25), ("chat", 12), ("voice", 10), ("twitter", 5),
                              ("facebook", 3)))
    return channel if channel not in ("twitter", "facebook") or channel in person.handles else "email"


def _via_from(rng: random.Random, ticket: Ticket) -> dict[str, str]:
    person, name = ticket.person, _full_name(ticket.person)
    if ticket.channel in ("email", "web"):
        address = ticket.order.email if ticket.order and ticket.order.channel == "web" else person.email
        return {"address": _case_variant(rng, address) if rng.random() < 0.08 else address, "name": name}
    if ticket.channel == "voice":
        return {"phone": _e164(person), "formatted_phone": _international(person), "name": name}
    if ticket.channel in ("twitter", "facebook"):
        handle = person.handles[ticket.channel]
        site = "https://twitter.com" if ticket.channel == "twitter" else "https://www.facebook.com"
        return {"username": handle, "name": name, "profile_url": f"{site}/{handle}"}
    return {"name": name}


def _plant_probes(rng: random.Random, texts: list[str]) -> dict[int, str]:
    """Wrap a handful of texts in harmless markup or formula look-alikes; returns {index: new text}."""
    count = min(len(texts), max(len(txt.PROBE_FORMATS), len(texts) // 300))
    picks = rng.sample(range(len(texts)), count)
    return {i: txt.PROBE_FORMATS[n % len(txt.PROBE_FORMATS)].replace("{text}", texts[i]) for n, i in enumerate(picks)}


def _named_kinds(template: str) -> list[str]:
    return [kind for kind in TEXT_KINDS if f"{{{kind}}}" in template]


def _usable_descriptions(ticket: Ticket) -> list[int]:
    """Descriptions that fit what the ticket is about: no order number without an order, the right product."""
    descriptions = txt.TICKET_TOPICS[ticket.topic]["descriptions"]
    knows_order = ticket.order is not None and ticket.order.channel == "web"
    kind = ticket.line.product.kind if ticket.line else None
    usable = [i for i, d in enumerate(descriptions) if (knows_order or "{order}" not in d)
              and (kind is None or set(_named_kinds(d)) <= {kind})]
    return usable or [i for i, d in enumerate(descriptions) if not _named_kinds(d)] or list(range(len(descriptions)))


def _ticket_description(rng: random.Random, ticket: Ticket) -> str:
    topic = txt.TICKET_TOPICS[ticket.topic]
    ticket.description_index = rng.choice(_usable_descriptions(ticket))
    template = topic["descriptions"][ticket.description_index]
    # Talk about one product throughout: the subject's {product} follows the kind the description names.
    kinds = _named_kinds(template)
    if kinds and not ticket.order:
        ticket.slots["product"] = ticket.slots[kinds[0]]
    body = template.format(**ticket.slots)
    if ticket.person.personality == "unhappy" and rng.random() < 0.5:
        body = f"{body} {rng.choice(txt.ANGRY_TICKET_ADDONS).format(**ticket.slots)}"
    if rng.random() < 0.08:
        body = _add_typo(rng, body)
    if ticket.channel in ("chat", "twitter", "facebook", "voice"):
        return body  # short channels have no letter-style greeting
    parts = [rng.choice(txt.TICKET_GREETINGS), body, rng.choice(txt.TICKET_SIGNOFFS).format(**ticket.slots)]
    return "\n\n".join(part for part in parts if part)


def _agent_message(rng: random.Random, ticket: Ticket, text: str) -> str:
    body = text.format(**ticket.slots)
    if ticket.channel == "chat":
        return body
    signoff, agent_first = rng.choice(txt.AGENT_SIGNOFFS), ticket.agent[1].split()[0]
    return f"Hi {ticket.person.first},\n\n{body}\n\n{signoff},\n{agent_first}\nFernwood Outdoor Customer Care"


def _agent_delay(rng: random.Random) -> timedelta:
    return timedelta(minutes=min(4 * 24 * 60, max(4, rng.lognormvariate(math.log(180), 1.2))))


def _customer_delay(rng: random.Random) -> timedelta:
    return timedelta(minutes=min(5 * 24 * 60, max(3, rng.lognormvariate(math.log(300), 1.1))))


def _say(ticket: Ticket, moment: datetime, role: str, body: str, public: bool = True) -> None:
    author = ticket.person.zendesk_id if role == "end-user" else ticket.agent[0]
    ticket.comments.append(Comment(moment.replace(microsecond=0), author, role, body, public))


def _agent_turn(rng: random.Random, ticket: Ticket, clock: datetime, now: datetime, first: bool) -> datetime | None:
    """The agent answers; returns None (and leaves the ticket waiting) if that would be after the export."""
    reply_at = clock + _agent_delay(rng)
    if reply_at > now:
        ticket.status = "open" if ticket.assigned else "new"
        return None
    ticket.assigned = True
    if rng.random() < 0.1:  # internal notes are written while investigating, before the reply
        notes = txt.INTERNAL_NOTES["any"] + txt.INTERNAL_NOTES.get(ticket.topic, ())
        note = rng.choice(notes).format(**ticket.slots)
        _say(ticket, clock + (reply_at - clock) / 2, "agent", note, public=False)
    topic = txt.TICKET_TOPICS[ticket.topic]
    if not first:
        pre_sale = ticket.topic in ("stock_question", "product_question")
        reply = rng.choice(txt.AGENT_FOLLOW_UPS["question" if pre_sale else "problem"])
    elif topic.get("paired"):
        reply = topic["replies"][ticket.description_index]  # an answer to the very question asked
    else:
        reply = rng.choice(topic["replies"])
    _say(ticket, reply_at, "agent", _agent_message(rng, ticket, reply))
    return reply_at


def _customer_turn(rng: random.Random, ticket: Ticket, clock: datetime, now: datetime) -> datetime | None:
    said_at = clock + _customer_delay(rng)
    if said_at > now:
        waiting_on_supplier = ticket.topic in ("warranty_claim", "broken_zip") and rng.random() < 0.4
        ticket.status = "hold" if waiting_on_supplier else "pending"
        return None
    follow_ups = txt.TICKET_TOPICS[ticket.topic]["follow_ups"]
    _say(ticket, said_at, "end-user", rng.choice(follow_ups).format(**ticket.slots))
    return said_at


def _solve(rng: random.Random, ticket: Ticket, clock: datetime, now: datetime) -> datetime | None:
    thanks_at = clock + _customer_delay(rng)
    if rng.random() < 0.2 and thanks_at < now:
        clock = thanks_at
        closers = txt.TICKET_TOPICS[ticket.topic]["closers"] if rng.random() < 0.7 else txt.THANKS
        _say(ticket, clock, "end-user", rng.choice(closers).format(**ticket.slots))
    # Often the agent sets the ticket to pending and it is solved once the customer is happy (or silent).
    wait = timedelta(days=rng.uniform(1, 4)) if rng.random() < 0.4 else timedelta(minutes=rng.uniform(2, 120))
    solved_at = (clock + wait).replace(microsecond=0)
    if solved_at > now:
        ticket.status = "pending"
        return None
    ticket.solved_at, ticket.status = solved_at, "solved"
    return solved_at


def _reopen(rng: random.Random, ticket: Ticket, solved_at: datetime, now: datetime) -> None:
    # A reply before the ticket auto-closes (4 days) reopens it; later replies would start a new ticket.
    reopened_at = solved_at + timedelta(days=rng.uniform(0.2, 3.8))
    if reopened_at > now:
        return
    reopen_texts = txt.REOPENS.get(ticket.topic, ()) + txt.REOPENS["any"]
    _say(ticket, reopened_at, "end-user", rng.choice(reopen_texts).format(**ticket.slots))
    ticket.reopens, ticket.status, ticket.solved_at = ticket.reopens + 1, "open", None
    if reopened_at > now - timedelta(days=21):
        _agent_turn(rng, ticket, reopened_at, now, first=False)
        ticket.status = "open"  # still being worked on after the reopen
        return
    clock = _agent_turn(rng, ticket, reopened_at, now, first=False)
    if clock is not None:
        _solve(rng, ticket, clock, now)


def _unanswered(rng: random.Random, ticket: Ticket, now: datetime) -> None:
    ticket.assigned = rng.random() < 0.4
    ticket.status = "open" if ticket.assigned else "new"
    chase_at = ticket.created + timedelta(days=rng.uniform(1, 4))
    if chase_at < now and rng.random() < 0.6:
        _say(ticket, chase_at, "end-user", rng.choice(txt.CHASERS).format(**ticket.slots))


def _simulate_thread(rng: random.Random, ticket: Ticket, now: datetime) -> None:
    _say(ticket, ticket.created, "end-user", _ticket_description(rng, ticket))
    if ticket.created > now - timedelta(days=12) and rng.random() < 0.35:
        _unanswered(rng, ticket, now)  # backlog: nobody has replied yet
        return
    clock = _agent_turn(rng, ticket, ticket.created, now, first=True)
    for _ in range(_weighted(rng, ((0, 58), (1, 34), (2, 8)))):
        if clock is not None:
            clock = _customer_turn(rng, ticket, clock, now)
        if clock is not None:
            clock = _agent_turn(rng, ticket, clock, now, first=False)
    solved_at = _solve(rng, ticket, clock, now) if clock is not None else None
    reopen_chance = 0.12 if ticket.person.personality == "unhappy" else 0.04
    if ticket.created > now - timedelta(days=45):
        reopen_chance *= 3
    if solved_at is not None and rng.random() < reopen_chance:
        _reopen(rng, ticket, solved_at, now)


def _rating(rng: random.Random, ticket: Ticket) -> str:
    if ticket.status not in ("solved", "closed"):
        return "offered" if ticket.reopens else "unoffered"
    if rng.random() < 0.45:
        return "offered"  # survey sent, never answered
    good = {"happy": 0.92, "advocate": 0.98, "neutral": 0.75, "unhappy": 0.3}[ticket.person.personality]
    return "good" if rng.random() < good - 0.3 * ticket.reopens else "bad"


def _finish_ticket(rng: random.Random, ticket: Ticket, now: datetime) -> None:
    topic = txt.TICKET_TOPICS[ticket.topic]
    if ticket.status == "solved" and ticket.solved_at and ticket.solved_at + timedelta(days=4) <= now:
        ticket.status, ticket.closed_at = "closed", ticket.solved_at + timedelta(days=4)
    ticket.subject = rng.choice(topic["subjects"]).format(**ticket.slots)
    ticket.type = None if rng.random() < 0.08 else topic["type"]
    priority = topic["priority"]
    if ticket.person.personality == "unhappy" and rng.random() < 0.3:
        priority = "urgent" if priority == "high" else "high"
    ticket.priority = None if rng.random() < 0.1 else priority
    ticket.tags = list(topic["tags"]) + ([ticket.person.segment] if ticket.person.segment != "consumer" else [])
    ticket.satisfaction = _rating(rng, ticket)
    ticket.via_from = _via_from(rng, ticket)


def _build_tickets(rng: random.Random, people: list[Person], now: datetime) -> list[Ticket]:
    tickets = []
    for person in people:
        rate = TICKET_RATE[person.personality] * (1.0 if _helpdesk_orders(person, now) else 0.3)
        for _ in range(_poisson(rng, rate)):
            topic, order, line, created = _plan_ticket(rng, person, now)
            ticket = Ticket(person, topic, created, order, line, _ticket_channel(rng, person), rng.choice(txt.AGENTS),
                            _text_slots(rng, person, order, created, line))
            _simulate_thread(rng, ticket, now)
            _finish_ticket(rng, ticket, now)
            tickets.append(ticket)
    tickets.sort(key=lambda ticket: (ticket.created, ticket.person.pid))
    for index, text in _plant_probes(rng, [ticket.comments[0].body for ticket in tickets]).items():
        tickets[index].comments[0].body = text
    for number, ticket in enumerate(tickets, 20001):
        ticket.id = number
    comments = sorted((c for t in tickets for c in t.comments), key=lambda c: (c.created, c.author_id))
    comment_id = 41_000_000_000
    for comment in comments:  # comment ids grow with time, as in Zendesk (sorted() is stable on ties)
        comment_id += rng.randint(1, 40)
        comment.id = comment_id
    return tickets


def _ticket_json(ticket: Ticket) -> dict[str, object]:
    person, topic = ticket.person, txt.TICKET_TOPICS[ticket.topic]
    updated = max([c.created for c in ticket.comments] + [ticket.solved_at or ticket.created,
                                                          ticket.closed_at or ticket.created])
    replies = sum(1 for c in ticket.comments if c.role == "agent" and c.public)
    return {
        "url": ZENDESK_TICKET_URL.format(ticket.id), "id": ticket.id, "external_id": None,
        "via": {"channel": ticket.channel, "source": {"from": ticket.via_from, "to": {}, "rel": None}},
        "created_at": _iso_z(ticket.created), "updated_at": _iso_z(updated), "type": ticket.type,
        "subject": ticket.subject, "raw_subject": ticket.subject, "description": ticket.comments[0].body,
        "priority": ticket.priority, "status": ticket.status,
        "recipient": SUPPORT_ADDRESS if ticket.channel == "email" else None,
        "requester_id": person.zendesk_id,
        "submitter_id": ticket.agent[0] if ticket.channel == "voice" else person.zendesk_id,  # agents log calls
        "assignee_id": ticket.agent[0] if ticket.assigned else None, "organization_id": None,
        "group_id": topic["group"], "collaborator_ids": [], "follower_ids": [], "has_incidents": False,
        "is_public": True, "due_at": None, "tags": ticket.tags, "satisfaction_rating": {"score": ticket.satisfaction},
        "metric_set": {"solved_at": _iso_z(ticket.solved_at) if ticket.solved_at else None,
                       "reopens": ticket.reopens, "replies": replies},
    }


def _requesters(tickets: list[Ticket]) -> dict[Person, list[Ticket]]:
    """Each requester's tickets, requesters in the order of their first ticket."""
    grouped: dict[Person, list[Ticket]] = {}
    for ticket in sorted(tickets, key=lambda t: (t.created, t.id)):
        grouped.setdefault(ticket.person, []).append(ticket)
    return grouped


def _zendesk_user_email(rng: random.Random, person: Person, tickets: list[Ticket]) -> str | None:
    """The address Zendesk created the user from: the first emailed ticket's sender, else the person's own."""
    if rng.random() < 0.05:
        return None  # known only from a call or a chat: Zendesk has a phone number and no email
    addresses = [t.via_from["address"] for t in tickets if "address" in t.via_from]
    email = addresses[0] if addresses else person.email
    return _case_variant(rng, email) if rng.random() < 0.07 else email


def _zendesk_user_phone(rng: random.Random, person: Person, tickets: list[Ticket], has_email: bool) -> str | None:
    called = any(t.channel == "voice" for t in tickets)
    if called and rng.random() < 0.8:
        return _e164(person)  # Zendesk Talk stores the caller's number as it arrived
    if not has_email or rng.random() < 0.12:
        return _format_phone(rng, person)  # typed in by an agent or the person, any which way
    return None


def _zendesk_zone(rng: random.Random, person: Person) -> tuple[str, str]:
    if person.country == "US":
        return ZENDESK_ZONES[US_CITY_ZONES.get(person.city, "Eastern")]
    if person.country == "DE" and rng.random() < 0.7:
        return ZENDESK_ZONES["DE"]
    return ZENDESK_ZONES["GB"]  # the account default, kept by most people who never open their profile


def _zendesk_user_name(rng: random.Random, person: Person) -> str:
    name = _full_name(person)
    return _weighted(rng, ((name, 86), (name.lower(), 5), (f"{person.first} {person.last[0]}", 5),
                           (person.first, 4)))


def _zendesk_users(rng: random.Random, tickets: list[Ticket]) -> list[tuple[Person, dict[str, object]]]:
    """One end-user per requester, as the users sideloaded by the incremental export (include=users)."""
    users, taken = [], set()
    for person, own in _requesters(tickets).items():
        email = _zendesk_user_email(rng, person, own)
        if email is not None and email.lower() in taken:
            email = None  # an address belongs to one Zendesk user: the second family member has none
        if email is not None:
            taken.add(email.lower())
        phone = _zendesk_user_phone(rng, person, own, email is not None)
        created = own[0].created
        updated = max([created] + [c.created for t in own for c in t.comments if c.role == "end-user"])
        time_zone, iana = _zendesk_zone(rng, person)
        locale = ZENDESK_LOCALES[person.country] if rng.random() < 0.8 else ZENDESK_LOCALES["GB"]
        external_id = person.contact_id if person.contact_id and rng.random() < 0.23 else None
        tags = ([person.segment] if person.segment != "consumer" else []) + (["crm"] if external_id else [])
        users.append((person, {
            "id": person.zendesk_id, "url": ZENDESK_USER_URL.format(person.zendesk_id),
            "name": _zendesk_user_name(rng, person), "email": email, "phone": phone, "role": "end-user",
            "created_at": _iso_z(created), "updated_at": _iso_z(updated), "time_zone": time_zone,
            "iana_time_zone": iana, "locale": locale,
            "verified": email is not None and own[0].channel in ("email", "web"), "active": True,
            "suspended": False, "organization_id": None, "external_id": external_id, "tags": tags,
            "user_fields": {},
        }))
    # The incremental export is ordered by updated_at, like the tickets.
    return sorted(users, key=lambda pair: (pair[1]["updated_at"], pair[1]["id"]))



# --- writers ------------------------------------------------------------------------------------------------------


def _write_csv(path: Path, header, rows, delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _write_jsonl(path: Path, objects) -> Path:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for obj in objects:
            handle.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


def _write_crm(rng: random.Random, out: Path, contacts: list[Contact], reentries: list, truth: list) -> Path:
    """The CRM's contacts in the order they were created, then those the old system's import added."""
    for number, entry in enumerate(reentries, 10001 + len(contacts)):
        entry.cid = f"C-{number}"
    truth.extend(("customers", "crm", c.cid, c.person.pid) for c in contacts)
    truth.extend(row[:4] for row in noise_rows(reentries))
    rows = [_crm_row(rng, c) for c in contacts] + [crm_row(e, _lifecycle_stage(e.person)) for e in reentries]
    return _write_csv(out / FILES["crm_contacts"], CRM_COLUMNS, rows)


def _shopify_rows(order: Order) -> list[list[str]]:
    person, rows = order.person, []
    for index, line in enumerate(order.lines):
        row = dict.fromkeys(SHOPIFY_COLUMNS, "")
        name = f"{line.product.name} - {line.variant}" if line.variant else line.product.name
        row.update({"Name": order.ref, "Email": order.email, "Created at": _shopify_time(order.created),
                    "Lineitem quantity": str(line.quantity), "Lineitem name": name,
                    "Lineitem price": _money(line.unit), "Lineitem sku": line.product.sku})
        if index == 0:  # Shopify fills order-level columns on the first line row only
            row.update({
                "Financial Status": order.status, "Paid at": _shopify_time(order.paid_at),
                "Fulfillment Status": order.fulfillment, "Currency": order.currency,
                "Subtotal": _money(order.gross - order.discount), "Shipping": _money(order.shipping),
                "Taxes": _money(_included_tax(order)), "Total": _money(order.total),
                "Discount Code": order.discount_code, "Billing Name": order.billing_name,
                "Billing Street": person.street, "Billing City": person.city, "Billing Zip": person.postcode,
                "Billing Country": person.country, "Billing Phone": order.phone,
                "Refunded Amount": _money(order.refunded), "Cancelled at": _shopify_time(order.cancelled_at),
                "Id": str(order.shop_id), "Tags": order.tags, "Source": order.source,
            })
        rows.append([row[column] for column in SHOPIFY_COLUMNS])
    return rows


def _write_shopify(out: Path, orders: list[Order], truth: list) -> Path:
    newest_first = sorted(orders, key=lambda order: order.shop_id, reverse=True)  # as Shopify exports them
    truth.extend(("purchases", "shopify", f"{o.ref}|{line.product.sku}", o.person.pid)
                 for o in newest_first for line in o.lines)
    rows = [row for order in newest_first for row in _shopify_rows(order)]
    return _write_csv(out / FILES["shopify_orders"], SHOPIFY_COLUMNS, rows)


def _pos_rows(order: Order) -> list[list[str]]:
    loyalty_ref = order.person.contact_id if order.person.loyalty else ""
    return [[order.ref, str(number), order.created.strftime("%Y-%m-%dT%H:%M:%S"), _money(line.unit * line.quantity),
             order.currency, order.email, order.phone, loyalty_ref, line.product.name, line.product.sku,
             line.product.category, str(line.quantity), order.channel, "refunded" if line.refunded else "paid"]
            for number, line in enumerate(order.lines, 1)]


def _write_pos(out: Path, orders: list[Order], truth: list) -> Path:
    truth.extend(("purchases", "pos", f"{o.ref}|{n}", o.person.pid) for o in orders for n in range(1, len(o.lines) + 1))
    rows = [row for order in orders for row in _pos_rows(order)]
    return _write_csv(out / FILES["pos_sales"], POS_COLUMNS, rows, delimiter=";")


def _write_zendesk(out: Path, tickets: list[Ticket], now: datetime, truth: list) -> tuple[Path, Path]:
    # The incremental export is ordered by updated_at, like the real API.
    payload = sorted((_ticket_json(ticket) for ticket in tickets), key=lambda t: (t["updated_at"], t["id"]))
    page = {"tickets": payload, "end_time": int(now.timestamp()), "end_of_stream": True, "count": len(payload)}
    tickets_path = out / FILES["zendesk_tickets"]
    tickets_path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    comments = [{"id": c.id, "ticket_id": t.id, "author_id": c.author_id, "author_role": c.role, "body": c.body,
                 "public": c.public, "created_at": _iso_z(c.created)} for t in tickets for c in t.comments]
    truth.extend(("tickets", "zendesk", str(t.id), t.person.pid) for t in tickets)
    # A comment belongs to its ticket's requester, agent replies included.
    truth.extend(("ticket_comments", "zendesk", str(c.id), t.person.pid) for t in tickets for c in t.comments)
    return tickets_path, _write_jsonl(out / FILES["zendesk_ticket_comments"], comments)


def _write_zendesk_users(rng: random.Random, out: Path, tickets: list[Ticket], now: datetime,
                         truth: list) -> Path:
    users = _zendesk_users(rng, tickets)
    page = {"users": [user for _, user in users], "end_time": int(now.timestamp()), "end_of_stream": True,
            "count": len(users)}
    truth.extend(("customers", "zendesk", str(user["id"]), person.pid) for person, user in users)
    path = out / FILES["zendesk_users"]
    path.write_text(json.dumps(page, ensure_ascii=False), encoding="utf-8")
    return path


# --- entry points -------------------------------------------------------------------------------------------------


def generate(out_dir: Path, *, seed: int = 7, as_of: date | None = None, customers: int = 2000) -> dict[str, Path]:
    """Write all demo exports to out_dir and return {logical name: path}; same seed and as_of, same bytes."""
    if customers < 10:
        raise ValueError("customers must be at least 10")
    as_of = as_of or datetime.now(UTC).date()
    now = datetime.combine(as_of, EXPORT_TIME, tzinfo=UTC)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    people, prospects = _build_people(_rng(seed, "people"), customers, now)
    web_orders = _build_online_orders(_rng(seed, "shopify"), people, now)
    store_orders = _build_store_orders(_rng(seed, "pos"), people, now)
    contacts = _build_contacts(_rng(seed, "crm"), people, now)
    reentries = build_reentries(_rng(seed, "identity-noise"), people, now)
    tickets = _build_tickets(_rng(seed, "zendesk"), people, now)
    from data import demo_social  # here: it builds on this module's people and orders

    social = demo_social.build(seed, people + prospects, now)
    truth: list[tuple[str, str, str, str]] = []
    paths = {"crm_contacts": _write_crm(_rng(seed, "crm-rows"), out, contacts, reentries, truth),
             "shopify_orders": _write_shopify(out, web_orders, truth),
             "pos_sales": _write_pos(out, store_orders, truth)}
    paths["zendesk_tickets"], paths["zendesk_ticket_comments"] = _write_zendesk(out, tickets, now, truth)
    paths["zendesk_users"] = _write_zendesk_users(_rng(seed, "zendesk-users"), out, tickets, now, truth)
    paths.update(demo_social.write(seed, out, social, now, truth))
    paths["truth"] = _write_csv(out / FILES["truth"], TRUTH_COLUMNS, truth)
    paths["identity_noise"] = _write_csv(out / FILES["identity_noise"], NOISE_COLUMNS, noise_rows(reentries))
    return paths


def count_records(path: Path) -> int:
    """Records in one generated file: CSV data rows, JSON Lines lines, or the records of a Zendesk page."""
    path = Path(path)
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            return sum(1 for line in handle if line.strip())
    if path.suffix == ".json":
        page = json.loads(path.read_text(encoding="utf-8"))
        return len(page["users"] if "users" in page else page["tickets"])
    with path.open(encoding="utf-8", newline="") as handle:
        delimiter = ";" if path.name == FILES["pos_sales"] else ","
        return sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m data.demo", description="Generate the Fernwood Outdoor demo data.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: data/demo/)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args(argv)
    paths = generate(args.out, seed=args.seed, as_of=args.as_of, customers=args.customers)
    for name, path in paths.items():
        print(f"{name:<24} {count_records(path):>7}  {path}")


if __name__ == "__main__":
    main()
