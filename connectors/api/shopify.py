"""Shopify Admin: orders changed since the cursor (the latest `updated_at` stored), one purchase per line item."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from connectors.api.base import Page, Setting, SourcesError, Stream, latest
from connectors.api.http import ApiError, Auth, Http, header, next_link

SETTINGS = {
    "base_url": Setting("text", required=True, help="your shop's admin address, e.g. https://your-shop.myshopify.com"),
    "token_env": Setting("text", required=True, help="the environment variable holding the Admin API access token"),
    "api_version": Setting("text", default="2024-10", help="the Admin API version"),
    "start": Setting("text", default="1970-01-01T00:00:00Z", help="where the first sync starts (updated_at_min)"),
    "limit": Setting("integer", default=250, help="orders per page, at most 250"),
}


def check(settings: dict, where: str) -> dict:
    if not 1 <= settings["limit"] <= 250:
        raise SourcesError(f"{where}: setting 'limit' must be between 1 and 250")
    return settings


def auth(settings: dict) -> Auth:
    return header("X-Shopify-Access-Token", settings["token_env"])


def base_url(settings: dict) -> str:
    return settings["base_url"]


def streams(source, http: Http) -> list[Stream]:
    return [Orders(source, http)]


class Orders(Stream):
    """Orders by `updated_at`, oldest change first, so each page's latest `updated_at` is a safe resume point
    (`updated_at_min` is inclusive: orders at that very moment come again, and are found unchanged)."""

    name = "orders"
    kind = "purchases"
    mapping = "shopify_api_orders"
    cursor_field = "updated_at"

    def pages(self, since: str | None) -> Iterator[Page]:
        s = self.settings
        url = f"/admin/api/{s['api_version']}/orders.json"
        params = {"status": "any", "updated_at_min": since or s["start"], "limit": s["limit"],
                  "order": "updated_at asc"}
        cursor = since
        while url:
            response = self.http.get(url, params)
            orders = self.http.decode(response).get("orders") or []
            cursor = latest((o.get("updated_at") for o in orders if isinstance(o, dict)), cursor)
            yield Page(records=line_items(orders), next_cursor=cursor)
            # the next page's link carries its own query: Shopify refuses other parameters next to page_info
            following = next_link(response)
            if following and following == response.url:
                raise ApiError(f"{self.source.name}: the next page's link points at the same page; stopping")
            url, params = following, None


def line_items(orders: list) -> list:
    """One record per line item: the order's fields, with what was refunded of it as `refunded_total`, and the line
    under `line_item`. An order without lines is kept whole, so the loader quarantines it with a reason rather than
    it vanishing."""
    records = []
    for order in orders:
        if not isinstance(order, dict) or not order.get("line_items"):
            records.append(order)
            continue
        fields = {k: v for k, v in order.items() if k not in ("line_items", "refunds")}
        fields["refunded_total"] = refunded_total(order.get("refunds"))
        records.extend({**fields, "line_item": item} for item in order["line_items"])
    return records


def refunded_total(refunds) -> str | None:
    """The money an order's refunds returned: the sum of their successful `refund` transactions (an order's
    `refunds[].transactions[]` in the Admin API), as text in cents; None when nothing was refunded.

    Only transactions say what went back: a refund's line items say what was returned, which may be refunded for
    less (a goodwill part) or not at all (restocked only). A transaction whose amount is unreadable counts as
    unknown, and so does the whole order's refund, rather than a smaller sum passing for the truth."""
    if not isinstance(refunds, list):
        return None
    cents = 0
    for refund in refunds:
        for transaction in (refund.get("transactions") or []) if isinstance(refund, dict) else ():
            if not isinstance(transaction, dict):
                continue
            if transaction.get("kind") != "refund" or transaction.get("status") != "success":
                continue
            try:
                cents += round(Decimal(str(transaction.get("amount"))) * 100)
            except ArithmeticError:
                return None
    return f"{Decimal(cents) / 100:.2f}" if cents else None
