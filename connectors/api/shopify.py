"""Shopify Admin: orders changed since the cursor (the latest `updated_at` stored), one purchase per line item."""

from __future__ import annotations

from collections.abc import Iterator

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
    """One record per line item: the order's fields with the line under `line_item`. An order without lines is
    kept whole, so the loader quarantines it with a reason rather than it vanishing."""
    records = []
    for order in orders:
        if not isinstance(order, dict) or not order.get("line_items"):
            records.append(order)
            continue
        fields = {k: v for k, v in order.items() if k != "line_items"}
        records.extend({**fields, "line_item": item} for item in order["line_items"])
    return records
