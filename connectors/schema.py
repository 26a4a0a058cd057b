"""The canonical source kinds: their fields, types, required fields and record keys."""

from __future__ import annotations

from dataclasses import dataclass, field

SHORT_TEXT_LIMIT = 1_000
LONG_TEXT_LIMIT = 100_000

SOCIAL_NETWORKS = ("twitter", "facebook", "instagram", "linkedin", "mastodon", "tiktok")


@dataclass(frozen=True)
class Field:
    """One canonical field: its name, how its text is checked and converted, and whether a row needs it."""

    name: str
    type: str = "text"  # text | long_text | token | timestamp | date | money | count | boolean | enum | satisfaction
    required: bool = False
    values: tuple[str, ...] = ()  # enum: the allowed canonical values
    synonyms: dict[str, str] = field(default_factory=dict)  # enum, token: other spellings -> canonical value
    default: str | None = None  # used when the value is empty

    @property
    def max_length(self) -> int:
        return LONG_TEXT_LIMIT if self.type == "long_text" else SHORT_TEXT_LIMIT


@dataclass(frozen=True)
class Kind:
    """A canonical source kind and the raw table it loads into."""

    name: str
    key: tuple[str, ...]  # fields that together identify a record within a source
    fields: tuple[Field, ...]
    one_of: tuple[str, ...] = ()  # a row needs at least one of these fields

    @property
    def table(self) -> str:
        return f"raw_{self.name}"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


NETWORK_SYNONYMS = {"x": "twitter", "x.com": "twitter", "twitter.com": "twitter", "fb": "facebook", "ig": "instagram"}
CHANNEL_SYNONYMS = {**NETWORK_SYNONYMS, "voice": "phone", "call": "phone", "web_form": "web", "webform": "web",
                    "mail": "email", "e-mail": "email"}


def _enum(name: str, values: tuple[str, ...], synonyms: dict[str, str] | None = None, **kw) -> Field:
    return Field(name, "enum", values=values, synonyms=synonyms or {}, **kw)


CUSTOMERS = Kind(
    name="customers",
    key=("source_id",),
    fields=(
        Field("source_id", required=True),
        Field("name"),
        Field("first_name"),
        Field("last_name"),
        Field("email"),
        Field("phone"),
        Field("company"),
        Field("street"),
        Field("city"),
        Field("postcode"),
        Field("country"),
        # where a contact is, when a help desk knows no country: its locale (en-GB) and time zone (Europe/Berlin)
        Field("locale"),
        Field("time_zone"),
        Field("birth_date", "date"),
        Field("created_at", "timestamp"),
        Field("segment"),
        *(Field(network) for network in SOCIAL_NETWORKS),
        Field("customer_ref"),  # the same person's id in another system, e.g. the CRM id a help desk keeps
    ),
)

PURCHASES = Kind(
    name="purchases",
    key=("order_id", "line_id"),
    fields=(
        Field("order_id", required=True),
        Field("line_id"),
        Field("ordered_at", "timestamp", required=True),
        Field("amount", "money", required=True),
        # order-level money, the same on each of an order's lines and counted once: what the order came to (with
        # shipping, taxes and discounts) and how much of it was refunded
        Field("order_total", "money"),
        Field("refunded_amount", "money"),
        Field("currency"),
        Field("email"),
        Field("phone"),
        Field("customer_ref"),
        # who paid and their address: evidence of who placed an order when its email or phone is new or shared
        Field("billing_name"),
        Field("billing_street"),
        Field("billing_city"),
        Field("billing_postcode"),
        Field("billing_country"),
        Field("shipping_country"),
        Field("product"),
        Field("sku"),
        Field("category"),
        Field("quantity", "count"),
        Field("channel"),
        _enum(
            "status",
            ("paid", "pending", "refunded", "partially_refunded", "cancelled"),
            {"canceled": "cancelled", "voided": "cancelled", "void": "cancelled", "complete": "paid",
             "completed": "paid", "authorized": "pending", "refund": "refunded"},
            default="paid",
        ),
    ),
    one_of=("email", "phone", "customer_ref"),
)

TICKETS = Kind(
    name="tickets",
    key=("ticket_id",),
    fields=(
        Field("ticket_id", required=True),
        Field("created_at", "timestamp", required=True),
        Field("requester_email"),
        Field("requester_phone"),
        Field("requester_handle"),
        Field("customer_ref"),
        Field("requester_name"),
        Field("channel", "token", synonyms=CHANNEL_SYNONYMS),
        Field("subject"),
        Field("description", "long_text"),
        _enum("status", ("new", "open", "pending", "hold", "solved", "closed"),
              {"on-hold": "hold", "on_hold": "hold", "resolved": "solved"}, default="open"),
        _enum("priority", ("low", "normal", "high", "urgent"), {"medium": "normal"}),
        Field("group_name"),
        Field("assignee"),
        Field("first_response_at", "timestamp"),
        Field("solved_at", "timestamp"),
        Field("updated_at", "timestamp"),
        Field("satisfaction", "satisfaction"),
        Field("reopens", "count"),
    ),
    one_of=("requester_email", "requester_phone", "requester_handle", "customer_ref"),
)

TICKET_COMMENTS = Kind(
    name="ticket_comments",
    key=("comment_id",),
    fields=(
        Field("comment_id"),
        Field("ticket_id", required=True),
        Field("created_at", "timestamp", required=True),
        _enum("author_type", ("customer", "agent"),
              {"end-user": "customer", "end_user": "customer", "enduser": "customer", "requester": "customer",
               "user": "customer", "admin": "agent", "staff": "agent"}, required=True),
        Field("author"),
        Field("body", "long_text", required=True),
        Field("public", "boolean", default="true"),
    ),
)

SOCIAL_POSTS = Kind(
    name="social_posts",
    key=("post_id",),
    fields=(
        Field("post_id", required=True),
        Field("posted_at", "timestamp", required=True),
        Field("network", "token", required=True, synonyms=NETWORK_SYNONYMS),
        Field("handle", required=True),
        Field("text", "long_text", required=True),
        Field("author_name"),
        Field("url"),
        Field("in_reply_to"),
        Field("likes", "count"),
        Field("shares", "count"),
        Field("followers", "count"),
        Field("from_company", "boolean", default="false"),
    ),
)

KINDS: dict[str, Kind] = {k.name: k for k in (CUSTOMERS, PURCHASES, TICKETS, TICKET_COMMENTS, SOCIAL_POSTS)}


class UnknownKind(ValueError):
    pass


def kind(name: str) -> Kind:
    """The kind called `name`, or a clear error listing the kinds there are."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"unknown kind {name!r}; expected one of: {', '.join(KINDS)}") from None
