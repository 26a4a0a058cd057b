"""Rules on what the customer bought: a recent purchase to ask about, a refund, a top customer, one drifting away,
and a first-time buyer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from models.money import sums
from models.talking_points.evidence import LEADERSHIP, SALES, SUPPORT, TalkingPoint, point
from models.talking_points.timeline import Context, first_name, of_kind, product_of
from models.talking_points.wording import SUBJECT_CHARS, ago, joined, money, number, plural, shorten, timestamp

RECENT_PURCHASE_DAYS = 14
RECENT_REFUND_DAYS = 60
CHURN_MIN_ORDERS = 3
CHURN_CADENCE_MULTIPLE = 2
CHURN_MIN_DAYS = 60
FIRST_ORDER_DAYS = 30
MAX_NAMED_PRODUCTS = 3
VOID_ORDER_STATUSES = ("cancelled", "canceled", "refunded", "voided", "failed")


def refunded_orders(ctx: Context) -> set[str]:
    return {e["ref_id"] for e in of_kind(ctx, "refund") if e["ref_id"] is not None}


def kept_purchases(ctx: Context) -> list[dict]:
    """Purchases that went through and were not refunded: the ones worth asking about."""
    refunded = refunded_orders(ctx)
    return [e for e in of_kind(ctx, "purchase")
            if e["status"] not in VOID_ORDER_STATUSES and (e["ref_id"] is None or e["ref_id"] not in refunded)]


def product_phrase(purchases: list[dict]) -> str | None:
    names = list(dict.fromkeys(name for e in purchases if (name := product_of(e))))
    if not names:
        return None
    shown = [f"the {name}" for name in names[:MAX_NAMED_PRODUCTS]]
    if len(names) > MAX_NAMED_PRODUCTS:
        shown.append(plural(len(names) - MAX_NAMED_PRODUCTS, "more item"))
    return joined(shown)


def recent_purchase_follow_up(ctx: Context) -> list[TalkingPoint]:
    recent = [e for e in kept_purchases(ctx) if ctx.within(e["occurred_at"], RECENT_PURCHASE_DAYS)]
    if not recent:
        return []
    products = product_phrase(recent)
    latest = ago(ctx.days_since(recent[-1]["occurred_at"]))
    amount = number(recent[0]["amount"]) if len(recent) == 1 else None
    if products and len({product_of(e) for e in recent}) == 1:
        paid = f" ({money(amount, recent[0]['currency'])})" if amount is not None else ""
        sentence = f"They bought {products}{paid} {latest} — ask how {products} is working out."
    elif products:
        sentence = f"They bought {products} in the last {RECENT_PURCHASE_DAYS} days — ask how they are working out."
    else:
        sentence = f"They placed an order {latest} — ask how it is working out."
    return [point("recent_purchase_follow_up", 3, sentence, recent, {SALES, SUPPORT})]


def refunded_product(ctx: Context, refund: dict) -> str | None:
    """The refund row's own product, else the products of the order it refunds; none for a partial refund, which
    names an amount but not the items it was for."""
    if refund["status"] == "partially_refunded":
        return None
    bought = [e for e in of_kind(ctx, "purchase") if refund["ref_id"] is not None and e["ref_id"] == refund["ref_id"]]
    return product_phrase([refund]) or product_phrase(bought)


def refund_phrase(amount: float | None, product: str | None, currency: str | None = None,
                  partial_of: str | None = None) -> str:
    if amount is not None and partial_of:
        return f"We refunded {money(amount, currency)} of order {partial_of}"
    if amount is not None and product:
        return f"We refunded {money(amount, currency)} for {product}"
    if amount is not None:
        return f"We refunded {money(amount, currency)}"
    return f"We refunded {product}" if product else "We issued a refund"


def recent_refund(ctx: Context) -> list[TalkingPoint]:
    points = []
    for refund in of_kind(ctx, "refund"):
        if not ctx.within(refund["occurred_at"], RECENT_REFUND_DAYS):
            continue
        partial_of = shorten(refund["ref_id"], SUBJECT_CHARS) if refund["status"] == "partially_refunded" else None
        refunded = refund_phrase(number(refund["amount"]), refunded_product(ctx, refund), refund["currency"],
                                 partial_of)
        sentence = (f"{refunded} {ago(ctx.days_since(refund['occurred_at']))} — acknowledge it and "
                    "check they are happy with how it was handled.")
        points.append(point("recent_refund", 2, sentence, [refund], {SUPPORT, SALES}))
    return points


def lifetime_text(profile: dict, value: float) -> str:
    """The lifetime value in each currency they paid in ('£900.00 + €120.00'), else the one figure as it is."""
    values = profile.get("lifetime_values")
    if isinstance(values, list) and values and all(isinstance(v, Mapping) for v in values):
        return sums(values)
    return money(value, profile.get("currency"))


def top_customer(ctx: Context) -> list[TalkingPoint]:
    value, threshold = number(ctx.profile.get("lifetime_value")), number(ctx.ltv_top_decile)
    if value is None or threshold is None or value <= 0 or value < threshold:
        return []
    orders = number(ctx.profile.get("order_count"))
    since = timestamp(ctx.profile.get("customer_since"))
    details = "".join([f" across {plural(int(orders), 'order')}" if orders else "",
                       f" since {since:%B %Y}" if since else ""])
    sentence = (f"Top-10% customer: {lifetime_text(ctx.profile, value)} lifetime value{details}. "
                "Give them priority and the best option you can offer.")
    return [point("top_customer", 2, sentence, [], {SALES, LEADERSHIP})]


def last_purchase(ctx: Context) -> tuple[datetime | None, list[dict]]:
    purchases = of_kind(ctx, "purchase")
    when = timestamp(ctx.profile.get("last_purchase_at")) or (purchases[-1]["occurred_at"] if purchases else None)
    if not purchases:
        return when, []
    latest = purchases[-1]
    same_order = [e for e in purchases if latest["ref_id"] is not None and e["ref_id"] == latest["ref_id"]]
    return when, same_order or [latest]


def every(days: float) -> str:
    """'every day' for a rhythm of a day or less ('every 0 days' reads wrong), else 'every N days'."""
    return "every day" if round(days) <= 1 else f"every {round(days)} days"


def churn_risk(ctx: Context) -> list[TalkingPoint]:
    orders, cadence = number(ctx.profile.get("order_count")), number(ctx.profile.get("purchase_cadence_days"))
    last_at, cited = last_purchase(ctx)
    if orders is None or orders < CHURN_MIN_ORDERS or not cadence or cadence <= 0 or last_at is None:
        return []
    days = ctx.days_since(last_at)
    if days <= CHURN_CADENCE_MULTIPLE * cadence or days <= CHURN_MIN_DAYS:
        return []
    sentence = (f"Usually orders {every(cadence)}, but the last order was {days} days ago — "
                "they may be drifting away; ask how things are going and what would bring them back.")
    return [point("churn_risk", 2, sentence, cited, {SALES, LEADERSHIP})]


def first_order(ctx: Context) -> tuple[datetime | None, list[dict]]:
    purchases = of_kind(ctx, "purchase")
    if not purchases:
        return timestamp(ctx.profile.get("first_purchase_at") or ctx.profile.get("last_purchase_at")), []
    first = purchases[0]
    same_order = [e for e in purchases if first["ref_id"] is not None and e["ref_id"] == first["ref_id"]]
    return first["occurred_at"], same_order or [first]


def order_count(ctx: Context) -> int:
    counted = number(ctx.profile.get("order_count"))
    if counted is not None:
        return int(counted)
    purchases = of_kind(ctx, "purchase")
    return len({e["ref_id"] or e["event_id"] for e in purchases})


def first_time_buyer(ctx: Context) -> list[TalkingPoint]:
    placed_at, order = first_order(ctx)
    if order_count(ctx) != 1 or placed_at is None or not ctx.within(placed_at, FIRST_ORDER_DAYS):
        return []
    products = product_phrase(order)
    what = f" ({products})" if products else ""
    sentence = (f"First-time buyer: first order {ago(ctx.days_since(placed_at))}{what}. "
                f"Welcome {first_name(ctx) or 'them'} and make sure everything arrived.")
    return [point("first_time_buyer", 3, sentence, order, {SALES, SUPPORT})]
